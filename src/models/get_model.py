"""The model registry shared by training, generation and evaluation.

    add_model_args(parser)              every model and loss option (original SMoG names kept)
    model_config_from_opt(opt)          parsed options -> flat, JSON-safe model config
    build_model(opt, stats)             a fresh SMoG from options and dataset statistics
    build_model_from_config(config)     the same from a saved config (no dataset needed)
    save_checkpoint / load_checkpoint   self-describing training checkpoints (format smog-ckpt-v1)
    save_pretrained / load_pretrained   a shipping directory: config.json + model.pt (optionally fp16)

A checkpoint rebuilds its model alone: ``model_config`` holds every constructor argument
(feature layout, sizes, KAN layout and options, text backbone name and widths, loss
weights), the weights hold the normalisation statistics, and the frozen text backbone is
reloaded by name. Loading is strict; a mismatch raises :class:`CheckpointMismatchError`
naming the missing, unexpected and mis-shaped keys.
"""

import argparse
import contextlib
import json
import warnings
from pathlib import Path
from typing import Optional

import numpy as np
import torch

from src import config as conventions
from src.models.architectures.blocks import (DEFAULT_KAN_LAYERS, KAN_DEFAULTS, LAYER_KINDS, PooledTextProjection,
                                             layer_kind, parse_kan_layers, skip_kan_init)
from src.models.architectures.text_transformer import TextTransformerEncoder
from src.models.architectures.transformer import MotionDecoder, MotionEncoder
from src.models.losses import RECONSTRUCTION_TERMS, SMoGLosses, parse_clip_losses
from src.models.modeltype.smog import LATENT_NORMS, SMoG, TEXT_CONDITIONINGS
from src.models.rotation2xyz import load_body_model
from src.utils import features as feature_utils
from src.utils.fileio import atomic_path

CHECKPOINT_FORMAT = "smog-ckpt-v1"
PRETRAINED_FORMAT = "smog-pretrained-v1"
PRETRAINED_CONFIG = "config.json"
PRETRAINED_WEIGHTS = "model.pt"
MODELTYPES = ("motionclip", "smog")
ARCHITECTURES = ("transformer",)
JOINTSTYPES = ("a2m", "a2mpl", "smpl", "vibe", "vertices")
DEFAULT_MODELNAME = "motionclip_transformer_rc_rcxyz_vel"


class CheckpointMismatchError(RuntimeError):
    """Weights that do not fit the model they are loaded into."""


# ------------------------------------------------------------------ options
def add_model_args(parser: argparse.ArgumentParser) -> None:
    """Add every model and loss option. Dataset options (--pose_rep, --glob, --glob_rot,
    --translation) are read from the same namespace but defined by the dataset parser."""
    model = parser.add_argument_group("model")
    model.add_argument("--modelname", default=DEFAULT_MODELNAME,
                       help="modeltype_architecture_losses, as the original: the losses listed (rc, rcxyz, vel, "
                            "velxyz) are the reconstruction terms switched on")
    model.add_argument("--latent_dim", type=int, default=256, help="latent and Transformer width (original 512)")
    model.add_argument("--num_layers", type=int, default=4, help="layers of the motion encoder and of the decoder "
                                                                  "(original 8)")
    model.add_argument("--ff_size", type=int, default=1024)
    model.add_argument("--num_heads", type=int, default=4)
    model.add_argument("--dropout", type=float, default=0.1)
    model.add_argument("--activation", default="gelu", choices=("gelu", "relu"))
    model.add_argument("--arch", default="kan", choices=LAYER_KINDS,
                       help="kan: KAN layers at the --kan_layers places (SMoG); linear: MotionCLIP")
    model.add_argument("--kan_layers", default=",".join(DEFAULT_KAN_LAYERS),
                       help="comma list, subset of embed,final,ffn (default: SMoG's embed,final)")
    model.add_argument("--kan_grid_size", type=int, default=KAN_DEFAULTS["grid_size"])
    model.add_argument("--kan_spline_order", type=int, default=KAN_DEFAULTS["spline_order"])
    model.add_argument("--kan_scale_noise", type=float, default=KAN_DEFAULTS["scale_noise"])
    model.add_argument("--kan_scale_base", type=float, default=KAN_DEFAULTS["scale_base"])
    model.add_argument("--kan_scale_spline", type=float, default=KAN_DEFAULTS["scale_spline"])
    model.add_argument("--kan_standalone_scale_spline", action=argparse.BooleanOptionalAction,
                       default=KAN_DEFAULTS["enable_standalone_scale_spline"])
    model.add_argument("--kan_base_activation", default=KAN_DEFAULTS["base_activation"],
                       choices=("silu", "gelu", "relu", "tanh"))
    model.add_argument("--kan_grid_eps", type=float, default=KAN_DEFAULTS["grid_eps"])
    model.add_argument("--kan_grid_range", type=float, nargs=2, default=list(KAN_DEFAULTS["grid_range"]),
                       metavar=("LOW", "HIGH"))
    model.add_argument("--variational", action=argparse.BooleanOptionalAction, default=False,
                       help="TEMOS-style encoders with mu/logvar, sampling and a KL term")
    model.add_argument("--latent_norm", default="layernorm", choices=LATENT_NORMS,
                       help="normalisation of motion and text latents before decoding (SMoG: layernorm)")
    model.add_argument("--duration_encoding", action=argparse.BooleanOptionalAction, default=True,
                       help="decoder queries also encode the motion's total length")
    model.add_argument("--num_memory_tokens", type=int, default=1,
                       help="memory tokens the decoder attends to, projected from the latent (1 = the latent)")
    model.add_argument("--text_backbone", default="minilm", choices=("minilm", "clip"),
                       help="frozen text model (never trained; stored by name)")
    model.add_argument("--clip_path", default=None,
                       help="local CLIP ViT-B/32 directory for --text_backbone clip and --clip_image_losses")
    model.add_argument("--text_conditioning", default="learned", choices=TEXT_CONDITIONINGS,
                       help="learned: decode from the trainable text encoder (TEMOS/TMR); frozen: from the "
                            "frozen pooled embedding (the original SMoG)")
    model.add_argument("--text_num_layers", type=int, default=4)
    model.add_argument("--text_ff_size", type=int, default=1024)
    model.add_argument("--text_num_heads", type=int, default=4)
    model.add_argument("--text_dropout", type=float, default=None,
                       help="dropout of the text encoder (default: --dropout); captions are few and short, so "
                            "it can stay on where the motion side trains without dropout")
    model.add_argument("--body_model", default="auto", choices=("auto", "builtin", "smpl", "smplh"),
                       help="forward kinematics for rcxyz/velxyz and joints (auto: SMPL file if present)")
    model.add_argument("--jointstype", default="vertices", choices=JOINTSTYPES,
                       help="points of the rcxyz/velxyz losses: vertices (SMPL vertices when a real SMPL "
                            "model is loaded, else the 22 joints); any other value: the 22 joints")
    model.add_argument("--vertstrans", action=argparse.BooleanOptionalAction, default=False,
                       help="include the root translation in the rcxyz/velxyz points (original default off)")

    losses = parser.add_argument_group("losses")
    for term, help_text in (("rc", "MSE on normalised features"), ("rcxyz", "MSE on forward-kinematics points"),
                            ("vel", "MSE on feature velocities"), ("velxyz", "MSE on point velocities")):
        losses.add_argument(f"--lambda_{term}", type=float, default=1.0,
                            help=f"{help_text} (on only when listed in --modelname)")
    losses.add_argument("--lambda_kl", type=float, default=1e-5, help="KL to N(0, I) (--variational)")
    losses.add_argument("--lambda_contrastive", type=float, default=0.1, help="text-motion InfoNCE")
    losses.add_argument("--lambda_latent", type=float, default=1.0, help="text-to-motion latent matching")
    losses.add_argument("--lambda_crossmodal", type=float, default=1.0,
                        help="factor on the reconstruction losses of the motion decoded from text")
    losses.add_argument("--lambda_kan_reg", type=float, default=0.0, help="KAN L1 + entropy regulariser")
    losses.add_argument("--lambda_fc", type=float, default=0.0,
                        help="foot contact: squared world speed (m/s) of the decoded feet where the input's feet "
                             "stand still (MDM's foot-contact loss); against gliding feet")
    losses.add_argument("--contrastive_temperature", type=float, default=0.07,
                        help="initial InfoNCE temperature (learnable, clamped at logit scale 100)")
    losses.add_argument("--latent_detach_motion", action=argparse.BooleanOptionalAction, default=True,
                        help="the latent-matching loss moves only the text latent")
    losses.add_argument("--clip_text_losses", default="cosine",
                        help="underscore-joined subset of mse, ce, cosine between the motion latent and the "
                             "frozen pooled text embedding ('' = off)")
    losses.add_argument("--clip_image_losses", default="",
                        help="underscore-joined subset of mse, ce, cosine between the motion latent and CLIP's "
                             "image embedding of a rendered frame (needs CLIP's weights, see --clip_path); '' = off")
    for kind in ("mse", "ce", "cosine"):
        losses.add_argument(f"--clip_lambda_{kind}", type=float, default=1.0)
    losses.add_argument("--clip_training", default="", help="'' = frozen text backbone (the only mode)")
    losses.add_argument("--clip_layers", type=int, default=12, help="accepted for compatibility (unused)")


def parse_modelname(modelname: str) -> tuple:
    """``motionclip_transformer_rc_rcxyz_vel`` -> ("motionclip", "transformer", ("rc", "rcxyz", "vel"))."""
    parts = modelname.split("_")
    if len(parts) < 3 or parts[0] not in MODELTYPES or parts[1] not in ARCHITECTURES:
        raise ValueError(f"--modelname {modelname!r}: expected <{'|'.join(MODELTYPES)}>_<{'|'.join(ARCHITECTURES)}>"
                         f"_<losses>, e.g. {DEFAULT_MODELNAME}")
    terms = tuple(parts[2:])
    unknown = sorted(set(terms) - set(RECONSTRUCTION_TERMS))
    if unknown:
        raise ValueError(f"--modelname {modelname!r}: unknown loss(es) {unknown}; choose from {list(RECONSTRUCTION_TERMS)}")
    return parts[0], parts[1], terms


def _defaults() -> dict:
    parser = argparse.ArgumentParser(add_help=False)
    add_model_args(parser)
    return vars(parser.parse_args([]))


def model_config_from_opt(opt) -> dict:
    """Parsed options (Namespace or dict; missing model options take their defaults) -> model config.

    The text widths (``text_dim``, ``text_token_dim``), the image width (``image_dim``, with
    ``--clip_image_losses``) and ``fps`` are filled in by ``build_model``.
    """
    opt = dict(vars(opt) if isinstance(opt, argparse.Namespace) else opt)
    o = {**_defaults(), **{k: v for k, v in opt.items() if v is not None or k == "clip_path"}}
    if o["clip_training"]:
        raise ValueError(f"--clip_training {o['clip_training']!r}: the text backbone is always frozen here; "
                         "the trainable part is the text encoder (--text_conditioning learned)")
    _, _, terms = parse_modelname(o["modelname"])
    pose_rep = opt.get("pose_rep", "rot6d")
    translation = bool(opt.get("translation", True))
    njoints, nfeats = feature_utils.feature_shape(pose_rep, translation)
    arch, kan_layers = o["arch"], list(parse_kan_layers(o["kan_layers"]))
    layer_kind(arch, kan_layers, "embed")  # validates --arch
    if o["latent_dim"] % 2 or o["latent_dim"] % o["num_heads"]:
        raise ValueError(f"--latent_dim {o['latent_dim']} must be even and divisible by --num_heads {o['num_heads']}")
    glob_rot = opt.get("glob_rot")
    return {
        "modeltype": "smog",
        "modelname": o["modelname"],
        "pose_rep": pose_rep,
        "translation": translation,
        "glob": bool(opt.get("glob", True)),
        "glob_rot": None if glob_rot is None else [float(v) for v in glob_rot],
        "njoints": njoints,
        "nfeats": nfeats,
        "fps": opt.get("fps"),
        "latent_dim": o["latent_dim"],
        "ff_size": o["ff_size"],
        "num_layers": o["num_layers"],
        "num_heads": o["num_heads"],
        "dropout": o["dropout"],
        "activation": o["activation"],
        "arch": arch,
        "kan_layers": kan_layers,
        "kan_kwargs": {
            "grid_size": o["kan_grid_size"], "spline_order": o["kan_spline_order"],
            "scale_noise": o["kan_scale_noise"], "scale_base": o["kan_scale_base"],
            "scale_spline": o["kan_scale_spline"],
            "enable_standalone_scale_spline": bool(o["kan_standalone_scale_spline"]),
            "base_activation": o["kan_base_activation"], "grid_eps": o["kan_grid_eps"],
            "grid_range": [float(v) for v in o["kan_grid_range"]],
        },
        "variational": bool(o["variational"]),
        "logvar_head": True,  # configs without the key (older checkpoints) read sigma without it
        "latent_norm": o["latent_norm"],
        "duration_encoding": bool(o["duration_encoding"]),
        "num_memory_tokens": o["num_memory_tokens"],
        "text_backbone": o["text_backbone"],
        "text_dim": opt.get("text_dim"),
        "text_token_dim": opt.get("text_token_dim"),
        "image_dim": opt.get("image_dim"),
        "text_conditioning": o["text_conditioning"],
        "text_num_layers": o["text_num_layers"],
        "text_ff_size": o["text_ff_size"],
        "text_num_heads": o["text_num_heads"],
        "text_dropout": o["dropout"] if o.get("text_dropout") is None else o["text_dropout"],
        "body_model": o["body_model"],
        "jointstype": o["jointstype"],
        "vertstrans": bool(o["vertstrans"]),
        "losses": {
            **{f"lambda_{t}": float(o[f"lambda_{t}"]) if t in terms else 0.0 for t in RECONSTRUCTION_TERMS},
            "lambda_kl": float(o["lambda_kl"]) if o["variational"] else 0.0,
            "lambda_contrastive": float(o["lambda_contrastive"]),
            "lambda_latent": float(o["lambda_latent"]),
            "lambda_crossmodal": float(o["lambda_crossmodal"]),
            "lambda_kan_reg": float(o["lambda_kan_reg"]) if arch == "kan" and kan_layers else 0.0,
            "lambda_fc": float(o["lambda_fc"]),
            "clip_text_losses": list(parse_clip_losses(o["clip_text_losses"])),
            "clip_image_losses": list(parse_clip_losses(o["clip_image_losses"])),
            "clip_lambda_cosine": float(o["clip_lambda_cosine"]),
            "clip_lambda_ce": float(o["clip_lambda_ce"]),
            "clip_lambda_mse": float(o["clip_lambda_mse"]),
            "temperature": float(o["contrastive_temperature"]),
            "detach_motion_latent": bool(o["latent_detach_motion"]),
        },
    }


# ------------------------------------------------------------------ building
def _stats_tensors(stats) -> tuple:
    """Dataset statistics ({"mean", "std"} dict, object with .mean/.std, (mean, std) or None)
    -> (mean, std) float32 tensors or (None, None)."""
    if stats is None:
        return None, None
    if isinstance(stats, dict):
        mean, std = stats["mean"], stats["std"]
    elif isinstance(stats, (tuple, list)):
        mean, std = stats
    else:
        mean, std = stats.mean, stats.std
    as_tensor = lambda a: torch.as_tensor(np.asarray(a) if not torch.is_tensor(a) else a, dtype=torch.float32)
    return as_tensor(mean), as_tensor(std)


def _build_for_loading(model_config: dict, text_backbone, device, strict: bool) -> SMoG:
    """A model whose weights are loaded next: with ``strict`` every weight will be overwritten (or
    loading fails), so the KAN layers skip their least-squares initialisation."""
    with skip_kan_init() if strict else contextlib.nullcontext():
        return build_model_from_config(model_config, None, text_backbone, device)


def _image_backbone_for(cfg: dict, image_backbone, clip_path, device):
    """With ``--clip_image_losses``: the CLIP image tower (``image_backbone``, else loaded from
    ``clip_path`` or the default places); None without image losses."""
    if not cfg["losses"].get("clip_image_losses") or image_backbone is not None:
        return image_backbone
    from src.models.image_encoders import load_clip_image

    return load_clip_image(device=device, clip_path=clip_path)


def build_model_from_config(model_config: dict, stats=None, text_backbone=None, device="cpu",
                            body_model=None, image_backbone=None) -> SMoG:
    """A SMoG from a model config (``model_config_from_opt``, or a checkpoint's ``model_config``).

    Args:
        model_config: the flat config; ``text_dim``/``text_token_dim`` may be None only when
            ``text_backbone`` is given (they are then read from it).
        stats: feature mean/std (see ``_stats_tensors``); None when weights will be loaded.
        text_backbone: frozen backbone to attach (default: loaded by name on first use).
        device: where the model is put.
        body_model: forward-kinematics module (default ``load_body_model(config["body_model"])``
            for rotation features).
        image_backbone: CLIP image tower for ``clip_image_losses`` (default: loaded on first use);
            gives ``image_dim`` when the config lacks it.
    """
    cfg = dict(model_config)
    if cfg["losses"].get("clip_image_losses") and cfg.get("image_dim") is None:
        if image_backbone is None:
            raise ValueError("model config has no image width; pass the image backbone to read it from")
        cfg["image_dim"] = int(image_backbone.dim)
    if cfg.get("text_dim") is None or cfg.get("text_token_dim") is None:
        if text_backbone is None:
            raise ValueError("model config has no text widths; pass the text backbone to read them from")
        cfg["text_dim"], cfg["text_token_dim"] = int(text_backbone.dim), int(text_backbone.token_dim)
    if cfg.get("fps") is None:
        cfg["fps"] = conventions.SMOG_FPS
    input_dim = cfg["njoints"] * cfg["nfeats"]
    kinds = {place: layer_kind(cfg["arch"], cfg["kan_layers"], place) for place in ("embed", "final", "ffn")}
    shared = dict(latent_dim=cfg["latent_dim"], ff_size=cfg["ff_size"], num_layers=cfg["num_layers"],
                  num_heads=cfg["num_heads"], dropout=cfg["dropout"], activation=cfg["activation"],
                  ffn_kind=kinds["ffn"], kan_kwargs=cfg["kan_kwargs"])
    logvar_head = bool(cfg.get("logvar_head", False))
    encoder = MotionEncoder(input_dim, variational=cfg["variational"], embed_kind=kinds["embed"],
                            logvar_head=logvar_head, **shared)
    decoder = MotionDecoder(input_dim, final_kind=kinds["final"], duration_encoding=cfg["duration_encoding"],
                            num_memory_tokens=cfg["num_memory_tokens"], **shared)
    if cfg["text_conditioning"] == "learned":
        text_encoder = TextTransformerEncoder(cfg["text_token_dim"], cfg["latent_dim"], cfg["text_ff_size"],
                                              cfg["text_num_layers"], cfg["text_num_heads"],
                                              cfg.get("text_dropout", cfg["dropout"]),  # older configs: one dropout
                                              cfg["activation"], cfg["variational"], logvar_head)
    else:
        text_encoder = PooledTextProjection(cfg["text_dim"], cfg["latent_dim"])
    losses = SMoGLosses(**cfg["losses"], latent_dim=cfg["latent_dim"], text_dim=cfg["text_dim"],
                        image_dim=cfg.get("image_dim"))
    if body_model is None and cfg["pose_rep"] != "xyz":
        body_model = load_body_model(cfg["body_model"])
    mean, std = _stats_tensors(stats)
    model = SMoG(encoder, decoder, text_encoder, losses, cfg, mean, std, body_model, text_backbone, image_backbone)
    return model.to(device)


def build_model(opt_dict, stats, text_backbone=None, device="cpu", image_backbone=None) -> SMoG:
    """A fresh SMoG from parsed training options and the training set's feature statistics.

    Args:
        opt_dict: options (dict or Namespace) from a parser with ``add_model_args`` and the
            dataset options (``pose_rep``, ``translation``, ``glob``, ``glob_rot``; ``fps``
            when known, else 30).
        stats: {"mean": (J, C), "std": (J, C)} (tensors or arrays; ``fps`` read from it when present).
        text_backbone: frozen backbone (default: ``get_text_backbone(--text_backbone)``).
        device: where the model (and a backbone loaded here) is put.
        image_backbone: CLIP image tower for ``--clip_image_losses`` (default: ``load_clip_image``
            from ``--clip_path`` or the default places).
    """
    opt = dict(vars(opt_dict) if isinstance(opt_dict, argparse.Namespace) else opt_dict)
    cfg = model_config_from_opt(opt)
    if cfg["fps"] is None and isinstance(stats, dict) and stats.get("fps") is not None:
        cfg["fps"] = float(stats["fps"])
    if text_backbone is None:
        from src.models.text_encoders import get_text_backbone

        text_backbone = get_text_backbone(cfg["text_backbone"], device=device, clip_path=opt.get("clip_path"))
    image_backbone = _image_backbone_for(cfg, image_backbone, opt.get("clip_path"), device)
    return build_model_from_config(cfg, stats, text_backbone, device, image_backbone=image_backbone)


# Options of the command line that a fine-tuning run (``--init_from``) takes over from the
# checkpoint's config: training choices that no weight's shape depends on.
FINETUNE_OPTIONS = ("losses", "dropout", "text_dropout")


def build_model_from_init(path, opt_dict, device="cpu", text_backbone=None) -> SMoG:
    """The starting model of a fine-tuning run (``--init_from``).

    The architecture, feature statistics and weights come from ``path`` (a checkpoint or a
    ``save_pretrained`` directory); the loss weights and dropouts come from ``opt_dict``, so a
    run can, e.g., train the text side with other weights. Any other model option of
    ``opt_dict`` is ignored (the checkpoint's config is what the weights fit).

    Raises:
        CheckpointMismatchError: the options ask for loss modules the checkpoint lacks (e.g.
            another ``--clip_text_losses`` head).
    """
    start = load_pretrained(path, device=device, text_backbone=text_backbone, strict=True)
    options = dict(vars(opt_dict) if isinstance(opt_dict, argparse.Namespace) else opt_dict)
    # Loss weights that depend on the architecture (KL, KAN regulariser) follow the checkpoint's.
    architecture = ("pose_rep", "translation", "glob", "glob_rot", "fps", "variational", "arch", "kan_layers",
                    "latent_dim", "num_heads")
    wanted = model_config_from_opt({**options, **{k: start.config[k] for k in architecture}})
    cfg = dict(start.config)
    cfg.update({key: wanted[key] for key in FINETUNE_OPTIONS})
    image_backbone = _image_backbone_for(cfg, None, options.get("clip_path"), device)
    with skip_kan_init():
        model = build_model_from_config(cfg, (start.mean, start.std), start._text_backbone, device,
                                        image_backbone=image_backbone)
    load_state_dict_checked(model, start.state_dict(), strict=True, source=f"--init_from {path}",
                            saved_config=start.config)
    return model


# ------------------------------------------------------------------ strict loading
def state_dict_differences(model: torch.nn.Module, state_dict: dict) -> tuple:
    """-> (missing keys, unexpected keys, [(key, checkpoint shape, model shape)])."""
    own = model.state_dict()
    missing = sorted(set(own) - set(state_dict))
    unexpected = sorted(set(state_dict) - set(own))
    mismatched = [(k, tuple(state_dict[k].shape), tuple(own[k].shape)) for k in sorted(set(own) & set(state_dict))
                  if tuple(state_dict[k].shape) != tuple(own[k].shape)]
    return missing, unexpected, mismatched


def _config_differences(saved: Optional[dict], current: Optional[dict]) -> list:
    if not saved or not current:
        return []
    keys = sorted(set(saved) | set(current))
    return [f"{k}: checkpoint {saved.get(k)!r} vs model {current.get(k)!r}" for k in keys
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
                            source: str = "checkpoint", saved_config: Optional[dict] = None) -> None:
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


# ------------------------------------------------------------------ checkpoints
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


def save_checkpoint(path, model: SMoG, optimizer=None, scheduler=None, epoch: Optional[int] = None,
                    opt=None, extra: Optional[dict] = None) -> Path:
    """Write a self-describing training checkpoint atomically.

    Contents: ``format`` ("smog-ckpt-v1"), ``model_config``, ``state_dict``, ``stats``
    ({"mean", "std"} (J, C)), ``optimizer``, ``scheduler`` (state dicts or None), ``epoch``,
    ``opt`` (all training options), ``seed`` (``opt["seed"]``), ``torch_version``, ``extra``.
    """
    opt = _plain(dict(vars(opt) if isinstance(opt, argparse.Namespace) else (opt or {})))
    ckpt = {
        "format": CHECKPOINT_FORMAT,
        "model_config": _plain(model.config),
        "state_dict": model.state_dict(),
        "stats": {"mean": model.mean.detach().cpu().clone(), "std": model.std.detach().cpu().clone()},
        "optimizer": optimizer.state_dict() if optimizer is not None else None,
        "scheduler": scheduler.state_dict() if scheduler is not None else None,
        "epoch": epoch,
        "opt": opt,
        "seed": opt.get("seed"),
        "torch_version": str(torch.__version__),
        "extra": _plain(extra or {}),
    }
    path = Path(path)
    with atomic_path(path) as tmp:
        torch.save(ckpt, tmp)
    return path


def _read_checkpoint(path: Path, device) -> dict:
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint not found: {path}")
    ckpt = torch.load(path, map_location=device, weights_only=True)
    if not isinstance(ckpt, dict) or ckpt.get("format") != CHECKPOINT_FORMAT:
        found = ckpt.get("format") if isinstance(ckpt, dict) else type(ckpt).__name__
        raise ValueError(f"{path} is not a SMoG checkpoint of format {CHECKPOINT_FORMAT!r} (found {found!r}). "
                         "Bare state dicts (as the original SMoG wrote) carry no model config and cannot be "
                         "rebuilt; retrain, or build the model from its options and use load_state_dict_checked.")
    return ckpt


def load_checkpoint(path, device="cpu", strict: bool = True, text_backbone=None, model: Optional[SMoG] = None):
    """Rebuild the model of a training checkpoint (or load its weights into ``model``).

    Args:
        path: a ``save_checkpoint`` file.
        device: where tensors and the model go.
        strict: refuse any key mismatch (CheckpointMismatchError listing the keys); False loads
            what fits and warns with the same list.
        text_backbone: frozen backbone to attach (default: loaded by name on first use).
        model: load into this model instead of building one from the checkpoint's config.
    Returns:
        (model in eval mode, checkpoint dict).
    """
    path = Path(path)
    ckpt = _read_checkpoint(path, device)
    if model is None:
        model = _build_for_loading(ckpt["model_config"], text_backbone, device, strict)
    load_state_dict_checked(model, ckpt["state_dict"], strict, source=f"checkpoint {path}",
                            saved_config=ckpt["model_config"])
    return model.to(device).eval(), ckpt


# ------------------------------------------------------------------ pretrained directories
def save_pretrained(model: SMoG, directory, half: bool = False) -> Path:
    """Write ``config.json`` (format, model config, weight dtype, torch version) and ``model.pt``
    (state dict; with ``half`` the floating *parameters* are float16, buffers stay float32)."""
    directory = Path(directory)
    params = {name for name, _ in model.named_parameters()}
    state = {k: (v.detach().half() if half and k in params and v.is_floating_point() else v.detach()).cpu().clone()
             for k, v in model.state_dict().items()}
    meta = {"format": PRETRAINED_FORMAT, "model_config": _plain(model.config),
            "dtype": "float16" if half else "float32", "torch_version": str(torch.__version__)}
    with atomic_path(directory / PRETRAINED_WEIGHTS) as tmp:
        torch.save(state, tmp)
    with atomic_path(directory / PRETRAINED_CONFIG) as tmp:
        tmp.write_text(json.dumps(meta, indent=2, sort_keys=True), encoding="utf-8")
    return directory


def load_pretrained(path, device="cpu", text_backbone=None, strict: bool = True) -> SMoG:
    """A float32 model in eval mode from a ``save_pretrained`` directory or a checkpoint file."""
    path = Path(path)
    if path.is_file():
        return load_checkpoint(path, device, strict, text_backbone)[0]
    config_file = path / PRETRAINED_CONFIG
    if not config_file.is_file():
        raise FileNotFoundError(f"{path}: neither a checkpoint file nor a directory with {PRETRAINED_CONFIG}")
    meta = json.loads(config_file.read_text(encoding="utf-8"))
    if meta.get("format") != PRETRAINED_FORMAT:
        raise ValueError(f"{config_file}: format {meta.get('format')!r}, expected {PRETRAINED_FORMAT!r}")
    model = _build_for_loading(meta["model_config"], text_backbone, device, strict)
    state = torch.load(path / PRETRAINED_WEIGHTS, map_location=device, weights_only=True)
    load_state_dict_checked(model, state, strict, source=f"weights {path / PRETRAINED_WEIGHTS}",
                            saved_config=meta["model_config"])
    return model.float().eval()
