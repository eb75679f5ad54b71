"""SMoGModel: a Transformer motion autoencoder (KAN at chosen places) with a text encoder into
its latent space (SPEC §3; TEMOS/TMR text side).

The model builds its parts from its ``ModelConfig`` (``src.models.config``; the diffusers pattern:
the constructor's arguments are the config). ``src.models.factory.build_model`` makes a fresh one
from options or a config plus the injected backbones; ``SMoGModel.from_pretrained`` rebuilds a saved
one (``src.models.checkpoint`` reads and writes the files).

Features are ``(B, T, J, C)`` raw values as the datasets give them (``src.utils.features``);
masks ``(B, T)`` bool, True = real frame. The model normalises with the training-set
mean/std it stores as buffers, and returns raw features again.
"""

import contextlib
import math
from typing import Optional, Sequence

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from src import config as conventions
from src.models import checkpoint
from src.models.architectures.blocks import PooledTextProjection, skip_kan_init
from src.models.architectures.kan import KANLayer
from src.models.architectures.modulated import ModulatedMotionDecoder
from src.models.architectures.text_transformer import TextTransformerEncoder
from src.models.architectures.transformer import MotionDecoder, MotionEncoder
from src.models.backbones import Backbones
from src.models.config import ModelConfig
from src.models.losses import ModelOutputs, SMoGLosses
from src.models.prior import LatentPrior
from src.models.rotation2xyz import load_body_model
from src.rendering.raster import render_pose_images
from src.utils import features as feature_utils
from src.utils import hml, rotation


def lengths_to_mask(lengths: torch.Tensor, num_frames: Optional[int] = None) -> torch.Tensor:
    """(B,) lengths -> (B, T) bool, True for the first ``length`` frames; T = max length by default."""
    num_frames = int(lengths.max()) if num_frames is None else num_frames
    return torch.arange(num_frames, device=lengths.device)[None, :] < lengths[:, None]


def _stats_tensors(statistics) -> tuple:
    """Feature statistics ({"mean", "std"} dict, object with .mean/.std, (mean, std) or None)
    -> (mean, std) float32 tensors or (None, None)."""
    if statistics is None:
        return None, None
    if isinstance(statistics, dict):
        mean, std = statistics["mean"], statistics["std"]
    elif isinstance(statistics, (tuple, list)):
        mean, std = statistics
    else:
        mean, std = statistics.mean, statistics.std
    as_tensor = lambda a: torch.as_tensor(np.asarray(a) if not torch.is_tensor(a) else a, dtype=torch.float32)
    return as_tensor(mean), as_tensor(std)


class SMoGModel(nn.Module):
    """Text-to-motion model: motion autoencoder plus text encoder into the same latent space.

    Parts built from ``config``: ``motion_encoder`` (``MotionEncoder``: (B, T, J*C) normalised
    features -> mu (, logvar)), ``motion_decoder`` (``MotionDecoder``: (B, D) latent + (B, T) mask ->
    (B, T, J*C)), ``text_encoder`` (``TextTransformerEncoder`` over the backbone's token features
    with ``text.conditioning == "learned"``, else ``PooledTextProjection`` of its pooled embedding,
    the original SMoG) and ``losses`` (``SMoGLosses``: weights, learnable logit scale, heads).

    Args:
        config: a complete ``ModelConfig`` (text widths, and ``image_dim`` with image losses, set:
            ``factory.build_model`` fills them from the backbones).
        statistics: (J, C) feature mean/std of the training set ({"mean", "std"}, (mean, std) or
            None: 0 and 1, for weights that are loaded next).
        backbones: the frozen text backbone and CLIP image tower (``load_backbones``); never saved.
        body_model: forward-kinematics module (default ``load_body_model(config.body.body_model)``
            for rotation features); needed by ``joints`` and the rcxyz / velxyz losses.
    """

    def __init__(self, config: ModelConfig, statistics=None, backbones: Optional[Backbones] = None,
                 body_model: Optional[nn.Module] = None):
        super().__init__()
        if config.text.dim is None or config.text.token_dim is None:
            raise ValueError("model config has no text widths; build fresh models with factory.build_model")
        self.config = config
        self.pose_rep = config.features.pose_rep
        self.translation = bool(config.features.translation)
        self.feature_shape = tuple(feature_utils.feature_shape(self.pose_rep, self.translation))
        sizes = config.sizes
        self.latent_dim = int(sizes.latent_dim)
        self.latent_norm = sizes.latent_norm
        self.text_conditioning = config.text.conditioning
        self.use_vertices = config.body.jointstype == "vertices"
        self.vertstrans = bool(config.body.vertstrans)

        input_dim = self.feature_shape[0] * self.feature_shape[1]
        kan = config.kan.layer_options()
        shared = dict(latent_dim=sizes.latent_dim, ff_size=sizes.ff_size, num_layers=sizes.num_layers,
                      num_heads=sizes.num_heads, dropout=sizes.dropout, activation=sizes.activation,
                      ffn_kind=config.kan.kind("ffn"), kan_kwargs=kan)
        self.motion_encoder = MotionEncoder(input_dim, variational=sizes.variational,
                                            embed_kind=config.kan.kind("embed"), logvar_head=sizes.logvar_head,
                                            **shared)
        decoder_options = dict(final_kind=config.kan.kind("final"), duration_encoding=sizes.duration_encoding,
                               num_memory_tokens=sizes.num_memory_tokens, **shared)
        if sizes.decoder == "modulated":
            self.motion_decoder = ModulatedMotionDecoder(input_dim, long_skips=sizes.decoder_skips,
                                                         fourier_frequencies=sizes.decoder_fourier,
                                                         fps=config.features.fps, **decoder_options)
        else:
            self.motion_decoder = MotionDecoder(input_dim, **decoder_options)
        text = config.text
        if text.conditioning == "learned":
            self.text_encoder = TextTransformerEncoder(text.token_dim, sizes.latent_dim, text.ff_size, text.num_layers,
                                                       text.num_heads, text.dropout, sizes.activation,
                                                       sizes.variational, sizes.logvar_head)
        else:
            self.text_encoder = PooledTextProjection(text.dim, sizes.latent_dim)
        self.losses = SMoGLosses(config.losses, latent_dim=sizes.latent_dim, text_dim=text.dim)
        if body_model is None and self.pose_rep != "xyz":
            body_model = load_body_model(config.body.body_model)
        self.body_model = body_model

        mean, std = _stats_tensors(statistics)
        mean = torch.zeros(self.feature_shape) if mean is None else mean
        std = torch.ones(self.feature_shape) if std is None else std
        assert mean.shape == self.feature_shape and std.shape == self.feature_shape, (mean.shape, std.shape)
        self.register_buffer("mean", mean.clone())  # (J, C)
        # Channels that never vary (the translation row's zero padding) are not divided by their std.
        self.register_buffer("std", torch.where(std < conventions.STD_FLOOR, torch.ones_like(std), std))  # (J, C)
        # A valid frame (identity rotations, zero translation) put in place of padding before
        # forward kinematics, whose rotation conversions are not defined at zero features.
        self.register_buffer("neutral_frame", self._neutral_frame(), persistent=False)  # (J, C)
        # The frozen backbones stay outside the module tree: not in the state_dict, not trained.
        backbones = backbones or Backbones()
        object.__setattr__(self, "_text_backbone", None)
        if backbones.text is not None:
            self.set_text_backbone(backbones.text)
        self.set_image_backbone(backbones.image)
        self.motion_frozen = False  # a training choice (``freeze_motion``), not part of the config
        self.prior = None  # the latent diffusion prior (``attach_prior``; saved with its own config)

    def _neutral_frame(self) -> torch.Tensor:
        if self.pose_rep == "xyz":
            return torch.zeros(self.feature_shape)
        if self.pose_rep == "hml":  # identity rotations; positions and steps 0
            frame = torch.zeros(self.feature_shape)
            frame[0, hml.ROTATIONS] = rotation.from_matrix(torch.eye(3), "rot6d").repeat(hml.NUM_JOINTS)
            return frame
        eye = torch.eye(3).expand(conventions.NUM_SMPL_JOINTS, 3, 3)
        return feature_utils.motion_to_features(eye[None], torch.zeros(1, 3), self.pose_rep, self.translation)[0]

    # ------------------------------------------------------------------ plumbing
    @property
    def device(self) -> torch.device:
        return self.mean.device

    @property
    def variational(self) -> bool:
        return bool(self.config.sizes.variational)

    @property
    def fps(self) -> float:
        """Frame rate of the motions this model was trained on (and generates)."""
        return float(self.config.features.fps)

    @property
    def text_backbone(self):
        """The attached frozen text backbone, kept on the model's device (it is outside the module
        tree, so ``model.to`` alone does not move it)."""
        if self._text_backbone is None:
            raise RuntimeError(f"no text backbone attached: load it with src.models.backbones.load_backbones "
                               f"({self.config.text.backbone!r}) and pass it to the factory or set_text_backbone")
        backbone = self._text_backbone
        if isinstance(backbone, nn.Module) and getattr(backbone, "device", self.device) != self.device:
            backbone.to(self.device)
        return backbone

    def set_text_backbone(self, backbone) -> None:
        """Attach a frozen text backbone; its widths must be those the model was built for."""
        expected = (self.config.text.dim, self.config.text.token_dim)
        if (backbone.dim, backbone.token_dim) != expected:
            raise ValueError(f"text backbone {backbone.name!r} has dim/token_dim {(backbone.dim, backbone.token_dim)}, "
                             f"but this model was built for {self.config.text.backbone!r} with {expected}")
        object.__setattr__(self, "_text_backbone", backbone)

    @property
    def image_backbone(self):
        """The attached frozen CLIP image tower of ``--clip_image_losses``, kept on the model's device."""
        if self._image_backbone is None:
            raise RuntimeError("no CLIP image tower attached: --clip_image_losses needs it "
                               "(src.models.backbones.load_backbones(config, with_image=True))")
        if self._image_backbone.device != self.device:
            self._image_backbone.to(self.device)
        return self._image_backbone

    def set_image_backbone(self, backbone) -> None:
        """Attach the frozen image tower; its width must be the one the model was built for."""
        if backbone is not None and backbone.dim != self.config.losses.image_dim:
            raise ValueError(f"image backbone has dim {backbone.dim}, but this model was built for "
                             f"image_dim {self.config.losses.image_dim}")
        object.__setattr__(self, "_image_backbone", backbone)

    def attach_prior(self, prior: Optional[LatentPrior]) -> None:
        """Give the model a latent diffusion prior (``src.models.prior``; None removes it). Its weights
        join the state dict (``prior.*``) and its config is saved beside the model's."""
        if prior is not None:
            assert prior.config.latent_dim == self.latent_dim, (prior.config.latent_dim, self.latent_dim)
            prior = prior.to(self.device)
        self.prior = prior

    def resolve_sampler(self, sampler: Optional[str]) -> str:
        """"diffusion" or "regression": ``sampler``, or diffusion when the model has a prior (None).

        Raises:
            ValueError: diffusion asked of a model without a prior.
        """
        if sampler is None:
            return "diffusion" if self.prior is not None else "regression"
        if sampler not in conventions.SAMPLERS:
            raise ValueError(f"sampler {sampler!r}: choose one of {list(conventions.SAMPLERS)}")
        if sampler == "diffusion" and self.prior is None:
            raise ValueError("--sampler diffusion: this checkpoint has no diffusion prior (train one with "
                             "python -m src.train.train_prior); use --sampler regression")
        return sampler

    @property
    def foot_lock(self) -> bool:
        """Whether ``decode`` plants the feet its contact channels call planted (``hml.lock_feet``
        horizontally, ``hml.ground_feet`` on the floor): ``config.features.foot_lock``, so a model saved
        after setting it keeps the setting."""
        return bool(self.config.features.foot_lock)

    @foot_lock.setter
    def foot_lock(self, value: bool) -> None:
        if value and self.pose_rep != "hml":
            raise ValueError(f"--foot_lock reads foot-contact channels, which only --pose_rep hml models have "
                             f"(this one: {self.pose_rep})")
        self.config.features.foot_lock = bool(value)

    def set_decoding(self, foot_lock: Optional[bool] = None) -> None:
        """A command's decoding options; None keeps the checkpoint's setting. ValueError when the
        model cannot honour one (``foot_lock`` on a model without contact channels)."""
        if foot_lock is not None:
            self.foot_lock = foot_lock

    def freeze_motion(self) -> None:
        """Fine-tune the text side only: the motion encoder and decoder keep their weights
        (no gradients) and stay in eval mode; the motion branch of ``forward`` then runs without
        autograd. The text encoder still learns through the frozen decoder (cross-modal terms)."""
        self.motion_frozen = True
        for module in (self.motion_encoder, self.motion_decoder):
            module.requires_grad_(False)
            module.eval()

    def train(self, mode: bool = True) -> "SMoGModel":
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
    def _decode_normalised(self, latent: torch.Tensor, mask: torch.Tensor, train_decoder: bool = True) -> torch.Tensor:
        """(B, D), (B, T) -> (B, T, J, C) normalised features, zero at padded frames. With
        ``train_decoder=False`` gradients reach the latent but not the decoder's weights."""
        if train_decoder:
            out = self.motion_decoder(latent, mask)  # (B, T, J*C)
        else:
            weights = {name: p.detach() for name, p in self.motion_decoder.named_parameters()}
            out = torch.func.functional_call(self.motion_decoder, weights, (latent, mask))
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
            features (B, T, J, C) raw, zero at padded frames (root steps and heights foot-locked
            when ``foot_lock``); mask (B, T) bool.
        """
        lengths = torch.as_tensor(lengths, device=latent.device).long().reshape(-1)
        if lengths.numel() == 1 and latent.shape[0] > 1:
            lengths = lengths.expand(latent.shape[0])
        assert lengths.shape == latent.shape[:1] and bool((lengths > 0).all()), (lengths, latent.shape)
        mask = lengths_to_mask(lengths, num_frames)
        features = self._raw(self._decode_normalised(latent, mask), mask)
        if self.foot_lock:
            joints = self.joints(features, mask)
            locked = hml.lock_feet(features, joints, self.fps)
            # lock_feet moved the root only horizontally, so the joints' heights are still these
            locked = hml.ground_feet(locked, joints, self.fps, mask)
            features = torch.where(mask[..., None, None], locked, features)
        return features, mask

    # ------------------------------------------------------------------ forward / losses
    def forward(self, batch: dict) -> ModelOutputs:
        """What the loss terms with a weight need (``self.losses.needs()``) for one batch.

        Args:
            batch: {"x": (B, T, J, C) raw features, "mask": (B, T) bool, "text": B captions,
                "betas": (B, K) optional}.
        Returns:
            ``ModelOutputs``; ``recon``/``recon_text`` are normalised features (no ``recon`` when the
            motion branch is frozen).
        """
        x, mask = batch["x"], batch["mask"]
        sample = self.training
        needs = self.losses.needs()
        target = torch.where(mask[..., None, None], self.normalize(x), torch.zeros((), device=x.device))
        frozen = self.motion_frozen
        with torch.set_grad_enabled(torch.is_grad_enabled() and not frozen):  # a frozen branch needs no graph
            motion = self.encode_motion(x, mask, sample=sample and not frozen)
        out = ModelOutputs(mask=mask, target=target, motion=motion)
        if not frozen:  # a frozen autoencoder's own reconstruction would teach nothing
            out.recon = self._decode_normalised(motion["latent"], mask)
        texts = batch.get("text")
        if texts is not None and needs.text:
            out.text = self.encode_text(texts, sample=sample)
            out.keys = list(texts)
            if needs.crossmodal:
                out.recon_text = self._decode_normalised(out.text["latent"], mask,
                                                         train_decoder=self.config.losses.crossmodal_trains_decoder)
        if texts is not None and needs.pooled:
            out.pooled = self.text_backbone.encode_pooled(list(texts)).to(self.device, torch.float32)
        if needs.image:
            out.image = self.frame_image_embeddings(x, mask)
        betas = batch.get("betas")
        if needs.points:
            with torch.no_grad():
                out.points_target = self._points(x, mask, betas, self.use_vertices, self.vertstrans)
            out.points_recon, out.points_recon_text = (
                None if feats is None else self._points(self.unnormalize(feats), mask, betas, self.use_vertices,
                                                        self.vertstrans)
                for feats in (out.recon, out.recon_text))
        if needs.feet:
            self._feet(out, x, betas)
        if needs.tie:
            # With --vertstrans the rcxyz points of an hml output already are its joint channels' joints.
            out.tie_recon, out.tie_recon_text = (
                None if feats is None else
                self._tie_gap(self.unnormalize(feats), mask, betas, points if self.vertstrans else None)
                for feats, points in ((out.recon, out.points_recon), (out.recon_text, out.points_recon_text)))
        if needs.kan_reg:
            out.kan_reg = self.kan_regularization()
        return out

    def _feet(self, out: ModelOutputs, x: torch.Tensor, betas: Optional[torch.Tensor]) -> None:
        """Fill the world foot positions (B, T, 2, 3) of the input and of each decoded output."""
        feet = list(conventions.FOOT_JOINTS)
        mask = out.mask
        # The rcxyz points already hold the world joints when they are joints with translation.
        reuse = out.points_target is not None and self.vertstrans and \
            out.points_target.shape[2] == conventions.NUM_BODY_JOINTS
        with torch.no_grad():
            target = out.points_target if reuse else self._points(x, mask, betas, False, True)
        out.feet_target = target[:, :, feet]
        for feats, points, name in ((out.recon, out.points_recon, "feet_recon"),
                                    (out.recon_text, out.points_recon_text, "feet_recon_text")):
            if feats is not None:
                world = points if reuse else self._points(self.unnormalize(feats), mask, betas, False, True)
                setattr(out, name, world[:, :, feet])
        out.fps = self.fps

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
                 temperature: float = 1.0, sampler: Optional[str] = None, guidance_scale: Optional[float] = None,
                 steps: Optional[int] = None) -> dict:
        """Motions from captions, decoded in one batched pass.

        Args:
            texts: N captions.
            lengths: frames per caption (one int for all, or N values).
            num_samples: motions per caption. With the diffusion sampler each draws its own latent;
                with regression they differ only for variational models and ``temperature > 0``.
            seed: seed of the sampling noise: one int for the whole call, N ints (caption i draws
                its noise from seed i alone, so a caption's motions do not depend on the other
                captions of the call), or None (the global generator).
            temperature: regression: scale of a variational model's noise (0 = the mean); diffusion: how
                far a sample goes from the caption's text latent (``LatentPrior.sample``; 1 = the prior's own).
            sampler, guidance_scale, steps: see ``generation_latents``.
        Returns:
            {"features": (N * S, T, J, C) raw, zero at padding; "mask": (N * S, T) bool;
             "lengths": (N * S,); "text_index": (N * S,) index into ``texts``}, ordered
            caption-major (all samples of caption 0 first).
        """
        was_training = self.training
        self.eval()
        try:
            texts = list(texts)
            lengths = self._caption_lengths(lengths, len(texts))
            index = torch.arange(len(texts), device=self.device).repeat_interleave(num_samples)
            latent = self.generation_latents(texts, num_samples, seed, temperature, lengths, sampler,
                                             guidance_scale, steps)
            feats, mask = self.decode(latent, lengths[index])
            return {"features": feats, "mask": mask, "lengths": lengths[index], "text_index": index}
        finally:
            self.train(was_training)

    @torch.no_grad()
    def generation_latents(self, texts: Sequence[str], num_samples: int = 1, seed=None, temperature: float = 1.0,
                           lengths=None, sampler: Optional[str] = None, guidance_scale: Optional[float] = None,
                           steps: Optional[int] = None) -> torch.Tensor:
        """(N * S, D) decoder latents of ``generate`` (its arguments), caption-major; decoding them
        in slices gives the same motions as one ``generate`` call, up to the rounding of batching.

        Args:
            lengths: frames per caption (one int or N values); the diffusion prior is conditioned on them.
            sampler: "diffusion" (sample with the prior), "regression" (the text encoder's latent), or
                None (diffusion when the model has a prior).
            guidance_scale: classifier-free guidance of the diffusion sampler (default: the prior's).
            steps: DDIM steps of the diffusion sampler (default: the prior's).
        """
        texts = list(texts)
        if self.resolve_sampler(sampler) == "diffusion":
            return self._diffusion_latents(texts, num_samples, seed, lengths, guidance_scale, steps, temperature)
        if seed is None or np.isscalar(seed):
            generator = None if seed is None else torch.Generator(device=self.device).manual_seed(int(seed))
            repeated = [text for text in texts for _ in range(num_samples)]
            return self.encode_text(repeated, sample=True, temperature=temperature, generator=generator)["latent"]
        assert len(seed) == len(texts), (len(seed), len(texts))
        return torch.cat([self._sample_latents(out, num_samples, int(s), temperature)
                          for out, s in zip(self._split_text_outputs(texts), seed)])

    def _caption_lengths(self, lengths, count: int) -> torch.Tensor:
        """(count,) long frames per caption from one int or ``count`` values."""
        lengths = torch.as_tensor(lengths, device=self.device).long().reshape(-1)
        lengths = lengths.expand(count) if lengths.numel() == 1 else lengths
        assert lengths.numel() == count, (lengths.numel(), count)
        return lengths

    def prior_text_features(self, texts: Sequence[str]) -> torch.Tensor:
        """(N, D) what the diffusion prior is conditioned on: the text encoder's normalised mean latent."""
        return self.encode_text(list(texts), sample=False)["embedding"]

    def _diffusion_latents(self, texts: list, num_samples: int, seed, lengths, guidance_scale, steps,
                           temperature: float = 1.0) -> torch.Tensor:
        if lengths is None:
            raise ValueError("the diffusion sampler needs the motions' lengths (frames)")
        lengths = self._caption_lengths(lengths, len(texts))
        shape = (num_samples, self.latent_dim)
        if seed is None or np.isscalar(seed):
            generator = None if seed is None else torch.Generator(device=self.device).manual_seed(int(seed))
            noise = torch.randn((len(texts) * num_samples, self.latent_dim), generator=generator, device=self.device)
        else:
            assert len(seed) == len(texts), (len(seed), len(texts))
            noise = torch.cat([torch.randn(shape, generator=torch.Generator(device=self.device).manual_seed(int(s)),
                                           device=self.device) for s in seed])
        text = self.prior_text_features(texts).repeat_interleave(num_samples, dim=0)
        latents = self.prior.sample(text, lengths.repeat_interleave(num_samples), noise, steps, guidance_scale,
                                    temperature)
        return self.normalize_latent(latents)

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
    def _tie_gap(self, feats: torch.Tensor, mask: torch.Tensor, betas: Optional[torch.Tensor],
                 positions: Optional[torch.Tensor] = None) -> torch.Tensor:
        """``hml`` raw features (B, T, 1, C) -> (B, T, 22, 3): joint channels minus the forward
        kinematics of the rotation channels (both on the decoded root), zero at padding.
        ``positions``: the joint channels' world joints when already computed (B, T, 22, 3)."""
        if positions is None:
            positions = self._points(feats, mask, betas, False, True)
        gap = positions - self.joints(feats, mask, betas)
        return torch.where(mask[..., None, None], gap, torch.zeros((), device=gap.device))

    def _points(self, feats: torch.Tensor, mask: torch.Tensor, betas: Optional[torch.Tensor],
                vertices: bool, with_translation: bool) -> torch.Tensor:
        """Points of raw features for the losses: (B, T, J, C) -> (B, T, P, 3), zero at padding.
        P = 22 body joints, or the SMPL vertices when ``vertices`` and the body model has them
        (forward kinematics; ``xyz`` and ``hml``: their joint channels)."""
        if self.pose_rep == "xyz":
            points = feats
        elif self.pose_rep == "hml":  # the joint channels: what the position and foot losses shape
            points = feature_utils.features_to_joints(feats, self.pose_rep, self.translation, None)
            if not with_translation:
                points = points - points[..., :1, :] * points.new_tensor([1.0, 0.0, 1.0])
        else:
            points = self._forward_kinematics(feats, mask, betas, vertices, with_translation)
        return torch.where(mask[..., None, None], points, torch.zeros((), device=points.device))

    def _forward_kinematics(self, feats: torch.Tensor, mask: torch.Tensor, betas: Optional[torch.Tensor],
                            vertices: bool, with_translation: bool) -> torch.Tensor:
        """Raw rotation features (B, T, J, C) -> (B, T, P, 3) points of the posed body."""
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
            return posed["vertices"]
        return posed["joints"][..., : conventions.NUM_BODY_JOINTS, :]

    def joints(self, features: torch.Tensor, mask: Optional[torch.Tensor] = None,
               betas: Optional[torch.Tensor] = None) -> torch.Tensor:
        """(B, T, J, C) raw features -> (B, T, 22, 3) joint positions in metres (root trajectory
        included), zero at padded frames; ``betas`` (B, K) optional body shapes. For ``hml`` these are
        the forward kinematics of its rotation channels: the motion its exports (SMPL, BVH) hold."""
        if mask is None:
            mask = torch.ones(features.shape[:2], dtype=torch.bool, device=features.device)
        if self.pose_rep == "hml":
            points = self._forward_kinematics(features, mask, betas, False, True)
            return torch.where(mask[..., None, None], points, torch.zeros((), device=points.device))
        return self._points(features, mask, betas, vertices=False, with_translation=True)

    # ------------------------------------------------------------------ save / load
    def save_pretrained(self, directory, half: bool = False) -> None:
        """Write ``config.json`` and ``model.pt`` to ``directory`` (``checkpoint.save_pretrained``);
        ``half`` stores floating parameters as float16 (loaded back as float32)."""
        checkpoint.save_pretrained(self, directory, half=half)

    @classmethod
    def from_pretrained(cls, path, device="cpu", text_backbone=None, strict: bool = True,
                        backbones: Optional[Backbones] = None) -> "SMoGModel":
        """Rebuild a model in eval mode from a ``save_pretrained`` directory or a training checkpoint,
        with no dataset and no other file (the frozen text backbone is loaded by its stored name
        unless ``text_backbone`` or ``backbones`` is given).

        Raises:
            ModelFilesError: the files are missing, unreadable or do not fit (naming the file).
        """
        return cls.from_files(checkpoint.read_model_files(path, device), device, text_backbone, strict, backbones)

    @classmethod
    def from_checkpoint(cls, path, device="cpu", text_backbone=None, strict: bool = True,
                        backbones: Optional[Backbones] = None) -> tuple:
        """(model in eval mode, checkpoint dict) of a ``save_checkpoint`` file (see ``from_pretrained``)."""
        files = checkpoint.read_model_files(path, device)
        if files.checkpoint is None:
            raise checkpoint.CheckpointFormatError(f"{path} is a pretrained folder, not a training checkpoint")
        return cls.from_files(files, device, text_backbone, strict, backbones), files.checkpoint

    @classmethod
    def from_files(cls, files: "checkpoint.ModelFiles", device="cpu", text_backbone=None, strict: bool = True,
                   backbones: Optional[Backbones] = None) -> "SMoGModel":
        """The model of files read by ``checkpoint.read_model_files`` (see ``from_pretrained``)."""
        if backbones is None:
            backbones = Backbones(text=text_backbone) if text_backbone is not None else \
                checkpoint.backbones_for(files, device)
        # With ``strict`` every weight is overwritten next (or loading fails): skip the KAN initialisation.
        try:
            with skip_kan_init() if strict else contextlib.nullcontext():
                model = cls(files.config, None, backbones)
                if files.prior_config is not None:
                    model.attach_prior(LatentPrior(files.prior_config))
        except (ValueError, OSError, KeyError, TypeError) as err:  # e.g. its body model file is absent here
            raise checkpoint.CheckpointFormatError(f"{files.source}: cannot build its model here: {err}") from None
        checkpoint.load_state_dict_checked(model, files.state_dict, strict, source=files.source,
                                           saved_config=files.config)
        return model.to(device).float().eval()

    def extra_repr(self) -> str:
        return (f"pose_rep={self.pose_rep}, features={self.feature_shape}, latent_dim={self.latent_dim}, "
                f"arch={self.config.kan.arch}, kan_layers={list(self.config.kan.layers)}, "
                f"text={self.config.text.backbone}/{self.text_conditioning}, variational={self.variational}")
