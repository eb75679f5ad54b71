"""Training of the latent diffusion prior (``python -m src.train.train_prior``): the model is frozen,
its motion latents are encoded once and cached, then the prior learns them given caption and length.

    latents = cache_latents(model, dataset, passes=8)          # {"latent", "length", "caption"}
    text = caption_features(model, latents["caption"])         # (N, D) by caption, computed once each
    train = {"latent": latents["latent"], "length": latents["length"], "text": text}
    history = fit_prior(prior, train, val, opt, log)           # loss lines (val alike, or None)
"""

import copy
import csv
import time
from pathlib import Path
from typing import Callable, Dict, List, Sequence

import torch
from torch.utils.data import WeightedRandomSampler

from src.datasets.get_dataset import make_dataloader
from src.models.prior import LatentPrior
from src.train.trainer import warmup_cosine
from src.utils.fileio import atomic_path

# The validation loss is measured at these diffusion steps, with fixed noise, so lines compare.
VALIDATION_STEPS = (50, 250, 500, 750, 950)


@torch.no_grad()
def cache_latents(model, dataset, passes: int, batch_size: int = 128, log: Callable = print,
                  min_coverage: float = 0.0) -> Dict[str, object]:
    """Encode ``passes`` draws of every window of ``dataset`` with the frozen motion encoder.

    Args:
        model: the ``SMoGModel`` (eval mode).
        dataset: a ``WindowedTextDataset`` (training windows: random crops, mirroring and captions
            drawn anew each pass, from torch's global generator). With an action emphasis
            (``--emphasize_actions``) each pass draws as many sequences with replacement, by their
            emphasis, as training does.
        passes: how many times each sequence is drawn (on average, with an emphasis).
        min_coverage: keep only windows whose caption describes at least this share of their frames
            (``caption_coverage``): a window named after a still that runs into the jog after it
            would teach the prior that standing still may mean jogging away.
    Returns:
        {"latent": (N, D) float32 decoder latents, "length": (N,) frames, "caption": N captions}.
    """
    latents, lengths, captions, seen = [], [], [], 0
    start = time.time()
    weights = dataset.sampling_weights(by_length=False)
    for k in range(passes):
        sampler = None if weights is None else WeightedRandomSampler(weights, len(dataset), replacement=True)
        for batch in make_dataloader(dataset, batch_size, train=False, sampler=sampler):
            keep = batch["caption_coverage"] >= min_coverage
            if not keep.any():
                continue
            x, mask = batch["x"][keep].to(model.device), batch["mask"][keep].to(model.device)
            latents.append(model.encode_motion(x, mask)["latent"].float().cpu())
            lengths.append(batch["lengths"][keep])
            captions += [text for text, kept in zip(batch["text"], keep.tolist()) if kept]
            seen += len(keep)
        log(f"latents: pass {k + 1}/{passes}, {len(captions)} of {seen} windows kept (caption coverage >= "
            f"{min_coverage:g}) and encoded ({time.time() - start:.0f} s)")
    return {"latent": torch.cat(latents), "length": torch.cat(lengths), "caption": captions}


@torch.no_grad()
def caption_features(model, captions: Sequence[str], batch_size: int = 256) -> torch.Tensor:
    """(N, D) the prior's text condition of each caption, each distinct caption encoded once."""
    unique = sorted(set(captions))
    index = {c: i for i, c in enumerate(unique)}
    features = torch.cat([model.prior_text_features(unique[i:i + batch_size]).float().cpu()
                          for i in range(0, len(unique), batch_size)])
    backbone = getattr(model, "text_backbone", None)
    if hasattr(backbone, "clear_cache"):
        backbone.clear_cache()  # training captions repeat; these were encoded once, keep no cache
    return features[torch.tensor([index[c] for c in captions])]


@torch.no_grad()
def validation_loss(prior: LatentPrior, data: Dict[str, torch.Tensor], seed: int = 0) -> float:
    """Mean denoising loss on held-out latents at ``VALIDATION_STEPS`` with fixed noise (no caption dropout)."""
    generator = torch.Generator().manual_seed(seed)
    device = prior.null_text.device
    latents, text, lengths = (data[k].to(device) for k in ("latent", "text", "length"))
    losses = []
    for step in VALIDATION_STEPS:
        noise = torch.randn(latents.shape, generator=generator).to(device)
        steps = torch.full((len(latents),), step, dtype=torch.long, device=device)
        losses.append(float(prior.loss(latents, text, lengths, steps=steps, noise=noise, drop_captions=False)))
    return sum(losses) / len(losses)


def fit_prior(prior: LatentPrior, train: Dict[str, torch.Tensor], val: Dict[str, torch.Tensor], opt,
              log: Callable = print) -> List[dict]:
    """Train ``prior`` in place on cached latents; with ``opt.ema`` its weights end as their moving average.

    Args:
        train, val: {"latent": (N, D), "text": (N, D), "length": (N,)} (val may be None).
        opt: ``num_steps``, ``batch_size``, ``lr``, ``warmup_steps``, ``ema``, ``log_every``, ``seed``.
    Returns:
        one dict per logged step: step, train loss (mean since the last line), val loss, lr, seconds.
    """
    device = prior.null_text.device
    generator = torch.Generator().manual_seed(opt.seed)
    device_generator = torch.Generator(device=device).manual_seed(opt.seed + 1)
    optimizer = torch.optim.AdamW(prior.parameters(), lr=opt.lr, weight_decay=0.0)
    scheduler = warmup_cosine(optimizer, opt.warmup_steps, opt.num_steps)
    ema = copy.deepcopy(prior).eval() if opt.ema > 0 else None
    history, running, start, n = [], 0.0, time.time(), len(train["latent"])
    prior.train()
    for step in range(1, opt.num_steps + 1):
        index = torch.randint(0, n, (min(opt.batch_size, n),), generator=generator)
        loss = prior.loss(train["latent"][index].to(device), train["text"][index].to(device),
                          train["length"][index].to(device), generator=device_generator)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(prior.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        if ema is not None:
            with torch.no_grad():
                for averaged, current in zip(ema.parameters(), prior.parameters()):
                    averaged.lerp_(current, 1.0 - opt.ema)
        running += loss.item()
        if step % opt.log_every == 0 or step == opt.num_steps:
            since = step - (history[-1]["step"] if history else 0)
            judged = ema if ema is not None else prior
            row = {"step": step, "train": running / since,
                   "val": validation_loss(judged.eval(), val) if val is not None else float("nan"),
                   "lr": scheduler.get_last_lr()[0], "seconds": round(time.time() - start, 1)}
            prior.train()
            history.append(row)
            running = 0.0
            log(f"step {step}/{opt.num_steps}: train {row['train']:.4f}, val {row['val']:.4f}, "
                f"lr {row['lr']:.2e}, {row['seconds']:.0f} s")
    if ema is not None:
        prior.load_state_dict(ema.state_dict())
    return history


def write_history(path: Path, history: List[dict]) -> None:
    """The loss lines as CSV (written atomically)."""
    with atomic_path(Path(path)) as tmp, open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["step", "train", "val", "lr", "seconds"])
        writer.writeheader()
        writer.writerows(history)
