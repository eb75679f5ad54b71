"""How sound generated motions are, per kind of prompt and per sampler, in one run (issue 13's goals).

For each group of prompts (walks, jogs and runs, stills, turns, other grounded actions), each prompt is
generated ``--num_samples`` times for ``--duration`` seconds with every sampler the checkpoint has
(regression, and diffusion when it carries a prior), and the SPEC §4 figures are averaged:

    skating     share of foot-contact frame pairs whose foot moves faster than 0.5 m/s (20 fps)
    lift        the smaller ankle's height range, cm (walks and jogs should lift >= 8 cm)
    drift       the pelvis' largest horizontal distance from frame 0, m (stills: <= 0.10 m)
    hovering    share of frames with both feet > 6 cm above the clip's floor
    peak turn   the hip line's fastest heading change, deg/s (<= 400 unless a spin is asked for)
    spread      MultiModality-like: mean joint distance between two samples of a prompt, m

Turn prompts also list each sample's total heading change (+ = left, counterclockwise from above), and
the action prompts of ``SIGNATURE_PROMPTS`` how many samples show their physical signature
(``src.metrics.signatures``: a wave's wrist swings, a clap's wrists meeting twice, a squat coming
back up; the checks of signature preservation, SPEC §4).

    python bench/generation_soundness.py exps/smog_prior/checkpoint.pth.tar --num_samples 5
    python bench/generation_soundness.py CKPT --turn_prompts "a person turns 180 degrees to the left"   # other turns
"""

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import markdown_table, set_threads  # noqa: E402

GROUPS = {
    "walks": ["a person walks forward", "someone walks forward at a normal pace", "a person walks backward"],
    "jogs and runs": ["a person jogs forward", "a person runs forward"],
    "stills": ["a person stands still", "a person stands in place and does nothing"],
    "turns": ["a person turns around", "a person turns to the left", "a person turns to the right",
              "a person makes a quarter turn counterclockwise"],
    "other grounded": ["a person waves with the right hand", "a person claps", "a person squats down and stands up"],
}

# Action prompts and the signature (``src.metrics.signatures.CHECKS``) each sample should show.
SIGNATURE_PROMPTS = {
    "a person waves with the right hand": "right_hand_wave", "a person waves with the left hand": "left_hand_wave",
    "a person claps": "clap", "a person claps their hands": "clap",
    "a person squats down and stands up": "squat", "a person kneels down": "pelvis_drop",
}


def measure(clips, fps: float) -> dict:
    from src.metrics import physical

    joints = [c.joints for c in clips]
    spread = [float(np.linalg.norm(a - b, axis=-1).mean()) for a, b in zip(joints[:-1], joints[1:])]
    headings = [np.degrees(np.unwrap(physical.hip_heading(j))) for j in joints]
    turns = [float(h[-1] - h[0]) for h in headings]
    return {"skating": np.mean([physical.foot_skating(j, fps)["skating_ratio"] for j in joints]),
            "lift": 100 * np.mean([physical.ankle_lift(j) for j in joints]),
            "drift": np.mean([physical.pelvis_drift(j) for j in joints]),
            "hovering": np.mean([physical.hovering(j) for j in joints]),
            "peak turn": np.max([physical.peak_heading_rate(j, fps) for j in joints]),
            "spread": np.mean(spread) if spread else 0.0, "turns": turns}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("checkpoint", type=Path)
    parser.add_argument("--num_samples", type=int, default=5)
    parser.add_argument("--duration", type=float, default=4.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--guidance_scale", type=float, default=None)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--turn_prompts", nargs="+", default=None, metavar="TEXT",
                        help="the turn group's prompts instead of its default ones (each sample's heading change is listed)")
    parser.add_argument("--foot_lock", action=argparse.BooleanOptionalAction, default=None,
                        help="hml models: decode with / without the foot lock (default: the checkpoint's setting)")
    args = parser.parse_args(argv)
    set_threads(args.threads)
    from src.api import SMoG

    model = SMoG.from_pretrained(args.checkpoint)
    model.model.set_decoding(foot_lock=args.foot_lock)
    samplers = ["regression"] + (["diffusion"] if model.model.prior is not None else [])
    groups = dict(GROUPS, turns=args.turn_prompts) if args.turn_prompts else GROUPS
    rows, turn_lines = [], []
    for group, texts in groups.items():
        for sampler in samplers:
            clips = model.generate_clips(texts, args.duration, args.num_samples, seed=args.seed, sampler=sampler,
                                         guidance_scale=args.guidance_scale)
            per_prompt = [measure(row, model.fps) for row in clips]
            mean = {k: np.mean([m[k] for m in per_prompt]) for k in ("skating", "lift", "drift", "hovering", "spread")}
            rows.append([group, sampler, f"{mean['skating']:.2f}", f"{mean['lift']:.1f}", f"{mean['drift']:.2f}",
                         f"{mean['hovering']:.2f}", f"{max(m['peak turn'] for m in per_prompt):.0f}",
                         f"{mean['spread']:.3f}"])
            if group == "turns":
                turn_lines += [f"- {sampler}, {text!r}: " + ", ".join(f"{t:+.0f}°" for t in m["turns"])
                               for text, m in zip(texts, per_prompt)]
    print(f"{args.checkpoint}: {args.num_samples} samples x {args.duration:g} s per prompt, seed {args.seed}, "
          f"guidance {args.guidance_scale if args.guidance_scale is not None else 'default'}, "
          f"foot lock {'on' if model.model.foot_lock else 'off'}\n")
    print(markdown_table(["prompts", "sampler", "skating", "ankle lift cm", "drift m", "hovering", "peak turn °/s",
                          "spread m"], rows))
    print("\nheading change of each sample of the turn prompts:\n" + "\n".join(turn_lines))
    print("\nsamples showing their action's signature:")
    from src.metrics.signatures import check

    texts = list(SIGNATURE_PROMPTS)
    for sampler in samplers:
        clips = model.generate_clips(texts, args.duration, args.num_samples, seed=args.seed, sampler=sampler,
                                     guidance_scale=args.guidance_scale)
        for text, row in zip(texts, clips):
            results = [check(c.joints, SIGNATURE_PROMPTS[text]) for c in row]
            print(f"- {sampler}, {text!r} ({SIGNATURE_PROMPTS[text]}): {sum(ok for ok, _ in results)}/{len(results)}; "
                  + "; ".join(measured for _, measured in results))


if __name__ == "__main__":
    main()
