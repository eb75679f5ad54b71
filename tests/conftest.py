"""Shared test fixtures. Tests that need ``../shared/data`` skip with a reason when it is absent
(a user's clone has no ``../shared``)."""

import os
from pathlib import Path

import pytest
import torch

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("SMOG_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))

# The tests' models are tiny: one thread is faster than two fighting over small matmuls.
torch.set_num_threads(1)


@pytest.fixture
def shared_data() -> Path:
    """Path to ``../shared/data``; skips the test where it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"{SHARED_DATA} is absent (only the project's own checkout has ../shared)")
    return SHARED_DATA
