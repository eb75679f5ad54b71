"""A pretrained network that a SMoG model uses but never trains or saves (text and image backbones)."""

import torch
from torch import nn


class FrozenModel(nn.Module):
    """Holds a pretrained model outside the module tree.

    So a module holding it gains no parameters and nothing in its ``state_dict`` (checkpoints
    stay small and never carry third-party weights), while ``.to(device)`` still moves it. It
    stays in eval mode whatever ``train()`` is asked, with gradients off.

    Args:
        model: the pretrained ``nn.Module`` (a transformers model).
    """

    def __init__(self, model: nn.Module):
        super().__init__()
        model.eval()
        model.requires_grad_(False)
        object.__setattr__(self, "_model", model)  # bypasses nn.Module registration
        super().train(False)

    @property
    def model(self) -> nn.Module:
        """The wrapped (frozen) model."""
        return self._model

    @property
    def device(self) -> torch.device:
        return next(self._model.parameters()).device

    def _apply(self, fn, recurse=True):
        self._model._apply(fn)
        return super()._apply(fn, recurse)

    def train(self, mode: bool = True):
        """Frozen: stays in eval mode whatever ``mode`` says."""
        return self
