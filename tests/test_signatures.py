"""The physical-signature checks, on motions from the built-in generator whose truth is known."""

import numpy as np
import pytest
import torch

from src.datasets.procedural.captions import ACTION_CAPTIONS
from src.datasets.synthetic import generate_sequence
from src.models.rotation2xyz import BuiltinSkeleton
from src.utils import geometry, rotation, signatures

CASES = [
    ("walk_forward", "forward"), ("walk_backward", "backward"), ("side_step_left", "left"),
    ("side_step_right", "right"), ("turn_left", "turn_left"), ("turn_right", "turn_right"),
    ("turn_around", "turn_around"), ("wave_right_hand", "right_hand_up"), ("wave_left_hand", "left_hand_up"),
    ("raise_arms", "both_hands_above_head"), ("jump_in_place", "airborne"), ("squat", "pelvis_drop"),
    ("sit_down", "pelvis_drop"), ("kick_right", "right_foot_up"), ("kick_left", "left_foot_up"),
]
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
