"""The independent evaluator (``src.evaluate.tmr``, issue 14 item 2): its frame features, its training
command on the quick built-in data, its file (self-describing, strict, refused when it is something
else), and ``evaluate_model.py --evaluator``'s figures in its space."""

import json

import numpy as np
import pytest
import torch

import evaluate_model
from prepare import train_evaluator
from src.evaluate import report, tmr
from src.metrics.retrieval import cosine_similarity_matrix
from tests.test_evaluate import trained  # noqa: F401  (the tiny trained model, a fixture)

TINY = ["--latent_dim", "32", "--model_dim", "32", "--num_layers", "1", "--batch_size", "8", "--lr", "2e-3",
        "--min_len", "20", "--max_len", "30", "--mirror_prob", "0", "--seed", "3"]


@pytest.fixture(scope="module")
def evaluator_file(db_path, tmp_path_factory):
    """A tiny evaluator trained by the command on the quick built-in data (34 train sequences, 30 fps;
    its val split holds actions training never sees, so the last epoch is kept)."""
    path = tmp_path_factory.mktemp("evaluator") / "evaluator.pt"
    assert train_evaluator.main(["--datapath", str(db_path), "--output", str(path), "--num_epochs", "80",
                                 "--select", "last"] + TINY) == 0
    return path


def test_joint_features_are_positions_about_the_root_and_velocities():
    frames, fps = 5, 20.0
    joints = torch.rand(1, frames, 22, 3)
    joints = joints + torch.arange(frames)[None, :, None, None] * torch.tensor([0.1, 0.0, 0.0])  # 2 m/s along x
    feats = tmr.joint_features(joints, torch.ones(1, frames, dtype=torch.bool), fps)
    assert feats.shape == (1, frames, tmr.FEATURES)
    positions, velocity = feats[0, :, :66].reshape(frames, 22, 3), feats[0, :, 66:].reshape(frames, 22, 3)
    assert torch.allclose(positions[..., 1], joints[0, ..., 1])  # heights kept
    assert torch.allclose(positions[:, 0, [0, 2]], torch.zeros(frames, 2))  # the root's ground point is the origin
    step = (joints[0, 1:] - joints[0, :-1]) * fps
    assert torch.allclose(velocity[:-1], step, atol=1e-5) and torch.allclose(velocity[-1], velocity[-2])
    short = tmr.joint_features(joints, torch.arange(frames)[None] < 3, fps)  # a 3-frame clip, padded
    assert torch.equal(short[0, 3:], torch.zeros(2, tmr.FEATURES))
    assert torch.allclose(short[0, 2, 66:], short[0, 1, 66:])


def test_the_training_command_makes_a_loadable_evaluator_that_beats_chance(evaluator_file, db_path):
    from src.datasets.get_dataset import get_datasets, make_dataloader

    judge = tmr.load(evaluator_file)
    record = judge.cfg["trained"]
    assert record["seed"] == 3 and record["command"].startswith("python -m prepare.train_evaluator --datapath")
    assert record["best_epoch"] == record["epochs"] == 80 and record["selection"] == "last epoch" and judge.fps == 30
    assert evaluator_file.stat().st_size < 1_000_000
    stored = torch.load(evaluator_file, weights_only=True)["state_dict"]
    assert stored["motion_encoder.projection.weight"].dtype == torch.float16  # small: float16 weights
    assert next(judge.parameters()).dtype == torch.float32
    # the training split's windows, as the evaluation reads them: text -> motion retrieval
    data = get_datasets({"dataset": "builtin", "datapath": str(db_path), "pose_rep": "xyz", "num_frames": -2,
                         "min_len": 20, "max_len": 30}, splits=("train",), with_stats=False)["train"]
    assert record["train_sequences"] == len(data)  # one window a sequence: the whole training split
    data.train = False
    clips, texts = [], []
    for batch in make_dataloader(data, 64, train=False):
        clips += tmr.clips_from_batch(batch["x"], batch["mask"])
        texts += batch["text"]
    sim = cosine_similarity_matrix(judge.embed_texts(texts), judge.embed_clips([c.numpy() for c in clips]))
    hits = [texts[int(sim[i].argmax())] == texts[i] for i in range(len(texts))]  # a duplicate caption counts
    chance = np.mean([texts.count(t) / len(texts) for t in texts])
    assert np.mean(hits) > 5 * chance, (np.mean(hits), chance)  # 0.35 against 1/31 when written (31 sequences)


def test_embeddings_do_not_depend_on_placement_and_resample_other_rates(evaluator_file):
    judge = tmr.load(evaluator_file)
    rng = np.random.default_rng(0)
    clip = np.cumsum(rng.normal(0, 0.01, (40, 22, 3)), axis=0) + rng.normal(0, 0.2, (1, 22, 3))
    clip[..., 1] += 1.0
    turned = clip @ np.array([[0.0, 0, -1], [0, 1, 0], [1, 0, 0]]).T + np.array([3.0, 0.5, -2.0])  # turned, moved
    emb = judge.embed_clips([clip, turned])
    assert torch.allclose(emb[0], emb[1], atol=1e-4)  # canonicalised first
    assert torch.allclose(emb.norm(dim=1), torch.ones(2), atol=1e-5)
    flat = clip.reshape(40, -1)
    slow = np.stack([np.interp(np.arange(79) / 2, np.arange(40), flat[:, k]) for k in range(66)], 1)
    at_60 = judge.embed_clips([slow.reshape(79, 22, 3)], fps=60.0)  # the same motion at twice the rate
    assert torch.allclose(at_60[0], emb[0], atol=1e-3)


def test_a_padded_batch_embeds_as_its_clips_one_by_one(evaluator_file, trained):
    """``embed_joints`` (what the evaluation feeds it: a model's decoded batch) equals ``embed_clips``
    of the same motions as a list, whatever their placement and padding; and a generation run's
    judge embeddings are its clips'."""
    from src.api import load_model
    from src.evaluate.evaluator import generate_run

    judge = tmr.load(evaluator_file)
    rng = np.random.default_rng(1)
    lengths = [40, 23, 31]
    clips = [np.cumsum(rng.normal(0, 0.02, (n, 22, 3)), axis=0) + rng.normal(0, 1.0, (1, 22, 3)) for n in lengths]
    padded = torch.zeros(3, 40, 22, 3)
    for i, clip in enumerate(clips):
        padded[i, :len(clip)] = torch.as_tensor(clip, dtype=torch.float32)
        padded[i, len(clip):] = -5.0  # padding holds anything (here below the floor): it must not count
    mask = torch.arange(40)[None] < torch.tensor(lengths)[:, None]
    assert torch.allclose(judge.embed_joints(padded, mask, batch_size=2), judge.embed_clips(clips), atol=1e-5)
    model = load_model(trained[0])
    texts, frames = ["a person walks forward", "someone jumps", "a person waves"], torch.tensor([30, 12, 21])
    emb, gen_clips, judged = generate_run(model, texts, frames, batch_size=2, seed=4, judge=judge)
    assert [len(c) for c in gen_clips] == frames.tolist()
    assert torch.allclose(judged, judge.embed_clips(gen_clips, model.fps), atol=1e-5)
    # a caption's motion depends on its seed, not on its batch (batches go longest first)
    for batch_size in (1, 3):
        again = generate_run(model, texts, frames, batch_size=batch_size, seed=4)
        assert torch.allclose(again[0], emb, atol=1e-5) and again[2] is None
        assert all(np.allclose(a, b, atol=1e-5) for a, b in zip(again[1], gen_clips))
    other = generate_run(model, texts, frames, batch_size=2, seed=5)[1]
    assert not np.allclose(other[0], gen_clips[0], atol=1e-3)  # (the check above could fail)


def test_loading_refuses_a_wrong_file_clearly(evaluator_file, trained, tmp_path, capsys):
    checkpoint, _ = trained
    with pytest.raises(tmr.EvaluatorLoadError, match="is not a SMoG evaluator file.*smog-ckpt-v1.*train_evaluator"):
        tmr.load(checkpoint)
    with pytest.raises(tmr.EvaluatorLoadError, match="not found"):
        tmr.load(tmp_path / "missing.pt")
    (tmp_path / "text.pt").write_text("not a torch file")
    with pytest.raises(tmr.EvaluatorLoadError, match="not a readable evaluator file"):
        tmr.load(tmp_path / "text.pt")
    stored = torch.load(evaluator_file, weights_only=True)
    stored["config"]["num_layers"] = 2  # a config its weights do not fit: never loaded half-way
    torch.save(stored, tmp_path / "edited.pt")
    with pytest.raises(tmr.EvaluatorLoadError, match="weights do not fit its config"):
        tmr.load(tmp_path / "edited.pt")
    # evaluate_model: exit 3 before the model or data load, nothing written
    out = tmp_path / "eval"
    assert evaluate_model.main([str(checkpoint), "--evaluator", str(checkpoint), "--output_dir", str(out)]) == 3
    assert "is not a SMoG evaluator file" in capsys.readouterr().err and not out.exists()


def test_evaluate_model_reports_figures_in_the_evaluators_space(evaluator_file, trained, tmp_path, capsys):
    checkpoint, _ = trained
    out = tmp_path / "eval"
    argv = [str(checkpoint), "--evaluator", str(evaluator_file), "--seeds", "0", "1", "--mm_texts", "2",
            "--mm_samples", "3", "--output_dir", str(out)]
    assert evaluate_model.main(argv) == 0
    results = json.loads((out / "results.json").read_text())
    assert results["evaluator"]["path"] == str(evaluator_file) and not results["evaluator"]["default"]
    assert results["evaluator"]["trained"]["seed"] == 3
    space = results["evaluator_space"]
    for key in ("fid", "mmd", "mmd_sigma", "diversity", "multimodality"):
        assert space["generated"][key]["n"] == 2 and np.isfinite(space["generated"][key]["mean"]), key
    assert np.isfinite(space["sanity"]["real_halves_fid"])  # 4 test windows: halves of 2, no R-precision
    assert space["real"]["real_diversity"] > 0
    assert [set(run["evaluator_space"]) for run in results["runs"]] == [set(space["generated"])] * 2
    assert "fcd" in results["generated"] and "fid" not in results["generated"]  # the own space keeps its figures
    table = (out / "results.md").read_text()
    assert "## In the independent evaluator's space" in table and "| FID vs real |" in table
    assert "## Generated beside real motions and floors (the model's own space: FCD)" in table
    assert evaluate_model.main(argv[:1] + ["--evaluator", "none", "--seeds", "0", "--mm_texts", "0",
                                           "--output_dir", str(tmp_path / "none")]) == 0
    results = json.loads((tmp_path / "none" / "results.json").read_text())
    assert "evaluator_space" not in results and results["evaluator"]["path"] is None


def test_the_shipped_evaluator_is_the_default_for_the_built_in_data_at_its_rate(evaluator_file, trained, tmp_path,
                                                                                monkeypatch):
    checkpoint, _ = trained
    argv = [str(checkpoint), "--seeds", "0", "--mm_texts", "0"]
    monkeypatch.setattr(report, "DEFAULT_EVALUATOR", evaluator_file)  # a 30 fps evaluator, as the quick data
    assert evaluate_model.main(argv + ["--output_dir", str(tmp_path / "a")]) == 0
    results = json.loads((tmp_path / "a" / "results.json").read_text())
    assert results["evaluator"]["default"] and "fid" in results["evaluator_space"]["generated"]
    stored = torch.load(evaluator_file, weights_only=True)
    stored["config"]["fps"] = 20.0  # a shipped evaluator of another rate is not used by default
    torch.save(stored, tmp_path / "at20.pt")
    monkeypatch.setattr(report, "DEFAULT_EVALUATOR", tmp_path / "at20.pt")
    assert evaluate_model.main(argv + ["--output_dir", str(tmp_path / "b")]) == 0
    results = json.loads((tmp_path / "b" / "results.json").read_text())
    assert "evaluator_space" not in results and "--evaluator FILE" in results["evaluator"]["note"]


def test_the_training_command_reads_humanml3d_joints(tmp_path):
    from tests.test_humanml3d import make_dataset

    root = make_dataset(tmp_path / "HumanML3D", ids=("000001", "M000001", "000002", "000003"))
    (root / "val.txt").write_text("000003\n")
    out = tmp_path / "hml_evaluator.pt"
    argv = ["--dataset", "humanml3d", "--datapath", str(root), "--output", str(out), "--num_epochs", "1"] + TINY
    assert train_evaluator.main(argv + ["--batch_size", "2"]) == 0
    judge = tmr.load(out)
    assert judge.fps == 20 and judge.cfg["trained"]["dataset"] == "humanml3d"
    assert train_evaluator.main(argv) == 2  # an existing file is kept without --overwrite
    (tmp_path / "a_file").write_text("")
    argv[argv.index(str(out))] = str(tmp_path / "a_file" / "evaluator.pt")
    assert train_evaluator.main(argv) == 2  # a folder that is a file: before any work
