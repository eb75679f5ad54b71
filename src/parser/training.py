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
                          "statistics and weights; the loss weights and dropouts of this command line, and --decoder_fourier "
                          "to add that path to its decoder). Epochs, "
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


def prior_training_parser() -> argparse.ArgumentParser:
    """Options of ``python -m src.train.train_prior``: the frozen autoencoder, the data its latents
    come from, the prior's architecture (``PriorConfig``'s fields) and the optimisation."""
    from src.models.config import PriorConfig  # dataclasses only, no torch
    from src.parser.generation import add_decoding_args
    from src.parser.model import add_config_fields
    from src.parser.types import fraction, int_at_least, positive_float

    parser = argparse.ArgumentParser(
        prog="python -m src.train.train_prior",
        description="Train a text-conditioned latent diffusion prior over a trained SMoG model's motion latents "
                    "(the model stays frozen); writes the model plus its prior as one checkpoint.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("checkpoint", type=Path, help="the trained model (checkpoint file or pretrained folder)")
    run = parser.add_argument_group("run")
    run.add_argument("--folder", type=Path, required=True,
                     help="output folder: checkpoint.pth.tar (model + prior), prior_losses.csv, opt.yaml, "
                          "latents.pt (the cached latents, reused by a rerun with the same data options)")
    run.add_argument("--overwrite", action="store_true", help="replace the prior run already in --folder")
    run.add_argument("--latent_passes", type=int_at_least(1), default=8,
                     help="passes over the training split whose windows (random crops, mirroring, reworded "
                          "captions as the data options say) are encoded once and cached")
    run.add_argument("--min_caption_coverage", type=fraction, default=0.9,
                     help="keep only windows whose caption describes at least this share of their frames (a "
                          "window named after a still that runs into a jog would teach that stills jog away)")
    run.add_argument("--num_steps", type=int_at_least(1), default=8000, help="optimisation steps")
    run.add_argument("--batch_size", type=int_at_least(1), default=256)
    run.add_argument("--lr", type=positive_float, default=2e-4, help="AdamW learning rate (cosine decay)")
    run.add_argument("--warmup_steps", type=int_at_least(0), default=500)
    run.add_argument("--ema", type=fraction, default=0.999,
                     help="decay of the exponential moving average of the prior's weights that is saved (0 = off)")
    run.add_argument("--log_every", type=int_at_least(1), default=500, help="steps between validation lines")
    run.add_argument("--half", action="store_true",
                     help="store the checkpoint's floating weights as float16 (half the size; loaded as float32)")
    add_device_args(parser)
    add_seed_arg(parser)
    add_dataset_args(parser)
    add_config_fields(parser.add_argument_group("prior"), PriorConfig)
    add_decoding_args(parser)  # saved with the written checkpoint
    return parser
