"""Whole sequences: one action, or two or three chained with cross-faded transitions.

``generate_sequence`` is the Python entry point used by the dataset writer, the tests and any code
that wants procedural motion without files.
"""

from typing import Dict, List, Sequence

import numpy as np

from src import config
from src.datasets.procedural import captions as captions_mod
from src.datasets.procedural.body import Body, Targets, fit_pelvis_height, forward_kinematics, solve
from src.datasets.procedural.common import REGISTRY, SEATED, STANDING, Context, State, lookup
from src.datasets.procedural.curves import minjerk
from src.datasets.procedural.lower import seated_state

TRANSITION = "transition"
BLEND_RANGE = (0.3, 0.5)   # seconds of cross-fade between chained actions
BETA0_RANGE = (-2.0, 2.0)


def check_chain(action_ids: Sequence[str], allow_seated_start: bool = False) -> None:
    """Raise ValueError unless each action starts in the posture the previous one ends in.

    With ``allow_seated_start`` the first action may start seated (the body is then placed on a seat).
    """
    posture = lookup(action_ids[0]).start_posture if allow_seated_start and action_ids else STANDING
    for a in action_ids:
        spec = lookup(a)
        if spec.start_posture != posture:
            raise ValueError(f"action {a!r} must start {spec.start_posture}, but the body is {posture} "
                             f"after {list(action_ids)}")
        posture = spec.end_posture


def _last_frame_state(t: Targets, posture: str) -> State:
    return State.from_targets(t, posture)


def generate_sequence(action_ids: Sequence[str], rng: np.random.Generator, fps: float = config.SMOG_FPS,
                      betas=None, gender=None, start_yaw=None, start_xz=None, captions=None) -> Dict:
    """Generate one motion.

    Args:
        action_ids: one to three ids from ``ACTIONS`` (postures must chain, see ``check_chain``).
        rng: numpy Generator; the only source of randomness.
        fps: frames per second of the result.
        betas: (16,) body shape (only betas[0], the size, is used); sampled when None.
        gender: "male", "female" or "neutral" (only picks caption subjects); None = neutral.
        start_yaw: initial heading in radians (0 = facing +Z); sampled when None.
        start_xz: (2,) initial pelvis floor position; sampled when None.
        captions: one caption per action; sampled from ``ACTION_CAPTIONS`` when None.
        The sequence-level caption (``caption``) names the chain: "a person walks forward, then sits down".
    Returns:
        dict with rotvec (T,24,3) local axis-angle (row 0 = global root orientation, Y-up),
        trans (T,3) SMPL translation (Y-up, floor at y = 0), joints (T,24,3) built-in skeleton positions,
        betas (16,), fps, caption (str), labels [(start_s, end_s, caption, action_id)] (chains include
        "transition" segments), params [dict per action; times in it are relative to the action's own start,
        which lies at ``clip_offset`` seconds in the sequence],
        actions, yaw0 (initial heading, radians).
    """
    if not action_ids:
        raise ValueError("action_ids must name at least one action")
    check_chain(action_ids, allow_seated_start=True)
    if fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")
    if betas is None:
        betas = np.zeros(config.NUM_BETAS)
        betas[0] = np.clip(rng.normal(0.0, 0.8), *BETA0_RANGE)
    betas = np.asarray(betas, dtype=float)
    body = Body(1.0 + config.BUILTIN_BETA0_SCALE * float(betas[0]))
    yaw0 = float(rng.uniform(-np.pi, np.pi)) if start_yaw is None else float(start_yaw)
    xz0 = rng.uniform(-1.5, 1.5, size=2) if start_xz is None else np.asarray(start_xz, float)
    subject = captions_mod.sample_subject(rng, gender)
    if captions is None:
        captions = [captions_mod.sample_caption(a, rng, subject=subject) for a in action_ids]
    if len(captions) != len(action_ids):
        raise ValueError(f"captions has {len(captions)} entries for {len(action_ids)} actions")
    caption = captions[0] if len(action_ids) == 1 else captions_mod.chain_caption(action_ids, rng, subject=subject)

    state = State.initial(body, yaw0, xz0)
    if lookup(action_ids[0]).start_posture == SEATED:
        state = seated_state(body, state, rng, fps)
    clips = []
    for a in action_ids:
        spec = lookup(a)
        clip = spec.fn(Context(body, rng, fps, state))
        if clip.fit_height:
            fit_pelvis_height(body, clip.targets, clip.support, fps)
        clips.append(clip)
        state = _last_frame_state(clip.targets, spec.end_posture)

    # Captions were drawn before the clips (keeping the random stream of the earlier data); a
    # turn-around or circle decides its side as it is made, so name it now.
    sides = [clip.params.get("turn") for clip in clips]
    captions = [captions_mod.fill_sides(c, [side]) for c, side in zip(captions, sides)]
    caption = captions_mod.fill_sides(caption, sides)  # unnumbered slots (one action) read sides[0]
    parts, labels, params = [], [], []
    offset = 0  # frame index where the current clip starts in the sequence
    for i, (a, clip) in enumerate(zip(action_ids, clips)):
        tg = clip.targets
        n = tg.num_frames
        seg_start = offset / fps
        if i > 0:
            prev = clips[i - 1]
            blend = min(rng.uniform(*BLEND_RANGE), prev.tail_still, clip.lead_still)
            k = max(2, int(round(blend * fps)))
            head, prev_tail = parts[-1], parts[-1].slice(parts[-1].num_frames - k, parts[-1].num_frames)
            parts[-1] = head.slice(0, head.num_frames - k)
            w = minjerk((np.arange(k) + 1) / (k + 1))
            parts.append(Targets.blend(prev_tail, tg.slice(0, k), w))
            offset -= k
            t_a, t_b = offset / fps, (offset + k) / fps
            labels[-1] = (labels[-1][0], t_a, labels[-1][2], labels[-1][3])
            labels.append((t_a, t_b, TRANSITION, TRANSITION))
            seg_start = t_b
            tg = tg.slice(k, n)
        parts.append(tg)
        labels.append((seg_start, (offset + n) / fps, captions[i], a))
        params.append(dict(clip.params, clip_offset=offset / fps))
        offset += n
    targets = Targets.concat(parts)
    rot, trans = solve(body, targets)
    joints = forward_kinematics(body, rot, trans)
    floor = joints[:, list(config.FLOOR_JOINTS), 1].min()
    trans[:, 1] -= floor
    joints[..., 1] -= floor
    total = targets.num_frames / fps
    labels = [(float(s), float(min(e, total)), c, a) for s, e, c, a in labels]
    return dict(rotvec=_matrix_to_rotvec(rot), trans=trans, joints=joints, betas=betas, fps=float(fps),
                caption=caption, labels=labels, params=params, actions=list(action_ids), yaw0=yaw0,
                floor_shift=float(floor))


def sample_chain(primary: str, rng: np.random.Generator, chain_fraction: float) -> List[str]:
    """The actions of one sequence: ``primary`` alone, or (with probability ``chain_fraction``) followed
    by one or two more actions whose postures fit (a seated body can only stand up)."""
    chain = ["sit_down", primary] if lookup(primary).start_posture == SEATED else [primary]
    if rng.random() >= chain_fraction:
        return [primary]
    length = max(len(chain), 2 if rng.random() < 0.7 else 3)
    standing_starts = [a for a in sorted(REGISTRY) if REGISTRY[a].start_posture == STANDING]
    while len(chain) < length:
        if REGISTRY[chain[-1]].end_posture == SEATED:
            chain.append("stand_up")
            continue
        options = [a for a in standing_starts if a != chain[-1]]
        chain.append(options[int(rng.integers(len(options)))])
    return chain


def _matrix_to_rotvec(rot: np.ndarray) -> np.ndarray:
    """(..., 3, 3) -> (..., 3) axis-angle via roma (through the project's rotation wrappers)."""
    import torch

    from src.utils.rotation import matrix_to_axis_angle

    return matrix_to_axis_angle(torch.from_numpy(np.ascontiguousarray(rot))).numpy()


def available_actions() -> List[str]:
    return sorted(REGISTRY)


__all__ = ["generate_sequence", "sample_chain", "check_chain", "available_actions", "TRANSITION", "SEATED", "STANDING"]
