"""Speed of the structured description (src/describe): a 10 s motion at 20 fps, goal < 100 ms on the CPU.

    python bench/bench_describe.py [--repeats 30]

The motion is a built-in chain (walk forward, wave the right hand, squat) cut to exactly 200 frames;
timed: ``describe_joints`` (angles, phases, trajectory, ranking) and ``to_text`` / ``to_json``, after
one warm-up call. Reading the file (and importing torch for .npz/.bvh) is not part of it.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from src.describe import describe_joints, to_json, to_text  # noqa: E402


def ten_second_clip(fps: float = 20.0) -> np.ndarray:
    """(200, 22, 3) joints of a built-in chain at ``fps``."""
    from src.datasets.procedural.sequence import generate_sequence

    motion = generate_sequence(["walk_forward", "wave_right_hand", "squat"], np.random.default_rng(0), fps=fps)
    joints = motion["joints"][:, :22]
    frames = int(10 * fps)
    if len(joints) < frames:  # hold the last pose: the length is what is timed
        joints = np.concatenate([joints, np.repeat(joints[-1:], frames - len(joints), axis=0)])
    return joints[:frames].astype(np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    joints = ten_second_clip()
    describe_joints(joints, 20.0)  # warm-up
    times = {"describe_joints": [], "+ to_text": [], "+ to_json": []}
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        d = describe_joints(joints, 20.0, top_k=3)
        t1 = time.perf_counter()
        text = to_text(d)
        t2 = time.perf_counter()
        to_json(d)
        t3 = time.perf_counter()
        times["describe_joints"].append(t1 - t0)
        times["+ to_text"].append(t2 - t0)
        times["+ to_json"].append(t1 - t0 + t3 - t2)
    print(f"numpy {np.__version__}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; "
          f"clip {joints.shape} at 20 fps; {args.repeats} repeats; text {len(text)} characters, "
          f"{len(text.split())} words")
    print("\n| step | median ms | max ms |\n|---|---|---|")
    for name, values in times.items():
        print(f"| {name} | {1000 * statistics.median(values):.1f} | {1000 * max(values):.1f} |")


if __name__ == "__main__":
    main()
