"""The frozen CLIP image tower: the target of the optional image alignment (``--clip_image_losses``).

MotionCLIP (and the original SMoG) also pull the motion latent towards CLIP's embedding of a
rendered frame of the training motion. Here the frame is drawn by ``src.rendering.raster`` (a
shaded mannequin of the 22 joints; no SMPL mesh needed) and embedded by CLIP ViT-B/32's image
tower with its projection (512-d, CLIP's joint text-image space).

The weights come from the same places as the CLIP text tower (``--clip_path``,
``$SMOG_CLIP_PATH``, ``models/clip-vit-base-patch32``, the Hugging Face cache), local files
only: one saved ``CLIPModel`` serves both towers.
"""

from pathlib import Path

import torch
from torch.nn import functional as F

from src.models.frozen import FrozenModel
from src.models.text_encoders import _load_frozen, find_clip_dir

# CLIP's image normalisation (the published preprocessing constants of openai/CLIP).
CLIP_IMAGE_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_IMAGE_STD = (0.26862954, 0.26130258, 0.27577711)


class FrozenImageBackbone(FrozenModel):
    """A frozen CLIP vision tower with projection: RGB images in [0, 1] -> unit embeddings.

    Args:
        model: a ``CLIPVisionModelWithProjection``.
        device: where it runs.
    """

    def __init__(self, model, device="cpu"):
        super().__init__(model)
        self.name = "clip"
        self.dim = int(model.config.projection_dim)
        self.image_size = int(model.config.image_size)
        self.register_buffer("mean", torch.tensor(CLIP_IMAGE_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(CLIP_IMAGE_STD).view(1, 3, 1, 1), persistent=False)
        self.to(device)

    @torch.no_grad()
    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """images: (B, 3, H, W) float RGB in [0, 1] -> (B, dim) float32, unit L2 norm.

        Images of another size are resized (bilinear) to the tower's ``image_size``.
        """
        assert images.dim() == 4 and images.size(1) == 3, f"images must be (B, 3, H, W), got {tuple(images.shape)}"
        images = images.to(self.device, torch.float32)
        if images.shape[-2:] != (self.image_size, self.image_size):
            images = F.interpolate(images, size=(self.image_size, self.image_size), mode="bilinear",
                                   align_corners=False, antialias=True)
        embeds = self.model(pixel_values=(images - self.mean) / self.std).image_embeds
        return F.normalize(embeds.float(), dim=-1)

    def extra_repr(self) -> str:
        return f"name={self.name!r}, dim={self.dim}, image_size={self.image_size}"


def clip_image_source(clip_path=None) -> Path:
    """The first local directory holding a CLIP config (the places of ``load_clip``).

    Raises:
        FileNotFoundError: none found; the message says how to get the weights.
    """
    return find_clip_dir(clip_path, lambda directory: (directory / "config.json").is_file(), tower="image")


def load_clip_image(device="cpu", clip_path=None) -> FrozenImageBackbone:
    """CLIP's image tower with its projection, from ``clip_image_source(clip_path)``.

    Raises:
        FileNotFoundError: no CLIP checkpoint found (see ``clip_image_source``).
        RuntimeError: the checkpoint lacks some of the tower's weights.
    """
    from transformers import AutoConfig, CLIPVisionModelWithProjection

    source = clip_image_source(clip_path)
    config = AutoConfig.from_pretrained(source, local_files_only=True)
    if config.model_type == "clip":  # a full CLIP: its vision part, with the top-level projection width
        # (a vision_config that omits projection_dim would otherwise get the class default, 512)
        vision = config.vision_config
        vision.projection_dim = config.projection_dim
        config = vision
    model = _load_frozen(CLIPVisionModelWithProjection, source, config=config)
    return FrozenImageBackbone(model, device=device)
