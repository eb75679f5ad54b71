"""Model files: training checkpoints, pretrained folders, strict loading, and their one error contract.

    save_checkpoint / load_checkpoint   self-describing training checkpoints (format smog-ckpt-v1)
    save_pretrained                     a shipping folder: config.json + model.pt (optionally fp16)
    read_model_files                    either of them -> ``ModelFiles`` (config, weights, source)
    load_state_dict_checked             strict loading that names every key that does not fit

``SMoGModel.from_pretrained`` rebuilds a model from ``read_model_files``. A file's ``model_config``
is a ``ModelConfig.to_dict()`` (older files: the flat dict ``ModelConfig.from_dict`` also reads).
Everything wrong with model files raises a :class:`ModelFilesError` subclass whose message names
the file (commands exit with code 3).
"""

import argparse
import json
import pickle
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np
import torch

from src.errors import BadInputError, ModelFilesError
from src.models.backbones import Backbones, load_backbones
from src.models.config import ModelConfig, PriorConfig
from src.utils.fileio import atomic_path

CHECKPOINT_FORMAT = "smog-ckpt-v1"
PRETRAINED_FORMAT = "smog-pretrained-v1"
PRETRAINED_CONFIG = "config.json"
PRETRAINED_WEIGHTS = "model.pt"


class CheckpointNotFoundError(ModelFilesError):
    """No checkpoint file or pretrained folder at the path."""


class CheckpointFormatError(ModelFilesError):
    """A file that is unreadable, not a SMoG checkpoint, or whose model config is invalid."""


class CheckpointMismatchError(ModelFilesError):
    """Weights that do not fit the model they are loaded into."""


class BackboneUnavailableError(ModelFilesError):
    """The text backbone a checkpoint names cannot be loaded here."""


@dataclass
class ModelFiles:
    """What a checkpoint or pretrained folder holds.

    Args:
        config: the model configuration.
        state_dict: the weights (float32 or, from ``save_pretrained(half=True)``, float16 parameters).
        source: "checkpoint <path>" or "weights <path>/model.pt", for messages.
        checkpoint: the whole training checkpoint dict (None for a pretrained folder).
        prior_config: the latent diffusion prior's ``PriorConfig`` (None: the model has none).
    """

    config: ModelConfig
    state_dict: dict
    source: str
    checkpoint: Optional[dict] = None
    prior_config: Optional[PriorConfig] = None


# ------------------------------------------------------------------ strict loading
def state_dict_differences(model: torch.nn.Module, state_dict: dict) -> tuple:
    """-> (missing keys, unexpected keys, [(key, checkpoint shape, model shape)])."""
    own = model.state_dict()
    missing = sorted(set(own) - set(state_dict))
    unexpected = sorted(set(state_dict) - set(own))
    mismatched = [(k, tuple(state_dict[k].shape), tuple(own[k].shape)) for k in sorted(set(own) & set(state_dict))
                  if tuple(state_dict[k].shape) != tuple(own[k].shape)]
    return missing, unexpected, mismatched


def _dotted(config: dict, prefix: str = "") -> dict:
    """Nested config dict -> {"sizes.latent_dim": 32, ...}."""
    out = {}
    for key, value in config.items():
        if isinstance(value, dict):
            out.update(_dotted(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _config_differences(saved: Optional[ModelConfig], current: Optional[ModelConfig]) -> list:
    if not isinstance(saved, ModelConfig) or not isinstance(current, ModelConfig):
        return []
    saved, current = _dotted(saved.to_dict()), _dotted(current.to_dict())
    return [f"{k}: checkpoint {saved.get(k)!r} vs model {current.get(k)!r}" for k in sorted(set(saved) | set(current))
            if saved.get(k) != current.get(k)]


def mismatch_message(source: str, missing, unexpected, mismatched, config_diff=(), limit: int = 20) -> str:
    def listing(items):
        shown = list(items)[:limit]
        more = len(items) - len(shown)
        return "".join(f"\n    {s}" for s in shown) + (f"\n    ... and {more} more" if more > 0 else "")

    lines = [f"{source} does not match the model it is loaded into:"]
    if missing:
        lines.append(f"  missing in the checkpoint ({len(missing)}):" + listing(missing))
    if unexpected:
        lines.append(f"  unexpected in the checkpoint ({len(unexpected)}):" + listing(unexpected))
    if mismatched:
        lines.append(f"  shape mismatches ({len(mismatched)}):" + listing(
            [f"{k}: checkpoint {list(a)} vs model {list(b)}" for k, a, b in mismatched]))
    if config_diff:
        lines.append("  model configs differ:" + listing(config_diff))
    return "\n".join(lines)


def load_state_dict_checked(model: torch.nn.Module, state_dict: dict, strict: bool = True,
                            source: str = "checkpoint", saved_config: Optional[ModelConfig] = None) -> None:
    """Load weights, refusing (strict) or loudly skipping (not strict) every key that does not fit.

    Raises:
        CheckpointMismatchError: when strict and any key is missing, unexpected or mis-shaped.
    """
    missing, unexpected, mismatched = state_dict_differences(model, state_dict)
    if missing or unexpected or mismatched:
        message = mismatch_message(source, missing, unexpected, mismatched,
                                   _config_differences(saved_config, getattr(model, "config", None)))
        if strict:
            raise CheckpointMismatchError(message)
        warnings.warn(message + "\n  (strict=False: those parameters keep their fresh initialisation)", stacklevel=2)
        bad = {k for k, _, _ in mismatched}
        state_dict = {k: v for k, v in state_dict.items() if k not in bad}
    model.load_state_dict(state_dict, strict=strict)


# ------------------------------------------------------------------ writing
def _plain(value):
    """JSON/YAML-safe copy of options (paths, devices, tuples, numpy scalars made plain)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


def _prior_config_dict(model) -> Optional[dict]:
    prior = getattr(model, "prior", None)
    return None if prior is None else prior.config.to_dict()


def _state_to_save(model, half: bool) -> dict:
    """The model's state dict on the CPU; with ``half`` its floating *parameters* are float16
    (buffers, e.g. the feature statistics, stay float32; loading makes everything float32 again)."""
    params = {name for name, _ in model.named_parameters()}
    return {k: (v.detach().half() if half and k in params and v.is_floating_point() else v.detach()).cpu().clone()
            for k, v in model.state_dict().items()}


def save_checkpoint(path, model, optimizer=None, scheduler=None, epoch: Optional[int] = None,
                    opt=None, extra: Optional[dict] = None, rng: Optional[list] = None, half: bool = False) -> Path:
    """Write a self-describing training checkpoint atomically.

    Contents: ``format`` ("smog-ckpt-v1"), ``model_config`` (``ModelConfig.to_dict()``),
    ``state_dict``, ``stats`` ({"mean", "std"} (J, C)), ``optimizer``, ``scheduler`` (state dicts or
    None), ``epoch``, ``opt`` (all training options), ``seed`` (``opt["seed"]``), ``torch_version``,
    ``extra``, ``rng`` (training checkpoints: the random-generator states of every process,
    ``src.train.rng_state``; None in exports), ``prior_config`` (``PriorConfig.to_dict()`` of the
    model's latent diffusion prior, whose weights are the state dict's ``prior.*``; None without).
    ``half`` stores the floating parameters as float16 (exports: half the size).
    """
    opt = _plain(dict(vars(opt) if isinstance(opt, argparse.Namespace) else (opt or {})))
    ckpt = {
        "format": CHECKPOINT_FORMAT,
        "model_config": model.config.to_dict(),
        "state_dict": _state_to_save(model, half) if half else model.state_dict(),
        "stats": {"mean": model.mean.detach().cpu().clone(), "std": model.std.detach().cpu().clone()},
        "optimizer": optimizer.state_dict() if optimizer is not None else None,
        "scheduler": scheduler.state_dict() if scheduler is not None else None,
        "epoch": epoch,
        "opt": opt,
        "seed": opt.get("seed"),
        "torch_version": str(torch.__version__),
        "extra": _plain(extra or {}),
        "rng": rng,
        "prior_config": _prior_config_dict(model),
    }
    path = Path(path)
    with atomic_path(path) as tmp:
        torch.save(ckpt, tmp)
    return path


def save_pretrained(model, directory, half: bool = False) -> Path:
    """Write ``config.json`` (format, model config, weight dtype, torch version) and ``model.pt``
    (state dict; with ``half`` the floating *parameters* are float16, buffers stay float32)."""
    directory = Path(directory)
    state = _state_to_save(model, half)
    meta = {"format": PRETRAINED_FORMAT, "model_config": model.config.to_dict(),
            "prior_config": _prior_config_dict(model), "dtype": "float16" if half else "float32",
            "torch_version": str(torch.__version__)}
    with atomic_path(directory / PRETRAINED_WEIGHTS) as tmp:
        torch.save(state, tmp)
    with atomic_path(directory / PRETRAINED_CONFIG) as tmp:
        tmp.write_text(json.dumps(meta, indent=2, sort_keys=True), encoding="utf-8")
    return directory


# ------------------------------------------------------------------ reading
_ZIP_MAGIC = b"PK\x03\x04"  # torch.save's format: a zip archive
_PICKLE_MAGIC = b"\x80"      # the legacy torch.save format starts with a pickle protocol opcode


def _what_it_is(path: Path) -> str:
    """A few words on what an unreadable file is, from its first bytes (for the error message)."""
    size = path.stat().st_size
    if size == 0:
        return "an empty file (0 bytes)"
    with open(path, "rb") as f:
        head = f.read(4096)
    if head.startswith(_ZIP_MAGIC):
        return f"a truncated or corrupt PyTorch file ({size} bytes)"
    if head.startswith(_PICKLE_MAGIC):
        return f"a corrupt or foreign pickle file ({size} bytes)"
    try:
        head.decode("utf-8")
        return f"a text file ({size} bytes), not a checkpoint"
    except UnicodeDecodeError:
        return f"not a PyTorch file ({size} bytes of unrecognised content)"


def _torch_load(path: Path, device):
    """``torch.load`` with weights_only (no code runs); CheckpointFormatError saying what the file is."""
    with open(path, "rb") as f:
        head = f.read(len(_ZIP_MAGIC))
    if not (head.startswith(_ZIP_MAGIC) or head.startswith(_PICKLE_MAGIC)):  # empty, text, random bytes
        raise CheckpointFormatError(f"cannot load checkpoint {path}: {_what_it_is(path)}")
    try:
        return torch.load(path, map_location=device, weights_only=True)
    except pickle.UnpicklingError:
        # weights_only refused an object that is not a tensor or plain value. PyTorch's message
        # suggests weights_only=False, which would run whatever the file holds: not an option here.
        raise CheckpointFormatError(f"cannot load checkpoint {path}: it holds pickled objects other than tensors "
                                    "and plain values (refused without running them; SMoG checkpoints hold "
                                    "none)") from None
    except Exception:  # noqa: BLE001 - any failure to read a user's file is that file's fault (truncated, corrupt)
        raise CheckpointFormatError(f"cannot load checkpoint {path}: {_what_it_is(path)}") from None


def _config_of(raw, path: Path) -> ModelConfig:
    try:
        return ModelConfig.from_dict(raw)
    except (BadInputError, TypeError, KeyError, ValueError) as err:
        raise CheckpointFormatError(f"{path}: incompatible checkpoint, its model config does not load: {err}") from None


def _prior_config_of(raw, path: Path) -> Optional[PriorConfig]:
    if raw is None:
        return None
    try:
        return PriorConfig.from_dict(raw)
    except (BadInputError, TypeError, ValueError) as err:
        raise CheckpointFormatError(f"{path}: incompatible checkpoint, its prior config does not load: {err}") from None


def read_checkpoint(path, device="cpu") -> dict:
    """The dict of a ``save_checkpoint`` file.

    Raises:
        CheckpointNotFoundError, CheckpointFormatError: naming ``path``.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointNotFoundError(f"checkpoint not found: {path}")
    ckpt = _torch_load(path, device)
    if not isinstance(ckpt, dict) or ckpt.get("format") != CHECKPOINT_FORMAT:
        found = ckpt.get("format") if isinstance(ckpt, dict) else type(ckpt).__name__
        raise CheckpointFormatError(
            f"{path} is not a SMoG checkpoint of format {CHECKPOINT_FORMAT!r} (found {found!r}). Bare state dicts "
            "(as the original SMoG wrote) carry no model config and cannot be rebuilt; retrain, or build the model "
            "from its options and use load_state_dict_checked.")
    return ckpt


def read_model_files(path, device="cpu") -> ModelFiles:
    """A training checkpoint file or a ``save_pretrained`` folder -> ``ModelFiles``.

    Raises:
        CheckpointNotFoundError, CheckpointFormatError: naming the file.
    """
    path = Path(path)
    if path.is_file():
        ckpt = read_checkpoint(path, device)
        return ModelFiles(_config_of(ckpt["model_config"], path), ckpt["state_dict"], f"checkpoint {path}", ckpt,
                          _prior_config_of(ckpt.get("prior_config"), path))
    config_file = path / PRETRAINED_CONFIG
    if not config_file.is_file():
        raise CheckpointNotFoundError(f"checkpoint not found: {path} (neither a checkpoint file nor a directory "
                                      f"with {PRETRAINED_CONFIG})")
    try:
        meta = json.loads(config_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise CheckpointFormatError(f"cannot load checkpoint {config_file}: {err}") from None
    if meta.get("format") != PRETRAINED_FORMAT:
        raise CheckpointFormatError(f"{config_file}: format {meta.get('format')!r}, expected {PRETRAINED_FORMAT!r}")
    weights = path / PRETRAINED_WEIGHTS
    if not weights.is_file():
        raise CheckpointNotFoundError(f"checkpoint not found: {weights}")
    return ModelFiles(_config_of(meta["model_config"], config_file), _torch_load(weights, device), f"weights {weights}",
                      prior_config=_prior_config_of(meta.get("prior_config"), config_file))


def backbones_for(files: ModelFiles, device="cpu", clip_path=None) -> Backbones:
    """The text backbone the files name (``load_backbones``).

    Raises:
        BackboneUnavailableError: it cannot be loaded here (naming the file and the backbone).
    """
    try:
        return load_backbones(files.config, device, clip_path)
    except (ImportError, OSError, ValueError, RuntimeError) as err:
        raise BackboneUnavailableError(f"{files.source} needs the text backbone {files.config.text.backbone!r}, "
                                       f"which cannot be loaded here: {err}") from None


def read_resumable_checkpoint(path, device="cpu") -> dict:
    """The dict of a training checkpoint that a run can continue from (``--resume``).

    Raises:
        CheckpointNotFoundError, CheckpointFormatError: one line naming ``path`` and what it is (no
            file, a folder, unreadable, not a SMoG checkpoint, an export without optimizer state).
    """
    path = Path(path)
    if path.is_dir():
        if (path / PRETRAINED_CONFIG).is_file():
            raise CheckpointFormatError(f"{path} is a pretrained folder, an export without optimizer state: it cannot "
                                        "be resumed; use --init_from to fine-tune from it")
        raise CheckpointFormatError(f"{path} is a folder, not a training checkpoint file (checkpoint_XXXX.pth.tar)")
    ckpt = read_checkpoint(path, device)
    if ckpt.get("optimizer") is None or ckpt.get("scheduler") is None or ckpt.get("epoch") is None:
        exported = ckpt.get("extra", {}).get("exported_from") if isinstance(ckpt.get("extra"), dict) else None
        raise CheckpointFormatError(
            f"{path} is an exported model without optimizer state"
            + (f" (exported from {exported})" if exported else "")
            + ": it cannot be resumed; use --init_from to fine-tune from it, or --resume the training checkpoint")
    return ckpt


def load_checkpoint(path, model, device="cpu", strict: bool = True, ckpt: Optional[dict] = None) -> tuple:
    """Load a training checkpoint's weights into ``model`` (resuming a run).

    Args:
        path: a ``save_checkpoint`` file.
        ckpt: its dict when already read (``read_resumable_checkpoint``), so it is not read twice.
        model: the model to load into (its own config; the file's is used in the message only).
        strict: refuse any key mismatch (CheckpointMismatchError listing the keys); False loads
            what fits and warns with the same list.
    Returns:
        (model in eval mode, checkpoint dict).
    """
    files = read_model_files(path, device) if ckpt is None else ModelFiles(
        _config_of(ckpt["model_config"], Path(path)), ckpt["state_dict"], f"checkpoint {path}", ckpt,
        _prior_config_of(ckpt.get("prior_config"), Path(path)))
    if files.checkpoint is None:
        raise CheckpointFormatError(f"{path} is a pretrained folder, not a training checkpoint")
    load_state_dict_checked(model, files.state_dict, strict, source=files.source, saved_config=files.config)
    return model.to(device).eval(), files.checkpoint
