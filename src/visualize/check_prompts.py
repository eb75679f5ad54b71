"""Check a model against physical signatures on held-out paraphrases.

    python -m src.visualize.check_prompts [CHECKPOINT] [--num_samples 3] [--seed 0]
    python -m src.visualize.check_prompts --prompts training   # the built-in captions instead

Each prompt of ``src.utils.signatures.HELD_OUT_PROMPTS`` (worded unlike any training caption) is
generated ``--num_samples`` times for ``--duration`` seconds; the table says, per prompt, how many
samples show the expected signature (travel, turning, which hand is raised, foot height, pelvis
drop) and what was measured. ``--prompts training`` uses the first built-in caption of each
action instead: a model that passes those but not the paraphrases has learnt the motions but
not the language around them. Exit code 0 whatever the score: this is a report, not a gate.
"""

import argparse
import sys

from src.parser.base import add_device_args, add_seed_arg, resolve_device
from src.utils import signatures


def prompt_set(name: str) -> tuple:
    """(prompt, signature) pairs: ``heldout`` paraphrases, or ``training`` = each action's first caption."""
    if name == "heldout":
        return signatures.HELD_OUT_PROMPTS
    from src.datasets.procedural.captions import ACTION_CAPTIONS

    return tuple((ACTION_CAPTIONS[action][0], signature) for action, signature in signatures.ACTION_SIGNATURES)


def run(checkpoint, num_samples: int, seed: int, duration: float, device, prompts: str = "heldout") -> list:
    """Rows (prompt, signature, passed, total, measurements) for every prompt of ``prompt_set(prompts)``."""
    from src.api import SMoG

    model = SMoG.from_pretrained(checkpoint, device=device)
    pairs = prompt_set(prompts)
    motions = model.generate([p for p, _ in pairs], duration=duration, num_samples=num_samples, seed=seed)
    rows = []
    for i, (prompt, signature) in enumerate(pairs):
        results = [signatures.check(m, signature) for m in motions[i * num_samples:(i + 1) * num_samples]]
        rows.append((prompt, signature, sum(ok for ok, _ in results), len(results), [m for _, m in results]))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m src.visualize.check_prompts", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint", nargs="?", default=None, help="checkpoint (default: the shipped model)")
    parser.add_argument("--num_samples", type=int, default=3)
    parser.add_argument("--duration", type=float, default=4.0)
    parser.add_argument("--prompts", choices=("heldout", "training"), default="heldout",
                        help="held-out paraphrases, or the built-in training captions of the same actions")
    add_seed_arg(parser, default=0)
    add_device_args(parser)
    opt = parser.parse_args(argv)
    from src.api import ModelLoadError

    try:
        rows = run(opt.checkpoint, opt.num_samples, opt.seed, opt.duration, resolve_device(opt.device, opt.force_device),
                   opt.prompts)
    except (ModelLoadError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print("| prompt | expected | passed | measured (first sample) |\n|---|---|---|---|")
    for prompt, signature, passed, total, measured in rows:
        print(f"| {prompt} | {signature} | {passed}/{total} | {measured[0]} |")
    passed, total = sum(r[2] for r in rows), sum(r[3] for r in rows)
    print(f"\n{passed}/{total} samples show the expected signature ({100 * passed / total:.0f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
