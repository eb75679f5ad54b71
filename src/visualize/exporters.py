"""Writing generated motions: joint positions, AMASS-style SMPL parameters, BVH, animations, manifest.

A generated motion travels as a :class:`src.motion.MotionClip`: canonical joint positions (the output
convention of ``src.config``) and, for rotation models, the SMPL-24 rotations and root
translation that pose them. Per clip, with ``stem = <index:02d>_<slug>_s<sample>``:

    stem.npy   float32 (T, 22, 3) joints: metres, Y-up, floor y = 0, frame-0 root at x = z = 0,
               frame 0 facing +Z (HumanML3D ``new_joints``; the frame rate is in manifest.json)
    stem.npz   AMASS SMPL+H "G" layout: poses (T, 156) axis-angle (root + 21 body joints in 0:66,
               hands zero), trans (T, 3) metres Z-up, betas (16,) zeros, gender "neutral",
               mocap_framerate, dmpls (T, 8) zeros; ``src.datasets.formats.amass_io.load_amass_npz`` reads it
    stem.bvh   SMPL-24 skeleton, metres, Y-up, facing +Z, ``Frame Time`` = 1 / fps (Blender's BVH
               importer at scale 1.0 with its default Forward -Z / Up Y gives the true size, standing
               upright; tick "Scene FPS" to take the frame rate)
    stem.gif   stick-figure animation in real time (stem.mp4 as well when ffmpeg is on the PATH),
               drawn by ``renderer`` ("pil", the fast default, or "matplotlib"; ``src.rendering.anim``)
    grid.gif   the grid clips side by side, each titled with its prompt, in pages of at most
               ``MAX_GRID_PANELS``: one page is ``grid.gif``, more are ``grid_01.gif``, ``grid_02.gif``, ...
    manifest.json  written last: {"checkpoint", "fps", "seed", ..., "grid": {"animation": [page
               files]}, "items": [{"prompt", "sample", "duration", "frames", "joints", "smpl", "bvh",
               "animation", "video", ...}]}, paths relative to the output folder (null for a file not written)

Models with ``pose_rep xyz`` have no rotations: their clips get the joints and animations only.
Every file is written atomically; nothing that exists is overwritten unless asked
(:meth:`OutputPlan.check`).
"""

import json
import re
import shutil
import unicodedata
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, List, Optional, Sequence

import numpy as np

from src import config
from src.datasets.formats import amass_io
from src.datasets.formats.bvh import write_bvh
from src.motion import MotionClip
from src.utils.fileio import atomic_path, write_text_atomic

MANIFEST = "manifest.json"
GRID_STEM = "grid"
MAX_GRID_PANELS = 16
# A grid panel's title is wrapped to lines of 42 characters; three lines show whole prompts (cut at
# 48, "... crabwise over to their own left" and "... own right" both read "...over to their ow...").
GRID_TITLE_CHARS = 126
SLUG_CHARS = 40
# manifest key -> file suffix, in the order files are written
SUFFIXES = {"joints": ".npy", "smpl": ".npz", "bvh": ".bvh", "animation": ".gif", "video": ".mp4"}


class OutputExistsError(FileExistsError):
    """Outputs already exist and overwriting was not asked for."""


# ---------------------------------------------------------------------- single files
def save_joints(path, clip: MotionClip) -> Path:
    """(T, 22, 3) float32 ``.npy``."""
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.save(f, np.ascontiguousarray(clip.joints, dtype=np.float32))
    return Path(path)


def save_amass(path, clip: MotionClip) -> Path:
    """AMASS SMPL+H "G" ``.npz`` (layout in the module docstring)."""
    return amass_io.write_amass_npz(path, amass_io.to_amass_arrays(clip.rotmats, clip.trans, clip.fps))


def save_bvh(path, clip: MotionClip) -> Path:
    """SMPL-24 ``.bvh`` in metres, Y-up, facing +Z."""
    return write_bvh(path, clip.rotmats, clip.trans, clip.fps, rest_joints=clip.rest_joints, unit="m")


def _ignore_missing_glyphs() -> None:
    """Prompts in scripts the plot font lacks draw as boxes; a warning per glyph is noise.
    Call inside ``warnings.catch_warnings()``."""
    warnings.filterwarnings("ignore", message="Glyph .* missing from")


def save_animation(path, clip: MotionClip, title: str, renderer: str = config.DEFAULT_RENDERER) -> Path:
    """Stick-figure ``.gif`` / ``.mp4`` of the clip (``src.rendering.anim``)."""
    from src.rendering.anim import render_animation

    with warnings.catch_warnings():
        _ignore_missing_glyphs()
        return render_animation(clip.joints, path, clip.fps, title=title, renderer=renderer)


def save_grid(path, clips: Sequence[MotionClip], titles: Sequence[str], ncols: Optional[int] = None,
              renderer: str = config.DEFAULT_RENDERER) -> Path:
    """Several clips side by side (they share the first clip's fps)."""
    from src.rendering.anim import render_grid

    with warnings.catch_warnings():
        _ignore_missing_glyphs()
        return render_grid([c.joints for c in clips], list(titles), path, clips[0].fps, ncols=ncols,
                           renderer=renderer)


def grid_page_size(ncols: Optional[int] = None) -> int:
    """Clips per grid page: ``MAX_GRID_PANELS``, in whole rows of ``ncols`` when given (at least one row)."""
    return MAX_GRID_PANELS if not ncols else max(1, MAX_GRID_PANELS // ncols) * ncols


# ---------------------------------------------------------------------- names and plans
def slugify(text: str, max_chars: int = SLUG_CHARS) -> str:
    """ASCII file-name part of a prompt: accents dropped, other characters to '_', lower case."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")[:max_chars].strip("_")
    return slug or "prompt"


def item_stem(index: int, text: str, sample: int) -> str:
    """``<index:02d>_<slug>_s<sample>``: unique per (index, sample) whatever the text."""
    return f"{index:02d}_{slugify(text)}_s{sample}"


def ffmpeg_available() -> bool:
    return shutil.which("ffmpeg") is not None


@dataclass
class OutputPlan:
    """Every file a run will write, known before any motion is generated.

    Args:
        out_dir: output folder.
        stems: one file stem per clip.
        kinds: manifest keys of the per-clip files (subset of ``SUFFIXES``).
        grid: also write the grid pages (``grid.gif``, and ``grid.mp4`` with "video" in ``kinds``).
        grid_clips: how many clips the grid shows (default: one per stem).
        grid_ncols: panels per row of the grid (default: square-ish pages).
        renderer: what draws the animations (``config.RENDERERS``).
    """

    out_dir: Path
    stems: List[str]
    kinds: tuple
    grid: bool = True
    grid_clips: Optional[int] = None
    grid_ncols: Optional[int] = None
    renderer: str = config.DEFAULT_RENDERER

    @classmethod
    def create(cls, out_dir, stems: Sequence[str], rotations: bool, animation: bool,
               grid_clips: Optional[int] = None, grid_ncols: Optional[int] = None,
               renderer: str = config.DEFAULT_RENDERER) -> "OutputPlan":
        kinds = ["joints"]
        if rotations:
            kinds += ["smpl", "bvh"]
        if animation:
            kinds.append("animation")
            if ffmpeg_available():
                kinds.append("video")
        return cls(Path(out_dir), list(stems), tuple(kinds), grid=animation and bool(stems),
                   grid_clips=grid_clips, grid_ncols=grid_ncols, renderer=renderer)

    def positions_only(self) -> "OutputPlan":
        """The plan of a position-only (``xyz``) model: the same files less ``.npz`` and ``.bvh``."""
        return replace(self, kinds=tuple(k for k in self.kinds if k not in ("smpl", "bvh")))

    def path(self, stem: str, kind: str) -> Path:
        return self.out_dir / f"{stem}{SUFFIXES[kind]}"

    @property
    def grid_page_size(self) -> int:
        return grid_page_size(self.grid_ncols)

    def grid_paths(self) -> dict:
        """{kind: [one path per grid page]}: ``grid.gif`` for one page, ``grid_01.gif``, ... for more."""
        if not self.grid:
            return {}
        clips = len(self.stems) if self.grid_clips is None else self.grid_clips
        pages = -(-clips // self.grid_page_size)
        digits = max(2, len(str(pages)))
        names = [GRID_STEM] if pages == 1 else [f"{GRID_STEM}_{k:0{digits}d}" for k in range(1, pages + 1)]
        kinds = [k for k in ("animation", "video") if k in self.kinds]
        return {k: [self.out_dir / f"{name}{SUFFIXES[k]}" for name in names] for k in kinds}

    def targets(self) -> List[Path]:
        paths = [self.path(s, k) for s in self.stems for k in self.kinds]
        return paths + [p for pages in self.grid_paths().values() for p in pages] + [self.out_dir / MANIFEST]

    def check(self, overwrite: bool = False) -> None:
        """Raise unless every target may be written: the folder is usable and, without
        ``overwrite``, no target exists yet (OutputExistsError listing them)."""
        if self.out_dir.exists() and not self.out_dir.is_dir():
            raise NotADirectoryError(f"output folder {self.out_dir} exists and is not a folder")
        if len(set(self.stems)) != len(self.stems):
            raise ValueError("two clips would share a file name")  # item_stem makes this impossible
        if overwrite:
            return
        existing = [p for p in self.targets() if p.exists()]
        if existing:
            more = f" and {len(existing) - 5} more" if len(existing) > 5 else ""
            shown = ", ".join(p.name for p in existing[:5]) + more
            raise OutputExistsError(f"{len(existing)} output file(s) already exist in {self.out_dir}: {shown}. "
                                    "Pass --overwrite to replace them, or choose another --output_dir.")


@dataclass
class ExportItem:
    """One clip to write with its manifest entry.

    Args:
        stem: file stem (``item_stem``).
        prompt: the text it was made from (animation title, manifest ``prompt``).
        clip: the motion.
        meta: further manifest fields (``sample``, ``duration``, ...), written first.
    """

    stem: str
    prompt: str
    clip: MotionClip
    meta: dict = field(default_factory=dict)


_WRITERS = {"joints": save_joints, "smpl": save_amass, "bvh": save_bvh}


def write_item(item: ExportItem, plan: OutputPlan, log: Callable[[str], None] = print) -> dict:
    """Write the per-clip files of ``plan`` for one item; returns its manifest entry.

    Args:
        item: the clip (``item.stem`` in ``plan.stems``).
        log: progress messages.
    """
    assert item.stem in plan.stems, item.stem
    assert item.clip.has_rotations or not {"smpl", "bvh"} & set(plan.kinds), "rotation files need rotations"
    plan.out_dir.mkdir(parents=True, exist_ok=True)
    entry = {"prompt": item.prompt, **item.meta, "frames": item.clip.num_frames}
    for kind in SUFFIXES:
        entry[kind] = None
        if kind not in plan.kinds:
            continue
        path = plan.path(item.stem, kind)
        if kind in _WRITERS:
            _WRITERS[kind](path, item.clip)
        else:
            path = save_animation(path, item.clip, item.prompt, plan.renderer)
        entry[kind] = path.name
    log(f"  {item.stem}: {' '.join(Path(entry[k]).suffix[1:] for k in SUFFIXES if entry[k])}")
    return entry


def previous_outputs(out_dir) -> List[Path]:
    """The files that the manifest in ``out_dir`` lists (clips and grid), and the manifest itself:
    what an earlier run wrote there. Only plain file names inside ``out_dir`` count, so an edited
    manifest cannot point anywhere else; an unreadable manifest lists nothing but itself."""
    out_dir = Path(out_dir)
    manifest = out_dir / MANIFEST
    if not manifest.is_file():
        return []
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        names = [entry.get(kind) for entry in data.get("items") or [] for kind in SUFFIXES]
        for pages in (data.get("grid") or {}).values():  # a list of pages (a file name before paging)
            names += pages if isinstance(pages, list) else [pages]
    except (OSError, ValueError, AttributeError, TypeError):
        names = []
    files = [out_dir / name for name in names
             if isinstance(name, str) and name == Path(name).name and name not in ("", ".", "..")]
    return [path for path in dict.fromkeys(files) if path.is_file()] + [manifest]


class GridPages:
    """Writes a plan's grid pages as their clips come: a page as soon as it is full, the last one at
    ``finish``; memory holds one page of clips. Clips beyond the plan's ``grid_clips`` are left out.

    Args:
        plan: the plan (its ``grid_paths``, ``grid_ncols`` and ``renderer``).
        log: progress messages.
    """

    def __init__(self, plan: OutputPlan, log: Callable[[str], None] = print):
        self.plan, self.log = plan, log
        self.paths = plan.grid_paths()
        self.pending: List[ExportItem] = []
        self.written = {kind: [] for kind in self.paths}
        self.page = 0
        self.left = (len(plan.stems) if plan.grid_clips is None else plan.grid_clips) if self.paths else 0

    def add(self, items: Sequence[ExportItem]) -> None:
        for item in items[: self.left]:
            self.left -= 1
            self.pending.append(item)
            if len(self.pending) == self.plan.grid_page_size:
                self._write_page()

    def _write_page(self) -> None:
        clips = [i.clip for i in self.pending]
        titles = [_short(i.prompt) for i in self.pending]
        for kind, pages in self.paths.items():
            self.written[kind].append(save_grid(pages[self.page], clips, titles, self.plan.grid_ncols,
                                                self.plan.renderer).name)
            self.log(f"  {self.written[kind][-1]}: grid page {self.page + 1} of {len(pages)}, {len(clips)} clip(s)")
        self.page += 1
        self.pending = []

    def finish(self) -> dict:
        """Write the last page; returns the manifest's ``grid``: {kind: [page file names]}."""
        if self.pending:
            self._write_page()
        return {kind: names for kind, names in self.written.items() if names}


def finish_outputs(plan: OutputPlan, header: dict, entries: Sequence[dict], grid_items: Sequence[ExportItem] = (),
                   log: Callable[[str], None] = print, grid: Optional[GridPages] = None) -> Path:
    """Write the rest of the grid and, last, the manifest of a run whose clips are written.

    Args:
        header: manifest fields before ``items`` (``checkpoint``, ``fps``, ``seed``, ...).
        entries: ``write_item``'s entries, in plan order.
        grid_items: clips for the grid, added to ``grid`` (pages of ``plan.grid_page_size``).
        grid: the run's ``GridPages`` if it already wrote pages (default: a new one).
    Returns:
        The manifest path.
    """
    plan.out_dir.mkdir(parents=True, exist_ok=True)
    grid = grid or GridPages(plan, log)
    grid.add(grid_items)
    manifest = {**header, "grid": grid.finish() or None, "items": list(entries)}
    path = plan.out_dir / MANIFEST
    write_text_atomic(path, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return path


def export_items(items: Sequence[ExportItem], plan: OutputPlan, header: dict,
                 grid_items: Optional[Sequence[ExportItem]] = None, log: Callable[[str], None] = print) -> Path:
    """Write every file of ``plan`` for ``items``, then the manifest (``write_item`` + ``finish_outputs``).

    Args:
        items: clips in plan order.
        grid_items: clips for the grid animation (default all).
    """
    entries = [write_item(item, plan, log) for item in items]
    return finish_outputs(plan, header, entries, items if grid_items is None else grid_items, log)


def _short(title: str, limit: int = GRID_TITLE_CHARS) -> str:
    return title if len(title) <= limit else title[: limit - 3].rstrip() + "..."
