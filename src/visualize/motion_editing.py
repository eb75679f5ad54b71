"""MotionCLIP-style motion editing by latent arithmetic: ``base - v_start + v_end``.

    python -m src.visualize.motion_editing [CHECKPOINT] --input_file assets/paper_edits.csv \
        [--output_dir DIR] [--duration S] [--fps F] [--seed S] [--device ...] [--overwrite] [--no_animation]

Table columns ``motion_source,base,v_start,v_end`` (optional ``duration``, seconds), as the original:
``motion_source`` is ``text`` (``base`` is a caption) or ``data`` (``base`` is an AMASS-style ``.npz``
motion file, relative to the current directory or to the table). ``v_start`` and ``v_end`` are
captions (a ``.npz`` cell there is a motion too). Every operand is embedded as the model normalises
latents (the unsampled means), the result ``base - v_start + v_end`` is normalised again and decoded.

Per row two clips are written, with the outputs of ``text2motion`` (``src.visualize.exporters``):
``<row:02d>_<slug>_s0`` the base decoded unchanged, ``_s1`` the edited motion; ``grid.gif`` shows
them side by side, one row per edit. Duration: the row's, else ``--duration``, else the base
motion's own length (``data``), else 4 s.
"""

import argparse
import sys
from typing import Optional, Sequence

import torch

from src import api
from src.visualize import exporters
from src.visualize.prompts import MAX_DURATION_S, InputFileError, MotionFile, read_table, resolve_source
from src.visualize.text2motion import (CommandError, add_common_args, open_model, plan_outputs, run_command,
                                       write_outputs)

COLUMNS = ("motion_source", "base", "v_start", "v_end")
MOTION_SOURCES = ("text", "data")


def label(source) -> str:
    """How an operand is shown in titles and file names."""
    return source.label if isinstance(source, MotionFile) else source


def operand(source):
    """What ``api.SMoG.latent_of`` takes: the caption, or the motion file's path."""
    return source.path if isinstance(source, MotionFile) else source


def source_duration(model: api.SMoG, sources, explicit: Optional[float], where: str) -> float:
    """The explicit duration, else the first motion operand's length, else the default."""
    if explicit:
        return explicit
    for source in sources:
        if isinstance(source, MotionFile):
            try:
                clip = model.motion_clip(source.path)
            except api.MotionInputError as err:
                raise CommandError(f"{where}: {err}") from None
            return min(clip.num_frames / model.fps, MAX_DURATION_S)
    return api.DEFAULT_DURATION_S


def read_edits(path) -> list:
    """[(row, base, v_start, v_end)] with operands resolved; InputFileError naming the line."""
    edits = []
    for row in read_table(path, COLUMNS):
        kind = row.cells["motion_source"].lower()
        if kind not in MOTION_SOURCES:
            raise InputFileError(path, row.line, f"motion_source {row.cells['motion_source']!r}: expected text or data")
        base = resolve_source(row.cells["base"], path, row.line)
        if kind == "data" and not isinstance(base, MotionFile):
            raise InputFileError(path, row.line, f"motion_source data: base {row.cells['base']!r} must be an "
                                                 "AMASS-style .npz motion file")
        if kind == "text" and isinstance(base, MotionFile):
            raise InputFileError(path, row.line, f"motion_source text: base {row.cells['base']!r} is a motion file "
                                                 "(write data in the motion_source column)")
        edits.append((row, base, resolve_source(row.cells["v_start"], path, row.line),
                      resolve_source(row.cells["v_end"], path, row.line)))
    return edits


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m src.visualize.motion_editing",
                                     description="Edit motions by latent arithmetic: base - v_start + v_end.")
    add_common_args(parser, "CSV table with columns motion_source,base,v_start,v_end[,duration]")
    return parser


def _edit(args: argparse.Namespace) -> int:
    edits = read_edits(args.input_file)
    titles = [f"{label(b)} - {label(s)} + {label(e)}" for _, b, s, e in edits]
    stems = [exporters.item_stem(i, t, k) for i, t in enumerate(titles) for k in (0, 1)]
    plan_outputs(args, "motion_editing", stems)
    model = open_model(args)
    fps = args.fps or model.fps
    api.seed_everything(args.seed)
    items = []
    for i, ((row, base, start, end), title) in enumerate(zip(edits, titles)):
        where = f"{args.input_file}:{row.line}"
        duration = source_duration(model, (base,), row.duration or args.duration, where)
        print(f"[{i + 1}/{len(edits)}] {title}: {duration:g} s")
        try:  # the base as the model embeds it (already normalised), and the edit
            latents = torch.stack([model.latent_of(operand(base)),
                                   model.edit_latent(operand(base), operand(start), operand(end))])
        except api.MotionInputError as err:
            raise CommandError(f"{where}: {err}") from None
        meta = {"duration": duration, "line": row.line, "motion_source": row.cells["motion_source"].lower(),
                "base": row.cells["base"], "v_start": row.cells["v_start"], "v_end": row.cells["v_end"]}
        clips = model.decode(latents, duration, fps)
        for k, (clip, role, shown) in enumerate(zip(clips, ("base", "edited"), (label(base), title))):
            items.append(exporters.ExportItem(exporters.item_stem(i, title, k), shown, clip,
                                              {"sample": k, "role": role, **meta}))
    write_outputs(model, args, "motion_editing", items, fps, grid_ncols=2)
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    return run_command(_edit, build_parser(), argv)


if __name__ == "__main__":
    sys.exit(main())
