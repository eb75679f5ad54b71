"""Does the autoencoder learn a gait's phase? A small study of the two decoder options of issue 12.

Trains the hml autoencoder recipe (``tests/test_autoencoder_learning.RECIPE``: hml features, the
modulated decoder with long skips, joint, tie and foot-contact terms) at width 128 on 48 generated
walks, jogs and runs (16 each; each clip's caption is its action's name, read by the tests'
deterministic stand-in text backbone, ``tests.test_model.FakeBackbone``: the study is about the
decoder, and needs no MiniLM), and reconstructs 12 other generated clips of the same actions (80
frames each). Each configuration is one process-free run of ``--steps`` steps, batch 16,
lr 1e-3, one thread (the recipe is imported from the test, so the two cannot drift apart):

    recon        text terms off (reconstruction only)
    crossmodal   text terms on (contrastive 0.1, latent 1, cross-modal reconstruction 1), the
                 cross-modal reconstruction training the decoder (the recipe before 2026-12-07)
    textside     text terms on, --no-crossmodal_trains_decoder
    aligned      textside plus the motion latent's cosine alignment with the frozen pooled text
                 embedding (``--clip_text_losses cosine``, weight 1), as in the recipes under exps/

each without and with ``--decoder_fourier 20``. Printed every quarter of the run: the training
rc, and the held-out reconstructions' root-relative MPJPE (mm), foot skating (share of contact
frame pairs), ankle lift (cm, the smaller ankle's height range) and how many keep their action's
signature (SPEC §4; clips whose source shows it).

    python bench/phase_study.py --steps 800 --seed 0      # about 5 min per configuration here

The same on arm actions, with the amplitude-spectrum term (README, ``--lambda_spectral``):

    python bench/phase_study.py --steps 800 --seed 0 --configs textside --fourier 20 \
        --actions clap,wave_right_hand,wave_left_hand,squat,walk_forward --per_action 12 --lambda_spectral 0 10 50

Can the decoder fit the claps it trains on, with and without the relative pose term (README,
``--lambda_relpose``)? ``--evaluate train`` reconstructs the training clips themselves (80 frames):

    python bench/phase_study.py --steps 1500 --seed 0 --configs recon --fourier 20 \
        --actions clap,walk_forward --per_action 16 --evaluate train --lambda_relpose 0 3
"""

import argparse
import random
import sys
import time
from pathlib import Path
from typing import Optional

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import markdown_table, set_threads  # noqa: E402

ACTIONS = ("walk_forward", "jog", "run")  # each clip's caption is its action's name (read by the test stand-in backbone)
CONFIGS = {
    "recon": dict(lambda_crossmodal=0.0, lambda_latent=0.0, lambda_contrastive=0.0),
    "crossmodal": dict(lambda_crossmodal=1.0, lambda_latent=1.0, lambda_contrastive=0.1),
    "textside": dict(lambda_crossmodal=1.0, lambda_latent=1.0, lambda_contrastive=0.1,
                     crossmodal_trains_decoder=False),
    # textside plus the original alignment of the motion latent with the frozen pooled text
    # embedding (cosine, weight 1): the text terms of the recipes under exps/
    "aligned": dict(lambda_crossmodal=1.0, lambda_latent=1.0, lambda_contrastive=0.1,
                    crossmodal_trains_decoder=False, clip_text_losses="cosine"),
}


def gait_db(first_seed: int, per_action: int, actions=ACTIONS) -> dict:
    """A smog-db-v1 dict of generated clips of ``actions`` (default walks, jogs and runs), each
    captioned with its action's name."""
    from tests.test_autoencoder_learning import generated_db

    return generated_db([(action, first_seed + 100 * a + i, action, action)
                         for a, action in enumerate(actions) for i in range(per_action)], "gaits")


def held_out_figures(model, batch, fps: float, actions) -> dict:
    """Root-relative MPJPE (mm), skating and ankle lift (cm) of the reconstructions of ``batch``,
    and how many of them keep their action's signature, in all and per action
    (``signatures.signature_preservation``; ``actions``: each clip's action)."""
    import torch
    from src.metrics import physical, signatures

    model.eval()
    with torch.no_grad():
        latent = model.encode_motion(batch["x"], batch["mask"])["latent"]
        feats, mask = model.decode(latent, batch["lengths"])
        recon, source = model.joints(feats, mask).numpy(), model.joints(batch["x"], batch["mask"]).numpy()
    model.train()
    rows = []
    for i, n in enumerate(batch["lengths"].tolist()):
        r, s = recon[i, :n] - recon[i, :n, :1], source[i, :n] - source[i, :n, :1]
        rows.append((np.linalg.norm(r - s, axis=-1).mean() * 1000, physical.foot_skating(recon[i, :n], fps)["skating_ratio"],
                     physical.ankle_lift(recon[i, :n]) * 100))
    mpjpe, skating, lift = np.mean(rows, axis=0)
    kept = signatures.signature_preservation(
        (action, source[i, :n], recon[i, :n]) for i, (action, n) in enumerate(zip(actions, batch["lengths"].tolist())))
    return {"mpjpe_mm": mpjpe, "skating": skating, "ankle_lift_cm": lift,
            "kept": f"{kept['preserved']}/{kept['eligible']}",
            "per_action": ", ".join(f"{a} {k}/{n}" for a, (k, n) in kept["per_action"].items())}


def run(name: str, fourier: int, steps: int, seed: int, backbones, actions=ACTIONS, per_action: int = 16,
        lambda_spectral: float = 0.0, lambda_relpose: float = 0.0, evaluate: str = "held_out",
        settings: Optional[dict] = None) -> list:
    import torch
    from src import config
    from src.datasets.dataset import MotionTextDataset, collate, compute_stats
    from src.models.factory import build_model
    from tests.test_autoencoder_learning import RECIPE

    fps = config.METRIC_FPS
    torch.manual_seed(seed)
    random.seed(seed)
    train = MotionTextDataset(gait_db(1000, per_action, actions), train=True, pose_rep="hml", num_frames=-2,
                              min_len=40, max_len=80)
    # the training clips' first 80 frames, or 4 other clips per action
    first_seed, count = (1000, per_action) if evaluate == "train" else (5000, 4)
    held_out = MotionTextDataset(gait_db(first_seed, count, actions), train=False, pose_rep="hml", num_frames=80)
    held_out_batch = collate([held_out[i] for i in range(len(held_out))])
    held_out_actions = [action for action in actions for _ in range(count)]
    recipe = dict(RECIPE, latent_dim=128, ff_size=256, decoder_fourier=fourier, lambda_spectral=lambda_spectral,
                  lambda_relpose=lambda_relpose, **CONFIGS[name])
    recipe.update(settings or {})
    model = build_model(recipe, compute_stats(train), backbones).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    loader = torch.utils.data.DataLoader(train, batch_size=16, shuffle=True, collate_fn=collate)
    batches, rows, start = iter(loader), [], time.time()
    for step in range(1, steps + 1):
        try:
            batch = next(batches)
        except StopIteration:
            batches = iter(loader)
            batch = next(batches)
        loss, logs = model.compute_loss(batch)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if step % max(1, steps // 4) == 0:
            figures = held_out_figures(model, held_out_batch, fps, held_out_actions)
            rows.append([name, fourier, lambda_spectral, lambda_relpose, step, f"{time.time() - start:.0f}",
                         f"{logs['rc']:.3f}", f"{figures['mpjpe_mm']:.0f}", f"{figures['skating']:.2f}",
                         f"{figures['ankle_lift_cm']:.1f}", figures["kept"], figures["per_action"]])
            print(" | ".join(map(str, rows[-1])), flush=True)
    return rows


def _setting(text: str):
    """'name=number' -> (name, float) for --set."""
    name, sep, value = text.partition("=")
    try:
        if not (sep and name):
            raise ValueError(text)
        return name, float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected NAME=NUMBER, got {text!r}") from None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configs", default=",".join(CONFIGS), help=f"comma-separated subset of {list(CONFIGS)}")
    parser.add_argument("--fourier", type=int, nargs="+", default=[0, 20], help="--decoder_fourier values to compare")
    parser.add_argument("--steps", type=int, default=800)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--actions", default=",".join(ACTIONS), help="comma-separated generator actions")
    parser.add_argument("--per_action", type=int, default=16, help="training clips per action")
    parser.add_argument("--lambda_spectral", type=float, nargs="+", default=[0.0],
                        help="--lambda_spectral values to compare")
    parser.add_argument("--lambda_relpose", type=float, nargs="+", default=[0.0],
                        help="--lambda_relpose values to compare")
    parser.add_argument("--set", nargs="+", default=[], metavar="NAME=VALUE", type=_setting,
                        help="other numeric model options for every run, e.g. lambda_rcxyz=300")
    parser.add_argument("--evaluate", choices=("held_out", "train"), default="held_out",
                        help="reconstruct 4 held-out clips per action, or the training clips themselves")
    args = parser.parse_args(argv)
    actions = tuple(args.actions.split(","))
    set_threads(1)
    from src.models.backbones import Backbones
    from tests.test_model import FakeBackbone

    backbones = Backbones(FakeBackbone())
    rows = []
    for name in args.configs.split(","):
        for fourier in args.fourier:
            for spectral in args.lambda_spectral:
                for relpose in args.lambda_relpose:
                    rows += run(name, fourier, args.steps, args.seed, backbones, actions, args.per_action, spectral,
                                relpose, args.evaluate, dict(args.set))
    print(markdown_table(["text terms", "--decoder_fourier", "--lambda_spectral", "--lambda_relpose", "step", "s",
                          "train rc", "MPJPE mm", "skating", "ankle lift cm", "signatures kept", "per action"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
