"""Cost of --clip_image_losses on the CPU: one training step with and without the image alignment.

Both models have the original SMoG's size (latent 512, 8 layers, KAN at embed and final, text
cosine alignment, batch 20 x 60 frames) and the same weights; the second adds
``--clip_image_losses cosine``: one frame per motion drawn by ``src.rendering.raster`` and embedded
by a CLIP image tower. The tower here is CLIP ViT-B/32's architecture (width 768, 12 layers,
12 heads, MLP 3072, 32-pixel patches, 224-pixel images, 512-d projection) with RANDOM weights:
the real weights are not on this machine, and the cost does not depend on them. Also timed
alone: the rasteriser (per image) and the tower (per batch). Medians over interleaved repeats;
the ratio is the median of per-repeat ratios.

    python bench/bench_image_alignment.py                  # 2 threads, 5 repeats
    python bench/bench_image_alignment.py --threads 1 --repeats 8
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (CAPTIONS, batch_stats, machine_load, markdown_table, model_options,  # noqa: E402
                     random_batch, set_threads, train_step)

# CLIP ViT-B/32's vision architecture (openai/clip-vit-base-patch32's config.json).
VIT_B32 = dict(hidden_size=768, intermediate_size=3072, num_hidden_layers=12, num_attention_heads=12,
               image_size=224, patch_size=32, projection_dim=512)
ORIGINAL_SIZE = ["--latent_dim", "512", "--num_layers", "8", "--clip_text_losses", "cosine"]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--batch_size", type=int, default=20)
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def random_vit_b32():
    """A ViT-B/32-sized CLIP image tower with random weights, as ``FrozenImageBackbone``."""
    from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

    from src.models.image_encoders import FrozenImageBackbone

    return FrozenImageBackbone(CLIPVisionModelWithProjection(CLIPVisionConfig(**VIT_B32)))


def main(argv=None):
    args = parse_args(argv)
    set_threads(args.threads)
    from src.models.backbones import Backbones
    from src.models.factory import build_model
    from src.models.text_encoders import get_text_backbone
    from src.rendering.raster import render_pose_images

    generator = torch.Generator().manual_seed(args.seed)
    batches = [random_batch(args.batch_size, (args.frames, args.frames), generator) for _ in range(2)]
    backbone = get_text_backbone("minilm")
    backbone.encode_tokens(list(CAPTIONS))  # the caption cache is warm, as in training
    backbone.encode_pooled(list(CAPTIONS))
    tower = random_vit_b32()
    models = {}
    for name, extra in (("without", {}), ("with image", {"clip_image_losses": "cosine"})):
        torch.manual_seed(args.seed)
        opt = model_options(ORIGINAL_SIZE, **extra)
        models[name] = build_model(opt, batch_stats(batches), Backbones(backbone, tower if extra else None))
    optimizers = {n: torch.optim.AdamW(m.parameters(), lr=1e-4) for n, m in models.items()}
    joints = models["without"].joints(batches[0]["x"][:, :1])[:, 0]  # (B, 22, 3) one frame each

    cases = {
        "train step, without": lambda b: train_step(models["without"], optimizers["without"], b),
        "train step, with image alignment": lambda b: train_step(models["with image"], optimizers["with image"], b),
        "rasteriser, whole batch": lambda b: render_pose_images(joints, size=VIT_B32["image_size"]),
        "image tower, whole batch": lambda b: tower.encode(torch.rand(args.batch_size, 3, 224, 224)),
    }
    times = {name: [] for name in cases}
    for rep in range(args.warmup + args.repeats):
        names = list(cases)[rep % len(cases):] + list(cases)[:rep % len(cases)]
        for name in names:
            start = time.perf_counter()
            cases[name](batches[rep % len(batches)])
            if rep >= args.warmup:
                times[name].append(time.perf_counter() - start)
    ratio = statistics.median(a / b for a, b in zip(times["train step, with image alignment"],
                                                    times["train step, without"]))
    print(f"--clip_image_losses cost, batch {args.batch_size} x {args.frames} frames, {args.threads} thread(s), "
          f"{args.repeats} repeats, torch {torch.__version__}, {machine_load()}")
    rows = [[name, f"{statistics.median(t) * 1e3:.0f}"] for name, t in times.items()]
    per_image = statistics.median(times["rasteriser, whole batch"]) * 1e3 / args.batch_size
    rows.append(["rasteriser, per image", f"{per_image:.1f}"])
    print(markdown_table(["measure", "ms (median)"], rows))
    print(f"\ntrain step with / without the image alignment: {ratio:.2f}x")


if __name__ == "__main__":
    main()
