"""The one model configuration: every field has its one CLI option, defaults agree, old flat configs
convert, and parsing the training options imports no torch."""

import argparse
import dataclasses
import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest

from src.models.config import DEFAULT_MODELNAME, KANConfig, ModelConfig, cli_fields
from src.parser.dataset import add_dataset_args
from src.parser.model import add_model_args, option_default

REPO_ROOT = Path(__file__).resolve().parents[1]
LEGACY_CONFIGS = json.loads((REPO_ROOT / "tests" / "data" / "legacy_model_configs.json").read_text())
# Fields that are no option: the feature layout comes from the dataset options, the widths from
# the backbones, ``logvar_head`` is False only in old checkpoints.
DERIVED = {"features": {"pose_rep", "translation", "glob", "glob_rot", "fps"}, "sizes": {"logvar_head"},
           "text": {"dim", "token_dim"}, "losses": {"image_dim"}}


def model_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    add_model_args(parser)
    return parser


def test_every_config_field_has_exactly_one_option_and_the_defaults_agree():
    parser = model_parser()
    options = {action.dest: action for action in parser._actions}
    seen = {}
    for group in dataclasses.fields(ModelConfig):
        if group.name == "modelname":
            continue
        for f in dataclasses.fields(group.type):
            if f.name in DERIVED.get(group.name, ()):
                assert "cli" not in f.metadata, (group.name, f.name)
                continue
            cli = f.metadata["cli"]  # a new field needs its option (or an entry in DERIVED)
            dest = cli["name"][2:]
            assert dest not in seen, f"{dest} used by {seen[dest]} and {group.name}.{f.name}"
            seen[dest] = f"{group.name}.{f.name}"
            action = options[dest]
            assert action.option_strings[0] == cli["name"]
            default = option_default(cli, f)
            if isinstance(default, tuple) and not action.nargs:  # a list option parsed from the joined string
                default = ("," if dest == "kan_layers" else "_").join(default)
            assert action.default == (list(default) if isinstance(default, tuple) else default), dest
    assert len(seen) == len(cli_fields())
    # parsing no arguments gives the dataclass defaults (loss rules applied)
    defaults = ModelConfig.from_options(vars(parser.parse_args([])))
    assert defaults == ModelConfig()
    assert options["modelname"].default == DEFAULT_MODELNAME


def test_the_feature_layout_comes_from_the_dataset_options():
    parser = argparse.ArgumentParser()
    add_dataset_args(parser)
    opt = vars(parser.parse_args(["--pose_rep", "rotmat", "--no-translation", "--no-glob", "--glob_rot", "0", "1", "0"]))
    features = ModelConfig.from_options(opt, fps=20.0).features
    assert dataclasses.asdict(features) == {"pose_rep": "rotmat", "translation": False, "glob": False,
                                            "glob_rot": [0.0, 1.0, 0.0], "fps": 20.0, "foot_lock": False}
    assert DERIVED["features"] - {"fps"} <= set(opt)  # every layout field has its dataset option


def test_original_option_names_reach_the_config():
    opt = model_parser().parse_args(["--modelname", "motionclip_transformer_rc_rcxyz_vel", "--lambda_rc", "100",
                                     "--clip_text_losses", "cosine", "--jointstype", "vertices", "--no-vertstrans",
                                     "--latent_dim", "512", "--num_layers", "8", "--kan_layers", "embed,ffn",
                                     "--text_dropout", "0.3", "--kan_grid_range", "-2", "2"])
    config = ModelConfig.from_options(vars(opt))
    assert (config.losses.lambda_rc, config.losses.lambda_velxyz, config.losses.clip_text_losses) == \
        (100.0, 0.0, ("cosine",))
    assert (config.body.jointstype, config.body.vertstrans) == ("vertices", False)
    assert (config.sizes.latent_dim, config.sizes.num_layers, config.text.dropout) == (512, 8, 0.3)
    assert config.kan.layers == ("embed", "ffn") and config.kan.grid_range == (-2.0, 2.0)


def test_to_dict_roundtrip_and_the_one_conversion_of_old_flat_configs():
    config = ModelConfig.from_options({"variational": True, "latent_dim": 64, "kan_layers": "ffn"}, fps=20.0)
    assert ModelConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config
    for name, flat in LEGACY_CONFIGS.items():
        old = ModelConfig.from_dict(flat)
        assert old.sizes.latent_dim == flat["latent_dim"] and old.text.dim == flat["text_dim"], name
        assert old.kan.layers == tuple(flat["kan_layers"]) and old.kan.grid_size == flat["kan_kwargs"]["grid_size"]
        for key, value in flat["losses"].items():
            assert getattr(old.losses, key) == (tuple(value) if isinstance(value, list) else value), (name, key)
        assert old.losses.image_dim == flat["image_dim"]
        assert old.sizes.logvar_head is True and old.features.fps == flat["fps"]
        assert ModelConfig.from_dict(old.to_dict()) == old
    without_head = {k: v for k, v in LEGACY_CONFIGS["variational"].items() if k != "logvar_head"}
    assert ModelConfig.from_dict(without_head).sizes.logvar_head is False  # files from before the head
    with pytest.raises(ValueError, match="unknown key"):
        ModelConfig.from_dict({**LEGACY_CONFIGS["variational"], "surplus": 1})


def test_a_checkpoint_cannot_choose_a_folder_to_read(tmp_path):
    """A model config names its text backbone by name only: a folder in an old flat config is
    ignored with a warning (the loader never sees it), and in the current layout it is refused."""
    elsewhere = str(tmp_path / "elsewhere")
    with pytest.warns(UserWarning, match="text_backbone_kwargs .*ignored"):
        config = ModelConfig.from_dict({**LEGACY_CONFIGS["variational"],
                                        "text_backbone_kwargs": {"model_path": elsewhere}})
    assert elsewhere not in json.dumps(config.to_dict())
    current = config.to_dict()
    current["text"]["model_path"] = elsewhere
    with pytest.raises(ValueError, match="unknown key.*model_path"):
        ModelConfig.from_dict(current)


def test_the_shipped_checkpoint_config_converts():
    torch = pytest.importorskip("torch")
    path = REPO_ROOT / "exps" / "smog_builtin" / "checkpoint.pth.tar"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    flat = torch.load(path, weights_only=True)["model_config"]
    config = ModelConfig.from_dict(flat)
    assert (config.sizes.latent_dim, config.sizes.num_memory_tokens, config.features.fps) == (256, 8, 20.0)
    assert (config.text.dim, config.text.token_dim, config.text.dropout) == (384, 384, 0.1)


def test_invalid_settings_are_named():
    with pytest.raises(ValueError, match="--latent_dim 30 must be even and divisible by --num_heads 4"):
        ModelConfig.from_options({"latent_dim": 30})
    with pytest.raises(ValueError, match="--clip_training"):
        ModelConfig.from_options({"clip_training": "yes"})
    with pytest.raises(ValueError, match="--kan_layers"):
        ModelConfig.from_options({"kan_layers": "embed,middle"})


def test_kan_layer_defaults_are_the_config_defaults():
    """``KANLayer`` is also a stand-alone layer with its own defaults: they must be KANConfig's."""
    from src.models.architectures.kan import KANLayer

    signature = inspect.signature(KANLayer)
    for name, value in KANConfig().layer_options().items():
        default = signature.parameters[name].default
        if name == "base_activation":
            assert default.__name__.lower() == value, name
        else:
            assert (list(default) if isinstance(value, tuple) else default) == \
                (list(value) if isinstance(value, tuple) else value), name


@pytest.mark.parametrize("module,call", [
    ("src.parser.training", "training_parser().parse_args(['--latent_dim', '64'])"),
    ("prepare.export_model", "parser().parse_args(['a', 'b'])"),
    ("src.app.__main__", "app_parser().parse_args(['--port', '0'])"),
])
def test_parsing_imports_no_torch(module, call):
    code = f"import sys; from {module} import *; {call}; print('torch' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False", done.stderr
