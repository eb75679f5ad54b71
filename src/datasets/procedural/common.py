"""The action registry and what every action generator receives and returns.

An action generator is ``fn(ctx: Context) -> Clip``. It starts from ``ctx.state`` (where the body
stands, which way it faces, where its feet are) and returns per-frame ``Targets`` plus the parameters
it sampled. Every clip keeps its feet still for ``lead_still`` seconds at the start and
``tail_still`` seconds at the end, so chained clips can be cross-faded there without sliding a foot.
"""

from dataclasses import dataclass, field, fields
from typing import Callable, Dict, Optional

import numpy as np

from src.datasets.procedural.arms import rest_arms
from src.datasets.procedural.body import Body, Targets, heading_axes

STANDING, SEATED = "standing", "seated"
MAX_SECONDS = 8.0   # single actions last 2-8 s


def standing_targets(body: Body, num_frames: int, pelvis_xz, yaw: float) -> Targets:
    """A motionless neutral standing pose held for ``num_frames`` frames."""
    n = num_frames
    yaw_arr = np.full(n, float(yaw))
    root = np.zeros((n, 3))
    root[:, 0], root[:, 2], root[:, 1] = pelvis_xz[0], pelvis_xz[1], body.h_stand
    toe, foot_yaw = body.stance_toes(yaw_arr, root[:, [0, 2]])
    wrist, pole = rest_arms(body, n)
    return Targets(root_pos=root, yaw=yaw_arr, pitch=np.zeros(n), roll=np.zeros(n), spine=np.zeros((n, 3)),
                   head=np.zeros((n, 3)), toe=toe, foot_yaw=foot_yaw, foot_pitch=np.zeros((n, 2)),
                   wrist=wrist, pole=pole, collar=np.zeros((n, 2, 2)), hand=np.zeros((n, 2, 3)))


@dataclass
class State:
    """Where a clip starts (or ended): pelvis floor position (2,) [x, z], heading, toes (2,3), foot yaws (2,)."""

    pelvis_xz: np.ndarray
    yaw: float
    toe: np.ndarray
    foot_yaw: np.ndarray
    pelvis_height: float
    posture: str = STANDING
    last: Optional[Targets] = None   # the previous clip's last frame (1 frame), if any

    @staticmethod
    def initial(body: Body, yaw: float = 0.0, xz=(0.0, 0.0)) -> "State":
        xz = np.asarray(xz, float)
        last = standing_targets(body, 1, xz, yaw)
        return State.from_targets(last, STANDING)

    @staticmethod
    def from_targets(t: Targets, posture: str) -> "State":
        return State(t.root_pos[-1, [0, 2]].copy(), float(t.yaw[-1]), t.toe[-1].copy(), t.foot_yaw[-1].copy(),
                     float(t.root_pos[-1, 1]), posture, t.slice(t.num_frames - 1, t.num_frames))


@dataclass
class Context:
    """Inputs of an action generator."""

    body: Body
    rng: np.random.Generator
    fps: float
    state: State

    def frames(self, duration: float) -> np.ndarray:
        """(T,) sample times of a clip lasting ``duration`` seconds."""
        return np.arange(int(round(duration * self.fps))) / self.fps

    def uniform(self, lo: float, hi: float) -> float:
        return float(self.rng.uniform(lo, hi))

    def count(self, lo: int, hi: int, per_item: float, fixed: float) -> int:
        """A repetition count in [lo, hi] (inclusive), capped so that the clip stays within MAX_SECONDS
        when each repetition takes ``per_item`` seconds on top of ``fixed`` seconds."""
        cap = int((MAX_SECONDS - fixed) // per_item)
        return max(1, min(int(self.rng.integers(lo, hi + 1)), cap))

    def still_time(self) -> float:
        """Seconds of standing still before / after the movement proper."""
        return self.uniform(0.45, 0.7)

    def base(self, t: np.ndarray) -> Targets:
        """Targets holding the start state (the previous clip's last frame) for len(t) frames."""
        n = len(t)
        return Targets(**{f.name: np.repeat(getattr(self.state.last, f.name), n, axis=0) for f in fields(Targets)})

    def neutral(self, t: np.ndarray) -> Targets:
        """Upright standing at the start position with the start feet and relaxed arms, for len(t) frames."""
        tg = self.base(t)
        n = len(t)
        tg.root_pos[:, 1] = self.body.h_stand
        tg.pitch[:], tg.roll[:], tg.spine[:], tg.head[:] = 0.0, 0.0, 0.0, 0.0
        tg.foot_pitch[:], tg.collar[:], tg.hand[:] = 0.0, 0.0, 0.0
        tg.yaw[:] = self.state.yaw
        tg.wrist, tg.pole = rest_arms(self.body, n)
        return tg

    def local_to_world(self, p):
        """(..., 3) [left, up, forward] offsets from the start pelvis floor point -> (..., 3) world points."""
        p = np.asarray(p, float)
        xz = self.to_world(p[..., [0, 2]])
        return np.stack([xz[..., 0], p[..., 1], xz[..., 1]], -1)

    def local_dir(self, p):
        """(..., 3) direction in the start heading frame -> world direction."""
        fwd, left = heading_axes(np.asarray(self.state.yaw))
        p = np.asarray(p, float)
        return p[..., :1] * left + p[..., 1:2] * np.array([0.0, 1.0, 0.0]) + p[..., 2:3] * fwd

    def to_world(self, local_xz):
        """(..., 2) [left, forward] offsets in the start heading frame -> (..., 2) world [x, z] points."""
        fwd, left = heading_axes(np.asarray(self.state.yaw))
        local_xz = np.asarray(local_xz, float)
        world = self.state.pelvis_xz + local_xz[..., :1] * left[[0, 2]] + local_xz[..., 1:] * fwd[[0, 2]]
        return world


@dataclass
class Clip:
    """What an action generator returns."""

    targets: Targets
    params: Dict = field(default_factory=dict)
    lead_still: float = 0.5
    tail_still: float = 0.5
    end_posture: str = STANDING
    fit_height: bool = True   # lower the pelvis where legs cannot reach (see body.fit_pelvis_height)
    support: Optional[np.ndarray] = None  # (T,2) legs that bear weight (default both)


@dataclass
class ActionSpec:
    """A registered action: its generator and the postures it starts and ends in."""

    action_id: str
    fn: Callable[[Context], Clip]
    start_posture: str = STANDING
    end_posture: str = STANDING


REGISTRY: Dict[str, ActionSpec] = {}


def register(action_id: str, start_posture: str = STANDING, end_posture: str = STANDING):
    """Decorator adding a generator to ``REGISTRY`` under a stable snake_case id."""

    def wrap(fn):
        if action_id in REGISTRY:
            raise ValueError(f"action {action_id!r} registered twice")
        REGISTRY[action_id] = ActionSpec(action_id, fn, start_posture, end_posture)
        return fn

    return wrap


def lookup(action_id: str, known: Optional[Dict] = None) -> ActionSpec:
    known = REGISTRY if known is None else known
    if action_id not in known:
        raise KeyError(f"unknown action {action_id!r}; known actions: {sorted(known)}")
    return known[action_id]
