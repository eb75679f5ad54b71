"""The built-in data made one split at a time (``src.datasets.builtin_data``): the split made alone
equals that split of the whole dataset, only the db file is kept, and an evaluation of a built-in
model whose data is absent makes what it needs."""

import json
from pathlib import Path

import pytest
import torch

from src.datasets import amass_parser, builtin_data, synthetic
from src.datasets.formats import db
from src.datasets.synthetic_data import assign_splits
from src.evaluate import report

SMALL = {"num_sequences": 30, "seed": 1, "fps": 30.0, "chain_fraction": 0.25, "target_fps": 20.0}


def _same(a, b) -> bool:
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and a.dtype == b.dtype and torch.equal(a, b)
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


@pytest.fixture(scope="module")
def whole(tmp_path_factory) -> Path:
    """The small recipe's whole dataset, made by the two documented commands."""
    root = tmp_path_factory.mktemp("whole")
    assert synthetic.main(["--output_dir", str(root / "syn"), "--num_sequences", "30", "--seed", "1"]) == 0
    assert amass_parser.main(["--dataset_name", "babel", "--input_dir", str(root / "syn" / "amass"), "--babel_dir",
                              str(root / "syn" / "babel"), "--output_dir", str(root / "db"), "--target_fps", "20"]) == 0
    return root / "db" / "babel_20fps_db.pt"


def test_a_split_made_alone_equals_that_split_of_the_whole_set(whole, tmp_path):
    notices = []
    made = builtin_data.ensure_split("test", tmp_path / "db" / "babel_20fps_db.pt", log=notices.append, recipe=SMALL)
    assert made == tmp_path / "db" / "babel_20fps_test.pt"
    alone, full = db.load_db(made), db.load_db(whole, "test")
    assert _same(alone, full)
    # only the cache is kept: no raw AMASS/BABEL files, no temporary folder, no other split
    assert sorted(p.name for p in made.parent.iterdir()) == ["babel_20fps_test.pt"]
    assert len(notices) == 2 and "test split" in notices[0]
    stamp = made.stat().st_mtime_ns
    assert builtin_data.ensure_split("test", made.parent / "babel_20fps_db.pt", log=notices.append, recipe=SMALL) == made
    assert made.stat().st_mtime_ns == stamp and len(notices) == 2  # cached: not made again


def test_the_generator_writes_only_the_chosen_splits(tmp_path):
    assert synthetic.main(["--output_dir", str(tmp_path), "--num_sequences", "30", "--seed", "1",
                           "--splits", "val"]) == 0
    written = sorted(int(f.name[:5]) for f in (tmp_path / "amass").rglob("*.npz"))
    val = sorted(int(k) for k in json.loads((tmp_path / "babel" / "val.json").read_text()))
    assert written == val == [i for i, s in enumerate(assign_splits(30, 1)) if s == "val"] and len(val) == 3
    assert (tmp_path / "babel" / "train.json").read_text() == "{}"
    assert "--splits val" in (tmp_path / "README.md").read_text()


def test_evaluation_makes_the_builtin_test_split_it_lacks(tmp_path, monkeypatch):
    recipe_path = tmp_path / "data" / "synthetic10k_db" / "babel_20fps_db.pt"
    monkeypatch.setattr(builtin_data, "DATAPATH", recipe_path)
    monkeypatch.setattr(builtin_data, "RECIPE", SMALL)
    # a datapath given on the command line that is not the recipe's is left alone (the usual error follows)
    opt = {"dataset": "builtin", "datapath": str(tmp_path / "mine_db.pt")}
    report._builtin_on_demand(opt, "test", explicit=True, fps=20.0)
    assert opt["datapath"] == str(tmp_path / "mine_db.pt") and not recipe_path.parent.exists()
    # other frame rates and datasets are never replaced
    report._builtin_on_demand(opt, "test", explicit=False, fps=30.0)
    report._builtin_on_demand({"dataset": "bvh", "datapath": opt["datapath"]}, "test", explicit=False, fps=20.0)
    assert not recipe_path.parent.exists()
    # the checkpoint's own datapath, absent here: the recipe's data is used and its test split made
    report._builtin_on_demand(opt, "test", explicit=False, fps=20.0)
    assert opt["datapath"] == str(recipe_path)
    assert db.split_path(recipe_path, "test").is_file() and not db.split_path(recipe_path, "train").exists()
