"""Fast stick-figure frames drawn with Pillow: the default renderer of the GIFs (``--renderer pil``).

The same pictures as the matplotlib renderer (``src.rendering.anim``), 12-18 times faster
(``bench/bench_gif.py``): the joints are projected by a fixed orthographic camera here (numpy), the
lines and discs rasterised by ``PIL.ImageDraw`` at twice the size and then halved (anti-aliasing),
only around what moves, over a floor drawn once, in one fixed palette. Conventions:
    * input (T, J, 3) joints in the project's frame (``src.config``: Y-up metres, facing +Z in
      frame 0, left = +X); camera angles ``elev`` / ``azim`` as in ``plot_utils``;
    * left limbs red, right limbs blue, spine and head grey (legend at the bottom right), a
      grey shadow of the body on the floor;
    * the floor window (light grey, 0.5 m grid) and the root's path on it: solid up to the
      current frame, dotted ahead; the window from ``plot_utils.view_boxes`` (the view follows
      clips that travel more than 4 m), the largest of a figure's clips for all its panels;
    * each panel shows its whole floor window and every joint of its clip, at one scale (metres
      per pixel) and placement for all the panels of a figure;
    * titles are wrapped to the panel width, and their font shrinks until they fit in
      ``MAX_TITLE_LINES`` lines (only beyond the smallest font is a title cut, with "...").
``StickFigure`` has ``MotionFigure``'s interface (``set_frame``, ``grab``, ``image``), so
``anim``'s GIF / MP4 / PNG writers take either.
"""

import functools
import importlib.util
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from src.rendering import plot_utils as pu

PANEL_PX = 400  # width of a panel (the matplotlib renderer's 4 in at 100 dpi) in figures of up to 4
GRID_PANEL_PX = 300  # with more panels (a 4 x 4 page is 1200 pixels wide)
SUPERSAMPLE = 2  # panels are drawn at this multiple of their size, then reduced (anti-aliasing)
MAX_TITLE_LINES = 3
TITLE_PX, PANEL_TITLE_PX, MIN_TITLE_PX, SMALL_PX = 17, 14, 10, 11
BOTTOM_PX = 22  # the strip with the clock and the legend
MARGIN = 0.03  # share of a panel left free around the view box
MIN_ASPECT = 0.6  # panels are between 0.6 and 1 times as tall as wide
FLOOR_SPACING = 0.5  # metres between floor grid lines (as the matplotlib renderer)

BACKGROUND = (255, 255, 255)
FLOOR_FILL = (244, 244, 244)
SHADOW_COLOUR = (212, 212, 212)
TEXT_COLOUR = (20, 20, 20)
# widths in output pixels
BONE_WIDTH, JOINT_RADIUS, PATH_WIDTH, FLOOR_WIDTH = 3.5, 2.2, 2.2, 1.0


def _rgb(colour: str) -> Tuple[int, int, int]:
    return tuple(int(colour[k:k + 2], 16) for k in (1, 3, 5))


def _blend(colour, alpha: float) -> Tuple[int, int, int]:
    """``colour`` at opacity ``alpha`` over the background."""
    return tuple(int(round(alpha * c + (1 - alpha) * b)) for c, b in zip(colour, BACKGROUND))


SIDE_RGB = {side: _rgb(c) for side, c in pu.SIDE_COLOURS.items()}
FLOOR_LINE = _rgb(pu.FLOOR_COLOUR)
PATH_RGB = _rgb(pu.TRAJECTORY_COLOUR)
PATH_AHEAD_RGB = _blend(PATH_RGB, 0.55)


def _palette_colours() -> List[Tuple[int, int, int]]:
    """Every colour a frame holds: the papers, the inks, and each ink over each paper at 7
    opacities (the anti-aliased edges) when unlike the colours before; fewer than 127 colours, so
    index ``TRANSPARENT`` = 127 stays free for the GIF writer."""
    papers = (BACKGROUND, FLOOR_FILL)
    inks = (*SIDE_RGB.values(), FLOOR_LINE, PATH_RGB, PATH_AHEAD_RGB, SHADOW_COLOUR, TEXT_COLOUR)
    colours = list(papers) + list(inks)
    for ink in inks:
        for paper in papers:
            for k in range(1, 8):
                a = k / 8
                c = tuple(int(round(a * i + (1 - a) * p)) for i, p in zip(ink, paper))
                # Pillow maps colours to a palette approximately: a blend close to a paper or an ink
                # would take its pixels (white became 250 grey), so near colours are left out
                if min(sum((u - v) ** 2 for u, v in zip(c, o)) for o in colours) > 100:
                    colours.append(c)
    return colours


PALETTE = _palette_colours()
TRANSPARENT = 127  # the GIF writer's index for "unchanged since the previous frame"
assert len(PALETTE) < TRANSPARENT
_PALETTE_IMAGE = Image.new("P", (1, 1))
_PALETTE_IMAGE.putpalette([v for c in PALETTE for v in c])


def to_palette(image: Image.Image) -> Image.Image:
    """An RGB image -> a "P" image in ``PALETTE`` (nearest colour, no dithering)."""
    return image.quantize(palette=_PALETTE_IMAGE, dither=Image.Dither.NONE)


# ---------------------------------------------------------------------- text
def _font_file(mono: bool) -> Optional[Path]:
    """matplotlib's DejaVu font (a dependency, so always there; found without importing it)."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        return None
    name = "DejaVuSansMono.ttf" if mono else "DejaVuSans.ttf"
    path = Path(list(spec.submodule_search_locations)[0]) / "mpl-data" / "fonts" / "ttf" / name
    return path if path.is_file() else None


@functools.lru_cache(maxsize=None)
def font(size: int, mono: bool = False) -> ImageFont.FreeTypeFont:
    path = _font_file(mono)
    return ImageFont.truetype(str(path), size) if path else ImageFont.load_default(size)


def wrap_text(text: str, fnt, width: float) -> List[str]:
    """Greedy word wrap of ``text`` to lines at most ``width`` pixels wide in ``fnt``; a word
    longer than a line is split between characters. Every character of ``text`` but the spaces at
    the breaks is in the lines."""
    lines: List[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if fnt.getlength(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        while len(word) > 1 and fnt.getlength(word) > width:
            cut = 1
            while cut < len(word) - 1 and fnt.getlength(word[:cut + 1]) <= width:
                cut += 1
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line or not lines:
        lines.append(line)
    return lines


def fit_title(text: str, width: float, size: int, max_lines: int = MAX_TITLE_LINES) -> Tuple[List[str], int]:
    """(lines, font size) of ``text`` wrapped to ``width`` pixels: the largest size from ``size``
    down to ``MIN_TITLE_PX`` that needs at most ``max_lines`` lines; at the smallest size a longer
    text keeps its first ``max_lines`` lines, the last ending in "..."."""
    for px in range(size, MIN_TITLE_PX - 1, -1):
        lines = wrap_text(text, font(px), width)
        if len(lines) <= max_lines:
            return lines, px
    fnt = font(MIN_TITLE_PX)
    lines = lines[:max_lines]
    last = lines[-1]
    while last and fnt.getlength(last + "...") > width:
        last = last[:-1]
    lines[-1] = last.rstrip() + "..."
    return lines, MIN_TITLE_PX


def _line_height(px: int) -> int:
    return int(round(px * 1.25))


def _draw_lines(draw: ImageDraw.ImageDraw, lines: Sequence[str], px: int, centre_x: float, top: float) -> None:
    fnt = font(px)
    for k, line in enumerate(lines):
        draw.text((centre_x, top + k * _line_height(px)), line, font=fnt, fill=TEXT_COLOUR, anchor="ma")


# ---------------------------------------------------------------------- camera
class Camera:
    """Orthographic camera fixed in the world (angles as in ``plot_utils``).

    ``rows`` is the rotation (3, 3) from the data frame to (screen right, screen up, towards the
    camera); a proper rotation, so nothing is mirrored: seen from the front (azim 0) the body's
    left (+X) is on the viewer's right.
    """

    def __init__(self, elev: float, azim: float):
        back = pu.camera_direction(elev, azim)  # (3,) towards the camera
        right = np.cross([0.0, 1.0, 0.0], back)
        right /= np.linalg.norm(right)
        self.rows = np.stack([right, np.cross(back, right), back])  # (3, 3)

    def project(self, points: np.ndarray) -> np.ndarray:
        """(..., 3) data points -> (..., 3) (right, up, depth towards the camera), metres."""
        return points @ self.rows.T


def _window_corners(half: float, floor: float) -> np.ndarray:
    """(4, 3) corners of a floor window centred at X = Z = 0, in drawing order."""
    return np.array([[-half, floor, -half], [half, floor, -half], [half, floor, half], [-half, floor, half]])


def screen_extent(joints: np.ndarray, centres: np.ndarray, half: float, floor: float, camera: Camera):
    """(lo, hi), each (2,): the screen box (metres, right / up, relative to the window centre's
    image) holding the floor window and every joint of every frame of a clip."""
    rel = joints.copy()  # (T, J, 3) relative to each frame's window centre
    rel[..., 0] -= centres[:, None, 0]
    rel[..., 2] -= centres[:, None, 1]
    points = np.concatenate([rel.reshape(-1, 3), _window_corners(half, floor)])
    s = camera.project(points)[:, :2]
    return s.min(0), s.max(0)


# ---------------------------------------------------------------------- one panel
class StickPanel:
    """One clip drawn into a panel of ``size`` = (width, height) pixels.

    Args:
        joints: (T, J, 3) validated positions. floor: floor height (data Y). camera: the ``Camera``.
        size: (width, height) of the panel in output pixels.
        centres, half: the floor window of every frame (``plot_utils.view_boxes``).
        screen: (lo, hi) the screen box to fit in the panel (``screen_extent``; a figure passes the
            union of its clips', so that every panel has one scale).
    """

    def __init__(self, joints: np.ndarray, floor: float, camera: Camera, size: Tuple[int, int], centres: np.ndarray,
                 half: float, screen):
        self.joints, self.floor, self.camera, self.size = joints, floor, camera, size
        self.centres, self.half = centres, half
        self.fixed_view = bool(np.all(centres == centres[0]))
        self.chains = [(list(idx), side) for idx, side in pu.kinematic_chains(joints.shape[1])]
        # pixels per metre and the pixel position of the window centre, at the supersampled size
        lo, hi = screen
        box = np.array(size, dtype=float) * SUPERSAMPLE  # (2,) width, height
        self.scale = float(((1 - 2 * MARGIN) * box / (hi - lo)).min())
        self.origin = np.array([box[0] / 2 - self.scale * (lo[0] + hi[0]) / 2,
                                box[1] / 2 + self.scale * (lo[1] + hi[1]) / 2])
        root = joints[:, 0].copy()
        root[:, 1] = floor
        self.root_floor = root  # (T, 3)
        self._static = self._background(self.centres[0]) if self.fixed_view else None
        self._last = None  # (frame, patch) last drawn

    @property
    def num_frames(self) -> int:
        return len(self.joints)

    def _pixels(self, points: np.ndarray, centre: np.ndarray) -> np.ndarray:
        """(..., 3) data points -> (..., 2) supersampled pixel positions (x right, y down) for a
        window centred at data (X, Z) = ``centre``."""
        rel = points - np.array([centre[0], 0.0, centre[1]], dtype=np.float32)
        s = self.camera.project(rel)
        return np.stack([self.origin[0] + self.scale * s[..., 0], self.origin[1] - self.scale * s[..., 1]], -1)

    def _in_window(self, points: np.ndarray, centre: np.ndarray) -> np.ndarray:
        return np.all(np.abs(points[:, [0, 2]] - centre) <= self.half, axis=1)

    def _background(self, centre: np.ndarray) -> Image.Image:
        """The floor window, its grid and the dotted path ahead, for a window at ``centre``."""
        ss, h, y = SUPERSAMPLE, self.half, self.floor
        image = Image.new("RGB", (self.size[0] * ss, self.size[1] * ss), BACKGROUND)
        draw = ImageDraw.Draw(image)
        (x0, z0) = centre
        window = _window_corners(h, y) + np.array([x0, 0.0, z0])
        draw.polygon([tuple(p) for p in self._pixels(window, centre)], fill=FLOOR_FILL)
        # lines at fixed world positions (multiples of FLOOR_SPACING): they scroll when the view follows
        width = max(1, int(round(FLOOR_WIDTH * ss)))
        for axis, c0, c_along in ((0, x0, z0), (2, z0, x0)):
            ticks = np.arange(np.ceil((c0 - h) / FLOOR_SPACING), np.floor((c0 + h) / FLOOR_SPACING) + 1)
            for tick in ticks * FLOOR_SPACING:
                ends = np.full((2, 3), y)
                ends[:, axis] = tick
                ends[:, 2 - axis] = [c_along - h, c_along + h]
                draw.line([tuple(p) for p in self._pixels(ends, centre)], fill=FLOOR_LINE, width=width)
        draw.polygon([tuple(p) for p in self._pixels(window, centre)], outline=FLOOR_LINE, width=width)
        # the whole path, dotted: a dot every 8 output pixels along its screen length
        inside = self.root_floor[self._in_window(self.root_floor, centre)]
        if len(inside) > 1:
            pix = self._pixels(inside, centre)
            steps = np.r_[0.0, np.cumsum(np.linalg.norm(np.diff(pix, axis=0), axis=1))]
            r = 0.8 * ss
            for d in np.arange(0.0, steps[-1], 8.0 * ss):
                px, py = np.interp(d, steps, pix[:, 0]), np.interp(d, steps, pix[:, 1])
                draw.ellipse([px - r, py - r, px + r, py + r], fill=PATH_AHEAD_RGB)
        return image

    def background(self) -> Image.Image:
        """The panel without the body (the floor and the dotted path) at the output size, RGB;
        blank for a view that follows the clip (its floor moves: ``patch`` draws it)."""
        if not self.fixed_view:
            return Image.new("RGB", self.size, BACKGROUND)
        return self._static.reduce(SUPERSAMPLE)

    def patch(self, t: int) -> Tuple[Image.Image, Tuple[int, int]]:
        """(image, (x, y)): the part of frame ``t`` that differs from ``background()``, as a
        ``PALETTE`` image to paste at (x, y) in the panel. Frames are clamped (a short clip holds
        its last frame), and a frame asked for twice in a row is drawn once."""
        t = min(max(int(t), 0), self.num_frames - 1)
        if self._last is not None and self._last[0] == t:
            return self._last[1]
        self._last = (t, self._draw(t))
        return self._last[1]

    def _draw(self, t: int) -> Tuple[Image.Image, Tuple[int, int]]:
        ss = SUPERSAMPLE
        bone, radius = int(round(BONE_WIDTH * ss)), JOINT_RADIUS * ss
        centre = self.centres[t]
        pose = self.joints[t]  # (J, 3)
        done = self.root_floor[: t + 1]
        done = done[self._in_window(done, centre)]
        shadow = pose.copy()
        shadow[:, 1] = self.floor
        num = len(pose)
        pix = self._pixels(np.concatenate([pose, shadow, done]), centre)  # (2 J + N, 2)
        # Only the box around what moves is drawn (supersampled, then reduced) over the static floor.
        box = np.array(self.size) * ss
        if self.fixed_view:
            pad = bone + 2 * ss
            x0, y0 = (np.floor((pix.min(0) - pad) / ss) * ss).astype(int).clip(0, box)
            x1, y1 = (np.ceil((pix.max(0) + pad) / ss) * ss).astype(int).clip(0, box)
            x1, y1 = max(x1, x0 + ss), max(y1, y0 + ss)
            image = self._static.crop((x0, y0, x1, y1))
        else:
            x0 = y0 = 0
            image = self._background(centre)
        draw = ImageDraw.Draw(image)
        pix = pix - np.array([x0, y0])
        body, shadow_pix, done_pix = pix[:num], pix[num:2 * num], pix[2 * num:]
        # flat [x0, y0, x1, y1, ...] lists: the cheapest form for ImageDraw
        for idx, _ in self.chains:
            draw.line(shadow_pix[idx].ravel().tolist(), fill=SHADOW_COLOUR, width=bone)
        if len(done_pix) > 1:
            draw.line(done_pix.ravel().tolist(), fill=PATH_RGB, width=int(round(PATH_WIDTH * ss)))
        depth = self.camera.project(pose)[:, 2]  # (J,) towards the camera
        # painter's order: chains farther from the camera first; discs round the joints
        for k in np.argsort([depth[idx].mean() for idx, _ in self.chains]):
            idx, side_name = self.chains[k]
            colour = SIDE_RGB[side_name]
            draw.line(body[idx].ravel().tolist(), fill=colour, width=bone)
            for px, py in body[idx].tolist():
                draw.ellipse((px - radius, py - radius, px + radius, py + radius), fill=colour)
        return to_palette(image.reduce(ss)), (x0 // ss, y0 // ss)


# ---------------------------------------------------------------------- the figure
class StickFigure:
    """A page of ``StickPanel`` in a grid, with titles, a legend and a clock.

    Args (as ``anim.MotionFigure``):
        clips: list of (T_k, J, 3) arrays or tensors. fps: their shared rate.
        titles: one title per panel or None. title: figure title or None.
        ncols: panels per row; default all in one row up to 4, else a square-ish grid.
        frames: for a still strip, the frame each panel shows; None for an animation.
        elev, azim, floor, follow: the camera, the floor height and the view (``plot_utils``).
        panel_px: side of one panel in pixels (default ``PANEL_PX`` up to 4 panels, else ``GRID_PANEL_PX``).
    Attributes:
        title_lines: the figure title as drawn (list of lines); panel_title_lines: one list per panel.
    """

    def __init__(self, clips: Sequence, fps: float, titles: Optional[Sequence[str]] = None,
                 title: Optional[str] = None, ncols: Optional[int] = None, frames=None,
                 elev: float = pu.DEFAULT_ELEV, azim: float = pu.DEFAULT_AZIM, floor: float = 0.0, follow=None,
                 panel_px: Optional[int] = None):
        clips = pu.validate_figure_inputs(clips, fps, titles)
        self.fps, self.frames = float(fps), frames
        self.num_frames = max(len(c) for c in clips)
        n = len(clips)
        panel_px = panel_px or (PANEL_PX if n <= 4 else GRID_PANEL_PX)
        self.ncols = ncols or (n if n <= 4 else int(np.ceil(np.sqrt(n))))
        self.nrows = int(np.ceil(n / self.ncols))
        width = self.ncols * panel_px

        self.title_lines, title_size = fit_title(title, width - 16, TITLE_PX) if title else ([], TITLE_PX)
        fitted = [fit_title(t, panel_px - 12, PANEL_TITLE_PX) for t in titles] if titles else []
        self.panel_title_lines = [lines for lines, _ in fitted]
        top = (_line_height(title_size) * len(self.title_lines) + 10) if title else 4
        # every panel's title block is as tall as the tallest (the panels stay aligned)
        block = max((_line_height(px) * len(lines) for lines, px in fitted), default=0)
        block = block + 6 if titles else 0

        camera = Camera(elev, azim)
        # One scale for every panel: the largest floor window, and a screen box holding every
        # clip's window and joints, so that sizes, heights and distances compare across panels.
        boxes = [pu.view_boxes(c, self.fps, floor, follow) for c in clips]
        half = max(b[1] for b in boxes)
        extents = [screen_extent(c, b[0], half, floor, camera) for c, b in zip(clips, boxes)]
        screen = (np.min([lo for lo, _ in extents], 0), np.max([hi for _, hi in extents], 0))
        # panels as tall as the content needs (a wide floor leaves no empty band above the heads)
        aspect = float((screen[1] - screen[0])[1] / (screen[1] - screen[0])[0])
        panel_height = int(round(panel_px * min(max(aspect, MIN_ASPECT), 1.0)))
        self.row_height = block + panel_height
        height = top + self.nrows * self.row_height + BOTTOM_PX
        self.panels = [StickPanel(c, floor, camera, (panel_px, panel_height), b[0], half, screen)
                       for c, b in zip(clips, boxes)]
        self.offsets = [((k % self.ncols) * panel_px, top + (k // self.ncols) * self.row_height + block)
                        for k in range(n)]

        page = Image.new("RGB", (width, height), BACKGROUND)
        draw = ImageDraw.Draw(page)
        if title:
            _draw_lines(draw, self.title_lines, title_size, width / 2, 6)
        for k, (lines, px) in enumerate(fitted):
            x, y = self.offsets[k]
            _draw_lines(draw, lines, px, x + panel_px / 2, y - block + 3)
        _draw_legend(draw, width, height)
        for panel, offset in zip(self.panels, self.offsets):
            page.paste(panel.background(), offset)
        self._page = to_palette(page)  # the static part of every frame
        longest = self._clock_text(self.num_frames - 1)
        self._clock_blank = Image.new("RGB", (int(font(SMALL_PX, mono=True).getlength(longest)) + 8, BOTTOM_PX),
                                      BACKGROUND)
        self._image = self._page

    def set_frame(self, t: int) -> None:
        """Draw frame ``t`` of every panel (or each panel's own frame for a still strip)."""
        image = self._page.copy()
        frames = self.frames if self.frames is not None else [t] * len(self.panels)
        for panel, f, (x, y) in zip(self.panels, frames, self.offsets):
            patch, (dx, dy) = panel.patch(f)
            image.paste(patch, (x + dx, y + dy))
        if self.frames is None:
            clock = self._clock_blank.copy()
            ImageDraw.Draw(clock).text((2, BOTTOM_PX / 2), self._clock_text(t), font=font(SMALL_PX, mono=True),
                                       fill=TEXT_COLOUR, anchor="lm")
            image.paste(to_palette(clock), (6, image.height - BOTTOM_PX))
        self._image = image

    def _clock_text(self, t: int) -> str:
        return f"{t / self.fps:5.2f} s  {t + 1}/{self.num_frames}"

    def indexed(self) -> Image.Image:
        """The current frame as a "P" image in ``PALETTE`` (what the GIF writer takes as is)."""
        return self._image

    def image(self) -> Image.Image:
        """The current frame as an RGB ``PIL.Image``."""
        return self._image.convert("RGB")

    def grab(self) -> np.ndarray:
        """The current frame as an (H, W, 3) uint8 RGB array."""
        return np.asarray(self.image())


def _draw_legend(draw: ImageDraw.ImageDraw, width: int, height: int) -> None:
    """left / right / root path swatches at the bottom right."""
    fnt = font(SMALL_PX)
    y = height - BOTTOM_PX / 2
    x = width - 8
    for label, colour in reversed((("left", SIDE_RGB["left"]), ("right", SIDE_RGB["right"]),
                                   ("root path", PATH_RGB))):
        x -= fnt.getlength(label)
        draw.text((x, y), label, font=fnt, fill=TEXT_COLOUR, anchor="lm")
        x -= 24
        draw.line([(x, y), (x + 18, y)], fill=colour, width=3)
        x -= 12
