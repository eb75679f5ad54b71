"""Tests of the stick-figure renderers (Pillow, the default, and matplotlib): timing, layout,
orientation, titles, paging-free grids, inputs, atomicity."""

import math
import re
import shutil

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure
from PIL import Image

from src import config, errors
from src.models.rotation2xyz import BuiltinSkeleton
from src.rendering import anim
from src.rendering import plot_utils as pu
from src.rendering import stick
from src.utils.rotation import axis_angle_to_matrix
from src.visualize import anim as anim_command

LEFT_WRIST, RIGHT_WRIST = config.JOINT_INDEX["left_wrist"], config.JOINT_INDEX["right_wrist"]
HEAD, PELVIS = config.JOINT_INDEX["head"], config.JOINT_INDEX["pelvis"]
LEFT_SHOULDER = config.JOINT_INDEX["left_shoulder"]


def make_clip(num_frames: int, raise_left: float = 0.0, speed: float = 0.0, fps: float = 30.0) -> np.ndarray:
    """(T, 22, 3) built-in skeleton facing +Z, feet on y = 0: T-pose, left arm raised by
    ``raise_left`` radians at the end (linearly), walking forward (+Z) at ``speed`` m/s."""
    t = torch.arange(num_frames, dtype=torch.float32)
    axis_angle = torch.zeros(num_frames, 24, 3)
    axis_angle[:, LEFT_SHOULDER, 2] = raise_left * t / max(num_frames - 1, 1)  # +Z turns +X towards +Y
    axis_angle[:, 1, 0] = 0.4 * torch.sin(2 * math.pi * t / fps)  # hips swing, so frames differ
    axis_angle[:, 2, 0] = -0.4 * torch.sin(2 * math.pi * t / fps)
    trans = torch.zeros(num_frames, 3)
    trans[:, 2] = speed * t / fps
    joints = BuiltinSkeleton()(axis_angle_to_matrix(axis_angle), trans)["joints"][:, :22]
    joints[..., 1] -= joints[..., config.FLOOR_JOINTS, 1].min()
    return joints.numpy().astype(np.float32)


def gif_timing(path):
    """(number of frames, list of per-frame delays in ms) as Pillow reads them back."""
    with Image.open(path) as im:
        durations = []
        for k in range(im.n_frames):
            im.seek(k)
            durations.append(im.info["duration"])
        return im.n_frames, durations


def screen_positions(panel) -> dict:
    """{joint index: (2,) display pixel position, y up} of the drawn chains (after a draw)."""
    out = {}
    for idx, _, line in panel.chains:
        pixels = panel.ax.transData.transform(line.get_xydata())  # (len(idx), 2)
        out.update(zip(idx, pixels))
    return out


# ------------------------------------------------------------------ timing
@pytest.mark.parametrize("renderer", anim.RENDERERS)
@pytest.mark.parametrize("fps, num_frames, step", [(30.0, 24, 1), (20.0, 16, 1), (60.0, 30, 2)])
def test_gif_plays_in_real_time(tmp_path, fps, num_frames, step, renderer):
    path = anim.render_animation(make_clip(num_frames, fps=fps), tmp_path / "clip.gif", fps, title="test",
                                 renderer=renderer)
    n, durations = gif_timing(path)
    assert n == math.ceil(num_frames / step)
    assert all(d % 10 == 0 and d >= 20 for d in durations)
    assert abs(sum(durations) - 1000 * num_frames / fps) <= 5
    # Each delay is within one GIF tick of the frame interval (no slow 30 ms for 33.3 ms).
    assert all(abs(d - 1000 * step / fps) < 10 for d in durations)


def test_gif_durations_and_step():
    assert pu.gif_durations(3, 30.0, 1) == [30, 40, 30]
    assert sum(pu.gif_durations(90, 30.0, 1)) == 3000
    assert pu.gif_durations(4, 12.5, 1) == [80] * 4
    assert pu.frame_step(30.0, 30.0) == 1 and pu.frame_step(120.0, 30.0) == 4 and pu.frame_step(59.94, 30.0) == 2


def test_explicit_skip_keeps_real_time(tmp_path):
    path = anim.render_animation(make_clip(20), tmp_path / "skip.gif", 30.0, skip=3)
    n, durations = gif_timing(path)
    assert n == 7 and abs(sum(durations) - 7 * 100) <= 5


# ------------------------------------------------------------------ grid
def test_grid_of_clips_with_different_lengths(tmp_path):
    clips = [make_clip(8), make_clip(20, raise_left=1.2), make_clip(14, speed=1.0)]
    path = anim.render_grid(clips, ["short", "raise the left arm", "walk"], tmp_path / "grid.gif", 20.0)
    n, durations = gif_timing(path)
    assert n == 20 and abs(sum(durations) - 1000) <= 5
    with Image.open(path) as im:
        assert im.size[0] == 3 * int(anim.PANEL_INCHES[0] * anim.DPI)  # one row of three

    figure = anim.MotionFigure(clips, 20.0, titles=["a", "b", "c"])
    figure.set_frame(19)
    short = figure.panels[0]
    idx, _, line = short.chains[0]
    np.testing.assert_allclose(np.stack(line.get_data_3d(), 1), pu.to_plot(clips[0][-1, list(idx)]))


def test_grid_layout_and_title_count(tmp_path):
    with pytest.raises(ValueError, match="2 titles for 3 clips"):
        anim.render_grid([make_clip(5)] * 3, ["a", "b"], tmp_path / "g.gif", 20.0)
    figure = anim.MotionFigure([make_clip(5)] * 5, 20.0)
    assert [p.ax.get_subplotspec().get_geometry()[:2] for p in figure.panels][0] == (2, 3)


# ------------------------------------------------------------------ orientation
def drawn_axes(azim: float, elev: float) -> dict:
    """Screen (display pixel, y up) images of the data's +X, +Y and +Z for one camera, read
    from the drawn artists of a body walking forward: +X = left wrist - right wrist (T-pose
    arms), +Y = head - pelvis, +Z = the root path on the floor."""
    figure = anim.MotionFigure([make_clip(10, speed=1.0)], 30.0, azim=azim, elev=elev)
    figure.set_frame(9)
    figure.grab()
    panel = figure.panels[0]
    pix = screen_positions(panel)
    path = panel.ax.transData.transform(panel.path_done.get_xydata())  # (10, 2)
    return {"x": pix[LEFT_WRIST] - pix[RIGHT_WRIST], "y": pix[HEAD] - pix[PELVIS], "z": path[-1] - path[0]}


def test_front_view_is_upright_and_not_mirrored():
    """Camera in front: the left wrist (+X) is on the viewer's right, the head on top, and walking
    forward (+Z, towards the raised camera) moves down the screen. A mirrored mapping would put
    the camera behind the body: the path would then go up the screen."""
    s = drawn_axes(azim=0.0, elev=20.0)
    assert s["x"][0] > 100 and abs(s["x"][1]) < 1
    assert s["y"][1] > 50 and abs(s["y"][0]) < 1
    assert s["z"][1] < -5 and abs(s["z"][0]) < 1


@pytest.mark.parametrize("azim", [-150.0, -120.0, -60.0, anim.DEFAULT_AZIM, 0.0, 45.0, 120.0, 170.0])
@pytest.mark.parametrize("elev", [anim.DEFAULT_ELEV, 60.0])
def test_projection_is_a_rotation_for_every_camera(azim, elev):
    """Handedness: for an orthographic view by a proper rotation, the 2D cross product of the
    screen images of two data vectors u, w has the sign of (u x w) . b, with b pointing to the
    camera; a reflection anywhere in the chain flips it."""
    s = drawn_axes(azim, elev)
    b = pu.camera_direction(elev, azim)
    unit = {"x": np.array([1.0, 0, 0]), "y": np.array([0, 1.0, 0]), "z": np.array([0, 0, 1.0])}
    for u, w in (("x", "y"), ("y", "z"), ("z", "x")):
        expected = np.cross(unit[u], unit[w]) @ b
        cross = s[u][0] * s[w][1] - s[u][1] * s[w][0]
        if abs(expected) > 0.05:
            assert np.sign(cross) == np.sign(expected), (u, w, cross, expected)
    assert s["y"][1] > 0  # up is up on screen from any camera


@pytest.mark.parametrize("renderer", anim.RENDERERS)
def test_raised_left_arm_is_red_and_on_the_right(tmp_path, renderer):
    """End to end on pixels: the raised arm is drawn red (left) and, seen from the front-ish
    default camera, lies right of the lowered blue arm and above it."""
    path = anim.render_frames_png(make_clip(10, raise_left=1.4), tmp_path / "raise.png", [-1], renderer=renderer)
    rgb = np.asarray(Image.open(path).convert("RGB")).astype(int)
    rgb = rgb[: int(0.85 * len(rgb))]  # leave out the legend at the bottom
    red = (rgb[..., 0] > 180) & (rgb[..., 1] < 90) & (rgb[..., 2] < 90)
    blue = (rgb[..., 2] > 150) & (rgb[..., 0] < 80)
    red_rows, red_cols = np.nonzero(red)
    blue_rows, blue_cols = np.nonzero(blue)
    assert red_cols.mean() > blue_cols.mean()
    assert red_rows.min() < blue_rows.min() - 20  # image rows grow downwards


def test_chains_cover_every_bone_once():
    for num_joints in (22, 24):
        bones = []
        for idx, side in pu.kinematic_chains(num_joints):
            bones += list(zip(idx[:-1], idx[1:]))
            names = [config.SMPL_JOINT_NAMES[j] for j in idx]
            assert not (side == "left" and any(n.startswith("right_") for n in names))
        assert sorted(bones) == sorted((j, config.SMPL_PARENTS[j]) for j in range(1, num_joints))


def test_view_follows_long_walks_and_keeps_the_body_inside():
    fps = 30.0
    short, long = make_clip(30, speed=1.0), make_clip(150, speed=1.5)
    centres, half, _ = pu.view_boxes(short, fps, 0.0)
    assert np.all(centres == centres[0])  # 1 m walk: one fixed view
    centres, half, (y_low, y_high) = pu.view_boxes(long, fps, 0.0)
    assert centres[-1, 1] - centres[0, 1] > 5.0  # 7.5 m walk: the view travels
    assert np.all(np.abs(long[..., [0, 2]] - centres[:, None]) <= half)
    assert y_low < 0.0 and y_high > long[..., 1].max()


# ------------------------------------------------------------------ outputs
def test_png_strip(tmp_path):
    path = anim.render_frames_png(torch.from_numpy(make_clip(12)), tmp_path / "strip.png", [0, 5, 11], fps=30.0)
    with Image.open(path) as im:
        assert im.format == "PNG" and im.size[0] == 3 * int(anim.PANEL_INCHES[0] * anim.DPI)
    with pytest.raises(ValueError, match="out of range"):
        anim.render_frames_png(make_clip(12), tmp_path / "bad.png", [12])


def test_mp4_falls_back_to_gif_without_ffmpeg(tmp_path, monkeypatch):
    monkeypatch.setattr(anim.shutil, "which", lambda name: None)
    with pytest.warns(UserWarning, match="ffmpeg not found"):
        path = anim.render_animation(make_clip(6), tmp_path / "clip.mp4", 20.0)
    assert path == tmp_path / "clip.gif" and path.is_file()
    assert not (tmp_path / "clip.mp4").exists()


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not on PATH")
def test_mp4_with_ffmpeg(tmp_path):
    path = anim.render_animation(make_clip(10), tmp_path / "clip.mp4", 20.0)
    assert path.suffix == ".mp4" and path.stat().st_size > 1000
    assert path.read_bytes()[4:8] == b"ftyp"


def test_unknown_suffix(tmp_path):
    with pytest.raises(ValueError, match=r"\.gif or \.mp4"):
        anim.render_animation(make_clip(4), tmp_path / "clip.avi", 20.0)


@pytest.mark.parametrize("renderer", anim.RENDERERS)
def test_failed_render_leaves_no_file(tmp_path, monkeypatch, renderer):
    out = tmp_path / "clip.gif"
    out.write_bytes(b"previous")
    calls = {"n": 0}
    figure_class = anim.MotionFigure if renderer == "matplotlib" else stick.StickFigure
    real_set_frame = figure_class.set_frame

    def failing_set_frame(self, t):
        calls["n"] += 1
        if calls["n"] > 5:
            raise RuntimeError("disk full")
        return real_set_frame(self, t)

    monkeypatch.setattr(figure_class, "set_frame", failing_set_frame)
    with pytest.raises(RuntimeError, match="disk full"):
        anim.render_animation(make_clip(12), out, 20.0, renderer=renderer)
    assert out.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.gif"]

    def failing_save(*args, **kwargs):
        raise OSError("write failed")

    monkeypatch.setattr(figure_class, "set_frame", real_set_frame)
    monkeypatch.setattr(Image.Image, "save", failing_save)
    with pytest.raises(OSError, match="write failed"):
        anim.render_animation(make_clip(4), tmp_path / "new.gif", 20.0, renderer=renderer)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.gif"]


# ------------------------------------------------------------------ inputs
@pytest.mark.parametrize("shape", [(10, 3), (10, 22, 2), (10, 17, 3), (0, 22, 3)])
def test_bad_shapes_name_the_shape(tmp_path, shape):
    with pytest.raises(ValueError, match=re.escape(f"got shape {shape}")):
        anim.render_animation(np.zeros(shape, np.float32), tmp_path / "x.gif", 20.0)


def test_frames_last_input_gets_a_hint():
    with pytest.raises(ValueError, match="frames-last"):
        pu.validate_joints(np.zeros((22, 3, 40)))


def test_nan_frames_are_reported(tmp_path):
    clip = make_clip(6)
    clip[3, 5, 1] = np.nan
    with pytest.raises(ValueError, match=r"NaN or inf in 1 frame\(s\), first ones: \[3\]"):
        anim.render_grid([make_clip(4), clip], None, tmp_path / "x.gif", 20.0)
    assert not (tmp_path / "x.gif").exists()


def test_bad_fps(tmp_path):
    with pytest.raises(ValueError, match="fps"):
        anim.render_animation(make_clip(4), tmp_path / "x.gif", 0.0)
    with pytest.raises(ValueError, match="max_fps"):
        anim.render_animation(make_clip(4), tmp_path / "x.gif", 100.0, max_fps=100.0)


def test_24_and_52_joint_inputs():
    assert pu.validate_joints(np.zeros((2, 24, 3))).shape == (2, 24, 3)
    assert pu.validate_joints(np.zeros((2, 52, 3), np.float64)).dtype == np.float32
    assert pu.validate_joints(np.zeros((2, 52, 3))).shape == (2, 22, 3)


# ------------------------------------------------------------------ command line
def test_cli(tmp_path, capsys):
    src = tmp_path / "motion.npy"
    np.save(src, make_clip(10))
    anim_command.main([str(src), "--fps", "20", "--title", "a person stands"])
    assert (tmp_path / "motion.gif").is_file()
    assert gif_timing(tmp_path / "motion.gif")[0] == 10
    anim_command.main([str(src), "--out", str(tmp_path / "strip.png"), "--frames", "0", "9"])
    assert (tmp_path / "strip.png").is_file()
    assert "wrote" in capsys.readouterr().out


def test_cli_refuses_to_overwrite(tmp_path, capsys):
    """anim keeps an existing output unless --overwrite is given (as text2motion does), and never
    writes over its input."""
    src = tmp_path / "motion.npy"
    np.save(src, make_clip(6))
    out = tmp_path / "motion.gif"
    out.write_bytes(b"mine")
    assert anim_command.main([str(src), "--fps", "20"]) == errors.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert f"{out} already exists" in err and "--overwrite" in err and "Traceback" not in err
    assert out.read_bytes() == b"mine"
    strip = tmp_path / "strip.png"
    strip.write_bytes(b"mine")
    assert anim_command.main([str(src), "--out", str(strip)]) == errors.EXIT_BAD_INPUT
    assert strip.read_bytes() == b"mine"
    assert anim_command.main([str(src), "--fps", "20", "--overwrite"]) == 0
    assert gif_timing(out)[0] == 6
    assert anim_command.main([str(src), "--out", str(src), "--overwrite"]) == errors.EXIT_BAD_INPUT
    assert "is the input file" in capsys.readouterr().err and np.load(src).shape == (6, 22, 3)


def test_cli_checks_the_gif_an_mp4_falls_back_to(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(shutil, "which", lambda name: None)  # no ffmpeg: clip.mp4 would be written as clip.gif
    src = tmp_path / "clip.npy"
    np.save(src, make_clip(6))
    (tmp_path / "clip.gif").write_bytes(b"mine")
    assert anim_command.main([str(src), "--out", str(tmp_path / "clip.mp4")]) == errors.EXIT_BAD_INPUT
    assert "clip.gif already exists" in capsys.readouterr().err


def _floor_pixels(joints, path) -> int:
    """Light neutral-grey pixels of a still: the floor grid (the spine is a darker grey)."""
    anim.render_frames_png(joints, path, [0])
    with Image.open(path) as im:
        p = np.asarray(im.convert("RGB")).astype(int)
    return int(((p.max(-1) - p.min(-1) < 8) & (p.mean(-1) > 150) & (p.mean(-1) < 235)).sum())


@pytest.mark.parametrize("shift", [0.0, 0.13, 0.31, -2.45])
def test_floor_grid_shows_in_every_panel(tmp_path, shift):
    """The whole floor grid is drawn wherever the clip stands: its lines' ends once sat on the view
    box's edge, and matplotlib's box clip (>= 3.10) then hid whole lines, in most panels all of them."""
    joints = make_clip(4)
    joints[..., 0] += shift
    joints[..., 2] -= shift / 2
    reference = make_clip(4)
    reference[..., 0] += 1.7  # a placement whose grid was always whole
    reference[..., 2] -= 0.85
    assert _floor_pixels(joints, tmp_path / "a.png") >= 0.85 * _floor_pixels(reference, tmp_path / "b.png")
    figure = Figure()
    panel = anim.MotionPanel(figure.add_subplot(projection="3d"), joints, 30.0)
    (x0, x1), (y0, y1) = panel.ax.get_xlim(), panel.ax.get_ylim()
    constant_x = [line.get_data_3d() for line in panel.floor_x if len(line.get_data_3d()[0])]
    constant_z = [line.get_data_3d() for line in panel.floor_z if len(line.get_data_3d()[0])]
    assert len(constant_x) >= 3 and len(constant_z) >= 3
    # every line's ends strictly inside the box (plot y = -Z), so the box clip cannot drop it
    assert all(y0 < min(ys) and max(ys) < y1 and x0 <= min(xs) and max(xs) <= x1 for xs, ys, _ in constant_x)
    assert all(x0 < min(xs) and max(xs) < x1 and y0 <= min(ys) and max(ys) <= y1 for xs, ys, _ in constant_z)


def test_grid_panels_share_one_scale():
    """A still clip beside a 3 m walk and a jump: every panel shows the same floor window size and
    height range, so the figures are the same size on screen and distances compare."""
    still, walk, jump = make_clip(30), make_clip(30, speed=3.0), make_clip(30)
    jump[:, :, 1] += 0.6 * np.sin(np.linspace(0, np.pi, 30))[:, None]
    figure = anim.MotionFigure([still, walk, jump], 30.0)
    spans = {(round(float(np.diff(p.ax.get_xlim())[0]), 6), round(float(np.diff(p.ax.get_ylim())[0]), 6),
              p.ax.get_zlim()) for p in figure.panels}
    assert len(spans) == 1
    assert figure.panels[0].half == max(pu.view_boxes(c, 30.0, 0.0)[1] for c in (still, walk, jump))


# ------------------------------------------------------------------ the Pillow renderer
def body_pixels(rgb: np.ndarray) -> np.ndarray:
    """(N, 2) (row, column) of the red and blue limb pixels of an RGB frame."""
    rgb = rgb.astype(int)
    red = (rgb[..., 0] > 180) & (rgb[..., 1] < 90) & (rgb[..., 2] < 90)
    blue = (rgb[..., 2] > 150) & (rgb[..., 0] < 80)
    return np.argwhere(red | blue)


def gif_frames(path) -> list:
    with Image.open(path) as im:
        frames = []
        for k in range(im.n_frames):
            im.seek(k)
            frames.append(np.asarray(im.convert("RGB")))
        return frames


def test_pil_gif_frames_size_and_colours(tmp_path):
    """One GIF frame per data frame, the figure's size, and every frame decodes to what the
    figure drew (the writer's "unchanged" pixels composite back exactly)."""
    clip = make_clip(12, speed=1.0, fps=20.0)
    path = anim.render_animation(clip, tmp_path / "walk.gif", 20.0, title="a person walks")
    figure = stick.StickFigure([clip], 20.0, title="a person walks")
    frames = gif_frames(path)
    assert len(frames) == 12 and frames[0].shape[1] == stick.PANEL_PX
    for t in (0, 5, 11):
        figure.set_frame(t)
        np.testing.assert_array_equal(frames[t], figure.grab())


def test_pil_walk_moves_across_the_frames(tmp_path):
    """The figure's pixels move between frames of a walk forward (+Z): with the default camera
    (in front, towards the body's right) +Z goes right and down on screen."""
    path = anim.render_animation(make_clip(30, speed=1.5, fps=20.0), tmp_path / "walk.gif", 20.0)
    frames = gif_frames(path)
    first, last = body_pixels(frames[0]), body_pixels(frames[-1])
    assert len(first) > 200 and len(last) > 200
    shift = last.mean(0) - first.mean(0)  # (rows, columns)
    assert shift[1] > 20 and shift[0] > 2
    assert sum(not np.array_equal(a, b) for a, b in zip(frames, frames[1:])) == len(frames) - 1


def test_pil_camera_is_a_rotation():
    """Front camera: +X (the body's left) to the viewer's right, +Y up, +Z towards the camera;
    for every camera the rows form a proper rotation (nothing mirrored)."""
    front = stick.Camera(0.0, 0.0).project(np.eye(3))  # rows: images of +X, +Y, +Z
    np.testing.assert_allclose(front, np.eye(3), atol=1e-12)
    for elev, azim in ((20.0, -35.0), (60.0, 120.0), (5.0, 170.0)):
        rows = stick.Camera(elev, azim).rows
        np.testing.assert_allclose(rows @ rows.T, np.eye(3), atol=1e-12)
        assert np.linalg.det(rows) == pytest.approx(1.0)
        np.testing.assert_allclose(rows[2], pu.camera_direction(elev, azim))


@pytest.mark.parametrize("panel_px", [stick.GRID_PANEL_PX, stick.PANEL_PX])
def test_pil_long_titles_are_wrapped_whole(panel_px):
    """A grid panel's title keeps every word (the crab walks' "left" / "right" included): wrapped
    into at most 3 lines that each fit the panel, the font shrinking when needed."""
    from src.visualize.exporters import GRID_TITLE_CHARS

    prompts = ["the person shuffles crabwise over to their own left",
               "the person shuffles crabwise over to their own right",
               " ".join(["somebody"] + ["walks slowly"] * 20)[:GRID_TITLE_CHARS].strip(), "Wings"]
    figure = stick.StickFigure([make_clip(3)] * 4, 20.0, titles=prompts, panel_px=panel_px)
    for prompt, lines in zip(prompts, figure.panel_title_lines):
        assert " ".join(lines) == prompt and 1 <= len(lines) <= stick.MAX_TITLE_LINES
        _, px = stick.fit_title(prompt, panel_px - 12, stick.PANEL_TITLE_PX)
        assert all(stick.font(px).getlength(line) <= panel_px - 12 for line in lines)
    assert figure.panel_title_lines[0][-1].endswith("own left")
    assert figure.panel_title_lines[1][-1].endswith("own right")
    assert figure.panel_title_lines[3] == ["Wings"]


def test_pil_title_wrapping_rules():
    fnt = stick.font(14)
    assert stick.wrap_text("", fnt, 100) == [""]
    assert all(fnt.getlength(line) <= 60 for line in stick.wrap_text("a" * 40 + " b", fnt, 60))
    assert "".join(stick.wrap_text("a" * 40, fnt, 60)) == "a" * 40  # a long word is split, not lost
    lines, px = stick.fit_title("word " * 200, 200, 14)
    assert px == stick.MIN_TITLE_PX and len(lines) == stick.MAX_TITLE_LINES and lines[-1].endswith("...")


def test_pil_grid_has_one_scale_and_a_floor_in_every_panel(tmp_path):
    """A still clip, a 3 m walk, a jump and a clip standing far from the origin: every panel has
    the same metres per pixel and the same placement, and shows its floor."""
    still, walk, jump, away = make_clip(30), make_clip(30, speed=3.0), make_clip(30), make_clip(30)
    jump[:, :, 1] += 0.6 * np.sin(np.linspace(0, np.pi, 30))[:, None]
    away[..., 0] += 2.45
    away[..., 2] -= 1.2
    figure = stick.StickFigure([still, walk, jump, away, still], 30.0, titles=list("abcde"))
    assert len({p.scale for p in figure.panels}) == 1 and len({p.size for p in figure.panels}) == 1
    assert len({tuple(p.origin) for p in figure.panels}) == 1
    figure.set_frame(15)
    rgb = figure.grab()
    width, height = figure.panels[0].size
    for (x, y) in figure.offsets:
        panel = rgb[y:y + height, x:x + width]
        assert (panel == stick.FLOOR_FILL).all(-1).mean() > 0.05  # the floor window
        grey = (panel.max(-1) - panel.min(-1) < 8) & (panel.mean(-1) < 235)  # its grid lines (and the shadow)
        assert grey.sum() > 300
        assert len(body_pixels(panel)) > 100


def test_pil_grid_of_clips_with_different_lengths(tmp_path):
    clips = [make_clip(8), make_clip(20, raise_left=1.2), make_clip(14, speed=1.0)]
    path = anim.render_grid(clips, ["short", "raise the left arm", "walk"], tmp_path / "grid.gif", 20.0)
    frames = gif_frames(path)
    assert len(frames) == 20 and frames[0].shape[1] == 3 * stick.PANEL_PX
    width, above_clock = stick.PANEL_PX, -stick.BOTTOM_PX
    # the short clip holds its last frame: its panel no longer changes after frame 8
    assert np.array_equal(frames[9][:above_clock, :width], frames[19][:above_clock, :width])
    assert not np.array_equal(frames[9][:, width:2 * width], frames[19][:, width:2 * width])


def test_renderer_option(tmp_path):
    with pytest.raises(ValueError, match="renderer must be one of pil, matplotlib"):
        anim.render_animation(make_clip(4), tmp_path / "x.gif", 20.0, renderer="blender")
    src = tmp_path / "motion.npy"
    np.save(src, make_clip(5))
    assert anim_command.main([str(src), "--fps", "20", "--renderer", "matplotlib"]) == 0
    with Image.open(tmp_path / "motion.gif") as im:
        assert im.size[0] == int(anim.PANEL_INCHES[0] * anim.DPI) and im.n_frames == 5
