"""``python evaluate_model.py``: every metric group on a tiny trained model and the quick built-in
data, the files it writes, and its errors."""

import json
import os

import numpy as np
import pytest
import torch

import evaluate_model
from src.evaluate.evaluator import summarize
from src.train.train import main as train_main
from tests.test_train import LEARNING_ARGS, TINY_ARGS


@pytest.fixture(scope="module")
def trained(db_path, tmp_path_factory):
    """A tiny model trained for 2 epochs on the quick built-in data (its options name the data)."""
    folder = tmp_path_factory.mktemp("run")
    assert train_main(["--dataset", "builtin", "--datapath", str(db_path), "--folder", str(folder),
                       "--num_epochs", "2", "--variational"] + TINY_ARGS + LEARNING_ARGS) == 0
    return folder / "checkpoint_0002.pth.tar", db_path


def test_evaluate_writes_every_metric_group(trained, tmp_path, capsys):
    checkpoint, _ = trained
    out = tmp_path / "eval"
    # the quick data's 4 validation windows: enough for every metric but the batch-of-32 ones
    argv = [str(checkpoint), "--split", "val", "--seeds", "0", "1", "--mm_texts", "3", "--mm_samples", "4",
            "--output_dir", str(out)]
    assert evaluate_model.main(argv) == 0
    results = json.loads((out / "results.json").read_text())
    assert results["num_items"] == 4 and results["seeds"] == [0, 1] and results["fps"] == 30
    det, gen = results["deterministic"], results["generated"]
    for key in ("t2m_R@1", "m2t_R@10", "t2m_MedR", "mpjpe_mm", "pa_mpjpe_mm", "accel_error_mm_s2",
                "real_skating_ratio", "real_penetration_mm", "real_jitter", "real_bone_drift_mean_mm"):
        assert np.isfinite(det[key]), key
    assert 0 <= det["t2m_R@1"] <= det["t2m_R@10"] == 100.0  # 4 candidates: all within the top 10
    assert det["pa_mpjpe_mm"] <= det["mpjpe_mm"] + 1e-6  # alignment can only help
    assert det["real_bone_drift_mean_mm"] < 1e-3  # real motions come from rigid forward kinematics
    for key in ("fcd", "mmd", "mmd_sigma", "diversity", "multimodality", "gen_skating_ratio", "gen_jitter"):
        assert gen[key]["n"] == 2 and np.isfinite(gen[key]["mean"]), key
    assert gen["mmd_sigma"]["mean"] > 0 and gen["diversity"]["mean"] > 0
    assert gen["multimodality"]["mean"] > 0  # a variational model samples different motions
    assert "rprec" not in " ".join(det) + " ".join(gen)  # fewer than 32 windows: not reported
    table = (out / "results.md").read_text()
    assert "| t2m_R@1 |" in table and "| fcd |" in table and table in capsys.readouterr().out


def test_same_seeds_repeat_exactly(trained, tmp_path):
    checkpoint, _ = trained
    runs = []
    for name in ("a", "b"):
        argv = [str(checkpoint), "--split", "val", "--seeds", "3", "--mm_texts", "0", "--output_dir",
                str(tmp_path / name)]
        assert evaluate_model.main(argv) == 0
        runs.append(json.loads((tmp_path / name / "results.json").read_text()))
    assert runs[0]["generated"] == runs[1]["generated"] and runs[0]["deterministic"] == runs[1]["deterministic"]


def test_summarize_gives_mean_and_95_interval():
    out = summarize([{"x": 1.0}, {"x": 3.0}])["x"]
    assert out["mean"] == 2.0 and out["n"] == 2
    assert out["ci95"] == pytest.approx(1.96 * np.std([1.0, 3.0], ddof=1) / np.sqrt(2))
    assert summarize([{"x": 5.0}])["x"]["ci95"] == 0.0
    partial = summarize([{"x": 1.0, "mm": 2.0}, {"x": 3.0}])  # MultiModality in the first run only
    assert partial["mm"] == {"mean": 2.0, "ci95": 0.0, "n": 1} and partial["x"]["n"] == 2


def test_multimodality_in_the_first_runs_only(trained, tmp_path):
    checkpoint, _ = trained
    argv = [str(checkpoint), "--split", "val", "--seeds", "0", "1", "2", "--mm_texts", "2", "--mm_samples", "3",
            "--output_dir", str(tmp_path), "--evaluator", "none"]
    assert evaluate_model.main(argv + ["--mm_runs", "2"]) == 0
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["generated"]["multimodality"]["n"] == 2 and results["generated"]["fcd"]["n"] == 3
    assert ["multimodality" in run for run in results["runs"]] == [True, True, False]
    assert evaluate_model.main(argv + ["--mm_runs", "0", "--overwrite"]) == 2  # at least one


def test_errors_are_clear(trained, tmp_path, capsys):
    checkpoint, db = trained
    assert evaluate_model.main([str(tmp_path / "missing.pth.tar")]) == 3  # an unusable checkpoint (src.errors)
    assert "checkpoint not found" in capsys.readouterr().err
    assert evaluate_model.main([str(checkpoint), "--datapath", str(tmp_path / "none_db.pt")]) == 2
    assert "none_db.pt" in capsys.readouterr().err
    out = tmp_path / "eval"
    argv = [str(checkpoint), "--split", "val", "--seeds", "0", "--mm_texts", "0", "--output_dir", str(out)]
    assert evaluate_model.main(argv) == 0
    before = (out / "results.json").read_text()
    assert evaluate_model.main(argv) == 2  # never overwritten silently
    assert "--overwrite" in capsys.readouterr().err and (out / "results.json").read_text() == before
    assert evaluate_model.main(argv + ["--overwrite"]) == 0


def test_pretrained_folder_needs_and_takes_data_options(trained, tmp_path, capsys):
    from src.models.smog import SMoGModel

    checkpoint, db = trained
    folder = tmp_path / "pretrained"
    SMoGModel.from_checkpoint(checkpoint)[0].save_pretrained(folder)  # a folder records no training options
    base = [str(folder), "--split", "val", "--seeds", "0", "--mm_texts", "0", "--output_dir", str(tmp_path / "e")]
    assert evaluate_model.main(base) == 2
    assert "give --dataset and --datapath" in capsys.readouterr().err
    assert evaluate_model.main(base + ["--dataset", "builtin", "--datapath", str(db)]) == 0
    assert json.loads((tmp_path / "e" / "results.json").read_text())["num_items"] == 4


def test_soundness_and_preservation_figures_on_hand_made_clips():
    from src.evaluate.evaluator import preservation_metrics, soundness_metrics
    from tests.test_motion_soundness import built_in

    walk, still, clap = built_in("walk_forward"), built_in("stand_still"), built_in("clap")
    glide = walk.copy()  # the legs carried along rigidly with the pelvis at their frame-0 pose: they glide
    legs = [1, 2, 4, 5, 7, 8, 10, 11]
    glide[:, legs] = walk[0, legs] + (walk[:, :1] - walk[:1, :1]) * np.array([1.0, 0.0, 1.0])
    drifting = still + np.linspace(0, 0.2, len(still))[:, None, None] * np.array([0.0, 0.0, 1.0])
    actions = ["walk_forward", "stand_still", "clap", "clap|walk_forward"]
    real = soundness_metrics(actions, [walk, still, clap, walk], 20.0)
    recon = soundness_metrics(actions, [glide, drifting, clap, walk], 20.0)
    assert real["locomotion_clips"] == 1 and real["still_clips"] == 1  # the two-action window is left out
    assert real["locomotion_ankle_lift_cm"] >= 8 and real["locomotion_lift_ge_8cm"] == 1.0
    assert real["locomotion_skating_ratio"] < 0.1 and real["still_drift_cm_max"] < 5
    assert recon["locomotion_ankle_lift_cm"] < 1 and recon["locomotion_lift_ge_8cm"] == 0.0
    assert recon["locomotion_skating_ratio"] > 0.5
    assert recon["still_drift_cm_max"] == pytest.approx(20.0, abs=0.5)
    kept = preservation_metrics(actions, [walk, still, clap, walk], [glide, drifting, clap, walk])
    # walk (travel kept by the glide), clap kept; the drifting still lost; the two-action window not eligible
    assert (kept["signature_preserved"], kept["signature_eligible"]) == (2, 3)
    assert kept["signature_preservation"] == pytest.approx(2 / 3)
    assert {k: v for k, v in kept.items() if k.startswith("signature_preservation_")} == {
        "signature_preservation_walk_forward": 1.0, "signature_preservation_stand_still": 0.0,
        "signature_preservation_clap": 1.0}
    assert "locomotion_skating_ratio" not in soundness_metrics(["clap"], [clap], 20.0)


def test_sanity_rows_give_the_floors():
    from src.evaluate.evaluator import sanity_metrics
    from src.metrics.distribution import frechet_distance, r_precision

    rng = np.random.default_rng(0)
    real = torch.from_numpy(rng.normal(size=(640, 8)))
    text = real.clone()  # perfect pairs: the real motions' own R-precision is 1
    assert r_precision(text, real)["top1"] == 1.0
    out = sanity_metrics(text, real, seed=0)
    assert out["shuffled_rprec_top1"] < 0.08  # chance is 1/32: no caption keeps its own motion
    assert out["shuffled_rprec_top1"] <= out["shuffled_rprec_top2"] <= out["shuffled_rprec_top3"] < 0.2
    assert out["shuffled_rprec_mm_dist"] > 3.0  # two independent 8-D Gaussian points: about 4 apart
    # two halves of one distribution: a floor far under a shifted set's distance
    assert 0 < out["real_halves_fcd"] < 0.5 < frechet_distance(real + 1.0, real)
    assert abs(out["real_halves_mmd"]) < 0.01
    assert sanity_metrics(text, real, seed=0) == out and sanity_metrics(text, real, seed=1) != out
    small = sanity_metrics(text[:10], real[:10])
    assert "real_halves_fcd" in small and "shuffled_rprec_top1" not in small  # fewer than 32: no R-precision
    assert sanity_metrics(text[:3], real[:3]) == {}


def test_real_multimodality_groups_single_action_windows_by_caption():
    from src.evaluate.evaluator import real_multimodality

    # "walk": two windows 2.0 apart; "wave": three windows at one point; a two-action caption whose
    # windows are far apart and a caption seen once are left out.
    emb = torch.tensor([[0.0, 0.0], [2.0, 0.0], [5.0, 5.0], [5.0, 5.0], [5.0, 5.0], [0.0, 9.0], [9.0, 0.0],
                        [3.0, 3.0]])
    texts = ["walk", "walk", "wave", "wave", "wave", "walk then wave", "walk then wave", "jump"]
    actions = ["walk", "walk", "wave", "wave", "wave", "", "", "jump"]
    # Pairs are drawn with i != j: every "walk" pair is 2.0 apart, every "wave" pair 0.
    assert real_multimodality(texts, actions, emb) == pytest.approx(1.0)
    assert real_multimodality(texts, ["walk", "walk", "wave", "wave", "wave", "x", "x", "jump"], emb) > 1.0
    assert real_multimodality(["a", "b"], ["walk", "walk"], emb[:2]) is None


def test_report_puts_generated_figures_beside_real_ones_and_floors():
    from src.evaluate.report import markdown

    gen = {"fcd": {"mean": 5.0, "ci95": 0.1, "n": 3}, "gen_rprec_top1": {"mean": 0.4, "ci95": 0.02, "n": 3},
           "gen_skating_ratio": {"mean": 0.08, "ci95": 0.01, "n": 3}}
    results = {"checkpoint": "c", "dataset": "d", "split": "test", "num_items": 64, "fps": 20.0, "seeds": [0, 1, 2],
               "deterministic": {"real_rprec_top1": 0.9, "real_skating_ratio": 0.0001},
               "sanity": {"real_halves_fcd": 0.7, "shuffled_rprec_top1": 0.03}, "generated": gen}
    table = markdown(results)
    assert "| FCD vs real | 5 ± 0.1 | - | 0.7 | real half vs other half |" in table
    assert "| R-precision top1 | 0.4 ± 0.02 | 0.9 | 0.03 | shuffled pairs (chance 0.031) |" in table
    assert "| skating_ratio | 0.08 ± 0.01 | 0.0001 | - |  |" in table
    assert "MMD vs real" not in table and "top2" not in table  # figures not computed are left out


def _pid_and_threads(index, seed):
    return index, seed, os.getpid(), torch.get_num_threads()


def test_runs_in_forked_workers_come_back_in_order():
    from src.evaluate.parallel import fork_problem, map_runs

    serial = map_runs(_pid_and_threads, [7, 3, 5], workers=1)
    assert [r[:2] for r in serial] == [(0, 7), (1, 3), (2, 5)] and {r[2] for r in serial} == {os.getpid()}
    assert "GPU" in fork_problem("cuda")
    if fork_problem("cpu"):
        pytest.skip(fork_problem("cpu"))
    forked = map_runs(_pid_and_threads, [7, 3, 5], workers=2)
    assert [r[:2] for r in forked] == [(0, 7), (1, 3), (2, 5)]
    assert os.getpid() not in {r[2] for r in forked} and {r[3] for r in forked} == {1}


def test_workers_give_the_figures_of_one_process(trained, tmp_path):
    checkpoint, _ = trained
    argv = [str(checkpoint), "--split", "val", "--seeds", "0", "1", "2", "--mm_texts", "2", "--mm_samples", "3",
            "--evaluator", "none"]
    results = []
    for workers in ("1", "2"):
        assert evaluate_model.main(argv + ["--workers", workers, "--output_dir", str(tmp_path / workers)]) == 0
        results.append(json.loads((tmp_path / workers / "results.json").read_text()))
    assert results[1]["workers"] == 2 and results[0]["deterministic"] == results[1]["deterministic"]
    for one, two in zip(results[0]["runs"], results[1]["runs"]):
        assert one.keys() == two.keys() and one["seed"] == two["seed"]
        for key in one:
            assert one[key] == pytest.approx(two[key], rel=1e-4, abs=1e-6), key
