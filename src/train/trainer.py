"""The training loop: epochs, validation, checkpoints, logs; single process or DDP."""

import math
import sys
import time
from pathlib import Path

import torch
import yaml
from torch import nn
from torch.utils.data import DataLoader, DistributedSampler
from tqdm import tqdm

from src.datasets.get_dataset import get_datasets, make_dataloader
from src.models.architectures.kan import compile_kan_layers
from src.errors import BadInputError
from src.models.backbones import load_backbones
from src.models.checkpoint import (CheckpointMismatchError, CheckpointNotFoundError, load_checkpoint,
                                   read_resumable_checkpoint, save_checkpoint)
from src.models.config import ModelConfig
from src.models.factory import build_model, build_model_from_init
from src.models.image_encoders import clip_image_source
from src.runtime import batch_to_device, resolve_device, seed_everything
from src.train import distributed, rng_state
from src.train.logger import LossLog, make_text_logger
from src.train.run_folder import check_run_folder, prepare_run_folder
from src.train.validation import validate
from src.utils.fileio import write_text_atomic


class LossWrapper(nn.Module):
    """Makes ``model.compute_loss`` the module's forward, so DDP synchronises its gradients."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, batch: dict):
        return self.model.compute_loss(batch)


def warmup_cosine(optimizer, warmup_steps: int, total: int, constant: bool = False):
    """Linear warm-up over min(``warmup_steps``, ``total`` // 10) steps, then cosine decay to 10% of the
    rate at step ``total`` (or, with ``constant``, the full rate): the schedule of both training commands."""
    total = max(1, total)
    warmup = min(warmup_steps, total // 10)

    def factor(step):
        if step < warmup:
            return (step + 1) / warmup
        if constant:
            return 1.0
        progress = min(1.0, (step - warmup) / max(1, total - warmup))
        return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def make_scheduler(optimizer, opt, steps_per_epoch: int):
    """Linear warm-up then cosine decay to 10% (``--lr_schedule cosine``), or constant."""
    return warmup_cosine(optimizer, opt.warmup_steps, opt.num_epochs * steps_per_epoch,
                         constant=opt.lr_schedule == "constant")


def make_loader(dataset, opt, shuffle: bool, info, generator=None) -> DataLoader:
    """The training (``shuffle``) or evaluation loader; ``--sequence_weighting length`` and
    ``--emphasize_actions`` draw training sequences with replacement in proportion to
    ``dataset.sampling_weights``, split over the processes under DDP.

    ``generator`` (training) draws the shuffling order and each epoch's worker seeds; workers are
    started afresh each epoch, so that the state saved in a checkpoint fixes the next epoch's
    draws (persistent workers would carry their generators over from epoch to epoch).
    """
    weighting = getattr(opt, "sequence_weighting", "none")
    sampler = None
    if info.enabled:  # in one process, make_dataloader builds the weighted sampler itself
        weights = dataset.sampling_weights(weighting == "length") if shuffle else None
        sampler = (distributed.DistributedWeightedSampler(weights, info, seed=opt.seed) if weights is not None
                   else DistributedSampler(dataset, shuffle=shuffle, seed=opt.seed))
    return make_dataloader(dataset, opt.batch_size, train=shuffle, num_workers=opt.num_workers,
                           sequence_weighting=weighting, sampler=sampler, drop_last=shuffle, generator=generator,
                           persistent_workers=None if generator is None else False)


def train(opt) -> Path:
    """Run a training described by parsed options. Returns the path of the last checkpoint."""
    device = resolve_device(opt.device, getattr(opt, "force_device", None))
    clip_path = getattr(opt, "clip_path", None)
    init_from = getattr(opt, "init_from", None)
    # model-option errors before any data is read; with --init_from the decoder is the checkpoint's, so
    # whether --decoder_fourier fits it is checked when the checkpoint is read
    early = ModelConfig.from_options({**vars(opt), "decoder_fourier": 0} if init_from else vars(opt))
    if early.losses.clip_image_losses:
        clip_image_source(clip_path)  # no CLIP weights: say so now, not after loading data
    resume_ckpt = None
    if opt.resume:
        if not Path(opt.resume).exists():
            raise CheckpointNotFoundError(f"--resume {opt.resume}: checkpoint not found")
        resume_ckpt = read_resumable_checkpoint(opt.resume, "cpu")  # before any data: say what the file is now
    if init_from and not Path(init_from).exists():
        raise CheckpointNotFoundError(f"--init_from {init_from}: no such checkpoint or directory")
    folder = Path(opt.folder)
    check_run_folder(folder, opt.resume, getattr(opt, "overwrite", False))
    info, device = distributed.setup(device)
    removed = prepare_run_folder(folder, opt.resume) if info.is_main else []
    distributed.barrier(info)
    log = make_text_logger(folder, info.rank)
    if removed:
        log.info(f"removed {len(removed)} file(s) of an earlier run or of killed saves: "
                 + ", ".join(p.name for p in removed[:8]) + (" ..." if len(removed) > 8 else ""))
    seed_everything(opt.seed + info.rank)

    datasets = get_datasets(opt)
    if init_from:
        try:
            model = build_model_from_init(init_from, opt, device)
        except CheckpointMismatchError as err:  # the message names --init_from and the keys
            raise CheckpointMismatchError(f"{err}\n(a fine-tuning run keeps the checkpoint's loss modules: use its "
                                          "--clip_text_losses)") from None
        if abs(model.fps - datasets["train"].fps) > 1e-6:
            raise ValueError(f"--init_from {init_from}: the model was trained at {model.fps:g} fps but the data is "
                             f"at {datasets['train'].fps:g} fps")
        log.info(f"initialised from {init_from} (its architecture and feature statistics; model options of the "
                 "command line other than loss weights, dropouts and --decoder_fourier are ignored)")
    else:
        config = ModelConfig.from_options(vars(opt), fps=datasets["train"].fps)
        backbones = load_backbones(config, device, clip_path, with_image=True)
        model = build_model(config, datasets["train"].stats, backbones, device)
    if model.losses.needs().image:
        log.info(f"--clip_image_losses {'_'.join(model.losses.clip_image_lambdas)}: the motion latent is aligned "
                 f"with CLIP's embedding of one rendered frame per motion ({model.image_backbone.extra_repr()})")
    if getattr(opt, "freeze", "none") == "motion":
        model.freeze_motion()
        log.info("--freeze motion: the motion encoder and decoder stay fixed; training the text side")
    if getattr(opt, "kan_compile", False):
        log.info(f"--kan_compile: {compile_kan_layers(model)} KAN layers run through torch.compile")
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=opt.lr,
                                  weight_decay=opt.weight_decay)
    loader_generator = torch.Generator().manual_seed(opt.seed + info.rank)
    train_loader = make_loader(datasets["train"], opt, shuffle=True, info=info, generator=loader_generator)
    if len(train_loader) == 0:
        raise BadInputError(f"--batch_size {opt.batch_size} is larger than the training set "
                         f"({len(datasets['train'])} sequences); lower it")
    scheduler = make_scheduler(optimizer, opt, len(train_loader))
    start_epoch = 1
    if opt.resume:
        try:
            _, ckpt = load_checkpoint(opt.resume, model, device=device, strict=True, ckpt=resume_ckpt)
        except CheckpointMismatchError as err:
            raise CheckpointMismatchError(f"--resume {opt.resume}: {err}\n(resume with the options the checkpoint "
                                          "was trained with; they are in its opt.yaml)") from None
        optimizer.load_state_dict(ckpt["optimizer"])
        scheduler.load_state_dict(ckpt["scheduler"])
        start_epoch = int(ckpt["epoch"]) + 1
        log.info(f"resumed from {opt.resume} at epoch {start_epoch}")
        saved_rng = rng_state.for_rank(ckpt.get("rng"), info)
        if saved_rng is not None:  # the next epoch draws what it would have drawn without the interruption
            rng_state.restore(saved_rng, loader_generator)
        else:
            log.warning(f"{opt.resume} holds no random-generator states for {info.world_size} process(es) (an older "
                        "checkpoint, or another number of processes): the resumed run is reseeded from --seed and "
                        "will not repeat the uninterrupted run exactly")
        if start_epoch > opt.num_epochs:
            log.warning(f"the checkpoint already has {start_epoch - 1} epochs (--num_epochs {opt.num_epochs}): "
                        "nothing to train; raise --num_epochs to continue")
    if info.is_main:
        write_text_atomic(folder / "opt.yaml", yaml.safe_dump(_plain(vars(opt)), sort_keys=True))
        log.info(f"device {device}, world size {info.world_size}, {len(datasets['train'])} training sequences, "
                 f"{sum(p.numel() for p in model.parameters() if p.requires_grad) / 1e6:.2f} M trainable parameters")
        if model.use_vertices and not getattr(model.body_model, "has_vertices", False):
            log.warning("--jointstype vertices: the body model has no mesh (no SMPL file under models/smpl, or "
                        "--pose_rep xyz); the rcxyz/velxyz losses use the 22 joints instead")
    wrapped = LossWrapper(model)
    if info.enabled:
        wrapped = nn.parallel.DistributedDataParallel(
            wrapped, device_ids=[device.index] if device.type == "cuda" else None, find_unused_parameters=True)
    losses = LossLog(folder, opt.tensorboard, opt.wandb_project, opt.expname, vars(opt)) if info.is_main else None
    use_bf16 = opt.bf16 and device.type == "cuda"
    last = None
    for epoch in range(start_epoch, opt.num_epochs + 1):
        if hasattr(train_loader.sampler, "set_epoch"):
            train_loader.sampler.set_epoch(epoch)
        # The frozen text features of a caption differ in the last bits with the captions it was
        # batched with; starting each epoch with an empty cache makes them depend on this epoch's
        # batches only, so a resumed run computes what the uninterrupted one did (the built-in
        # data's few hundred captions are encoded again in the first steps; rewordings never repeat).
        if hasattr(getattr(model, "text_backbone", None), "clear_cache"):
            model.text_backbone.clear_cache()
        model.train()
        sums, count, started = {}, 0, time.time()
        bar = tqdm(train_loader, desc=f"epoch {epoch}", disable=not (info.is_main and sys.stderr.isatty()), leave=False)
        for batch in bar:
            batch = batch_to_device(batch, device, non_blocking=True)
            with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=use_bf16):
                loss, logs = wrapped(batch)
            if not torch.isfinite(loss):
                raise FloatingPointError(f"epoch {epoch}: loss is {loss.item()}; logs {logs}")
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if opt.grad_clip > 0:
                nn.utils.clip_grad_norm_(model.parameters(), opt.grad_clip)
            optimizer.step()
            scheduler.step()
            for key, value in logs.items():
                sums[key] = sums.get(key, 0.0) + float(value)
            count += 1
            bar.set_postfix(loss=f"{loss.item():.4f}")
        seconds = time.time() - started
        train_logs = distributed.average({f"train/{k}": v / max(count, 1) for k, v in sums.items()}, info, device)
        train_logs["train/samples_per_s"] = count * opt.batch_size * info.world_size / max(seconds, 1e-9)
        train_logs["lr"] = scheduler.get_last_lr()[0]
        if info.is_main:
            val_logs = validate(model, datasets.get("val"), opt, device) if datasets.get("val") is not None else {}
            logs = {**train_logs, **val_logs}
            losses.log(epoch, logs)
            log.info(f"epoch {epoch}/{opt.num_epochs} " + " ".join(f"{k}={v:.4g}" for k, v in sorted(logs.items())))
        if epoch % opt.snapshot == 0 or epoch == opt.num_epochs:
            # after validation, which draws on the main process too: a resumed run starts from these states
            states = rng_state.gather(rng_state.capture(loader_generator), info)
            if info.is_main:
                last = folder / f"checkpoint_{epoch:04d}.pth.tar"
                save_checkpoint(last, model, optimizer, scheduler, epoch, vars(opt),
                                extra={"seed": opt.seed, "world_size": info.world_size}, rng=states)
                log.info(f"saved {last}")
        distributed.barrier(info)
    if losses is not None:
        losses.close()
    distributed.teardown(info)
    return last


def _plain(options: dict) -> dict:
    """Options as YAML-safe values (paths and tuples become strings and lists)."""
    out = {}
    for key, value in options.items():
        if isinstance(value, Path):
            value = str(value)
        elif isinstance(value, tuple):
            value = list(value)
        out[key] = value
    return out
