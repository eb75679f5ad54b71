"""The one way to build a fresh model: ``build_model(config, statistics, backbones)``.

A saved model is rebuilt by ``SMoGModel.from_pretrained`` (the config it holds is already
complete); a fine-tuning start by ``build_model_from_init``.
"""

import argparse
import dataclasses
from typing import Mapping, Optional, Union

from torch import nn

from src import config as conventions
from src.models import checkpoint
from src.models.architectures.blocks import skip_kan_init
from src.models.backbones import Backbones, load_backbones
from src.models.config import ModelConfig
from src.models.smog import SMoGModel

def _options(options) -> dict:
    return dict(vars(options) if isinstance(options, argparse.Namespace) else options)


def complete_config(config: ModelConfig, backbones: Backbones, statistics=None) -> ModelConfig:
    """``config`` with what the backbones and the data decide: text widths, the image width (with
    image losses) and the frame rate (``statistics["fps"]``, else ``src.config.SMOG_FPS``).

    Raises:
        ValueError: a width is unknown and the backbone that gives it is missing.
    """
    text, losses, features = config.text, config.losses, config.features
    if text.dim is None or text.token_dim is None:
        if backbones.text is None:
            raise ValueError("model config has no text widths; pass the text backbone to read them from")
        text = dataclasses.replace(text, dim=int(backbones.text.dim), token_dim=int(backbones.text.token_dim))
    if losses.clip_image_losses and losses.image_dim is None:
        if backbones.image is None:
            raise ValueError("model config has no image width; pass the image backbone to read it from")
        losses = dataclasses.replace(losses, image_dim=int(backbones.image.dim))
    if features.fps is None:
        fps = statistics.get("fps") if isinstance(statistics, dict) else None
        features = dataclasses.replace(features, fps=float(fps if fps is not None else conventions.SMOG_FPS))
    return dataclasses.replace(config, text=text, losses=losses, features=features)


def build_model(config: Union[ModelConfig, Mapping, argparse.Namespace], statistics=None,
                backbones: Optional[Backbones] = None, device="cpu", body_model: Optional[nn.Module] = None,
                ) -> SMoGModel:
    """A fresh model.

    Args:
        config: a ``ModelConfig``, or parsed options (Namespace or dict; ``ModelConfig.from_options``).
        statistics: {"mean": (J, C), "std": (J, C)} of the training set (tensors or arrays; ``fps``
            read from it when the config has none), (mean, std), or None (0 and 1).
        backbones: the frozen backbones (default: ``load_backbones`` with the options' ``clip_path``,
            the image tower included when image losses are on).
        device: where the model goes.
        body_model: forward-kinematics module (default: ``config.body.body_model``).
    """
    clip_path = None
    if not isinstance(config, ModelConfig):
        options = _options(config)
        clip_path = options.get("clip_path")
        config = ModelConfig.from_options(options)
    if backbones is None:
        backbones = load_backbones(config, device, clip_path, with_image=True)
    config = complete_config(config, backbones, statistics)
    return SMoGModel(config, statistics, backbones, body_model).to(device)


def build_model_from_init(path, options, device="cpu", text_backbone=None) -> SMoGModel:
    """The starting model of a fine-tuning run (``--init_from``).

    The architecture, feature statistics and weights come from ``path`` (a checkpoint or a
    ``save_pretrained`` directory); the loss weights and dropouts (training choices no weight's
    shape depends on) come from ``options``, so a
    run can, e.g., train the text side with other weights. ``--decoder_fourier K`` adds the Fourier
    query path to a decoder that lacks it (zero output: the start computes what the checkpoint did).
    Any other model option of ``options`` is ignored (the checkpoint's config is what the weights fit).

    Raises:
        CheckpointMismatchError: the options ask for loss modules the checkpoint lacks (e.g.
            another ``--clip_text_losses`` head).
    """
    options = _options(options)
    files = checkpoint.read_model_files(path, device)
    start = SMoGModel.from_files(files, device, text_backbone)
    saved = files.config
    # Loss weights that depend on the architecture (KL, KAN regulariser) follow the checkpoint's.
    architecture = {"pose_rep": saved.features.pose_rep, "translation": saved.features.translation,
                    "glob": saved.features.glob, "glob_rot": saved.features.glob_rot,
                    "variational": saved.sizes.variational, "arch": saved.kan.arch, "kan_layers": saved.kan.layers,
                    "latent_dim": saved.sizes.latent_dim, "num_heads": saved.sizes.num_heads,
                    "decoder": saved.sizes.decoder}
    wanted = ModelConfig.from_options({**options, **architecture})
    # --decoder_fourier may add the Fourier query path to a decoder trained without it (it starts at zero)
    grow_fourier = bool(wanted.sizes.decoder_fourier) and not saved.sizes.decoder_fourier
    fourier = wanted.sizes.decoder_fourier if grow_fourier else saved.sizes.decoder_fourier
    config = dataclasses.replace(
        saved, losses=dataclasses.replace(wanted.losses, image_dim=saved.losses.image_dim),
        sizes=dataclasses.replace(saved.sizes, dropout=wanted.sizes.dropout, decoder_fourier=fourier),
        text=dataclasses.replace(saved.text, dropout=wanted.text.dropout))
    backbones = Backbones(text=start.text_backbone)
    if config.losses.clip_image_losses:
        backbones.image = load_backbones(config, device, options.get("clip_path"), with_image=True).image
    config = complete_config(config, backbones)
    with skip_kan_init():
        model = SMoGModel(config, (start.mean, start.std), backbones).to(device)
    # A diffusion prior of the start is left out: it models the latents of weights this run changes
    # (train a new one on the result with python -m src.train.train_prior).
    weights = {k: v for k, v in start.state_dict().items() if not k.startswith("prior.")}
    if grow_fourier:  # the new path's own initial weights (its output projection is zero)
        weights.update({k: v for k, v in model.state_dict().items() if k.startswith("motion_decoder.fourier.")})
    checkpoint.load_state_dict_checked(model, weights, strict=True, source=f"--init_from {path}", saved_config=saved)
    return model
