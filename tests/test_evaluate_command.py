"""``python evaluate_model.py`` as the original SMoG called it (SPEC §3b): its options, runs, output
location, wandb logging, option checks before any work, and MultiModality's bounded decoding."""

import json
import sys
import types

import numpy as np
import pytest
import torch

import evaluate_model
from src.parser.evaluation import evaluation_parser
from tests.test_evaluate import trained  # noqa: F401  (the tiny trained model, a fixture)

ORIGINAL = ["--sample_size", "-1", "--batch_size", "32", "--device", "cuda", "--project", "smog",
            "--run_name", "smog-metrics", "--n_runs", "100"]
QUICK = ["--mm_texts", "0"]


def test_the_original_command_parses():
    opt = evaluation_parser("").parse_args(["ckpt.pth.tar"] + ORIGINAL)
    assert opt.seeds == list(range(100)) and opt.sample_size == -1 and opt.batch_size == 32
    assert (opt.device, opt.project, opt.run_name, opt.wandb) == ("cuda", "smog", "smog-metrics", False)
    assert evaluation_parser("").parse_args([]).seeds == [0, 1, 2]  # the default: 3 runs from seed 0, as before
    assert evaluation_parser("").parse_args(["--n_runs", "2", "--seed", "42"]).seeds == [42, 43]
    assert evaluation_parser("").parse_args(["--seeds", "5", "9"]).seeds == [5, 9]


def test_the_original_command_runs_on_the_cpu(trained, capsys, monkeypatch):
    checkpoint, _ = trained
    argv = [str(checkpoint)] + ORIGINAL[:-1] + ["3"] + QUICK
    if not torch.cuda.is_available():  # as every command: CUDA asked for and absent is exit 2, before any work
        assert evaluate_model.main(argv) == 2
        assert "CUDA is not available" in capsys.readouterr().err
        assert not (checkpoint.parent / "evaluation_results").exists()
    argv[argv.index("cuda")] = "cpu"
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)  # the progress bar shows on a terminal only
    assert evaluate_model.main(argv) == 0
    err = capsys.readouterr().err
    assert "runs" in err and "3/3" in err
    results = json.loads((checkpoint.parent / "evaluation_results" / "results.json").read_text())
    assert results["seeds"] == [0, 1, 2] and results["num_items"] == 4  # -1: every test window
    assert (results["project"], results["run_name"]) == ("smog", "smog-metrics")
    assert [run["seed"] for run in results["runs"]] == [0, 1, 2]
    fcd = [run["fcd"] for run in results["runs"]]
    assert results["generated"]["fcd"]["mean"] == pytest.approx(np.mean(fcd))
    assert results["generated"]["fcd"]["ci95"] == pytest.approx(1.96 * np.std(fcd, ddof=1) / np.sqrt(3))
    assert np.isfinite(results["sanity"]["real_halves_fcd"])  # 4 windows: halves of 2
    table = (checkpoint.parent / "evaluation_results" / "results.md").read_text()
    assert "| FCD vs real |" in table and "real half vs other half" in table


def test_n_runs_and_seeds_are_two_spellings_of_the_same_runs(trained, tmp_path):
    checkpoint, _ = trained
    for name, runs in (("a", ["--n_runs", "2", "--seed", "3"]), ("b", ["--seeds", "3", "4"])):
        assert evaluate_model.main([str(checkpoint), "--output_dir", str(tmp_path / name)] + runs + QUICK) == 0
    a, b = (json.loads((tmp_path / n / "results.json").read_text()) for n in "ab")
    assert a["runs"] == b["runs"] and a["generated"] == b["generated"]


def test_sample_size_draws_a_seeded_subset(trained, tmp_path, capsys):
    from src.evaluate.report import sample

    checkpoint, _ = trained
    data = list(range(20))
    first, again, other = sample(data, 6, 0), sample(data, 6, 0), sample(data, 6, 1)
    assert len(first) == 6 and first.indices == again.indices != other.indices
    assert first.indices == sorted(first.indices) and first.indices != list(range(6))  # drawn, not the first six
    assert sample(data, -1, 0) is data and sample(data, None, 0) is data
    with pytest.warns(UserWarning, match="using all"):
        assert sample(data, 50, 0) is data
    argv = [str(checkpoint), "--sample_size", "3", "--n_runs", "1", "--output_dir", str(tmp_path)] + QUICK
    assert evaluate_model.main(argv) == 0
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["num_items"] == 3 and results["foot_lock"] is False
    assert "Foot lock (reconstructed and generated motions): off." in (tmp_path / "results.md").read_text()
    # a rotation model has no contact channels to lock feet with: refused, naming the option, nothing written
    argv = [str(checkpoint), "--foot_lock", "--output_dir", str(tmp_path / "locked")] + QUICK
    assert evaluate_model.main(argv) == 2
    err = capsys.readouterr().err
    assert "--foot_lock" in err and "Traceback" not in err and not (tmp_path / "locked" / "results.json").exists()


def _no_model_loads(monkeypatch):
    """Make loading a model fail the test: what is checked before any work must not get there."""
    monkeypatch.setattr("src.evaluate.report.load_model", lambda *a, **k: pytest.fail("the model was loaded"))


@pytest.mark.parametrize("options, named", [
    (["--mm_texts", "-1"], "--mm_texts"), (["--n_runs", "0"], "--n_runs"), (["--seed", "-3"], "--seed"),
    (["--seeds", "1", "-2"], "--seeds"), (["--sample_size", "0"], "--sample_size"),
    (["--sample_size", "-2"], "--sample_size"), (["--batch_size", "0"], "--batch_size"),
    (["--n_runs", "2", "--seeds", "1"], "--n_runs"), (["--sample_size", "5", "--max_items", "5"], "--max_items"),
])
def test_bad_options_fail_before_any_work(options, named, capsys, monkeypatch):
    _no_model_loads(monkeypatch)
    assert evaluate_model.main(["ckpt.pth.tar"] + options) == 2
    assert named in capsys.readouterr().err


def test_an_output_folder_that_is_a_file_fails_before_any_work(trained, tmp_path, capsys, monkeypatch):
    checkpoint, _ = trained
    _no_model_loads(monkeypatch)
    a_file = tmp_path / "results"
    a_file.write_text("not a folder")
    for folder in (a_file, a_file / "inside"):
        assert evaluate_model.main([str(checkpoint), "--output_dir", str(folder)]) == 2
        assert "is a file, not a folder" in capsys.readouterr().err
    assert a_file.read_text() == "not a folder"
    # the default folder beside the checkpoint is checked the same way
    copy = tmp_path / "run" / checkpoint.name
    copy.parent.mkdir()
    copy.write_bytes(checkpoint.read_bytes())
    (copy.parent / "evaluation_results").write_text("")
    assert evaluate_model.main([str(copy)]) == 2
    assert "evaluation_results is a file" in capsys.readouterr().err


class _FakeWandb(types.ModuleType):
    """Records what an evaluation hands to wandb (the real package is optional)."""

    def __init__(self):
        super().__init__("wandb")
        self.inits, self.logged, self.summary, self.finished = [], [], {}, False

    def init(self, **kwargs):
        self.inits.append(kwargs)
        return types.SimpleNamespace(log=lambda values, step: self.logged.append((step, values)),
                                     summary=self.summary, finish=lambda: setattr(self, "finished", True))


def test_wandb_logs_each_run_and_the_summary_offline(trained, tmp_path, monkeypatch):
    checkpoint, _ = trained
    fake = _FakeWandb()
    monkeypatch.setitem(sys.modules, "wandb", fake)
    monkeypatch.delenv("WANDB_MODE", raising=False)
    argv = [str(checkpoint), "--wandb", "--run_name", "r1", "--n_runs", "2", "--output_dir", str(tmp_path)] + QUICK
    assert evaluate_model.main(argv) == 0
    (init,) = fake.inits
    assert (init["project"], init["name"], init["mode"], init["dir"]) == ("smog", "r1", "offline", str(tmp_path))
    assert init["config"]["seeds"] == [0, 1] and "runs" not in init["config"]
    assert [step for step, _ in fake.logged] == [0, 1] and fake.logged[1][1]["run/seed"] == 1
    results = json.loads((tmp_path / "results.json").read_text())
    assert fake.summary["generated/fcd"] == results["generated"]["fcd"]["mean"]
    assert fake.summary["sanity/real_halves_fcd"] == results["sanity"]["real_halves_fcd"]
    assert fake.finished


def test_wandb_is_never_imported_unless_asked(trained, tmp_path, monkeypatch):
    checkpoint, _ = trained
    looked_for = []

    class Watch:
        @staticmethod
        def find_spec(name, path=None, target=None):
            looked_for.append(name)
            return None

    monkeypatch.delitem(sys.modules, "wandb", raising=False)
    monkeypatch.setattr(sys, "meta_path", [Watch()] + sys.meta_path)
    assert evaluate_model.main([str(checkpoint), "--n_runs", "1", "--output_dir", str(tmp_path)] + QUICK) == 0
    assert "wandb" not in looked_for and "wandb" not in sys.modules


def test_wandb_asked_but_not_installed_fails_before_any_work(trained, tmp_path, capsys, monkeypatch):
    checkpoint, _ = trained
    _no_model_loads(monkeypatch)
    monkeypatch.setitem(sys.modules, "wandb", None)  # an import of it raises ImportError
    assert evaluate_model.main([str(checkpoint), "--wandb", "--output_dir", str(tmp_path / "e")]) == 2
    assert "pip install wandb" in capsys.readouterr().err and not (tmp_path / "e").exists()


def test_real_wandb_offline(trained, tmp_path, monkeypatch):
    pytest.importorskip("wandb")
    checkpoint, _ = trained
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    argv = [str(checkpoint), "--wandb", "--n_runs", "1", "--output_dir", str(tmp_path)] + QUICK
    assert evaluate_model.main(argv) == 0
    assert list((tmp_path / "wandb").glob("offline-run-*"))


def test_multimodality_decodes_at_most_batch_size_motions_at_once(trained, monkeypatch):
    from src.evaluate.evaluator import multimodality
    from src.models.smog import SMoGModel

    checkpoint, _ = trained
    model = SMoGModel.from_checkpoint(checkpoint)[0]
    texts = ["a person walks forward", "a person jumps", "a person waves", "a person sits down"]
    whole = multimodality(model, texts, 3, 7, 20, seed=1, batch_size=1000)["own"]
    sizes = []
    decode = model.decode

    def counting(latent, lengths, num_frames=None):
        sizes.append(len(latent))
        return decode(latent, lengths, num_frames)

    monkeypatch.setattr(model, "decode", counting)
    chunked = multimodality(model, texts, 3, 7, 20, seed=1, batch_size=4)["own"]
    assert max(sizes) == 4 and sum(sizes) == 3 * 7  # 21 motions in passes of at most 4
    assert chunked == pytest.approx(whole, rel=1e-4) and whole > 0
