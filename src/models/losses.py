"""Every training loss of SMoG, its weight and its command-line option.

The model (``src.models.smog``) fills a :class:`ModelOutputs` with what :meth:`SMoGLosses.needs`
asks for; :class:`SMoGLosses` turns it into ``(total, logs)``. ``logs`` holds each *unweighted* term that was computed,
as a float, plus ``total``. A term whose weight is zero is neither computed nor logged.

Original MotionCLIP/SMoG terms (``--lambda_*`` and ``--clip_*`` keep their names; weights and
defaults: ``src.models.config.LossConfig``):
    rc        MSE between decoded and input features, normalised, real frames only
    rcxyz     MSE between forward-kinematics points of decoded and input features (SMPL
              vertices when ``--jointstype vertices`` and a real SMPL model is loaded, else
              the 22 body joints); root translation included only with ``--vertstrans``
    vel       MSE between frame-to-frame differences of normalised features
    velxyz    the same on the forward-kinematics points
    clip_text_{cosine,ce,mse}   the original alignment of the *motion* latent with the frozen
              pooled text embedding (through a learned linear head when the widths differ)
    clip_image_{cosine,ce,mse}  the same with CLIP's image embedding of one rendered frame of
              the motion (``--clip_image_losses``; its own head; same ``--clip_lambda_*``)
Text-encoder terms (TEMOS/TMR):
    contrastive   symmetric InfoNCE between text and motion embeddings, learnable logit scale
                  (initialised to 1/0.07, clamped to [1, 100]); identical captions are positives
    latent        smooth L1 from the text embedding to the motion embedding; the motion side is
                  detached by default, so this term moves the text encoder to where the decoder
                  reads motions and never drags motion latents (shaped by reconstruction and the
                  contrastive term) towards text
    rc_text, rcxyz_text, vel_text, velxyz_text   cross-modal reconstruction: the motion decoded
                  from the *text* latent, weighted ``lambda_crossmodal * lambda_<term>``
    kl            KL(q || N(0, I)) of the motion and of the text distribution (variational only),
                  averaged over latent dimensions (TEMOS's scale for ``lambda_kl = 1e-5``)
    kan_reg       KAN L1 + entropy regulariser summed over KAN layers
    tie, tie_text ``--pose_rep hml``: mean squared distance (m^2) between the decoded joint channels
                  and the forward kinematics of the decoded rotation channels (exports use the
                  rotations; the joint and foot losses shape the joint channels)
    fc, fc_text   foot contact (MDM): the squared world speed (m/s) of the decoded feet at the
                  frame pairs where the input's feet stand still (``FOOT_CONTACT_SPEED``); from the
                  motion and (times ``lambda_crossmodal``) from the text latent. A decoder that
                  averages gait phases keeps the root moving and makes the feet glide; this term
                  asks planted feet to stay planted. (On the built-in data it made a deterministic
                  decoder step less rather than better: exps/smog_builtin/previous/README.md.)
    spec, spec_text   amplitude spectra (``amplitude_spectrum_error``): the points relative to their
                  centroid, each coordinate's temporal Fourier amplitudes against the input's. Blind
                  to phase, so it asks an oscillation (a clap, a wave) for its frequency and size even
                  where the latent does not fix its timing; MSE alone then prefers the flat average.
    relpose, relpose_text   squared error of the points relative to their per-frame centroid, over
                  the input window's own motion energy (``relative_pose_error``): about 1 for a
                  flat average of any window's movement, so the swing of a limb that is small in
                  metres and in feature channels (a clap's wrists) weighs as much as a walk's legs.
"""

import math
from dataclasses import dataclass
from typing import Optional, Sequence

import torch
from torch import nn
from torch.nn import functional as F

from src.models.config import CLIP_LOSS_KINDS, RECONSTRUCTION_TERMS, LossConfig  # noqa: F401  (re-exported)
from src.models.config import parse_clip_losses  # noqa: F401  (re-exported)

CLIP_LOGIT_SCALE = 100.0  # CLIP's trained logit scale, used by the original "ce" alignment
RELPOSE_FLOOR_M = 0.03  # m: a still window's motion energy counts as at least this RMS deviation (relpose)
FOOT_CONTACT_SPEED = 0.2  # m/s: a foot of the training motion slower than this stands on the ground


@dataclass
class Needs:
    """What the model must compute for the loss terms with a weight (``SMoGLosses.needs``)."""

    text: bool = False        # text latents (contrastive, latent, cross-modal reconstruction)
    crossmodal: bool = False  # the motion decoded from the text latent (rc_text, ...)
    pooled: bool = False      # frozen pooled text embeddings (clip_text_*)
    image: bool = False       # CLIP image embeddings of rendered frames (clip_image_*)
    points: bool = False      # forward-kinematics points (rcxyz, velxyz)
    feet: bool = False        # world foot positions (fc)
    kan_reg: bool = False     # the KAN regulariser (kan_reg)
    tie: bool = False         # hml joint channels against the kinematics of its rotations (tie)


@dataclass
class ModelOutputs:
    """What ``SMoGModel.forward`` computes for one batch; a field is None when no term needs it.

    Shapes: B motions, T frames, (J, C) features, P points, D latent width.
    """

    mask: torch.Tensor                                  # (B, T) bool, True = real frame
    target: torch.Tensor                                # (B, T, J, C) normalised input features, 0 at padding
    motion: dict                                        # encode_motion's {latent, embedding, mu, logvar}
    recon: Optional[torch.Tensor] = None                # (B, T, J, C) normalised; None when the motion side is frozen
    text: Optional[dict] = None                         # encode_text's {latent, embedding, mu, logvar}
    keys: Optional[Sequence[str]] = None                # B captions (identical captions are positives)
    recon_text: Optional[torch.Tensor] = None           # (B, T, J, C) decoded from the text latent
    pooled: Optional[torch.Tensor] = None               # (B, text_dim) frozen pooled text embeddings
    image: Optional[torch.Tensor] = None                # (B, image_dim) CLIP image embeddings
    points_target: Optional[torch.Tensor] = None        # (B, T, P, 3) forward kinematics of the input
    points_recon: Optional[torch.Tensor] = None         # (B, T, P, 3) of recon
    points_recon_text: Optional[torch.Tensor] = None    # (B, T, P, 3) of recon_text
    feet_target: Optional[torch.Tensor] = None          # (B, T, 2, 3) world foot positions of the input
    feet_recon: Optional[torch.Tensor] = None           # (B, T, 2, 3) of recon
    feet_recon_text: Optional[torch.Tensor] = None      # (B, T, 2, 3) of recon_text
    fps: Optional[float] = None                         # frame rate of the feet (fc is in m/s)
    kan_reg: Optional[torch.Tensor] = None              # scalar KAN regulariser
    tie_recon: Optional[torch.Tensor] = None            # (B, T, 22, 3) hml joint channels minus FK of its rotations
    tie_recon_text: Optional[torch.Tensor] = None       # (B, T, 22, 3) of recon_text


# ------------------------------------------------------------------ functions
def masked_mse(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean squared error over the real frames.

    Args:
        pred, target: (B, T, ...) with the same shape.
        mask: (B, T) bool, True = real frame.
    Returns:
        scalar: mean over real frames and all trailing elements.
    """
    assert pred.shape == target.shape and pred.shape[:2] == mask.shape, (pred.shape, target.shape, mask.shape)
    err = (pred - target).pow(2).flatten(2).mean(dim=-1)  # (B, T)
    err = torch.where(mask, err, torch.zeros_like(err))  # NaN-safe: padded values never count
    return err.sum() / mask.sum().clamp_min(1)


def velocity(x: torch.Tensor, mask: torch.Tensor):
    """Frame differences and their validity: (B, T, ...) -> (B, T-1, ...), (B, T-1) bool."""
    return x[:, 1:] - x[:, :-1], mask[:, 1:] & mask[:, :-1]


def foot_contact(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor, fps: float) -> torch.Tensor:
    """Mean squared speed (m/s)^2 of the predicted feet over the frame pairs where the target's
    feet move slower than ``FOOT_CONTACT_SPEED``.

    Args:
        pred, target: (B, T, F, 3) world positions of F feet, metres. mask: (B, T) bool. fps: frame rate.
    """
    pairs = (mask[:, 1:] & mask[:, :-1])[..., None]  # (B, T-1, 1)
    still = ((target[:, 1:] - target[:, :-1]).norm(dim=-1) * fps < FOOT_CONTACT_SPEED) & pairs  # (B, T-1, F)
    speed2 = ((pred[:, 1:] - pred[:, :-1]) * fps).pow(2).sum(-1)  # (B, T-1, F)
    return (speed2 * still).sum() / still.sum().clamp_min(1)


def amplitude_spectrum_error(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Squared difference of the temporal amplitude spectra of two point sequences, m^2.

    Each sequence is taken relative to its per-frame centroid (the trajectory is not an
    oscillation), its mean over the real frames is removed and padding zeroed; the one-sided
    amplitude spectrum over T is scaled so that for a flat prediction the error is the target's
    mean squared deviation (Parseval), the scale of ``masked_mse``. A shift in time changes no
    amplitude, so the term does not care when a clap happens, only that it happens.

    Args:
        pred, target: (B, T, P, 3) points. mask: (B, T) bool, True = real frame.
    Returns:
        scalar.
    """
    assert pred.shape == target.shape and pred.shape[:2] == mask.shape, (pred.shape, target.shape, mask.shape)
    valid = mask[..., None, None].to(pred.dtype)
    frames = valid.sum(1, keepdim=True).clamp_min(1)  # (B, 1, 1, 1)

    def amplitudes(x):
        x = x - x.mean(dim=2, keepdim=True)
        x = (x - (x * valid).sum(1, keepdim=True) / frames) * valid
        return torch.fft.rfft(x.float(), dim=1).abs() / (frames * x.shape[1]).sqrt()  # (B, T // 2 + 1, P, 3)

    # Parseval over the padded length T: sum_k |X_k|^2 = T * sum_t x_t^2, so with |X_k| / sqrt(T n)
    # the bins sum to the mean of x^2 over the n real frames; every one-sided bin but DC stands for two
    return (2 * (amplitudes(pred) - amplitudes(target)).pow(2)).sum(1).mean()


def relative_pose_error(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor,
                        floor: float = RELPOSE_FLOOR_M) -> torch.Tensor:
    """Each window's squared pose error over its own motion energy, averaged over windows.

    Points are taken relative to their per-frame centroid (the trajectory has its own terms). A
    window's energy is the mean squared deviation of its input points from their mean pose, plus
    ``floor`` squared so that a still window's millimetres do not explode: a prediction that holds
    the mean pose costs ``energy / (energy + floor^2)``, close to 1 for any clearly moving window,
    whatever its size.

    Args:
        pred, target: (B, T, P, 3) points, metres. mask: (B, T) bool, True = real frame.
        floor: metres.
    Returns:
        scalar.
    """
    assert pred.shape == target.shape and pred.shape[:2] == mask.shape, (pred.shape, target.shape, mask.shape)
    valid = mask[..., None, None].to(pred.dtype)
    count = valid.sum(dim=(1, 2, 3)).clamp_min(1) * pred.shape[2]  # (B,) real frames x points
    pred = pred - pred.mean(dim=2, keepdim=True)
    target = target - target.mean(dim=2, keepdim=True)
    mean_pose = (target * valid).sum(1, keepdim=True) / valid.sum(1, keepdim=True).clamp_min(1)
    energy = ((target - mean_pose).pow(2) * valid).sum(dim=(1, 2, 3)) / count  # (B,) m^2
    error = ((pred - target).pow(2) * valid).sum(dim=(1, 2, 3)) / count  # (B,) m^2
    return (error / (energy + floor ** 2)).mean()


def kl_to_standard_normal(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, exp(logvar)) || N(0, I)), averaged over batch and latent dimensions."""
    return 0.5 * (logvar.exp() + mu.pow(2) - 1.0 - logvar).mean()


def positive_pairs(keys: Optional[Sequence[str]], n: int, device) -> torch.Tensor:
    """(n, n) bool: True where items i and j are positives (same caption, or i == j)."""
    pos = torch.eye(n, dtype=torch.bool, device=device)
    if keys is not None:
        assert len(keys) == n, (len(keys), n)
        norm = [" ".join(k.lower().split()) for k in keys]
        ids = {k: i for i, k in enumerate(dict.fromkeys(norm))}
        label = torch.tensor([ids[k] for k in norm], device=device)
        pos = pos | (label[:, None] == label[None, :])
    return pos


def info_nce(a: torch.Tensor, b: torch.Tensor, logit_scale: torch.Tensor,
             keys: Optional[Sequence[str]] = None) -> torch.Tensor:
    """Symmetric multi-positive InfoNCE between two sets of paired embeddings.

    Every item whose caption equals the anchor's is a positive; the target of each row is
    uniform over its positives. The loss is the KL divergence from that target to the
    softmax over cosine similarities times ``logit_scale`` (cross-entropy minus the
    target's entropy), so a perfect ranking scores 0 whatever the number of duplicates.

    Args:
        a, b: (N, D) embeddings; row i of ``a`` pairs with row i of ``b``.
        logit_scale: scalar inverse temperature.
        keys: N captions (duplicates are positives) or None (only the pairs are).
    Returns:
        scalar, mean of the a->b and b->a directions.
    """
    assert a.shape == b.shape and a.dim() == 2, (a.shape, b.shape)
    logits = logit_scale * F.normalize(a.float(), dim=-1) @ F.normalize(b.float(), dim=-1).T  # (N, N)
    pos = positive_pairs(keys, a.shape[0], a.device).float()
    target = pos / pos.sum(dim=1, keepdim=True)  # symmetric positives: the same target both ways
    entropy = -(target * target.clamp_min(1e-12).log()).sum(dim=1)
    a_to_b = -(target * F.log_softmax(logits, dim=1)).sum(dim=1) - entropy
    b_to_a = -(target * F.log_softmax(logits.T, dim=1)).sum(dim=1) - entropy
    return 0.5 * (a_to_b.mean() + b_to_a.mean())


# ------------------------------------------------------------------ module
class SMoGLosses(nn.Module):
    """Weights and learnable parts of the SMoG losses (a sub-module of the model, so the
    logit scale and the alignment head are saved with its weights).

    Args:
        config: the loss weights (``LossConfig``; a term whose weight is 0 is off). Its
            ``clip_lambda_*`` weigh the text and image alignment alike, as in the original;
            ``image_dim`` is needed with ``clip_image_losses``.
        latent_dim: width of the motion latent.
        text_dim: width of the frozen pooled text embedding (a linear head maps the latent to it
            when they differ).
        max_logit_scale: clamp of the learnable logit scale.
    """

    def __init__(self, config: LossConfig, latent_dim: int, text_dim: int, max_logit_scale: float = 100.0):
        super().__init__()
        self.config = config
        self.recon_lambdas = {t: getattr(config, f"lambda_{t}") for t in RECONSTRUCTION_TERMS}
        self.lambda_kl = config.lambda_kl
        self.lambda_contrastive = config.lambda_contrastive
        self.lambda_latent = config.lambda_latent
        self.lambda_crossmodal = config.lambda_crossmodal
        self.lambda_kan_reg = config.lambda_kan_reg
        self.lambda_fc = config.lambda_fc
        self.lambda_tie = config.lambda_tie
        self.lambda_spectral = config.lambda_spectral
        self.lambda_relpose = config.lambda_relpose
        kind_lambdas = [(kind, getattr(config, f"clip_lambda_{kind}")) for kind in CLIP_LOSS_KINDS]
        self.clip_lambdas = {kind: lam for kind, lam in kind_lambdas
                             if kind in parse_clip_losses(config.clip_text_losses) and lam != 0}
        self.clip_image_lambdas = {kind: lam for kind, lam in kind_lambdas
                                   if kind in parse_clip_losses(config.clip_image_losses) and lam != 0}
        image_dim = config.image_dim
        if self.clip_image_lambdas and not image_dim:
            raise ValueError("clip_image_losses need image_dim, the width of the image embedding")
        self.max_log_scale = math.log(max_logit_scale)
        self.log_logit_scale = nn.Parameter(torch.tensor(math.log(1.0 / config.temperature)))
        self.clip_head = (nn.Linear(latent_dim, text_dim)
                          if self.clip_lambdas and latent_dim != text_dim else nn.Identity())
        self.image_head = (nn.Linear(latent_dim, image_dim)
                           if self.clip_image_lambdas and latent_dim != image_dim else nn.Identity())
        self.detach_motion_latent = config.detach_motion_latent

    def needs(self) -> Needs:
        """What the model has to compute for the terms with a weight (each line: the terms reading it)."""
        recon_on = any(v != 0 for v in self.recon_lambdas.values())
        crossmodal = self.lambda_crossmodal != 0 and recon_on                                # rc_text, ..., fc_text
        return Needs(
            text=self.lambda_contrastive != 0 or self.lambda_latent != 0 or crossmodal,      # contrastive, latent
            crossmodal=crossmodal,
            pooled=bool(self.clip_lambdas),                                                  # clip_text_*
            image=bool(self.clip_image_lambdas),                                             # clip_image_*
            points=(any(self.recon_lambdas[k] != 0 for k in ("rcxyz", "velxyz"))             # rcxyz, velxyz,
                    or self.lambda_spectral != 0 or self.lambda_relpose != 0),               # spec, relpose
            feet=self.lambda_fc != 0,                                                        # fc, fc_text
            kan_reg=self.lambda_kan_reg != 0,                                                # kan_reg
            tie=self.lambda_tie != 0)                                                        # tie, tie_text

    def logit_scale(self) -> torch.Tensor:
        return self.log_logit_scale.clamp(0.0, self.max_log_scale).exp()

    def _reconstruction(self, recon: torch.Tensor, points: Optional[torch.Tensor], outputs: ModelOutputs,
                        suffix: str) -> dict:
        """Unweighted rc/rcxyz/vel/velxyz of one decoded output (and its points), for the terms with a weight."""
        mask, target = outputs.mask, outputs.target
        terms = {}
        lam = self.recon_lambdas
        if lam["rc"]:
            terms["rc" + suffix] = masked_mse(recon, target, mask)
        if lam["vel"]:
            (v_pred, v_mask), (v_true, _) = velocity(recon, mask), velocity(target, mask)
            terms["vel" + suffix] = masked_mse(v_pred, v_true, v_mask)
        if lam["rcxyz"]:
            terms["rcxyz" + suffix] = masked_mse(points, outputs.points_target, mask)
        if lam["velxyz"]:
            (v_pred, v_mask), (v_true, _) = velocity(points, mask), velocity(outputs.points_target, mask)
            terms["velxyz" + suffix] = masked_mse(v_pred, v_true, v_mask)
        return terms

    @staticmethod
    def _clip_alignment(prefix: str, lambdas: dict, aligned: torch.Tensor, target: torch.Tensor, keys) -> dict:
        """The original SMoG alignment terms: ``aligned`` (B, D) motion latent (after its head)
        against a frozen ``target`` (B, D) embedding, for each kind in ``lambdas``."""
        terms = {}
        for kind in lambdas:
            if kind == "cosine":
                value = (1.0 - F.cosine_similarity(aligned, target, dim=-1)).mean()
            elif kind == "mse":
                value = F.mse_loss(aligned, target)
            else:
                value = info_nce(aligned, target, torch.tensor(CLIP_LOGIT_SCALE, device=target.device), keys)
            terms[f"{prefix}_{kind}"] = value
        return terms

    def forward(self, outputs: ModelOutputs):
        """
        Args:
            outputs: from ``SMoGModel.forward``, holding what ``needs()`` asked for.
        Returns:
            total (scalar tensor), logs {name: float} of the unweighted terms and ``total``.
        """
        weighted, terms = [], {}

        if outputs.recon is not None:  # absent when the motion autoencoder is frozen
            recon_terms = self._reconstruction(outputs.recon, outputs.points_recon, outputs, "")
            terms.update(recon_terms)
            weighted += [self.recon_lambdas[k] * v for k, v in recon_terms.items()]

        if outputs.recon_text is not None and self.lambda_crossmodal:
            cross_terms = self._reconstruction(outputs.recon_text, outputs.points_recon_text, outputs, "_text")
            terms.update(cross_terms)
            weighted += [self.lambda_crossmodal * self.recon_lambdas[k[: -len("_text")]] * v
                         for k, v in cross_terms.items()]

        if self.lambda_fc:
            for suffix, feet, scale in (("", outputs.feet_recon, 1.0),
                                        ("_text", outputs.feet_recon_text, self.lambda_crossmodal)):
                if feet is not None and scale:
                    terms["fc" + suffix] = foot_contact(feet, outputs.feet_target, outputs.mask, outputs.fps)
                    weighted.append(scale * self.lambda_fc * terms["fc" + suffix])

        if self.lambda_tie:
            for suffix, gap, scale in (("", outputs.tie_recon, 1.0),
                                       ("_text", outputs.tie_recon_text, self.lambda_crossmodal)):
                if gap is not None and scale:
                    terms["tie" + suffix] = masked_mse(gap, torch.zeros_like(gap), outputs.mask)
                    weighted.append(scale * self.lambda_tie * terms["tie" + suffix])

        for name, error, lam in (("spec", amplitude_spectrum_error, self.lambda_spectral),
                                 ("relpose", relative_pose_error, self.lambda_relpose)):
            if not lam:
                continue
            for suffix, points, scale in (("", outputs.points_recon, 1.0),
                                          ("_text", outputs.points_recon_text, self.lambda_crossmodal)):
                if points is not None and scale:
                    terms[name + suffix] = error(points, outputs.points_target, outputs.mask)
                    weighted.append(scale * lam * terms[name + suffix])

        motion, text = outputs.motion, outputs.text
        if self.lambda_kl and motion["logvar"] is not None:
            kl = kl_to_standard_normal(motion["mu"], motion["logvar"])
            if text is not None and text["logvar"] is not None:
                kl = kl + kl_to_standard_normal(text["mu"], text["logvar"])
            terms["kl"] = kl
            weighted.append(self.lambda_kl * kl)

        if text is not None and self.lambda_contrastive:
            terms["contrastive"] = info_nce(text["embedding"], motion["embedding"], self.logit_scale(), outputs.keys)
            weighted.append(self.lambda_contrastive * terms["contrastive"])

        if text is not None and self.lambda_latent:
            goal = motion["embedding"].detach() if self.detach_motion_latent else motion["embedding"]
            terms["latent"] = F.smooth_l1_loss(text["embedding"], goal)
            weighted.append(self.lambda_latent * terms["latent"])

        if self.clip_lambdas:
            terms.update(self._clip_alignment("clip_text", self.clip_lambdas, self.clip_head(motion["mu"]),
                                              outputs.pooled, outputs.keys))
        if self.clip_image_lambdas:  # every rendered frame is its own positive: no caption keys
            terms.update(self._clip_alignment("clip_image", self.clip_image_lambdas,
                                              self.image_head(motion["mu"]), outputs.image, None))
        weighted += [lam * terms[f"{prefix}_{kind}"] for prefix, lambdas in
                     (("clip_text", self.clip_lambdas), ("clip_image", self.clip_image_lambdas))
                     for kind, lam in lambdas.items()]

        if self.lambda_kan_reg and outputs.kan_reg is not None:
            terms["kan_reg"] = outputs.kan_reg
            weighted.append(self.lambda_kan_reg * outputs.kan_reg)

        total = torch.stack([w.float() for w in weighted]).sum() if weighted else outputs.target.sum() * 0.0
        logs = {k: float(v.detach()) for k, v in terms.items()}
        logs["total"] = float(total.detach())
        return total, logs
