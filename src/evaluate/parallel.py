"""Independent generation runs, one after another or in forked worker processes
(``evaluate_model.py --workers N``).

Why processes: a run is thousands of small model calls (batches of 32 motions), which several
intra-op threads share imperfectly; on the 2-core benchmark machine two one-thread workers were 7%
faster than one two-thread process (bench/README.md, "Evaluation"). Workers are
forked, so they share the parent's loaded model, evaluator, cached caption features and collected
real data without copying or reloading them; each sets one intra-op thread first (as DataLoader
workers do: OpenMP is not fork-safe with more). Each run draws its noise from its own seed, so a
run's figures do not depend on the worker that made it (up to float rounding of thread counts).
"""

import multiprocessing
import sys
from typing import Callable, List, Sequence, Tuple, TypeVar

import torch
from tqdm import tqdm

Result = TypeVar("Result")
_ONE_RUN = None  # the parent's run function, set just before the workers fork (never pickled)


def fork_problem(device) -> str:
    """Why runs cannot go to forked workers here ("" when they can)."""
    if not sys.platform.startswith("linux") or "fork" not in multiprocessing.get_all_start_methods():
        return "forked workers are used on Linux only (macOS's system libraries are not fork-safe)"
    if torch.device(device).type != "cpu":
        return "the model is on a GPU (a forked process cannot use its CUDA context)"
    return ""


def map_runs(one_run: Callable[[int, int], Result], seeds: Sequence[int], workers: int = 1,
             device="cpu") -> List[Result]:
    """``[one_run(index, seed) for index, seed in enumerate(seeds)]``, ``workers`` runs at a time.

    Args:
        one_run: computes run ``index`` with ``seed``; returns something picklable.
        seeds: one run per seed.
        workers: processes at a time (1: in this process, with its thread settings). Runs stay in
            this process where ``fork_problem(device)`` says so.
        device: where the model is.
    Returns:
        the runs' results, in the order of ``seeds``; a progress bar over them on a terminal.
    """
    global _ONE_RUN
    jobs = list(enumerate(seeds))
    bar = dict(total=len(jobs), desc="runs", unit="run", disable=not sys.stderr.isatty())
    workers = min(workers, len(jobs))
    if workers <= 1 or fork_problem(device):
        return [one_run(index, seed) for index, seed in tqdm(jobs, **bar)]
    _ONE_RUN = one_run
    try:
        with multiprocessing.get_context("fork").Pool(workers, initializer=torch.set_num_threads,
                                                      initargs=(1,)) as pool:
            return list(tqdm(pool.imap(_call, jobs), **bar))
    finally:
        _ONE_RUN = None


def _call(job: Tuple[int, int]):
    return _ONE_RUN(*job)
