"""Every Python block of README.md runs as written, on the shipped model, from a scratch folder
(files the examples write land there). A block that fails names its first line in README."""

import os
import re

import pytest

from src import api
from tests.conftest import REPO_ROOT

README = REPO_ROOT / "README.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def python_blocks():
    text = README.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start(1)) + 1, m.group(1)) for m in BLOCK.finditer(text)]


def test_readme_has_python_examples():
    assert len(python_blocks()) >= 1


@pytest.mark.parametrize("line, code", python_blocks(), ids=lambda v: f"README.md:{v}" if isinstance(v, int) else "")
def test_readme_python_block_runs(line, code, tmp_path, monkeypatch):
    if not api.DEFAULT_CHECKPOINT.is_file():
        pytest.skip(f"the shipped model {api.DEFAULT_CHECKPOINT} is not present")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(REPO_ROOT))  # `from src...` as from the checkout's root
    exec(compile(code, f"README.md:{line}", "exec"), {"__name__": "__readme__"})
    assert os.getcwd() == str(tmp_path)
