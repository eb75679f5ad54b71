"""Shared test fixtures. Tests that need ``../shared/data`` skip with a reason when it is absent
(a user's clone has no ``../shared``)."""

import os
from pathlib import Path

import pytest
import torch

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("SMOG_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))

# The tests' models are tiny: one thread is faster than two fighting over small matmuls.
torch.set_num_threads(1)


@pytest.fixture
def shared_data() -> Path:
    """Path to ``../shared/data``; skips the test where it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"{SHARED_DATA} is absent (only the project's own checkout has ../shared)")
    return SHARED_DATA


@pytest.fixture(scope="module")
def db_path(tmp_path_factory) -> Path:
    """The quick built-in dataset (one sequence per action: 31 train, 4 val, 4 test) as a db at 30 fps.

    Each action is in one split only, so validation holds actions training never saw. Seed 1 keeps
    the only head-turning action (look_around) in training: with seed 0, once the run action came,
    it fell into validation, where its head channels (near-constant in training) dominated the loss."""
    from src.datasets import amass_parser, synthetic

    root = tmp_path_factory.mktemp("data")
    synthetic.main(["--output_dir", str(root / "syn"), "--quick", "--seed", "1"])
    amass_parser.main(["--dataset_name", "babel", "--input_dir", str(root / "syn" / "amass"),
                       "--babel_dir", str(root / "syn" / "babel"), "--output_dir", str(root / "db"),
                       "--target_fps", "30"])
    return root / "db" / "babel_30fps_db.pt"


# ------------------------------------------------------------------ a tiny CLIP on disk
def tiny_clip_tokenizer():
    """A CLIP tokenizer over the byte-level alphabet (no download, every text tokenizes)."""
    from tokenizers import pre_tokenizers
    from transformers import CLIPTokenizer

    # Byte-level alphabet as single-character tokens (with and without the end-of-word mark),
    # no merges: every text tokenizes, non-ASCII included.
    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    vocab = {"<|startoftext|>": 0}
    for suffix in ("", "</w>"):
        vocab.update({c + suffix: len(vocab) + i for i, c in enumerate(alphabet)})
    vocab["<|endoftext|>"] = len(vocab)
    return CLIPTokenizer(vocab=vocab, merges=[])


@pytest.fixture(scope="session")
def tiny_clip_dir(tmp_path_factory):
    """A randomly initialised full CLIPModel (text + vision towers, as the openai checkpoint) on disk."""
    from transformers import CLIPConfig, CLIPModel

    tokenizer = tiny_clip_tokenizer()
    text = dict(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                num_attention_heads=2, max_position_embeddings=77, projection_dim=24, bos_token_id=tokenizer.bos_token_id,
                eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
    vision = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2,
                  image_size=32, patch_size=16)
    torch.manual_seed(0)
    model = CLIPModel(CLIPConfig(text_config=text, vision_config=vision, projection_dim=24)).eval()
    directory = tmp_path_factory.mktemp("tiny_clip")
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory, model, tokenizer
