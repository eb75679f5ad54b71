"""Training logs: a text log, a CSV of losses, a loss-curve PNG, and optional TensorBoard / wandb."""

import csv
import logging
import math
import os
from pathlib import Path

from src.errors import BadInputError
from src.utils.fileio import atomic_path


def make_text_logger(folder: Path, rank: int = 0) -> logging.Logger:
    """Logger writing to ``folder/training.log`` and the console (rank 0 only)."""
    logger = logging.getLogger(f"smog.train.{folder}")
    logger.setLevel(logging.INFO if rank == 0 else logging.WARNING)
    logger.propagate = False
    if not logger.handlers:
        fmt = logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S")
        console = logging.StreamHandler()
        console.setFormatter(fmt)
        logger.addHandler(console)
        if rank == 0:
            handler = logging.FileHandler(folder / "training.log")
            handler.setFormatter(fmt)
            logger.addHandler(handler)
    return logger


class LossLog:
    """Per-epoch losses kept in memory and mirrored to ``losses.csv`` and ``loss_curve.png``.

    Args:
        folder: the run folder.
        tensorboard: also write TensorBoard scalars (needs the ``tensorboard`` package).
        wandb_project: also log to wandb under this project (``WANDB_MODE=offline`` works).
    """

    def __init__(self, folder: Path, tensorboard: bool = False, wandb_project: str = None, run_name: str = None,
                 config: dict = None):
        self.folder = Path(folder)
        self.rows = []
        self._read_existing()
        self.tb = None
        self.wandb = None
        if tensorboard:
            try:
                from torch.utils.tensorboard import SummaryWriter
            except ImportError as err:
                raise BadInputError(f"--tensorboard needs the tensorboard package: pip install tensorboard ({err})")
            self.tb = SummaryWriter(self.folder / "tensorboard")
        if wandb_project:
            try:
                import wandb
            except ImportError as err:
                raise BadInputError(f"--wandb_project needs the wandb package: pip install wandb ({err})")
            self.wandb = wandb.init(project=wandb_project, name=run_name, config=config, dir=str(self.folder),
                                    mode=os.environ.get("WANDB_MODE", "offline"))

    def _read_existing(self):
        path = self.folder / "losses.csv"
        if path.is_file():  # a resumed run keeps its history
            with open(path, newline="") as f:
                self.rows = [{k: float(v) if v not in ("", None) else math.nan for k, v in row.items()}
                             for row in csv.DictReader(f)]

    def log(self, epoch: int, values: dict) -> None:
        row = {"epoch": float(epoch), **{k: float(v) for k, v in values.items()}}
        self.rows = [r for r in self.rows if r.get("epoch") != row["epoch"]] + [row]
        self._write_csv()
        self._plot()
        if self.tb is not None:
            for key, value in values.items():
                self.tb.add_scalar(key, value, epoch)
        if self.wandb is not None:
            self.wandb.log({"epoch": epoch, **values})

    def _write_csv(self):
        keys = ["epoch"] + sorted({k for r in self.rows for k in r if k != "epoch"})
        with atomic_path(self.folder / "losses.csv") as tmp:
            with open(tmp, "w", newline="") as f:
                writer = csv.DictWriter(f, fieldnames=keys, restval="")
                writer.writeheader()
                for r in self.rows:
                    writer.writerow({k: (int(v) if k == "epoch" else f"{v:.6g}") for k, v in r.items()})

    def _plot(self):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        fig = Figure(figsize=(7, 4))
        FigureCanvasAgg(fig)
        ax = fig.add_subplot(1, 1, 1)
        epochs = [r["epoch"] for r in self.rows]
        for key in ("train/total", "val/total"):
            values = [r.get(key, math.nan) for r in self.rows]
            if any(not math.isnan(v) for v in values):
                ax.plot(epochs, values, marker="o", markersize=3, label=key)
        ax.set_xlabel("epoch")
        ax.set_ylabel("total loss")
        ax.set_yscale("log")
        ax.grid(True, alpha=0.3)
        ax.legend()
        fig.tight_layout()
        with atomic_path(self.folder / "loss_curve.png") as tmp:
            fig.savefig(tmp, format="png", dpi=90)

    def close(self):
        if self.tb is not None:
            self.tb.close()
        if self.wandb is not None:
            self.wandb.finish()
