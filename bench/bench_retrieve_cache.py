"""The embedding cache of src.retrieve: a query over a 1,000-clip library, first (every clip encoded)
and second (every embedding from the cache; goal: answered in under a second).

    python bench/bench_retrieve_cache.py [--source data/synthetic/amass] [--num 1000]

Builds a folder of hard links to the first ``--num`` .npz files under ``--source`` (the built-in data
of README's "Built-in (no download)" command) and a fresh cache folder, then runs the command twice in
fresh processes with the shipped model. Reported per run: the process's wall time, the command's own
time after its imports, the model loading inside it, and the query itself (the rest: listing and
content-checking the files, the cache, encoding what is missing, the text, ranking, the table).
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def library(source: Path, num: int, folder: Path) -> int:
    files = sorted(source.rglob("*.npz"))[:num]
    if len(files) < num:
        sys.exit(f"{source} has {len(files)} .npz files, fewer than {num}: build the built-in data first (README)")
    for i, f in enumerate(files):
        target = folder / f"{i:04d}_{f.name}"
        try:
            os.link(f, target)
        except OSError:
            shutil.copyfile(f, target)
    return len(files)


def run(folder: Path, cache: Path, query: str) -> dict:
    cmd = [sys.executable, "-m", "src.retrieve", "--query", query, "--motions", str(folder), "--cache_dir",
           str(cache), "--top_k", "3", "--device", "cpu"]
    start = time.perf_counter()
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    wall = time.perf_counter() - start
    m = re.search(r"(\d+) motion\(s\): (\d+) from the cache, (\d+) encoded in ([\d.]+) s; model loaded in ([\d.]+) s; "
                  r"([\d.]+) s in all after the imports", out)
    motions, cached, encoded, enc_s, load_s, body_s = m.groups()
    return {"wall": wall, "body": float(body_s), "load": float(load_s), "query": float(body_s) - float(load_s),
            "cached": int(cached), "encoded": int(encoded), "top": out.splitlines()[3]}


def in_process(folder: Path, cache_dir: Path, queries) -> dict:
    """Per query: list and content-check the files, read the cache, encode the text, rank (seconds)."""
    sys.path.insert(0, str(ROOT))
    import torch

    from src.retrieval import search
    from src.retrieval.library import library_items

    torch.set_num_threads(1)
    model = search.load_model(None, torch.device("cpu"), search.digest_index(cache_dir))
    out = {"files and digests": [], "cache": [], "text and ranking": [], "total": []}
    for query in queries:
        t0 = time.perf_counter()
        index = search.digest_index(cache_dir)
        items = library_items(folder, None, index)
        t1 = time.perf_counter()
        lib = search.embed_items(model.smog, items, search.open_cache(cache_dir, model.digest), strict=False)
        t2 = time.perf_counter()
        search.search_motions(model.smog, query, lib, 5)
        t3 = time.perf_counter()
        assert lib.from_cache == len(items)
        for key, value in zip(out, (t1 - t0, t2 - t1, t3 - t2, t3 - t0)):
            out[key].append(value)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", type=Path, default=ROOT / "data" / "synthetic" / "amass")
    parser.add_argument("--num", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="smog_cache_bench_") as tmp:
        folder, cache = Path(tmp) / "library", Path(tmp) / "cache"
        folder.mkdir()
        n = library(args.source, args.num, folder)
        first = run(folder, cache, "a person jumps up and down")
        second = run(folder, cache, "a person waves with the left hand")
        third = run(folder, cache, "someone walks backward")
        stages = in_process(folder, cache, ("a person sits down", "a person claps", "someone jumps forward",
                                            "a person turns left", "a person squats"))
    print(f"{n} clips, load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs\n")
    print("| run | from cache | encoded | process wall s | command s (after imports) | model load s | query s |")
    print("|---|---|---|---|---|---|---|")
    for name, r in (("first", first), ("second", second), ("third", third)):
        print(f"| {name} | {r['cached']} | {r['encoded']} | {r['wall']:.2f} | {r['body']:.2f} | {r['load']:.2f} | "
              f"{r['query']:.2f} |")
    print(f"\nsecond query's best match: {second['top']}")
    print("\nIn one process with the model loaded (what a query costs once start-up is paid), median of "
          f"{len(stages['total'])} queries:\n")
    print("| stage | median s | max s |\n|---|---|---|")
    for name, values in stages.items():
        print(f"| {name} | {statistics.median(values):.3f} | {max(values):.3f} |")


if __name__ == "__main__":
    main()
