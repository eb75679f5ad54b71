"""One prior training run (``python -m src.train.train_prior``): folder, model, cached latents, fit, save."""

import dataclasses
import json
from pathlib import Path

import torch
import yaml

from src.datasets.get_dataset import get_datasets
from src.errors import BadInputError
from src.models import checkpoint
from src.models.config import PriorConfig
from src.models.prior import LatentPrior
from src.models.smog import SMoGModel
from src.runtime import resolve_device, seed_everything
from src.train.prior_trainer import cache_latents, caption_features, fit_prior, write_history
from src.utils.fileio import atomic_path

OUTPUT = "checkpoint.pth.tar"
LATENT_CACHE = "latents.pt"
# Data options that change which latents are cached (a rerun with other values encodes anew).
CACHE_OPTIONS = ("dataset", "datapath", "num_frames", "min_len", "max_len", "sampling", "sampling_step",
                 "mirror_prob", "action_start_prob", "caption_augment", "use_action_cat_as_text_labels",
                 "emphasize_actions", "latent_passes", "min_caption_coverage", "seed")


def _log_to(folder: Path):
    log_file = folder / "prior_training.log"

    def log(line: str) -> None:
        print(line, flush=True)
        with open(log_file, "a", encoding="utf-8") as f:
            f.write(line + "\n")
    return log


def _cache_key(opt, source: Path) -> dict:
    stat = source.stat() if source.is_file() else (source / checkpoint.PRETRAINED_WEIGHTS).stat()
    return {"checkpoint": str(source.resolve()), "checkpoint_size": stat.st_size,
            "checkpoint_mtime": int(stat.st_mtime), **{k: str(getattr(opt, k)) for k in CACHE_OPTIONS}}


def _latents(model, datasets, opt, folder: Path, log) -> tuple:
    """(train, val) cached latents of the model: read from ``folder`` when the key matches, else encoded."""
    path, key = folder / LATENT_CACHE, _cache_key(opt, Path(opt.checkpoint))
    if path.is_file():
        cached = torch.load(path, weights_only=True)
        if cached.get("key") == key:
            log(f"latents: reusing {path} ({len(cached['train']['caption'])} training windows)")
            return cached["train"], cached["val"]
        log(f"latents: {path} was made with other options or another checkpoint; encoding anew")
    train = cache_latents(model, datasets["train"], opt.latent_passes, log=log, min_coverage=opt.min_caption_coverage)
    val = cache_latents(model, datasets["val"], 1, log=log, min_coverage=opt.min_caption_coverage) \
        if datasets.get("val") is not None else None
    with atomic_path(path) as tmp:
        torch.save({"key": key, "train": train, "val": val}, tmp)
    return train, val


def _with_text(model, cached: dict) -> dict:
    return {"latent": cached["latent"], "length": cached["length"], "text": caption_features(model, cached["caption"])}


def train_prior(opt) -> Path:
    """Run it; returns the written checkpoint (model + prior).

    Raises:
        BadInputError: the folder holds a prior run (without ``--overwrite``), or the data does not fit the model.
        ModelFilesError: the checkpoint cannot be used.
    """
    folder = Path(opt.folder)
    if (folder / OUTPUT).exists() and not opt.overwrite:
        raise BadInputError(f"--folder {folder} already holds {OUTPUT}; pass --overwrite to replace it or choose "
                            "another --folder")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "prior_training.log").unlink(missing_ok=True)
    log = _log_to(folder)
    device = resolve_device(opt.device, opt.force_device)
    seed_everything(opt.seed)
    model = SMoGModel.from_pretrained(opt.checkpoint, device=device)
    try:  # saved with the written checkpoint: generation then decodes as asked by default
        model.set_decoding(foot_lock=opt.foot_lock)
    except ValueError as err:
        raise BadInputError(f"{err} ({opt.checkpoint})") from None
    if model.prior is not None:
        log(f"{opt.checkpoint} already has a prior: it is replaced")
        model.attach_prior(None)
    features = model.config.features  # the windows must be made as the model's were
    opt.pose_rep, opt.translation, opt.glob, opt.glob_rot = (features.pose_rep, features.translation, features.glob,
                                                            features.glob_rot or [0.0, 0.0, 0.0])
    datasets = get_datasets(opt, splits=("train", "val"))
    if abs(datasets["train"].fps - model.fps) > 1e-6:
        raise BadInputError(f"--datapath: the data is at {datasets['train'].fps:g} fps, the model at {model.fps:g}")
    train, val = _latents(model, datasets, opt, folder, log)
    train, val = _with_text(model, train), (_with_text(model, val) if val is not None else None)
    config = dataclasses.replace(PriorConfig.from_options(vars(opt)), latent_dim=model.latent_dim,
                                 text_dim=model.latent_dim, kan=model.config.kan.layer_options())
    seed_everything(opt.seed)
    prior = LatentPrior(config).to(device)
    prior.set_latent_statistics(train["latent"].to(device), train["text"].to(device))
    log(f"prior: {sum(p.numel() for p in prior.parameters()) / 1e6:.2f} M parameters ({config.arch}), "
        f"{len(train['latent'])} training latents, {len(val['latent']) if val else 0} validation latents")
    history = fit_prior(prior, train, val, opt, log)
    model.attach_prior(prior.eval())
    write_history(folder / "prior_losses.csv", history)
    options = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(opt).items()}
    with atomic_path(folder / "prior_opt.yaml") as tmp:
        tmp.write_text(yaml.safe_dump(options, sort_keys=True), encoding="utf-8")
    extra = {"prior_trained_from": str(opt.checkpoint), "prior_final": json.loads(json.dumps(history[-1]))}
    return checkpoint.save_checkpoint(folder / OUTPUT, model, opt=options, extra=extra, half=opt.half)
