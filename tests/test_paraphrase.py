"""Caption paraphrasing (src/datasets/text/paraphrase.py) and its use in the training dataset."""

import dataclasses
import random
import re

import numpy as np
import pytest

from src.datasets.text import paraphrase as para
from src.datasets.text.captions import swap_left_right
from src.datasets.dataset import MotionTextDataset
from src.datasets.get_dataset import get_datasets
from src.datasets.procedural.captions import ACTION_CAPTIONS, chain_caption
from tests.test_dataset import make_db, seq_caption, walk, write_splits

CAPTIONS = [
    "a person walks forward",
    "a person walks forward, then sits down",
    "someone waves with the right hand",
    "the man kicks with his left leg",
    "a woman turns left and then jumps in place",
    "walk forward and turn left",
    "a person is walking in a circle",
    "a figure hops on one foot",
    "a person raises both arms overhead and claps the hands",
    "the person turns 90 degrees clockwise, then raises the left hand",
    "a person side-steps to the right with the left-hand raised and turns counterclockwise",
    "someone steps leftward twice, then kicks with the right foot and turns anticlockwise",
    "a person lifts one leg and waves with two hands",
    "a person punches with a single fist, then throws a left punch",
] + [c for cs in ACTION_CAPTIONS.values() for c in cs[:3]]
ALL_ON = para.AugmentProbs(subject=1.0, synonym=1.0, insert=1.0, delete=0.5, turn=0.0)
TURNS_ONLY = para.AugmentProbs(0.0, 0.0, 0.0, 0.0, turn=1.0)
# This test's own reading of a rotation word: seen from above, counterclockwise is a left turn.
ROTATION_SIDE = {"counterclockwise": "left", "counter-clockwise": "left", "anticlockwise": "left",
                 "anti-clockwise": "left", "clockwise": "right"}


def protected(text):
    """The protected words of a caption, in order (sides, quantities, numbers)."""
    return [w.lower() for w in re.findall(r"[A-Za-z0-9]+(?:['-][A-Za-z0-9]+)*", text) if para.is_protected(w)]


def sides(text):
    """The sides a caption names, in order, rotation words read as the side they turn to."""
    return [ROTATION_SIDE.get(w, w) for w in protected(text) if para.is_side_word(w)]


def draws(text, n=100, seed=0, probs=para.DEFAULT_PROBS):
    rng = random.Random(seed)
    return [para.augment_caption(text, rng, probs) for _ in range(n)]


@pytest.mark.parametrize("probs", [dataclasses.replace(para.DEFAULT_PROBS, turn=0.0), ALL_ON],
                         ids=["default_without_turns", "all_on"])
def test_sides_quantities_and_numbers_are_kept_in_order(probs):
    for text in CAPTIONS:
        for out in draws(text, 60, probs=probs):
            assert sides(out) == sides(text), (text, out)
            assert protected(out) == protected(text), (text, out)


def test_turn_wording_keeps_each_turns_side():
    """Every caption, reworded with the turn wording always on and then by the default operations,
    names the same sides in the same order (rotation words read as their side), and mirroring it
    names the mirrored sides."""
    every_on = dataclasses.replace(para.DEFAULT_PROBS, turn=1.0)
    for text in CAPTIONS:
        for out in draws(text, 30, probs=every_on):
            assert sides(out) == sides(text), (text, out)
            assert sides(swap_left_right(out)) == sides(swap_left_right(text)), (text, out)


@pytest.mark.parametrize("text, expected", [
    ("a person turns to the left", {"a person turns counterclockwise", "a person turns counter-clockwise",
                                    "a person turns anticlockwise"}),
    ("a human makes a right turn on the spot", {"a human makes a clockwise turn on the spot"}),
    ("someone turns right in place", {"someone turns clockwise in place"}),
    ("a person does a half turn", {"a person does a 180 degree turn", "a person does a 180 degrees turn"}),
    ("a human turns a hundred and eighty degrees", {"a human turns 180 degrees", "a human turns 180 degree"}),
    ("a person makes a ninety degree turn to the right",
     {"a person makes a 90 degree turn clockwise", "a person makes a 90 degrees turn clockwise"}),
    ("a person turns around", {"a person turns 180 degrees", "a person makes a 180 degree turn",
                               "a person does a 180 degree turn"}),
    # body sides and head turns are not whole-body turns: left alone
    ("a person turns toward their left side", {"a person turns toward their left side"}),
    ("someone turns the head left and right", {"someone turns the head left and right"}),
    ("a person walks forward", {"a person walks forward"}),
])
def test_turn_wording(text, expected):
    assert set(draws(text, 60, probs=TURNS_ONLY)) == expected


def test_turn_wording_draws_nothing_for_captions_without_a_turn():
    """Captions without a turn phrase get the same rewordings with and without the operation, so
    adding it changed no other caption's training draws."""
    without = dataclasses.replace(para.DEFAULT_PROBS, turn=0.0)
    for text in ["a person walks forward, then sits down", "someone waves with the right hand",
                 "a figure hops on one foot"]:
        assert draws(text, 50, seed=3) == draws(text, 50, seed=3, probs=without)
    assert draws("a person turns to the left", 50, seed=3) != draws("a person turns to the left", 50, seed=3,
                                                                     probs=without)


def test_output_is_clean():
    for text in CAPTIONS:
        for out in draws(text, 40, probs=ALL_ON):
            assert out and out == out.strip() and "  " not in out and " ," not in out, (text, out)
            assert out == out.lower(), (text, out)  # lowercase in, lowercase out


def test_zero_probabilities_change_nothing():
    for text in CAPTIONS + ["A person walks.", "  odd  spacing ,kept ", "T-pose then walk"]:
        assert para.augment_caption(text, random.Random(0), para.NO_AUGMENT) == text


def test_fixed_seed_is_reproducible():
    for text in CAPTIONS[:5]:
        assert draws(text, 20, seed=7) == draws(text, 20, seed=7)
    assert draws(CAPTIONS[1], 20, seed=7) != draws(CAPTIONS[1], 20, seed=8)


def test_many_distinct_variants():
    outs = draws("a person walks forward", 200)
    assert len(set(outs)) >= 20
    assert len(set(draws("a person walks forward, then sits down", 200))) >= 40


def test_clause_order_is_kept():
    text = "a person walks forward, then sits down"
    for out in draws(text, 100, probs=ALL_ON):
        walk_at = re.search(r"walk|strol|ambl|move|go|head|advanc|proceed|travel", out)
        sit_at = re.search(r"sit|seat|settle", out)
        assert walk_at and sit_at and walk_at.start() < sit_at.start(), out
    text = "a person turns left, then waves the right hand, and finally kicks with the left leg"
    for out in draws(text, 100, probs=ALL_ON):
        assert sides(out) == ["left", "right", "left"], out
        assert out.index("wave") < out.rindex("kick"), out


def test_leading_capital_and_punctuation():
    outs = draws("A person walks forward.", 100, probs=ALL_ON)
    assert all(o[0].isupper() and o[1:] == o[1:].lower() and o.endswith(".") for o in outs)
    assert all(not o.endswith(" .") for o in outs)


def test_subject_agrees_with_pronouns_and_verbs():
    for out in draws("the man kicks with his left leg", 200, probs=para.AugmentProbs(1.0, 0.0, 0.0, 0.0)):
        assert not re.match(r"(she|a woman|the woman|a lady|the lady|a girl|the girl|this woman|a young woman) ",
                            out), out
        assert out.endswith(" kicks with his left leg")
    subjects = {o[: -len(" walks")] for o in draws("a person walks", 300, probs=para.AugmentProbs(1.0, 0, 0, 0))}
    assert len(subjects) >= 20 and not subjects & {"they", "people", "a person"}


def test_mirroring_after_augmentation_matches_augmenting_the_mirror():
    """Augment-then-swap names the swapped sides of the original: mirroring stays correct."""
    for text in CAPTIONS:
        for out in draws(text, 20):
            assert sides(swap_left_right(out)) == sides(swap_left_right(text))


def test_chain_captions_from_the_procedural_data():
    rng = random.Random(0)
    gen = np.random.default_rng(0)
    actions = list(ACTION_CAPTIONS)
    for _ in range(100):
        text = chain_caption([actions[i] for i in gen.integers(len(actions), size=3)], gen)
        out = para.augment_caption(text, rng, ALL_ON)
        assert protected(out) == protected(text) and out, (text, out)


def test_lexicon_is_broad_and_never_writes_protected_words():
    size = para.lexicon_size()
    assert size["phrases_written"] >= 500 and size["groups"] >= 300
    words = para.lexicon_words()
    assert len(words) > 800 and {"walks", "strolls", "stool", "arm", "somebody"} <= words
    assert not any(para.is_protected(w) for w in words)
    insert_words = {w for mods in para.INSERT_MODIFIERS.values() for m in mods for w in m.split()}
    assert not any(para.is_protected(w) for w in insert_words)


def test_verb_forms():
    assert [para._bare(v) for v in ("walks", "touches", "carries", "goes", "rises", "lies")] == \
        ["walk", "touch", "carry", "go", "rise", "lie"]
    assert [para._ing(v) for v in ("walk", "raise", "step", "lie", "squat", "lower", "tiptoe")] == \
        ["walking", "raising", "stepping", "lying", "squatting", "lowering", "tiptoeing"]


def test_verb_forms_match_only_where_verbs_stand():
    probs = para.AugmentProbs(0.0, 1.0, 0.0, 0.0)
    # bare "walk" at a clause start is paraphrased; the noun "walk" after "a short" is not
    assert len(set(draws("walk forward and turn left", 50, probs=probs))) > 3
    assert all(o.startswith("a person takes a short walk") for o in draws("a person takes a short walk", 30,
                                                                          probs=probs))
    # "several steps forward": a plural noun, shielded with the direction that follows it
    assert set(draws("a person takes several steps forward", 30, probs=probs)) == {
        "a person takes several steps forward"}
    assert any("is moving ahead on foot" in o or "is strolling" in o
               for o in draws("a person is walking forward", 50, probs=probs))


# ----------------------------------------------------------------- dataset
def test_dataset_augments_training_captions_only(tmp_path):
    text = "a person walks forward, then waves the right hand"
    poses, trans = walk(60, yaw=0.3)
    db = make_db([(poses, trans, seq_caption(60, text))])
    train = MotionTextDataset(db, train=True, num_frames=-1, caption_augment=1.0)
    texts = {train[0]["text"] for _ in range(40)}
    assert len(texts) > 5 and all(sides(t) == ["right"] for t in texts)
    evaluation = MotionTextDataset(db, train=False, num_frames=-1, caption_augment=1.0)
    assert {evaluation[0]["text"] for _ in range(10)} == {text}
    plain = MotionTextDataset(db, train=True, num_frames=-1)
    assert {plain[0]["text"] for _ in range(10)} == {text}
    mirrored = MotionTextDataset(db, train=True, num_frames=-1, caption_augment=1.0, mirror_prob=1.0)
    assert all(sides(mirrored[0]["text"]) == ["left"] for _ in range(20))
    with pytest.raises(ValueError, match="caption_augment"):
        MotionTextDataset(db, train=True, caption_augment=1.5)

    datapath = write_splits(tmp_path, db)
    data = get_datasets({"dataset": "builtin", "datapath": str(datapath), "num_frames": -1, "caption_augment": 1.0})
    assert data["train"].caption_augment == 1.0 and data["val"].caption_augment == 0.0
    assert get_datasets({"dataset": "builtin", "datapath": str(datapath), "num_frames": -1},
                        splits=("train",))["train"].caption_augment == 0.0  # options saved before the flag


def test_jogging_and_running_never_swap():
    """The built-in jog and run are different speeds: rewording keeps each one's word family."""
    run_words, jog_words = re.compile(r"\b(run|runs|running|sprint\w*)\b"), re.compile(r"\b(jog\w*|trot\w*)\b")
    for action, words, other in (("jog", jog_words, run_words), ("run", run_words, jog_words)):
        for caption in ACTION_CAPTIONS.get(action, []):
            for variant in draws(caption, n=40, probs=para.AugmentProbs(0.5, 1.0, 0.5, 0.5)):
                assert not other.search(variant.lower()), (action, caption, variant)
