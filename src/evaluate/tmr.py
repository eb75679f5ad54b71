"""The independent evaluator: a TMR-style motion-text retrieval model that judges any model's motions.

Issue 14 item 2. A model judged only by its own encoders rewards itself for agreeing with itself,
and two models (KAN vs linear, any ``--pose_rep``) cannot be compared in one space. The evaluator
is trained separately (``python -m prepare.train_evaluator``, on the train split; the val split
picks the epoch), with its own seed, and reads **joint positions**, never a model's features:

* input: a motion as joint positions ``(T, 22, 3)`` in metres, Y up, SMPL joint order (``src.config``
  conventions), at any frame rate: ``embed_clips`` canonicalises every clip (``src.motion.clip_from_joints``:
  floor at 0, frame-0 root at x = z = 0 facing +Z) and resamples it to the evaluator's ``fps``, so
  a generated motion needs no other preparation. Training reads the dataset's canonical windows
  (``--pose_rep xyz``) directly.
* frame features (``joint_features``, ``FEATURES`` = 132 channels): the 22 joints relative to the
  root's ground point (root x, z subtracted, heights kept; 66) and the 22 joints' velocities in
  m/s (forward difference, the last frame repeats the one before; 66), normalised with the
  train split's mean and std stored in the file.
* motion encoder: a linear projection, a learned summary token, sinusoidal frame positions, a
  small Transformer encoder; the summary token's output projected to ``latent_dim`` and
  L2-normalised.
* text encoder: the frozen MiniLM token features (``src.models.backbones``; never trained or saved)
  through the same kind of small Transformer, its summary token projected and normalised.
* training: symmetric InfoNCE over a batch (temperature ``temperature``), a pair of identical
  captions not counted as a negative.

Embeddings are unit vectors, so the Euclidean distances of FID, MM-Dist, Diversity and
R-precision are monotone in the cosine similarity the evaluator was trained on (R-precision's
ranking is the same as cosine's). The file (``save`` / ``load``) holds ``FORMAT``, the config,
the normalisation statistics, the float16 weights and a record of how it was trained; ``load``
rebuilds the model from it alone and loads the weights strictly.
"""

from pathlib import Path
from typing import List, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from src import config
from src.errors import ModelFilesError
from src.metrics.distribution import r_precision
from src.models.architectures.blocks import sinusoidal_encoding
from src.motion import clip_from_joints, resample_clip
from src.utils.fileio import atomic_path
from src.utils.geometry import canonicalize_joints

FORMAT = "smog-evaluator-v1"
NUM_JOINTS = config.NUM_BODY_JOINTS
FEATURES = 2 * NUM_JOINTS * 3  # positions about the root's ground point, then velocities
DEFAULT_CONFIG = dict(latent_dim=256, model_dim=128, num_layers=3, text_layers=1, num_heads=4, ff_size=256,
                      dropout=0.1, temperature=0.1, text_backbone="minilm")


class EvaluatorLoadError(ModelFilesError):
    """An evaluator file that is missing, of another kind, or whose weights do not fit its config."""


def joint_features(joints: torch.Tensor, mask: torch.Tensor, fps: float) -> torch.Tensor:
    """(B, T, 22, 3) canonical joints, (B, T) bool mask -> (B, T, FEATURES) raw frame features
    (module docstring), zero on padded frames."""
    assert joints.dim() == 4 and joints.shape[2:] == (NUM_JOINTS, 3), joints.shape
    ground = joints[:, :, :1, :] * joints.new_tensor([1.0, 0.0, 1.0])  # (B, T, 1, 3) root x, z
    positions = joints - ground
    lengths = mask.sum(1)  # (B,)
    velocity = torch.zeros_like(joints)
    velocity[:, :-1] = (joints[:, 1:] - joints[:, :-1]) * fps
    # the last real frame repeats the velocity before it (a one-frame clip has none)
    last = (lengths - 1).clamp_min(0)
    before = (lengths - 2).clamp_min(0)
    rows = torch.arange(len(joints), device=joints.device)
    velocity[rows, last] = torch.where((lengths >= 2)[:, None, None], velocity[rows, before],
                                       torch.zeros_like(velocity[:, 0]))
    out = torch.cat([positions.flatten(2), velocity.flatten(2)], dim=-1)  # (B, T, 132)
    return out * mask[..., None]


class SequenceEncoder(nn.Module):
    """A summary token over a sequence of vectors, by a small Transformer encoder.

    Args:
        in_dim: channels of each sequence element; model_dim, num_layers, num_heads, ff_size,
            dropout: the Transformer's; latent_dim: width of the (unit-length) output.
    """

    def __init__(self, in_dim: int, model_dim: int, num_layers: int, num_heads: int, ff_size: int, dropout: float,
                 latent_dim: int):
        super().__init__()
        self.in_dim, self.model_dim = in_dim, model_dim
        self.projection = nn.Linear(in_dim, model_dim)
        self.summary = nn.Parameter(torch.randn(model_dim) * 0.02)
        layer = nn.TransformerEncoderLayer(model_dim, num_heads, dim_feedforward=ff_size, dropout=dropout,
                                           activation="gelu", batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers, enable_nested_tensor=False)
        self.head = nn.Sequential(nn.LayerNorm(model_dim), nn.Linear(model_dim, latent_dim))

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """x: (B, L, in_dim), mask: (B, L) bool, True = real -> (B, latent_dim) unit vectors."""
        assert x.dim() == 3 and x.size(-1) == self.in_dim and mask.shape == x.shape[:2], (x.shape, mask.shape)
        h = self.projection(x.masked_fill(~mask[..., None], 0.0))  # (B, L, D)
        h = torch.cat([self.summary.expand(len(h), 1, -1), h], dim=1)  # (B, 1 + L, D)
        h = h + sinusoidal_encoding(torch.arange(h.size(1), device=h.device), self.model_dim)
        padding = torch.cat([mask.new_zeros(len(h), 1), ~mask], dim=1)  # nn.Transformer: True = ignore
        h = self.encoder(h, src_key_padding_mask=padding)
        return F.normalize(self.head(h[:, 0]), dim=-1)


class MotionTextEvaluator(nn.Module):
    """A motion encoder and a text encoder with one shared unit-sphere space.

    Args:
        cfg: ``DEFAULT_CONFIG``'s keys plus ``fps`` and ``token_dim`` (the backbone's token width).
        text_backbone: the frozen text backbone (``encode_tokens``), injected, never saved.
        mean, std: (FEATURES,) normalisation of ``joint_features`` (train split).
    """

    def __init__(self, cfg: dict, text_backbone, mean: torch.Tensor, std: torch.Tensor):
        super().__init__()
        self.cfg = dict(cfg)
        self.fps = float(cfg["fps"])
        self.text_backbone = text_backbone  # a FrozenModel: no parameters, nothing in the state_dict
        self.register_buffer("mean", mean.float().reshape(FEATURES))
        self.register_buffer("std", std.float().reshape(FEATURES))
        shared = dict(model_dim=cfg["model_dim"], num_heads=cfg["num_heads"], ff_size=cfg["ff_size"],
                      dropout=cfg["dropout"], latent_dim=cfg["latent_dim"])
        self.motion_encoder = SequenceEncoder(FEATURES, num_layers=cfg["num_layers"], **shared)
        self.text_encoder = SequenceEncoder(cfg["token_dim"], num_layers=cfg["text_layers"], **shared)

    @property
    def device(self) -> torch.device:
        return self.mean.device

    def encode_joints(self, joints: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """(B, T, 22, 3) canonical joints at ``fps``, (B, T) mask -> (B, latent_dim) unit vectors."""
        x = (joint_features(joints, mask, self.fps) - self.mean) / self.std
        return self.motion_encoder(x, mask)

    def encode_texts(self, texts: Sequence[str]) -> torch.Tensor:
        """N captions -> (N, latent_dim) unit vectors."""
        tokens, mask = self.text_backbone.encode_tokens(list(texts))
        return self.text_encoder(tokens.to(self.device), mask.to(self.device))

    @torch.no_grad()
    def embed_clips(self, clips: Sequence[np.ndarray], fps: Optional[float] = None,
                    batch_size: int = 64) -> torch.Tensor:
        """Clips (T_i, 22, 3) of joint positions in metres, Y up, any placement (each is canonicalised)
        at ``fps`` (default the evaluator's; another rate is resampled to it, ``src.motion``)
        -> (N, latent_dim) float32 CPU embeddings, ``batch_size`` clips per call."""
        fps = self.fps if fps is None else float(fps)
        out = []
        for start in range(0, len(clips), batch_size):
            chunk = [torch.as_tensor(np.asarray(joints), dtype=torch.float32) for joints in clips[start:start + batch_size]]
            if abs(fps - self.fps) > 1e-9:
                chunk = [torch.from_numpy(resample_clip(clip_from_joints(joints, fps), self.fps,
                                                        config.resampled_num_frames(len(joints), fps, self.fps)).joints)
                         for joints in chunk]
            lengths = torch.tensor([len(c) for c in chunk])
            mask = torch.arange(int(lengths.max())) < lengths[:, None]
            out.append(self.embed_joints(nn.utils.rnn.pad_sequence(chunk, batch_first=True), mask))
        return torch.cat(out) if out else torch.zeros(0, self.cfg["latent_dim"])

    @torch.no_grad()
    def embed_joints(self, joints: torch.Tensor, mask: torch.Tensor, batch_size: int = 64) -> torch.Tensor:
        """A padded batch of joint positions at the evaluator's fps, as models decode them, without a
        list of clips in between.

        Args:
            joints: (B, T, 22, 3) metres, Y up, any placement (each clip is canonicalised).
            mask: (B, T) bool, True at real frames (each clip's frames first).
        Returns:
            (B, latent_dim) float32 CPU embeddings, ``batch_size`` clips per call.
        """
        assert joints.dim() == 4 and joints.shape[2:] == (NUM_JOINTS, 3) and mask.shape == joints.shape[:2], \
            (joints.shape, mask.shape)
        self.eval()
        out = []
        for start in range(0, len(joints), batch_size):
            part, part_mask = joints[start:start + batch_size].float(), mask[start:start + batch_size]
            canonical = canonicalize_joints(part, part_mask).to(self.device)
            out.append(self.encode_joints(canonical, part_mask.to(self.device)).float().cpu())
        return torch.cat(out) if out else torch.zeros(0, self.cfg["latent_dim"])

    @torch.no_grad()
    def embed_texts(self, texts: Sequence[str], batch_size: int = 256) -> torch.Tensor:
        """N captions -> (N, latent_dim) float32 CPU embeddings."""
        self.eval()
        return torch.cat([self.encode_texts(texts[s:s + batch_size]).float().cpu()
                          for s in range(0, len(texts), batch_size)])

    def contrastive_loss(self, text_emb: torch.Tensor, motion_emb: torch.Tensor, texts: Sequence[str]) -> torch.Tensor:
        """Symmetric InfoNCE of (B, latent_dim) pairs; another pair with the same caption is no negative."""
        logits = text_emb @ motion_emb.T / self.cfg["temperature"]  # (B, B): row = text, column = motion
        index = {t: i for i, t in enumerate(texts)}
        ids = torch.tensor([index[t] for t in texts], device=logits.device)
        same = (ids[:, None] == ids[None, :]) & ~torch.eye(len(ids), dtype=torch.bool, device=logits.device)
        logits = logits.masked_fill(same, float("-inf"))
        target = torch.arange(len(ids), device=logits.device)
        return 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target))

    def describe(self) -> str:
        """One line: what this evaluator is (for reports)."""
        info = self.cfg.get("trained", {})
        return (f"TMR-style evaluator, {self.cfg['latent_dim']}-d, {self.fps:g} fps, trained on "
                f"{info.get('dataset', '?')} {info.get('datapath', '')} (train split, seed {info.get('seed', '?')})")


def save(path, evaluator: MotionTextEvaluator, record: dict) -> Path:
    """Write the self-describing evaluator file (floating weights as float16) atomically."""
    state = {k: (v.half() if v.is_floating_point() and k not in ("mean", "std") else v).cpu()
             for k, v in evaluator.state_dict().items()}
    cfg = {**evaluator.cfg, "trained": record}
    path = Path(path)
    with atomic_path(path) as tmp:
        torch.save({"format": FORMAT, "config": cfg, "state_dict": state}, tmp)
    return path


def load(path, device="cpu", text_backbone=None) -> MotionTextEvaluator:
    """Rebuild an evaluator from its file alone (strict load, float32).

    Args:
        path: a file written by ``save`` (``python -m prepare.train_evaluator``).
        text_backbone: the frozen backbone to use (default: the one the file names, loaded once).
    Raises:
        EvaluatorLoadError: the file is missing, not an evaluator file, or its weights do not fit.
    """
    path = Path(path)
    if not path.is_file():
        raise EvaluatorLoadError(f"evaluator file not found: {path}")
    try:
        stored = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # pickles of another kind, truncated files
        raise EvaluatorLoadError(f"{path} is not a readable evaluator file ({type(err).__name__}: {err})") from None
    if not isinstance(stored, dict) or stored.get("format") != FORMAT:
        found = stored.get("format", "no 'format' entry") if isinstance(stored, dict) else type(stored).__name__
        raise EvaluatorLoadError(f"{path} is not a SMoG evaluator file (expected format {FORMAT!r}, found {found!r}; "
                                 "a model checkpoint is not an evaluator: make one with "
                                 "python -m prepare.train_evaluator)")
    cfg, state = stored["config"], stored["state_dict"]
    if text_backbone is None:
        from src.models.backbones import load_text_backbone

        try:
            text_backbone = load_text_backbone(cfg["text_backbone"], device)
        except (ValueError, OSError, ImportError) as err:
            raise EvaluatorLoadError(f"{path}: its text backbone {cfg['text_backbone']!r} cannot be loaded: "
                                     f"{err}") from None
    evaluator = MotionTextEvaluator(cfg, text_backbone, torch.zeros(FEATURES), torch.ones(FEATURES))
    try:
        evaluator.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()}, strict=True)
    except RuntimeError as err:
        raise EvaluatorLoadError(f"{path}: weights do not fit its config: {err}") from None
    return evaluator.to(device).eval()


def clips_from_batch(x: torch.Tensor, mask: torch.Tensor) -> List[torch.Tensor]:
    """A padded batch of joints (B, T, 22, 3) (``xyz`` dataset windows, decoded motions) and its (B, T)
    mask -> B tensors (T_i, 22, 3)."""
    return [x[i, :n] for i, n in enumerate(mask.sum(1).tolist())]


def retrieval_check(evaluator: MotionTextEvaluator, clips: Sequence, texts: Sequence[str], seed: int = 0,
                    batch: int = 32) -> dict:
    """R-precision top-1/2/3 and MM-Dist (batches of ``batch``, 32 in the protocol; texts as rows,
    SPEC §4) of caption-motion pairs; clips (T_i, 22, 3) at the evaluator's fps."""
    return r_precision(evaluator.embed_texts(list(texts)), evaluator.embed_clips(list(clips)), batch=batch,
                       seed=seed)
