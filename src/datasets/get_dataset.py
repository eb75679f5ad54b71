"""The factory that builds the train / val / test datasets by ``--dataset`` name.

    parser = argparse.ArgumentParser(); add_dataset_args(parser); opt = parser.parse_args()  # options: src/parser/dataset.py
    data = get_datasets(opt)                    # {"train": ..., "val": ..., "test": ...}
    loader = make_dataloader(data["train"], opt.batch_size, train=True, num_workers=opt.num_workers)

Datasets and their default ``--datapath``:
    amass, babel  SMPL motions with BABEL labels: data/amass_db/{amass,babel}_30fps_db.pt
    builtin       the generated built-in data: data/synthetic_db/babel_30fps_db.pt
    bvh           CMU BVH motions: data/bvh_db/cmu_30fps_db.pt
    humanml3d     joint positions (``--pose_rep xyz`` only): data/HumanML3D (a folder)
    kitml         joint positions (``--pose_rep xyz`` only), its 21 MMM joints mapped to an
                  approximate SMPL-22 skeleton (``humanml3d.KIT_TO_SMPL22``): data/KIT-ML
A db path ends in ``_db.pt`` and names the split files ``<prefix>_{train,val,test}.pt``
(``_vald.pt`` is read when ``_val.pt`` is absent); statistics go to ``<prefix>_stats.pt``.
"""

import argparse
import logging
from pathlib import Path
from types import SimpleNamespace
from typing import Dict, Optional, Sequence

import torch
from torch.utils.data import DataLoader, WeightedRandomSampler

from src import config
from src.datasets.formats import db
from src.datasets.dataset import (DATASETS, JointsTextDataset, MotionTextDataset, WindowedTextDataset,
                                  collate, load_or_compute_stats)
from src.models.rotation2xyz import load_body_model
from src.parser.dataset import add_dataset_args  # the option defaults (also re-exported for tests)

logger = logging.getLogger(__name__)

DB_DATASETS = {
    "amass": config.DATA_DIR / "amass_db" / "amass_30fps_db.pt",
    "babel": config.DATA_DIR / "amass_db" / "babel_30fps_db.pt",
    "builtin": config.DATA_DIR / "synthetic_db" / "babel_30fps_db.pt",
    "bvh": config.DATA_DIR / "bvh_db" / "cmu_30fps_db.pt",
}
JOINT_DATASETS = {
    "humanml3d": config.DATA_DIR / "HumanML3D",
    "kitml": config.DATA_DIR / "KIT-ML",
}
assert set(DB_DATASETS) | set(JOINT_DATASETS) == set(DATASETS)


def _split_file(datapath, split: str) -> Optional[Path]:
    """The existing file of ``split`` named by ``datapath`` (``_vald.pt`` stands in for a missing
    ``_val.pt``), or None."""
    path = db.split_path(datapath, split)
    candidates = [path, path.with_name(path.name[: -len("_val.pt")] + "_vald.pt")] if split == "val" else [path]
    return next((c for c in candidates if c.is_file()), None)


def stats_path(datapath) -> Path:
    """``<prefix>_stats.pt`` beside the split files of ``datapath``."""
    train = db.split_path(datapath, "train")
    return train.with_name(train.name[: -len("_train.pt")] + "_stats.pt")


def _options(opt) -> SimpleNamespace:
    defaults = argparse.ArgumentParser()
    add_dataset_args(defaults)
    merged = vars(defaults.parse_args([]))
    merged.update(opt if isinstance(opt, dict) else vars(opt))
    return SimpleNamespace(**merged)


def _window_kwargs(opt, train: bool) -> dict:
    return dict(train=train, pose_rep=opt.pose_rep, translation=opt.translation, glob=opt.glob, glob_rot=opt.glob_rot,
                num_frames=opt.num_frames, min_len=opt.min_len, max_len=opt.max_len, sampling=opt.sampling,
                sampling_step=opt.sampling_step, mirror_prob=opt.mirror_prob if train else 0.0,
                action_start_prob=opt.action_start_prob if train else 0.0,
                caption_augment=getattr(opt, "caption_augment", 0.0) if train else 0.0,
                action_emphasis=getattr(opt, "emphasize_actions", None) if train else None)


def get_datasets(opt, splits: Sequence[str] = db.SPLITS, body_model=None,
                 with_stats: bool = True) -> Dict[str, Optional[WindowedTextDataset]]:
    """Build the datasets of ``splits`` from options (an argparse Namespace or a dict).

    Args:
        opt: options of ``add_dataset_args`` (missing ones take their defaults).
        splits: which splits to build; "train" is required when asked for, others are None
            (with a log line) when their file is absent.
        body_model: forward kinematics for canonicalisation / xyz features (default built-in).
        with_stats: load (or compute and store beside the data) the train split's statistics;
            False for a reader that normalises its own way (``src.evaluate.tmr_train``).
    Returns:
        {split: dataset or None}; every dataset's ``stats`` holds the train split's
        statistics when "train" was built.
    """
    opt = _options(opt)
    if opt.only_60_classes or opt.use_only_15_classes:
        raise NotImplementedError("--only_60_classes / --use_only_15_classes need the BABEL-60 / BABEL-15 class "
                                  "lists, which SMoG does not ship; use --use_action_cat_as_text_labels for category "
                                  "captions instead")
    if opt.dataset in JOINT_DATASETS:
        datasets, stats_path = _joint_datasets(opt, splits)
    elif opt.dataset in DB_DATASETS:
        datasets, stats_path = _db_datasets(opt, splits, body_model)
    else:
        raise ValueError(f"--dataset {opt.dataset!r}: choose one of {DATASETS}")
    if with_stats and datasets.get("train") is not None:
        stats = load_or_compute_stats(datasets["train"], stats_path)
        for dataset in datasets.values():
            if dataset is not None:
                dataset.stats = stats
    return datasets


def _db_datasets(opt, splits, body_model):
    datapath = opt.datapath or DB_DATASETS[opt.dataset]
    body_model = load_body_model("builtin") if body_model is None else body_model  # shared by the splits
    datasets = {}
    for split in splits:
        path = _split_file(datapath, split)
        if path is None:
            if split == "train":
                raise FileNotFoundError(f"{db.split_path(datapath, 'train')} not found: build the data first "
                                        "(python -m src.datasets.amass_parser, see README)")
            logger.warning("%s split of %s is absent; skipped", split, datapath)
            datasets[split] = None
            continue
        datasets[split] = MotionTextDataset(db.load_db(path), **_window_kwargs(opt, split == "train"),
                                            use_action_cat_as_text_labels=opt.use_action_cat_as_text_labels,
                                            body_model=body_model, name=f"{opt.dataset}/{split}")
    return datasets, stats_path(datapath)


def _joint_datasets(opt, splits):
    """HumanML3D or KIT-ML from its released folder (``new_joints``, ``texts``, split files).

    The joint features, canonicalisation (hips, shoulders, feet), mirroring and physical
    checks are defined on the 22 SMPL joints, so KIT-ML's 21 MMM joints are loaded with
    ``layout="smpl22"``: mapped to an approximate SMPL-22 skeleton (``humanml3d.kit_to_smpl22``;
    blends stand in for the spine2 and collar joints MMM lacks) and made right-handed.
    """
    if opt.pose_rep != "xyz":
        raise ValueError(f"--dataset {opt.dataset} holds joint positions only: use --pose_rep xyz "
                         f"(got --pose_rep {opt.pose_rep})")
    if opt.use_action_cat_as_text_labels:
        raise ValueError(f"--dataset {opt.dataset} has no action categories")
    from src.datasets.formats.humanml3d import load_humanml3d

    root = Path(opt.datapath or JOINT_DATASETS[opt.dataset])
    layout = {}  # HumanML3D's files are SMPL-22 already
    if opt.dataset == "kitml":
        layout = {"layout": "smpl22"}
        logger.info("kitml: KIT-ML's 21 MMM joints are mapped onto an approximate SMPL-22 skeleton "
                    "(src.datasets.formats.humanml3d.KIT_TO_SMPL22)")
    datasets = {}
    for split in splits:
        try:
            records = load_humanml3d(root, split, opt.dataset, **layout)
        except FileNotFoundError:
            if split == "train" or (root / f"{split}.txt").is_file():
                raise
            logger.warning("%s split of %s is absent; skipped", split, root)
            datasets[split] = None
            continue
        if not records:
            if split == "train":
                raise ValueError(f"{root / 'train.txt'} lists no motions")
            logger.warning("%s split of %s is empty; skipped", split, root)
            datasets[split] = None
            continue
        datasets[split] = JointsTextDataset(records, **_window_kwargs(opt, split == "train"),
                                            name=f"{opt.dataset}/{split}")
    return datasets, root / "smog_stats.pt"


def make_dataloader(dataset: WindowedTextDataset, batch_size: int, train: bool, num_workers: int = 0,
                    sequence_weighting: str = "none", pin_memory: bool = False, sampler=None,
                    drop_last: Optional[bool] = None, generator: Optional[torch.Generator] = None,
                    persistent_workers: Optional[bool] = None) -> DataLoader:
    """A DataLoader over ``dataset`` with ``collate``; training shuffles (or draws with replacement
    by ``dataset.sampling_weights``: length with ``sequence_weighting="length"``, and the dataset's
    action emphasis) and drops the last incomplete batch.

    Args:
        sampler: a ready sampler (the distributed ones of ``src.train``), used instead of the above.
        drop_last: default: in training, when the dataset holds at least one full batch.
        generator: the generator of the shuffling order and of the workers' seeds (default: drawn
            from torch's global one); training passes its own, to save and restore its state.
        persistent_workers: keep workers across epochs (default: when there are workers).
    """
    if sequence_weighting not in ("none", "length"):
        raise ValueError(f"sequence_weighting {sequence_weighting!r}: none or length")
    weights = dataset.sampling_weights(sequence_weighting == "length") if sampler is None and train else None
    if weights is not None:  # by length and/or by the dataset's action emphasis
        sampler = WeightedRandomSampler(weights, num_samples=len(dataset), replacement=True, generator=generator)
    if drop_last is None:
        drop_last = train and len(dataset) >= batch_size
    if persistent_workers is None:
        persistent_workers = num_workers > 0
    return DataLoader(dataset, batch_size=batch_size, shuffle=train and sampler is None, sampler=sampler,
                      collate_fn=collate, num_workers=num_workers, drop_last=drop_last, generator=generator,
                      persistent_workers=persistent_workers and num_workers > 0, pin_memory=pin_memory)
