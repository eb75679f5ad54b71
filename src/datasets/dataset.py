"""Motion-text datasets: windows of canonicalised motion features, each with a caption.

An item is one window of one sequence (``__len__`` = number of sequences; each access
draws a window):
    {"x": (T, J, C) float32 raw features in the layout of ``src.utils.features``,
     "length": T, "text": str, "action_cat": str ("a|b" categories, "" none),
     "single_label": bool (the window lies inside one labelled action),
     "caption_coverage": float (share of its frames inside the labels its text names),
     "betas": (16,), "name": str, "fps": float}
``collate`` pads a list of items to the longest:
    {"x": (B, T, J, C) float32, zero on padded frames, "mask": (B, T) bool, True = real frame,
     "lengths": (B,) long, "text": [B] str, "action_cat": [B] str, "name": [B] str,
     "single_label": [B] bool, "caption_coverage": (B,) float, "betas": (B, 16), "fps": float}
Features are raw; ``dataset.stats`` (mean / std per (J, C), from the train split) is what a
model normalises with. ``src.parser.dataset.add_dataset_args`` adds the options below to a command's parser;
``src.datasets.get_dataset.get_datasets`` builds the splits from them.

Windows (original SMoG / ACTOR option meanings):
    * length: ``num_frames`` N > 0 frames; -1 the whole sequence (cropped to ``max_len`` when
      that is > 0); -2 a random length in [``min_len``, ``max_len``] (``max_len`` <= 0: up to the
      sequence length). A sequence shorter than the length gives a shorter window, padded
      (and masked) by ``collate``: nothing is dropped for being short; only sequences of
      fewer than ``MIN_SEQUENCE_FRAMES`` frames are left out, with a count in the log.
    * ``sampling``: "conseq" every ``sampling_step``-th frame (-1 or a step that does not fit:
      the largest that fits) from a random start; "random_conseq" a random step in [1, the
      largest that fits] from a random start (it changes the apparent speed, as in the
      original); "random" a sorted random subset of frames.
    * ``action_start_prob``: with this probability a training window starts where one of the
      sequence's labelled actions starts (a random frame label; frame 0 for sequences with only
      whole-sequence captions), moved back only as far as the window must to fit. Captions then
      describe a motion that begins with the window, as in HumanML3D's clips; otherwise a brief
      action (a squat, a kick, a turn) appears at a random phase and a decoder trained to
      regress it learns the blur of all phases.
    * ``action_emphasis`` ({action category: weight > 0}): a sequence holding an emphasised
      action is drawn that many times as often (the largest weight of its actions;
      ``sampling_weights``), and a window that starts at an action's start picks the emphasised
      action's start in proportion to the same weights. Why: a rare, small movement (a clap is 2%
      of the built-in windows, its wrists a few centimetres of two joints) needs far more exposure
      than an epoch gives it before a decoder stops drawing its average (README, Training).
    * evaluation (``train=False``): deterministic, conseq with ``sampling_step``, centred in
      the sequence, the longest allowed length for -2, no mirroring, first caption.

Each window is canonicalised as ``src.utils.geometry.canonicalize_params`` does (frame 0
faces +Z with its root at x = z = 0, floor y = 0 over the window), so the translation row
integrates to the root trajectory relative to the window's first frame, in that frame's heading
(``src.utils.features``: per-frame displacement and height).
Rotation matrices (864 bytes a frame), heading and lowest foot height of every frame come
from one forward-kinematics pass over the data at construction, with the body model at
its default shape (so the default body stands on the floor; ``betas`` only travel with the
batch); windows are then canonicalised with a few batched tensor operations
(``__getitems__`` builds a whole batch at once, and the DataLoader calls it).

Captions: the usable frame labels (not empty, not "transition") that overlap the window,
in temporal order, joined with " and " (``captions.join_labels``); otherwise one of the
sequence's whole-sequence captions (random in training, the first in evaluation);
otherwise the nearest frame label. Sequences with no usable caption are left out
(counted in the log): every item has a text.

Caption augmentation (training, probability ``caption_augment``): the caption is reworded by
``paraphrase.augment_caption`` (subject, synonyms, a modifier, filler words; the sides it
names are kept), before any mirroring swaps its side words.

Mirror augmentation (training, probability ``mirror_prob``): left and right joints swap,
rotations reflect through the YZ plane (R -> M R M, M = diag(-1, 1, 1)), translation x
negates, and the words for sides in the caption swap (``captions.swap_left_right``;
``action_cat`` stays as it is). Statistics are computed on unmirrored windows.
"""

import logging
import math
import random
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import Dataset

from src import config
from src.config import DATASETS, SAMPLINGS, STD_FLOOR  # noqa: F401  (DATASETS re-exported)
from src.datasets.formats import db as db_schema
from src.datasets.text import captions as cap
from src.datasets.text.paraphrase import augment_caption
from src.models.rotation2xyz import load_body_model
from src.utils import fileio, features, geometry, rotation

logger = logging.getLogger(__name__)

MIN_SEQUENCE_FRAMES = 2  # a velocity needs two frames
_FK_CHUNK = 4096  # frames per forward-kinematics chunk at construction

# Mirroring through the YZ plane: positions negate x; a rotation R becomes M R M with
# M = diag(-1, 1, 1), i.e. entry (i, j) times m_i m_j.
_REFLECT_X = torch.tensor([-1.0, 1.0, 1.0])
_REFLECT_ROTMAT = _REFLECT_X[:, None] * _REFLECT_X[None, :]  # (3, 3)


def mirror_rotmats(rotmats: torch.Tensor) -> torch.Tensor:
    """(..., 24, 3, 3) local rotations -> the left/right mirrored body's (M R M, sides swapped)."""
    perm = config.mirror_permutation(rotmats.shape[-3])
    return rotmats[..., perm, :, :] * _REFLECT_ROTMAT.to(rotmats)


def mirror_points(points: torch.Tensor) -> torch.Tensor:
    """(..., 3) positions (a root translation) -> reflected in x."""
    return points * _REFLECT_X.to(points)


def mirror_joints(joints: torch.Tensor) -> torch.Tensor:
    """(..., J, 3) SMPL-order joint positions -> reflected in x with left and right swapped."""
    return mirror_points(joints[..., config.mirror_permutation(joints.shape[-2]), :])


def _window_ids(lengths: torch.Tensor) -> torch.Tensor:
    """(B,) window lengths -> (sum T,) index of the window each flat frame belongs to."""
    return torch.repeat_interleave(torch.arange(len(lengths)), lengths)


def _first_positions(lengths: torch.Tensor) -> torch.Tensor:
    """(B,) window lengths -> (B,) position of each window's first frame in the flat layout."""
    return torch.cumsum(lengths, 0) - lengths


def _window_min(values: torch.Tensor, wid: torch.Tensor, num_windows: int) -> torch.Tensor:
    """(sum T,) per-frame values -> (B,) minimum over each window."""
    out = torch.full((num_windows,), float("inf"), dtype=values.dtype)
    return out.scatter_reduce(0, wid, values, "amin")


class _Labels:
    """Captions of one sequence: whole-sequence ones and frame labels sorted by start."""

    __slots__ = ("seq", "starts", "ends", "texts", "cats")

    def __init__(self, seq: List[Tuple[str, str]], frame: List[Tuple[int, int, str, str]]):
        frame = sorted(frame)
        self.seq = seq  # [(text, act_cat)]
        self.starts = [f[0] for f in frame]
        self.ends = [f[1] for f in frame]
        self.texts = [f[2] for f in frame]
        self.cats = [f[3] for f in frame]

    def __bool__(self):
        return bool(self.seq or self.texts)

    def categories(self) -> List[str]:
        """The "|"-joined action categories of every caption, whole-sequence and frame labels."""
        return [cats for _, cats in self.seq] + self.cats


class WindowedTextDataset(Dataset):
    """Windows and captions over a table of sequences; subclasses supply the features.

    Args:
        seq_begin: (N,) first frame of each sequence in the subclass' frame arrays.
        seq_len: (N,) frames per sequence.
        names: N sequence names.
        betas: (N, 16) body shapes (returned with the items).
        labels: N ``_Labels`` (already restricted to usable captions).
        fps: frame rate of the data.
        train: random windows, captions and mirroring; otherwise deterministic.
        pose_rep, translation, glob, glob_rot: feature layout (``src.utils.features``).
        num_frames, min_len, max_len, sampling, sampling_step: windows (module docstring).
        mirror_prob: probability of mirroring a training window.
        name: a label for logs.
        action_start_prob: probability that a training window starts at an action's start.
        caption_augment: probability of paraphrasing a training caption (``paraphrase.augment_caption``).
        action_emphasis: {action category: weight} for drawing sequences and action starts (module docstring).
    """

    def __init__(self, seq_begin: torch.Tensor, seq_len: torch.Tensor, names: Sequence[str], betas: torch.Tensor,
                 labels: Sequence[_Labels], fps: float, *, train: bool, pose_rep: str, translation: bool, glob: bool,
                 glob_rot: Optional[Sequence[float]], num_frames: int, min_len: int, max_len: int, sampling: str,
                 sampling_step: int, mirror_prob: float, name: str, action_start_prob: float = 0.0,
                 caption_augment: float = 0.0, action_emphasis: Optional[Dict[str, float]] = None):
        super().__init__()
        if pose_rep not in rotation.POSE_REPS:
            raise ValueError(f"pose_rep {pose_rep!r}: choose one of {rotation.POSE_REPS}")
        if sampling not in SAMPLINGS:
            raise ValueError(f"sampling {sampling!r}: choose one of {SAMPLINGS}")
        if num_frames == 0 or num_frames < -2:
            raise ValueError(f"num_frames {num_frames}: use N > 0, -1 (whole sequence) or -2 (random length)")
        if num_frames == -2 and (min_len <= 0 or (0 < max_len < min_len)):
            raise ValueError(f"num_frames -2 needs 0 < min_len <= max_len (or max_len <= 0); got {min_len}, {max_len}")
        for option, value in (("mirror_prob", mirror_prob), ("action_start_prob", action_start_prob),
                              ("caption_augment", caption_augment)):
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{option} {value} is not a probability")
        self.train = train
        self.pose_rep, self.translation, self.glob = pose_rep, translation, glob
        self.glob_rot = [0.0, 0.0, 0.0] if glob_rot is None else [float(v) for v in glob_rot]
        self._glob_rotmat = rotation.axis_angle_to_matrix(torch.tensor(self.glob_rot, dtype=torch.float32))
        self.num_frames, self.min_len, self.max_len = num_frames, min_len, max_len
        self.sampling, self.sampling_step = sampling, sampling_step
        self.mirror_prob = mirror_prob
        self.action_start_prob = action_start_prob
        self.caption_augment = caption_augment
        self.action_emphasis = dict(action_emphasis or {})
        if any(not w > 0 for w in self.action_emphasis.values()):
            raise ValueError(f"action_emphasis {self.action_emphasis}: weights must be > 0")
        self.fps = float(fps)
        self.name = name
        self.stats: Optional[Dict[str, torch.Tensor]] = None

        long_enough = [n >= MIN_SEQUENCE_FRAMES for n in seq_len.tolist()]
        keep = [i for i, ok in enumerate(long_enough) if ok and labels[i]]
        short = long_enough.count(False)
        uncaptioned = len(long_enough) - short - len(keep)
        if short or uncaptioned:
            logger.warning("%s: left out %d sequences without a usable caption and %d shorter than %d frames; %d kept",
                           name, uncaptioned, short, MIN_SEQUENCE_FRAMES, len(keep))
        keep_t = torch.as_tensor(keep, dtype=torch.long)
        begin, length = seq_begin[keep_t], seq_len[keep_t]
        # Frames of left-out sequences are not kept: subclasses pass their per-frame arrays
        # through ``_compact``, and ``seq_begin`` indexes the compacted arrays.
        total = int((seq_begin + seq_len).max()) if len(seq_len) else 0
        edges = torch.zeros(total + 1, dtype=torch.long)
        edges.index_add_(0, begin, torch.ones_like(begin))
        edges.index_add_(0, begin + length, -torch.ones_like(begin))
        inside = edges.cumsum(0)[:total] > 0  # (F,) frame belongs to a kept sequence
        self._frame_index = None if bool(inside.all()) else inside.nonzero().squeeze(1)
        self.seq_begin = begin if self._frame_index is None else inside.cumsum(0)[begin] - 1
        self.seq_len = length
        self.names = [names[i] for i in keep]
        self.betas = betas[keep_t].float()
        self.labels = [labels[i] for i in keep]
        self.num_dropped = {"uncaptioned": uncaptioned, "short": short}
        if self.action_emphasis:  # a misspelt action would emphasise nothing, silently, for a whole run
            known = {c for lab in self.labels for joined in lab.categories() for c in cap.split_categories(joined)}
            unknown = sorted(set(self.action_emphasis) - known)
            if unknown:
                raise ValueError(f"--emphasize_actions: {', '.join(unknown)} not among the action categories of "
                                 f"{name or 'the data'} ({', '.join(sorted(known)) or 'none'})")

    def _compact(self, per_frame: torch.Tensor) -> torch.Tensor:
        """(F, ...) array over all frames -> the frames of the kept sequences."""
        return per_frame if self._frame_index is None else per_frame.index_select(0, self._frame_index)

    # ---------------------------------------------------------------- layout
    @property
    def feature_shape(self) -> tuple:
        """(J, C) of one frame of features."""
        return features.feature_shape(self.pose_rep, self.translation)

    def __len__(self) -> int:
        return len(self.seq_len)

    def sequence_weights(self) -> torch.Tensor:
        """(N,) how many windows each sequence holds (>= 1), for a length-weighted sampler."""
        window = self.num_frames if self.num_frames > 0 else max(self.max_len, self.min_len, 1)
        return (self.seq_len.double() / window).clamp_min(1.0)

    def _emphasis(self, categories: str) -> float:
        """Largest emphasis weight of the "|"-joined categories (1 for none emphasised)."""
        return max([self.action_emphasis.get(c, 1.0) for c in cap.split_categories(categories)] or [1.0])

    def sampling_weights(self, by_length: bool) -> Optional[torch.Tensor]:
        """(N,) weights of a training sampler: the number of windows (``by_length``) times each
        sequence's action emphasis; None when both are off (uniform shuffling)."""
        if not by_length and not self.action_emphasis:
            return None
        weights = self.sequence_weights() if by_length else torch.ones(len(self), dtype=torch.double)
        if self.action_emphasis:
            emphasis = [max(self._emphasis(c) for c in lab.categories()) for lab in self.labels]
            weights = weights * torch.tensor(emphasis, dtype=torch.double)
        return weights

    # --------------------------------------------------------------- windows
    def _window_length(self, n: int) -> int:
        cap_len = n if self.max_len <= 0 else min(n, self.max_len)
        if self.num_frames > 0:
            return min(n, self.num_frames)
        if self.num_frames == -1:
            return cap_len
        if self.train:  # -2
            return random.randint(min(self.min_len, cap_len), cap_len)
        return cap_len

    def _window_frames(self, n: int, k: int) -> torch.Tensor:
        """Frames (within sequence k, of n frames) of one window: (T,) long, increasing."""
        length = self._window_length(n)
        if self.train and self.sampling == "random":
            return torch.tensor(sorted(random.sample(range(n), length)), dtype=torch.long)
        step_max = max(1, (n - 1) // max(1, length - 1))
        if self.train and self.sampling == "random_conseq":
            step = random.randint(1, step_max)
        else:
            step = self.sampling_step
            if step <= 0 or step * (length - 1) >= n:
                step = step_max
        span = step * (length - 1) + 1
        start = random.randint(0, n - span) if self.train else (n - span) // 2
        if self.train and self.action_start_prob > 0 and random.random() < self.action_start_prob:
            lab = self.labels[k]
            if not lab.starts:
                chosen = 0
            elif self.action_emphasis:
                chosen = random.choices(lab.starts, [self._emphasis(c) for c in lab.cats])[0]
            else:
                chosen = lab.starts[random.randrange(len(lab.starts))]
            start = min(chosen, n - span)
        return start + torch.arange(length) * step

    # -------------------------------------------------------------- captions
    def _caption(self, k: int, begin: int, end: int) -> Tuple[str, str, float]:
        """(text, action categories, coverage) of the window [begin, end) of sequence k; coverage is
        the share of the window's frames inside the labels the text names (1 for a sequence-level
        label; 0 when no label touches the window and the nearest one is named)."""
        lab = self.labels[k]
        chosen = cap.overlapping_labels(lab.starts, lab.ends, begin, end)
        if not chosen and lab.seq:
            text, cats = lab.seq[random.randrange(len(lab.seq)) if self.train else 0]
            return text, cats, 1.0
        if not chosen:  # only frame labels, none touching the window: the nearest one
            distance = [max(s - end, begin - e) for s, e in zip(lab.starts, lab.ends)]
            chosen = [min(range(len(distance)), key=distance.__getitem__)]
        text = cap.join_labels(lab.texts[i] for i in chosen)
        cats = cap.unique_in_order(c for i in chosen for c in cap.split_categories(lab.cats[i]))
        covered = torch.zeros(end - begin, dtype=torch.bool)
        for i in chosen:
            covered[max(lab.starts[i], begin) - begin:max(min(lab.ends[i], end) - begin, 0)] = True
        return text, "|".join(cats), float(covered.float().mean())

    def _inside_one_label(self, k: int, begin: int, end: int) -> bool:
        """Whether the window [begin, end) of sequence k shows one labelled action only: it lies
        inside one frame label's span (a caption may name an action that covers only part of the
        window, e.g. a still whose window runs into the jog after it), or the sequence has only a
        sequence-level label of one category."""
        lab = self.labels[k]
        if not lab.starts:
            return len(lab.seq) > 0 and all("|" not in cats for _, cats in lab.seq)
        return any(s <= begin and end <= e for s, e in zip(lab.starts, lab.ends))

    # ----------------------------------------------------------------- items
    def __getitem__(self, index: int) -> dict:
        return self.__getitems__([index])[0]

    def __getitems__(self, indices: Sequence[int]) -> List[dict]:
        """Draw one window for each sequence index and build all of them in one batched pass."""
        frames, mirrored, texts, cats, single, coverage = [], [], [], [], [], []
        for k in indices:
            k = int(k)
            rel = self._window_frames(int(self.seq_len[k]), k)
            begin, end = int(rel[0]), int(rel[-1]) + 1
            text, cat, covered = self._caption(k, begin, end)
            coverage.append(covered)
            single.append(self._inside_one_label(k, begin, end))
            if self.train and self.caption_augment > 0 and random.random() < self.caption_augment:
                text = augment_caption(text)  # before the mirror swap: its side words are swapped with it
            mirror = self.train and self.mirror_prob > 0 and random.random() < self.mirror_prob
            frames.append(rel + self.seq_begin[k])
            mirrored.append(mirror)
            texts.append(cap.swap_left_right(text) if mirror else text)
            cats.append(cat)
        lengths = torch.tensor([len(f) for f in frames], dtype=torch.long)
        x = self._window_features(torch.cat(frames), lengths, torch.tensor(mirrored, dtype=torch.bool))
        return [{"x": xi, "length": int(n), "text": t, "action_cat": c, "single_label": one, "caption_coverage": cov,
                 "betas": self.betas[int(k)], "name": self.names[int(k)], "fps": self.fps}
                for xi, n, t, c, one, cov, k in zip(torch.split(x, lengths.tolist()), lengths, texts, cats, single,
                                                    coverage, indices)]

    def _window_features(self, frames: torch.Tensor, lengths: torch.Tensor, mirrored: torch.Tensor) -> torch.Tensor:
        """Canonicalised features of B windows laid end to end.

        Args:
            frames: (sum T,) absolute frame indices, window after window.
            lengths: (B,) frames per window.
            mirrored: (B,) bool, windows to mirror.
        Returns:
            (sum T, J, C) float32.
        """
        raise NotImplementedError

    def windows_for_stats(self, max_frames: int, seed: int = 0):
        """Yield (frames, lengths) batches of windows tiling a seeded random subset of sequences."""
        if self.num_frames > 0:
            length = self.num_frames
        elif self.num_frames == -1:
            length = self.max_len  # <= 0: whole sequences
        else:
            length = (self.min_len + self.max_len) // 2 if self.max_len > 0 else 0
        order = torch.randperm(len(self), generator=torch.Generator().manual_seed(seed)).tolist()
        frames, budget = [], max_frames
        for k in order:
            n, begin = int(self.seq_len[k]), int(self.seq_begin[k])
            tile = n if length <= 0 else min(n, length)
            for start in range(0, n - tile + 1, tile):
                frames.append(begin + start + torch.arange(tile))
                budget -= tile
            if len(frames) >= 64 or budget <= 0:
                yield torch.cat(frames), torch.tensor([len(f) for f in frames])
                frames = []
            if budget <= 0:
                return
        if frames:
            yield torch.cat(frames), torch.tensor([len(f) for f in frames])

    def stats_key(self) -> str:
        """What the normalisation statistics depend on: feature layout and window lengths."""
        return (f"{self.pose_rep}|translation={self.translation}|root=window-displacement|glob={self.glob}|glob_rot={self.glob_rot}"
                f"|num_frames={self.num_frames}|min_len={self.min_len}|max_len={self.max_len}"
                f"|sequences={len(self)}|frames={int(self.seq_len.sum())}")


class MotionTextDataset(WindowedTextDataset):
    """Windows of SMPL-24 motions from a ``smog-db-v1`` file, with captions.

    Args:
        db: the dict stored in ``<prefix>_{split}.pt`` (format in ``src.datasets.formats.db``).
        use_action_cat_as_text_labels: captions from BABEL action categories instead of texts.
        body_model: forward kinematics for canonicalisation and ``xyz`` features
            (default: the built-in skeleton), always at its default shape.
        Other arguments as ``WindowedTextDataset``.
    """

    def __init__(self, db: dict, *, train: bool, pose_rep: str = "rot6d", translation: bool = True, glob: bool = True,
                 glob_rot: Optional[Sequence[float]] = None, num_frames: int = 60, min_len: int = -1, max_len: int = -1,
                 sampling: str = "conseq", sampling_step: int = 1, mirror_prob: float = 0.0,
                 use_action_cat_as_text_labels: bool = False, body_model=None, name: str = "",
                 action_start_prob: float = 0.0, caption_augment: float = 0.0,
                 action_emphasis: Optional[Dict[str, float]] = None):
        if db.get("format") != db_schema.DB_FORMAT:
            raise ValueError(f"{name or 'db'}: format {db.get('format')!r}, expected {db_schema.DB_FORMAT!r}")
        offsets = db["offsets"].long()
        labels = _db_labels(db, use_action_cat_as_text_labels)
        super().__init__(offsets[:-1], offsets[1:] - offsets[:-1], db["names"], db["betas"], labels, db["fps"],
                         train=train, pose_rep=pose_rep, translation=translation, glob=glob, glob_rot=glob_rot,
                         num_frames=num_frames, min_len=min_len, max_len=max_len, sampling=sampling,
                         sampling_step=sampling_step, mirror_prob=mirror_prob, name=name or db.get("dataset", ""),
                         action_start_prob=action_start_prob, caption_augment=caption_augment,
                         action_emphasis=action_emphasis)
        self.body_model = load_body_model("builtin") if body_model is None else body_model
        self.trans = self._compact(db["trans"]).float()  # (F, 3) world frame
        self.rotmats, self.heading, self.foot_height = self._frame_geometry(self._compact(db["poses"]))
        rest = self.body_model(torch.eye(3).expand(1, config.NUM_SMPL_JOINTS, 3, 3), torch.zeros(1, 3))["joints"]
        self.pelvis_rest = rest[0, 0]  # (3,) where a zero translation puts the pelvis

    @torch.no_grad()
    def _frame_geometry(self, poses: torch.Tensor):
        """(F, 24, 3) axis-angle -> rotation matrices (F, 24, 3, 3), and by forward kinematics each
        frame's heading (F,) and lowest foot height (F,). Matrices are kept because converting
        axis-angle per window would dominate the cost of a batch."""
        num = poses.shape[0]
        rotmats = torch.empty(num, config.NUM_SMPL_JOINTS, 3, 3)
        heading, foot = torch.empty(num), torch.empty(num)
        for s in range(0, num, _FK_CHUNK):
            e = min(num, s + _FK_CHUNK)
            rotmats[s:e] = rotation.axis_angle_to_matrix(poses[s:e].float())
            joints = self.body_model(rotmats[s:e], self.trans[s:e])["joints"]  # (chunk, 24, 3)
            heading[s:e] = geometry.heading_from_joints(joints)
            foot[s:e] = joints[:, list(config.FLOOR_JOINTS), 1].amin(-1)
        return rotmats, heading, foot

    @torch.no_grad()
    def _window_features(self, frames, lengths, mirrored):
        rotmats = self.rotmats.index_select(0, frames)  # (sum T, 24, 3, 3)
        trans = self.trans.index_select(0, frames)  # (sum T, 3)
        wid, first = _window_ids(lengths), _first_positions(lengths)
        yaw = self.heading[frames[first]].clone()  # (B,)
        if mirrored.any():
            flat = mirrored[wid]
            rotmats[flat] = mirror_rotmats(rotmats[flat])
            trans[flat] = mirror_points(trans[flat])
            yaw[mirrored] = -yaw[mirrored]  # the mirrored body's heading
        floor = _window_min(self.foot_height[frames], wid, len(lengths))  # (B,), unchanged by turns and mirroring
        # canonicalize_params, batched over windows: turn about +Y so frame 0 faces +Z, then
        # shift its pelvis to x = z = 0 and the floor to y = 0.
        # The posed pelvis is trans + pelvis_rest (the rest offset is not rotated by the root).
        turn = rotation.rotation_about_y(-yaw)  # (B, 3, 3)
        pelvis0 = torch.einsum("bij,bj->bi", turn, trans[first] + self.pelvis_rest)
        shift = torch.stack([pelvis0[:, 0], floor, pelvis0[:, 2]], dim=-1)  # (B, 3)
        turn_f = turn[wid]  # (sum T, 3, 3)
        trans = torch.einsum("fij,fj->fi", turn_f, trans + self.pelvis_rest) - self.pelvis_rest - shift[wid]
        rotmats[:, 0] = turn_f @ rotmats[:, 0]
        starts = torch.zeros(len(frames), dtype=torch.bool)
        starts[first] = True
        feats = features.motion_to_features(rotmats, trans, self.pose_rep, self.translation, self.glob,
                                            self._glob_rotmat, self.body_model, fps=self.fps, first=starts).float()
        if self.translation and self.pose_rep not in config.POSITION_REPS:
            # The translation row holds per-frame displacements, taken here along the flat layout:
            # a window's first frame must hold its own position, not its step from the previous
            # window's last frame (which made the first frame of most windows in a batch a jump of
            # up to metres, and inflated the displacement channels' std by an order of magnitude).
            for axis in (0, 2):  # x and z; y is the height, a position in every frame
                feats[first, config.NUM_SMPL_JOINTS, axis] = trans[first, axis].to(feats.dtype)
        return feats


def _db_labels(db: dict, use_action_cat: bool) -> List[_Labels]:
    """Per-sequence usable captions of a db; with ``use_action_cat`` the categories make the text."""
    seq = [[] for _ in db["names"]]
    frame = [[] for _ in db["names"]]
    for n, s, e, text, kind, cats in zip(db["seg_seq"].tolist(), db["seg_start"].tolist(), db["seg_end"].tolist(),
                                         db["seg_text"], db["seg_kind"], db["seg_act_cat"]):
        if use_action_cat:
            text = cap.join_labels(cap.split_categories(cats))
        if not cap.usable(text):
            continue
        if kind == "seq":
            seq[n].append((cap.clean_label(text), cats))
        elif e > s:
            frame[n].append((s, e, text, cats))
    return [_Labels(a, b) for a, b in zip(seq, frame)]


class JointsTextDataset(WindowedTextDataset):
    """Windows of joint positions (HumanML3D-style records) with captions; ``pose_rep`` "xyz" only.

    Args:
        records: dicts ``{"id", "joints": (T, 22, 3) metres Y-up SMPL order, "fps",
            "texts": [(caption, start_s, end_s)]}`` (KIT-ML: ``humanml3d.load_humanml3d(...,
            layout="smpl22")``, its MMM joints mapped onto SMPL-22); a caption with start = end = 0
            (or covering the clip) describes the whole clip, any other one becomes a sub-clip of
            its own, as in HumanML3D's loaders.
        Other arguments as ``WindowedTextDataset`` (glob must stay on: positions have no root
        rotation to remove).
    """

    def __init__(self, records: Sequence[dict], *, train: bool, pose_rep: str = "xyz", translation: bool = True,
                 glob: bool = True, glob_rot: Optional[Sequence[float]] = None, num_frames: int = 60,
                 min_len: int = -1, max_len: int = -1, sampling: str = "conseq", sampling_step: int = 1,
                 mirror_prob: float = 0.0, name: str = "", action_start_prob: float = 0.0,
                 caption_augment: float = 0.0, action_emphasis: Optional[Dict[str, float]] = None):
        if pose_rep != "xyz":
            raise ValueError(f"{name}: joint-position datasets give pose_rep 'xyz' only (got {pose_rep!r})")
        if not glob:
            raise ValueError(f"{name}: --no-glob needs rotations; joint-position datasets have none")
        if not records:
            raise ValueError(f"{name}: no records")
        fps = float(records[0]["fps"])
        chunks, begins, lens, names, labels, offset = [], [], [], [], [], 0
        for rec in records:
            joints = torch.as_tensor(rec["joints"], dtype=torch.float32)
            if tuple(joints.shape[1:]) != (config.NUM_BODY_JOINTS, 3):
                raise NotImplementedError(f"{name}: {rec['id']} has joints {tuple(joints.shape)}; this dataset needs "
                                          f"(T, {config.NUM_BODY_JOINTS}, 3) in SMPL order (load KIT-ML's 21 MMM "
                                          "joints with layout='smpl22', which maps them onto SMPL-22)")
            if float(rec["fps"]) != fps:
                raise ValueError(f"{name}: mixed frame rates {fps} and {rec['fps']}")
            num = joints.shape[0]
            whole = []
            for text, start_s, end_s in rec["texts"]:
                if not cap.usable(text):
                    continue
                begin, end = (0 if math.isnan(float(t)) else round(float(t) * fps) for t in (start_s, end_s))
                if (begin <= 0 and end <= 0) or (begin <= 0 and end >= num):
                    whole.append((cap.clean_label(text), ""))
                elif min(end, num) - max(begin, 0) >= MIN_SEQUENCE_FRAMES:
                    begins.append(offset + max(begin, 0))
                    lens.append(min(end, num) - max(begin, 0))
                    names.append(f"{rec['id']}#{begin}-{end}")
                    labels.append(_Labels([(cap.clean_label(text), "")], []))
            begins.append(offset)
            lens.append(num)
            names.append(str(rec["id"]))
            labels.append(_Labels(whole, []))
            chunks.append(joints)
            offset += num
        betas = torch.zeros(len(names), config.NUM_BETAS)
        super().__init__(torch.tensor(begins), torch.tensor(lens), names, betas, labels, fps, train=train,
                         pose_rep=pose_rep, translation=translation, glob=glob, glob_rot=glob_rot,
                         num_frames=num_frames, min_len=min_len, max_len=max_len, sampling=sampling,
                         sampling_step=sampling_step, mirror_prob=mirror_prob, name=name,
                         action_start_prob=action_start_prob, caption_augment=caption_augment,
                         action_emphasis=action_emphasis)
        self.joints = self._compact(torch.cat(chunks))  # (F, 22, 3)
        self.foot_height = self.joints[:, list(config.FLOOR_JOINTS), 1].amin(-1)  # (F,)

    @torch.no_grad()
    def _window_features(self, frames, lengths, mirrored):
        joints = self.joints.index_select(0, frames)  # (sum T, 22, 3)
        wid, first = _window_ids(lengths), _first_positions(lengths)
        if mirrored.any():
            flat = mirrored[wid]
            joints[flat] = mirror_joints(joints[flat])
        floor = _window_min(self.foot_height[frames], wid, len(lengths))
        # canonicalize_joints, batched over windows
        turn = rotation.rotation_about_y(-geometry.heading_from_joints(joints[first]))  # (B, 3, 3)
        root0 = torch.einsum("bij,bj->bi", turn, joints[first, 0])
        shift = torch.stack([root0[:, 0], floor, root0[:, 2]], dim=-1)  # (B, 3)
        return joints @ turn[wid].transpose(-1, -2) - shift[wid, None, :]


def collate(items: Sequence[dict]) -> dict:
    """Pad items to the longest; see the module docstring for the batch layout."""
    lengths = torch.tensor([it["length"] for it in items], dtype=torch.long)
    x = pad_sequence([it["x"] for it in items], batch_first=True)  # (B, T, J, C), zeros after each length
    mask = torch.arange(x.shape[1])[None, :] < lengths[:, None]  # (B, T)
    return {"x": x, "mask": mask, "lengths": lengths,
            "text": [it["text"] for it in items], "action_cat": [it["action_cat"] for it in items],
            "single_label": [it.get("single_label", False) for it in items],
            "caption_coverage": torch.tensor([it.get("caption_coverage", 1.0) for it in items]),
            "name": [it["name"] for it in items], "betas": torch.stack([it["betas"] for it in items]),
            "fps": items[0]["fps"]}


# ------------------------------------------------------------ normalisation
@torch.no_grad()
def compute_stats(dataset: WindowedTextDataset, max_frames: int = 300_000) -> Dict[str, torch.Tensor]:
    """Mean and std per feature (J, C) over windows tiling the data (no mirroring).

    Channels that never vary (the translation row's padding channels, a root with
    ``--no-glob``, joints the data never moves) get std 1; others at least ``STD_FLOOR``.
    """
    total = torch.zeros(dataset.feature_shape, dtype=torch.float64)
    total_sq = torch.zeros_like(total)
    count = 0
    for frames, lengths in dataset.windows_for_stats(max_frames):
        x = dataset._window_features(frames, lengths, torch.zeros(len(lengths), dtype=torch.bool)).double()
        total += x.sum(0)
        total_sq += (x * x).sum(0)
        count += x.shape[0]
    if count == 0:
        raise ValueError(f"{dataset.name}: no frames to compute statistics from")
    mean = total / count
    std = (total_sq / count - mean * mean).clamp_min(0).sqrt()
    constant = std < 1e-6 * (1 + mean.abs())
    std = torch.where(constant, torch.ones_like(std), std.clamp_min(STD_FLOOR))
    return {"mean": mean.float(), "std": std.float()}


def load_or_compute_stats(dataset: WindowedTextDataset, path, max_frames: int = 300_000) -> Dict[str, torch.Tensor]:
    """Statistics for ``dataset`` (the train split) from ``path``, computed and added there if missing.

    The file holds one entry per ``dataset.stats_key()``, so runs with other feature layouts
    or window lengths share it. A file that cannot be written is only logged.
    """
    key = dataset.stats_key()
    entries = {}
    try:
        stored = torch.load(path, weights_only=True)
        entries = stored.get("entries", {})
    except FileNotFoundError:
        pass
    entry = entries.get(key)
    if entry is not None and tuple(entry["mean"].shape) == tuple(dataset.feature_shape):
        return {"mean": entry["mean"], "std": entry["std"]}
    stats = compute_stats(dataset, max_frames)
    entries[key] = stats
    try:
        with fileio.atomic_path(path) as tmp:
            torch.save({"format": "smog-stats-v1", "entries": entries}, tmp)
        logger.info("%s: normalisation statistics written to %s", dataset.name, path)
    except OSError as err:
        logger.warning("%s: could not write statistics to %s (%s); using them unsaved", dataset.name, path, err)
    return stats
