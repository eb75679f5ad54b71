"""The frozen CLIP image tower (tested on a tiny random CLIP saved to disk: no download)."""

import pytest
import torch

from src.models.image_encoders import CLIP_IMAGE_MEAN, CLIP_IMAGE_STD, load_clip_image


def test_tiny_clip_image_tower_matches_clip_model(tiny_clip_dir):
    directory, reference, _ = tiny_clip_dir
    backbone = load_clip_image(clip_path=directory)
    assert (backbone.name, backbone.dim, backbone.image_size) == ("clip", 24, 32)
    assert list(backbone.state_dict()) == [] and list(backbone.parameters()) == []  # never saved or trained
    torch.manual_seed(0)
    images = torch.rand(3, 3, 32, 32)
    emb = backbone.encode(images)
    assert emb.shape == (3, 24)
    torch.testing.assert_close(emb.norm(dim=-1), torch.ones(3))
    mean = torch.tensor(CLIP_IMAGE_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(CLIP_IMAGE_STD).view(1, 3, 1, 1)
    with torch.no_grad():
        features = reference.get_image_features(pixel_values=(images - mean) / std)
    features = features if torch.is_tensor(features) else features.pooler_output
    torch.testing.assert_close(emb, torch.nn.functional.normalize(features, dim=-1))
    # another size is resized to the tower's: same embedding as resizing by hand
    big = torch.nn.functional.interpolate(images, size=(64, 64), mode="nearest")
    assert backbone.encode(big).shape == (3, 24)
    with pytest.raises(AssertionError, match="B, 3, H, W"):
        backbone.encode(torch.rand(3, 32, 32))


def test_missing_clip_image_weights_say_where_to_put_them(tmp_path):
    missing = tmp_path / "no_clip_here"
    with pytest.raises(FileNotFoundError) as err:
        load_clip_image(clip_path=missing)
    message = str(err.value)
    assert "image weights were not found" in message and str(missing) in message
    assert "--clip_path" in message and "drop --clip_image_losses" in message
