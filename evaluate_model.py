"""Evaluate a trained model on a test split (SPEC §4 metrics).

    python evaluate_model.py [CHECKPOINT] [--datapath DB] [--n_runs 3 --seed 0 | --seeds 0 1 2]
        [--sample_size N|-1] [--output_dir DIR] [--wandb --project smog --run_name NAME]

The original SMoG's command (SPEC §3b) runs as it was written:

    python evaluate_model.py CKPT --sample_size -1 --batch_size 32 --device cuda \\
        --project smog --run_name smog-metrics --n_runs 100

CHECKPOINT defaults to the shipped model. The data options (dataset, path, pose representation,
window lengths) are the checkpoint's training options unless given here; the built-in data of the
shipped model is made by the two data commands in exps/smog_builtin/command.sh. Writes
``results.json`` and ``results.md`` to ``--output_dir`` (default: ``evaluation_results`` beside
the checkpoint, as the original) and prints the table; ``--wandb`` also logs to wandb (offline
unless ``WANDB_MODE`` says otherwise). ``--evaluator FILE`` (default: the shipped
exps/evaluator_builtin/evaluator.pt, for the built-in data at its 20 fps; ``none``: off) also
reports the generated-motion figures, the real pairs' R-precision and the sanity rows in an
independent evaluator's space (FID; ``python -m prepare.train_evaluator``; it reads joint
positions, so models of any pose representation are judged alike), labelled as such; the metrics
below are in the model's own embedding space:

- retrieval: text-to-motion and motion-to-text R@1/2/3/5/10 and median rank over the whole split
  and in shuffled batches of 32; R-precision (texts as rows, as the reference code) and MM-Dist of
  real motions;
- reconstruction of real motions: MPJPE, PA-MPJPE (mm), acceleration error;
- physical metrics of real and of generated motions: foot skating, floor penetration / floating,
  jitter, bone-length drift;
- generated motions (one per test caption, its window's length; mean and 95% interval over the
  runs, a progress bar over them on a terminal): FCD, MMD (median-heuristic sigma; and the original
  SMoG's sigma 0.07, text vs generated, as a compatibility column), Diversity, MultiModality
  (decoded ``--batch_size`` motions at a time), R-precision, batch-32 recall;
- sanity rows: two disjoint random halves of the real motions against each other (FCD and MMD's
  floor) and shuffled caption-motion pairs (R-precision's chance), beside the generated figures
  and the real motions' own.

Exit codes (``src.errors``, as every command): 0 done; 2 unusable options (checked before any
model or data loads: negative counts, an output folder that is a file, ``--device cuda`` without
CUDA, ``--wandb`` without wandb), data or output folder; 3 an unusable checkpoint or evaluator file
(the evaluator is loaded before the model); the reason on stderr. The work is
``src.evaluate.report.evaluate_checkpoint``.
"""

import sys

from src import cli
from src.parser.evaluation import evaluation_parser


def main(argv=None) -> int:
    return cli.run(evaluation_parser(__doc__), _evaluate, argv)


def _evaluate(opt) -> None:
    from src.evaluate.report import evaluate_checkpoint, markdown  # after parsing: option errors never wait for torch

    results, targets = evaluate_checkpoint(opt)
    print(markdown(results) + f"\nwrote {targets[0]} and {targets[1]}")


if __name__ == "__main__":
    sys.exit(main())
