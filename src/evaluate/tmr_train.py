"""Training the independent evaluator (``src.evaluate.tmr``) for ``python -m prepare.train_evaluator``.

Training windows are drawn as the models' training draws them (random lengths, action starts,
mirroring), as joint positions (``--pose_rep xyz`` of the dataset); captions are not reworded,
so the frozen text backbone encodes each distinct caption once. After each epoch the val split's
deterministic windows give R-precision top-1 (batches of 32, texts as rows; smaller batches on a
val split of fewer than 32 windows), and the best epoch so far is written at once, so a run
stopped by ``--max_minutes`` (or killed) leaves its best evaluator behind (``--select last``: the
latest epoch instead, for data whose val split cannot judge, such as the quick built-in data,
whose val actions training never sees). The test split is never read.
"""

import logging
import time
from pathlib import Path

import torch

from src.datasets.get_dataset import get_datasets, make_dataloader
from src.evaluate import tmr
from src.models.backbones import load_text_backbone
from src.runtime import seed_everything
from src.utils.fileio import atomic_path

logger = logging.getLogger(__name__)
STATS_BATCHES = 40  # training batches the normalisation statistics are taken from
STD_FLOOR = 1e-2  # channels that barely vary (heights of a still root) are not blown up


def _windows(dataset, batch_size: int, train: bool, generator=None):
    """Batches of (joints (B, T, 22, 3), mask (B, T), captions) of an ``xyz`` dataset."""
    for batch in make_dataloader(dataset, batch_size, train=train, generator=generator):
        yield batch["x"], batch["mask"], batch["text"]


def feature_stats(dataset, fps: float, batch_size: int, seed: int):
    """(FEATURES,) mean and std of ``tmr.joint_features`` over up to ``STATS_BATCHES`` training batches."""
    total = torch.zeros(tmr.FEATURES, dtype=torch.float64)
    total_sq, count = torch.zeros_like(total), 0
    for i, (x, mask, _) in enumerate(_windows(dataset, batch_size, True, torch.Generator().manual_seed(seed))):
        if i == STATS_BATCHES:
            break
        feats = tmr.joint_features(x, mask, fps)[mask].double()  # (frames, FEATURES)
        total += feats.sum(0)
        total_sq += (feats * feats).sum(0)
        count += len(feats)
    mean = total / count
    std = (total_sq / count - mean * mean).clamp_min(0).sqrt().clamp_min(STD_FLOOR)
    return mean.float(), std.float()


def validation_score(evaluator, val_data) -> dict:
    """R-precision top-1/2/3 and MM-Dist of the val windows (texts as rows)."""
    clips, texts = val_data
    return tmr.retrieval_check(evaluator, clips, texts, batch=min(32, len(texts)))


def train_evaluator(opt, command: str) -> dict:
    """Train an evaluator as ``opt`` says (``src.parser.evaluation.train_evaluator_parser``), writing
    the best epoch's file to ``opt.output``.

    Returns:
        the training record stored in the file ("best_epoch", "val", "epochs", "wall_s", ...).
    """
    seed_everything(opt.seed)
    device = torch.device(opt.device)
    data_opt = dict(dataset=opt.dataset, datapath=opt.datapath, pose_rep="xyz", num_frames=opt.num_frames,
                    min_len=opt.min_len, max_len=opt.max_len, mirror_prob=opt.mirror_prob,
                    action_start_prob=opt.action_start_prob, caption_augment=0.0, num_workers=0)
    datasets = get_datasets(data_opt, splits=("train", "val"), with_stats=False)
    train_set, val_set = datasets["train"], datasets["val"]
    if val_set is None:
        raise ValueError(f"{opt.datapath}: the evaluator needs a val split to choose its epoch")
    fps = train_set.fps
    backbone = load_text_backbone(opt.text_backbone, device)
    mean, std = feature_stats(train_set, fps, opt.batch_size, opt.seed)
    cfg = {**tmr.DEFAULT_CONFIG, **{k: getattr(opt, k) for k in ("latent_dim", "model_dim", "num_layers",
                                                                  "text_layers", "text_backbone")},
           "fps": fps, "token_dim": backbone.token_dim}
    evaluator = tmr.MotionTextEvaluator(cfg, backbone, mean, std).to(device)
    optimizer = torch.optim.AdamW([p for p in evaluator.parameters() if p.requires_grad], lr=opt.lr, weight_decay=1e-4)
    val_data = ([], [])
    for x, mask, texts in _windows(val_set, 256, False):
        val_data[0].extend(tmr.clips_from_batch(x, mask))
        val_data[1].extend(texts)
    record = {"dataset": opt.dataset, "datapath": str(opt.datapath), "seed": opt.seed, "command": command,
              "windows": {k: data_opt[k] for k in ("num_frames", "min_len", "max_len", "mirror_prob",
                                                    "action_start_prob")},
              "train_sequences": len(train_set), "val_windows": len(val_data[1]),
              "selection": "val R-precision top1" if opt.select == "val" else "last epoch"}
    start, best, epoch = time.monotonic(), None, 0
    generator = torch.Generator().manual_seed(opt.seed)
    out_of_time, steps = False, 0
    for epoch in range(1, opt.num_epochs + 1):
        evaluator.train()
        losses = []
        for x, mask, texts in _windows(train_set, opt.batch_size, True, generator):
            x, mask = x.to(device), mask.to(device)
            loss = evaluator.contrastive_loss(evaluator.encode_texts(texts), evaluator.encode_joints(x, mask), texts)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(evaluator.parameters(), 1.0)
            optimizer.step()
            losses.append(loss.item())
            steps += 1
            out_of_time = opt.max_minutes > 0 and time.monotonic() - start > 60 * opt.max_minutes
            if out_of_time:
                break
        val = validation_score(evaluator, val_data)
        wall = time.monotonic() - start
        logger.info("epoch %d (%d steps): loss %.4f, val R-precision top1 %.3f top3 %.3f, %.0f s", epoch, steps,
                    sum(losses) / max(1, len(losses)), val["top1"], val["top3"], wall)
        if best is None or opt.select == "last" or val["top1"] > best["val"]["top1"]:
            best = {"best_epoch": epoch, "val": val, "train_loss": sum(losses) / max(1, len(losses))}
            tmr.save(opt.output, evaluator, {**record, **best, "epochs": epoch, "steps": steps,
                                             "wall_s": round(wall, 1)})
        if out_of_time:
            logger.info("stopped by --max_minutes %g in epoch %d", opt.max_minutes, epoch)
            break
    final = {**record, **best, "epochs": epoch, "steps": steps, "wall_s": round(time.monotonic() - start, 1)}
    # the best epoch's file again, now recording how long the whole run went
    stored = torch.load(opt.output, map_location="cpu", weights_only=True)
    stored["config"]["trained"] = final
    with atomic_path(Path(opt.output)) as tmp:
        torch.save(stored, tmp)
    return final
