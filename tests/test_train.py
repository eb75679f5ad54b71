"""The training command ``python -m src.train.train`` on the CPU, with tiny models and a tiny
generated dataset: outputs of a run, loss going down, resuming, strict loading, argument errors,
the original SMoG option names, sequence weighting, HumanML3D, KIT-ML, DDP (two gloo processes) and
bf16 autocast. Runs call ``main(argv)`` in-process (imports are paid once); DDP runs torchrun."""

import csv
import math
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch
import yaml

from src.config import KITML_UNITS_PER_METRE
from src.models.backbones import Backbones
from src.models.config import ModelConfig
from src.models.factory import build_model
from src.models.smog import SMoGModel
from src.models.rotation2xyz import load_body_model
from src.parser.training import parse_training_args
from src.train.distributed import DistInfo, DistributedWeightedSampler
from src.train.train import main
from src.train.trainer import make_loader
from tests.conftest import REPO_ROOT
from tests.test_humanml3d import kit_released_pose
from tests.test_model import TINY, FakeBackbone

# A model of ~0.1 M parameters on 30-frame windows: an epoch of the quick dataset takes about a second.
TINY_ARGS = ["--latent_dim", "32", "--num_layers", "1", "--ff_size", "64", "--text_num_layers", "1",
             "--text_ff_size", "64", "--arch", "linear", "--num_frames", "30", "--num_workers", "0",
             "--device", "cpu", "--body_model", "builtin"]  # the same whether or not SMPL files are installed
# Settings that make the loss fall reliably within a few epochs: no dropout or mirroring noise,
# a constant learning rate (so a resumed run continues at the same rate).
LEARNING_ARGS = ["--lr", "1e-3", "--lr_schedule", "constant", "--warmup_steps", "0", "--dropout", "0",
                 "--mirror_prob", "0", "--batch_size", "4"]
EPOCHS = 5


def data_args(db_path):
    return ["--dataset", "builtin", "--datapath", str(db_path)]


def read_losses(folder):
    with open(folder / "losses.csv", newline="") as f:
        return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(f)]


@pytest.fixture(scope="module")
def run(db_path, tmp_path_factory):
    """A finished 5-epoch run (checkpoints at epochs 2, 4 and 5)."""
    folder = tmp_path_factory.mktemp("run")
    assert main(data_args(db_path) + TINY_ARGS + LEARNING_ARGS +
                ["--folder", str(folder), "--num_epochs", str(EPOCHS), "--snapshot", "2"]) == 0
    return folder


# ------------------------------------------------------------------ a run and its outputs
def test_run_outputs(run):
    assert sorted(p.name for p in run.glob("checkpoint_*.pth.tar")) == [
        "checkpoint_0002.pth.tar", "checkpoint_0004.pth.tar", "checkpoint_0005.pth.tar"]
    opt = yaml.safe_load((run / "opt.yaml").read_text())
    assert opt["num_epochs"] == EPOCHS and opt["latent_dim"] == 32 and opt["dataset"] == "builtin"
    log = (run / "training.log").read_text()
    assert "world size 1" in log and f"epoch {EPOCHS}/{EPOCHS}" in log
    # the built-in skeleton has no mesh: --jointstype vertices (the default) falls back, and says so
    assert "--jointstype vertices" in log and "22 joints" in log
    assert (run / "loss_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rows = read_losses(run)
    assert [r["epoch"] for r in rows] == list(range(1, EPOCHS + 1))
    assert all(np.isfinite(r["train/total"]) and np.isfinite(r["val/total"]) for r in rows)


def test_loss_decreases(run):
    rows = read_losses(run)
    train = [r["train/total"] for r in rows]
    val = [r["val/total"] for r in rows]
    assert train[-1] < 0.85 * train[0], train
    assert val[-1] < 0.85 * val[0], val  # deterministic validation windows


def test_checkpoint_is_self_describing(run):
    model, ckpt = SMoGModel.from_checkpoint(run / "checkpoint_0005.pth.tar")  # no dataset, no options
    assert ckpt["epoch"] == EPOCHS and ckpt["opt"]["latent_dim"] == 32
    assert model.config.sizes.latent_dim == 32 and model.config.kan.arch == "linear"
    assert ckpt["optimizer"] is not None and ckpt["scheduler"] is not None
    assert torch.equal(model.mean, ckpt["stats"]["mean"]) and model.mean.shape == (25, 6)
    x = torch.randn(2, 30, 25, 6)
    latent = model.encode_motion(x, torch.ones(2, 30, dtype=torch.bool))["latent"]
    assert latent.shape == (2, 32) and torch.isfinite(latent).all()


# ------------------------------------------------------------------ resuming
def test_resume_continues(run, db_path, tmp_path):
    folder = tmp_path / "resumed"
    shutil.copytree(run, folder)
    before = read_losses(run)
    argv = data_args(db_path) + TINY_ARGS + LEARNING_ARGS + ["--folder", str(folder), "--snapshot", "1"]
    assert main(argv + ["--num_epochs", str(EPOCHS + 2), "--resume", str(run / "checkpoint_0005.pth.tar")]) == 0
    rows = read_losses(folder)
    assert [r["epoch"] for r in rows] == list(range(1, EPOCHS + 3))
    assert rows[:EPOCHS] == before  # the history is kept
    assert SMoGModel.from_checkpoint(folder / f"checkpoint_{EPOCHS + 2:04d}.pth.tar")[1]["epoch"] == EPOCHS + 2
    assert not (folder / "checkpoint_0001.pth.tar").exists()  # epochs 1..5 were not trained again
    assert "resumed from" in (folder / "training.log").read_text()
    # the first resumed epoch starts from the trained weights, not from the initial loss
    first, last, resumed = before[0], before[-1], rows[EPOCHS]
    assert abs(resumed["val/total"] - last["val/total"]) < 0.1 * last["val/total"]
    assert resumed["train/total"] < 0.85 * first["train/total"]
    assert resumed["train/total"] < (first["train/total"] + last["train/total"]) / 2


def _weights_and_optimizer(path):
    ckpt = torch.load(path, weights_only=True)
    return ckpt["state_dict"], ckpt["optimizer"]["state"]


def test_resume_is_exact(db_path, tmp_path):
    """Two epochs equal epoch 1 + --resume, bit for bit: the checkpoint restores torch, numpy,
    python and DataLoader generator states (dropout, mirroring, windows, shuffling and the worker
    seeds all draw from them; one worker process here, started afresh each epoch)."""
    argv = data_args(db_path) + TINY_ARGS + ["--batch_size", "4", "--snapshot", "1", "--dropout", "0.1",
                                             "--caption_augment", "0.5", "--num_workers", "1"]
    assert main(argv + ["--folder", str(tmp_path / "whole"), "--num_epochs", "2"]) == 0
    # what a run stopped after epoch 1 leaves: its epoch-1 checkpoint (same --num_epochs, so same schedule);
    # the resumed run starts with empty text-feature caches, as a new process would
    from src.models import backbones
    for backbone in backbones._TEXT_CACHE.values():
        backbone.clear_cache()
    assert main(argv + ["--folder", str(tmp_path / "resumed"), "--num_epochs", "2",
                        "--resume", str(tmp_path / "whole" / "checkpoint_0001.pth.tar")]) == 0
    whole, whole_opt = _weights_and_optimizer(tmp_path / "whole" / "checkpoint_0002.pth.tar")
    resumed, resumed_opt = _weights_and_optimizer(tmp_path / "resumed" / "checkpoint_0002.pth.tar")
    assert whole.keys() == resumed.keys()
    assert all(torch.equal(whole[k], resumed[k]) for k in whole)
    assert all(torch.equal(whole_opt[i]["exp_avg_sq"], resumed_opt[i]["exp_avg_sq"]) for i in whole_opt)
    same = lambda row: {k: v for k, v in row.items() if k != "train/samples_per_s"}  # noqa: E731 (a timing)
    assert same(read_losses(tmp_path / "whole")[1]) == same(read_losses(tmp_path / "resumed")[0])


class _WritesMarker:
    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_resume_of_unusable_files_says_what_they_are(run, db_path, tmp_path, capsys):
    """Each unusable --resume file: exit 3 and one line naming it and what it is; never a traceback,
    never PyTorch's advice to turn weights_only off; nothing in a pickled file runs."""
    good = (run / "checkpoint_0005.pth.tar").read_bytes()
    marker = tmp_path / "marker"
    files = {"empty.pth.tar": (b"", "empty file"),
             "notes.pth.tar": (b"epoch 5, loss 0.3\n", "text file"),
             "random.pth.tar": (bytes(np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8)),
                                "not a PyTorch file"),
             "truncated.pth.tar": (good[: len(good) // 2], "truncated or corrupt")}
    for name, (content, _) in files.items():
        (tmp_path / name).write_bytes(content)
    torch.save({"format": "smog-ckpt-v1", "payload": _WritesMarker(marker)}, tmp_path / "code.pth.tar")
    files["code.pth.tar"] = (None, "pickled objects other than tensors")
    from prepare.export_model import main as export_main
    assert export_main([str(run / "checkpoint_0005.pth.tar"), str(tmp_path / "exported.pth.tar")]) == 0
    files["exported.pth.tar"] = (None, "exported model without optimizer state")
    from src.models.checkpoint import save_pretrained
    save_pretrained(SMoGModel.from_checkpoint(run / "checkpoint_0005.pth.tar")[0], tmp_path / "pretrained")
    files["pretrained"] = (None, "pretrained folder, an export without optimizer state")
    capsys.readouterr()
    for i, (name, (_, what)) in enumerate(files.items()):
        argv = data_args(db_path) + TINY_ARGS + ["--folder", str(tmp_path / f"out{i}"),
                                                 "--resume", str(tmp_path / name)]
        assert main(argv) == 3, name
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and str(tmp_path / name) in err and what in err, err
        assert "Traceback" not in err and "weights_only" not in err, err
    assert not marker.exists()


def test_new_run_into_a_run_folder_is_refused_unless_overwrite(run, db_path, tmp_path, capsys):
    """A folder holding another run is refused (exit 2, nothing touched); --overwrite deletes that
    run's files (not the user's) first; temporary files of killed saves are removed at start."""
    folder = tmp_path / "old"
    shutil.copytree(run, folder)
    (folder / "notes.txt").write_text("mine")
    stale = folder / ".checkpoint_0006.pth.tar.k1ll3d.tmp"
    stale.write_bytes(b"half a checkpoint")
    before = sorted(p.name for p in folder.iterdir())
    argv = data_args(db_path) + TINY_ARGS + LEARNING_ARGS + ["--folder", str(folder), "--num_epochs", "1"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert str(folder) in err and "--overwrite" in err and "--resume" in err
    assert sorted(p.name for p in folder.iterdir()) == before
    assert main(argv + ["--overwrite"]) == 0
    assert sorted(p.name for p in folder.glob("checkpoint_*")) == ["checkpoint_0001.pth.tar"]
    assert [r["epoch"] for r in read_losses(folder)] == [1]
    assert (folder / "notes.txt").read_text() == "mine" and not stale.exists()
    with pytest.raises(SystemExit):  # --overwrite would delete what --resume continues
        parse_training_args(["--overwrite", "--resume", str(folder / "checkpoint_0001.pth.tar")])


def test_atomic_saves_fsync_before_the_rename(tmp_path, monkeypatch):
    """The data reaches the disk before the rename, the rename before the call returns."""
    from src.utils import fileio

    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(fileio.os, "fsync", lambda fd: events.append(("fsync", os.path.isdir(f"/proc/self/fd/{fd}")))
                        or real_fsync(fd))
    monkeypatch.setattr(fileio.os, "replace", lambda a, b: events.append(("replace", None)) or real_replace(a, b))
    fileio.write_text_atomic(tmp_path / "a.txt", "done")
    assert events == [("fsync", False), ("replace", None), ("fsync", True)]
    assert (tmp_path / "a.txt").read_text() == "done" and not list(tmp_path.glob(".*.tmp"))


def test_resume_with_another_architecture_fails_clearly(run, db_path, tmp_path, capsys):
    argv = data_args(db_path) + TINY_ARGS + LEARNING_ARGS + ["--folder", str(tmp_path), "--num_epochs", "9",
                                                             "--resume", str(run / "checkpoint_0005.pth.tar")]
    argv[argv.index("--latent_dim") + 1] = "64"
    assert main(argv) == 3  # an unusable checkpoint (src.errors)
    err = capsys.readouterr().err
    assert "does not match" in err and "shape mismatches" in err
    assert "latent_dim: checkpoint 32 vs model 64" in err
    assert "Traceback" not in err


# ------------------------------------------------------------------ fine-tuning (--init_from, --freeze)
def test_finetune_text_side_keeps_the_motion_autoencoder(run, db_path, tmp_path):
    start = run / "checkpoint_0005.pth.tar"
    folder = tmp_path / "finetune"
    # other model options on the command line are ignored: the checkpoint's architecture is used
    argv = data_args(db_path) + TINY_ARGS + LEARNING_ARGS + [
        "--folder", str(folder), "--num_epochs", "2", "--init_from", str(start), "--freeze", "motion",
        "--lambda_latent", "3"]
    argv[argv.index("--latent_dim") + 1] = "64"
    assert main(argv) == 0
    before, _ = SMoGModel.from_checkpoint(start)
    after, ckpt = SMoGModel.from_checkpoint(folder / "checkpoint_0002.pth.tar")
    assert ckpt["epoch"] == 2 and after.config.sizes.latent_dim == 32
    assert after.config.losses.lambda_latent == 3.0 and before.config.losses.lambda_latent == 1.0
    old, new = before.state_dict(), after.state_dict()
    motion = [k for k in old if k.startswith(("motion_encoder.", "motion_decoder."))]
    text = [k for k in old if k.startswith("text_encoder.")]
    assert motion and text
    assert all(torch.equal(old[k], new[k]) for k in motion)
    assert sum(not torch.equal(old[k], new[k]) for k in text) > len(text) // 2
    assert torch.equal(before.mean, after.mean) and torch.equal(before.std, after.std)
    rows = read_losses(folder)
    assert "train/latent" in rows[0] and "train/rc" not in rows[0]  # the frozen autoencoder is not re-scored
    log = (folder / "training.log").read_text()
    assert "initialised from" in log and "--freeze motion" in log


def test_finetune_errors_are_clear(run, db_path, tmp_path, capsys):
    base = data_args(db_path) + TINY_ARGS + LEARNING_ARGS + ["--folder", str(tmp_path), "--num_epochs", "1"]
    with pytest.raises(SystemExit):
        parse_training_args(base + ["--freeze", "motion"])  # nothing to keep frozen
    assert "--freeze motion needs trained weights" in capsys.readouterr().err
    assert main(base + ["--init_from", str(tmp_path / "nope.pth.tar")]) == 3  # unusable checkpoint
    assert "--init_from" in capsys.readouterr().err
    # the tiny run has the cosine alignment head; asking for none leaves its weights unexpected
    assert main(base + ["--init_from", str(run / "checkpoint_0005.pth.tar"), "--clip_text_losses", ""]) == 3
    err = capsys.readouterr().err
    assert "--init_from" in err and "Traceback" not in err


def test_finetune_adds_fourier_queries_to_a_modulated_decoder(db_path, tmp_path, capsys):
    base = data_args(db_path) + TINY_ARGS + LEARNING_ARGS + ["--num_epochs", "1"]
    start_run = tmp_path / "modulated"
    assert main(base + ["--folder", str(start_run), "--decoder", "modulated"]) == 0
    start = start_run / "checkpoint_0001.pth.tar"
    grown = tmp_path / "grown"
    # the decoder is the checkpoint's: --decoder_fourier alone is enough on the command line
    assert main(base + ["--folder", str(grown), "--init_from", str(start), "--decoder_fourier", "4"]) == 0
    after, ckpt = SMoGModel.from_checkpoint(grown / "checkpoint_0001.pth.tar")
    assert ckpt["model_config"]["sizes"]["decoder_fourier"] == 4 and after.config.sizes.decoder == "modulated"
    assert after.motion_decoder.fourier.out.weight.abs().max() > 0  # trained away from its zero start
    capsys.readouterr()
    cross = tmp_path / "cross"
    assert main(base + ["--folder", str(cross)]) == 0
    assert main(base + ["--folder", str(tmp_path / "no"), "--init_from", str(cross / "checkpoint_0001.pth.tar"),
                        "--decoder_fourier", "4"]) == 2
    err = capsys.readouterr().err
    assert "--decoder_fourier needs --decoder modulated" in err and "Traceback" not in err


# ------------------------------------------------------------------ bad arguments
def test_cuda_on_cpu_only_machine(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    for device in (["--device", "cuda"], ["--device", "0"], ["--cuda"]):
        assert main(["--folder", str(tmp_path)] + device) == 2
        err = capsys.readouterr().err
        assert "CUDA is not available" in err and "Traceback" not in err


def test_nonpositive_batch_size_is_an_argument_error(capsys):
    with pytest.raises(SystemExit) as exc:
        parse_training_args(["--batch_size", "0"])
    assert exc.value.code == 2
    assert "--batch_size must be positive" in capsys.readouterr().err


def test_missing_inputs_are_named(tmp_path, capsys, db_path):
    missing = tmp_path / "nowhere" / "amass_30fps_db.pt"
    assert main(["--dataset", "amass", "--datapath", str(missing), "--folder", str(tmp_path / "a")] + TINY_ARGS) == 2
    assert str(missing.with_name("amass_30fps_train.pt")) in capsys.readouterr().err
    checkpoint = tmp_path / "no_checkpoint.pth.tar"
    assert main(data_args(db_path) + TINY_ARGS + ["--folder", str(tmp_path / "b"), "--resume", str(checkpoint)]) == 3
    err = capsys.readouterr().err
    assert str(checkpoint) in err and "Traceback" not in err


# ------------------------------------------------------------------ the original command line
def original_argv(db_path, folder, image_losses="cosine"):
    """SPEC §3b's training command, word for word except the paths."""
    return ["--clip_text_losses", "cosine", "--clip_image_losses", image_losses, "--pose_rep", "rot6d",
            "--lambda_vel", "100", "--lambda_rc", "100", "--lambda_rcxyz", "100", "--jointstype", "vertices",
            "--batch_size", "20", "--num_frames", "60", "--num_layers", "8", "--lr", "0.0001", "--glob",
            "--translation", "--no-vertstrans", "--latent_dim", "512", "--num_epochs", "100", "--snapshot", "10",
            "--device", "0", "--dataset", "amass", "--datapath", str(db_path), "--folder", str(folder)]


def test_original_option_names_parse(tmp_path):
    opt = parse_training_args(original_argv("data/amass_db/amass_30fps_db.pt", tmp_path))
    assert (opt.pose_rep, opt.jointstype, opt.glob, opt.translation, opt.vertstrans) == ("rot6d", "vertices", True,
                                                                                        True, False)
    assert (opt.batch_size, opt.num_frames, opt.num_layers, opt.latent_dim) == (20, 60, 8, 512)
    assert (opt.lr, opt.num_epochs, opt.snapshot, opt.device) == (1e-4, 100, 10, "0")
    assert (opt.lambda_vel, opt.lambda_rc, opt.lambda_rcxyz) == (100.0, 100.0, 100.0)
    config = ModelConfig.from_options(vars(opt))
    assert config.losses.lambda_rc == 100.0 and list(config.losses.clip_text_losses) == ["cosine"]
    assert list(config.losses.clip_image_losses) == ["cosine"]
    assert config.body.jointstype == "vertices" and config.sizes.latent_dim == 512


def test_original_command_without_clip_weights_stops_before_reading_data(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SMOG_CLIP_PATH", str(tmp_path / "no_clip_here"))
    missing_data = tmp_path / "nowhere" / "amass_30fps_db.pt"
    argv = original_argv(missing_data, tmp_path / "run")
    argv[argv.index("--device") + 1] = "cpu"
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "CLIP ViT-B/32 image weights were not found" in err and "no_clip_here" in err
    assert "amass_30fps_train.pt" not in err and "Traceback" not in err  # the data was never read


def test_original_command_trains_with_the_image_alignment(db_path, tmp_path, tiny_clip_dir, monkeypatch):
    """SPEC §3b's command (paths changed; later options shrink it to a test's size) with a tiny CLIP."""
    folder = tmp_path / "run"
    argv = original_argv(db_path, folder) + TINY_ARGS + LEARNING_ARGS + [
        "--dataset", "builtin", "--num_epochs", "2", "--snapshot", "2",
        "--clip_path", str(tiny_clip_dir[0])]
    assert main(argv) == 0
    rows = read_losses(folder)
    assert len(rows) == 2 and all(math.isfinite(r["train/clip_image_cosine"]) for r in rows)
    assert rows[-1]["train/clip_image_cosine"] < rows[0]["train/clip_image_cosine"]
    # the checkpoint needs no CLIP to load and generate: the image tower is a training target only
    monkeypatch.setenv("SMOG_CLIP_PATH", str(tmp_path / "no_clip_here"))
    model, _ = SMoGModel.from_checkpoint(folder / "checkpoint_0002.pth.tar")
    assert model.config.losses.image_dim == 24
    assert model.generate(["a person waves"], 20)["features"].shape[:2] == (1, 20)


# ------------------------------------------------------------------ sequence weighting
class Lengths(torch.utils.data.Dataset):
    """Stands in for a motion dataset: only its length and window counts matter to the sampler."""

    def __init__(self, weights, emphasised: bool = False):
        self.weights = torch.tensor(weights, dtype=torch.double)
        self.emphasised = emphasised  # as a dataset given --emphasize_actions: weighted even without length

    def __len__(self):
        return len(self.weights)

    def __getitem__(self, i):
        return i

    def sampling_weights(self, by_length: bool):
        return self.weights if by_length or self.emphasised else None


def test_length_weighting_in_one_process():
    opt = parse_training_args(["--sequence_weighting", "length", "--batch_size", "4", "--num_workers", "0"])
    dataset = Lengths([1.0, 9.0])
    sampler = make_loader(dataset, opt, shuffle=True, info=DistInfo()).sampler
    assert isinstance(sampler, torch.utils.data.WeightedRandomSampler) and sampler.replacement
    assert torch.equal(sampler.weights, dataset.weights) and len(sampler) == 2
    torch.manual_seed(0)
    draws = torch.tensor([i for _ in range(500) for i in sampler], dtype=torch.float)
    assert 0.85 < draws.mean() < 0.95  # index 1 holds 90% of the weight
    unweighted = make_loader(dataset, parse_training_args(["--num_workers", "0"]), shuffle=True, info=DistInfo())
    assert isinstance(unweighted.sampler, torch.utils.data.RandomSampler)
    evaluation = make_loader(dataset, opt, shuffle=False, info=DistInfo())
    assert isinstance(evaluation.sampler, torch.utils.data.SequentialSampler)
    emphasised = make_loader(Lengths([1.0, 9.0], emphasised=True), parse_training_args(["--num_workers", "0"]),
                             shuffle=True, info=DistInfo())
    assert isinstance(emphasised.sampler, torch.utils.data.WeightedRandomSampler)


def test_length_weighting_under_ddp():
    opt = parse_training_args(["--sequence_weighting", "length", "--num_workers", "0", "--seed", "3"])
    weights = [1.0, 9.0, 0.0, 2.0, 3.0]
    ranks = [make_loader(Lengths(weights), opt, True, DistInfo(rank, 2)).sampler for rank in (0, 1)]
    assert all(isinstance(s, DistributedWeightedSampler) for s in ranks)
    draws = [list(s) for s in ranks]
    assert [len(d) for d in draws] == [3, 3]  # ceil(5 / 2) each
    assert 2 not in draws[0] + draws[1]  # zero weight, never drawn
    expected = torch.multinomial(torch.tensor(weights, dtype=torch.double), 6, True,
                                 generator=torch.Generator().manual_seed(3))
    assert draws[0] + draws[1] == expected[0::2].tolist() + expected[1::2].tolist()  # one draw, interleaved
    epoch0 = draws
    for s in ranks:
        s.set_epoch(1)
    assert [list(s) for s in ranks] != epoch0
    drawn = []
    for epoch in range(200):
        for s in ranks:
            s.set_epoch(epoch)
            drawn.extend(s)
    counts = torch.bincount(torch.tensor(drawn), minlength=5).double()
    assert torch.allclose(counts / counts.sum(), torch.tensor(weights, dtype=torch.double) / 15, atol=0.05)


# ------------------------------------------------------------------ HumanML3D
def write_joints_folder(root, rest, ids, fps, frames, floor_joints, units_per_metre=1.0, extra_caption=""):
    """A small folder in the released HumanML3D / KIT-ML layout: ``rest`` (J, 3) swaying and walking
    towards +Z, floor at y = 0 (over ``floor_joints``), captions, train/val split files (the last two
    ids are val; no test split, which is skipped with a warning)."""
    rng = np.random.default_rng(0)
    (root / "new_joints").mkdir(parents=True)
    (root / "texts").mkdir()
    for i, motion_id in enumerate(ids):
        t = np.arange(frames(i))[:, None, None] / fps
        sway = 0.05 * np.sin(2 * np.pi * (1 + i % 3) * t + rng.uniform(0, 6, (1, rest.shape[0], 3)))
        joints = rest[None] + sway + np.array([0.0, 0.0, 0.4 + 0.1 * i]) * t
        joints[..., 1] -= joints[:, floor_joints, 1].min()  # floor at y = 0
        np.save(root / "new_joints" / f"{motion_id}.npy", (joints * units_per_metre).astype(np.float32))
        (root / "texts" / f"{motion_id}.txt").write_text(
            f"a person walks forward number {i}#a/DET person/NOUN walk/VERB#0.0#0.0\n" + extra_caption, encoding="utf-8")
    (root / "train.txt").write_text("\n".join(ids[:-2]) + "\n")
    (root / "val.txt").write_text("\n".join(ids[-2:]) + "\n")
    return root


def write_humanml3d(root, num_train=6, fps=20.0):
    """HumanML3D: the built-in skeleton's 22 rest joints, plus a sub-clip caption."""
    rest = load_body_model("builtin")(torch.eye(3).expand(1, 24, 3, 3), torch.zeros(1, 3))["joints"][0, :22].numpy()
    return write_joints_folder(root, rest, [f"{i:06d}" for i in range(num_train + 2)], fps, lambda i: 40 + 7 * i,
                               [7, 8, 10, 11], extra_caption="someone waves the left hand#someone/PRON wave/VERB#0.5#1.5\n")


def assert_joint_folder_trains(argv, root, run, fps, capsys):
    """A joint-position dataset: refused with the default --pose_rep rot6d, then one epoch with xyz
    gives a 22-joint xyz checkpoint at the data's fps, cached statistics and finite losses."""
    assert main(argv) == 2
    assert "use --pose_rep xyz" in capsys.readouterr().err
    assert main(argv + ["--pose_rep", "xyz", "--num_frames", "20"]) == 0
    model, _ = SMoGModel.from_checkpoint(run / "checkpoint_0001.pth.tar")
    assert (model.config.features.pose_rep, *model.feature_shape) == ("xyz", 22, 3)
    assert model.config.features.fps == fps and (root / "smog_stats.pt").is_file()
    row = read_losses(run)[0]
    assert np.isfinite(row["train/total"]) and np.isfinite(row["val/total"])


def test_humanml3d_training(tmp_path, capsys):
    root = write_humanml3d(tmp_path / "HumanML3D")
    argv = ["--dataset", "humanml3d", "--datapath", str(root), "--folder", str(tmp_path / "run"), "--batch_size", "4",
            "--num_epochs", "1", "--sequence_weighting", "length"] + TINY_ARGS
    missing = tmp_path / "NoHumanML3D"
    assert main(argv + ["--pose_rep", "xyz", "--datapath", str(missing)]) == 2
    assert f"humanml3d folder not found: {missing}" in capsys.readouterr().err
    assert_joint_folder_trains(argv, root, tmp_path / "run", 20.0, capsys)


def write_kitml(root, num_train=6, fps=12.5):
    """KIT-ML: 21 MMM joints in KIT units (a mirror image, as released; see ``humanml3d``)."""
    rest = kit_released_pose()
    return write_joints_folder(root, rest, [f"{i:05d}" for i in range(num_train + 2)], fps, lambda i: 30 + 5 * i,
                               list(range(rest.shape[0])), units_per_metre=KITML_UNITS_PER_METRE)


def test_kitml_training(tmp_path, capsys):
    """KIT-ML's 21 MMM joints are mapped onto SMPL-22 and train like HumanML3D, at 12.5 fps."""
    root = write_kitml(tmp_path / "KIT-ML")
    argv = ["--dataset", "kitml", "--datapath", str(root), "--folder", str(tmp_path / "run"), "--batch_size", "4",
            "--num_epochs", "1"] + TINY_ARGS
    assert_joint_folder_trains(argv, root, tmp_path / "run", 12.5, capsys)


# ------------------------------------------------------------------ DDP
@pytest.mark.skipif(not torch.distributed.is_available(), reason="this torch build has no torch.distributed")
def test_ddp_two_processes(db_path, tmp_path):
    folder = tmp_path / "ddp"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
           "-m", "src.train.train"] + data_args(db_path) + TINY_ARGS + [
           "--folder", str(folder), "--batch_size", "4", "--num_epochs", "1", "--snapshot", "1",
           "--arch", "kan", "--kan_grid_size", "3"]  # SMoG's default architecture
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert [p.name for p in folder.glob("checkpoint_*")] == ["checkpoint_0001.pth.tar"]
    log = (folder / "training.log").read_text()
    assert "world size 2" in log and log.count("epoch 1/1") == 1  # rank 0 alone writes
    assert done.stdout.count("checkpoint:") == 1
    model, ckpt = SMoGModel.from_checkpoint(folder / "checkpoint_0001.pth.tar")
    assert ckpt["extra"]["world_size"] == 2 and model.config.kan.arch == "kan"
    assert [r["epoch"] for r in read_losses(folder)] == [1.0]


# ------------------------------------------------------------------ bf16
@pytest.mark.parametrize("arch", ["linear", "kan"])
def test_bf16_autocast_forward_backward(arch):
    """What the trainer runs on CUDA by default (bf16 autocast), checked on the CPU."""
    opt = parse_training_args(["--pose_rep", "rot6d", "--arch", arch])
    for key, value in TINY.items():
        setattr(opt, key, value)
    torch.manual_seed(0)
    model = build_model(opt, None, Backbones(FakeBackbone()))
    x = torch.randn(3, 20, 25, 6) * 0.1
    x[..., :24, :] += torch.tensor([1.0, 0.0, 0.0, 1.0, 0.0, 0.0])  # near-identity rotations
    lengths = torch.tensor([20, 15, 9])
    batch = {"x": x, "mask": torch.arange(20)[None] < lengths[:, None], "lengths": lengths,
             "text": ["walk forward", "wave the left hand", "jump"], "betas": torch.zeros(3, 16)}
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss, logs = model.compute_loss(batch)
    loss.backward()
    assert torch.isfinite(loss) and all(np.isfinite(float(v)) for v in logs.values())
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    assert all(g.dtype == torch.float32 for g in grads)  # autocast keeps the master weights in float32


# ------------------------------------------------------------------ validation
def test_validation_encodes_each_batch_once(run, db_path, monkeypatch):
    """The losses' forward pass already encoded motions and texts: validation ranks those latents."""
    from src.datasets.get_dataset import get_datasets
    from src.train.validation import validate

    opt = parse_training_args(data_args(db_path) + TINY_ARGS + LEARNING_ARGS)
    model, _ = SMoGModel.from_checkpoint(run / "checkpoint_0005.pth.tar")
    dataset = get_datasets(opt)["val"]
    expected = validate(model, dataset, opt, torch.device("cpu"))
    calls = {"motion": 0, "text": 0}
    for side in calls:
        original = getattr(model, f"encode_{side}")

        def counted(*args, _side=side, _original=original, **kwargs):
            calls[_side] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(model, f"encode_{side}", counted)
    assert validate(model, dataset, opt, torch.device("cpu")) == expected
    batches = -(-len(dataset) // opt.batch_size)
    assert calls == {"motion": batches, "text": batches}  # once each per batch: forward's own encodings
