"""Whole-model cost of SMoG's KAN layers on the CPU: KAN (--arch kan --kan_layers embed,final, the
original SMoG layout) against the linear model (--arch linear, MotionCLIP), same config otherwise.

Timed, per architecture, in one process with the two models interleaved (the order alternates
every repeat), median milliseconds after warm-up rounds:
  train step   model.train(); compute_loss(batch) (forward + every default loss) -> backward ->
               clip_grad_norm_(1.0) -> AdamW step, as src/train/trainer.py does
  generate     eval, no_grad: model.generate(captions, lengths) = text encoder + motion decoder
               (what text2motion runs per batch)
  autoencode   eval, no_grad: encode_motion(x, mask) + decode(latent, lengths) (reconstruction)
Ratios: KAN / linear of the medians, and the median of the per-repeat paired ratios (more robust
to load changes on a shared machine); the train-step goal (<= 1.10x) reads "met" when both ratios
are within it, "borderline" when one is. Samples/s = batch size / median train step.

Data: random but valid rot6d motions with the real feature shape (T, 25, 6) (24 joints + the
translation row), lengths uniform in --frames, padded per batch, captions from a fixed list.
The frozen text backbone (all-MiniLM-L6-v2) is shared by both models and its caption cache is
warmed with every caption before timing, so backbone text encoding is NOT measured (as in
training, where captions repeat every epoch); the trainable text encoder is. The script checks
that the cache saw no miss while timing.

The model config is the CLI default (``add_model_args``: latent 256, 4 layers, ff 1024, 4 heads,
learned text conditioning, losses rc + rcxyz + vel + text cosine + contrastive + latent +
cross-modal); any other model option can be appended, e.g. ``--latent_dim 512 --num_layers 8``.

    python bench/bench_model.py                               # 2 threads, batch 32 x 60-120 frames
    python bench/bench_model.py --repeats 20 --threads 1
    python bench/bench_model.py --kan_layers embed,final,ffn  # KAN feed-forward blocks too
    python bench/bench_model.py --latent_dim 512 --num_layers 8  # the original's size
    python bench/bench_model.py --kan_compile                 # the KAN model as train --kan_compile runs it
"""

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (CAPTIONS, batch_stats, frames_range, iqr, machine_load, markdown_table,  # noqa: E402
                     median, model_options, random_batch, set_threads, train_step)

TRAIN_GOAL = 1.10  # KAN / linear train-step time (the goal)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     epilog="Other arguments are model options (src/models/config.py, src/parser/model.py).")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=10, help="timed rounds (after --warmup rounds)")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--batch_size", type=int, default=32)
    parser.add_argument("--frames", type=frames_range, default=(60, 120), help="N or MIN-MAX frames per motion")
    parser.add_argument("--kan_layers", default="embed,final", help="KAN places of the KAN model")
    parser.add_argument("--num_batches", type=int, default=4, help="distinct batches cycled through")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no_inference", action="store_true", help="time the train step only")
    parser.add_argument("--kan_compile", action="store_true",
                        help="KAN layers through torch.compile, as train --kan_compile (compiles during warm-up)")
    args, model_args = parser.parse_known_args(argv)
    return args, model_args


def build_pair(args, model_args, stats, backbone):
    """(KAN model, linear model), identical except for the layer kind at the KAN places."""
    from src.models.backbones import Backbones
    from src.models.factory import build_model

    models = {}
    for arch in ("kan", "linear"):
        torch.manual_seed(args.seed)
        opt = model_options(model_args, arch=arch, kan_layers=args.kan_layers)
        models[arch] = build_model(opt, stats, Backbones(backbone))
    if args.kan_compile:
        from src.models.architectures.kan import compile_kan_layers

        compile_kan_layers(models["kan"])
    return models


@torch.no_grad()
def generate(model, batch):
    model.generate(batch["text"], batch["lengths"])


@torch.no_grad()
def autoencode(model, batch):
    model.eval()
    latent = model.encode_motion(batch["x"], batch["mask"])["latent"]
    model.decode(latent, batch["lengths"])


def main(argv=None):
    args, model_args = parse_args(argv)
    set_threads(args.threads)
    from src.models.text_encoders import get_text_backbone

    generator = torch.Generator().manual_seed(args.seed)
    batches = [random_batch(args.batch_size, args.frames, generator) for _ in range(args.num_batches)]
    backbone = get_text_backbone("minilm")
    backbone.encode_tokens(list(CAPTIONS))  # warm the caption cache (fills the pooled cache too)
    backbone.encode_pooled(list(CAPTIONS))
    models = build_pair(args, model_args, batch_stats(batches), backbone)
    optimizers = {arch: torch.optim.AdamW([p for p in m.parameters() if p.requires_grad], lr=1e-4)
                  for arch, m in models.items()}

    cases = {"train step": lambda arch, b: train_step(models[arch], optimizers[arch], b)}
    if not args.no_inference:
        cases["generate"] = lambda arch, b: generate(models[arch], b)
        cases["autoencode"] = lambda arch, b: autoencode(models[arch], b)
    times = {(case, arch): [] for case in cases for arch in models}
    misses_before = backbone.cache_info()["misses"]
    started = time.perf_counter()
    for rep in range(args.warmup + args.repeats):
        batch = batches[rep % len(batches)]
        order = ("kan", "linear") if rep % 2 == 0 else ("linear", "kan")
        for case, call in cases.items():
            for arch in order:
                start = time.perf_counter()
                call(arch, batch)
                if rep >= args.warmup:
                    times[(case, arch)].append(time.perf_counter() - start)
    wall = time.perf_counter() - started
    misses = backbone.cache_info()["misses"] - misses_before

    kan_model = models["kan"]
    params = {arch: sum(p.numel() for p in m.parameters() if p.requires_grad) for arch, m in models.items()}
    frames = [int(b["lengths"].max()) for b in batches]
    print(f"# bench_model: KAN ({args.kan_layers}) vs linear, whole SMoG model, CPU")
    print(f"torch {torch.__version__}, {args.threads} thread(s), {machine_load()} (at the end)")
    print(f"config: {' '.join(model_args) or 'CLI defaults'}: latent {kan_model.latent_dim}, "
          f"{kan_model.config.sizes.num_layers} layers, ff {kan_model.config.sizes.ff_size}, "
          f"text {kan_model.config.text.backbone}/{kan_model.text_conditioning}, "
          f"features {kan_model.feature_shape}; trainable parameters KAN {params['kan'] / 1e6:.2f} M, "
          f"linear {params['linear'] / 1e6:.2f} M")
    print(f"batch {args.batch_size} x {args.frames[0]}-{args.frames[1]} frames (padded to {frames}), "
          f"{args.num_batches} batches cycled, {args.warmup} warm-up + {args.repeats} timed rounds, "
          f"{wall:.0f} s in all")
    print(f"text backbone cache warmed with {len(CAPTIONS)} captions: {misses} misses while timing "
          "(backbone text encoding not measured)")
    print()
    rows = []
    for case in cases:
        kan, lin = times[(case, "kan")], times[(case, "linear")]
        paired = [k / l for k, l in zip(kan, lin)]
        goal = ""
        if case == "train step":
            over = (median(kan) / median(lin) > TRAIN_GOAL) + (median(paired) > TRAIN_GOAL)
            goal = f"<= {TRAIN_GOAL:.2f}x: {('met', 'borderline', 'NOT met')[over]}"
        fmt = lambda v: f"{median(v) * 1e3:.1f} [{iqr(v)[0] * 1e3:.0f}-{iqr(v)[1] * 1e3:.0f}]"
        rows.append([case, fmt(kan), fmt(lin), f"{median(kan) / median(lin):.3f}x", f"{median(paired):.3f}x", goal])
    print(markdown_table(["measure", "KAN ms (median [IQR])", "linear ms", "KAN/linear", "paired ratio", "goal"],
                         rows))
    print()
    sps = {arch: args.batch_size / median(times[("train step", arch)]) for arch in models}
    print(f"training throughput (batch {args.batch_size} / median train step): KAN {sps['kan']:.1f} samples/s, "
          f"linear {sps['linear']:.1f} samples/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
