"""Stick-figure animations of joint positions: GIF / MP4 / PNG writers, and the matplotlib renderer.

Two renderers draw the same picture: ``renderer="pil"`` (the default, ``src.rendering.stick``:
numpy projection and Pillow drawing, 12-18x faster) and ``renderer="matplotlib"`` (this module's
``MotionFigure``, matplotlib 3D axes, headless, no pyplot). What follows describes the latter;
the former keeps its conventions (and adds a floor shadow of the body).

Input: (T, J, 3) joint positions in the project's frame (``src.config``: Y-up metres, facing +Z
in frame 0, left = +X), J = 22 or 24 (52 / 55 draw their first 22). Drawing conventions:
    * left limbs red, right limbs blue, spine and head grey (a legend says so);
    * a floor grid at ``floor`` (default y = 0, the output convention), 0.5 m squares;
    * the root's path drawn on the floor: solid up to the current frame, dotted ahead;
    * equal scale on every axis (orthographic camera) and limits fixed over the clip: the view
      covers the whole clip, or, when the clip travels more than 4 m, the view keeps its size
      and follows the root (smoothed over 1 s) while the floor grid scrolls underneath;
    * the camera is fixed in the world: by default in front of a body facing +Z and 35 degrees
      towards its right, 20 degrees above (see ``plot_utils`` for the angle conventions).
Playback is real time: GIF delays follow the data's fps (see ``plot_utils.gif_durations``);
MP4 needs ffmpeg on the PATH.

The command is ``python -m src.visualize.anim motion.npy --fps 20 --out motion.gif --title "a person walks"``.
"""

import shutil
import subprocess
import textwrap
import warnings
from pathlib import Path
from typing import Optional, Sequence

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from PIL import Image

from src import config
from src.utils.fileio import atomic_path
from src.rendering import plot_utils as pu

DEFAULT_ELEV, DEFAULT_AZIM = pu.DEFAULT_ELEV, pu.DEFAULT_AZIM
FLOOR_SPACING = 0.5  # metres between floor grid lines
PANEL_INCHES = (4.0, 4.0)
DPI = 100
RENDERERS, DEFAULT_RENDERER = config.RENDERERS, config.DEFAULT_RENDERER
# Clip floor and path to the view box (matplotlib >= 3.10; older versions clip to the panel only).
_BOX_CLIP = {"axlim_clip": True} if tuple(map(int, matplotlib.__version__.split(".")[:2])) >= (3, 10) else {}


class MotionPanel:
    """One 3D axes showing one clip; ``set_frame`` moves its artists (nothing is re-created).

    Args:
        ax: a matplotlib 3D axes.
        joints: (T, J, 3) validated positions.
        fps: frames per second of ``joints``.
        floor: floor height (data Y).
        elev, azim: camera angles in the data frame (``plot_utils``).
        follow: None (auto), True or False; see ``plot_utils.view_boxes``.
        extent: (half side of the floor window, (y_low, y_high)) to use instead of the clip's own
            (a grid gives every panel the same, so they share one scale); None = the clip's.
    """

    def __init__(self, ax, joints: np.ndarray, fps: float, floor: float = 0.0,
                 elev: float = DEFAULT_ELEV, azim: float = DEFAULT_AZIM, follow=None, extent=None):
        self.ax, self.joints, self.floor = ax, joints, floor
        self.centres, self.half, (y_low, y_high) = pu.view_boxes(joints, fps, floor, follow)
        if extent is not None:
            self.half, (y_low, y_high) = extent
        self.fixed_view = bool(np.all(self.centres == self.centres[0]))
        self.toward_camera = pu.camera_direction(elev, azim)  # (3,) data frame
        ax.set_axis_off()
        ax.set_proj_type("ortho")
        ax.view_init(*pu.mpl_view(elev, azim))
        ax.computed_zorder = False  # floor, then path, then body (depth-sorted in set_frame)
        span = 2 * self.half
        ax.set_box_aspect((span, span, y_high - y_low), zoom=1.45)
        ax.set_zlim(y_low, y_high)  # plot z = data Y

        n_lines = int(span // FLOOR_SPACING) + 2
        floor_style = dict(color=pu.FLOOR_COLOUR, lw=0.6, zorder=0, **_BOX_CLIP)
        self.floor_x = [ax.plot([], [], [], **floor_style)[0] for _ in range(n_lines)]  # lines of constant X
        self.floor_z = [ax.plot([], [], [], **floor_style)[0] for _ in range(n_lines)]  # lines of constant Z
        root_floor = joints[:, 0].copy()
        root_floor[:, 1] = floor
        self.root_path = pu.to_plot(root_floor)  # (T, 3)
        ax.plot(*self.root_path.T, color=pu.TRAJECTORY_COLOUR, lw=1.0, ls=":", alpha=0.6,
                zorder=1, **_BOX_CLIP)
        self.path_done = ax.plot([], [], [], color=pu.TRAJECTORY_COLOUR, lw=2.0, zorder=1,
                                 **_BOX_CLIP)[0]
        self.chains = [(idx, side, ax.plot([], [], [], color=pu.SIDE_COLOURS[side], lw=2.5,
                                           marker="o", ms=2.5, solid_capstyle="round")[0])
                       for idx, side in pu.kinematic_chains(joints.shape[1])]
        if self.fixed_view:
            self._set_window(self.centres[0])

    @property
    def num_frames(self) -> int:
        return len(self.joints)

    def _set_window(self, centre: np.ndarray) -> None:
        """Axis limits and floor grid for a floor window centred at data (X, Z) = ``centre``."""
        (x0, z0), h = centre, self.half
        self.ax.set_xlim(x0 - h, x0 + h)  # plot x = X
        self.ax.set_ylim(-z0 - h, -z0 + h)  # plot y = -Z
        # Grid lines sit at fixed world positions (multiples of FLOOR_SPACING), so the grid
        # scrolls when the window follows the body. axis 0: lines of constant X, 2: constant Z.
        for axis, along, lines in ((0, 2, self.floor_x), (2, 0, self.floor_z)):
            c0, c_along = (x0, z0) if axis == 0 else (z0, x0)
            ticks = np.arange(np.ceil((c0 - h) / FLOOR_SPACING), np.floor((c0 + h) / FLOOR_SPACING) + 1)
            for k, line in enumerate(lines):
                if k >= len(ticks):
                    line.set_data_3d([], [], [])
                    continue
                pts = np.full((2, 3), self.floor)  # (2, 3) data end points
                pts[:, axis] = ticks[k] * FLOOR_SPACING
                # Ends a hair inside the window: with the view-box clip (matplotlib >= 3.10) an end
                # rounding to just outside the limits hid the whole line, and with it most panels' floor.
                pts[:, along] = c_along + np.array([-h, h]) * (1 - 1e-6)
                line.set_data_3d(*pu.to_plot(pts).T)

    def set_frame(self, t: int) -> None:
        """Show frame ``t`` (clamped to the clip: a short clip holds its last frame)."""
        t = min(max(int(t), 0), self.num_frames - 1)
        if not self.fixed_view:
            self._set_window(self.centres[t])
        self.path_done.set_data_3d(*self.root_path[: t + 1].T)
        pose = self.joints[t]  # (J, 3)
        # Painter's order by hand: chains nearer the camera are drawn last.
        depth = [float(pose[list(idx)].mean(0) @ self.toward_camera) for idx, _, _ in self.chains]
        for rank, k in enumerate(np.argsort(depth)):
            idx, _, line = self.chains[k]
            line.set_data_3d(*pu.to_plot(pose[list(idx)]).T)
            line.set_zorder(2 + rank)


class MotionFigure:
    """A figure of one or more ``MotionPanel`` in a grid, with a legend and a clock.

    Args:
        clips: list of (T_k, J, 3) arrays or tensors.
        fps: frames per second shared by the clips.
        titles: one title per panel (wrapped to the panel width) or None.
        title: figure title or None.
        ncols: panels per row; default all in one row up to 4, else a square-ish grid.
        frames: for a still strip, the frame each panel shows (``set_frame`` then ignores the
            clock); None for an animation.
        elev, azim, floor, follow: see ``MotionPanel``.
    """

    def __init__(self, clips: Sequence, fps: float, titles: Optional[Sequence[str]] = None,
                 title: Optional[str] = None, ncols: Optional[int] = None, frames=None,
                 elev: float = DEFAULT_ELEV, azim: float = DEFAULT_AZIM, floor: float = 0.0,
                 follow=None):
        clips = pu.validate_figure_inputs(clips, fps, titles)
        self.fps, self.frames = float(fps), frames
        self.num_frames = max(len(c) for c in clips)
        n = len(clips)
        ncols = ncols or (n if n <= 4 else int(np.ceil(np.sqrt(n))))
        nrows = int(np.ceil(n / ncols))
        width = PANEL_INCHES[0] * ncols
        title = textwrap.fill(title, int(10 * width)) if title else ""
        titles = [textwrap.fill(t, 42) for t in titles] if titles else None
        top_in = 0.2 + 0.2 * (title.count("\n") + 1) if title else 0.0
        panel_top_in = 0.15 + 0.16 * max(t.count("\n") + 1 for t in titles) if titles else 0.1
        bottom_in = 0.3
        height = PANEL_INCHES[1] * nrows + top_in + bottom_in
        self.fig = Figure(figsize=(width, height), dpi=DPI)
        FigureCanvasAgg(self.fig)
        self.fig.subplots_adjust(left=0.0, right=1.0, bottom=bottom_in / height,
                                 top=1.0 - (top_in + panel_top_in) / height,
                                 wspace=0.0, hspace=panel_top_in / (PANEL_INCHES[1] - panel_top_in))
        if title:
            self.fig.suptitle(title, fontsize=12, y=1.0 - 0.08 / height, va="top")
        # One scale for every panel: the largest floor window and height range of the clips, so
        # that sizes, heights and distances compare across panels.
        boxes = [pu.view_boxes(c, self.fps, floor, follow) for c in clips]
        extent = (max(b[1] for b in boxes), (min(b[2][0] for b in boxes), max(b[2][1] for b in boxes)))
        self.panels = []
        for k, clip in enumerate(clips):
            ax = self.fig.add_subplot(nrows, ncols, k + 1, projection="3d")
            if titles:
                ax.set_title(titles[k], fontsize=9, pad=0)
            self.panels.append(MotionPanel(ax, clip, self.fps, floor, elev, azim, follow, extent))
        legend = _legend_image()
        self.fig.figimage(legend, xo=int(width * DPI) - legend.shape[1] - 4, yo=2, origin="upper")
        self.clock = self.fig.text(0.01, 0.012, "", fontsize=8, family="monospace")

    def set_frame(self, t: int) -> None:
        """Show frame ``t`` of every panel (or each panel's own frame for a still strip)."""
        if self.frames is not None:
            for panel, f in zip(self.panels, self.frames):
                panel.set_frame(f)
            return
        for panel in self.panels:
            panel.set_frame(t)
        self.clock.set_text(f"{t / self.fps:5.2f} s  {t + 1}/{self.num_frames}")

    def grab(self) -> np.ndarray:
        """Draw and return the figure as an (H, W, 3) uint8 RGB image."""
        self.fig.canvas.draw()
        return np.asarray(self.fig.canvas.buffer_rgba())[..., :3].copy()

    def image(self) -> Image.Image:
        """Draw and return the figure as an RGB ``PIL.Image``."""
        return Image.fromarray(self.grab())


def make_figure(clips: Sequence, fps: float, renderer: str = DEFAULT_RENDERER, **options):
    """A figure of ``clips`` drawn by ``renderer`` ("pil": ``stick.StickFigure``, "matplotlib":
    ``MotionFigure``); ``options`` as ``MotionFigure``'s. Both have ``set_frame``, ``grab``, ``image``."""
    if renderer == "matplotlib":
        return MotionFigure(clips, fps, **options)
    if renderer == "pil":
        from src.rendering.stick import StickFigure

        return StickFigure(clips, fps, **options)
    raise ValueError(f"renderer must be one of {', '.join(RENDERERS)}, got {renderer!r}")


def _legend_image() -> np.ndarray:
    """The colour legend (left, right, root path) as an (h, w, 4) RGBA image. Pasting a
    pre-drawn image costs a tenth of what a live legend costs on every frame."""
    fig = Figure(figsize=(2.6, 0.22), dpi=DPI)
    FigureCanvasAgg(fig)
    handles = [Line2D([], [], color=pu.SIDE_COLOURS[s], lw=2.5, label=s) for s in ("left", "right")]
    handles.append(Line2D([], [], color=pu.TRAJECTORY_COLOUR, lw=2.0, label="root path"))
    fig.legend(handles=handles, loc="center right", ncols=3, fontsize=8, frameon=False,
               borderaxespad=0.2, handlelength=1.5, columnspacing=1.0)
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba()).copy()


def _output_path(out_path) -> Path:
    """Check the suffix; swap .mp4 for .gif (with a warning) when ffmpeg is missing."""
    path = Path(out_path)
    suffix = path.suffix.lower()
    if suffix not in (".gif", ".mp4"):
        raise ValueError(f"animation output must end in .gif or .mp4, got {path.name!r}"
                         " (for still images use render_frames_png)")
    if suffix == ".mp4" and shutil.which("ffmpeg") is None:
        gif = path.with_suffix(".gif")
        warnings.warn(f"ffmpeg not found on PATH: writing {gif} instead of {path}", stacklevel=4)
        return gif
    return path


GIF_TRANSPARENT = 127  # palette index meaning "as in the previous frame"; palettes use 0-126


def _write_gif(figure, shown: Sequence[int], path: Path, durations: list) -> None:
    """Frames ``shown`` of ``figure`` -> GIF with one shared palette (no colour flicker).

    A figure with ``indexed()`` (``stick.StickFigure``) gives its frames already in its fixed
    palette; the others' palette comes from their first, middle and last frames together. Each
    frame is quantised as soon as it is drawn (memory holds one byte per pixel and frame), and
    its pixels equal to the previous frame's become transparent, so the encoder writes runs of
    one index there (Pillow's ``optimize`` does the same, several times slower)."""
    if hasattr(figure, "indexed"):
        def indexed(t):
            figure.set_frame(t)
            return figure.indexed()
    else:
        def rgb(t):
            figure.set_frame(t)
            return figure.image()

        sample = np.concatenate([np.asarray(rgb(t)) for t in (shown[0], shown[len(shown) // 2], shown[-1])], axis=0)
        palette = Image.fromarray(sample).quantize(colors=GIF_TRANSPARENT)

        def indexed(t):
            return rgb(t).quantize(palette=palette, dither=Image.Dither.NONE)

    images, previous, colours = [], None, None
    for t in shown:
        frame = indexed(t)
        colours = colours or frame.getpalette()[: 3 * GIF_TRANSPARENT]
        pixels = np.asarray(frame)  # (H, W) palette indices
        delta = pixels if previous is None else np.where(pixels == previous, np.uint8(GIF_TRANSPARENT), pixels)
        previous = pixels
        image = Image.fromarray(delta, "P")
        image.putpalette(colours)
        images.append(image)
    with atomic_path(path) as tmp:
        images[0].save(tmp, format="GIF", save_all=True, append_images=images[1:], duration=durations,
                       loop=0, disposal=1, transparency=GIF_TRANSPARENT, optimize=False)


def _write_mp4(figure, shown: Sequence[int], path: Path, fps: float) -> None:
    """Frames ``shown`` of ``figure`` -> H.264 MP4 played at ``fps``, streamed to ffmpeg."""
    figure.set_frame(shown[0])
    height, width = figure.grab().shape[:2]
    with atomic_path(path) as tmp:
        cmd = [shutil.which("ffmpeg"), "-y", "-loglevel", "error",
               "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}",
               "-framerate", f"{fps:.6f}", "-i", "-",
               "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2:color=white",  # yuv420p needs even sizes
               "-c:v", "libx264", "-pix_fmt", "yuv420p", "-movflags", "+faststart",
               "-f", "mp4", str(tmp)]
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            for t in shown:
                figure.set_frame(t)
                proc.stdin.write(figure.grab().tobytes())
            _, err = proc.communicate()
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        if proc.returncode != 0:
            raise RuntimeError(f"ffmpeg failed ({proc.returncode}): {err.decode(errors='replace')}")


def _render(figure, out_path, skip: Optional[int], max_fps: float) -> Path:
    path = _output_path(out_path)
    if path.suffix.lower() == ".gif" and not 0 < max_fps <= pu.MAX_GIF_FPS:
        raise ValueError(f"max_fps for GIF must be in (0, {pu.MAX_GIF_FPS:g}], got {max_fps}")
    step = int(skip) if skip else pu.frame_step(figure.fps, max_fps)
    if step < 1:
        raise ValueError(f"skip must be >= 1, got {skip}")
    shown = range(0, figure.num_frames, step)
    if path.suffix.lower() == ".gif":
        _write_gif(figure, shown, path, pu.gif_durations(len(shown), figure.fps, step))
    else:
        _write_mp4(figure, shown, path, figure.fps / step)
    return path


def render_animation(joints, out_path, fps: float, title: Optional[str] = None,
                     skip: Optional[int] = None, max_fps: float = 30.0, renderer: str = DEFAULT_RENDERER,
                     **view) -> Path:
    """Animate one clip to GIF or MP4 (chosen by the suffix of ``out_path``), in real time.

    Args:
        joints: (T, J, 3) numpy array or torch tensor, metres, Y-up (J = 22, 24, 52 or 55).
        out_path: ``.gif``, or ``.mp4`` (written as ``.gif`` with a warning when ffmpeg is absent).
        fps: frame rate of ``joints``.
        title: figure title (e.g. the text prompt).
        skip: draw every ``skip``-th frame; default: the smallest step that plays at most
            ``max_fps`` frames per second. Delays are set so playback stays real time either way.
        renderer: "pil" (fast, the default) or "matplotlib" (``make_figure``).
        view: ``elev``, ``azim``, ``floor``, ``follow`` (see ``MotionPanel``).
    Returns:
        The path written (its suffix may differ from ``out_path``'s, see above).
    """
    return _render(make_figure([joints], fps, renderer, title=title, **view), out_path, skip, max_fps)


def render_grid(clips: Sequence, titles: Optional[Sequence[str]], out_path, fps: float,
                ncols: Optional[int] = None, title: Optional[str] = None,
                skip: Optional[int] = None, max_fps: float = 30.0, renderer: str = DEFAULT_RENDERER,
                **view) -> Path:
    """Animate several clips side by side, one title each; shorter clips hold their last frame.

    Args:
        clips: list of (T_k, J, 3) arrays or tensors sharing ``fps``.
        titles: one string per clip, or None.
        ncols: panels per row (default: one row up to 4 clips, else a square-ish grid).
        Others as in ``render_animation``.
    Returns:
        The path written.
    """
    figure = make_figure(list(clips), fps, renderer, titles=titles, title=title, ncols=ncols, **view)
    return _render(figure, out_path, skip, max_fps)


def render_frames_png(joints, out_path, frame_indices: Optional[Sequence[int]] = None,
                      fps: Optional[float] = None, title: Optional[str] = None,
                      renderer: str = DEFAULT_RENDERER, **view) -> Path:
    """A still strip of selected frames of one clip, one panel per frame, as a PNG.

    Args:
        joints: (T, J, 3) array or tensor.
        out_path: the ``.png`` to write.
        frame_indices: frames to show (default: 5 evenly spaced, first and last included);
            negative indices count from the end.
        fps: frame rate, used to label the panels with times (frame numbers only when None).
        title, renderer, view: as in ``render_animation``.
    Returns:
        The path written.
    """
    path = Path(out_path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"render_frames_png writes .png files, got {path.name!r}")
    joints = pu.validate_joints(joints)
    num = len(joints)
    if frame_indices is None:
        frame_indices = np.unique(np.linspace(0, num - 1, min(5, num)).round().astype(int))
    frames = []
    for f in frame_indices:
        if not -num <= int(f) < num:
            raise ValueError(f"frame index {f} out of range for a clip of {num} frames")
        frames.append(int(f) % num)
    labels = [f"frame {f}" + (f"  ({f / fps:.2f} s)" if fps else "") for f in frames]
    figure = make_figure([joints] * len(frames), fps or config.SMOG_FPS, renderer, titles=labels, title=title,
                         ncols=len(frames), frames=frames, **view)
    figure.set_frame(0)
    image = figure.image()
    with atomic_path(path) as tmp:
        image.save(tmp, format="PNG", optimize=True)
    return path
