"""The KIT-ML development prompt set (``src.metrics.kit_prompts``) and ``check_prompts --prompts kit``.

The rules are checked on a tiny fake annotations file; the real corpus (``../shared/data/captions``)
is checked where it is present (skipped with a reason elsewhere).
"""

import json
import re

import pytest

from src.metrics import kit_prompts, signatures
from src.metrics.kit_prompts import load_kit_prompts, recording_category


def write_annotations(tmp_path, recordings):
    """{keyid: (path, [captions])} -> a KIT-ML style annotations JSON file; returns its path."""
    data = {key: {"path": path, "duration": 4.0,
                  "annotations": [{"seg_id": f"{key}_{i}", "text": text, "start": 0.0, "end": 4.0}
                                  for i, text in enumerate(captions)]}
            for key, (path, captions) in recordings.items()}
    out = tmp_path / "kitml_annotations.json"
    out.write_text(json.dumps(data), encoding="utf-8")
    return out


FAKE = {
    "00001": ("KIT/3/wave_left01_poses", [
        "A person waves with the left hand.",          # accepted: left_hand_up
        "a person waves with the LEFT hand",           # duplicate (case / punctuation): dropped
        "A person is waving.",                         # no side named: too vague
        "A person waves left and right with his left hand.",  # names the other side too
        "A person wipes something with the left hand",  # a wipe, not a wave
        "A person raises his left arm then waves.",    # two actions in a row
    ]),
    "M00001": ("M/KIT/3/wave_left01_poses", ["A person waves with the right hand."]),  # mirrored copy: skipped
    "00002": ("KIT/4/WalkingStraightForwards01_poses", [
        "A person walks forward.",                     # accepted: forward
        "A person walks.",                             # no direction: too vague
        "A person walks forward and turns left.",      # turn words
        "A person walks forward, then stops and looks back.",  # several actions
    ]),
    "00003": ("KIT/5/LeftTurn02_poses", [
        "A person walks a quarter circle to the left.",  # accepted: turn_left
        "A person turns counterclockwise.",              # accepted: counterclockwise = left
        "A person makes a U-turn to the left.",          # 180 degrees: not a 90-degree turn
    ]),
    "00004": ("KIT/5/RightTurn03_poses", [               # annotators describe a left turn: recording skipped
        "A person walks a curve to the right.",
        "A person walks a quarter circle to the left.",
    ]),
    "00005": ("KIT/6/turn_right01_poses", [
        "A person turns 180 degrees on his right foot.",  # accepted: turn_around
        "A person walks forward, turns around and walks back.",  # several actions
    ]),
    "00006": ("KIT/7/squat03_poses", ["A person performs a squat.", "A person does a squad exercise."]),
    "00007": ("KIT/7/jump_up01_poses", ["A person jumps straight upwards.", "A person jumps to the left."]),
    "00008": ("KIT/8/kick_high_right02_poses", ["A person kicks with the right foot.", "A person kicks."]),
    "00009": ("KIT/9/kick_low_left01_poses", ["A person kicks with the left foot."]),  # low kick: no category rule
    "00010": ("KIT/9/push_recovery_stand_right04_poses", [
        "A person performs a sidestep to the left.",     # accepted: left
        "A person is pushed to the left.",               # passive: no action of the person
        "Someone gets pushed from the right and steps back to the start.",
    ]),
    "00011": ("CMU/01/01_01_poses", ["A person walks forward."]),  # numeric stem: no category
}


def test_recording_category():
    assert recording_category("KIT/3/wave_left01_poses") == "wave_left"
    assert recording_category("KIT/6/LeftTurn06_1_poses") == "LeftTurn"
    assert recording_category("KIT/572/kick_high_left02_poses") == "kick_high_left"
    assert recording_category("CMU/128/128_01_poses") == ""


def test_rules_on_fake_annotations(tmp_path):
    pairs = load_kit_prompts(write_annotations(tmp_path, FAKE), max_per_signature=None)
    assert sorted(pairs) == sorted([
        ("A person waves with the left hand.", "left_hand_up"),
        ("A person walks forward.", "forward"),
        ("A person walks a quarter circle to the left.", "turn_left"),
        ("A person turns counterclockwise.", "turn_left"),
        ("A person turns 180 degrees on his right foot.", "turn_around"),
        ("A person performs a squat.", "pelvis_drop"),
        ("A person jumps straight upwards.", "airborne"),
        ("A person kicks with the right foot.", "right_foot_up"),
        ("A person performs a sidestep to the left.", "left"),
    ])
    # ordered by signature as in CHECKS
    order = list(signatures.CHECKS)
    assert [order.index(s) for _, s in pairs] == sorted(order.index(s) for _, s in pairs)


def test_cap_is_deterministic_and_a_subset(tmp_path):
    captions = [f"A person walks {n} steps forward." for n in range(2, 12)]
    path = write_annotations(tmp_path, {"00001": ("KIT/1/walking_medium01_poses", captions)})
    full = load_kit_prompts(path, max_per_signature=None)
    assert len(full) == 10
    capped = load_kit_prompts(path, max_per_signature=3)
    assert len(capped) == 3 and set(capped) <= set(full)
    assert capped == load_kit_prompts(path, max_per_signature=3)


def test_same_wording_with_two_signatures_is_dropped(tmp_path, monkeypatch):
    path = write_annotations(tmp_path, {
        "00001": ("KIT/1/wave_left01_poses", ["A person waves with the left hand."]),
        "00002": ("KIT/2/kick_high_left01_poses", ["A person kicks with the left foot."]),
    })
    assert len(load_kit_prompts(path)) == 2
    # a rule that would give the wave another signature makes that wording ambiguous
    extra = kit_prompts.Rule("left", ("wave_left",), (r"wave",), r"^$", side="left")
    monkeypatch.setattr(kit_prompts, "RULES", kit_prompts.RULES + (extra,))
    assert load_kit_prompts(path) == [("A person kicks with the left foot.", "left_foot_up")]


def test_missing_or_malformed_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_kit_prompts(tmp_path / "absent.json")
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    with pytest.raises(ValueError, match="bad.json"):
        load_kit_prompts(bad)


# ------------------------------------------------------------------ the real corpus in ../shared/data
SIDES = {"left": "left", "turn_left": "left", "left_hand_up": "left", "left_foot_up": "left",
         "right": "right", "turn_right": "right", "right_hand_up": "right", "right_foot_up": "right"}


def named_sides(caption):
    """Side words in a caption, by this test's own reading: left / right, counterclockwise / clockwise."""
    low = caption.lower()
    spin = r"(counter|anti)[- ]?clock[- ]?wise|against the clockwise"
    sides = set()
    if re.search(r"\bleft", low) or re.search(spin, low):
        sides.add("left")
    if re.search(r"\bright", low) or re.search(r"clock[- ]?wise", re.sub(spin, "", low)):
        sides.add("right")
    return sides


@pytest.fixture
def kit_annotations(shared_data):
    path = shared_data / "captions" / "kitml_annotations.json"
    if not path.is_file():
        pytest.skip(f"{path} is absent (KIT-ML captions are only in the project's ../shared)")
    return path


def test_real_corpus(kit_annotations):
    pairs = load_kit_prompts(kit_annotations)
    assert pairs
    captions = [c for c, _ in pairs]
    assert len({kit_prompts.normalise(c) for c in captions}) == len(captions), "duplicate captions"
    per = kit_prompts.counts(pairs)
    assert set(per) <= set(signatures.CHECKS)
    assert max(per.values()) <= kit_prompts.DEFAULT_MAX_PER_SIGNATURE
    # every signature the procedural set checks, except raised arms (KIT has one such caption), has a few
    for signature in {s for _, s in signatures.ACTION_SIGNATURES} - {"both_hands_above_head"}:
        assert per.get(signature, 0) >= 5, (signature, per)
    for caption, signature in pairs:
        side = SIDES.get(signature)
        if side is None:
            continue
        other = {"left": "right", "right": "left"}[side]
        assert side in named_sides(caption), (caption, signature)
        assert other not in named_sides(caption), (caption, signature)
    assert pairs == load_kit_prompts(kit_annotations), "not deterministic"
    assert len(load_kit_prompts(kit_annotations, max_per_signature=None)) > len(pairs)


def test_check_prompts_kit_set(kit_annotations):
    from src.evaluate import prompt_checks

    assert list(prompt_checks.prompt_set("kit", kit_annotations)) == load_kit_prompts(kit_annotations)
    assert len(prompt_checks.prompt_set("kit", kit_annotations, 2)) <= 2 * len(signatures.CHECKS)


def test_check_prompts_kit_missing_file_is_a_clear_error(tmp_path, capsys):
    from src.visualize import check_prompts

    missing = tmp_path / "nowhere" / "kitml_annotations.json"
    assert check_prompts.main(["--prompts", "kit", "--kit_annotations", str(missing)]) == 2
    err = capsys.readouterr().err
    assert str(missing) in err and "Traceback" not in err


def test_check_prompts_kit_runs_and_summarises(tmp_path, capsys):
    """The kit mode end to end on a two-caption fake corpus with the shipped model."""
    from src.visualize import check_prompts

    path = write_annotations(tmp_path, {k: FAKE[k] for k in ("00001", "00002")})
    assert check_prompts.main(["--prompts", "kit", "--kit_annotations", str(path), "--num_samples", "1",
                               "--duration", "2"]) == 0
    out = capsys.readouterr().out
    assert "| A person waves with the left hand. | left_hand_up | " in out
    assert "| A person walks forward. | forward | " in out
    assert re.search(r"\| left_hand_up \| 1 \| [01]/1 ", out) and re.search(r"\| forward \| 1 \| [01]/1 ", out)
    assert "/2 samples show the expected signature" in out
