"""Exporters: canonical clips, AMASS .npz and BVH round trips through the project's own readers,
resampling, file names and the no-overwrite plan. No model needed."""

import json
import math

import numpy as np
import pytest
import torch

from src import config
from src.datasets.formats.amass_io import load_amass_npz
from src.datasets.formats.bvh import read_bvh, smpl_motion_from_bvh
from src.datasets.formats.cmu_bvh import retarget_to_smpl
from src.models.rotation2xyz import BuiltinSkeleton
from src.motion import clip_from_joints, clip_from_params, resample_clip, rest_joints_of
from src.utils import geometry, rotation
from src.visualize import exporters

BODY = BuiltinSkeleton()
REST = rest_joints_of(BODY)


def raw_motion(frames: int = 45, fps: float = 30.0, seed: int = 0):
    """A non-canonical motion: turned, away from the origin, floating, walking diagonally."""
    g = torch.Generator().manual_seed(seed)
    t = torch.arange(frames, dtype=torch.float32)[:, None, None] / fps
    rotvec = 0.5 * torch.rand(24, 3, generator=g) * torch.sin(2 * math.pi * t + 6.28 * torch.rand(24, 3, generator=g))
    rotvec[:, 0] = torch.tensor([0.1, 2.0, 0.0])
    trans = torch.cat([2.0 + 0.5 * t[:, 0], 1.3 + 0.05 * torch.sin(5 * t[:, 0]), -1.0 + 0.9 * t[:, 0]], dim=-1)
    return rotation.axis_angle_to_matrix(rotvec), trans


@pytest.fixture
def clip():
    rotmats, trans = raw_motion()
    return clip_from_params(rotmats, trans, REST, 30.0)


def assert_canonical(joints: np.ndarray):
    assert joints.dtype == np.float32 and joints.ndim == 3 and joints.shape[1:] == (22, 3)
    assert abs(joints[:, list(config.FLOOR_JOINTS), 1].min()) < 1e-5           # floor y = 0
    assert np.abs(joints[0, 0, [0, 2]]).max() < 1e-5                             # root x = z = 0
    assert abs(float(geometry.heading_from_joints(torch.from_numpy(joints[0])))) < 1e-4  # facing +Z


def test_clip_is_canonical_and_posed_by_its_params(clip):
    assert_canonical(clip.joints)
    posed = BODY(clip.rotmats, clip.trans)["joints"][:, :22].numpy()
    assert np.abs(posed - clip.joints).max() < 1e-5
    # canonicalisation only turned and moved the body: bone lengths are kept
    raw = BODY(*raw_motion())["joints"][:, :22]
    dist = lambda j: np.linalg.norm(np.asarray(j)[:, 20] - np.asarray(j)[:, 7], axis=-1)
    assert np.allclose(dist(raw), dist(clip.joints), atol=1e-5)


def test_amass_npz_round_trip(clip, tmp_path):
    path = exporters.save_amass(tmp_path / "clip.npz", clip)
    with np.load(path) as npz:
        assert npz["poses"].shape == (45, 156) and np.all(npz["poses"][:, 66:] == 0)
        assert npz["trans"].shape == (45, 3)
        assert npz["betas"].shape == (16,) and np.all(npz["betas"] == 0)
        assert str(npz["gender"]) == "neutral"
        assert float(npz["mocap_framerate"]) == 30.0
        assert npz["dmpls"].shape == (45, 8)
        # Z-up: the Y-up height of the trajectory is the file's Z (up to AMASS' pelvis offset)
        height = npz["trans"][:, 2] - npz["trans"][0, 2]
        assert np.allclose(height, (clip.trans[:, 1] - clip.trans[0, 1]).numpy(), atol=1e-5)
    loaded = load_amass_npz(path, target_fps=30.0)
    joints = BODY(rotation.axis_angle_to_matrix(loaded["rotvec"]), loaded["trans"])["joints"][:, :22]
    assert np.abs(geometry.canonicalize_joints(joints).numpy() - clip.joints).max() < 0.01


def test_bvh_round_trip(clip, tmp_path):
    path = exporters.save_bvh(tmp_path / "clip.bvh", clip)
    motion = read_bvh(path)
    assert motion.num_frames == 45 and motion.fps == pytest.approx(30.0)
    assert motion.names[0] == "pelvis" and motion.channels[0][:3] == ("Xposition", "Yposition", "Zposition")
    knee, ankle = motion.index("left_knee"), motion.index("left_ankle")
    assert np.linalg.norm(motion.offsets[ankle]) == pytest.approx(0.43, abs=1e-4)  # metres
    assert motion.offsets[knee][1] < 0  # Y-up: the shin points down at rest
    rot, pelvis = smpl_motion_from_bvh(motion)
    trans = torch.from_numpy(pelvis).float() - REST[0]
    joints = BODY(torch.from_numpy(rot).float(), trans)["joints"][:, :22].numpy()
    assert np.abs(joints - clip.joints).max() < 0.01
    # ... and through the project's BVH importer (the path a user's file takes).
    imported = retarget_to_smpl(motion, motion.fps)
    joints = BODY(imported.rotmats, imported.trans)["joints"][:, :22]
    assert np.abs(geometry.canonicalize_joints(joints).numpy() - clip.joints).max() < 0.01


def test_resample_clip(clip):
    slow = resample_clip(clip, 20.0, 30)
    assert slow.num_frames == 30 and slow.fps == 20.0
    assert_canonical(slow.joints)
    # frame k of the 20 fps clip is at k / 20 s: frame 10 (0.5 s) = frame 15 of the 30 fps clip
    assert np.abs(slow.joints[10] - clip.joints[15]).max() < 0.02
    positions = clip_from_joints(torch.from_numpy(clip.joints), 30.0)
    assert not positions.has_rotations
    fast = resample_clip(positions, 60.0, 90)
    assert fast.num_frames == 90
    assert np.abs(fast.joints[30] - clip.joints[15]).max() < 1e-4


def test_slugs_and_stems():
    assert exporters.slugify("Un homme danse élégamment!") == "un_homme_danse_elegamment"
    assert exporters.slugify("一个人在跳舞") == "prompt"
    stem = exporters.item_stem(3, "Swan Lake", 1)
    assert stem == "03_swan_lake_s1" and stem.isascii()
    assert len(exporters.slugify("word " * 50)) <= exporters.SLUG_CHARS


def test_plan_refuses_existing_files(tmp_path):
    plan = exporters.OutputPlan.create(tmp_path, ["00_a_s0"], rotations=True, animation=False)
    assert [p.name for p in plan.targets()] == ["00_a_s0.npy", "00_a_s0.npz", "00_a_s0.bvh", "manifest.json"]
    plan.check()
    (tmp_path / "manifest.json").write_text("{}")
    with pytest.raises(exporters.OutputExistsError, match="--overwrite"):
        plan.check()
    plan.check(overwrite=True)
    (tmp_path / "file").write_text("")
    with pytest.raises(NotADirectoryError):
        exporters.OutputPlan.create(tmp_path / "file", ["x"], True, False).check()


def test_export_items_manifest(clip, tmp_path):
    plan = exporters.OutputPlan.create(tmp_path / "out", ["00_walk_s0"], rotations=True, animation=False)
    item = exporters.ExportItem("00_walk_s0", "walk", clip, {"sample": 0, "duration": 1.5})
    manifest = exporters.export_items([item], plan, {"checkpoint": "ck", "fps": 30.0, "seed": 1}, log=lambda m: None)
    data = json.loads(manifest.read_text())
    assert data["checkpoint"] == "ck" and data["fps"] == 30.0 and data["seed"] == 1 and data["grid"] is None
    entry = data["items"][0]
    assert entry["prompt"] == "walk" and entry["sample"] == 0 and entry["duration"] == 1.5 and entry["frames"] == 45
    for kind in ("joints", "smpl", "bvh"):
        assert (tmp_path / "out" / entry[kind]).is_file()
    assert entry["animation"] is None
    assert np.array_equal(np.load(tmp_path / "out" / entry["joints"]), clip.joints)
    assert not list((tmp_path / "out").glob(".*.tmp"))  # no temporary files left behind


def test_animation_files(clip, tmp_path):
    short = clip_from_params(clip.rotmats[:6], clip.trans[:6], REST, 30.0)
    plan = exporters.OutputPlan.create(tmp_path, ["00_a_s0", "01_b_s0"], rotations=False, animation=True)
    items = [exporters.ExportItem(s, f"prompt {s}", short) for s in plan.stems]
    data = json.loads(exporters.export_items(items, plan, {}, log=lambda m: None).read_text())
    assert data["grid"]["animation"] == ["grid.gif"] and (tmp_path / "grid.gif").is_file()
    assert all((tmp_path / e["animation"]).is_file() for e in data["items"])
    assert all(e["smpl"] is None and e["bvh"] is None for e in data["items"])


def fake_grid(monkeypatch, seen: list):
    """save_grid records (file name, titles) instead of drawing; save_animation does nothing."""
    def save_grid(path, clips, titles, ncols=None, renderer=None):
        seen.append((path.name, list(titles)))
        path.write_bytes(b"gif")
        return path

    monkeypatch.setattr(exporters, "save_grid", save_grid)
    monkeypatch.setattr(exporters, "save_animation", lambda path, clip, title, renderer=None: path)


def test_grid_titles_keep_whole_prompts(clip, tmp_path, monkeypatch):
    """Prompts that differ only at their end ("... their own left" / "... own right") stay apart."""
    seen = []
    fake_grid(monkeypatch, seen)
    prompts = ["the person shuffles crabwise over to their own left",
               "the person shuffles crabwise over to their own right", "walk " * 40]
    plan = exporters.OutputPlan.create(tmp_path, ["00_a_s0", "01_b_s0", "02_c_s0"], rotations=False, animation=True)
    items = [exporters.ExportItem(stem, text, clip) for stem, text in zip(plan.stems, prompts)]
    exporters.finish_outputs(plan, {}, [], items, log=lambda m: None)
    titles = seen[0][1]
    assert titles[:2] == prompts[:2]
    assert len(titles[2]) <= exporters.GRID_TITLE_CHARS and titles[2].endswith("...")


@pytest.mark.parametrize("clips, ncols, pages", [(1, None, 1), (16, None, 1), (17, None, 2), (42, None, 3),
                                                 (33, None, 3), (10, 5, 1), (16, 5, 2), (7, 2, 1), (17, 2, 2)])
def test_grid_pages_show_every_clip(clip, tmp_path, monkeypatch, clips, ncols, pages):
    """Every clip is in a grid page: ceil(N / page size) pages of whole rows, one file name each
    (grid.gif alone, grid_01.gif ... with more), all in the plan's targets and the manifest."""
    seen = []
    fake_grid(monkeypatch, seen)
    stems = [f"{k:02d}_p_s0" for k in range(clips)]
    plan = exporters.OutputPlan.create(tmp_path, stems, rotations=False, animation=True, grid_ncols=ncols)
    size = exporters.grid_page_size(ncols)
    assert size <= exporters.MAX_GRID_PANELS or ncols > exporters.MAX_GRID_PANELS
    assert ncols is None or size % ncols == 0
    items = [exporters.ExportItem(stem, f"prompt {k}", clip) for k, stem in enumerate(stems)]
    data = json.loads(exporters.export_items(items, plan, {}, log=lambda m: None).read_text())
    names = [name for name, _ in seen]
    assert len(names) == pages == math.ceil(clips / size)
    assert names == (["grid.gif"] if pages == 1 else [f"grid_{k:02d}.gif" for k in range(1, pages + 1)])
    assert [t for _, titles in seen for t in titles] == [f"prompt {k}" for k in range(clips)]
    assert data["grid"] == {"animation": names}
    assert {p.name for p in plan.targets()} >= set(names)


def test_grid_pages_are_written_as_they_fill(clip, tmp_path, monkeypatch):
    """A page is written once its clips are in (memory holds one page), the last one at finish;
    clips beyond the planned count are left out."""
    seen = []
    fake_grid(monkeypatch, seen)
    plan = exporters.OutputPlan.create(tmp_path, [f"{k:02d}_p_s0" for k in range(20)], rotations=False,
                                       animation=True, grid_clips=18)
    pages = exporters.GridPages(plan, log=lambda m: None)
    pages.add([exporters.ExportItem(f"{k:02d}_p_s0", f"p{k}", clip) for k in range(15)])
    assert seen == []
    pages.add([exporters.ExportItem("15_p_s0", "p15", clip), exporters.ExportItem("16_p_s0", "p16", clip)])
    assert [name for name, _ in seen] == ["grid_01.gif"] and len(pages.pending) == 1
    pages.add([exporters.ExportItem(f"{k:02d}_p_s0", f"p{k}", clip) for k in range(17, 20)])
    assert pages.finish() == {"animation": ["grid_01.gif", "grid_02.gif"]}
    assert seen[1] == ("grid_02.gif", ["p16", "p17"])


def test_previous_outputs_lists_grid_pages(tmp_path):
    """--overwrite removes an earlier run's grid pages, and the single grid file of manifests from
    before paging."""
    for name in ("grid_01.gif", "grid_02.gif", "grid.gif", "a.npy"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / exporters.MANIFEST).write_text(json.dumps(
        {"grid": {"animation": ["grid_01.gif", "grid_02.gif"]}, "items": [{"joints": "a.npy"}]}))
    assert sorted(p.name for p in exporters.previous_outputs(tmp_path)) == [
        "a.npy", "grid_01.gif", "grid_02.gif", exporters.MANIFEST]
    (tmp_path / exporters.MANIFEST).write_text(json.dumps({"grid": {"animation": "grid.gif"}, "items": []}))
    assert sorted(p.name for p in exporters.previous_outputs(tmp_path)) == ["grid.gif", exporters.MANIFEST]
