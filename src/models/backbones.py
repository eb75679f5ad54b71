"""The frozen backbones a model uses but never trains or saves, loaded by the commands and by
``SMoGModel.from_pretrained`` and injected into the model (it never loads them by name itself)."""

from dataclasses import dataclass
from typing import Any, Optional

import torch

from src.models.config import ModelConfig
from src.models.image_encoders import load_clip_image
from src.models.text_encoders import get_text_backbone

_TEXT_CACHE = {}  # (name, device, clip_path) -> frozen text backbone, shared by the models of a process


@dataclass
class Backbones:
    """Args:
        text: frozen text backbone (``FrozenTextBackbone``: ``dim``, ``token_dim``,
            ``encode_pooled``, ``encode_tokens``) or None.
        image: frozen CLIP image tower (``FrozenImageBackbone``) for ``clip_image_losses``, or None.
    """

    text: Optional[Any] = None
    image: Optional[Any] = None


def load_text_backbone(name: str, device="cpu", clip_path=None):
    """The frozen text backbone ``name`` on ``device``, loaded once per process (frozen, so shareable)."""
    key = (name, str(torch.device(device)), None if clip_path is None else str(clip_path))
    if key not in _TEXT_CACHE:
        _TEXT_CACHE[key] = get_text_backbone(name, device=device, clip_path=clip_path)
    return _TEXT_CACHE[key]


def load_backbones(config: ModelConfig, device="cpu", clip_path=None, with_image: bool = False) -> Backbones:
    """The backbones of a model config.

    Args:
        config: names the text backbone and says whether image losses are on.
        device: where they run.
        clip_path: local CLIP directory (``--clip_path``; else the default places).
        with_image: also load the CLIP image tower when ``config.losses.clip_image_losses`` is on
            (training only: a trained model needs no image tower to run).
    Raises:
        ValueError, OSError, ImportError: a backbone that cannot be loaded here (the caller says
            which file or option asked for it).
    """
    text = load_text_backbone(config.text.backbone, device, clip_path)
    image = None
    if with_image and config.losses.clip_image_losses:
        image = load_clip_image(device=device, clip_path=clip_path)
    return Backbones(text=text, image=image)
