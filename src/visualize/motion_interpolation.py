"""Motion interpolation in the latent space: evenly spaced stops between two texts or motions.

    python -m src.visualize.motion_interpolation [CHECKPOINT] --input_file assets/paper_interps.csv \
        [--num_stops 5] [--output_dir DIR] [--duration S] [--fps F] [--seed S] [--device ...] \
        [--overwrite] [--no_animation]

Table columns ``start,end`` (optional ``duration``, seconds), as the original; a cell is a caption,
or an AMASS-style ``.npz`` motion file when it ends in ``.npz`` (relative to the current directory
or to the table). Both ends are embedded as the model normalises latents (unsampled means); stop k
of K decodes normalise((1 - w) a + w b) with w = k / (K - 1), so stop 0 is the start and stop K-1
the end as the model reconstructs them.

Outputs as ``text2motion`` (``src.visualize.exporters``): ``<row:02d>_<slug>_s<k>`` for stop k,
``grid.gif`` with one row of stops per table row. Duration: the row's, else ``--duration``, else
the first motion end's own length, else 4 s.
"""

import argparse
import sys
from typing import Optional, Sequence

from src import api
from src.visualize import exporters
from src.visualize.motion_editing import label, operand, source_duration
from src.visualize.prompts import read_table, resolve_source
from src.visualize.text2motion import (CommandError, add_common_args, int_at_least, open_model, plan_outputs,
                                       run_command, write_outputs)

COLUMNS = ("start", "end")
DEFAULT_STOPS = 5


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m src.visualize.motion_interpolation",
                                     description="Interpolate between two texts or motions in the latent space.")
    add_common_args(parser, "CSV table with columns start,end[,duration]; cells are captions or .npz motion files")
    parser.add_argument("--num_stops", type=int_at_least(2), default=DEFAULT_STOPS,
                        help="motions per row, ends included (default %(default)s)")
    return parser


def _interpolate(args: argparse.Namespace) -> int:
    rows = [(row, resolve_source(row.cells["start"], args.input_file, row.line),
             resolve_source(row.cells["end"], args.input_file, row.line))
            for row in read_table(args.input_file, COLUMNS)]
    titles = [f"{label(a)} to {label(b)}" for _, a, b in rows]
    stops = args.num_stops
    stems = [exporters.item_stem(i, t, k) for i, t in enumerate(titles) for k in range(stops)]
    plan_outputs(args, "motion_interpolation", stems)
    model = open_model(args)
    fps = args.fps or model.fps
    api.seed_everything(args.seed)
    items, grid = [], []
    grid_rows = max(1, exporters.MAX_GRID_PANELS // stops)
    for i, ((row, start, end), title) in enumerate(zip(rows, titles)):
        where = f"{args.input_file}:{row.line}"
        duration = source_duration(model, (start, end), row.duration or args.duration, where)
        print(f"[{i + 1}/{len(rows)}] {title}: {stops} stops, {duration:g} s")
        try:
            latents = model.interpolation_latents(operand(start), operand(end), stops)
        except api.MotionInputError as err:
            raise CommandError(f"{where}: {err}") from None
        for k, clip in enumerate(model.decode(latents, duration, fps)):
            weight = k / (stops - 1)
            item = exporters.ExportItem(exporters.item_stem(i, title, k), f"[w={weight:.2f}] {title}", clip,
                                        {"sample": k, "stop": k, "weight": weight, "duration": duration,
                                         "line": row.line, "start": row.cells["start"], "end": row.cells["end"]})
            items.append(item)
            if i < grid_rows:
                grid.append(item)
    write_outputs(model, args, "motion_interpolation", items, fps, grid_items=grid, grid_ncols=stops,
                  num_stops=stops)
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    return run_command(_interpolate, build_parser(), argv)


if __name__ == "__main__":
    sys.exit(main())
