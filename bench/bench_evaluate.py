"""evaluate_model.py at scale (issue 14 item 5): 2,000 test motions, 20 generation runs, on the CPU.

    python bench/bench_evaluate.py [--n_runs 20] [--configs every,first,none] [--threads 2]

The built-in test split of the shipped models' recipe holds 1,000 windows, so the 2,000 motions
are the test split of the same generator at 20,000 sequences (seed 1), made once by
``src.datasets.builtin_data`` into data/bench_evaluate_db/ (about 30 s). Some of those sequences
are in the shipped model's training split, so the figures this evaluation prints are not a test
of the model: only its time and memory are the point.

Each configuration is one fresh process of ``python evaluate_model.py`` (the shipped model and
evaluator, all options at their defaults but these):
    every      MultiModality (100 captions x 30 motions) in every run, as the reference evaluation
    every_w2   the same, two runs at a time (``--workers 2``)
    first      MultiModality in the first run only (``--mm_runs 1``)
    first_w2   the same, two runs at a time
    none       no MultiModality (``--mm_texts 0``)
Reported: the process's wall time and peak memory (maximum resident set size of the evaluation
process; with workers, also the largest of its workers', which share most of their pages with it).
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DATAPATH = ROOT / "data" / "bench_evaluate_db" / "babel_20fps_db.pt"
CONFIGS = {"every": [], "every_w2": ["--workers", "2"], "first": ["--mm_runs", "1"],
           "first_w2": ["--mm_runs", "1", "--workers", "2"], "none": ["--mm_texts", "0"]}


def make_data() -> None:
    from src.datasets import builtin_data

    recipe = dict(builtin_data.RECIPE, num_sequences=20_000)
    builtin_data.ensure_split("test", DATAPATH, num_workers=2, recipe=recipe)


def run(config: str, n_runs: int, threads: int, output: Path) -> dict:
    """One configuration in a fresh process; its wall time and its own peak memory (``wait4``)."""
    argv = [sys.executable, "evaluate_model.py", "--datapath", str(DATAPATH), "--sample_size", "-1",
            "--n_runs", str(n_runs), "--output_dir", str(output / config)] + CONFIGS[config]
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    log = output / f"{config}.log"
    with open(log, "w") as out:
        start = time.perf_counter()
        process = subprocess.Popen(argv, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
    text = log.read_text()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(argv)} failed:\n{text[-2000:]}")
    title = next((line for line in text.splitlines() if line.startswith("# ")), "")
    return {"wall_s": wall, "peak_gb": usage.ru_maxrss / 2**20, "title": title}  # ru_maxrss: KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n_runs", type=int, default=20)
    parser.add_argument("--configs", default="first_w2,first", help=f"comma-separated, of {','.join(CONFIGS)}")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    configs = args.configs.split(",")
    unknown = set(configs) - set(CONFIGS)
    if unknown:
        parser.error(f"--configs: unknown {sorted(unknown)}; choose from {sorted(CONFIGS)}")
    make_data()
    print(f"| configuration | runs | wall | peak memory |\n|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for config in configs:
            result = run(config, args.n_runs, args.threads, Path(tmp))
            print(f"| {config} ({' '.join(CONFIGS[config]) or 'defaults'}) | {args.n_runs} | "
                  f"{result['wall_s'] / 60:.1f} min | {result['peak_gb']:.2f} GB |", flush=True)
        print(f"\n{result['title']}")


if __name__ == "__main__":
    main()
