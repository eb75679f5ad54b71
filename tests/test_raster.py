"""Tests of the front-view mannequin rasteriser (src/rendering/raster.py)."""

import pytest
import torch

from src import config
from src.rendering.raster import render_pose_images

J = config.JOINT_INDEX
SIZE = 128  # smaller than the training size keeps the tests fast; nothing depends on it


def t_pose() -> torch.Tensor:
    """(22, 3) the built-in skeleton's rest pose: offsets summed along the parents."""
    offsets = torch.tensor(config.BUILTIN_REST_OFFSETS)
    pos = torch.zeros_like(offsets)
    for i, parent in enumerate(config.SMPL_PARENTS):
        pos[i] = offsets[i] + (pos[parent] if parent >= 0 else 0)
    return pos[:config.NUM_BODY_JOINTS]


def raise_arm(pose: torch.Tensor, side: str) -> torch.Tensor:
    """The pose with one arm pointing straight up from its shoulder."""
    pose = pose.clone()
    shoulder = pose[J[f"{side}_shoulder"]]
    pose[J[f"{side}_elbow"]] = shoulder + torch.tensor([0.0, 0.26, 0.0])
    pose[J[f"{side}_wrist"]] = shoulder + torch.tensor([0.0, 0.53, 0.0])
    return pose


def crouch(pose: torch.Tensor) -> torch.Tensor:
    """Pelvis and upper body lowered 0.35 m, knees bent forward, feet where they were."""
    pose = pose.clone()
    legs = ("knee", "ankle", "foot")
    lowered = [i for i, name in enumerate(config.SMPL_JOINT_NAMES[:config.NUM_BODY_JOINTS])
               if not any(part in name for part in legs)]
    pose[lowered] += torch.tensor([0.0, -0.35, 0.0])
    for side in ("left", "right"):
        hip, ankle = pose[J[f"{side}_hip"]], pose[J[f"{side}_ankle"]]
        pose[J[f"{side}_knee"]] = torch.stack([hip[0], 0.5 * (hip[1] + ankle[1]), torch.tensor(0.3)])
    return pose


def arm_across_chest(pose: torch.Tensor, z: float) -> torch.Tensor:
    """The left forearm laid across the chest at depth ``z`` (metres, + = towards the camera)."""
    pose = pose.clone()
    shoulder = pose[J["left_shoulder"]]
    pose[J["left_elbow"]] = shoulder + torch.tensor([0.05, -0.15, 0.6 * z])
    pose[J["left_wrist"]] = torch.tensor([-0.1, pose[J["spine3"], 1].item(), z])
    return pose


def body_mask(images: torch.Tensor) -> torch.Tensor:
    """(B, H, W) True where anything of the body is drawn (the background is exactly white)."""
    return (images < 1).any(dim=1)


def test_output_format_and_content():
    poses = torch.stack([t_pose(), raise_arm(t_pose(), "left")]).double()
    images = render_pose_images(poses, size=SIZE)
    assert images.shape == (2, 3, SIZE, SIZE)
    assert images.dtype == torch.float32 and images.device == poses.device
    assert images.min() >= 0 and images.max() <= 1
    for corner in (images[:, :, 0, 0], images[:, :, 0, -1], images[:, :, -1, 0], images[:, :, -1, -1]):
        assert torch.equal(corner, torch.ones_like(corner))
    assert (images[:, 0] < 0.6).flatten(1).sum(dim=1).min() > 20  # shaded grey body pixels
    assert torch.equal(images[:, 0], images[:, 1]) and torch.equal(images[:, 0], images[:, 2])  # colour-neutral


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_output_on_cuda():
    poses = t_pose()[None].cuda()
    images = render_pose_images(poses, size=SIZE)
    assert images.device == poses.device
    assert torch.allclose(images.cpu(), render_pose_images(poses.cpu(), size=SIZE), atol=1e-4)


def test_bad_shape_is_refused():
    with pytest.raises(ValueError, match=r"\(B, 22, 3\)"):
        render_pose_images(torch.zeros(2, 24, 3))
    with pytest.raises(ValueError, match=r"\(B, 22, 3\)"):
        render_pose_images(torch.zeros(22, 3))


def test_left_arm_appears_on_image_right():
    mask = body_mask(render_pose_images(raise_arm(t_pose(), "left")[None], size=SIZE))[0]
    # The head is on the midline (the image is centred on the pelvis's x); only the raised
    # hand reaches above it.
    head_top = mask[:, SIZE // 2].nonzero()[0, 0]
    assert head_top > 5
    rows, cols = mask[:head_top].nonzero(as_tuple=True)
    assert len(rows) > 30
    # The camera faces the body, so its left (+X) is on the image's right.
    assert (cols > SIZE // 2).all()


def test_nearest_capsule_wins():
    pose = t_pose()
    images = render_pose_images(torch.stack([arm_across_chest(pose, 0.35), arm_across_chest(pose, -0.35),
                                             arm_across_chest(pose, -1.0)]), size=SIZE)
    strip = images[:, 0, :, SIZE // 2 - 4:SIZE // 2 + 5]  # the body's midline: torso or head all along
    assert body_mask(images)[:, SIZE // 4:3 * SIZE // 4, SIZE // 2].all()
    # In front, the forearm changes the midline; behind, the torso hides it completely,
    # so it looks the same as with the arm much further back.
    assert ((strip[0] - strip[1]).abs() > 0.03).sum() > 20
    assert torch.equal(strip[1], strip[2])


def test_framing_keeps_real_size_and_fits():
    standing, crouched = t_pose(), crouch(t_pose())
    tall = raise_arm(raise_arm(t_pose(), "left"), "right") * 1.3  # ~2.5 m from feet to hands
    assert tall[:, 1].max() - tall[:, 1].min() > 2.45
    images = render_pose_images(torch.stack([standing, crouched, tall]), size=SIZE)
    mask = body_mask(images)
    area = mask.flatten(1).sum(dim=1)
    # A fixed world height fills the image: the crouch is not blown up to fill the frame.
    assert area[1] < 0.9 * area[0]
    height = mask.any(dim=2).sum(dim=1)
    assert height[1] < 0.85 * height[0]
    # The tall pose is shrunk just enough to fit: nothing on the border, but it spans nearly all rows.
    border = torch.cat([mask[2, 0], mask[2, -1], mask[2, :, 0], mask[2, :, -1]])
    assert not border.any()
    assert height[2] > 0.9 * SIZE


def test_batch_equals_single():
    pose = t_pose()
    tall = raise_arm(raise_arm(pose, "left"), "right") * 1.3  # framed smaller than the others
    poses = torch.stack([pose, raise_arm(pose, "left"), crouch(pose), arm_across_chest(pose, 0.35), tall])
    poses = poses + 0.02 * torch.randn(poses.shape, generator=torch.Generator().manual_seed(0))
    batch = render_pose_images(poses, size=SIZE)
    for i in range(len(poses)):
        assert torch.allclose(batch[i], render_pose_images(poses[i:i + 1], size=SIZE)[0], atol=1e-5)
