"""Train a latent diffusion prior for a trained model: ``python -m src.train.train_prior CHECKPOINT
--folder exps/NAME --dataset builtin --datapath ...`` (see README "Sampling with a diffusion prior").

The model stays frozen. Its motion latents of ``--latent_passes`` draws of the training windows are
encoded once (cached in ``--folder``/latents.pt, reused by a rerun with the same data options), the
prior is fitted to them, and ``--folder``/checkpoint.pth.tar holds the model with its prior: every
generation command then samples with it by default (``--sampler``).
Exit codes (``src.errors``): 0 done; 2 unusable options or data; 3 an unusable checkpoint; 1 a bug.
"""

import sys

from src.cli import run
from src.parser.training import prior_training_parser

PROG = "python -m src.train.train_prior"


def _body(opt) -> None:
    from src.train.prior_run import train_prior  # torch and the model stack load only now

    path = train_prior(opt)
    print(f"checkpoint (model + prior): {path}\nlosses: {opt.folder}/prior_losses.csv")


def main(argv=None) -> int:
    return run(prior_training_parser(), _body, argv)


if __name__ == "__main__":
    sys.exit(main())
