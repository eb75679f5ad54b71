"""Speed of KANLayer against nn.Linear on the CPU, forward + backward, at SMoG's two KAN shapes.

Timed in one process, the cases interleaved (their order rotates every repeat), after two warm-up
rounds; every input requires grad (a layer inside a network); no layer has a bias:
  kan       KANLayer.forward, the default eager fast path (closed-form uniform bases scattered
            into one feature tensor, one fused matmul, hand-written backward)
  naive     KANLayer.forward_reference: Cox-de Boor recursion + separate base / spline matmuls
            (the efficient-kan formulation)
  compiled  KANLayer(use_compile=True), only with --compile (compiles during the warm-up)
  linear    nn.Linear(in -> out)
  matched   nn.Linear(in * (grid_size + spline_order + 1) -> out): the matmul FLOPs of the KAN,
            the floor for any dense KAN layer
Ratios: (a) = kan / linear, (b) = kan / matched, likewise naive (b) and compiled (b). Each ratio is
the median over repeats of the per-repeat ratio (robust to load changes on a shared machine); the
millisecond columns are medians.

    python bench/bench_kan.py                 # 2 threads, 15 repeats, x of shape (20, 60, in)
    python bench/bench_kan.py --threads 1 --repeats 30
    python bench/bench_kan.py --compile       # also the opt-in torch.compile path
    python bench/bench_kan.py --forward-only  # inference (no_grad forward) instead
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine_load, markdown_table, set_threads  # noqa: E402

from src.models.architectures.kan import KANLayer  # noqa: E402  (_common put the repository on sys.path)

def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--tokens", default="20x60", help="leading dimensions of x (batch x frames)")
    parser.add_argument("--shapes", default="150x512,512x150", help="in x out of each layer, comma-separated")
    parser.add_argument("--forward-only", action="store_true", help="time the no_grad forward instead")
    parser.add_argument("--compile", action="store_true", help="add KANLayer(use_compile=True)")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args()


def make_cases(n_in: int, n_out: int, lead: tuple, compiled: bool) -> dict:
    """name -> (callable, input) for one shape."""
    kan = KANLayer(n_in, n_out)
    n_matched = n_in * (kan.grid_size + kan.spline_order + 1)
    x = torch.randn(*lead, n_in).requires_grad_()  # LayerNorm-like inputs
    cases = {"kan": (kan, x), "naive": (kan.forward_reference, x)}
    if compiled:
        kan_compiled = KANLayer(n_in, n_out, use_compile=True)
        kan_compiled.load_state_dict(kan.state_dict())
        cases["compiled"] = (kan_compiled, x)
    cases["linear"] = (nn.Linear(n_in, n_out, bias=False), x)
    cases["matched"] = (nn.Linear(n_matched, n_out, bias=False), torch.randn(*lead, n_matched).requires_grad_())
    return cases


def time_cases(cases: dict, repeats: int, forward_only: bool) -> dict:
    """name -> list of seconds, one per repeat (interleaved, rotating order)."""
    names = list(cases)
    times = {name: [] for name in names}
    for rep in range(repeats + 2):  # two warm-up rounds
        order = names[rep % len(names):] + names[:rep % len(names)]
        for name in order:
            call, inp = cases[name]
            start = time.perf_counter()
            if forward_only:
                with torch.no_grad():
                    call(inp)
            else:
                call(inp).sum().backward()
            elapsed = time.perf_counter() - start
            if rep >= 2:
                times[name].append(elapsed)
            for p in (*getattr(call, "parameters", tuple)(), inp):
                p.grad = None
    return times


def paired_ratio(times: dict, name: str, reference: str) -> float:
    return statistics.median(a / b for a, b in zip(times[name], times[reference]))


def main():
    args = parse_args()
    set_threads(args.threads)
    torch.manual_seed(args.seed)
    lead = tuple(int(s) for s in args.tokens.split("x"))
    kans = ["kan", "naive"] + (["compiled"] if args.compile else [])
    header = (["shape"] + [f"{n} ms" for n in kans + ["linear", "matched"]] + ["(a)", "(b)"]
              + [f"{n} (b)" for n in kans[1:]])
    rows = []
    for n_in, n_out in (tuple(int(v) for v in shape.split("x")) for shape in args.shapes.split(",")):
        times = time_cases(make_cases(n_in, n_out, lead, args.compile), args.repeats, args.forward_only)
        ms = {name: f"{statistics.median(t) * 1e3:.1f}" for name, t in times.items()}
        rows.append([f"{n_in}->{n_out}"] + [ms[n] for n in kans + ["linear", "matched"]]
                    + [f"{paired_ratio(times, 'kan', 'linear'):.1f}", f"{paired_ratio(times, 'kan', 'matched'):.2f}"]
                    + [f"{paired_ratio(times, n, 'matched'):.2f}" for n in kans[1:]])
    what = "forward (no_grad)" if args.forward_only else "forward + backward"
    print(f"KANLayer vs nn.Linear, {what}, x {lead} + (in,), {args.threads} thread(s), {args.repeats} repeats, "
          f"torch {torch.__version__}, {machine_load()}")
    print(markdown_table(header, rows))


if __name__ == "__main__":
    main()
