"""The installable package: dependencies declared once (requirements.txt, which CI installs, is
what pyproject.toml reads), and a wheel that holds every module, the shipped model and the
example inputs, found from outside the checkout when the wheel is installed."""

import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

# What building the wheel reads; copied so that the build writes nothing into the checkout.
BUILD_INPUTS = ("pyproject.toml", "setup.py", "README.md", "requirements.txt", "src", "prepare", "assets",
                "exps/README.md", "exps/smog_builtin", "exps/evaluator_builtin")


def requirement_lines(path: Path):
    lines = (line.split("#")[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line]


def test_dependencies_are_declared_once():
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["dynamic"] == ["dependencies"] and "dependencies" not in project["project"]
    assert project["tool"]["setuptools"]["dynamic"]["dependencies"] == {"file": ["requirements.txt"]}
    runtime = requirement_lines(REPO_ROOT / "requirements.txt")
    assert "torch==2.13.0" in runtime and not any(line.startswith("-") for line in runtime), \
        "setuptools reads requirements.txt as plain requirements: no -r/--index-url lines"
    assert requirement_lines(REPO_ROOT / "requirements-dev.txt")[0] == "-r requirements.txt"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    pytest.importorskip("setuptools", minversion="64", reason="building the wheel needs setuptools >= 64")
    source, out = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("wheel")
    for name in BUILD_INPUTS:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        copy = shutil.copytree if (REPO_ROOT / name).is_dir() else shutil.copy2
        copy(REPO_ROOT / name, source / name)
    # Outputs written beside the shipped model in a working checkout must not reach the wheel.
    (source / "exps/smog_builtin/text2motion").mkdir(exist_ok=True)
    (source / "exps/smog_builtin/text2motion/stray.npy").write_bytes(b"x")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                           "-w", str(out), str(source)], capture_output=True, text=True)
    if done.returncode != 0 and "bdist_wheel" in done.stderr + done.stdout:
        pytest.skip("this environment's setuptools cannot build wheels offline (no 'wheel' package)")
    assert done.returncode == 0, done.stderr
    return next(out.glob("smog_motion-*.whl"))


def test_wheel_holds_modules_model_and_assets(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {p.relative_to(REPO_ROOT).as_posix() for folder in ("src", "prepare")
               for p in (REPO_ROOT / folder).rglob("*.py") if "__pycache__" not in p.parts}
    assert modules <= names, sorted(modules - names)
    shipped = {"src/_shipped/exps/smog_builtin/checkpoint.pth.tar", "src/_shipped/exps/smog_builtin/opt.yaml",
               "src/_shipped/assets/paper_texts.txt", "src/_shipped/assets/paper_edits.csv",
               "src/_shipped/exps/evaluator_builtin/evaluator.pt"}
    shipped |= {p.relative_to(REPO_ROOT).as_posix() for p in (REPO_ROOT / "src/app/static").iterdir()}  # the demo page
    assert shipped <= names
    assert not any("text2motion" in n and "_shipped" in n for n in names)
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    required = [line.split(": ", 1)[1] for line in metadata.splitlines() if line.startswith("Requires-Dist: ")]
    assert required == requirement_lines(REPO_ROOT / "requirements.txt")


def test_installed_package_finds_its_files_outside_the_checkout(wheel, tmp_path):
    """A pure-Python wheel unpacked onto sys.path is what `pip install` lays out."""
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    work = tmp_path / "work"
    work.mkdir()
    probe = ("from src import config; "
             "print(config.INSTALLED, config.DEFAULT_CHECKPOINT.is_file() and config.DEFAULT_EVALUATOR.is_file(), "
             "(config.ASSETS_DIR / 'paper_texts.txt').is_file(), config.DEFAULT_OUTPUT_ROOT, config.__file__)")
    done = subprocess.run([sys.executable, "-c", probe], cwd=work, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(site)})
    assert done.returncode == 0, done.stderr
    installed, checkpoint, assets, outputs, module = done.stdout.split()
    assert (installed, checkpoint, assets) == ("True", "True", "True")
    assert Path(module).is_relative_to(site) and Path(outputs) == work / "exps" / "smog_builtin"
