"""GIF rendering speed: the Pillow renderer (``--renderer pil``, the default) against matplotlib.

    python bench/bench_gif.py [--clips 8] [--repeats 3]

What text2motion draws per prompt and per grid page: ``--clips`` built-in motions (walk, wave,
jump, ... from the procedural generator, no model) of 4 s at 20 fps, 22 joints, each rendered to a
titled GIF by ``anim.render_animation``; then one grid page of 16 of them (``anim.render_grid``).
The two renderers are interleaved in one process, the order alternating every repeat, after one
warm-up clip each; times are CPU seconds of this process (``time.process_time``: other processes
on a shared machine do not count) and wall seconds. The ratio column is matplotlib / pil of the
medians. Read ratios, not absolute times, across machines.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from src.rendering import anim  # noqa: E402

ACTIONS = ("walk_forward", "wave_right_hand", "jump_in_place", "side_step_left", "turn_around", "squat",
           "run", "clap", "kick_left", "walk_circle", "dance", "bow", "jumping_jacks", "throw_overhand",
           "sit_down", "look_around")
FPS, SECONDS = 20.0, 4.0


def clips(count: int) -> list:
    """``count`` (80, 22, 3) float32 clips of built-in actions, held at their last pose to 4 s."""
    from src.datasets.procedural.sequence import generate_sequence

    out = []
    for k in range(count):
        motion = generate_sequence([ACTIONS[k % len(ACTIONS)]], np.random.default_rng(k), fps=FPS)
        joints = motion["joints"][:, :22]
        frames = int(FPS * SECONDS)
        if len(joints) < frames:
            joints = np.concatenate([joints, np.repeat(joints[-1:], frames - len(joints), axis=0)])
        out.append(joints[:frames].astype(np.float32))
    return out


def timed(function) -> tuple:
    cpu, wall = time.process_time(), time.perf_counter()
    function()
    return time.process_time() - cpu, time.perf_counter() - wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clips", type=int, default=8, help="clips per repeat (the grid page takes 16)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    motions = clips(max(args.clips, 16))
    titles = [f"a person does the {ACTIONS[k % len(ACTIONS)].replace('_', ' ')} action for the benchmark"
              for k in range(len(motions))]
    times = {(r, what): [] for r in anim.RENDERERS for what in ("clip", "grid")}
    sizes = {r: [] for r in anim.RENDERERS}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        for renderer in anim.RENDERERS:  # warm-up: imports, fonts, palettes
            anim.render_animation(motions[0], out / f"warm_{renderer}.gif", FPS, title="warm", renderer=renderer)
        for repeat in range(args.repeats):
            order = anim.RENDERERS if repeat % 2 == 0 else anim.RENDERERS[::-1]
            for renderer in order:
                for k in range(args.clips):
                    path = out / f"{renderer}_{k}.gif"
                    times[renderer, "clip"].append(timed(lambda: anim.render_animation(
                        motions[k], path, FPS, title=titles[k], renderer=renderer)))
                    sizes[renderer].append(path.stat().st_size)
                times[renderer, "grid"].append(timed(lambda: anim.render_grid(
                    motions[:16], titles[:16], out / f"{renderer}_grid.gif", FPS, renderer=renderer)))
    one, five, fifteen = os.getloadavg()
    print(f"# bench_gif: numpy {np.__version__}, {os.cpu_count()} CPUs, load average {one:.2f} / {five:.2f} / "
          f"{fifteen:.2f}; {args.clips} clips x {args.repeats} repeats of {int(FPS * SECONDS)} frames at {FPS:g} fps; "
          f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}")
    print("\n| what | renderer | median CPU s | median wall s | CPU ms per frame | GIF KB (median) |")
    print("|---|---|---|---|---|---|")
    medians = {}
    for what, frames in (("one clip", SECONDS * FPS), ("grid page of 16", SECONDS * FPS)):
        key = "clip" if what == "one clip" else "grid"
        for renderer in anim.RENDERERS:
            cpu = statistics.median(c for c, _ in times[renderer, key])
            wall = statistics.median(w for _, w in times[renderer, key])
            medians[renderer, key] = cpu
            size = f"{statistics.median(sizes[renderer]) / 1024:.0f}" if key == "clip" else ""
            print(f"| {what} | {renderer} | {cpu:.3f} | {wall:.3f} | {1000 * cpu / frames:.2f} | {size} |")
    print("\n| what | matplotlib / pil (CPU) |\n|---|---|")
    for key, what in (("clip", "one clip"), ("grid", "grid page of 16")):
        print(f"| {what} | {medians['matplotlib', key] / medians['pil', key]:.1f}x |")


if __name__ == "__main__":
    main()
