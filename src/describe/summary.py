"""The structured description of a motion: angles, their phases, joint and limb activity, trajectory.

``describe_joints`` is deterministic (numpy only, no randomness, no learned parts): the same joints
give the same dict, and the text (``src.describe.text``) is rendered from that dict alone.
"""

from typing import Dict, List

import numpy as np

from src.describe.angles import ANGLES, joint_angles
from src.describe.segments import AMPLITUDE_THRESHOLD_DEG, segment_angle
from src.describe.trajectory import summarize_trajectory

LIMBS = ("left arm", "right arm", "left leg", "right leg", "trunk", "head")
PAIRS = {"arm": ("left arm", "right arm"), "leg": ("left leg", "right leg")}
# The quieter side of a pair counts as moving too when it travels at least this share of the busier
# side's degrees (a wave with one hand moves the other arm by about a tenth as much).
BOTH_SIDES_RATIO = 0.6
MAIN_MOVER_RATIO = 0.5   # limbs with at least this share of the busiest limb's degrees are main movers
STILL_DEG = 20.0         # a limb whose angles travel less than this in all is "still"
MIN_FRAMES = 2            # one frame has no motion to describe


def _phase_record(phase, fps: float) -> Dict:
    move = max(phase.move_end - phase.move_start, 1) / fps
    return {"start_s": phase.start / fps, "end_s": phase.end / fps,
            "move_start_s": phase.move_start / fps, "move_end_s": phase.move_end / fps,
            "from_deg": phase.start_deg, "to_deg": phase.end_deg, "change_deg": phase.change,
            # 80% of the change happens between move_start and move_end
            "mean_speed_deg_s": 0.8 * abs(phase.change) / move, "peak_speed_deg_s": phase.peak_speed}


def _main_movers(limb_activity: Dict[str, float]) -> List[str]:
    """Limb groups that do most of the moving, busiest first: 'right arm', 'both legs', 'trunk', ...

    A left/right pair is merged into 'both arms' / 'both legs' when its quieter side moves at least
    ``BOTH_SIDES_RATIO`` as much as its busier side.
    """
    groups = {}
    for kind, (left, right) in PAIRS.items():
        busy, quiet = sorted((left, right), key=lambda limb: (-limb_activity[limb], limb))
        if limb_activity[quiet] >= BOTH_SIDES_RATIO * limb_activity[busy] and limb_activity[busy] > 0:
            groups[f"both {kind}s"] = limb_activity[busy]
        else:
            groups[busy] = limb_activity[busy]
    for limb in ("trunk", "head"):
        groups[limb] = limb_activity[limb]
    top = max(groups.values())
    if top < STILL_DEG:
        return []
    ranked = sorted(groups.items(), key=lambda kv: (-kv[1], kv[0]))
    return [name for name, value in ranked if value >= MAIN_MOVER_RATIO * top]


def describe_joints(joints: np.ndarray, fps: float, top_k: int = 3,
                    threshold: float = AMPLITUDE_THRESHOLD_DEG) -> Dict:
    """The structured description of one motion.

    Args:
        joints: (T, 22, 3) positions, Y-up metres, T >= 2.
        fps: frames per second.
        top_k: how many of the most active joints the text details (all are in the dict).
        threshold: peak-valley amplitude in degrees (``segments.AMPLITUDE_THRESHOLD_DEG``).
    Returns:
        {"fps", "num_frames", "duration_s", "amplitude_threshold_deg", "top_k", "main_movers",
        "limb_activity_deg", "joint_ranking" [{"part", "activity_deg", "angles"}], "angles"
        {name: {"part", "limb", "min_deg", "max_deg", "mean_deg", "range_deg", "activity_deg",
        "repetitions", "cycles_per_s", "phases" [...]}}, "trajectory" (``summarize_trajectory``)}.
    """
    x = np.asarray(joints, dtype=np.float64)
    assert x.ndim == 3 and x.shape[0] >= MIN_FRAMES and x.shape[2] == 3, x.shape
    angles = joint_angles(x)
    records, part_activity = {}, {}
    limb_activity = {limb: 0.0 for limb in LIMBS}
    for spec in ANGLES:
        signal = angles[spec.name]
        seg = segment_angle(signal, fps, threshold)
        records[spec.name] = {
            "part": spec.part, "limb": spec.limb,
            "min_deg": float(signal.min()), "max_deg": float(signal.max()), "mean_deg": seg.mean_deg,
            "range_deg": seg.range_deg, "activity_deg": seg.excursion, "repetitions": seg.repetitions,
            "cycles_per_s": seg.cycles_per_s,
            "phases": [_phase_record(p, fps) for p in seg.phases if abs(p.change) >= threshold]}
        part_activity[spec.part] = part_activity.get(spec.part, 0.0) + seg.excursion
        limb_activity[spec.limb] += seg.excursion
    ranking = sorted(part_activity.items(), key=lambda kv: (-kv[1], kv[0]))
    joint_ranking = [{"part": part, "activity_deg": value,
                      "angles": sorted((a.name for a in ANGLES if a.part == part),
                                       key=lambda n: (-records[n]["activity_deg"], n))}
                     for part, value in ranking]
    return {
        "fps": float(fps), "num_frames": int(len(x)), "duration_s": (len(x) - 1) / fps,
        "amplitude_threshold_deg": float(threshold), "top_k": int(top_k),
        "main_movers": _main_movers(limb_activity),
        "limb_activity_deg": limb_activity,
        "joint_ranking": joint_ranking,
        "angles": records,
        "trajectory": summarize_trajectory(x, fps),
    }
