"""Plain-text and JSON renderings of a structured description (``summary.describe_joints``).

The text is built from the description dict only, in a fixed order, with fixed number formats, so
the same motion always reads the same. Sentences use plain words and numbers (degrees, metres,
seconds) that a person or a language model can read without a legend.
"""

import json
from typing import Dict, List

MAX_PHASES_SHOWN = 6   # per angle in the text; the JSON has them all

# What an increase / a decrease of each angle is called, by the angle's name without its side.
_VERBS = {
    "knee_flexion": ("bends", "straightens"),
    "hip_flexion": ("swings forward (flexes)", "swings back (extends)"),
    "hip_abduction": ("moves out (abducts)", "moves in (adducts)"),
    "ankle_plantarflexion": ("points the toes", "pulls the toes up"),
    "shoulder_flexion": ("raises forward (flexes)", "lowers or swings back (extends)"),
    "shoulder_abduction": ("raises sideways (abducts)", "lowers to the side (adducts)"),
    "shoulder_elevation": ("lifts the arm", "lowers the arm"),
    "elbow_flexion": ("bends", "straightens"),
    "collar_elevation": ("shrugs up", "drops"),
    "trunk_flexion": ("leans forward", "leans back"),
    "trunk_lateral_bend": ("bends to the left", "bends to the right"),
    "trunk_rotation": ("twists to the left", "twists to the right"),
    "spine_flexion": ("curls forward", "arches back"),
    "pelvis_obliquity": ("hikes the left hip", "hikes the right hip"),
    "neck_flexion": ("tilts the head down", "tilts the head up"),
    "neck_lateral_bend": ("tilts the head to the left", "tilts the head to the right"),
}


def _base(name: str) -> str:
    for side in ("left_", "right_"):
        if name.startswith(side):
            return name[len(side):]
    return name


def _label(name: str) -> str:
    return name.replace("_", " ")


def rounded(value, digits: int = 3):
    """A copy of a description with every float rounded (JSON stays short and stable)."""
    if isinstance(value, float):
        return round(value, digits) + 0.0  # + 0.0 turns -0.0 into 0.0
    if isinstance(value, dict):
        return {k: rounded(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [rounded(v, digits) for v in value]
    return value


def to_json(description: Dict) -> str:
    return json.dumps(rounded(description), indent=2, sort_keys=True) + "\n"


def _times(count: int) -> str:
    return "once" if count == 1 else "twice" if count == 2 else f"{count} times"


def _trajectory_lines(t: Dict) -> List[str]:
    lines = []
    if t["direction"] == "in place":
        lines.append(f"Travel: stays in place (net {t['net_displacement_m']:.2f} m, path {t['distance_m']:.2f} m).")
    else:
        lines.append(f"Travel: moves {t['direction']} relative to its initial facing, "
                     f"net {t['net_displacement_m']:.2f} m ({t['forward_m']:+.2f} m forward, "
                     f"{t['left_m']:+.2f} m to the left), path {t['distance_m']:.2f} m.")
    lines.append(f"Turning: {t['turning']} (net {t['turn_deg']:+.0f} deg, positive = to the left; "
                 f"{t['turn_total_deg']:.0f} deg turned in all).")
    if t["moving"]:
        lines.append(f"Speed: travels {t['pace']} for {t['moving_time_s']:.1f} s, "
                     f"mean {t['mean_moving_speed_ms']:.2f} m/s, peak {t['peak_speed_ms']:.2f} m/s; per second: "
                     + ", ".join(f"{v:.1f}" for v in t["speed_per_second_ms"]) + " m/s.")
        for m in t["moving"]:
            lines.append(f"  {m['start_s']:.1f}-{m['end_s']:.1f} s: {m['direction']}, {m['distance_m']:.2f} m at "
                         f"{m['mean_speed_ms']:.2f} m/s (peak {m['peak_speed_ms']:.2f}).")
    else:
        lines.append(f"Speed: never travels faster than {t['peak_speed_ms']:.2f} m/s.")
    steps = t["steps"]
    if steps["left"] or steps["right"]:
        lines.append(f"Steps: the left foot lifts {_times(steps['left'])}, the right foot {_times(steps['right'])}.")
    lines.append(f"Height: the pelvis starts {t['pelvis_height_start_m']:.2f} m above the floor, drops by "
                 f"{t['pelvis_drop_m']:.2f} m and rises by {t['pelvis_rise_m']:.2f} m at most.")
    air = t["airborne"]
    if air:
        longest = max(a["duration_s"] for a in air)
        highest = max(a["height_m"] for a in air)
        lines.append(f"Airborne: both feet leave the floor {_times(len(air))} (longest {longest:.2f} s, feet up to "
                     f"{highest:.2f} m): " + ", ".join(f"{a['start_s']:.2f}-{a['end_s']:.2f} s" for a in air) + ".")
    else:
        lines.append("Airborne: never; a foot stays on the floor throughout.")
    return lines


def _angle_lines(name: str, rec: Dict) -> List[str]:
    up, down = _VERBS[_base(name)]
    head = (f"  {_label(name)}: {rec['min_deg']:.0f} to {rec['max_deg']:.0f} deg (mean {rec['mean_deg']:.0f}), "
            f"travels {rec['activity_deg']:.0f} deg")
    if rec["repetitions"]:
        head += f", {rec['repetitions']} repetition{'s' if rec['repetitions'] > 1 else ''}"
        if rec["cycles_per_s"]:
            head += f" at {rec['cycles_per_s']:.2f} per second"
    lines = [head + "."]
    phases = rec["phases"]
    for p in phases[:MAX_PHASES_SHOWN]:
        verb = up if p["change_deg"] > 0 else down
        lines.append(f"    {p['move_start_s']:.1f}-{p['move_end_s']:.1f} s: {verb} from {p['from_deg']:.0f} to "
                     f"{p['to_deg']:.0f} deg ({abs(p['change_deg']):.0f} deg, about {p['mean_speed_deg_s']:.0f} deg/s, "
                     f"peak {p['peak_speed_deg_s']:.0f} deg/s).")
    if len(phases) > MAX_PHASES_SHOWN:
        lines.append(f"    ... and {len(phases) - MAX_PHASES_SHOWN} more phases alike.")
    return lines


def to_text(description: Dict) -> str:
    """The description as plain text: summary, trajectory, then the ``top_k`` most active joints."""
    d = description
    source = f"{d['source']}: " if d.get("source") else ""
    lines = [f"Motion: {source}{d['duration_s']:.2f} s, {d['num_frames']} frames at {d['fps']:g} fps."]
    movers = d["main_movers"]
    activity = d["limb_activity_deg"]
    if movers:
        lines.append("Main movers: " + ", ".join(movers) + ".")
    else:
        lines.append("Main movers: none; the limbs stay nearly still.")
    ranked = sorted(activity, key=lambda k: (-activity[k], k))
    lines.append("Limb activity (degrees travelled by the limb's angles): "
                 + ", ".join(f"{limb} {activity[limb]:.0f}" for limb in ranked) + ".")
    lines += _trajectory_lines(d["trajectory"])
    active = [j for j in d["joint_ranking"] if j["activity_deg"] > 0]
    still = len(d["joint_ranking"]) - len(active)
    lines.append("Joints ranked by activity: "
                 + (", ".join(f"{j['part']} ({j['activity_deg']:.0f} deg)" for j in active) or "none moves")
                 + (f"; {still} other joints move less than {d['amplitude_threshold_deg']:g} deg at a time." if still
                    else "."))
    lines.append(f"Most active joints (top {d['top_k']}; phases are movements of at least "
                 f"{d['amplitude_threshold_deg']:g} deg):")
    for joint in d["joint_ranking"][: d["top_k"]]:
        if joint["activity_deg"] <= 0:
            break
        lines.append(f"- {joint['part']}:")
        for name in joint["angles"]:
            if d["angles"][name]["activity_deg"] > 0:
                lines += _angle_lines(name, d["angles"][name])
    captions = d.get("captions")
    if captions:
        lines.append(f"Closest training captions ({captions['source']}):")
        lines += [f"  {c['score']:.3f}  {c['text']}" for c in captions["matches"]]
    return "\n".join(lines) + "\n"
