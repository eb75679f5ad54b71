"""The generation commands (text2motion, motion_editing, motion_interpolation) and their input files,
run end to end on a tiny untrained checkpoint: files, conventions, manifest, durations, seeds,
samples, and every bad input (clear message, exit code, no traceback, nothing overwritten)."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from src import api, config, errors
from src.datasets.formats.amass_io import load_amass_npz
from src.datasets.formats.bvh import read_bvh, smpl_motion_from_bvh
from src.models.rotation2xyz import BuiltinSkeleton
from src.utils import geometry, rotation
from src.visualize import exporters, generation, motion_editing, motion_interpolation, prompts, text2motion
from tests.test_api import make_tiny_checkpoint

ASSETS = config.ASSETS_DIR


@pytest.fixture(scope="module")
def ckpt(tmp_path_factory):
    # Linear layers: every command run rebuilds the model, and building KAN layers costs seconds
    # (their initialisation is then overwritten by the weights); test_api covers the KAN layout.
    return make_tiny_checkpoint(tmp_path_factory.mktemp("t2m") / "tiny.pth.tar", arch="linear")


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def run(main, *argv):
    return main([str(a) for a in argv])


def generate(ckpt, prompt_file, out, *extra):
    return run(text2motion.main, ckpt, "--input_file", prompt_file, "--output_dir", out, "--no_animation", *extra)


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


# ------------------------------------------------------------------ prompt files
def test_read_prompts(tmp_path):
    path = write(tmp_path / "p.txt", "\ufeff# comment\n\na person walks\n   \n  jump in place #2.5\r\nwave#1\n")
    got = prompts.read_prompts(path)
    assert [(p.text, p.duration, p.line) for p in got] == [("a person walks", None, 3), ("jump in place", 2.5, 5),
                                                          ("wave", 1.0, 6)]


@pytest.mark.parametrize("line, message", [("jump#0", "positive"), ("jump#-2", "positive"),
                                           ("jump#fast", "not a number"), ("jump#60.5", "longer than"),
                                           ("jump#nan", "positive"), ("jump#0.01", "shorter than the minimum of 0.2"), ("#3 alone", None), ("  #5", None)])
def test_read_prompts_bad_durations(tmp_path, line, message):
    path = write(tmp_path / "p.txt", f"walk\n{line}\n")
    if message is None:  # a comment line, not a prompt
        assert len(prompts.read_prompts(path)) == 1
        return
    with pytest.raises(prompts.InputFileError, match=f"p.txt:2: .*{message}"):
        prompts.read_prompts(path)


MOMASK_FILE = "a person jumps up and then lands.#52\n# MoMask counts frames at 20 fps\na person walks in a circle#132\n"


@pytest.mark.parametrize("text", [MOMASK_FILE, "walk#31\n", "walk#40.0\nrun\n"])
def test_frame_count_files_are_refused_as_seconds(tmp_path, text):
    """A file whose lengths are all whole numbers above 30 counts frames (MoMask/HumanML3D):
    read as seconds it gave a 52-second jump, so it is refused with the option that reads it."""
    path = write(tmp_path / "p.txt", text)
    with pytest.raises(prompts.InputFileError, match=r"p.txt:1: .*--length_unit frames --fps_of_lengths 20"):
        prompts.read_prompts(path)


@pytest.mark.parametrize("text, seconds", [("walk#30\n", [30.0]), ("walk#45\njump#2.5\n", [45.0, 2.5]),
                                           ("walk#45\njump#3\n", [45.0, 3.0])])
def test_seconds_files_with_a_short_or_fractional_length_are_seconds(tmp_path, text, seconds):
    assert [p.duration for p in prompts.read_prompts(write(tmp_path / "p.txt", text))] == seconds


def test_read_prompts_in_frames(tmp_path):
    path = write(tmp_path / "p.txt", MOMASK_FILE + "no length here\n")
    got = prompts.read_prompts(path, "frames", 20.0)
    assert [(p.line, p.duration) for p in got] == [(1, 52 / 20), (3, 132 / 20), (4, None)]
    assert [p.duration for p in prompts.read_prompts(path, "frames", 12.5)][:2] == [52 / 12.5, 132 / 12.5]


@pytest.mark.parametrize("line, message", [("jump#52.5", "not a positive whole number of frames"),
                                           ("jump#0", "not a positive whole number of frames"),
                                           ("jump#3", r"3 frames at 20 fps.*shorter than the minimum"),
                                           ("jump#1201", r"1201 frames at 20 fps.*longer than the maximum")])
def test_read_prompts_bad_frame_counts(tmp_path, line, message):
    with pytest.raises(prompts.InputFileError, match=f"p.txt:2: .*{message}"):
        prompts.read_prompts(write(tmp_path / "p.txt", f"walk#40\n{line}\n"), "frames", 20.0)


def test_text2motion_reads_a_momask_file(ckpt, tmp_path, capsys):
    prompt_file = write(tmp_path / "momask.txt", MOMASK_FILE)
    assert generate(ckpt, prompt_file, tmp_path / "refused") == errors.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert f"{prompt_file}:1:" in err and "--length_unit frames" in err and "Traceback" not in err
    assert not (tmp_path / "refused").exists()
    out = tmp_path / "o"
    assert generate(ckpt, prompt_file, out, "--length_unit", "frames", "--fps_of_lengths", "20") == 0
    items = manifest(out)["items"]
    assert [i["duration"] for i in items] == [2.6, 6.6]
    fps = manifest(out)["fps"] if "fps" in manifest(out) else api.SMoG.from_pretrained(ckpt).fps
    assert [np.load(out / i["joints"]).shape[0] for i in items] == [round(2.6 * fps), round(6.6 * fps)]


def test_read_prompts_other_errors(tmp_path):
    with pytest.raises(prompts.InputFileError, match="file not found"):
        prompts.read_prompts(tmp_path / "absent.txt")
    with pytest.raises(prompts.InputFileError, match="no prompts"):
        prompts.read_prompts(write(tmp_path / "empty.txt", "\n# only a comment\n"))
    (tmp_path / "latin1.txt").write_bytes(b"walk\ncaf\xe9\n")
    with pytest.raises(prompts.InputFileError, match="latin1.txt:2: not valid UTF-8"):
        prompts.read_prompts(tmp_path / "latin1.txt")


def test_long_prompt_truncated(tmp_path):
    path = write(tmp_path / "p.txt", "walk " * 100 + "\n")
    with pytest.warns(UserWarning, match="p.txt:1: prompt of 499 characters truncated"):
        got = prompts.read_prompts(path)
    assert len(got[0].text) <= prompts.MAX_PROMPT_CHARS and got[0].text.endswith("walk")


def test_read_table(tmp_path):
    write(tmp_path / "m.npz", "")
    path = write(tmp_path / "t.csv", "start,end,duration\n# skipped\n\nwalk,m.npz,2\n\"run, fast\",jump,\n")
    rows = prompts.read_table(path, ("start", "end"))
    assert [r.line for r in rows] == [4, 5] and rows[0].duration == 2.0 and rows[1].duration is None
    assert prompts.resolve_source(rows[0].cells["end"], path, 4) == prompts.MotionFile(tmp_path / "m.npz")
    assert prompts.resolve_source(rows[1].cells["start"], path, 5) == "run, fast"
    with pytest.raises(prompts.InputFileError, match="t.csv:4: motion file 'gone.npz' not found"):
        prompts.resolve_source("gone.npz", path, 4)
    with pytest.raises(prompts.InputFileError, match="lacks column"):
        prompts.read_table(write(tmp_path / "b.csv", "begin,end\na,b\n"), ("start", "end"))
    with pytest.raises(prompts.InputFileError, match="b.csv:2: empty cell"):
        prompts.read_table(write(tmp_path / "b.csv", "start,end\n,b\n"), ("start", "end"))
    with pytest.raises(prompts.InputFileError, match="b.csv:3: duration: .* longer than"):
        prompts.read_table(write(tmp_path / "b.csv", "start,end,duration\na,b,1\na,b,99\n"), ("start", "end"))


def test_shipped_asset_files():
    texts = [p.text for p in prompts.read_prompts(ASSETS / "paper_texts.txt")]
    for original in ("Wings", "Swan Lake", "Running", "Opened the door and walked in", "Lift the weights"):
        assert original in texts
    assert any(p.duration for p in prompts.read_prompts(ASSETS / "paper_texts.txt"))
    from src.datasets.procedural.captions import ACTION_CAPTIONS

    training = {c.lower() for caps in ACTION_CAPTIONS.values() for c in caps}
    assert not training & {t.lower() for t in texts}, "paper_texts.txt must hold paraphrases, not training captions"
    assert len(generation.read_edits(ASSETS / "paper_edits.csv")) >= 3
    assert len(prompts.read_table(ASSETS / "paper_interps.csv", generation.INTERPOLATION_COLUMNS)) >= 2


# ------------------------------------------------------------------ text2motion
def test_outputs_conventions_and_manifest(ckpt, tmp_path):
    prompt_file = write(tmp_path / "p.txt", "a person walks forward\n\n# comment\njump in place#2.5\n")
    out = tmp_path / "out"
    assert generate(ckpt, prompt_file, out, "--seed", 7) == 0
    data = manifest(out)
    assert data["checkpoint"] == str(ckpt) and data["fps"] == 30.0 and data["seed"] == 7
    items = data["items"]
    assert [(i["prompt"], i["sample"], i["duration"], i["frames"], i["line"]) for i in items] == [
        ("a person walks forward", 0, 4.0, 120, 1), ("jump in place", 0, 2.5, 75, 4)]
    body = BuiltinSkeleton()
    for item in items:
        joints = np.load(out / item["joints"])
        assert joints.shape == (item["frames"], 22, 3) and joints.dtype == np.float32
        assert abs(joints[:, list(config.FLOOR_JOINTS), 1].min()) < 1e-5
        assert np.abs(joints[0, 0, [0, 2]]).max() < 1e-5
        assert abs(float(geometry.heading_from_joints(torch.from_numpy(joints[0])))) < 1e-4
        # the AMASS file re-parses through the project's reader to the same joints
        smpl = load_amass_npz(out / item["smpl"], target_fps=30.0)
        posed = body(rotation.axis_angle_to_matrix(smpl["rotvec"]), smpl["trans"])["joints"][:, :22]
        assert np.abs(geometry.canonicalize_joints(posed).numpy() - joints).max() < 0.01
        # the BVH re-imports through the project's reader to the same joints
        bvh = read_bvh(out / item["bvh"])
        assert bvh.fps == pytest.approx(30.0)
        rot, pelvis = smpl_motion_from_bvh(bvh)
        trans = torch.from_numpy(pelvis).float() - body.rest_joints[0]
        posed = body(torch.from_numpy(rot).float(), trans)["joints"][:, :22].numpy()
        assert np.abs(posed - joints).max() < 0.01
        assert item["animation"] is None
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [i[k] for i in items for k in ("joints", "smpl", "bvh")] + ["manifest.json"])


def test_batches_are_written_before_the_next_and_keep_the_seed_rule(ckpt, tmp_path, monkeypatch):
    """Each --batch_size batch of prompts is on disk before the next is generated (a crash keeps it,
    and writes no manifest); prompt i draws from seed + i whatever the batch size."""
    prompt_file = write(tmp_path / "p.txt", "walk\njump\nwave\n")
    assert generate(ckpt, prompt_file, tmp_path / "one", "--seed", 3) == 0
    assert generate(ckpt, prompt_file, tmp_path / "two", "--seed", 3, "--batch_size", 2) == 0
    one, two = manifest(tmp_path / "one")["items"], manifest(tmp_path / "two")["items"]
    assert [i["joints"] for i in one] == [i["joints"] for i in two]
    for a, b in zip(one, two):  # batched decoding may differ in the last bits only
        np.testing.assert_allclose(np.load(tmp_path / "two" / b["joints"]), np.load(tmp_path / "one" / a["joints"]),
                                   atol=1e-3)
    real, calls = api.SMoG.generate_clip_chunks, []

    def crash_on_second_batch(self, texts, *args, **kwargs):
        calls.append(list(texts))
        if len(calls) == 2:
            raise RuntimeError("simulated crash")
        return real(self, texts, *args, **kwargs)

    monkeypatch.setattr(api.SMoG, "generate_clip_chunks", crash_on_second_batch)
    out = tmp_path / "crash"
    with pytest.raises(RuntimeError, match="simulated crash"):
        generate(ckpt, prompt_file, out, "--seed", 3, "--batch_size", 2)
    assert calls == [["walk", "jump"], ["wave"]]
    assert sorted(p.name for p in out.iterdir()) == sorted(i[k] for i in two[:2] for k in ("joints", "smpl", "bvh"))
    for item in two[:2]:
        assert (out / item["joints"]).read_bytes() == (tmp_path / "two" / item["joints"]).read_bytes()


def test_fps_and_duration_options(ckpt, tmp_path):
    prompt_file = write(tmp_path / "p.txt", "walk\nrun#1.5\n")
    out = tmp_path / "out"
    assert generate(ckpt, prompt_file, out, "--fps", 20, "--duration", 2) == 0
    data = manifest(out)
    assert data["fps"] == 20.0 and data["model_fps"] == 30.0
    assert [i["frames"] for i in data["items"]] == [40, 30]
    assert np.load(out / data["items"][1]["joints"]).shape == (30, 22, 3)
    assert read_bvh(out / data["items"][0]["bvh"]).fps == pytest.approx(20.0)
    with np.load(out / data["items"][0]["smpl"]) as npz:
        assert float(npz["mocap_framerate"]) == 20.0


def test_seed_determinism_and_samples(ckpt, tmp_path):
    prompt_file = write(tmp_path / "p.txt", "a person dances#1\n")
    runs = []
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        assert generate(ckpt, prompt_file, tmp_path / name, "--num_samples_per_action", 2, "--seed", seed) == 0
        runs.append(tmp_path / name)
    for name in ("00_a_person_dances_s0.npy", "00_a_person_dances_s1.npz", "00_a_person_dances_s1.bvh",
                 "manifest.json"):
        assert (runs[0] / name).read_bytes() == (runs[1] / name).read_bytes(), name
    s0, s1 = (np.load(runs[0] / f"00_a_person_dances_s{s}.npy") for s in (0, 1))
    assert not np.allclose(s0, s1)  # a variational model's samples differ
    assert not np.allclose(s0, np.load(runs[2] / "00_a_person_dances_s0.npy"))  # and depend on the seed


def test_temperature_zero_gives_the_mean(ckpt, tmp_path, capsys):
    prompt_file = write(tmp_path / "p.txt", "a person dances#1\n")
    assert generate(ckpt, prompt_file, tmp_path / "o", "--num_samples", 2, "--temperature", 0) == 0
    assert "samples of a prompt are identical" in capsys.readouterr().err
    s0, s1 = (np.load(tmp_path / "o" / f"00_a_person_dances_s{s}.npy") for s in (0, 1))
    assert np.array_equal(s0, s1)


def test_non_ascii_prompts(ckpt, tmp_path):
    texts = ["Un homme danse la valse élégamment", "一个人在跳舞", "человек прыгает"]
    prompt_file = write(tmp_path / "p.txt", "".join(f"{t}#0.5\n" for t in texts))
    assert generate(ckpt, prompt_file, tmp_path / "o") == 0
    items = manifest(tmp_path / "o")["items"]
    assert [i["prompt"] for i in items] == texts
    assert all(i["joints"].isascii() for i in items)
    assert items[0]["joints"] == "00_un_homme_danse_la_valse_elegamment_s0.npy"
    assert len({i["joints"] for i in items}) == 3


def test_long_prompt_warns_on_stderr(ckpt, tmp_path, capsys):
    prompt_file = write(tmp_path / "p.txt", "a person walks " * 40 + "#0.5\n")
    assert generate(ckpt, prompt_file, tmp_path / "o") == 0
    assert "p.txt:1: prompt of" in capsys.readouterr().err
    assert len(manifest(tmp_path / "o")["items"][0]["prompt"]) <= prompts.MAX_PROMPT_CHARS


@pytest.mark.parametrize("value, message", [("0", "positive"), ("-1", "positive"), ("abc", "not a number"),
                                            ("60.5", "longer than the maximum of 60"),
                                            ("0.1", "shorter than the minimum of 0.2")])
def test_bad_durations_name_the_line(ckpt, tmp_path, capsys, value, message):
    prompt_file = write(tmp_path / "p.txt", f"walk\n\nrun#{value}\n")
    assert generate(ckpt, prompt_file, tmp_path / "o") == errors.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert f"{prompt_file}:3:" in err and message in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("option, value", [("--duration", "0"), ("--duration", "61"), ("--duration", "0.1"),
                                           ("--fps", "-5"), ("--fps_of_lengths", "0"), ("--length_unit", "minutes"),
                                           ("--num_samples", "0"), ("--temperature", "-1")])
def test_bad_options_name_the_option(ckpt, tmp_path, capsys, option, value):
    prompt_file = write(tmp_path / "p.txt", "walk\n")
    assert generate(ckpt, prompt_file, tmp_path / "o", option, value) == 2
    err = capsys.readouterr().err
    assert option in err and "Traceback" not in err


@pytest.mark.parametrize("option, value", [("--fps", "1e6"), ("--fps", "0.5"), ("--num_samples", "100000"),
                                           ("--temperature", "1e30"), ("--batch_size", "100000")])
def test_size_options_have_ranges(ckpt, tmp_path, capsys, option, value):
    """Values that exhausted memory or wrote NaN are refused while parsing, before the model loads."""
    prompt_file = write(tmp_path / "p.txt", "walk\n")
    assert generate(ckpt, prompt_file, tmp_path / "o", option, value) == errors.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert option in err and "within [" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()
    table = write(tmp_path / "t.csv", "start,end\nwalk,run\n")
    assert run(motion_interpolation.main, ckpt, "--input_file", table, "--num_stops", "100000") == 2
    assert "--num_stops" in capsys.readouterr().err


def test_many_samples_are_decoded_in_bounded_passes(ckpt, tmp_path, monkeypatch):
    """However many samples (or frames) are asked for, a decoder pass holds at most
    MAX_FRAMES_PER_PASS frames; every motion is written, as one pass would have made it."""
    prompt_file = write(tmp_path / "p.txt", "walk#1\njump#1\n")
    assert generate(ckpt, prompt_file, tmp_path / "whole", "--num_samples", 5) == 0
    from src.models.smog import SMoGModel

    real, passes = SMoGModel.decode, []

    def counting_decode(self, latent, *args, **kwargs):
        passes.append(latent.shape[0])
        return real(self, latent, *args, **kwargs)

    monkeypatch.setattr(SMoGModel, "decode", counting_decode)
    monkeypatch.setattr(config, "MAX_FRAMES_PER_PASS", 60)  # two 1-second clips at the tiny model's 30 fps
    assert generate(ckpt, prompt_file, tmp_path / "bounded", "--num_samples", 5) == 0
    assert passes == [2, 2, 1, 2, 2, 1]
    whole, bounded = manifest(tmp_path / "whole")["items"], manifest(tmp_path / "bounded")["items"]
    assert [i["joints"] for i in whole] == [i["joints"] for i in bounded] and len(whole) == 10
    for a in whole:  # the same latents; decoding in smaller batches may differ in the last bits only
        np.testing.assert_allclose(np.load(tmp_path / "bounded" / a["joints"]),
                                   np.load(tmp_path / "whole" / a["joints"]), atol=1e-4)
    passes.clear()  # interpolation stops (and edits) go through the same bound
    table = write(tmp_path / "t.csv", "start,end,duration\nwalk,run,1\n")
    assert run(motion_interpolation.main, ckpt, "--input_file", table, "--output_dir", tmp_path / "stops",
               "--no_animation", "--num_stops", 5) == 0
    assert passes == [2, 2, 1] and len(manifest(tmp_path / "stops")["items"]) == 5


def test_non_finite_motion_is_refused_naming_the_prompt(ckpt, tmp_path, monkeypatch, capsys):
    """A motion with NaN is never written: exit 2 naming the prompt's line; earlier prompts stay."""
    from src.models.smog import SMoGModel

    real = SMoGModel.generation_latents

    def nan_for_bad(self, texts, *args, **kwargs):
        latents = real(self, texts, *args, **kwargs)
        return latents * float("nan") if texts == ["a bad one"] else latents

    monkeypatch.setattr(SMoGModel, "generation_latents", nan_for_bad)
    prompt_file = write(tmp_path / "p.txt", "walk#0.5\na bad one#0.5\njump#0.5\n")
    out = tmp_path / "o"
    assert generate(ckpt, prompt_file, out) == errors.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert f"{prompt_file}:2" in err and "'a bad one'" in err and "non-finite" in err and "Traceback" not in err
    assert sorted(p.name for p in out.iterdir()) == ["00_walk_s0.bvh", "00_walk_s0.npy", "00_walk_s0.npz"]


def test_overwrite_removes_the_previous_runs_files(ckpt, tmp_path):
    """--overwrite leaves no file of the earlier run that the new manifest does not list; files the
    earlier manifest did not list (the user's) are kept."""
    out = tmp_path / "o"
    assert generate(ckpt, write(tmp_path / "a.txt", "walk#0.5\njump#0.5\n"), out, "--num_samples", 2) == 0
    (out / "notes.txt").write_text("mine")
    assert generate(ckpt, write(tmp_path / "b.txt", "wave#0.5\n"), out, "--overwrite") == 0
    listed = {item[k] for item in manifest(out)["items"] for k in ("joints", "smpl", "bvh")}
    assert sorted(p.name for p in out.iterdir()) == sorted(listed | {"manifest.json", "notes.txt"})


def test_missing_input_file(ckpt, tmp_path, capsys):
    assert generate(ckpt, tmp_path / "absent.txt", tmp_path / "o") == errors.EXIT_BAD_INPUT
    assert "absent.txt: file not found" in capsys.readouterr().err


def test_checkpoint_errors(ckpt, tmp_path, capsys):
    prompt_file = write(tmp_path / "p.txt", "walk#0.5\n")
    junk = tmp_path / "junk.pth.tar"
    junk.write_bytes(b"\x00" * 100)
    saved = torch.load(ckpt, weights_only=True)
    no_backbone = tmp_path / "no_backbone.pth.tar"
    config = saved["model_config"]
    torch.save({**saved, "model_config": {**config, "text": {**config["text"], "backbone": "no_such_encoder"}}},
               no_backbone)
    mismatch = tmp_path / "mismatch.pth.tar"
    state = dict(saved["state_dict"])
    state.pop(next(iter(state)))
    torch.save({**saved, "state_dict": state}, mismatch)
    for path, message in ((tmp_path / "absent.pth.tar", "checkpoint not found"), (junk, "cannot load checkpoint"),
                          (no_backbone, "text backbone 'no_such_encoder'"), (mismatch, "missing in the checkpoint")):
        assert generate(path, prompt_file, tmp_path / "o") == errors.EXIT_BAD_MODEL, path
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err, err


def test_default_checkpoint(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(api, "DEFAULT_CHECKPOINT", tmp_path / "exps" / "smog_builtin" / "checkpoint.pth.tar")
    prompt_file = write(tmp_path / "p.txt", "walk#0.5\n")
    assert run(text2motion.main, "--input_file", prompt_file, "--output_dir", tmp_path / "o") == errors.EXIT_BAD_MODEL
    assert "shipped model" in capsys.readouterr().err


def test_refuses_to_overwrite(ckpt, tmp_path, capsys):
    prompt_file = write(tmp_path / "p.txt", "walk#0.5\n")
    out = tmp_path / "o"
    assert generate(ckpt, prompt_file, out) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert generate(ckpt, prompt_file, out, "--seed", 99) == errors.EXIT_BAD_INPUT
    assert "already exist" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert generate(ckpt, prompt_file, out, "--seed", 99, "--overwrite") == 0
    assert manifest(out)["seed"] == 99


def test_animations(ckpt, tmp_path):
    prompt_file = write(tmp_path / "p.txt", "walk#0.2\njump#0.2\n")
    out = tmp_path / "o"
    assert run(text2motion.main, ckpt, "--input_file", prompt_file, "--output_dir", out) == 0
    data = manifest(out)
    assert data["grid"]["animation"] == ["grid.gif"] and (out / "grid.gif").is_file()
    assert [i["animation"] for i in data["items"]] == ["00_walk_s0.gif", "01_jump_s0.gif"]
    assert all((out / i["animation"]).is_file() for i in data["items"])


# ------------------------------------------------------------------ editing and interpolation
def test_motion_editing(ckpt, tmp_path):
    model = api.SMoG.from_pretrained(ckpt)
    walk = model.generate_clips(["a person walks"], 1.0, seed=0)[0][0]
    exporters.save_amass(tmp_path / "walk.npz", walk)
    table = write(tmp_path / "edits.csv", "motion_source,base,v_start,v_end\n"
                                          "text,a person walks,walks,runs\n"
                                          "data,walk.npz,walking,jumping\n")
    out = tmp_path / "o"
    assert run(motion_editing.main, ckpt, "--input_file", table, "--output_dir", out, "--no_animation",
               "--duration", 1) == 0
    items = manifest(out)["items"]
    assert [(i["role"], i["sample"], i["frames"]) for i in items] == [("base", 0, 30), ("edited", 1, 30)] * 2
    assert items[1]["prompt"] == "a person walks - walks + runs" and items[3]["motion_source"] == "data"
    expected = model.decode(model.edit_latent("a person walks", "walks", "runs"), 1.0)[0]
    assert np.allclose(np.load(out / items[1]["joints"]), expected.joints, atol=1e-5)
    expected = model.decode(model.edit_latent(tmp_path / "walk.npz", "walking", "jumping"), 1.0)[0]
    assert np.allclose(np.load(out / items[3]["joints"]), expected.joints, atol=1e-5)


def test_motion_editing_bad_rows(ckpt, tmp_path, capsys):
    for body, message in (("video,a,b,c", "motion_source 'video'"), ("data,walk,b,c", "must be an AMASS-style"),
                          ("data,gone.npz,b,c", "'gone.npz' not found")):
        table = write(tmp_path / "e.csv", f"motion_source,base,v_start,v_end\n{body}\n")
        assert run(motion_editing.main, ckpt, "--input_file", table, "--output_dir", tmp_path / "o") == 2
        err = capsys.readouterr().err
        assert f"{table}:2:" in err and message in err and "Traceback" not in err


def test_motion_interpolation(ckpt, tmp_path):
    table = write(tmp_path / "i.csv", "start,end,duration\na person walks,a person jumps,0.5\n")
    out = tmp_path / "o"
    assert run(motion_interpolation.main, ckpt, "--input_file", table, "--output_dir", out, "--num_stops", 3,
               "--no_animation") == 0
    items = manifest(out)["items"]
    assert [(i["stop"], i["weight"], i["frames"]) for i in items] == [(0, 0.0, 15), (1, 0.5, 15), (2, 1.0, 15)]
    model = api.SMoG.from_pretrained(ckpt)
    a, b = model.latent_of("a person walks"), model.latent_of("a person jumps")
    middle = model.decode(model.normalize_latent(0.5 * a + 0.5 * b), 0.5)[0]
    assert np.allclose(np.load(out / items[1]["joints"]), middle.joints, atol=1e-5)
    assert not np.allclose(np.load(out / items[0]["joints"]), middle.joints, atol=1e-3)
    assert run(motion_interpolation.main, ckpt, "--input_file", table, "--num_stops", 1) == 2
