"""The retrieval command (src/retrieve.py) on a small folder, its content-keyed embedding cache,
captioning by retrieval (describe --caption), and their errors."""

import json

import numpy as np
import pytest

from src import api
from src.datasets.formats import amass_io
from src.retrieve import main

ACTIONS = ("wave_left_hand", "jump_in_place", "walk_forward")


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """A folder with one built-in clip per action (AMASS .npz, 20 fps) and a joints .npy."""
    if not api.DEFAULT_CHECKPOINT.is_file():
        pytest.skip(f"the shipped model {api.DEFAULT_CHECKPOINT} is not present")
    from src.datasets.procedural.sequence import generate_sequence
    from src.datasets.synthetic_data import amass_arrays

    root = tmp_path_factory.mktemp("library")
    for i, action in enumerate(ACTIONS):
        motion = generate_sequence([action], np.random.default_rng(i), fps=20.0)
        amass_io.write_amass_npz(root / "clips" / f"{action}.npz", amass_arrays(motion, "neutral"))
        if action == "walk_forward":
            np.save(root / "clips" / "walk_joints.npy", motion["joints"][:, :22].astype(np.float32))
    return root


def _run(capsys, *argv):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_query_a_folder_table_json_and_cache(library, tmp_path, capsys):
    cache = tmp_path / "cache"
    out_json = tmp_path / "results.json"
    code, out, err = _run(capsys, "--query", "a person jumps up and down", "--motions", library / "clips",
                          "--top_k", "2", "--cache_dir", cache, "--output", out_json)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "query: a person jumps up and down" and lines[1].split() == ["rank", "cosine", "motion"]
    assert lines[3].split()[2] == "jump_in_place.npz"
    # the .npy has positions only, which this rotation model cannot read: skipped with a warning naming it
    assert "walk_joints.npy" in err and "3 motion(s): 0 from the cache, 3 encoded" in out
    data = json.loads(out_json.read_text())
    assert data["task"] == "text_to_motion" and data["num_motions"] == 3
    assert [r["motion"] for r in data["results"]][0] == "jump_in_place.npz" and len(data["results"]) == 2
    assert [s["motion"] for s in data["skipped"]] == ["walk_joints.npy"]
    assert list(cache.glob("*.npz")), "the embeddings were not cached"

    code, out, _ = _run(capsys, "--query", "a person walks forward", "--motions", library / "clips",
                        "--cache_dir", cache)
    assert code == 0 and "3 motion(s): 3 from the cache, 0 encoded" in out
    assert out.splitlines()[3].split()[2] == "walk_forward.npz"
    # the output file is never overwritten without --overwrite
    assert _run(capsys, "--query", "x", "--motions", library / "clips", "--output", out_json)[0] == 2


def test_cache_is_keyed_by_content_not_name(library, tmp_path, capsys):
    folder = tmp_path / "copy"
    folder.mkdir()
    src = library / "clips" / "wave_left_hand.npz"
    (folder / "renamed.npz").write_bytes(src.read_bytes())
    cache = tmp_path / "cache"
    args = ("--query", "a person waves", "--motions", folder, "--cache_dir", cache)
    assert _run(capsys, *args)[0] == 0
    (folder / "renamed.npz").rename(folder / "other_name.npz")
    code, out, _ = _run(capsys, *args)
    assert code == 0 and "1 from the cache, 0 encoded" in out
    # new content under the old name is encoded again
    (folder / "other_name.npz").write_bytes((library / "clips" / "jump_in_place.npz").read_bytes())
    code, out, _ = _run(capsys, *args)
    assert code == 0 and "0 from the cache, 1 encoded" in out


def test_motion_to_text_and_zero_shot_classification(library, tmp_path, capsys):
    texts = tmp_path / "texts.txt"
    texts.write_text("a person sits down\n# a comment\na person waves with the left hand\na person runs\n")
    clip = library / "clips" / "wave_left_hand.npz"
    code, out, err = _run(capsys, "--motion", clip, "--texts", texts, "--top_k", "2", "--no_cache")
    assert code == 0, err
    assert out.splitlines()[3].split(maxsplit=2)[2] == "a person waves with the left hand"
    out_json = tmp_path / "cls.json"
    labels = tmp_path / "labels.txt"
    labels.write_text("walk\njump\nwave\n")
    code, out, err = _run(capsys, "--motions", library / "clips", "--classify", labels, "--no_cache",
                          "--output", out_json)
    assert code == 0, err
    rows = {r["motion"]: r for r in json.loads(out_json.read_text())["results"]}
    assert rows["jump_in_place.npz"]["label"] == "jump" and rows["walk_forward.npz"]["label"] == "walk"
    for row in rows.values():
        probs = [p["probability"] for p in row["probabilities"]]
        assert sum(probs) == pytest.approx(1.0, abs=1e-4) and probs == sorted(probs, reverse=True)


def test_retrieve_errors_name_the_file(library, tmp_path, capsys):
    bad = tmp_path / "bad.npy"
    np.save(bad, np.zeros((4, 7), np.float32))
    labels = tmp_path / "labels.txt"
    labels.write_text("walk\n")
    code, _, err = _run(capsys, "--motion", bad, "--classify", labels)
    assert code == 2 and str(bad) in err and "(T, 22, 3)" in err
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = _run(capsys, "--query", "walk", "--motions", empty)
    assert code == 2 and str(empty) in err
    code, _, err = _run(capsys, "--query", "walk", "--motion", library / "clips" / "jump_in_place.npz")
    assert code == 2 and "--motions" in err
    code, _, err = _run(capsys, tmp_path / "missing.pth.tar", "--query", "walk", "--motions", library / "clips",
                        "--no_cache")
    assert code == 3 and "missing.pth.tar" in err
    assert _run(capsys, "--query", "walk")[0] == 2  # argparse: no motions


def test_describe_caption_lists_training_captions_with_scores(library, capsys):
    from src.describe.__main__ import main as describe

    clip = library / "clips" / "wave_left_hand.npz"
    assert describe([str(clip), "--format", "json", "--caption", "--num_captions", "3"]) == 0
    data = json.loads(capsys.readouterr().out)
    captions = data["captions"]["matches"]
    assert len(captions) == 3 and all("left hand" in c["text"] or "left arm" in c["text"] for c in captions)
    assert captions[0]["score"] >= captions[-1]["score"] and data["main_movers"][0] == "left arm"
    assert describe([str(library / "clips" / "walk_joints.npy"), "--caption"]) == 2
    assert "walk_joints.npy" in capsys.readouterr().err


def test_query_a_motion_db(library, tmp_path, capsys):
    """--motions also takes a db written by the AMASS parser; its sequences are named index:name."""
    from src.datasets.formats.db import DbWriter

    writer = DbWriter("babel", 20.0)
    for action in ("wave_left_hand", "jump_in_place"):
        raw = amass_io.load_amass_npz(library / "clips" / f"{action}.npz", target_fps=20.0)
        writer.add(f"clips/{action}.npz", raw["rotvec"], raw["trans"], raw["betas"], "neutral", 20.0)
    path = tmp_path / "babel_20fps_test.pt"
    writer.save(path)
    code, out, err = _run(capsys, "--query", "a person jumps", "--motions", path, "--no_cache", "--top_k", "1")
    assert code == 0, err
    assert out.splitlines()[3].split()[2] == "1:clips/jump_in_place.npz"
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a db")
    code, _, err = _run(capsys, "--query", "a person jumps", "--motions", junk, "--no_cache")
    assert code == 2 and str(junk) in err
