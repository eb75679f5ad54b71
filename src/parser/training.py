"""Options of ``python -m src.train.train``: the original SMoG's names plus this project's additions.

Parsing imports no torch (``python -X importtime`` shows none), so option errors come fast."""

import argparse
from pathlib import Path

from src import config
from src.parser.base import add_device_args, add_seed_arg
from src.parser.dataset import add_dataset_args
from src.parser.model import add_model_args


def training_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m src.train.train",
        description="Train the SMoG motion-text autoencoder (CPU, one GPU, or several GPUs under torchrun).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    run = parser.add_argument_group("run")
    run.add_argument("--expname", default="exps", help="experiment name (used for logging)")
    run.add_argument("--folder", type=Path, default=None,
                     help="output folder for checkpoints and logs (default exps/<expname>)")
    run.add_argument("--batch_size", type=int, default=32)
    run.add_argument("--num_epochs", type=int, default=100)
    run.add_argument("--lr", type=float, default=1e-4, help="AdamW learning rate")
    run.add_argument("--weight_decay", type=float, default=0.0)
    run.add_argument("--lr_schedule", choices=["cosine", "constant"], default="cosine")
    run.add_argument("--warmup_steps", type=int, default=200)
    run.add_argument("--grad_clip", type=float, default=1.0, help="max gradient norm (0 = off)")
    run.add_argument("--snapshot", type=int, default=10, help="save a checkpoint every N epochs (and at the end)")
    run.add_argument("--resume", type=Path, default=None,
                     help="training checkpoint to continue from (epoch, optimizer, scheduler, random-generator "
                          "states: the run continues exactly as if uninterrupted)")
    run.add_argument("--overwrite", action="store_true",
                     help="a --folder holding another run is refused; this deletes that run's checkpoints and logs "
                          "first (not with --resume)")
    run.add_argument("--init_from", type=Path, default=None,
                     help="fine-tune: start from this checkpoint or pretrained directory (its architecture, feature "
                          "statistics and weights; the loss weights and dropouts of this command line). Epochs, "
                          "optimizer and schedule start afresh (use --resume to continue a run instead)")
    run.add_argument("--freeze", choices=("none", "motion"), default="none",
                     help="motion: keep the motion encoder and decoder fixed and train the text side only "
                          "(with --init_from, e.g. to teach a trained model new wordings)")
    run.add_argument("--bf16", action=argparse.BooleanOptionalAction, default=True,
                     help="bfloat16 autocast on CUDA (ignored on the CPU)")
    run.add_argument("--kan_compile", action="store_true",
                     help="run the KAN layers through torch.compile (needs a C++ compiler on the CPU, Triton on "
                          "GPUs; the first steps compile; falls back to eager with a warning). See bench/README.md")
    run.add_argument("--tensorboard", action="store_true", help="also log to TensorBoard")
    run.add_argument("--wandb_project", default=None, help="also log to wandb (offline unless WANDB_MODE says otherwise)")
    add_device_args(parser)
    add_seed_arg(parser)
    add_dataset_args(parser)
    add_model_args(parser)
    return parser


def parse_training_args(argv=None) -> argparse.Namespace:
    parser = training_parser()
    opt = parser.parse_args(argv)
    if opt.folder is None:
        opt.folder = config.EXPS_DIR / opt.expname
    for name in ("batch_size", "num_epochs", "snapshot"):
        if getattr(opt, name) <= 0:
            parser.error(f"--{name} must be positive, got {getattr(opt, name)}")
    if opt.freeze != "none" and opt.init_from is None and opt.resume is None:
        parser.error(f"--freeze {opt.freeze} needs trained weights to keep: give --init_from (or --resume)")
    if opt.overwrite and opt.resume is not None:
        parser.error("--overwrite would delete the run that --resume continues: give one of them")
    if opt.lr <= 0:
        parser.error(f"--lr must be positive, got {opt.lr}")
    return opt
