"""How often the structured descriptions (src/describe) say the right thing, and how well captioning
by retrieval (describe --caption) picks captions of the right action.

    python bench/describe_quality.py --db data/synthetic_db/babel_20fps_test.pt --cmu ../shared/data/cmu

1. Built-in test split, whole-sequence single-action clips (the generator's own labels):
   * limb and side: wave / punch / kick / raise-arms clips; the first main mover must be the
     acting limb (``left arm``, ``right leg``, ``both arms`` ...), and for one-sided actions the same
     limb of the other side must not be named at all;
   * direction: walk forward / backward, side-step left / right, turn left / right; the trajectory's
     ``direction`` (forward, backward, left, right) or ``turning`` (turns left / right) must match.
2. CMU BVH files with "walk", "run", "jump" or "hop" in their labels.tsv description: what the
   description says (direction, pace, speed, airborne phases, steps, main movers) and whether it fits
   the label (walk: travels, slowly or at walking pace, never airborne; run: at jogging or running pace
   with airborne phases; jump / hop: at least one airborne phase).
3. Captioning: for every clip of part 1's kind (all single-action test clips), the shipped model's
   closest captions among the built-in caption lists (``captions.builtin_captions``); R@k = share of
   clips with a caption of their own action among the k closest. Also motion-to-text R@1/R@3 against
   the test clips' own captions in shuffled batches of 32 (seed 0; a hit when a caption string equal to
   the clip's own is among the k closest).

Prints Markdown; ``--output`` also writes JSON.
"""

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from src import config  # noqa: E402
from src.datasets.formats import cmu_bvh  # noqa: E402
from src.datasets.formats.motion_file import builtin_rest_joints, read_motion  # noqa: E402
from src.describe import describe_joints  # noqa: E402
from src.errors import BadInputError  # noqa: E402
from src.motion import clip_from_params  # noqa: E402
from src.utils import rotation  # noqa: E402

LIMB_ACTIONS = {
    "wave_left_hand": "left arm", "wave_right_hand": "right arm", "wave_both_hands": "both arms",
    "punch_left": "left arm", "punch_right": "right arm", "kick_left": "left leg", "kick_right": "right leg",
    "raise_arms": "both arms",
}
DIRECTION_ACTIONS = {
    "walk_forward": ("direction", "forward"), "walk_backward": ("direction", "backward"),
    "side_step_left": ("direction", "left"), "side_step_right": ("direction", "right"),
    "turn_left": ("turning", "turns left"), "turn_right": ("turning", "turns right"),
}
OTHER_SIDE = {"left arm": "right arm", "right arm": "left arm", "left leg": "right leg", "right leg": "left leg"}


def single_action_clips(db_path: Path):
    """[(action, caption, clip)] for the test sequences labelled with one action as a whole."""
    db = torch.load(db_path, map_location="cpu", weights_only=True)
    offsets, fps, rest = db["offsets"].tolist(), float(db["fps"]), builtin_rest_joints()
    out = []
    for seq, kind, act, text in zip(db["seg_seq"].tolist(), db["seg_kind"], db["seg_act_cat"], db["seg_text"]):
        if kind != "seq" or not act or "|" in act:
            continue
        lo, hi = offsets[seq], offsets[seq + 1]
        clip = clip_from_params(rotation.axis_angle_to_matrix(db["poses"][lo:hi]), db["trans"][lo:hi], rest, fps)
        out.append((act, text, clip))
    return out


def limb_and_direction(clips):
    rows, per_action = {"limb": [], "direction": []}, {}
    for action, _, clip in clips:
        if action not in LIMB_ACTIONS and action not in DIRECTION_ACTIONS:
            continue
        d = describe_joints(clip.joints, clip.fps)
        if action in LIMB_ACTIONS:
            want = LIMB_ACTIONS[action]
            movers = d["main_movers"]
            ok = bool(movers) and movers[0] == want and OTHER_SIDE.get(want) not in movers
            rows["limb"].append(ok)
            said = ", ".join(movers) or "none"
        else:
            key, want = DIRECTION_ACTIONS[action]
            said = d["trajectory"][key]
            ok = said == want
            rows["direction"].append(ok)
        entry = per_action.setdefault(action, {"n": 0, "ok": 0, "said": {}})
        entry["n"] += 1
        entry["ok"] += int(ok)
        entry["said"][said] = entry["said"].get(said, 0) + 1
    return rows, per_action


def cmu_rows(cmu_dir: Path):
    labels = {}
    for tsv in sorted(cmu_dir.rglob("labels.tsv")):
        for key, text in cmu_bvh.read_labels(tsv).items():
            labels[key] = (text, tsv.parent)
    rows = []
    for key, (text, folder) in sorted(labels.items()):
        low = text.lower()
        kind = ("run" if "run" in low else "jump" if ("jump" in low or "hop" in low) else
                "walk" if "walk" in low else None)
        path = folder / f"{key}.bvh"
        if kind is None or not path.is_file():
            continue
        try:
            clip = read_motion(path)
        except BadInputError as err:  # the importer refuses a few files; say so instead of guessing
            rows.append({"id": key, "label": text, "kind": kind, "error": str(err).split(": ", 1)[-1]})
            continue
        d = describe_joints(clip.joints, clip.fps)
        t = d["trajectory"]
        air = t["airborne"]
        if kind == "walk":
            fits = t["direction"] != "in place" and t["pace"] in ("slowly", "at walking pace") and not air
        elif kind == "run":
            fits = t["pace"] in ("at jogging pace", "at running pace") and bool(air)
        else:
            fits = bool(air)
        rows.append({"id": key, "label": text, "kind": kind, "duration_s": round(t["duration_s"], 2),
                     "direction": t["direction"], "net_m": round(t["net_displacement_m"], 2), "pace": t["pace"] or "-",
                     "moving_speed_ms": round(t["mean_moving_speed_ms"], 2), "turn_deg": round(t["turn_deg"]),
                     "airborne": len(air), "longest_air_s": round(max((a["duration_s"] for a in air), default=0), 2),
                     "steps": t["steps"]["left"] + t["steps"]["right"], "main_movers": ", ".join(d["main_movers"]),
                     "fits": bool(fits)})
    return rows


def captioning(clips, checkpoint=None, seed: int = 0):
    from src.datasets.procedural.captions import ACTION_CAPTIONS
    from src.retrieval.captions import builtin_captions
    from src.retrieval.search import digest_index, load_model

    model = load_model(checkpoint, torch.device("cpu"), digest_index(None)).smog
    bank = builtin_captions()
    action_of = {text: action for action, texts in ACTION_CAPTIONS.items() for text in texts}
    bank_emb = model.encode_text(bank)                                              # (B, D)
    motion_emb = torch.stack([model.encode_motion(clip) for _, _, clip in clips])   # (N, D)
    order = torch.argsort(motion_emb @ bank_emb.T, dim=1, descending=True)         # (N, B)
    hits = {k: float(np.mean([any(action_of[bank[j]] == clips[i][0] for j in order[i, :k].tolist())
                              for i in range(len(clips))])) for k in (1, 3)}
    # own captions, batches of 32
    texts = [c for _, c, _ in clips]
    text_emb = model.encode_text(texts)
    perm = np.random.default_rng(seed).permutation(len(clips))
    batch_hits = {1: [], 3: []}
    for b in range(0, len(perm) - 31, 32):
        idx = perm[b:b + 32]
        sims = motion_emb[idx] @ text_emb[idx].T                                      # (32, 32)
        ranked = torch.argsort(sims, dim=1, descending=True)
        for r, i in enumerate(idx):
            for k in (1, 3):
                batch_hits[k].append(any(texts[idx[j]] == texts[i] for j in ranked[r, :k].tolist()))
    return {"bank_size": len(bank), "clips": len(clips), "bank_r1": hits[1], "bank_r3": hits[3],
            "b32_r1": float(np.mean(batch_hits[1])), "b32_r3": float(np.mean(batch_hits[3])),
            "b32_clips": len(batch_hits[1])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, default=ROOT / "data" / "synthetic_db" / "babel_20fps_test.pt")
    parser.add_argument("--cmu", type=Path, default=config.SHARED_DATA_DIR / "cmu")
    parser.add_argument("--checkpoint", default=None, help="model for the captioning part (default: the shipped one)")
    parser.add_argument("--no_captioning", action="store_true")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()
    torch.set_num_threads(1)

    clips = single_action_clips(args.db)
    rows, per_action = limb_and_direction(clips)
    result = {"db": str(args.db), "single_action_clips": len(clips), "per_action": per_action}
    print(f"## Built-in test split ({args.db.name}): {len(clips)} single-action clips\n")
    for key in ("limb", "direction"):
        ok = rows[key]
        result[f"{key}_accuracy"] = float(np.mean(ok))
        result[f"{key}_clips"] = len(ok)
        print(f"- {key}: {sum(ok)}/{len(ok)} = {100 * np.mean(ok):.1f}%")
    print("\n| action | clips | correct | what the description said |\n|---|---|---|---|")
    for action in sorted(per_action):
        e = per_action[action]
        said = "; ".join(f"{k} x{v}" for k, v in sorted(e["said"].items(), key=lambda kv: -kv[1]))
        print(f"| {action} | {e['n']} | {e['ok']} | {said} |")

    if args.cmu.is_dir():
        cmu = cmu_rows(args.cmu)
        result["cmu"] = cmu
        read = [r for r in cmu if "error" not in r]
        fits = sum(r["fits"] for r in read)
        print(f"\n## CMU BVH ({args.cmu}): {fits}/{len(read)} descriptions fit their label "
              f"({len(cmu) - len(read)} files the importer refuses)\n")
        keys = ("id", "label", "duration_s", "direction", "net_m", "pace", "moving_speed_ms", "turn_deg", "airborne",
                "longest_air_s", "steps", "main_movers", "fits")
        print("| " + " | ".join(keys) + " |\n|" + "---|" * len(keys))
        for r in read:
            print("| " + " | ".join(str(r[k]) for k in keys) + " |")
        for r in cmu:
            if "error" in r:
                print(f"\n- {r['id']} ({r['label']}): not read: {r['error']}")

    if not args.no_captioning:
        cap = captioning(clips, args.checkpoint)
        result["captioning"] = cap
        print(f"\n## Captioning by retrieval ({cap['clips']} clips)\n")
        print(f"- closest of the {cap['bank_size']} built-in captions is of the clip's action: "
              f"R@1 {100 * cap['bank_r1']:.1f}%, R@3 {100 * cap['bank_r3']:.1f}%")
        print(f"- own caption among 32 (motion->text, {cap['b32_clips']} clips in full batches): "
              f"R@1 {100 * cap['b32_r1']:.1f}%, R@3 {100 * cap['b32_r3']:.1f}%")
    if args.output is not None:
        from src.utils.fileio import write_text_atomic

        write_text_atomic(args.output, json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
