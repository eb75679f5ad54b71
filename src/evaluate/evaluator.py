"""Evaluate a trained model on a test split: retrieval, distribution, physical and reconstruction
metrics (SPEC §4), computed by the metric modules of ``src.metrics``.

Every test window (deterministic, as in validation) gives a caption, a real motion and the model's
reconstruction of it (``collect``, once), and in each generation run one motion generated from the
caption with the window's length (``generate_run``, once per seed). Sanity rows (real halves
against each other, shuffled caption-motion pairs) give the generated figures their floors.
Embeddings are the model's own normalised latents (``embedding``), so FCD and R-precision measure
the model in its own space (SPEC §4: FCD is the Fréchet distance on the motion encoder's
text-aligned embeddings). Given an independent evaluator (``src.evaluate.tmr``, the ``judge``), the
generated-motion figures, the sanity rows and the real pairs' R-precision are also computed in its
space, from joint positions (the real windows' joints as the model's layout gives them, the
generated motions' joints), with FID for the Fréchet distance: figures two models can share.
"""

import math
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch

from src.datasets.get_dataset import make_dataloader
from src.evaluate.parallel import map_runs
from src.evaluate.tmr import clips_from_batch
from src.metrics import distribution, physical, signatures
from src.metrics.retrieval import batched_recall_metrics, cosine_similarity_matrix, recall_metrics

SEED_STRIDE = 1_000_000  # generation seeds of one run: seed * SEED_STRIDE + caption index
R_PRECISION_BATCH = 32  # HumanML3D protocol: batches of exactly 32 (fewer test items: not reported)
# Built-in actions whose clips the soundness figures of SPEC §4 read: locomotion (skating, ankle
# lift) and standing still (drift). Windows labelled with several actions are left out.
LOCOMOTION_ACTIONS = ("walk_forward", "walk_backward", "jog", "run")
STILL_ACTIONS = ("stand_still",)
PHYSICAL_KEYS = ("skating_ratio", "skating_ratio_smoothed", "penetration_mm", "floating_mm", "jitter",
                 "bone_drift_mean_mm")


def _clips(joints: torch.Tensor, mask: torch.Tensor) -> List[np.ndarray]:
    """(B, T, 22, 3) joints, (B, T) mask -> B arrays (length_i, 22, 3)."""
    return [clip.numpy() for clip in clips_from_batch(joints.cpu(), mask.cpu())]


def _joint_clips(model, features: torch.Tensor, mask: torch.Tensor) -> List[np.ndarray]:
    """(B, T, J, C) raw features -> B arrays (length_i, 22, 3) of joint positions in metres."""
    return _clips(model.joints(features, mask), mask)


def _judged(judge, joints: torch.Tensor, mask: torch.Tensor, fps: float) -> torch.Tensor:
    """The judge's embeddings of a padded batch of joints at ``fps``: straight from the batch at the
    judge's own rate, clip by clip (resampled) at another."""
    if abs(fps - judge.fps) < 1e-9:
        return judge.embed_joints(joints, mask)
    return judge.embed_clips(_clips(joints, mask), fps)


def physical_metrics(clips: List[np.ndarray], fps: float) -> Dict[str, float]:
    """Mean over clips of each physical metric (``src.metrics.physical``); clips (T_i, 22, 3)."""
    rows = []
    for clip in clips:
        row = dict(physical.foot_skating(clip, fps))
        row.update(physical.floor_contact(clip))
        row["jitter"] = physical.jitter(clip, fps)
        row.update(physical.bone_length_drift(clip))
        rows.append(row)
    return {key: float(np.mean([r[key] for r in rows])) for key in PHYSICAL_KEYS}


def reconstruction_metrics(real: List[np.ndarray], recon: List[np.ndarray], fps: float) -> Dict[str, float]:
    """Mean over clips of MPJPE, PA-MPJPE (mm) and acceleration error (mm/s^2)."""
    return {
        "mpjpe_mm": float(np.mean([physical.mpjpe(p, t) for p, t in zip(recon, real)])),
        "pa_mpjpe_mm": float(np.mean([physical.pa_mpjpe(p, t) for p, t in zip(recon, real)])),
        "accel_error_mm_s2": float(np.mean([physical.acceleration_error(p, t, fps) for p, t in zip(recon, real)])),
    }


def soundness_metrics(actions: List[str], clips: List[np.ndarray], fps: float) -> Dict[str, float]:
    """Soundness of the locomotion and standing-still clips among ``clips`` (SPEC §4).

    Args:
        actions: each clip's action label (``action_cat``; "a|b" for several actions).
        clips: (T_i, 22, 3) joint positions; fps: their frame rate.
    Returns:
        {"locomotion_clips", "locomotion_skating_ratio" (mean), "locomotion_ankle_lift_cm" (mean of
        the smaller ankle's lift), "locomotion_lift_ge_8cm" (share of clips whose ankles both lift
        at least 8 cm), "still_clips", "still_drift_cm_mean", "still_drift_cm_max"}; the figures
        of an empty group are left out (JSON has no NaN that compares equal).
    """
    walk = [c for a, c in zip(actions, clips) if a in LOCOMOTION_ACTIONS]
    still = [c for a, c in zip(actions, clips) if a in STILL_ACTIONS]
    out = {"locomotion_clips": float(len(walk)), "still_clips": float(len(still))}
    if walk:
        lifts = np.array([physical.ankle_lift(c) for c in walk])
        out.update({
            "locomotion_skating_ratio": float(np.mean([physical.foot_skating(c, fps)["skating_ratio"] for c in walk])),
            "locomotion_ankle_lift_cm": float(lifts.mean() * 100.0),
            "locomotion_lift_ge_8cm": float((lifts >= 0.08).mean()),
        })
    if still:
        drifts = np.array([physical.pelvis_drift(c) for c in still]) * 100.0
        out.update({"still_drift_cm_mean": float(drifts.mean()), "still_drift_cm_max": float(drifts.max())})
    return out


def preservation_metrics(actions: List[str], real: List[np.ndarray], recon: List[np.ndarray]) -> Dict[str, float]:
    """Signature preservation of the reconstructions (SPEC §4, ``signatures.signature_preservation``)
    over single-action clips: {"signature_preserved", "signature_eligible", "signature_preservation"
    (left out when no clip is eligible), and "signature_preservation_<action>" for each action with an
    eligible clip (a share, so a model that loses every clap says so in one row)}."""
    result = signatures.signature_preservation(zip(actions, real, recon))
    out = {"signature_preserved": float(result["preserved"]), "signature_eligible": float(result["eligible"])}
    if result["share"] is not None:
        out["signature_preservation"] = result["share"]
    for action, (kept, eligible) in sorted(result["per_action"].items()):
        out[f"signature_preservation_{action}"] = kept / eligible
    return out


def retrieval_metrics(text_emb: torch.Tensor, motion_emb: torch.Tensor, texts: List[str]) -> Dict[str, float]:
    """T2M and M2T recalls over the whole set and averaged over shuffled batches of 32 (seed 0).
    A retrieved item whose caption equals the query's counts as a hit (duplicate captions)."""
    sim = cosine_similarity_matrix(text_emb, motion_emb)
    out = {}
    for name, values in (("t2m", recall_metrics(sim, texts, texts)), ("m2t", recall_metrics(sim.T, texts, texts)),
                         ("t2m_b32", batched_recall_metrics(text_emb, motion_emb, texts)),
                         ("m2t_b32", batched_recall_metrics(motion_emb, text_emb, texts))):
        out.update({f"{name}_{k}": v for k, v in values.items()})
    return out


@torch.no_grad()
def collect(model, dataset, batch_size: int, max_items: Optional[int] = None) -> dict:
    """Run the model over the real side of a test dataset once: what every generation run compares with.

    Args:
        model: a SMoG model (eval mode is set here).
        dataset: a test dataset in evaluation mode (deterministic windows), or a Subset of one.
        batch_size: windows per model call.
        max_items: use only the first N windows (None = all).
    Returns:
        {"texts": N captions, "actions": N action labels, "lengths": (N,) frames, "text_emb",
         "real_emb": (N, D) float32, "real", "recon": N joint arrays (T_i, 22, 3)}.
    """
    model.eval()
    out = {key: [] for key in ("texts", "actions", "lengths", "text_emb", "real_emb", "real", "recon")}
    for batch in make_dataloader(dataset, batch_size, train=False):
        x, mask, texts = batch["x"].to(model.device), batch["mask"].to(model.device), batch["text"]
        if max_items is not None:
            keep = max_items - len(out["texts"])
            if keep <= 0:
                break
            x, mask, texts = x[:keep], mask[:keep], texts[:keep]
        lengths = mask.sum(dim=1)
        motion = model.encode_motion(x, mask)
        out["real_emb"].append(motion["embedding"].float().cpu())
        out["text_emb"].append(model.encode_text(texts)["embedding"].float().cpu())
        out["lengths"].append(lengths.cpu())
        out["real"] += _joint_clips(model, x, mask)
        recon, recon_mask = model.decode(motion["latent"], lengths, num_frames=mask.shape[1])
        out["recon"] += _joint_clips(model, recon, recon_mask)
        out["texts"] += list(texts)
        # Soundness and signature figures read a window's action only where the whole window shows
        # it (a window labelled "stand_still" may run into the jog after the still).
        actions = batch.get("action_cat", [""] * len(texts))
        single = batch.get("single_label", [True] * len(texts))
        out["actions"] += [a if one else "" for a, one in zip(actions, single)][: len(texts)]
    if not out["texts"]:
        raise ValueError("the test set is empty")
    for key in ("text_emb", "real_emb", "lengths"):
        out[key] = torch.cat(out[key])
    return out


@torch.no_grad()
def generate_run(model, texts: List[str], lengths: torch.Tensor, batch_size: int, seed: int,
                 sampling: Optional[dict] = None, judge=None):
    """One motion per caption at its window's length, ``batch_size`` captions per call, longest
    first (a batch is padded to its longest motion); caption i draws from seed * SEED_STRIDE + i
    whatever its batch, so runs of different seeds share no noise. ``sampling``: the model's
    sampler / guidance_scale / steps keywords (default: its default sampler).

    Returns:
        ((N, D) float32 embeddings of the generated motions, N joint arrays (T_i, 22, 3), and with a
        ``judge`` its (N, D') embeddings, else None), in caption order.
    """
    order = torch.argsort(torch.as_tensor(lengths), descending=True, stable=True).tolist()
    emb, clips, judged = [], [], []
    for start in range(0, len(texts), batch_size):
        rows = order[start:start + batch_size]
        generated = model.generate([texts[i] for i in rows], lengths[rows],
                                   seed=[seed * SEED_STRIDE + i for i in rows], **(sampling or {}))
        gen_x, gen_mask = generated["features"], generated["mask"]
        emb.append(model.encode_motion(gen_x, gen_mask)["embedding"].float().cpu())
        joints = model.joints(gen_x, gen_mask)
        clips += _clips(joints, gen_mask)
        if judge is not None:
            judged.append(_judged(judge, joints, gen_mask, model.fps))
    back = torch.as_tensor(order).argsort()  # position in ``order`` of each caption
    return (torch.cat(emb)[back], [clips[k] for k in back.tolist()],
            torch.cat(judged)[back] if judge is not None else None)


def real_multimodality(texts: Sequence[str], actions: Sequence[str], emb, seed: int = 0) -> Optional[float]:
    """MultiModality of the real motions: the generated figure's reference. Windows that share a
    caption and show one action each (``actions[i]`` not empty) are one group, as the samples of
    one caption are; the mean distance of 10 random pairs per group, averaged (SPEC §4's formula).
    Windows of two actions are left out: one caption of two actions fits windows that cut the pair
    at different frames, which are not two ways of doing what the caption says.

    Args:
        texts, actions: N captions and action labels ("" where the window shows more than one).
        emb: (N, D) embeddings of the real windows.
    Returns:
        The figure, or None when no caption has two such windows.
    """
    groups = {}
    for i, (text, action) in enumerate(zip(texts, actions)):
        if action:
            groups.setdefault(text, []).append(i)
    emb = emb.detach().cpu().numpy() if torch.is_tensor(emb) else np.asarray(emb)
    members = [emb[idx] for idx in groups.values() if len(idx) >= 2]
    return distribution.multimodality(members, num_pairs=10, seed=seed) if members else None


@torch.no_grad()
def multimodality(model, texts: List[str], num_texts: int, num_samples: int, num_frames: int, seed: int,
                  batch_size: int = 32, judge=None, sampling: Optional[dict] = None) -> Dict[str, float]:
    """SPEC §4 MultiModality: for ``num_texts`` distinct captions, ``num_samples`` generations each,
    the mean distance of 10 random pairs of their embeddings, averaged (0 for a deterministic model).
    The num_texts * num_samples motions are decoded ``batch_size`` at a time, so memory is bounded
    by the batch, not by the counts.

    Returns:
        {"own": in the model's own space, "evaluator": in ``judge``'s space (with a judge only;
        ``src.evaluate.tmr``, reading the decoded motions' joints)}.
    """
    model.eval()
    unique = list(dict.fromkeys(texts))[:num_texts]
    first = seed * SEED_STRIDE
    latent = model.generation_latents(unique, num_samples, seed=list(range(first, first + len(unique))),
                                      lengths=num_frames, **(sampling or {}))  # (N * S, D)
    spaces = {"own": []} if judge is None else {"own": [], "evaluator": []}
    for start in range(0, len(latent), batch_size):
        features, mask = model.decode(latent[start:start + batch_size], num_frames)
        spaces["own"].append(model.encode_motion(features, mask)["embedding"].float().cpu())
        if judge is not None:
            spaces["evaluator"].append(_judged(judge, model.joints(features, mask), mask, model.fps))
    out = {}
    for space, emb in spaces.items():
        emb = torch.cat(emb).numpy()
        groups = [emb[i * num_samples:(i + 1) * num_samples] for i in range(len(unique))]
        out[space] = distribution.multimodality(groups, num_pairs=10, seed=seed)
    return out


def embedding_metrics(text: torch.Tensor, real: torch.Tensor, gen: torch.Tensor, seed: int,
                      frechet: str = "fcd") -> Dict[str, float]:
    """Generated against real motions in one embedding space: the Fréchet distance (named
    ``frechet``: "fcd" in the model's own space, "fid" in an evaluator's), MMD (median-heuristic
    sigma), Diversity and, with at least 32 items, R-precision top-1/2/3 and MM-Dist (texts as rows)."""
    out = {frechet: distribution.frechet_distance(gen, real)}
    mmd = distribution.mmd(gen, real)
    out.update({"mmd": mmd["mmd"], "mmd_sigma": mmd["sigma"]})
    out["diversity"] = distribution.diversity(gen, num_pairs=300, seed=seed)
    if len(text) >= R_PRECISION_BATCH:
        out.update({f"gen_rprec_{k}": v for k, v in distribution.r_precision(text, gen, seed=seed).items()})
    return out


def generation_metrics(data: dict, gen_emb: torch.Tensor, gen_clips: List[np.ndarray], seed: int,
                       fps: float) -> Dict[str, float]:
    """Metrics of one run's generated motions (``generate_run``) against a ``collect`` result, in the
    model's own space."""
    text, real, gen = data["text_emb"], data["real_emb"], gen_emb
    out = embedding_metrics(text, real, gen, seed, "fcd")
    out["mmd_original_sigma0.07_text_vs_gen"] = distribution.mmd(text, gen, sigma=0.07)["mmd"]
    out.update({f"gen_t2m_b32_{k}": v for k, v in batched_recall_metrics(text, gen, data["texts"]).items()})
    out.update({f"gen_{k}": v for k, v in physical_metrics(gen_clips, fps).items()})
    return out


def sanity_metrics(text_emb: torch.Tensor, real_emb: torch.Tensor, seed: int = 0,
                   frechet: str = "fcd") -> Dict[str, float]:
    """The floors the generated figures are read against (SPEC §4 replications, issue 14's sanity rows).

    Args:
        text_emb, real_emb: (N, D) embeddings of the test captions and of their real motions.
        seed: seeds the split into halves and the shuffle.
        frechet: the Fréchet distance's name ("fid" in an evaluator's space).
    Returns:
        {"real_halves_fcd" (or "real_halves_fid"), "real_halves_mmd": two disjoint random halves of the real motions
        against each other (N >= 4; a Fréchet distance's floor at N/2 samples per side, so above
        the floor of a comparison of N with N), "shuffled_rprec_top1/2/3", "shuffled_rprec_mm_dist":
        R-precision with every caption paired with another caption's real motion (N >= 32; chance:
        top-k = k/32)}.
    """
    rng = np.random.default_rng(seed)
    n, out = len(real_emb), {}
    if n >= 4:
        perm = torch.as_tensor(rng.permutation(n))
        first, second = real_emb[perm[:n // 2]], real_emb[perm[n // 2:2 * (n // 2)]]
        out[f"real_halves_{frechet}"] = distribution.frechet_distance(first, second)
        out["real_halves_mmd"] = distribution.mmd(first, second)["mmd"]
    if n >= R_PRECISION_BATCH:
        order = rng.permutation(n)
        partner = np.empty(n, dtype=np.int64)
        partner[order] = np.roll(order, 1)  # a derangement: no caption keeps its own motion
        shuffled = distribution.r_precision(text_emb, real_emb[torch.as_tensor(partner)], seed=seed)
        out.update({f"shuffled_rprec_{k}": v for k, v in shuffled.items()})
    return out


def summarize(runs: List[Dict[str, float]]) -> Dict[str, Dict[str, float]]:
    """Per metric: mean, 95% interval half-width (1.96 std / sqrt(n), 0 for one run), n (SPEC §4);
    n counts the runs that have the metric (MultiModality: the first ``--mm_runs``)."""
    out = {}
    for key in dict.fromkeys(k for run in runs for k in run):
        values = np.array([r[key] for r in runs if key in r], dtype=np.float64)
        half = 1.96 * values.std(ddof=1) / math.sqrt(len(values)) if len(values) > 1 else 0.0
        out[key] = {"mean": float(values.mean()), "ci95": float(half), "n": len(values)}
    return out


def evaluate(model, dataset, batch_size: int = 32, seeds=(0,), mm_texts: int = 100, mm_samples: int = 30,
             mm_frames: Optional[int] = None, max_items: Optional[int] = None, seed: int = 0, judge=None,
             sampling: Optional[dict] = None, mm_runs: Optional[int] = None, workers: int = 1) -> dict:
    """All metrics of a model on a test dataset.

    Args:
        model: a SMoG model.
        dataset: the test dataset (evaluation mode).
        batch_size: windows per model call, and MultiModality's motions per decode.
        seeds: one generation run per seed; the generation metrics are summarised over them (a
            progress bar over the runs on a terminal).
        mm_texts, mm_samples: MultiModality's captions and generations per caption (0 = skip).
        mm_frames: length of MultiModality's generations (default: 4 s at the model's fps).
        mm_runs: MultiModality in the first K runs only (default: every run).
        max_items: use only the first N test windows.
        seed: seeds the sanity rows' halves and shuffle.
        judge: an independent evaluator (``src.evaluate.tmr.MotionTextEvaluator``) or None; it reads
            the joint positions of the real windows and of the generated motions, never features.
        sampling: sampler / guidance_scale / steps of the generations (default: the model's default sampler).
        workers: generation runs at a time, each in a forked process of one thread
            (``src.evaluate.parallel``; 1: one after another in this process).
    Returns:
        {"num_items", "fps", "seeds", "deterministic" (real-data metrics: retrieval, R-precision
        of real motions, reconstruction, physical metrics of the real motions, signature
        preservation and the soundness of real and reconstructed locomotion and stills),
        "sanity" (``sanity_metrics``), "generated" (summaries {metric: {"mean", "ci95", "n"}}),
        "runs" (each run's metrics with its "seed"; with a judge, its figures under
        "evaluator_space")}, all in the model's own space; with a judge also "evaluator_space":
        {"real" (Diversity of the real motions, R-precision and MM-Dist of the real pairs), "sanity", "generated" (FID, MMD,
        Diversity, R-precision, MM-Dist, MultiModality: summaries)}.
    """
    seeds = list(seeds)
    assert seeds, "give at least one seed"
    fps = model.fps
    data = collect(model, dataset, batch_size, max_items)
    judge_text = judge_real = None
    if judge is not None:
        judge_text, judge_real = judge.embed_texts(data["texts"]), judge.embed_clips(data["real"], fps)

    def one_run(index: int, run_seed: int) -> Tuple[dict, Optional[dict]]:
        """Run ``index``'s figures in the model's own space and in the judge's (None without one)."""
        gen_emb, gen_clips, gen_judged = generate_run(model, data["texts"], data["lengths"], batch_size, run_seed,
                                                      sampling, judge)
        run = generation_metrics(data, gen_emb, gen_clips, run_seed, fps)
        judged = None if judge is None else embedding_metrics(judge_text, judge_real, gen_judged, run_seed, "fid")
        if mm_texts and mm_samples > 1 and (mm_runs is None or index < mm_runs):
            frames = mm_frames or int(round(4 * fps))
            mm = multimodality(model, data["texts"], mm_texts, mm_samples, frames, run_seed, batch_size, judge,
                               sampling)
            run["multimodality"] = mm["own"]
            if judge is not None:
                judged["multimodality"] = mm["evaluator"]
        return run, judged

    results = map_runs(one_run, seeds, workers, model.device)
    runs, judge_runs = [run for run, _ in results], [judged for _, judged in results]
    text, real = data["text_emb"], data["real_emb"]
    deterministic = retrieval_metrics(text, real, data["texts"])
    real_mm = real_multimodality(data["texts"], data["actions"], real, seed)
    if real_mm is not None:
        deterministic["real_multimodality"] = real_mm
    if len(text) >= R_PRECISION_BATCH:
        deterministic.update({f"real_rprec_{k}": v for k, v in distribution.r_precision(text, real, seed=seed).items()})
    deterministic.update(reconstruction_metrics(data["real"], data["recon"], fps))
    deterministic.update({f"real_{k}": v for k, v in physical_metrics(data["real"], fps).items()})
    deterministic.update(preservation_metrics(data["actions"], data["real"], data["recon"]))
    for name in ("real", "recon"):
        deterministic.update({f"{name}_{k}": v for k, v in soundness_metrics(data["actions"], data[name], fps).items()})
    out = {"num_items": len(data["texts"]), "fps": fps, "seeds": seeds,
           "sampler": model.resolve_sampler((sampling or {}).get("sampler")), "deterministic": deterministic,
           "sanity": sanity_metrics(text, real, seed), "generated": summarize(runs),
           "runs": [{"seed": s, **run} for s, run in zip(seeds, runs)]}
    if judge is not None:
        real_figures = {"real_diversity": distribution.diversity(judge_real, num_pairs=300, seed=seed)}
        real_mm = real_multimodality(data["texts"], data["actions"], judge_real, seed)
        if real_mm is not None:
            real_figures["real_multimodality"] = real_mm
        if len(judge_text) >= R_PRECISION_BATCH:
            real_figures.update({f"real_rprec_{k}": v for k, v in
                                 distribution.r_precision(judge_text, judge_real, seed=seed).items()})
        out["evaluator_space"] = {"real": real_figures, "sanity": sanity_metrics(judge_text, judge_real, seed, "fid"),
                                  "generated": summarize(judge_runs)}
        for run, judged in zip(out["runs"], judge_runs):
            run["evaluator_space"] = judged
    return out
