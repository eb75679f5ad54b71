"""Model and loss options, generated from ``src.models.config`` (the one place their defaults live).

Every ``ModelConfig`` field with CLI metadata becomes one option; the original SMoG names are the
option names (``--latent_dim``, ``--lambda_rc``, ``--jointstype``, ``--no-vertstrans``, ...).
``ModelConfig.from_options(vars(opt))`` turns the parsed options back into a config.
"""

import argparse
import dataclasses

from src.models.config import MODELNAME_OPTION, cli_fields


def _option_kwargs(cli: dict, default) -> dict:
    """argparse keyword arguments of one field's CLI metadata and the option's default."""
    kwargs = {k: v for k, v in cli.items() if k not in ("name", "help", "option_default", "flag")}
    kwargs["help"] = cli["help"] or None
    if cli.get("flag"):
        kwargs["action"] = argparse.BooleanOptionalAction
    elif isinstance(default, tuple) and "nargs" in kwargs:  # --kan_grid_range LOW HIGH
        default = list(default)
        kwargs.setdefault("type", type(default[0]))
    elif isinstance(default, tuple):  # lists travel as the original's joined strings ("embed,final", "cosine_ce")
        default = ("," if cli["name"] == "--kan_layers" else "_").join(default)
    elif default is not None and not isinstance(default, str):
        kwargs.setdefault("type", type(default))
    kwargs["default"] = default
    return kwargs


def option_default(cli: dict, config_field: dataclasses.Field):
    """The default an option has on the command line (the field's unless the metadata overrides it)."""
    if cli["option_default"] is not dataclasses.MISSING:
        return cli["option_default"]
    return config_field.default


def add_config_fields(group, config_class) -> None:
    """One option per field of a config dataclass that has CLI metadata (e.g. ``PriorConfig``)."""
    for config_field in dataclasses.fields(config_class):
        cli = config_field.metadata.get("cli")
        if cli:
            group.add_argument(cli["name"], **_option_kwargs(cli, option_default(cli, config_field)))


def add_model_args(parser: argparse.ArgumentParser) -> None:
    """Add every model and loss option. Dataset options (--pose_rep, --glob, --glob_rot,
    --translation) are read from the same namespace but defined by ``src.parser.dataset``."""
    groups = {"losses": parser.add_argument_group("losses")}
    model = parser.add_argument_group("model")
    model.add_argument(MODELNAME_OPTION["name"], default=MODELNAME_OPTION["option_default"],
                       help=MODELNAME_OPTION["help"])
    for group, config_field in cli_fields():
        cli = config_field.metadata["cli"]
        target = groups.get(group, model)
        target.add_argument(cli["name"], **_option_kwargs(cli, option_default(cli, config_field)))
    # Options of the commands, not of the model: where the CLIP weights are, and the original's
    # text-side switches that this model has no use for.
    model.add_argument("--clip_path", default=None,
                       help="local CLIP ViT-B/32 directory for --text_backbone clip and --clip_image_losses")
    groups["losses"].add_argument("--clip_training", default="",
                                  help="'' = frozen text backbone (the only mode)")
    groups["losses"].add_argument("--clip_layers", type=int, default=12, help="accepted for compatibility (unused)")
