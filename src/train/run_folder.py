"""The run folder of a training: one run per folder, refused when it holds another run (unless
``--overwrite`` clears that run's files or ``--resume`` continues it), and no leftovers of killed saves."""

import shutil
from pathlib import Path

from src.errors import BadInputError
from src.utils.fileio import remove_stale_temps

# What a training run writes into its folder (src.train.trainer, src.train.logger).
RUN_FILES = ("checkpoint_*.pth.tar", "opt.yaml", "training.log", "losses.csv", "loss_curve.png")
RUN_DIRS = ("tensorboard", "wandb")
# The files that say a run got going; a folder with only a log holds a start that failed (bad data,
# bad options), which is no run to protect.
RUN_MARKERS = ("checkpoint_*.pth.tar", "opt.yaml", "losses.csv")


def run_files(folder) -> list:
    """The files and folders of a training run present in ``folder``, sorted."""
    folder = Path(folder)
    found = {p for pattern in RUN_FILES for p in folder.glob(pattern) if p.is_file()}
    found |= {folder / name for name in RUN_DIRS if (folder / name).is_dir()}
    return sorted(found)


def check_run_folder(folder, resume, overwrite: bool) -> None:
    """Refuse a ``folder`` that holds another run, unless the run is resumed or ``overwrite``.

    Raises:
        BadInputError: naming the folder, what is in it and the two ways forward.
    """
    if resume or overwrite:
        return
    existing = sorted({p for pattern in RUN_MARKERS for p in Path(folder).glob(pattern) if p.is_file()})
    if existing:
        more = f" and {len(existing) - 4} more" if len(existing) > 4 else ""
        shown = ", ".join(p.name for p in existing[:4]) + more
        raise BadInputError(f"--folder {folder} holds another run ({shown}); a new run there would mix with it. "
                            f"Pass --overwrite to delete that run's files, --resume CHECKPOINT to continue it, or "
                            f"choose another --folder")


def prepare_run_folder(folder, resume) -> list:
    """Create ``folder``; for a new run (not ``resume``; ``check_run_folder`` has passed), delete
    the files of a previous run there (``run_files``, nothing else: an ``--overwrite``n run, or the
    log of a start that failed); always delete the temporary files that killed saves of a run left
    there. Returns what was removed (main process only under DDP)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    removed = []
    if not resume:
        for path in run_files(folder):
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
            removed.append(path)
    for pattern in RUN_FILES:  # ``atomic_path`` temporaries: .checkpoint_0003.pth.tar.XXXX.tmp, ...
        removed += remove_stale_temps(folder, pattern)
    return removed
