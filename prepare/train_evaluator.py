"""Train the independent evaluator: a TMR-style motion-text retrieval model that judges any
model's generated motions from their joint positions (``src.evaluate.tmr``; issue 14 item 2).

    python -m prepare.train_evaluator --dataset builtin --datapath data/synthetic10k_db/babel_20fps_db.pt \\
        --output exps/evaluator_builtin/evaluator.pt --max_minutes 25

Trains on the train split only; the val split picks the epoch (R-precision top-1, texts as rows);
the test split is never read. The best epoch so far is written to ``--output`` after each epoch
(config, normalisation statistics, float16 weights and this command; a few MB), so a run stopped by
``--max_minutes`` keeps it. ``python evaluate_model.py --evaluator FILE`` loads it.
Exit codes (``src.errors``): 0 done; 2 unusable options or data, an ``--output`` whose folder
cannot be written, or an existing ``--output`` without ``--overwrite`` (all before any work).
"""

import logging
import shlex
import sys

from src import cli
from src.parser.evaluation import output_folder_problem, train_evaluator_parser


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    command = "python -m prepare.train_evaluator " + shlex.join(argv)  # recorded in the file
    return cli.run(train_evaluator_parser(__doc__), lambda opt: _train(opt, command), argv)


def _train(opt, command: str) -> None:
    from src.errors import BadInputError
    from src.evaluate.tmr_train import train_evaluator

    if opt.output.exists() and not opt.overwrite:
        raise BadInputError(f"{opt.output} already exists; add --overwrite to replace it")
    problem = output_folder_problem(opt.output.parent)
    if problem:
        raise BadInputError(f"--output {opt.output}: {problem}")
    if opt.model_dim % 4:
        raise BadInputError(f"--model_dim {opt.model_dim} must be divisible by the 4 attention heads")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    try:
        record = train_evaluator(opt, command)
    except (FileNotFoundError, ValueError) as err:
        raise BadInputError(str(err)) from None
    val = record["val"]
    print(f"wrote {opt.output}: epoch {record['best_epoch']} of {record['epochs']}, val R-precision top1 "
          f"{val['top1']:.3f} top3 {val['top3']:.3f} ({record['wall_s']:.0f} s)")


if __name__ == "__main__":
    sys.exit(main())
