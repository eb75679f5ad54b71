"""The autoencoder learns to step: a short CPU training run on a handful of built-in walks.

Random windows (40-80 frames) of 8 generated walks, the autoencoder recipe of ``exps/smog_hml``
(``hml`` features, the latent-modulated decoder with long skips, the joint, tie and foot-contact
terms; text terms off) at a smaller width, 600 steps (86 s on one core here). The reconstructions
of the walks, read as the exports read them (forward kinematics of the decoded rotations), must
step: each ankle lifts at least 5 cm (the data: 11-14 cm) and at most 30% of the foot-contact
frames skate (the data: 0%).

Why this test: on main at eca5227, training on the same windows (with that day's rot6d features
and decoder) left feet gliding (skating 0.38-0.74 after 500-600 steps with 128-wide 2-layer
models), because each batch's windows were built end to end and a window's first frame held a
jump of up to metres in its root channels.
"""

import random

import numpy as np
import pytest
import torch

from src import config
from src.datasets.dataset import MotionTextDataset, collate, compute_stats
from src.datasets.procedural import generate_sequence
from src.metrics.physical import foot_skating
from src.models.backbones import Backbones
from src.models.factory import build_model
from tests.test_model import FakeBackbone

FPS = config.METRIC_FPS
NUM_WALKS = 8
STEPS = 600
RECIPE = dict(pose_rep="hml", decoder="modulated", decoder_skips=True, latent_dim=128, num_layers=2, ff_size=256,
              num_heads=4, num_memory_tokens=8, dropout=0.0, arch="kan", body_model="builtin",
              modelname="motionclip_transformer_rc_rcxyz", vertstrans=True, jointstype="smpl", lambda_tie=1.0,
              lambda_fc=0.1, lambda_contrastive=0.0, lambda_latent=0.0, clip_text_losses="", lambda_crossmodal=0.0,
              text_num_layers=1, text_ff_size=64)


def generated_db(clips, dataset: str, fps: float = FPS) -> dict:
    """A smog-db-v1 dict of generated single-action sequences, one segment each.

    Args:
        clips: (action, seed, caption, action category) per sequence; the sequence is
            ``generate_sequence([action], default_rng(seed), fps)``, named "<category><index>".
        dataset: the db's dataset name. fps: frame rate.
    """
    poses, trans, offsets = [], [], [0]
    for action, seed, _, _ in clips:
        motion = generate_sequence([action], np.random.default_rng(seed), fps)
        poses.append(torch.from_numpy(motion["rotvec"]).float())
        trans.append(torch.from_numpy(motion["trans"]).float())
        offsets.append(offsets[-1] + len(motion["rotvec"]))
    num = len(clips)
    lengths = torch.tensor(offsets[1:]) - torch.tensor(offsets[:-1])
    return {"format": "smog-db-v1", "fps": fps, "dataset": dataset,
            "names": [f"{category}{i}" for i, (_, _, _, category) in enumerate(clips)],
            "poses": torch.cat(poses), "trans": torch.cat(trans), "offsets": torch.tensor(offsets),
            "betas": torch.zeros(num, 16), "gender": ["neutral"] * num, "source_fps": torch.full((num,), fps),
            "seg_seq": torch.arange(num), "seg_start": torch.zeros(num, dtype=torch.long), "seg_end": lengths,
            "seg_text": [caption for _, _, caption, _ in clips], "seg_kind": ["seq"] * num,
            "seg_act_cat": [category for _, _, _, category in clips], "babel_sid": torch.arange(num)}


def walks_db(num: int) -> dict:
    """A smog-db-v1 dict of ``num`` generated forward walks at 20 fps."""
    return generated_db([("walk_forward", 1000 + i, "a person walks", "walk") for i in range(num)], "walks")


def ankle_lift(joints: np.ndarray) -> float:
    """(T, 22, 3) -> the smaller of the two ankles' height ranges (m)."""
    heights = joints[:, list(config.ANKLE_JOINTS), 1]
    return float((heights.max(0) - heights.min(0)).min())


def test_reconstructed_walks_step():
    torch.manual_seed(0)
    random.seed(0)
    db = walks_db(NUM_WALKS)
    train = MotionTextDataset(db, train=True, pose_rep="hml", num_frames=-2, min_len=40, max_len=80)
    model = build_model(RECIPE, compute_stats(train), Backbones(FakeBackbone())).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    loader = torch.utils.data.DataLoader(train, batch_size=NUM_WALKS, shuffle=True, collate_fn=collate)
    for step in range(STEPS):
        loss, _ = model.compute_loss(next(iter(loader)))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()

    model.eval()
    clips = MotionTextDataset(db, train=False, pose_rep="hml", num_frames=80)
    batch = collate([clips[i] for i in range(len(clips))])
    with torch.no_grad():
        latent = model.encode_motion(batch["x"], batch["mask"])["latent"]
        features, mask = model.decode(latent, batch["lengths"])
        recon = model.joints(features, mask).numpy()
        source = model.joints(batch["x"], batch["mask"]).numpy()
    for i, n in enumerate(batch["lengths"].tolist()):
        assert foot_skating(source[i, :n], FPS)["skating_ratio"] == 0.0 and ankle_lift(source[i, :n]) > 0.1
        skating = foot_skating(recon[i, :n], FPS)["skating_ratio"]
        lift = ankle_lift(recon[i, :n])
        assert lift >= 0.05 and skating <= 0.3, f"walk {i}: ankle lift {lift * 100:.1f} cm, skating {skating:.2f}"
