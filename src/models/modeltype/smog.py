"""SMoG: a Transformer motion autoencoder (KAN at chosen places) with a text encoder into
its latent space (SPEC §3; TEMOS/TMR text side).

Features are ``(B, T, J, C)`` raw values as the datasets give them (``src.utils.features``);
masks ``(B, T)`` bool, True = real frame. The model normalises with the training-set
mean/std it stores as buffers, and returns raw features again.
"""

import math
from typing import Optional, Sequence

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from src import config as conventions
from src.models.architectures.kan import KANLayer
from src.utils import features as feature_utils

LATENT_NORMS = ("layernorm", "l2", "none")
TEXT_CONDITIONINGS = ("learned", "frozen")
STD_EPS = 1e-4  # channels with a smaller std (constant ones, e.g. the zero padding of the translation row) keep std 1


def lengths_to_mask(lengths: torch.Tensor, num_frames: Optional[int] = None) -> torch.Tensor:
    """(B,) lengths -> (B, T) bool, True for the first ``length`` frames; T = max length by default."""
    num_frames = int(lengths.max()) if num_frames is None else num_frames
    return torch.arange(num_frames, device=lengths.device)[None, :] < lengths[:, None]


class SMoG(nn.Module):
    """Text-to-motion model: motion autoencoder plus text encoder into the same latent space.

    Args:
        motion_encoder: ``MotionEncoder``: (B, T, J*C) normalised features -> mu (, logvar).
        motion_decoder: ``MotionDecoder``: (B, D) latent + (B, T) mask -> (B, T, J*C) normalised features.
        text_encoder: ``TextTransformerEncoder`` over the backbone's token features
            (``text_conditioning="learned"``) or ``PooledTextProjection`` of its pooled embedding
            (``"frozen"``, the original SMoG); either returns {"mu", "logvar"}.
        losses: ``SMoGLosses`` (holds the loss weights and the learnable logit scale).
        config: the flat model configuration this model was built from
            (``src.models.get_model.model_config_from_opt``); saved with the weights.
        mean, std: (J, C) feature statistics of the training set (None: 0 and 1).
        body_model: forward-kinematics module (``load_body_model``); needed by ``joints`` and
            the rcxyz / velxyz losses of rotation features.
        text_backbone: the frozen text backbone (``get_text_backbone``); never saved; loaded
            by ``config["text_backbone"]`` on first use when not given.
        image_backbone: the frozen CLIP image tower (``load_clip_image``) of the optional image
            alignment; never saved; loaded from the default places on first use when not given.
    """

    def __init__(self, motion_encoder: nn.Module, motion_decoder: nn.Module, text_encoder: nn.Module,
                 losses: nn.Module, config: dict, mean: Optional[torch.Tensor] = None,
                 std: Optional[torch.Tensor] = None, body_model: Optional[nn.Module] = None,
                 text_backbone=None, image_backbone=None):
        super().__init__()
        self.config = dict(config)
        self.pose_rep = config["pose_rep"]
        self.translation = bool(config["translation"])
        self.feature_shape = tuple(feature_utils.feature_shape(self.pose_rep, self.translation))
        assert self.feature_shape == (config["njoints"], config["nfeats"]), (self.feature_shape, config)
        self.latent_dim = int(config["latent_dim"])
        self.latent_norm = config["latent_norm"]
        if self.latent_norm not in LATENT_NORMS:
            raise ValueError(f"latent_norm {self.latent_norm!r}: choose one of {list(LATENT_NORMS)}")
        self.text_conditioning = config["text_conditioning"]
        if self.text_conditioning not in TEXT_CONDITIONINGS:
            raise ValueError(f"text_conditioning {self.text_conditioning!r}: choose one of {list(TEXT_CONDITIONINGS)}")
        self.use_vertices = config.get("jointstype", "vertices") == "vertices"
        self.vertstrans = bool(config.get("vertstrans", False))

        self.motion_encoder = motion_encoder
        self.motion_decoder = motion_decoder
        self.text_encoder = text_encoder
        self.losses = losses
        self.body_model = body_model

        mean = torch.zeros(self.feature_shape) if mean is None else torch.as_tensor(mean, dtype=torch.float32)
        std = torch.ones(self.feature_shape) if std is None else torch.as_tensor(std, dtype=torch.float32)
        assert mean.shape == self.feature_shape and std.shape == self.feature_shape, (mean.shape, std.shape)
        self.register_buffer("mean", mean.clone())  # (J, C)
        self.register_buffer("std", torch.where(std < STD_EPS, torch.ones_like(std), std))  # (J, C)
        # A valid frame (identity rotations, zero translation) put in place of padding before
        # forward kinematics, whose rotation conversions are not defined at zero features.
        self.register_buffer("neutral_frame", self._neutral_frame(), persistent=False)  # (J, C)
        # The frozen backbone stays outside the module tree: not in the state_dict, not trained.
        object.__setattr__(self, "_text_backbone", text_backbone)
        self.set_image_backbone(image_backbone)
        self.motion_frozen = False  # a training choice (``freeze_motion``), not part of the config

    def _neutral_frame(self) -> torch.Tensor:
        if self.pose_rep == "xyz":
            return torch.zeros(self.feature_shape)
        eye = torch.eye(3).expand(conventions.NUM_SMPL_JOINTS, 3, 3)
        return feature_utils.motion_to_features(eye[None], torch.zeros(1, 3), self.pose_rep, self.translation)[0]

    # ------------------------------------------------------------------ plumbing
    @property
    def device(self) -> torch.device:
        return self.mean.device

    @property
    def variational(self) -> bool:
        return bool(self.config.get("variational", False))

    @property
    def fps(self) -> float:
        """Frame rate of the motions this model was trained on (and generates)."""
        return float(self.config["fps"])

    @property
    def text_backbone(self):
        """The frozen text backbone, loaded by name on first use and kept on the model's device
        (it is outside the module tree, so ``model.to`` alone does not move it)."""
        if self._text_backbone is None:
            from src.models.text_encoders import get_text_backbone

            self.set_text_backbone(get_text_backbone(self.config["text_backbone"], device=self.device))
        backbone = self._text_backbone
        if isinstance(backbone, nn.Module) and getattr(backbone, "device", self.device) != self.device:
            backbone.to(self.device)
        return backbone

    def set_text_backbone(self, backbone) -> None:
        """Attach a frozen text backbone; its widths must be those the model was built for."""
        expected = (self.config["text_dim"], self.config["text_token_dim"])
        if (backbone.dim, backbone.token_dim) != expected:
            raise ValueError(f"text backbone {backbone.name!r} has dim/token_dim {(backbone.dim, backbone.token_dim)}, "
                             f"but this model was built for {self.config['text_backbone']!r} with {expected}")
        object.__setattr__(self, "_text_backbone", backbone)

    @property
    def image_backbone(self):
        """The frozen CLIP image tower of ``--clip_image_losses``, loaded on first use (local
        files only) and kept on the model's device."""
        if self._image_backbone is None:
            from src.models.image_encoders import load_clip_image

            self.set_image_backbone(load_clip_image(device=self.device))
        if self._image_backbone.device != self.device:
            self._image_backbone.to(self.device)
        return self._image_backbone

    def set_image_backbone(self, backbone) -> None:
        """Attach the frozen image tower; its width must be the one the model was built for."""
        if backbone is not None and backbone.dim != self.config.get("image_dim"):
            raise ValueError(f"image backbone has dim {backbone.dim}, but this model was built for "
                             f"image_dim {self.config.get('image_dim')}")
        object.__setattr__(self, "_image_backbone", backbone)

    def freeze_motion(self) -> None:
        """Fine-tune the text side only: the motion encoder and decoder keep their weights
        (no gradients) and stay in eval mode; the motion branch of ``forward`` then runs without
        autograd. The text encoder still learns through the frozen decoder (cross-modal terms)."""
        self.motion_frozen = True
        for module in (self.motion_encoder, self.motion_decoder):
            module.requires_grad_(False)
            module.eval()

    def train(self, mode: bool = True) -> "SMoG":
        super().train(mode)
        if self.motion_frozen:
            self.motion_encoder.eval()
            self.motion_decoder.eval()
        return self

    def normalize(self, feats: torch.Tensor) -> torch.Tensor:
        """(..., J, C) raw -> normalised features."""
        return (feats - self.mean) / self.std

    def unnormalize(self, feats: torch.Tensor) -> torch.Tensor:
        """(..., J, C) normalised -> raw features."""
        return feats * self.std + self.mean

    def normalize_latent(self, z: torch.Tensor) -> torch.Tensor:
        """Put motion and text latents on one scale before decoding (SMoG layer-normalises):
        ``layernorm`` = per-vector standardisation without affine, ``l2`` = unit norm times
        sqrt(D) (the same length), ``none`` = unchanged."""
        if self.latent_norm == "layernorm":
            return F.layer_norm(z, (z.shape[-1],))
        if self.latent_norm == "l2":
            return F.normalize(z, dim=-1) * math.sqrt(z.shape[-1])
        return z

    def _latent_outputs(self, mu: torch.Tensor, logvar: Optional[torch.Tensor], sample: bool,
                        temperature: float = 1.0, generator: Optional[torch.Generator] = None) -> dict:
        """Encoder outputs -> {"latent": what the decoder reads (a normalised sample when ``sample``
        and variational, else the normalised mean), "embedding": normalised mean (retrieval,
        contrastive), "mu", "logvar"}."""
        z = mu
        if sample and logvar is not None and temperature > 0:
            eps = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
            z = mu + temperature * torch.exp(0.5 * logvar) * eps
        embedding = self.normalize_latent(mu)
        return {"latent": self.normalize_latent(z) if z is not mu else embedding, "embedding": embedding,
                "mu": mu, "logvar": logvar}

    def kan_regularization(self) -> torch.Tensor:
        """Sum of the KAN regularisers of every KAN layer (0 without KAN layers)."""
        terms = [m.regularization_loss() for m in self.modules() if isinstance(m, KANLayer)]
        return torch.stack(terms).sum() if terms else self.mean.new_zeros(())

    # ------------------------------------------------------------------ encode
    def encode_motion(self, x: torch.Tensor, mask: torch.Tensor, sample: bool = False) -> dict:
        """
        Args:
            x: (B, T, J, C) raw features.
            mask: (B, T) bool, True = real frame.
            sample: draw the latent from the posterior (variational models only).
        Returns:
            {"latent": (B, D), "embedding": (B, D), "mu": (B, D), "logvar": (B, D) or None}.
        """
        assert x.dim() == 4 and tuple(x.shape[2:]) == self.feature_shape, (x.shape, self.feature_shape)
        feats = torch.where(mask[..., None, None], self.normalize(x), torch.zeros((), device=x.device))
        out = self.motion_encoder(feats.flatten(2), mask)  # (B, T, J*C) -> (B, D)
        return self._latent_outputs(out["mu"], out["logvar"], sample)

    def encode_text(self, texts: Sequence[str], sample: bool = False, temperature: float = 1.0,
                    generator: Optional[torch.Generator] = None) -> dict:
        """
        Args:
            texts: N captions.
            sample: draw the latent from the text distribution (variational, learned conditioning).
            temperature: scale of the sampling noise.
            generator: random generator for the sampling noise.
        Returns:
            {"latent": (N, D), "embedding": (N, D), "mu": (N, D), "logvar": (N, D) or None}.
        """
        texts = list(texts)
        if self.text_conditioning == "learned":
            tokens, token_mask = self.text_backbone.encode_tokens(texts)
            out = self.text_encoder(tokens.to(self.device, torch.float32), token_mask.to(self.device))
        else:
            out = self.text_encoder(self.text_backbone.encode_pooled(texts).to(self.device, torch.float32))
        return self._latent_outputs(out["mu"], out["logvar"], sample, temperature, generator)

    # ------------------------------------------------------------------ decode
    def _decode_normalised(self, latent: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """(B, D), (B, T) -> (B, T, J, C) normalised features, zero at padded frames."""
        out = self.motion_decoder(latent, mask)  # (B, T, J*C)
        return out.view(*mask.shape, *self.feature_shape)

    def _raw(self, feats_normalised: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Normalised -> raw features, zero at padded frames."""
        return torch.where(mask[..., None, None], self.unnormalize(feats_normalised),
                           torch.zeros((), device=mask.device))

    def decode(self, latent: torch.Tensor, lengths, num_frames: Optional[int] = None):
        """
        Args:
            latent: (B, D) (already normalised: an encoder's ``latent``).
            lengths: (B,) frames per motion (tensor, list, or one int for all).
            num_frames: T (default: the longest length).
        Returns:
            features (B, T, J, C) raw, zero at padded frames; mask (B, T) bool.
        """
        lengths = torch.as_tensor(lengths, device=latent.device).long().reshape(-1)
        if lengths.numel() == 1 and latent.shape[0] > 1:
            lengths = lengths.expand(latent.shape[0])
        assert lengths.shape == latent.shape[:1] and bool((lengths > 0).all()), (lengths, latent.shape)
        mask = lengths_to_mask(lengths, num_frames)
        return self._raw(self._decode_normalised(latent, mask), mask), mask

    # ------------------------------------------------------------------ forward / losses
    def forward(self, batch: dict) -> dict:
        """Everything the losses need for one batch.

        Args:
            batch: {"x": (B, T, J, C) raw features, "mask": (B, T) bool, "text": B captions,
                "betas": (B, K) optional}.
        Returns:
            dict, see ``SMoGLosses.forward``; ``recon``/``recon_text`` are normalised features
            (no ``recon`` when the motion branch is frozen).
        """
        x, mask = batch["x"], batch["mask"]
        sample = self.training
        target = torch.where(mask[..., None, None], self.normalize(x), torch.zeros((), device=x.device))
        frozen = self.motion_frozen
        with torch.set_grad_enabled(torch.is_grad_enabled() and not frozen):  # a frozen branch needs no graph
            motion = self.encode_motion(x, mask, sample=sample and not frozen)
        out = {"mask": mask, "target": target, "motion": motion}
        if not frozen:  # a frozen autoencoder's own reconstruction would teach nothing
            out["recon"] = self._decode_normalised(motion["latent"], mask)
        losses = self.losses
        texts = batch.get("text")
        if texts is not None and losses.needs_text:
            out["text"] = self.encode_text(texts, sample=sample)
            out["keys"] = list(texts)
            if losses.needs_crossmodal:
                out["recon_text"] = self._decode_normalised(out["text"]["latent"], mask)
        if texts is not None and losses.needs_pooled:
            out["pooled"] = self.text_backbone.encode_pooled(list(texts)).to(self.device, torch.float32)
        if losses.needs_image:
            out["image"] = self.frame_image_embeddings(x, mask)
        if losses.needs_points:
            betas = batch.get("betas")
            with torch.no_grad():
                out["points_target"] = self._points(x, mask, betas, self.use_vertices, self.vertstrans)
            for key in ("recon", "recon_text"):
                if key in out:
                    out[f"points_{key}"] = self._points(self.unnormalize(out[key]), mask, betas,
                                                        self.use_vertices, self.vertstrans)
        if losses.needs_feet:
            feet = list(conventions.FOOT_JOINTS)
            betas = batch.get("betas")
            # The rcxyz points already hold the world joints when they are joints with translation.
            reuse = "points_target" in out and self.vertstrans and \
                out["points_target"].shape[2] == conventions.NUM_BODY_JOINTS
            with torch.no_grad():
                target = out["points_target"] if reuse else self._points(x, mask, betas, False, True)
            out["feet_target"] = target[:, :, feet]
            for key in ("recon", "recon_text"):
                if key in out:
                    points = out[f"points_{key}"] if reuse else \
                        self._points(self.unnormalize(out[key]), mask, betas, False, True)
                    out[f"feet_{key}"] = points[:, :, feet]
            out["fps"] = self.fps
        if losses.lambda_kan_reg:
            out["kan_reg"] = self.kan_regularization()
        return out

    @torch.no_grad()
    def frame_image_embeddings(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """CLIP image embedding of one rendered frame per motion (MotionCLIP's image target).

        A random real frame in training (a different view of the motion every epoch), the
        middle one otherwise, so that validation losses are repeatable.

        Args:
            x: (B, T, J, C) raw features. mask: (B, T) bool.
        Returns:
            (B, image_dim) unit embeddings.
        """
        from src.utils.raster import render_pose_images

        lengths = mask.sum(1)
        if self.training:
            index = (torch.rand(lengths.shape, device=x.device) * lengths).long().clamp_max(lengths - 1)
        else:
            index = (lengths - 1) // 2
        frames = x[torch.arange(x.size(0), device=x.device), index][:, None]  # (B, 1, J, C)
        joints = self.joints(frames)[:, 0]  # (B, 22, 3)
        backbone = self.image_backbone
        return backbone.encode(render_pose_images(joints, size=backbone.image_size))

    def compute_loss(self, batch: dict):
        """-> (total loss, {name: float}) for one batch (see ``src.models.losses``)."""
        return self.losses(self(batch))

    # ------------------------------------------------------------------ generation
    @torch.no_grad()
    def generate(self, texts: Sequence[str], lengths, num_samples: int = 1, seed=None,
                 temperature: float = 1.0) -> dict:
        """Motions from captions, decoded in one batched pass.

        Args:
            texts: N captions.
            lengths: frames per caption (one int for all, or N values).
            num_samples: motions per caption; they differ only for variational models with
                learned conditioning and ``temperature > 0`` (otherwise the mean is decoded).
            seed: seed of the sampling noise: one int for the whole call, N ints (caption i draws
                its noise from seed i alone, so a caption's motions do not depend on the other
                captions of the call), or None (the global generator).
            temperature: scale of the sampling noise (0 = the mean).
        Returns:
            {"features": (N * S, T, J, C) raw, zero at padding; "mask": (N * S, T) bool;
             "lengths": (N * S,); "text_index": (N * S,) index into ``texts``}, ordered
            caption-major (all samples of caption 0 first).
        """
        was_training = self.training
        self.eval()
        try:
            texts = list(texts)
            lengths = torch.as_tensor(lengths, device=self.device).long().reshape(-1)
            if lengths.numel() == 1:
                lengths = lengths.expand(len(texts))
            assert lengths.numel() == len(texts), (lengths.numel(), len(texts))
            index = torch.arange(len(texts), device=self.device).repeat_interleave(num_samples)
            if seed is None or np.isscalar(seed):
                generator = None if seed is None else torch.Generator(device=self.device).manual_seed(int(seed))
                repeated = [texts[i] for i in index.tolist()]
                latent = self.encode_text(repeated, sample=True, temperature=temperature, generator=generator)["latent"]
            else:
                assert len(seed) == len(texts), (len(seed), len(texts))
                latent = torch.cat([self._sample_latents(out, num_samples, int(s), temperature)
                                    for out, s in zip(self._split_text_outputs(texts), seed)])
            feats, mask = self.decode(latent, lengths[index])
            return {"features": feats, "mask": mask, "lengths": lengths[index], "text_index": index}
        finally:
            self.train(was_training)

    def _split_text_outputs(self, texts: Sequence[str]) -> list:
        """Encode all captions at once; one {"mu": (1, D), "logvar": (1, D) | None} per caption."""
        out = self.encode_text(list(texts), sample=False)
        return [{"mu": out["mu"][i:i + 1], "logvar": None if out["logvar"] is None else out["logvar"][i:i + 1]}
                for i in range(len(texts))]

    def _sample_latents(self, text_out: dict, num_samples: int, seed: int, temperature: float) -> torch.Tensor:
        """(num_samples, D) decoder latents for one caption, its noise drawn from ``seed``."""
        generator = torch.Generator(device=self.device).manual_seed(seed)
        mu = text_out["mu"].expand(num_samples, -1)
        logvar = None if text_out["logvar"] is None else text_out["logvar"].expand(num_samples, -1)
        return self._latent_outputs(mu, logvar, True, temperature, generator)["latent"]

    # ------------------------------------------------------------------ joints
    def _points(self, feats: torch.Tensor, mask: torch.Tensor, betas: Optional[torch.Tensor],
                vertices: bool, with_translation: bool) -> torch.Tensor:
        """Forward kinematics of raw features: (B, T, J, C) -> (B, T, P, 3), zero at padding.
        P = 22 body joints, or the SMPL vertices when ``vertices`` and the body model has them."""
        if self.pose_rep == "xyz":
            points = feats
        else:
            if self.body_model is None:
                raise RuntimeError("this model has no body model; build it with one to get joint positions")
            feats = torch.where(mask[..., None, None], feats, self.neutral_frame)
            rotmats, trans = feature_utils.features_to_motion(feats, self.pose_rep, self.translation)
            if not with_translation:
                trans = torch.zeros_like(trans)
            if betas is not None:
                betas = betas[:, None, :].expand(-1, feats.shape[1], -1)  # (B, T, K)
            posed = self.body_model(rotmats, trans, betas)
            if vertices and posed.get("vertices") is not None:
                points = posed["vertices"]
            else:
                points = posed["joints"][..., : conventions.NUM_BODY_JOINTS, :]
        return torch.where(mask[..., None, None], points, torch.zeros((), device=points.device))

    def joints(self, features: torch.Tensor, mask: Optional[torch.Tensor] = None,
               betas: Optional[torch.Tensor] = None) -> torch.Tensor:
        """(B, T, J, C) raw features -> (B, T, 22, 3) joint positions in metres (root trajectory
        included), zero at padded frames; ``betas`` (B, K) optional body shapes."""
        if mask is None:
            mask = torch.ones(features.shape[:2], dtype=torch.bool, device=features.device)
        return self._points(features, mask, betas, vertices=False, with_translation=True)

    # ------------------------------------------------------------------ save / load
    def save_pretrained(self, directory, half: bool = False) -> None:
        """Write ``config.json`` and ``model.pt`` to ``directory`` (see ``src.models.get_model``);
        ``half`` stores floating parameters as float16 (loaded back as float32)."""
        from src.models.get_model import save_pretrained

        save_pretrained(self, directory, half=half)

    @classmethod
    def from_pretrained(cls, path, device="cpu", text_backbone=None, strict: bool = True) -> "SMoG":
        """Rebuild a model from a ``save_pretrained`` directory or a training checkpoint, with no
        dataset and no other file (the frozen text backbone is loaded by name when needed)."""
        from src.models.get_model import load_pretrained

        return load_pretrained(path, device=device, text_backbone=text_backbone, strict=strict)

    def extra_repr(self) -> str:
        return (f"pose_rep={self.pose_rep}, features={self.feature_shape}, latent_dim={self.latent_dim}, "
                f"arch={self.config.get('arch')}, kan_layers={self.config.get('kan_layers')}, "
                f"text={self.config.get('text_backbone')}/{self.text_conditioning}, variational={self.variational}")
