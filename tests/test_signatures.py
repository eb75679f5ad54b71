"""The physical-signature checks, on motions from the built-in generator whose truth is known."""

import numpy as np
import pytest
import torch

from src.datasets.procedural import generate_sequence
from src.datasets.procedural.captions import ACTION_CAPTIONS
from src.metrics import signatures
from src.models.rotation2xyz import BuiltinSkeleton
from src.utils import geometry, rotation

CASES = signatures.ACTION_SIGNATURES
# Which checks must fail for which action: the signatures must tell sides and directions apart.
OPPOSITES = {"forward": "backward", "left": "right", "turn_left": "turn_right", "right_hand_up": "left_hand_up",
             "left_foot_up": "right_foot_up"}


def canonical_joints(action, seed=0):
    motion = generate_sequence([action], np.random.default_rng(seed), 20.0)
    rot = rotation.axis_angle_to_matrix(torch.as_tensor(motion["rotvec"]).float())
    joints = BuiltinSkeleton()(rot, torch.as_tensor(motion["trans"]).float())["joints"][:, :22]
    return geometry.canonicalize_joints(joints).numpy()


@pytest.mark.parametrize("action,signature", CASES)
def test_generated_action_has_its_signature(action, signature):
    for seed in (0, 1):
        joints = canonical_joints(action, seed)
        passed, measured = signatures.check(joints, signature)
        assert passed, f"{action} (seed {seed}): {measured}"
        opposite = OPPOSITES.get(signature) or {v: k for k, v in OPPOSITES.items()}.get(signature)
        if opposite:
            assert not signatures.check(joints, opposite)[0], f"{action} also passes {opposite}"


def test_standing_still_passes_no_movement_check():
    joints = canonical_joints("stand_still")
    for name in ("forward", "backward", "left", "right", "turn_left", "turn_right", "turn_around",
                 "right_hand_up", "left_hand_up", "both_hands_above_head", "airborne", "pelvis_drop"):
        assert not signatures.check(joints, name)[0], name


def test_held_out_prompts_are_not_training_captions():
    training = {c.lower().strip(" .") for captions in ACTION_CAPTIONS.values() for c in captions}
    for prompt, signature in signatures.HELD_OUT_PROMPTS:
        assert prompt.lower() not in training, prompt
        assert signature in signatures.CHECKS


def test_caption_augmentation_does_not_write_held_out_prompts():
    """Training rewords captions on the fly (``--caption_augment``): a sample of its rewordings of
    every built-in caption, mirrored too, must not hit a held-out prompt word for word."""
    import random
    import re

    from src.datasets.text.captions import swap_left_right
    from src.datasets.text.paraphrase import augment_caption
    from src.datasets.procedural.captions import GENDERED_SUBJECTS, NEUTRAL_SUBJECTS, PREDICATES

    def words(text):
        return tuple(re.findall(r"[a-z]+", text.lower()))

    held_out = {words(p) for p, _ in signatures.HELD_OUT_PROMPTS}
    subjects = set(NEUTRAL_SUBJECTS) | {s for group in GENDERED_SUBJECTS.values() for s in group}
    rng = random.Random(0)
    for predicate in (p for predicates in PREDICATES.values() for p in predicates):
        for subject in subjects:
            for _ in range(4):
                text = augment_caption(f"{subject} {predicate}", rng)
                assert words(text) not in held_out and words(swap_left_right(text)) not in held_out, text


def test_check_prompts_training_set_uses_built_in_captions_and_reports_each(capsys):
    from src.evaluate import prompt_checks
    from src.visualize import check_prompts

    training = prompt_checks.prompt_set("training")
    assert [s for _, s in training] == [s for _, s in signatures.ACTION_SIGNATURES]
    assert all(prompt == ACTION_CAPTIONS[action][0] for (prompt, _), (action, _) in zip(training, CASES))
    assert check_prompts.main(["--prompts", "training", "--num_samples", "1", "--duration", "2"]) == 0
    table = capsys.readouterr().out
    assert all(f"| {prompt} | {signature} | " in table for prompt, signature in training)
    assert f"/{len(training)} samples show the expected signature" in table


@pytest.mark.parametrize("action,signature", [("wave_right_hand", "right_hand_wave"),
                                              ("wave_left_hand", "left_hand_wave")])
def test_every_generated_one_hand_wave_passes_the_wave_check(action, signature):
    # Low waves once held the wrist 6-10 cm above the shoulder and failed about one draw in nine: the
    # data then taught the models waves that the project's own check rejects.
    failed = []
    for seed in range(40):
        passed, measured = signatures.check(canonical_joints(action, seed), signature)
        if not passed:
            failed.append((seed, measured))
    assert not failed, failed
