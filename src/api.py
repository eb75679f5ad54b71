"""Python API: text-motion retrieval, zero-shot classification, generation and latent editing.

    >>> from src.api import SMoG
    >>> m = SMoG.from_pretrained(None, device="cpu")         # None: the shipped model
    >>> clips = m.generate(["a person walks forward"], duration=4.0, seed=0)
    >>> clips[0].shape                                        # (T, 22, 3), T = 4 s x m.fps (20)
    (80, 22, 3)
    >>> m.classify("motion.npz", ["walk", "jump", "wave"])    # an AMASS-style file   # doctest: +SKIP
    ('walk', tensor([0.91, 0.05, 0.04]))

Motions going in (``encode_motion``, ``compute_similarity``, ``retrieve_*``, ``classify``) may be:

* a path to an AMASS-style ``.npz`` (SMPL+H "G" or SMPL-X; read by ``load_amass_npz``);
* a dict with ``rotvec`` (T, 24, 3) and ``trans`` (T, 3), Y-up, as ``load_amass_npz`` returns
  (its ``fps`` is used when the call gives none);
* a tuple ``(rotvec, trans)``: SMPL axis-angle (T, 24, 3) (or the 22 body joints) and root
  translation (T, 3) in metres, Y-up;
* a :class:`~src.motion.MotionClip` (what ``generate_clips`` returns; it carries its rotations),
  or a list holding one (``generate_clips(...)[i]`` with one sample);
* what ``generate`` returns: :class:`GeneratedJoints`, joint arrays that keep their clip, so
  rotation models read its rotations (while the values are unchanged);
* other joint positions (T, 22, 3), Y-up metres, only for a model trained with ``pose_rep xyz``
  (rotation models read rotations, which positions do not determine).

Any frame rate is accepted (``fps=``; default: the dict's, else the model's); motions are resampled
to the model's rate (slerp for rotations) and canonicalised as the training windows were.
Motions coming out are canonical joint positions (``src.config``): float32 (T, 22, 3), metres,
Y-up, floor y = 0, frame-0 root at x = z = 0, frame 0 facing +Z, at ``m.fps``.
"""

import math
from pathlib import Path
from typing import Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from torch.nn import functional as F

from src import config
from src.datasets.formats.amass_io import AmassReadError, load_amass_npz, resample
from src.errors import ModelFilesError
from src.models.checkpoint import CheckpointNotFoundError
from src.models.rotation2xyz import load_body_model
from src.models.smog import SMoGModel
from src.runtime import seed_everything  # noqa: F401  (re-exported: the commands seed through the API)
from src.utils import features as feature_utils
from src.utils import rotation
from src.motion import MotionClip, clip_from_joints, clip_from_params, resample_clip, rest_joints_of

DEFAULT_CHECKPOINT = config.DEFAULT_CHECKPOINT  # re-exported: tests monkeypatch it here
DEFAULT_DURATION_S = config.DEFAULT_DURATION_S  # re-exported: the api's callers name it here

# The old name of the model-files error (``src.models.checkpoint`` raises its subclasses).
ModelLoadError = ModelFilesError


class MotionInputError(ValueError):
    """A motion given to the API in a form it cannot use."""


class GeneratedJoints(np.ndarray):
    """(T, 22, 3) float32 joints returned by ``SMoG.generate``: a plain array that also keeps the
    clip it came from (``.clip``, with its SMPL rotations), so that rotation models can encode,
    classify and compare it. Arrays derived from it (slices, arithmetic, copies) hold no clip, and
    the clip is used only while the values still equal its joints."""

    def __new__(cls, clip: MotionClip):
        joints = np.array(clip.joints).view(cls)  # a copy: editing it in place must not edit the clip
        joints.clip = clip
        return joints

    def __array_finalize__(self, obj):
        self.clip = None  # derived arrays are other motions


def load_model(path=None, device="cpu") -> SMoGModel:
    """Load a model (training checkpoint or ``save_pretrained`` folder) with its text backbone.

    Args:
        path: checkpoint file or folder; None = ``DEFAULT_CHECKPOINT``.
        device: torch device or name.
    Returns:
        the ``SMoGModel`` in eval mode, its frozen text backbone attached.
    Raises:
        ModelFilesError: with a message naming the file and the problem.
    """
    if path is None:
        path = DEFAULT_CHECKPOINT
        if not path.exists():
            raise CheckpointNotFoundError(
                f"no checkpoint given and the shipped model {path} is not present: pass the path of a trained "
                "checkpoint (exps/<name>/checkpoint_XXXX.pth.tar), or train one with python -m src.train.train")
    return SMoGModel.from_pretrained(path, device=device)


Motion = Union[str, Path, dict, tuple, MotionClip, np.ndarray, torch.Tensor]


class SMoG:
    """Text-motion model behind a small API (retrieval, classification, generation, editing).

    Args:
        model: a loaded ``src.models.smog.SMoGModel`` with its text backbone.
        checkpoint: where it came from (recorded in manifests).

    Example:
        >>> from src.api import SMoG
        >>> m = SMoG.from_pretrained(None)                       # doctest: +SKIP
        >>> m.retrieve_text("walk.npz", ["a person walks", "a person jumps"], top_k=1)  # doctest: +SKIP
        [(0, 0.62)]
    """

    def __init__(self, model, checkpoint=None):
        self.model = model.eval()
        self.checkpoint = None if checkpoint is None else str(checkpoint)
        self._rest = None
        self._builtin_body = None  # made on first use by _feature_body

    @classmethod
    def from_pretrained(cls, path=None, device="cpu") -> "SMoG":
        """Load a checkpoint file or pretrained folder (None: ``DEFAULT_CHECKPOINT``).

        Raises:
            ModelLoadError: missing, unreadable or incompatible checkpoint, or text backbone absent.
        """
        return cls(load_model(path, device), checkpoint=DEFAULT_CHECKPOINT if path is None else path)

    # ------------------------------------------------------------------ properties
    @property
    def fps(self) -> float:
        """Frame rate of the motions the model reads and writes."""
        return self.model.fps

    @property
    def device(self) -> torch.device:
        return self.model.device

    @property
    def variational(self) -> bool:
        return self.model.variational

    @property
    def pose_rep(self) -> str:
        return self.model.pose_rep

    def num_frames(self, duration: float, fps: Optional[float] = None) -> int:
        """Frames of ``duration`` seconds at ``fps`` (default the model's): round(duration * fps), >= 1."""
        return max(1, int(round(float(duration) * (fps or self.fps))))

    def _rest_joints(self) -> torch.Tensor:
        """(24, 3) rest joints of the model's body (the built-in skeleton for position-only models):
        what clips are posed, canonicalised and written to BVH with."""
        if self._rest is None:
            body = self.model.body_model if self.model.body_model is not None else load_body_model("builtin")
            self._rest = rest_joints_of(body)
        return self._rest

    def _feature_body(self):
        """The body whose forward kinematics made the training features' joint channels (``xyz``,
        ``hml``): the datasets pose every motion with the built-in skeleton."""
        if self.pose_rep not in config.POSITION_REPS:
            return None
        if self._builtin_body is None:
            self._builtin_body = load_body_model("builtin")
        return self._builtin_body

    # ------------------------------------------------------------------ embeddings
    @torch.no_grad()
    def encode_text(self, texts: Sequence[str]) -> torch.Tensor:
        """(N,) captions -> (N, D) float32 CPU embeddings of unit L2 norm (the means, never sampled)."""
        if isinstance(texts, str):
            texts = [texts]
        return F.normalize(self.model.encode_text(list(texts))["embedding"].float(), dim=-1).cpu()

    def clear_text_cache(self) -> None:
        """Forget the frozen text features computed so far. The backbone keeps every caption's
        (for training, where captions repeat); a long prompt file read once would only grow it."""
        backbone = getattr(self.model, "text_backbone", None)
        if hasattr(backbone, "clear_cache"):
            backbone.clear_cache()

    def motion_clip(self, motion: Motion, fps: Optional[float] = None) -> MotionClip:
        """Any accepted motion form (module docstring) -> a canonical clip at the model's fps."""
        if isinstance(motion, list) and all(isinstance(m, MotionClip) for m in motion):
            if len(motion) != 1:
                raise MotionInputError(f"a list of {len(motion)} clips: pass one motion, e.g. "
                                       "generate_clips(...)[i][k]")
            motion = motion[0]  # generate_clips(...)[i] of one sample
        if isinstance(motion, GeneratedJoints) and motion.clip is not None \
                and np.array_equal(np.asarray(motion), motion.clip.joints):
            motion = motion.clip
        if isinstance(motion, MotionClip):
            clip = motion
        elif isinstance(motion, (str, Path)):
            clip = self._clip_from_file(Path(motion))
        elif isinstance(motion, dict):
            if "rotvec" not in motion or "trans" not in motion:
                raise MotionInputError(f"a motion dict needs 'rotvec' (T, 24, 3) and 'trans' (T, 3); got keys "
                                       f"{sorted(motion)}")
            clip = self._clip_from_params(motion["rotvec"], motion["trans"], fps or motion.get("fps") or self.fps)
        elif isinstance(motion, tuple) and len(motion) == 2:
            clip = self._clip_from_params(motion[0], motion[1], fps or self.fps)
        elif isinstance(motion, (np.ndarray, torch.Tensor)):
            clip = self._clip_from_positions(torch.as_tensor(motion), fps or self.fps)
        else:
            raise MotionInputError(f"unsupported motion of type {type(motion).__name__}: pass an AMASS-style .npz "
                                   "path, a dict with rotvec/trans, a (rotvec, trans) tuple or a MotionClip")
        return self._to_model_rate(clip)

    def _clip_from_file(self, path: Path) -> MotionClip:
        if path.suffix.lower() != ".npz":
            raise MotionInputError(f"{path}: expected an AMASS-style .npz motion file")
        if not path.is_file():
            raise MotionInputError(f"{path}: motion file not found")
        try:
            data = load_amass_npz(path, target_fps=self.fps)
        except AmassReadError as err:
            raise MotionInputError(str(err)) from None
        return self._clip_from_params(data["rotvec"], data["trans"], data["fps"])

    def _clip_from_params(self, rotvec, trans, fps: float) -> MotionClip:
        rotvec = torch.as_tensor(np.asarray(rotvec) if not torch.is_tensor(rotvec) else rotvec).float().cpu()
        trans = torch.as_tensor(np.asarray(trans) if not torch.is_tensor(trans) else trans).float().cpu()
        if rotvec.dim() != 3 or rotvec.shape[1:] not in ((config.NUM_SMPL_JOINTS, 3), (config.NUM_BODY_JOINTS, 3)):
            raise MotionInputError(f"rotvec must be (T, 24, 3) or (T, 22, 3) axis-angle, got {tuple(rotvec.shape)}")
        if trans.shape != (rotvec.shape[0], 3):
            raise MotionInputError(f"trans must be ({rotvec.shape[0]}, 3), got {tuple(trans.shape)}")
        if not (torch.isfinite(rotvec).all() and torch.isfinite(trans).all()):
            raise MotionInputError("the motion holds NaN or inf values")
        if rotvec.shape[1] == config.NUM_BODY_JOINTS:  # hands at rest
            rotvec = torch.cat([rotvec, torch.zeros(len(rotvec), 2, 3)], dim=1)
        if not (fps and math.isfinite(fps) and fps > 0):
            raise MotionInputError(f"fps must be a positive number, got {fps}")
        rotvec, trans = resample(rotvec, trans, float(fps), self.fps)
        return clip_from_params(rotation.axis_angle_to_matrix(rotvec), trans, self._rest_joints(), self.fps)

    def _clip_from_positions(self, joints: torch.Tensor, fps: float) -> MotionClip:
        if self.pose_rep != "xyz":
            raise MotionInputError(f"this model reads rotations (pose_rep {self.pose_rep}), which joint positions do "
                                   "not determine: pass an AMASS-style .npz, a dict with rotvec/trans, a "
                                   "(rotvec, trans) tuple, a clip of generate_clips, or generate's output unchanged")
        if joints.dim() != 3 or joints.shape[1] < config.NUM_BODY_JOINTS or joints.shape[2] != 3:
            raise MotionInputError(f"joint positions must be (T, 22, 3), got {tuple(joints.shape)}")
        return clip_from_joints(joints.float(), fps)

    def _to_model_rate(self, clip: MotionClip) -> MotionClip:
        if abs(clip.fps - self.fps) < 1e-9:
            return clip
        return resample_clip(clip, self.fps, config.resampled_num_frames(clip.num_frames, clip.fps, self.fps))

    def motion_features(self, motion: Motion, fps: Optional[float] = None) -> torch.Tensor:
        """(T, J, C) raw features of a motion, made as the training windows were."""
        clip = self.motion_clip(motion, fps)
        if self.pose_rep == "xyz":
            return torch.from_numpy(clip.joints)
        if not clip.has_rotations:
            raise MotionInputError(f"this model reads rotations (pose_rep {self.pose_rep}); "
                                   "the clip has positions only")
        glob_rot = self.model.config.features.glob_rot
        glob_rotmat = None if glob_rot is None else rotation.axis_angle_to_matrix(torch.tensor(glob_rot).float())
        return feature_utils.motion_to_features(clip.rotmats, clip.trans, self.pose_rep, self.model.translation,
                                                bool(self.model.config.features.glob), glob_rotmat,
                                                body_model=self._feature_body(), fps=self.fps).float()

    @torch.no_grad()
    def _motion_embedding(self, motion: Motion, fps: Optional[float] = None) -> torch.Tensor:
        """(D,) the model's (normalised, unsampled) motion embedding, on the model's device."""
        x = self.motion_features(motion, fps).to(self.device)[None]  # (1, T, J, C)
        mask = torch.ones(x.shape[:2], dtype=torch.bool, device=self.device)
        return self.model.encode_motion(x, mask)["embedding"][0]

    def encode_motion(self, motion: Motion, fps: Optional[float] = None) -> torch.Tensor:
        """One motion (any accepted form, the module docstring's: a file, rotations, or what
        ``generate``/``generate_clips`` return, for rotation models too) -> (D,) float32 CPU
        embedding of unit L2 norm."""
        return F.normalize(self._motion_embedding(motion, fps).float(), dim=-1).cpu()

    def compute_similarity(self, motion: Motion, texts: Sequence[str], fps: Optional[float] = None) -> torch.Tensor:
        """(N,) cosine similarities between one motion (as ``encode_motion`` takes, generated ones
        included) and N texts."""
        return self.encode_text(texts) @ self.encode_motion(motion, fps)

    def retrieve_motion(self, text: str, candidates: Sequence[Motion], top_k: int = 5,
                        fps: Optional[float] = None) -> List[Tuple[int, float]]:
        """The ``top_k`` candidate motions closest to ``text``: [(index, cosine)], best first."""
        if not candidates:
            raise ValueError("retrieve_motion needs at least one candidate motion")
        motions = torch.stack([self.encode_motion(c, fps) for c in candidates])  # (M, D)
        return _top(motions @ self.encode_text([text])[0], top_k)

    def retrieve_text(self, motion: Motion, candidates: Sequence[str], top_k: int = 5,
                      fps: Optional[float] = None) -> List[Tuple[int, float]]:
        """The ``top_k`` candidate texts closest to ``motion``: [(index, cosine)], best first."""
        if not candidates:
            raise ValueError("retrieve_text needs at least one candidate text")
        return _top(self.compute_similarity(motion, candidates, fps), top_k)

    def classify(self, motion: Motion, labels: Sequence[str], fps: Optional[float] = None) -> Tuple[str, torch.Tensor]:
        """Zero-shot classification of one motion (as ``encode_motion`` takes: a file, rotations,
        or what ``generate``/``generate_clips`` return): (best label, (N,) probabilities summing
        to 1), a softmax over the cosine similarities times the model's trained logit scale
        (1 / 0.07 when it has none)."""
        if not labels:
            raise ValueError("classify needs at least one label")
        probs = self.label_probabilities(self.encode_motion(motion, fps)[None], labels)[0]
        return labels[int(probs.argmax())], probs

    def label_probabilities(self, motion_embeddings: torch.Tensor, labels: Sequence[str]) -> torch.Tensor:
        """Zero-shot probabilities of ``classify`` for motions already encoded.

        Args:
            motion_embeddings: (M, D) unit-norm embeddings from ``encode_motion``.
            labels: N label texts.
        Returns:
            (M, N) float32, each row summing to 1.
        """
        if not labels:
            raise ValueError("classify needs at least one label")
        sims = motion_embeddings.float() @ self.encode_text(labels).T  # (M, N)
        scale_fn = getattr(getattr(self.model, "losses", None), "logit_scale", None)
        scale = float(scale_fn().detach()) if callable(scale_fn) else 1.0 / 0.07
        return torch.softmax(scale * sims.double(), dim=1).float()

    # ------------------------------------------------------------------ latents
    @torch.no_grad()
    def latent_of(self, source) -> torch.Tensor:
        """(D,) the model-space embedding (normalised as the model normalises latents, unsampled) of a
        text or of a motion (any accepted form): the operand of latent arithmetic."""
        if isinstance(source, str) and not source.lower().endswith(".npz"):
            return self.model.encode_text([source])["embedding"][0]
        return self._motion_embedding(source)

    def normalize_latent(self, z: torch.Tensor) -> torch.Tensor:
        """The model's own latent normalisation (SMoG: a layer norm without affine)."""
        return self.model.normalize_latent(z)

    @torch.no_grad()
    def operand_latent(self, source, duration: float = DEFAULT_DURATION_S, seed: Optional[int] = None, *,
                       sampler: Optional[str] = None, guidance_scale: Optional[float] = None,
                       steps: Optional[int] = None, temperature: float = 1.0) -> torch.Tensor:
        """(D,) the decoder latent of an editing or interpolation operand: a motion's embedding; a
        caption's motion as generation draws it (``sampler`` as ``generate_clips``: with the diffusion
        prior a sample of ``duration`` seconds from ``seed``, with regression ``latent_of``)."""
        if isinstance(source, str) and not source.lower().endswith(".npz") \
                and self.model.resolve_sampler(sampler) == "diffusion":
            return self.model.generation_latents([source], 1, None if seed is None else [seed], temperature,
                                                 [self.num_frames(duration)], "diffusion", guidance_scale, steps)[0]
        return self.latent_of(source)

    def edit_latent(self, base, v_start: str, v_end: str, duration: float = DEFAULT_DURATION_S,
                    seed: Optional[int] = None, **sampling) -> torch.Tensor:
        """MotionCLIP-style editing: normalise(base - v_start + v_end), (D,); ``base`` a text or motion
        (``operand_latent``: drawn by the diffusion prior when the model has one; ``sampling`` =
        sampler, guidance_scale, steps), the edit direction from the two texts' embeddings."""
        base_latent = self.operand_latent(base, duration, seed, **sampling)
        return self.normalize_latent(base_latent - self.latent_of(v_start) + self.latent_of(v_end))

    def interpolation_latents(self, start, end, num_stops: int = 5, duration: float = DEFAULT_DURATION_S,
                              seed: Optional[int] = None, **sampling) -> torch.Tensor:
        """(K, D) latents normalise((1 - w) a + w b) for w = k / (K - 1), k = 0 .. K-1 (K >= 2); a and b
        are ``operand_latent``s, both captions drawn from the same ``seed`` (the ends then share
        what the texts leave open, e.g. the phase of a gait)."""
        if num_stops < 2:
            raise ValueError(f"num_stops must be >= 2, got {num_stops}")
        a = self.operand_latent(start, duration, seed, **sampling)
        b = self.operand_latent(end, duration, seed, **sampling)
        w = torch.linspace(0.0, 1.0, num_stops, device=a.device, dtype=a.dtype)[:, None]  # (K, 1)
        return self.normalize_latent((1 - w) * a + w * b)

    # ------------------------------------------------------------------ decoding
    def _clips(self, features: torch.Tensor, lengths) -> List[MotionClip]:
        """(B, T, J, C) raw features -> canonical clips at the model's fps (padding dropped)."""
        clips = []
        for feats, n in zip(features.float().cpu(), [int(v) for v in lengths]):
            feats = feats[:n]
            if self.pose_rep == "xyz":
                clips.append(clip_from_joints(feats, self.fps))
                continue
            rotmats, trans = feature_utils.features_to_motion(feats, self.pose_rep, self.model.translation)
            clips.append(clip_from_params(rotmats, trans, self._rest_joints(), self.fps))
        return clips

    def _at_rate(self, clip: MotionClip, duration: float, fps: Optional[float]) -> MotionClip:
        if fps is None or abs(fps - self.fps) < 1e-9:
            return clip
        return resample_clip(clip, fps, self.num_frames(duration, fps))

    @torch.no_grad()
    def decode(self, latents: torch.Tensor, duration: float = DEFAULT_DURATION_S,
               fps: Optional[float] = None) -> List[MotionClip]:
        """(K, D) normalised latents -> K canonical clips of ``duration`` seconds (at ``fps``, default
        the model's; generated at the model's rate, then resampled)."""
        latents = latents.reshape(-1, latents.shape[-1]).to(self.device)
        frames = self.num_frames(duration)
        # Bounded passes (``config.MAX_FRAMES_PER_PASS``), as ``generate_clip_chunks``: many
        # interpolation stops of a long motion would otherwise decode all at once.
        step = max(1, config.MAX_FRAMES_PER_PASS // max(frames, self.num_frames(duration, fps)))
        clips = []
        for start in range(0, len(latents), step):
            feats, _ = self.model.decode(latents[start:start + step], frames)
            clips += [self._at_rate(c, duration, fps) for c in self._clips(feats, [frames] * len(feats))]
        return clips

    @torch.no_grad()
    def generate_clips(self, texts: Sequence[str], durations, num_samples: int = 1, seed: Optional[int] = None,
                       temperature: float = 1.0, fps: Optional[float] = None, *, sampler: Optional[str] = None,
                       guidance_scale: Optional[float] = None, steps: Optional[int] = None) -> List[List[MotionClip]]:
        """Motions for texts, with their rotations.

        Args:
            texts: N captions.
            durations: seconds, one for all or N values.
            num_samples: motions per caption (with the diffusion sampler each is drawn anew; with
                regression they differ for variational models only).
            seed: caption i draws its samples from seed + i (runs repeat exactly; adding captions
                leaves the earlier ones unchanged); None = the global generator.
            temperature: regression: scale of a variational model's noise (0 = the mean); diffusion: how far
                a sample goes from the caption's text latent (0 = what regression draws, 1 = the prior's sample).
            fps: output frame rate (default the model's); T = round(duration * fps).
            sampler: "diffusion" (the checkpoint's latent diffusion prior), "regression" (the text
                encoder's latent, as models without a prior), None = diffusion when there is a prior.
            guidance_scale: classifier-free guidance of the diffusion sampler (None: the prior's default).
            steps: DDIM steps of the diffusion sampler (None: the prior's default).
        Returns:
            N lists of ``num_samples`` canonical clips.
        """
        rows = [[None] * num_samples for _ in ([texts] if isinstance(texts, str) else texts)]
        for chunk in self.generate_clip_chunks(texts, durations, num_samples, seed, temperature, fps, sampler=sampler,
                                               guidance_scale=guidance_scale, steps=steps):
            for i, k, clip in chunk:
                rows[i][k] = clip
        return rows

    @torch.no_grad()
    def generate_clip_chunks(self, texts: Sequence[str], durations, num_samples: int = 1,
                             seed: Optional[int] = None, temperature: float = 1.0, fps: Optional[float] = None,
                             max_sequences: Optional[int] = None, *, sampler: Optional[str] = None,
                             guidance_scale: Optional[float] = None,
                             steps: Optional[int] = None) -> Iterator[List[Tuple[int, int, MotionClip]]]:
        """``generate_clips`` a slice at a time, so that memory stays bounded however many samples
        are asked for: the latents of all N * S motions are drawn at once (S x D floats per
        caption), then decoded and yielded ``max_sequences`` at a time.

        Args:
            texts, durations, num_samples, seed, temperature, fps, sampler, guidance_scale, steps: as
                ``generate_clips``.
            max_sequences: motions per decoder pass (None: all in one pass, as ``generate_clips``).
        Yields:
            lists of (caption index, sample index, clip), caption-major.
        """
        texts = [texts] if isinstance(texts, str) else list(texts)
        durations = [float(durations)] * len(texts) if np.isscalar(durations) else [float(d) for d in durations]
        if len(durations) != len(texts):
            raise ValueError(f"{len(durations)} durations for {len(texts)} texts")
        if num_samples < 1:
            raise ValueError(f"num_samples must be >= 1, got {num_samples}")
        for text, duration in zip(texts, durations):
            if not duration > 0:
                raise ValueError(f"duration must be positive, got {duration} for {text!r}")
        # Caption i draws its noise from seed + i, whatever the slicing.
        seeds = None if seed is None else [seed + i for i in range(len(texts))]
        frames = [self.num_frames(d) for d in durations]
        latents = self.model.generation_latents(texts, num_samples, seeds, temperature, frames, sampler,
                                                guidance_scale, steps)  # (N * S, D)
        lengths = [n for n in frames for _ in range(num_samples)]
        step = len(lengths) if max_sequences is None else max(1, int(max_sequences))
        for start in range(0, len(lengths), step):
            stop = min(start + step, len(lengths))
            feats, _ = self.model.decode(latents[start:stop], torch.as_tensor(lengths[start:stop], device=self.device))
            clips = self._clips(feats, lengths[start:stop])
            yield [(n // num_samples, n % num_samples, self._at_rate(clip, durations[n // num_samples], fps))
                   for n, clip in zip(range(start, stop), clips)]

    def generate(self, texts: Sequence[str], duration=DEFAULT_DURATION_S, num_samples: int = 1,
                 seed: Optional[int] = None, temperature: float = 1.0, *, sampler: Optional[str] = None,
                 guidance_scale: Optional[float] = None, steps: Optional[int] = None) -> List[np.ndarray]:
        """Canonical joint positions for texts.

        Args:
            texts: N captions (or one string).
            duration: seconds, one for all or N values.
            num_samples, seed, temperature, sampler, guidance_scale, steps: as ``generate_clips``.
        Returns:
            N * num_samples float32 arrays (T, 22, 3) at ``self.fps``, caption-major (all samples of
            the first caption first); each is a :class:`GeneratedJoints` that keeps its clip, so
            ``classify``/``encode_motion``/``compute_similarity`` accept it for rotation models too.

        Example:
            >>> m = SMoG.from_pretrained(None)                            # doctest: +SKIP
            >>> walk, jump = m.generate(["walk forward", "jump"], duration=[4.0, 2.0], seed=1)  # doctest: +SKIP
            >>> walk.shape, jump.shape                                     # doctest: +SKIP
            ((120, 22, 3), (60, 22, 3))
        """
        rows = self.generate_clips(texts, duration, num_samples, seed, temperature, sampler=sampler,
                                   guidance_scale=guidance_scale, steps=steps)
        return [GeneratedJoints(c) for row in rows for c in row]


def _top(scores: torch.Tensor, top_k: int) -> List[Tuple[int, float]]:
    if top_k < 1:
        raise ValueError(f"top_k must be >= 1, got {top_k}")
    values, index = scores.topk(min(int(top_k), scores.numel()))
    return [(int(i), float(v)) for i, v in zip(index, values)]
