"""Check a model against physical signatures on held-out paraphrases.

    python -m src.visualize.check_prompts [CHECKPOINT] [--num_samples 3] [--seed 0]
    python -m src.visualize.check_prompts --prompts training   # the built-in captions instead
    python -m src.visualize.check_prompts --prompts kit        # real KIT-ML captions (development set)

Each prompt of ``src.utils.signatures.HELD_OUT_PROMPTS`` (worded unlike any training caption) is
generated ``--num_samples`` times for ``--duration`` seconds; the table says, per prompt, how many
samples show the expected signature (travel, turning, which hand is raised, foot height, pelvis
drop) and what was measured. ``--prompts training`` uses the first built-in caption of each
action instead: a model that passes those but not the paraphrases has learnt the motions but
not the language around them. ``--prompts kit`` uses real human-written KIT-ML captions whose
recording and wording agree on one action (``src.utils.kit_prompts``; ``--kit_annotations``, default
``../shared/data/captions/kitml_annotations.json``): a development set to choose models and report
generalisation to real wording, never training data. The summary gives the pass count per
signature and in total. Exit code 0 whatever the score: this is a report, not a gate (2 when the
model or the annotations cannot be read).
"""

import argparse
import json
import sys
from pathlib import Path

from src.parser.base import add_device_args, add_seed_arg
from src.runtime import resolve_device
from src.utils import kit_prompts, signatures


def prompt_set(name: str, kit_annotations=None, kit_max_per_signature=None) -> tuple:
    """(prompt, signature) pairs: ``heldout`` paraphrases, ``training`` = each action's first caption,
    or ``kit`` = real KIT-ML captions from ``kit_annotations`` (default: the shared corpus; at most
    ``kit_max_per_signature`` per signature, default ``kit_prompts.DEFAULT_MAX_PER_SIGNATURE``)."""
    if name == "heldout":
        return signatures.HELD_OUT_PROMPTS
    if name == "kit":
        path = kit_prompts.DEFAULT_KIT_ANNOTATIONS if kit_annotations is None else kit_annotations
        cap = kit_prompts.DEFAULT_MAX_PER_SIGNATURE if kit_max_per_signature is None else kit_max_per_signature
        return tuple(kit_prompts.load_kit_prompts(path, max_per_signature=cap))
    if name != "training":
        raise ValueError(f"unknown prompt set {name!r} (heldout, training or kit)")
    from src.datasets.procedural.captions import ACTION_CAPTIONS

    return tuple((ACTION_CAPTIONS[action][0], signature) for action, signature in signatures.ACTION_SIGNATURES)


def run(checkpoint, num_samples: int, seed: int, duration: float, device, prompts: str = "heldout",
        kit_annotations=None, kit_max_per_signature=None) -> list:
    """Rows (prompt, signature, passed, total, measurements) for every prompt of ``prompt_set(prompts, ...)``."""
    from src.api import SMoG

    pairs = prompt_set(prompts, kit_annotations, kit_max_per_signature)  # before the model: fail fast
    if not pairs:
        raise ValueError(f"prompt set {prompts!r} is empty")
    model = SMoG.from_pretrained(checkpoint, device=device)
    motions = model.generate([p for p, _ in pairs], duration=duration, num_samples=num_samples, seed=seed)
    rows = []
    for i, (prompt, signature) in enumerate(pairs):
        results = [signatures.check(m, signature) for m in motions[i * num_samples:(i + 1) * num_samples]]
        rows.append((prompt, signature, sum(ok for ok, _ in results), len(results), [m for _, m in results]))
    return rows


def summary(rows) -> dict:
    """Signature -> (prompts, samples passed, samples), in first-seen order."""
    out = {}
    for _, signature, passed, total, _ in rows:
        n_prompts, p, t = out.get(signature, (0, 0, 0))
        out[signature] = (n_prompts + 1, p + passed, t + total)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m src.visualize.check_prompts", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint", nargs="?", default=None, help="checkpoint (default: the shipped model)")
    parser.add_argument("--num_samples", type=int, default=3)
    parser.add_argument("--duration", type=float, default=4.0)
    parser.add_argument("--prompts", choices=("heldout", "training", "kit"), default="heldout",
                        help="held-out paraphrases, the built-in training captions of the same actions, "
                             "or real KIT-ML captions (development set)")
    parser.add_argument("--kit_annotations", type=Path, default=kit_prompts.DEFAULT_KIT_ANNOTATIONS,
                        help="KIT-ML annotations JSON for --prompts kit (default: %(default)s)")
    parser.add_argument("--kit_max_per_signature", type=int, default=None,
                        help="--prompts kit: at most this many captions per signature (default 12)")
    add_seed_arg(parser, default=0)
    add_device_args(parser)
    opt = parser.parse_args(argv)
    from src.api import ModelLoadError

    if opt.prompts == "kit" and not Path(opt.kit_annotations).is_file():
        print(f"error: KIT-ML annotations not found: {opt.kit_annotations} (give --kit_annotations PATH; the "
              f"corpus is kitml_annotations.json from ../shared/data/captions)", file=sys.stderr)
        return 2
    try:
        rows = run(opt.checkpoint, opt.num_samples, opt.seed, opt.duration, resolve_device(opt.device, opt.force_device),
                   opt.prompts, opt.kit_annotations, opt.kit_max_per_signature)
    except (ModelLoadError, ValueError, OSError, json.JSONDecodeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print("| prompt | expected | passed | measured (first sample) |\n|---|---|---|---|")
    for prompt, signature, passed, total, measured in rows:
        print(f"| {prompt} | {signature} | {passed}/{total} | {measured[0]} |")
    print("\n| signature | prompts | passed |\n|---|---|---|")
    for signature, (n_prompts, passed, total) in summary(rows).items():
        print(f"| {signature} | {n_prompts} | {passed}/{total} ({100 * passed / total:.0f}%) |")
    passed, total = sum(r[2] for r in rows), sum(r[3] for r in rows)
    print(f"\n{passed}/{total} samples show the expected signature ({100 * passed / total:.0f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
