"""BABEL reading, label-to-frame alignment, and the parser's BABEL mode, on files in BABEL's layouts."""

import json

import torch

from src.datasets import amass_parser
from src.datasets.formats import babel, db
from tests.test_amass_parser import G_FPS, write_bad_files, write_g_npz, write_stageii_npz


def _label(text, cats, start=None, end=None):
    lab = {"raw_label": text.upper() if text else None, "proc_label": text, "seg_id": f"seg-{text}",
           "act_cat": cats}
    if start is not None:
        lab.update(start_t=start, end_t=end)
    return lab


def _ann(sid, feat_p, dur, seq_labels, frame_labels):
    return {"babel_sid": sid, "url": f"https://example.org/{sid}", "feat_p": feat_p, "dur": dur,
            "seq_ann": {"babel_lid": f"l{sid}", "anntr_id": "a1", "mul_act": bool(frame_labels), "labels": seq_labels},
            "frame_ann": None if frame_labels is None else
            {"babel_lid": f"f{sid}", "anntr_id": "a1", "mul_act": True, "labels": frame_labels}}


def write_babel(babel_dir):
    """train / val / test / extra_train in BABEL's layout; AMASS paths under BABEL subset names."""
    babel_dir.mkdir(parents=True)
    train = {
        # BABEL's sid 7692 pattern: seq "jump", frame labels in 1 s steps
        "7692": _ann(7692, "CMU/CMU/141/141_05_poses.npz", 2.0, [_label("jump", ["jump"])], [
            _label("stand", ["stand"], 0, 1.0), _label("hop left", ["hop", "jump"], 1.0, 1.5),
            _label("transition", ["transition"], 1.4, 1.6),  # overlaps both neighbours
            _label("hop right", ["hop", "jump"], 1.5, 2.7)]),  # end_t > dur
        "11": _ann(11, "ACCAD/ACCAD/Female1/walk_poses.npz", 2.0, [_label("walk", ["walk"])], None),
    }
    val = {"12": _ann(12, "SFU/SFU/0005/run_poses.npz", 2.0, [_label("run", ["run"])], None)}
    test = {"13": _ann(13, "Transitions_mocap/Transitions_mocap/m1/t_poses.npz", 2.0,
                       [_label(None, None)], [_label(None, None, 0.0, 1.0)]),
            "14": _ann(14, "CMU/CMU/99/99_01_poses.npz", 1.0, [_label("sit", ["sit"])], None)}  # file absent
    extra_train = {"7692": {"babel_sid": 7692, "feat_p": "CMU/CMU/141/141_05_poses.npz", "dur": 2.0,
                            "seq_anns": [{"anntr_id": "a2", "labels": [_label("jumping", ["jump"])]},
                                         {"anntr_id": "a3", "labels": [_label("hop", ["hop"])]}],
                            "frame_anns": [{"anntr_id": "a2", "labels": [_label("hop", ["hop"], 0.5, 1.8)]}]}}
    for name, data in (("train", train), ("val", val), ("test", test), ("extra_train", extra_train)):
        (babel_dir / f"{name}.json").write_text(json.dumps(data))


def test_load_babel_quirks(tmp_path):
    write_babel(tmp_path / "babel")
    seqs, problems = babel.load_babel(tmp_path / "babel")
    assert problems == []
    jump = seqs[babel.amass_key("CMU/141/141_05_poses.npz")]
    assert (jump.sid, jump.split, jump.amass_path) == (7692, "train", "CMU/141/141_05_poses.npz")
    texts = [(lab.kind, lab.text) for lab in jump.labels]
    # train.json's labels, then both extra annotators' (merged into the same split)
    assert texts == [("seq", "jump"), ("frame", "stand"), ("frame", "hop left"), ("frame", "transition"),
                     ("frame", "hop right"), ("seq", "jumping"), ("seq", "hop"), ("frame", "hop")]
    assert jump.labels[2].act_cat == "hop|jump"
    walk = seqs[babel.amass_key("ACCAD/Female1/walk_poses.npz")]
    assert [(lab.kind, lab.text) for lab in walk.labels] == [("seq", "walk")]  # frame_ann null
    test = seqs[babel.amass_key("Transitions_mocap/m1/t_poses.npz")]
    assert test.split == "test" and [(lab.text, lab.act_cat) for lab in test.labels] == [("", ""), ("", "")]
    assert seqs[babel.amass_key("SFU/0005/run_poses.npz")].split == "val"


def test_label_text_fallback():
    assert babel.label_text({"proc_label": "walk", "raw_label": "Walking"}) == "walk"
    assert babel.label_text({"proc_label": None, "raw_label": "Walking "}) == "Walking"
    assert babel.label_text({"proc_label": None, "raw_label": None}) == ""


def test_frame_alignment_at_known_times():
    labels = [babel.BabelLabel("jump", "jump", "seq"), babel.BabelLabel("hop", "hop", "frame", 1.0, 1.5),
              babel.BabelLabel("late", "", "frame", 1.5, 2.7), babel.BabelLabel("blip", "", "frame", 0.51, 0.52),
              babel.BabelLabel("after", "", "frame", 2.5, 3.0)]
    segs = babel.to_frame_segments(labels, 30, 61)
    assert [(s.start, s.end, s.kind) for s in segs] == [(0, 61, "seq"), (30, 45, "frame"), (45, 61, "frame"),
                                                       (15, 16, "frame")]  # "after" starts past the end
    assert [(s.start, s.end) for s in babel.to_frame_segments(labels[1:3], 10, 21)] == [(10, 15), (15, 21)]


def test_amass_key_matches_layout_variants():
    feat_p = "Synthetic/Synthetic/subject_01/a_poses.npz"
    assert babel.amass_path_from_feat_p(feat_p) == "Synthetic/subject_01/a_poses.npz"
    assert babel.amass_key("CMU/141/141_05_poses.npz") == babel.amass_key("cmu/141/141_05_stageii.npz")


def test_cli_babel_mode(tmp_path):
    amass = tmp_path / "amass"
    for rel in ("CMU/141/141_05_poses.npz", "ACCAD/Female1/walk_poses.npz", "SFU/0005/run_poses.npz",
                "Transitions_mocap/m1/t_poses.npz", "CMU/01/not_in_babel_poses.npz"):
        write_g_npz(amass / rel, num_frames=121)  # 2.0 s at 59.99998856 fps -> 61 frames at 30 fps
    write_bad_files(amass / "CMU" / "02")
    write_babel(tmp_path / "babel")
    out = tmp_path / "db"
    assert amass_parser.main(["--dataset_name", "babel", "--input_dir", str(amass), "--babel_dir",
                              str(tmp_path / "babel"), "--output_dir", str(out), "--target_fps", "30"]) == 0

    train = db.load_db(out / "babel_30fps_db.pt", "train")
    assert train["names"] == ["ACCAD/Female1/walk_poses.npz", "CMU/141/141_05_poses.npz"]
    assert train["babel_sid"].tolist() == [11, 7692] and train["dataset"] == "babel"
    i = train["names"].index("CMU/141/141_05_poses.npz")
    assert db.sequence(train, i)["poses"].shape == (61, 24, 3)
    segs = {s.text: s for s in db.sequence_segments(train, i)}
    assert (segs["hop left"].start, segs["hop left"].end) == (30, 45)      # 1.0-1.5 s at 30 fps
    assert (segs["transition"].start, segs["transition"].end) == (42, 48)  # overlaps, kept
    assert (segs["hop right"].start, segs["hop right"].end) == (45, 61)    # end_t 2.7 > dur, clamped
    assert (segs["jump"].start, segs["jump"].end, segs["jump"].kind) == (0, 61, "seq")
    assert segs["hop left"].act_cat == "hop|jump" and "jumping" in segs
    walk = db.sequence_segments(train, train["names"].index("ACCAD/Female1/walk_poses.npz"))
    assert [(s.text, s.start, s.end, s.kind) for s in walk] == [("walk", 0, 61, "seq")]

    assert db.load_db(out / "babel_30fps_val.pt")["names"] == ["SFU/0005/run_poses.npz"]
    test = db.load_db(out / "babel_30fps_test.pt")
    assert test["names"] == ["Transitions_mocap/m1/t_poses.npz"] and set(test["seg_text"]) == {""}
    assert torch.load(out / "babel_30fps_test.pt", weights_only=True)["seg_act_cat"] == ["", ""]

    skipped = (out / "skipped.tsv").read_text()
    assert "CMU/99/99_01_poses.npz\tnot_found" in skipped  # in BABEL, not on disk
    assert "not_in_babel" not in skipped                  # on disk, not in BABEL: simply not part of it
    assert not list(out.glob(".*.tmp"))


def test_amass_mode_attaches_babel_labels(tmp_path):
    amass = tmp_path / "amass"
    write_g_npz(amass / "CMU/141/141_05_poses.npz")
    write_stageii_npz(amass / "SFU/0005/run_stageii.npz")  # a SMPL-X file still matches BABEL's _poses path
    write_babel(tmp_path / "babel")
    out = tmp_path / "db"
    amass_parser.main(["--dataset_name", "amass", "--input_dir", str(amass), "--babel_dir", str(tmp_path / "babel"),
                       "--output_dir", str(out), "--target_fps", "60"])
    train = db.load_db(out / "amass_60fps_train.pt")
    assert train["babel_sid"].tolist() == [7692] and train["poses"].shape[0] == 121
    assert abs(float(train["source_fps"][0]) - G_FPS) < 1e-4
    assert "hop right" in train["seg_text"]
    val = db.load_db(out / "amass_60fps_val.pt")
    assert val["babel_sid"].tolist() == [12] and val["seg_text"] == ["run"]
    assert val["seg_end"].tolist() == [61]  # 121 frames at 120 fps = 1.0 s = 61 frames at 60 fps


def test_bad_label_times_and_frame_rates_are_logged_and_skipped(tmp_path):
    """Frame labels ending before they start, or with null / text times, are dropped and listed in
    the parse log and skipped.tsv (not turned into one-frame segments, nor dropped silently); a
    file whose frame rate is implausible (1e9 fps would give a one-frame clip) is skipped."""
    amass = tmp_path / "amass"
    write_g_npz(amass / "CMU/141/141_05_poses.npz")
    write_g_npz(amass / "CMU/141/141_06_poses.npz", fps=1e9)
    labels = [_label("kick", ["kick"], 1.5, 0.5), dict(_label("wave", ["wave"]), start_t=None, end_t=1.0),
              _label("sit", ["sit"], "soon", 1.0), _label("jump", ["jump"], 0.5, 1.0)]
    train = {"1": _ann(1, "CMU/CMU/141/141_05_poses.npz", 2.0, [_label("mix", ["mix"])], labels),
             "2": _ann(2, "CMU/CMU/141/141_06_poses.npz", 2.0, [_label("walk", ["walk"])], None)}
    (tmp_path / "babel").mkdir()
    (tmp_path / "babel" / "train.json").write_text(json.dumps(train))
    out = tmp_path / "db"
    assert amass_parser.main(["--dataset_name", "babel", "--input_dir", str(amass), "--babel_dir",
                              str(tmp_path / "babel"), "--output_dir", str(out), "--splits", "train"]) == 0
    data = db.load_db(out / "babel_30fps_train.pt")
    assert data["names"] == ["CMU/141/141_05_poses.npz"]
    assert {s.text for s in db.sequence_segments(data, 0)} == {"mix", "jump"}
    skipped = (out / "skipped.tsv").read_text()
    for words in ("('kick') dropped: end_t 0.5 s is before start_t 1.5 s", "('wave') dropped: times start_t=None",
                  "('sit') dropped: times start_t='soon'"):
        assert words in skipped and words in (out / "parse_log.txt").read_text(), words
    assert "CMU/141/141_06_poses.npz\tbad_fps\tframe rate 1e+09 is outside the plausible range" in skipped


def test_no_usable_file_writes_nothing_and_a_db_is_replaced_only_with_overwrite(tmp_path, capsys):
    """An input folder with only bad files exits 2 and leaves an existing db as it was; a new
    parse into a folder holding a db is refused unless --overwrite."""
    amass, bad = tmp_path / "amass", tmp_path / "bad"
    write_g_npz(amass / "CMU/01/01_01_poses.npz")
    write_bad_files(bad / "CMU" / "02")
    out = tmp_path / "db"
    argv = ["--dataset_name", "amass", "--babel_dir", str(tmp_path / "no_babel"), "--output_dir", str(out)]
    assert amass_parser.main(argv + ["--input_dir", str(amass)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    capsys.readouterr()
    assert amass_parser.main(argv + ["--input_dir", str(amass)]) == 2
    assert "already holds a db" in capsys.readouterr().err
    assert amass_parser.main(argv + ["--input_dir", str(bad), "--overwrite"]) == 2
    err = capsys.readouterr().err
    assert "no usable sequence" in err and "non_finite 1" in err and "nothing was written" in err
    (tmp_path / "empty").mkdir()
    assert amass_parser.main(argv + ["--input_dir", str(tmp_path / "empty"), "--overwrite"]) == 2
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert amass_parser.main(argv + ["--input_dir", str(amass), "--overwrite"]) == 0
