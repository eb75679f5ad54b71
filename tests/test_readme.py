"""Every Python block of README.md runs as written, on the shipped model, from a scratch folder
(files the examples write land there). A block that fails names its first line in README. A block
that needs licensed files (the SMPL+H model) skips, with its reason, where they are absent."""

import os
import re

import pytest

from src import api, config
from tests.conftest import REPO_ROOT

README = REPO_ROOT / "README.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def python_blocks():
    text = README.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start(1)) + 1, m.group(1)) for m in BLOCK.finditer(text)]


def test_readme_has_python_examples():
    assert len(python_blocks()) >= 2


def test_bone_map_covers_the_bvh_bones(tmp_path):
    """assets/bone_map_smpl_to_mixamo.json (README "Use in Blender") names every bone of the BVH files
    once, each onto a different Mixamo bone."""
    import json

    import torch

    from src.datasets.formats.bvh import read_bvh, write_bvh

    bones = json.loads((config.ASSETS_DIR / "bone_map_smpl_to_mixamo.json").read_text(encoding="utf-8"))["bones"]
    written = read_bvh(write_bvh(tmp_path / "rest.bvh", torch.eye(3).expand(2, 24, 3, 3), torch.zeros(2, 3), 20.0))
    assert sorted(bones) == sorted(written.names) == sorted(config.SMPL_JOINT_NAMES)
    assert len(set(bones.values())) == len(bones) and all(v.startswith("mixamorig:") for v in bones.values())
    assert bones["pelvis"] == "mixamorig:Hips" and bones["left_hip"] == "mixamorig:LeftUpLeg"
    assert bones["left_foot"] == "mixamorig:LeftToeBase" and bones["right_wrist"] == "mixamorig:RightHand"


@pytest.mark.parametrize("line, code", python_blocks(), ids=lambda v: f"README.md:{v}" if isinstance(v, int) else "")
def test_readme_python_block_runs(line, code, tmp_path, monkeypatch):
    if not api.DEFAULT_CHECKPOINT.is_file():
        pytest.skip(f"the shipped model {api.DEFAULT_CHECKPOINT} is not present")
    smplh = config.SMPLH_MODEL_DIR / "neutral" / "model.npz"
    if "SMPLH_MODEL_DIR" in code and not smplh.is_file():
        pytest.skip(f"README.md:{line} needs the SMPL+H model file {smplh} (free registration)")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(REPO_ROOT))  # `from src...` as from the checkout's root
    exec(compile(code, f"README.md:{line}", "exec"), {"__name__": "__readme__"})
    assert os.getcwd() == str(tmp_path)
