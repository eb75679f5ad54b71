"""Checking a model against physical signatures (``src.metrics.signatures``) on a prompt set, for
``python -m src.visualize.check_prompts``."""

from typing import Optional

from src import config
from src.api import ModelLoadError, SMoG
from src.datasets.procedural.captions import ACTION_CAPTIONS
from src.errors import ModelFilesError
from src.metrics import kit_prompts, signatures


def prompt_set(name: str, kit_annotations=None, kit_max_per_signature=None) -> tuple:
    """(prompt, signature) pairs: ``heldout`` paraphrases, ``training`` = each action's first caption,
    or ``kit`` = real KIT-ML captions from ``kit_annotations`` (default: the shared corpus; at most
    ``kit_max_per_signature`` per signature, default ``kit_prompts.DEFAULT_MAX_PER_SIGNATURE``)."""
    if name == "heldout":
        return signatures.HELD_OUT_PROMPTS
    if name == "kit":
        path = config.KIT_ANNOTATIONS if kit_annotations is None else kit_annotations
        cap = kit_prompts.DEFAULT_MAX_PER_SIGNATURE if kit_max_per_signature is None else kit_max_per_signature
        return tuple(kit_prompts.load_kit_prompts(path, max_per_signature=cap))
    if name != "training":
        raise ValueError(f"unknown prompt set {name!r} (heldout, training or kit)")
    return tuple((ACTION_CAPTIONS[action][0], signature) for action, signature in signatures.ACTION_SIGNATURES)


def run(checkpoint, num_samples: int, seed: int, duration: float, device, prompts: str = "heldout",
        kit_annotations=None, kit_max_per_signature=None, sampling: Optional[dict] = None,
        decoding: Optional[dict] = None) -> list:
    """Rows (prompt, signature, passed, total, measurements) for every prompt of ``prompt_set(prompts, ...)``;
    ModelFilesError when the checkpoint cannot be used; ValueError when ``sampling`` (the api's
    sampler / guidance_scale / steps keywords) or ``decoding`` (``SMoGModel.set_decoding``'s) does
    not fit the model."""
    pairs = prompt_set(prompts, kit_annotations, kit_max_per_signature)  # before the model: fail fast
    if not pairs:
        raise ValueError(f"prompt set {prompts!r} is empty")
    try:
        model = SMoG.from_pretrained(checkpoint, device=device)
    except ModelLoadError as err:
        raise ModelFilesError(str(err)) from None
    # Checked as they come, in decoder passes of at most MAX_FRAMES_PER_PASS frames: only the
    # measurements are kept, so memory does not grow with the prompts or --num_samples.
    per_pass = max(1, config.MAX_FRAMES_PER_PASS // model.num_frames(duration))
    results = [[] for _ in pairs]
    model.model.resolve_sampler((sampling or {}).get("sampler"))  # a prior-less model refuses diffusion now
    model.model.set_decoding(**(decoding or {}))
    for chunk in model.generate_clip_chunks([p for p, _ in pairs], duration, num_samples, seed=seed,
                                            max_sequences=per_pass, **(sampling or {})):
        for i, _, clip in chunk:
            results[i].append(signatures.check(clip.joints, pairs[i][1]))
    return [(prompt, signature, sum(ok for ok, _ in checks), len(checks), [m for _, m in checks])
            for (prompt, signature), checks in zip(pairs, results)]


def summary(rows) -> dict:
    """Signature -> (prompts, samples passed, samples), in first-seen order."""
    out = {}
    for _, signature, passed, total, _ in rows:
        n_prompts, p, t = out.get(signature, (0, 0, 0))
        out[signature] = (n_prompts + 1, p + passed, t + total)
    return out


def report(rows) -> str:
    """The per-prompt table, the per-signature table and the total, as Markdown."""
    lines = ["| prompt | expected | passed | measured (first sample) |", "|---|---|---|---|"]
    lines += [f"| {prompt} | {signature} | {passed}/{total} | {measured[0]} |"
              for prompt, signature, passed, total, measured in rows]
    lines += ["", "| signature | prompts | passed |", "|---|---|---|"]
    lines += [f"| {signature} | {n_prompts} | {passed}/{total} ({100 * passed / total:.0f}%) |"
              for signature, (n_prompts, passed, total) in summary(rows).items()]
    passed, total = sum(r[2] for r in rows), sum(r[3] for r in rows)
    lines += ["", f"{passed}/{total} samples show the expected signature ({100 * passed / total:.0f}%)"]
    return "\n".join(lines)
