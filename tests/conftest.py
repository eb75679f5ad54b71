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


@pytest.fixture(scope="module")
def db_path(tmp_path_factory) -> Path:
    """The quick built-in dataset (one sequence per action: 30 train, 4 val, 4 test) as a db at 30 fps."""
    from src.datasets import amass_parser, synthetic

    root = tmp_path_factory.mktemp("data")
    synthetic.main(["--output_dir", str(root / "syn"), "--quick", "--seed", "0"])
    amass_parser.main(["--dataset_name", "babel", "--input_dir", str(root / "syn" / "amass"),
                       "--babel_dir", str(root / "syn" / "babel"), "--output_dir", str(root / "db"),
                       "--target_fps", "30"])
    return root / "db" / "babel_30fps_db.pt"
