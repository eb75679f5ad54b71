"""BVH motion files: a reader for any skeleton and a writer for the SMPL-24 skeleton.

Reading follows the format as the common tools (Blender, MotionBuilder) interpret it:

* every joint has its own CHANNELS line, and its rotation channels are applied in the
  listed order as *intrinsic* rotations: ``Zrotation Xrotation Yrotation`` means
  ``R = Rz(z) @ Rx(x) @ Ry(y)``, angles in degrees, and ``v_parent = R @ v_local``;
* a joint's position channels (normally only the root's) replace its OFFSET on those
  axes (Blender's reading); every file this project reads or writes has a zero root
  OFFSET, so readers that add the two instead agree with it;
* End Site blocks carry no channels; their offsets are kept for drawing and retargeting.

Writing (``write_bvh``) produces a file for the SMPL-24 skeleton in SMPL's canonical frame:
Y-up, body facing +Z, left = +X, lengths in metres (``unit="m"``, the default; Blender's
importer at scale 1.0 then shows the body at its true size) or centimetres (``unit="cm"``,
for tools that assume centimetres). Every joint uses ``Zrotation Yrotation Xrotation``,
the root adds ``Xposition Yposition Zposition`` = the pelvis' world position. End Sites
continue a leaf's bone by half its length, levelled for the feet (a flat foot's toe tips stay
at its toe joints' height, on or above the floor). Reading
the written file back gives the same joint positions and rotations (tests check 1e-4).
In Blender: File > Import > Motion Capture (.bvh) with its defaults (Scale 1.0, Forward -Z,
Up Y) for ``unit="m"``; the frame rate is the file's Frame Time.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import numpy as np

from src import config
from src.utils.fileio import atomic_path

_AXES = {"X": 0, "Y": 1, "Z": 2}
_VALID_CHANNELS = {f"{a}{kind}" for a in "XYZ" for kind in ("position", "rotation")}
UNIT_PER_METRE = {"m": 1.0, "cm": 100.0}
# Leaves whose End Site is level rather than continuing the bone. SMPL's foot bone slopes down from
# ankle to toes, and continuing it put the toe tips 1-3 cm under the floor in most frames of a walk
# (a mesh skinned to them clipped the ground); level, a flat foot's toe tips are at its toe joints' height.
TOE_JOINTS = ("left_foot", "right_foot")


class BvhParseError(ValueError):
    """A BVH file does not follow the format; the message names the file and line."""

    def __init__(self, source: str, line: int, message: str):
        super().__init__(f"{source}:{line}: {message}")
        self.source, self.line = source, line


@dataclass
class BvhMotion:
    """A parsed BVH file.

    Args:
        names: (J,) joint names, parents before children (file order).
        parents: (J,) parent index of each joint, -1 for the root.
        offsets: (J, 3) OFFSET of each joint in its parent's frame, file units.
        channels: (J,) tuple of channel names per joint, in file order.
        frame_time: seconds per frame from the header.
        values: (T, C) the MOTION block, C = total channel count.
        end_sites: (parent joint index, (3,) offset) for each End Site.
        source: file name, for messages.
    """

    names: List[str]
    parents: List[int]
    offsets: np.ndarray
    channels: List[Tuple[str, ...]]
    frame_time: float
    values: np.ndarray
    end_sites: List[Tuple[int, np.ndarray]] = field(default_factory=list)
    source: str = "<bvh>"

    @property
    def num_frames(self) -> int:
        return int(self.values.shape[0])

    @property
    def num_joints(self) -> int:
        return len(self.names)

    @property
    def fps(self) -> float:
        """Frame rate the header states (1 / Frame Time)."""
        return 1.0 / self.frame_time

    def index(self, name: str) -> int:
        return self.names.index(name)

    def _channel_columns(self):
        start = 0
        for chans in self.channels:
            yield start, chans
            start += len(chans)

    def local_transforms(self, frames: Optional[np.ndarray] = None):
        """Local rotations and translations from the channel values.

        Args:
            frames: (F, C) channel values to use instead of ``values`` (e.g. zeros for the
                skeleton's rest pose).
        Returns:
            rot (F, J, 3, 3) and trans (F, J, 3), in the parent's frame, file units.
        """
        vals = self.values if frames is None else np.asarray(frames, dtype=np.float64)
        num = vals.shape[0]
        rot = np.tile(np.eye(3), (num, self.num_joints, 1, 1))
        trans = np.tile(self.offsets, (num, 1, 1)).astype(np.float64)
        for j, (start, chans) in enumerate(self._channel_columns()):
            for k, chan in enumerate(chans):
                axis = _AXES[chan[0]]
                col = vals[:, start + k]
                if chan.endswith("position"):
                    trans[:, j, axis] = col
                else:  # intrinsic: later channels act in the frame rotated by earlier ones
                    rot[:, j] = rot[:, j] @ elemental_rotation(axis, np.radians(col))
        return rot, trans

    def global_transforms(self, frames: Optional[np.ndarray] = None):
        """World rotations (F, J, 3, 3) and positions (F, J, 3) of every joint, file units."""
        rot, trans = self.local_transforms(frames)
        glob_rot = np.empty_like(rot)
        glob_pos = np.empty_like(trans)
        for j, p in enumerate(self.parents):
            if p < 0:
                glob_rot[:, j], glob_pos[:, j] = rot[:, j], trans[:, j]
            else:
                glob_rot[:, j] = glob_rot[:, p] @ rot[:, j]
                glob_pos[:, j] = glob_pos[:, p] + (glob_rot[:, p] @ trans[:, j, :, None])[..., 0]
        return glob_rot, glob_pos

    def end_site_positions(self, glob_rot: np.ndarray, glob_pos: np.ndarray) -> np.ndarray:
        """(F, E, 3) world positions of the End Sites, given ``global_transforms``' output."""
        if not self.end_sites:
            return np.zeros((glob_pos.shape[0], 0, 3))
        par = [p for p, _ in self.end_sites]
        off = np.stack([o for _, o in self.end_sites])  # (E, 3)
        return glob_pos[:, par] + np.einsum("feij,ej->fei", glob_rot[:, par], off)

    def zero_frame(self) -> np.ndarray:
        """(1, C) channel values of the skeleton's rest pose: zero rotations, root at its offset."""
        frame = np.zeros((1, self.values.shape[1]))
        for j, (start, chans) in enumerate(self._channel_columns()):
            for k, chan in enumerate(chans):
                if chan.endswith("position"):
                    frame[0, start + k] = self.offsets[j, _AXES[chan[0]]]
        return frame


def elemental_rotation(axis: int, angle: np.ndarray) -> np.ndarray:
    """(...,) radians about axis 0/1/2 (X/Y/Z) -> (..., 3, 3), right-handed."""
    angle = np.asarray(angle, dtype=np.float64)
    c, s = np.cos(angle), np.sin(angle)
    out = np.zeros(angle.shape + (3, 3))
    i, k = (axis + 1) % 3, (axis + 2) % 3  # cyclic order keeps every turn right-handed
    out[..., axis, axis] = 1.0
    out[..., i, i], out[..., i, k] = c, -s
    out[..., k, i], out[..., k, k] = s, c
    return out


# ----------------------------------------------------------------------- reading
class _Tokens:
    """Whitespace-separated tokens of the HIERARCHY block, each with its 1-based line number."""

    def __init__(self, lines: Sequence[str], source: str):
        self.source = source
        self.items = [(tok, n) for n, line in enumerate(lines, 1) for tok in line.split()]
        self.pos = 0

    def peek(self):
        return self.items[self.pos] if self.pos < len(self.items) else (None, self.last_line)

    @property
    def last_line(self) -> int:
        return self.items[-1][1] if self.items else 1

    def next(self, what: str):
        if self.pos >= len(self.items):
            raise BvhParseError(self.source, self.last_line, f"the HIERARCHY section ends early, expected {what}")
        tok = self.items[self.pos]
        self.pos += 1
        return tok

    def expect(self, word: str):
        tok, line = self.next(repr(word))
        if tok != word:
            raise BvhParseError(self.source, line, f"expected {word!r}, found {tok!r}")
        return line

    def number(self, what: str) -> float:
        tok, line = self.next(what)
        try:
            return float(tok)
        except ValueError:
            raise BvhParseError(self.source, line, f"expected a number for {what}, found {tok!r}") from None


def read_bvh(path) -> BvhMotion:
    """Parse a BVH file. Raises ``BvhParseError`` naming the file and line of the first problem."""
    path = Path(path)
    text = path.read_text(encoding="utf-8", errors="replace")
    return parse_bvh(text, source=str(path))


def parse_bvh(text: str, source: str = "<bvh>") -> BvhMotion:
    """Parse BVH text (see ``read_bvh``)."""
    lines = text.splitlines()
    motion_at = next((i for i, line in enumerate(lines) if line.strip() == "MOTION"), None)
    if motion_at is None:
        raise BvhParseError(source, len(lines) or 1, "no MOTION section")
    toks = _Tokens(lines[:motion_at], source)
    toks.expect("HIERARCHY")
    skel = {"names": [], "parents": [], "offsets": [], "channels": [], "end_sites": [], "lines": []}
    tok, line = toks.next("ROOT")
    if tok != "ROOT":
        raise BvhParseError(source, line, f"expected 'ROOT', found {tok!r}")
    _parse_joint(toks, skel, parent=-1)
    tok, line = toks.peek()
    if tok is not None:
        raise BvhParseError(source, line, f"unexpected {tok!r} after the root joint (only one ROOT is supported)")

    num_channels = sum(len(c) for c in skel["channels"])
    frame_count, frame_time, data_start = _parse_motion_header(lines, motion_at, source)
    values = np.zeros((frame_count, num_channels))
    row = 0
    for i in range(data_start, len(lines)):
        parts = lines[i].split()
        if not parts:
            continue
        if row >= frame_count:
            raise BvhParseError(source, i + 1, f"more frame lines than the {frame_count} declared in 'Frames:'")
        if len(parts) != num_channels:
            raise BvhParseError(source, i + 1, f"frame has {len(parts)} values; the hierarchy declares {num_channels} channels")
        try:
            values[row] = [float(p) for p in parts]
        except ValueError:
            bad = next(p for p in parts if not _is_float(p))
            raise BvhParseError(source, i + 1, f"not a number: {bad!r}") from None
        row += 1
    if row != frame_count:
        raise BvhParseError(source, len(lines), f"'Frames: {frame_count}' but the file holds {row} frame lines")
    if not np.isfinite(values).all():
        bad = int(np.argwhere(~np.isfinite(values))[0, 0])
        raise BvhParseError(source, data_start + 1 + bad, "non-finite value in a frame")
    return BvhMotion(names=skel["names"], parents=skel["parents"], offsets=np.array(skel["offsets"], dtype=np.float64),
                     channels=skel["channels"], frame_time=frame_time, values=values,
                     end_sites=skel["end_sites"], source=source)


def _is_float(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


def _parse_joint(toks: _Tokens, skel: dict, parent: int) -> None:
    """Parse ``name { OFFSET .. CHANNELS .. children }`` after a ROOT or JOINT keyword."""
    name, line = toks.next("a joint name")
    if name == "{":
        raise BvhParseError(toks.source, line, "joint has no name")
    if name in skel["names"]:
        raise BvhParseError(toks.source, line, f"joint name {name!r} appears twice")
    toks.expect("{")
    toks.expect("OFFSET")
    offset = [toks.number(f"{name} OFFSET") for _ in range(3)]
    toks.expect("CHANNELS")
    count_tok, line = toks.next("a channel count")
    if not count_tok.isdigit():
        raise BvhParseError(toks.source, line, f"expected a channel count for {name}, found {count_tok!r}")
    chans = []
    for _ in range(int(count_tok)):
        chan, line = toks.next(f"a channel of {name}")
        if chan not in _VALID_CHANNELS:
            raise BvhParseError(toks.source, line, f"unknown channel {chan!r} for joint {name}")
        chans.append(chan)
    index = len(skel["names"])
    skel["names"].append(name)
    skel["parents"].append(parent)
    skel["offsets"].append(offset)
    skel["channels"].append(tuple(chans))
    while True:
        tok, line = toks.next(f"'}}' closing joint {name}")
        if tok == "}":
            return
        if tok == "JOINT":
            _parse_joint(toks, skel, parent=index)
        elif tok == "End":
            toks.expect("Site")
            toks.expect("{")
            toks.expect("OFFSET")
            end = [toks.number(f"End Site of {name}") for _ in range(3)]
            toks.expect("}")
            skel["end_sites"].append((index, np.array(end, dtype=np.float64)))
        else:
            raise BvhParseError(toks.source, line, f"expected 'JOINT', 'End Site' or '}}' in joint {name}, found {tok!r}")


def _parse_motion_header(lines: Sequence[str], motion_at: int, source: str):
    """Read ``Frames: N`` and ``Frame Time: dt`` after MOTION; returns (N, dt, first data line index)."""
    i = motion_at + 1
    found = {}  # key -> (value, 1-based line)
    while i < len(lines) and len(found) < 2:
        text = lines[i].strip()
        i += 1
        if not text:
            continue
        key, _, value = text.partition(":")
        key = " ".join(key.split())
        if key not in ("Frames", "Frame Time"):
            raise BvhParseError(source, i, f"expected 'Frames:' and 'Frame Time:' after MOTION, found {text[:40]!r}")
        try:
            found[key] = (float(value), i)
        except ValueError:
            raise BvhParseError(source, i, f"bad value for {key!r}: {value.strip()!r}") from None
    if len(found) < 2:
        raise BvhParseError(source, len(lines), "MOTION section lacks 'Frames:' or 'Frame Time:'")
    (frames, frames_line), (frame_time, time_line) = found["Frames"], found["Frame Time"]
    if frames < 0 or frames != int(frames):
        raise BvhParseError(source, frames_line, f"'Frames:' must be a whole number, found {frames}")
    if not frame_time > 0:
        raise BvhParseError(source, time_line, f"'Frame Time:' must be positive, found {frame_time}")
    return int(frames), frame_time, i


# ----------------------------------------------------------------------- writing
def matrix_to_euler_zyx(rotmat: np.ndarray) -> np.ndarray:
    """(..., 3, 3) -> (..., 3) degrees (z, y, x) with ``R = Rz(z) @ Ry(y) @ Rx(x)``.

    Near y = +-90 degrees (gimbal lock) x is set to 0 and z carries the whole turn.
    """
    r = np.asarray(rotmat, dtype=np.float64)
    sy = np.clip(-r[..., 2, 0], -1.0, 1.0)
    y = np.arcsin(sy)
    cy = np.sqrt(r[..., 2, 1] ** 2 + r[..., 2, 2] ** 2)
    regular = cy > 1e-6
    z = np.where(regular, np.arctan2(r[..., 1, 0], r[..., 0, 0]), np.arctan2(-r[..., 0, 1], r[..., 1, 1]))
    x = np.where(regular, np.arctan2(r[..., 2, 1], r[..., 2, 2]), 0.0)
    return np.degrees(np.stack([z, y, x], axis=-1))


def write_bvh(path, rotmats, trans, fps: float, rest_joints=None, unit: str = "m",
              names: Sequence[str] = config.SMPL_JOINT_NAMES, parents: Sequence[int] = config.SMPL_PARENTS) -> Path:
    """Write an SMPL-24 motion as BVH (Y-up, facing +Z, metres or centimetres).

    Args:
        path: output ``.bvh`` file (written atomically).
        rotmats: (T, J, 3, 3) local joint rotations, SMPL convention (joint 0 = global
            root orientation, Y-up); numpy array or torch tensor.
        trans: (T, 3) root translation in metres, SMPL convention (the pelvis is at
            ``rest_joints[0] + trans``).
        fps: frame rate written as ``Frame Time: 1/fps``.
        rest_joints: (J, 3) rest-pose joint positions in metres; default the built-in
            skeleton's (``BuiltinSkeleton().rest_joints``).
        unit: "m" (1 unit = 1 metre, Blender's default) or "cm".
        names, parents: the skeleton; SMPL-24 by default.
    Returns:
        the path written.
    """
    if unit not in UNIT_PER_METRE:
        raise ValueError(f"unit must be one of {sorted(UNIT_PER_METRE)}, got {unit!r}")
    if not fps > 0:
        raise ValueError(f"fps must be positive, got {fps}")
    rot = _as_numpy(rotmats)
    tr = _as_numpy(trans)
    num_joints = len(parents)
    if rot.ndim != 4 or rot.shape[1:] != (num_joints, 3, 3):
        raise ValueError(f"rotmats must be (T, {num_joints}, 3, 3), got {rot.shape}")
    if tr.shape != (rot.shape[0], 3):
        raise ValueError(f"trans must be ({rot.shape[0]}, 3), got {tr.shape}")
    if rest_joints is None:
        from src.models.rotation2xyz import BuiltinSkeleton
        rest_joints = BuiltinSkeleton().rest_joints
    rest = _as_numpy(rest_joints)
    scale = UNIT_PER_METRE[unit]

    children = {j: [c for c, p in enumerate(parents) if p == j] for j in range(num_joints)}
    out = ["HIERARCHY"]

    def emit(j: int, depth: int) -> None:
        pad = "\t" * depth
        off = np.zeros(3) if parents[j] < 0 else (rest[j] - rest[parents[j]]) * scale
        out.append(f"{pad}{'ROOT' if parents[j] < 0 else 'JOINT'} {names[j]}")
        out.append(f"{pad}{{")
        out.append(f"{pad}\tOFFSET {off[0]:.6f} {off[1]:.6f} {off[2]:.6f}")
        pos = "Xposition Yposition Zposition " if parents[j] < 0 else ""
        out.append(f"{pad}\tCHANNELS {6 if parents[j] < 0 else 3} {pos}Zrotation Yrotation Xrotation")
        for c in children[j]:
            emit(c, depth + 1)
        if not children[j]:  # leaves need an End Site
            tip = _end_site(rest, parents, j, level=names[j] in TOE_JOINTS) * scale
            out.append(f"{pad}\tEnd Site")
            out.append(f"{pad}\t{{")
            out.append(f"{pad}\t\tOFFSET {tip[0]:.6f} {tip[1]:.6f} {tip[2]:.6f}")
            out.append(f"{pad}\t}}")
        out.append(f"{pad}}}")

    order = _depth_first(parents)
    emit(order[0], 0)
    # Euler angles unwrapped over time so that curves stay continuous in animation tools.
    euler = np.unwrap(matrix_to_euler_zyx(rot[:, order]), period=360.0, axis=0)  # (T, J, 3)
    pelvis = (tr + rest[0]) * scale  # (T, 3) world position of the root joint
    frames = np.concatenate([pelvis, euler.reshape(len(euler), -1)], axis=1)
    out += ["MOTION", f"Frames: {len(frames)}", f"Frame Time: {1.0 / fps:.10g}"]
    out += [" ".join(f"{v:.6f}" for v in row) for row in frames]
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def _end_site(rest: np.ndarray, parents: Sequence[int], j: int, level: bool) -> np.ndarray:
    """(3,) rest-frame End Site offset of leaf joint ``j``, in metres: half its incoming bone,
    with no vertical part when ``level`` (the toes)."""
    if parents[j] < 0:
        return np.array([0.0, 0.1, 0.0])
    bone = (rest[j] - rest[parents[j]]) * 0.5
    if level:
        bone[1] = 0.0
    return bone


def _depth_first(parents: Sequence[int]) -> List[int]:
    """Joint indices in the order a BVH hierarchy lists them (each joint before its subtree)."""
    roots = [j for j, p in enumerate(parents) if p < 0]
    if len(roots) != 1:
        raise ValueError(f"a BVH skeleton needs exactly one root, found {len(roots)}")
    order, stack = [], roots
    while stack:
        j = stack.pop()
        order.append(j)
        stack.extend(reversed([c for c, p in enumerate(parents) if p == j]))
    return order


def _as_numpy(x) -> np.ndarray:
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    return np.asarray(x, dtype=np.float64)


def smpl_motion_from_bvh(motion: BvhMotion, names: Sequence[str] = config.SMPL_JOINT_NAMES):
    """Inverse of ``write_bvh`` for a file it wrote: (T, J, 3, 3) local rotations in SMPL
    joint order and (T, 3) pelvis world positions in the file's units."""
    rot, trans = motion.local_transforms()
    order = [motion.index(n) for n in names]
    return rot[:, order], trans[:, order[0]]


__all__ = ["BvhMotion", "BvhParseError", "read_bvh", "parse_bvh", "write_bvh", "matrix_to_euler_zyx",
           "elemental_rotation", "smpl_motion_from_bvh"]
