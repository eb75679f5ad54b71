"""The one model configuration: every size, KAN, text, body and loss setting, its default and its check.

A ``ModelConfig`` is what a model is built from (``src.models.factory.build_model``) and what is
saved with its weights (``to_dict``); ``from_dict`` reads it back, and also reads the flat dicts
that checkpoints written before this module hold (``exps/smog_builtin``). Command-line options are
generated from the fields' metadata by ``src.parser.model``:

    metadata = option(name, help, choices=..., option_default=...)

A field without that metadata is derived (feature layout from the dataset options, widths read
from the backbones). Adding a model option = one field here plus its test. No torch here, so
parsing a command's arguments stays fast.
"""

import dataclasses
import warnings
from dataclasses import dataclass, field
from typing import Any, List, Mapping, Optional, Tuple

from src.errors import BadInputError

CONFIG_VERSION = 2  # 1: the flat dicts of get_model.model_config_from_opt (read by from_dict)
MODELTYPES = ("motionclip", "smog")
ARCHITECTURES = ("transformer",)
DEFAULT_MODELNAME = "motionclip_transformer_rc_rcxyz_vel"
RECONSTRUCTION_TERMS = ("rc", "rcxyz", "vel", "velxyz")
CLIP_LOSS_KINDS = ("cosine", "ce", "mse")
LAYER_KINDS = ("linear", "kan")
KAN_PLACES = ("embed", "final", "ffn")  # where --kan_layers may put KAN layers
LATENT_NORMS = ("layernorm", "l2", "none")
TEXT_CONDITIONINGS = ("learned", "frozen")
DECODERS = ("cross", "modulated")
JOINTSTYPES = ("a2m", "a2mpl", "smpl", "vibe", "vertices")


def option(name: str, help: str = "", option_default: Any = dataclasses.MISSING, **argparse_kwargs) -> dict:
    """CLI metadata of a config field (read by ``src.parser.model``).

    Args:
        name: the option, e.g. ``"--latent_dim"``.
        help: its help text.
        option_default: the option's default when it differs from the field's (a loss weight that
            only counts when ``--modelname`` lists its term).
        argparse_kwargs: ``choices``, ``nargs``, ``metavar``, ``flag`` (True: ``--x/--no-x``).
    """
    return {"cli": {"name": name, "help": help, "option_default": option_default, **argparse_kwargs}}


def parse_kan_layers(spec) -> tuple:
    """``"embed,final"`` (or a list) -> ("embed", "final"), in KAN_PLACES order; ``""`` -> ()."""
    names = [s.strip() for s in spec.split(",") if s.strip()] if isinstance(spec, str) else list(spec or ())
    unknown = sorted(set(names) - set(KAN_PLACES))
    if unknown:
        raise BadInputError(f"--kan_layers: unknown place(s) {unknown}; choose from {list(KAN_PLACES)}")
    return tuple(p for p in KAN_PLACES if p in names)


def parse_clip_losses(spec) -> tuple:
    """``"cosine_ce"`` (or a list) -> ("cosine", "ce"); ``""`` / None -> ()."""
    if spec is None:
        return ()
    names = [s for s in spec.split("_") if s] if isinstance(spec, str) else list(spec)
    unknown = sorted(set(names) - set(CLIP_LOSS_KINDS))
    if unknown:
        raise BadInputError(f"clip losses: unknown kind(s) {unknown}; use an underscore-joined subset of "
                            f"{list(CLIP_LOSS_KINDS)}")
    return tuple(k for k in CLIP_LOSS_KINDS if k in names)


def parse_modelname(modelname: str) -> tuple:
    """``motionclip_transformer_rc_rcxyz_vel`` -> ("motionclip", "transformer", ("rc", "rcxyz", "vel")).

    The modeltype and architecture parts are accepted and ignored (there is one model); they are
    checked only so that the original command lines keep their meaning. The losses part switches
    the reconstruction terms on.
    """
    parts = modelname.split("_")
    if len(parts) < 3 or parts[0] not in MODELTYPES or parts[1] not in ARCHITECTURES:
        raise BadInputError(f"--modelname {modelname!r}: expected <{'|'.join(MODELTYPES)}>_"
                            f"<{'|'.join(ARCHITECTURES)}>_<losses>, e.g. {DEFAULT_MODELNAME}")
    terms = tuple(parts[2:])
    unknown = sorted(set(terms) - set(RECONSTRUCTION_TERMS))
    if unknown:
        raise BadInputError(f"--modelname {modelname!r}: unknown loss(es) {unknown}; choose from "
                            f"{list(RECONSTRUCTION_TERMS)}")
    return parts[0], parts[1], terms


def _check_choice(name: str, value, choices) -> None:
    if value not in choices:
        raise BadInputError(f"{name} {value!r}: choose one of {list(choices)}")


@dataclass
class FeatureConfig:
    """Feature layout, set by the dataset options (``src.parser.dataset``); fps from the data; how
    decoded features become motion (``foot_lock``)."""

    pose_rep: str = "rot6d"
    translation: bool = True
    glob: bool = True
    glob_rot: Optional[List[float]] = None
    fps: Optional[float] = None  # filled by the factory (src.config.SMOG_FPS) when the data gives none
    foot_lock: bool = field(default=False, metadata=option(
        "--foot_lock", "with --pose_rep hml: decode motions with a foot lock by default (the root moves so that "
        "feet the contact channels call planted stay put: slips up to 0.5 m/s fully, none from 1 m/s, where a "
        "slip is a glide the decoder drew); saved with the weights, the generation and evaluation commands "
        "override it with --foot_lock/--no-foot_lock; training losses never use it", flag=True))


@dataclass
class SizeConfig:
    """Motion encoder/decoder (Transformer) sizes and latent handling."""

    latent_dim: int = field(default=256, metadata=option("--latent_dim", "latent and Transformer width (original 512)"))
    num_layers: int = field(default=4, metadata=option("--num_layers", "layers of the motion encoder and of the "
                                                                       "decoder (original 8)"))
    ff_size: int = field(default=1024, metadata=option("--ff_size"))
    num_heads: int = field(default=4, metadata=option("--num_heads"))
    dropout: float = field(default=0.1, metadata=option("--dropout"))
    activation: str = field(default="gelu", metadata=option("--activation", choices=("gelu", "relu")))
    variational: bool = field(default=False, metadata=option(
        "--variational", "TEMOS-style encoders with mu/logvar, sampling and a KL term", flag=True))
    latent_norm: str = field(default="layernorm", metadata=option(
        "--latent_norm", "normalisation of motion and text latents before decoding (SMoG: layernorm)",
        choices=LATENT_NORMS))
    duration_encoding: bool = field(default=True, metadata=option(
        "--duration_encoding", "decoder queries also encode the motion's total length", flag=True))
    num_memory_tokens: int = field(default=1, metadata=option(
        "--num_memory_tokens", "memory tokens the decoder attends to, projected from the latent (1 = the latent)"))
    decoder: str = field(default="cross", metadata=option(
        "--decoder", "cross: the latent reaches the frames by cross-attention only (MotionCLIP/ACTOR); "
        "modulated: it is also added to every query and modulates every layer's LayerNorm "
        "(src/models/architectures/modulated.py)", choices=DECODERS))
    decoder_skips: bool = field(default=False, metadata=option(
        "--decoder_skips", "long skip connections between the decoder's first and last layers (MLD; "
        "--decoder modulated only)", flag=True))
    decoder_fourier: int = field(default=0, metadata=option(
        "--decoder_fourier", "K > 0: the latent also gives each decoder query sinusoids of K frequencies "
        "(0.25 Hz apart), so a gait's phase is linear in the latent (--decoder modulated only; "
        "src/models/architectures/fourier.py); with --init_from it is added to the trained decoder, starting "
        "as no change"))
    logvar_head: bool = True  # False only in checkpoints from before the head (sigma read directly)


@dataclass
class KANConfig:
    """Where KAN layers go and the ``KANLayer`` options (its constructor has no defaults of its own here)."""

    arch: str = field(default="kan", metadata=option(
        "--arch", "kan: KAN layers at the --kan_layers places (SMoG); linear: MotionCLIP", choices=LAYER_KINDS))
    layers: Tuple[str, ...] = field(default=("embed", "final"), metadata=option(
        "--kan_layers", "comma list, subset of embed,final,ffn (default: SMoG's embed,final)"))
    grid_size: int = field(default=5, metadata=option("--kan_grid_size"))
    spline_order: int = field(default=3, metadata=option("--kan_spline_order"))
    scale_noise: float = field(default=0.1, metadata=option("--kan_scale_noise"))
    scale_base: float = field(default=1.0, metadata=option("--kan_scale_base"))
    scale_spline: float = field(default=1.0, metadata=option("--kan_scale_spline"))
    enable_standalone_scale_spline: bool = field(default=True, metadata=option(
        "--kan_standalone_scale_spline", flag=True))
    base_activation: str = field(default="silu", metadata=option(
        "--kan_base_activation", choices=("silu", "gelu", "relu", "tanh")))
    grid_eps: float = field(default=0.02, metadata=option("--kan_grid_eps"))
    grid_range: Tuple[float, float] = field(default=(-1.0, 1.0), metadata=option(
        "--kan_grid_range", nargs=2, metavar=("LOW", "HIGH")))

    def layer_options(self) -> dict:
        """Keyword arguments of ``KANLayer`` (the activation by name; ``blocks`` resolves it)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name not in ("arch", "layers")}

    def kind(self, place: str) -> str:
        """"kan" or "linear" for a place of ``KAN_PLACES``."""
        return "kan" if self.arch == "kan" and place in self.layers else "linear"


@dataclass
class TextConfig:
    """The frozen text backbone (by name) and the trainable text encoder on top of it."""

    backbone: str = field(default="minilm", metadata=option(
        "--text_backbone", "frozen text model (never trained; stored by name)", choices=("minilm", "clip")))
    conditioning: str = field(default="learned", metadata=option(
        "--text_conditioning", "learned: decode from the trainable text encoder (TEMOS/TMR); frozen: from the "
        "frozen pooled embedding (the original SMoG)", choices=TEXT_CONDITIONINGS))
    num_layers: int = field(default=4, metadata=option("--text_num_layers"))
    ff_size: int = field(default=1024, metadata=option("--text_ff_size"))
    num_heads: int = field(default=4, metadata=option("--text_num_heads"))
    dropout: Optional[float] = field(default=None, metadata=option(
        "--text_dropout", "dropout of the text encoder (default: --dropout); captions are few and short, so it "
        "can stay on where the motion side trains without dropout", type=float))
    dim: Optional[int] = None  # pooled embedding width, read from the backbone by the factory
    token_dim: Optional[int] = None  # token feature width, read from the backbone by the factory


@dataclass
class BodyConfig:
    """Forward kinematics and the points of the rcxyz/velxyz losses."""

    body_model: str = field(default="auto", metadata=option(
        "--body_model", "forward kinematics for rcxyz/velxyz and joints (auto: SMPL file if present)",
        choices=("auto", "builtin", "smpl", "smplh")))
    jointstype: str = field(default="vertices", metadata=option(
        "--jointstype", "points of the rcxyz/velxyz losses: vertices (SMPL vertices when a real SMPL model is "
        "loaded, else the 22 joints); any other value: the 22 joints", choices=JOINTSTYPES))
    vertstrans: bool = field(default=False, metadata=option(
        "--vertstrans", "include the root translation in the rcxyz/velxyz points (original default off)", flag=True))


def _recon_help(what: str) -> str:
    return f"{what} (on only when listed in --modelname)"


@dataclass
class LossConfig:
    """Loss weights as the loss module uses them: a term that is off has weight 0 (``from_options``
    applies ``--modelname``'s terms, ``--variational`` to ``kl`` and the KAN layout to ``kan_reg``)."""

    lambda_rc: float = field(default=1.0, metadata=option("--lambda_rc", _recon_help("MSE on normalised features")))
    lambda_rcxyz: float = field(default=1.0, metadata=option(
        "--lambda_rcxyz", _recon_help("MSE on forward-kinematics points")))
    lambda_vel: float = field(default=1.0, metadata=option("--lambda_vel", _recon_help("MSE on feature velocities")))
    lambda_velxyz: float = field(default=0.0, metadata=option(
        "--lambda_velxyz", _recon_help("MSE on point velocities"), option_default=1.0))
    lambda_kl: float = field(default=0.0, metadata=option(
        "--lambda_kl", "KL to N(0, I) (--variational)", option_default=1e-5))
    lambda_contrastive: float = field(default=0.1, metadata=option("--lambda_contrastive", "text-motion InfoNCE"))
    lambda_latent: float = field(default=1.0, metadata=option("--lambda_latent", "text-to-motion latent matching"))
    lambda_crossmodal: float = field(default=1.0, metadata=option(
        "--lambda_crossmodal", "factor on the reconstruction losses of the motion decoded from text"))
    lambda_kan_reg: float = field(default=0.0, metadata=option("--lambda_kan_reg", "KAN L1 + entropy regulariser"))
    lambda_fc: float = field(default=0.0, metadata=option(
        "--lambda_fc", "foot contact: squared world speed (m/s) of the decoded feet where the input's feet stand "
        "still (MDM's foot-contact loss); against gliding feet"))
    lambda_tie: float = field(default=0.0, metadata=option(
        "--lambda_tie", "--pose_rep hml: squared distance (m^2) between the decoded joint channels and the "
        "forward kinematics of the decoded rotations, so that exports (rotations) show what the joint "
        "losses shaped"))
    lambda_spectral: float = field(default=0.0, metadata=option(
        "--lambda_spectral", "oscillation without phase: squared difference (m^2) between the temporal amplitude "
        "spectra of the decoded and input points, relative to their centroid; a clap or wave whose timing the "
        "latent does not pin down then still swings, where the position losses alone average it flat"))
    lambda_relpose: float = field(default=0.0, metadata=option(
        "--lambda_relpose", "each window's own motion sets its scale: squared error of the decoded points relative "
        "to the root, over the input's motion energy (its points' squared deviation from their mean pose, floored "
        "at RELPOSE_FLOOR_M); a clap's wrists then weigh as much as a walk's legs, where the position and feature "
        "losses let a small limb's swing average flat"))
    temperature: float = field(default=0.07, metadata=option(
        "--contrastive_temperature", "initial InfoNCE temperature (learnable, clamped at logit scale 100)"))
    crossmodal_trains_decoder: bool = field(default=True, metadata=option(
        "--crossmodal_trains_decoder", "the cross-modal reconstruction terms (the motion decoded from the text "
        "latent) also train the decoder; with --no-crossmodal_trains_decoder they train the text side only and the "
        "decoder learns from motion latents alone (a decoder also fitted to the text latent, which lies among its "
        "caption's motion latents, is pulled to their average: gaits lose their phase)", flag=True))
    detach_motion_latent: bool = field(default=True, metadata=option(
        "--latent_detach_motion", "the latent-matching loss moves only the text latent", flag=True))
    clip_text_losses: Tuple[str, ...] = field(default=("cosine",), metadata=option(
        "--clip_text_losses", "underscore-joined subset of mse, ce, cosine between the motion latent and the "
        "frozen pooled text embedding ('' = off)"))
    clip_image_losses: Tuple[str, ...] = field(default=(), metadata=option(
        "--clip_image_losses", "underscore-joined subset of mse, ce, cosine between the motion latent and CLIP's "
        "image embedding of a rendered frame (needs CLIP's weights, see --clip_path); '' = off"))
    clip_lambda_mse: float = field(default=1.0, metadata=option("--clip_lambda_mse"))
    clip_lambda_ce: float = field(default=1.0, metadata=option("--clip_lambda_ce"))
    clip_lambda_cosine: float = field(default=1.0, metadata=option("--clip_lambda_cosine"))
    image_dim: Optional[int] = None  # CLIP image embedding width, read from the image tower by the factory


# Options that are no config field: read by from_options or by the commands.
MODELNAME_OPTION = option(
    "--modelname", "modeltype_architecture_losses, as the original: the modeltype and architecture parts are "
    "accepted and ignored (one model); the losses listed (rc, rcxyz, vel, velxyz) are the reconstruction terms "
    "switched on", option_default=DEFAULT_MODELNAME)["cli"]


@dataclass
class ModelConfig:
    """Everything a SMoG model is built from; saved with its weights.

    Args:
        modelname: the original ``--modelname`` (its losses part made the loss weights).
        features, sizes, kan, text, body, losses: the groups above.
    """

    modelname: str = DEFAULT_MODELNAME
    features: FeatureConfig = field(default_factory=FeatureConfig)
    sizes: SizeConfig = field(default_factory=SizeConfig)
    kan: KANConfig = field(default_factory=KANConfig)
    text: TextConfig = field(default_factory=TextConfig)
    body: BodyConfig = field(default_factory=BodyConfig)
    losses: LossConfig = field(default_factory=LossConfig)

    def __post_init__(self):
        self.kan.layers = parse_kan_layers(self.kan.layers)
        self.kan.grid_range = tuple(float(v) for v in self.kan.grid_range)
        self.losses.clip_text_losses = parse_clip_losses(self.losses.clip_text_losses)
        self.losses.clip_image_losses = parse_clip_losses(self.losses.clip_image_losses)
        if self.features.glob_rot is not None:
            self.features.glob_rot = [float(v) for v in self.features.glob_rot]
        if self.text.dropout is None:  # one dropout unless the text side asks for its own
            self.text.dropout = self.sizes.dropout
        self.validate()

    def validate(self) -> None:
        """Raises BadInputError naming the option of the first inconsistent setting."""
        parse_modelname(self.modelname)
        sizes = self.sizes
        if sizes.latent_dim % 2 or sizes.latent_dim % sizes.num_heads:
            raise BadInputError(f"--latent_dim {sizes.latent_dim} must be even and divisible by --num_heads "
                                f"{sizes.num_heads}")
        _check_choice("latent_norm", sizes.latent_norm, LATENT_NORMS)
        _check_choice("--arch", self.kan.arch, LAYER_KINDS)
        _check_choice("text_conditioning", self.text.conditioning, TEXT_CONDITIONINGS)
        _check_choice("--decoder", sizes.decoder, DECODERS)
        if sizes.decoder_skips and sizes.decoder != "modulated":
            raise BadInputError("--decoder_skips needs --decoder modulated")
        if sizes.decoder_fourier < 0:
            raise BadInputError(f"--decoder_fourier must be 0 (off) or a number of frequencies, got {sizes.decoder_fourier}")
        if sizes.decoder_fourier and sizes.decoder != "modulated":
            raise BadInputError("--decoder_fourier needs --decoder modulated")
        if self.features.foot_lock and self.features.pose_rep != "hml":
            raise BadInputError(f"--foot_lock reads the foot-contact channels of --pose_rep hml "
                                f"(got --pose_rep {self.features.pose_rep})")
        if self.losses.lambda_tie and self.features.pose_rep != "hml":
            raise BadInputError(f"--lambda_tie ties the joint and rotation channels of --pose_rep hml "
                                f"(got --pose_rep {self.features.pose_rep})")
        if self.losses.clip_image_losses and self.losses.image_dim is not None and self.losses.image_dim <= 0:
            raise BadInputError(f"image_dim must be positive, got {self.losses.image_dim}")

    # ------------------------------------------------------------------ (de)serialisation
    def to_dict(self) -> dict:
        """JSON-safe nested dict (tuples as lists) with ``version``."""
        return {"version": CONFIG_VERSION, **_plain(dataclasses.asdict(self))}

    @classmethod
    def from_dict(cls, data: Mapping) -> "ModelConfig":
        """Read ``to_dict``'s output, or the flat config of a checkpoint written before this module.

        Raises:
            BadInputError: unknown keys or invalid values (naming them).
        """
        data = dict(data)
        if data.get("version") != CONFIG_VERSION:
            data = _from_flat(data)
        data.pop("version", None)
        groups = {f.name: f.type for f in dataclasses.fields(cls) if f.name != "modelname"}
        unknown = sorted(set(data) - set(groups) - {"modelname"})
        if unknown:
            raise BadInputError(f"model config: unknown key(s) {unknown}")
        kwargs = {"modelname": data.get("modelname", DEFAULT_MODELNAME)}
        for name, group in groups.items():
            values = dict(data.get(name, {}))
            known = {f.name for f in dataclasses.fields(group)}
            if set(values) - known:
                raise BadInputError(f"model config: unknown key(s) {sorted(set(values) - known)} in {name!r}")
            kwargs[name] = group(**values)
        return cls(**kwargs)

    @classmethod
    def from_options(cls, options: Mapping, fps: Optional[float] = None) -> "ModelConfig":
        """Parsed command-line options (a Namespace's ``vars`` or a dict; missing ones take their
        defaults) -> config. Applies the rules between options: ``--modelname`` switches the
        reconstruction terms, ``kl`` needs ``--variational``, ``kan_reg`` needs KAN layers.

        Args:
            options: option name (without dashes) -> value, as ``src.parser`` produces.
            fps: frame rate of the data (else ``options["fps"]``, else filled by the factory).
        """
        options = {k: v for k, v in dict(options).items() if v is not None}  # None: not given
        if options.get("clip_training"):
            raise BadInputError(f"--clip_training {options['clip_training']!r}: the text backbone is always frozen "
                                "here; the trainable part is the text encoder (--text_conditioning learned)")
        modelname = options.get("modelname", DEFAULT_MODELNAME)
        _, _, terms = parse_modelname(modelname)
        groups = {}
        for group_field in dataclasses.fields(cls):
            if group_field.name == "modelname":
                continue
            values = {}
            for f in dataclasses.fields(group_field.type):
                cli = f.metadata.get("cli")
                key = cli["name"][2:] if cli else f.name
                if key in options:
                    values[f.name] = options[key]
                elif cli and cli["option_default"] is not dataclasses.MISSING:
                    values[f.name] = cli["option_default"]
            groups[group_field.name] = group_field.type(**values)
        losses, kan = groups["losses"], groups["kan"]
        for term in RECONSTRUCTION_TERMS:
            if term not in terms:
                setattr(losses, f"lambda_{term}", 0.0)
        if not groups["sizes"].variational:
            losses.lambda_kl = 0.0
        if kan.arch != "kan" or not parse_kan_layers(kan.layers):
            losses.lambda_kan_reg = 0.0
        features = groups["features"]
        features.fps = fps if fps is not None else features.fps
        return cls(modelname=modelname, **groups)


def cli_fields() -> List[Tuple[str, dataclasses.Field]]:
    """(group name, field) of every config field with CLI metadata, in declaration order."""
    return [(g.name, f) for g in dataclasses.fields(ModelConfig) if g.name != "modelname"
            for f in dataclasses.fields(g.type) if "cli" in f.metadata]


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


# Flat (version 1) key -> (group, field) where the name changed; other group fields kept their flat name.
_FLAT_RENAMES = {
    "text_backbone": ("text", "backbone"), "text_conditioning": ("text", "conditioning"),
    "text_num_layers": ("text", "num_layers"), "text_ff_size": ("text", "ff_size"),
    "text_num_heads": ("text", "num_heads"), "text_dropout": ("text", "dropout"), "text_dim": ("text", "dim"),
    "text_token_dim": ("text", "token_dim"), "image_dim": ("losses", "image_dim"), "kan_layers": ("kan", "layers"),
}
_FLAT_IGNORED = ("modeltype", "njoints", "nfeats", "text_backbone_kwargs")  # derived or never used


def _from_flat(flat: dict) -> dict:
    """The one conversion from a version-1 flat config (``get_model.model_config_from_opt`` before this
    module) to ``to_dict``'s layout. Keys missing in older files take what that code then assumed:
    no log-variance head, text dropout = dropout."""
    out = {name: {} for name in ("features", "sizes", "kan", "text", "body", "losses")}
    # Top-level flat keys of these groups kept their names (text and KAN options had prefixes).
    where = {f.name: g.name for g in dataclasses.fields(ModelConfig) if g.name in ("features", "sizes", "body")
             for f in dataclasses.fields(g.type)}
    where["arch"] = "kan"
    out["sizes"]["logvar_head"] = False
    for key, value in flat.items():
        if key == "text_backbone_kwargs" and value:
            # Files of the first versions could name a local text-model folder here, which the loader
            # then read. A checkpoint from elsewhere must not choose what is read from this machine:
            # the backbone is chosen by name, its weights come from the places README lists.
            warnings.warn(f"model config: text_backbone_kwargs {value!r} ignored: a checkpoint names its text "
                          "backbone only (minilm or clip); local weights come from the installed package, "
                          "--clip_path, $SMOG_CLIP_PATH or models/", stacklevel=3)
        if key in _FLAT_IGNORED or key == "version":
            continue
        if key == "modelname":
            out["modelname"] = value
        elif key == "kan_kwargs":
            out["kan"].update(value)
        elif key == "losses":
            out["losses"].update(value)
        elif key in _FLAT_RENAMES:
            group, name = _FLAT_RENAMES[key]
            out[group][name] = value
        elif key in where:
            out[where[key]][key] = value
        else:
            raise BadInputError(f"model config: unknown key {key!r}")
    return out


# ------------------------------------------------------------------ the latent diffusion prior
PRIOR_PREDICTIONS = ("epsilon", "sample", "v_prediction")  # diffusers' prediction_type names
TIMESTEP_SPACINGS = ("trailing", "leading", "linspace")  # diffusers' DDIM timestep_spacing names


@dataclass
class PriorConfig:
    """The text-conditioned latent diffusion prior (``src.models.prior``), saved beside the model's
    config in the same checkpoint. Command-line options of ``python -m src.train.train_prior``.

    Args:
        latent_dim, text_dim: widths of the motion latent and of the text features (from the model).
        kan: the model's KAN options (``KANConfig.layer_options``), used when ``arch`` is "kan".
    """

    arch: str = field(default="linear", metadata=option(
        "--prior_arch", "the denoiser blocks' inner layers: linear, or KAN (the SMoG thesis; measured in "
        "exps/README)", choices=LAYER_KINDS))
    width: int = field(default=256, metadata=option("--prior_width", "denoiser residual width"))
    hidden: int = field(default=1024, metadata=option("--prior_hidden", "hidden width of each denoiser block"))
    num_blocks: int = field(default=4, metadata=option("--prior_blocks", "denoiser residual blocks"))
    prediction_type: str = field(default="v_prediction", metadata=option(
        "--prediction_type", "what the denoiser predicts: v (the default) draws tighter modes and fewer "
        "in-between samples in 10 steps than MLD's epsilon (README, \"Sampling instead of averaging\")",
        choices=PRIOR_PREDICTIONS))
    num_train_timesteps: int = field(default=1000, metadata=option("--num_train_timesteps"))
    beta_start: float = field(default=0.00085, metadata=option("--beta_start", "scaled_linear schedule (MLD's)"))
    beta_end: float = field(default=0.012, metadata=option("--beta_end"))
    residual: bool = field(default=True, metadata=option(
        "--residual", "diffuse the latent's offset from the caption's text latent (what regression decodes) "
        "instead of the latent itself: a caption with one answer keeps regression's precision, one with "
        "several (a half-turn left or right) still gets each", flag=True))
    cond_drop: float = field(default=0.1, metadata=option(
        "--cond_drop", "share of training samples whose text is replaced by the learned null text "
        "(classifier-free guidance)"))
    guidance_scale: float = field(default=2.5, metadata=option(
        "--default_guidance_scale", "the guidance scale generation uses when none is given"))
    steps: int = field(default=50, metadata=option("--default_steps", "DDIM steps generation uses when none is given"))
    timestep_spacing: str = field(default="trailing", metadata=option(
        "--timestep_spacing", "where the DDIM steps sit among the training steps: trailing starts at the "
        "last, pure noise, like the starting noise; leading (what priors saved without this setting sample "
        "with) starts 10 steps at step 901 of 1000, which treats the noise as partly motion and narrows "
        "the samples (README, \"Sampling instead of averaging\")", choices=TIMESTEP_SPACINGS))
    duration_dim: int = 64  # width of the sinusoidal encoding of the motion's length (frames)
    latent_dim: Optional[int] = None
    text_dim: Optional[int] = None
    kan: Optional[dict] = None

    def __post_init__(self):
        self.validate()

    def validate(self) -> None:
        """Raises BadInputError naming the option of the first invalid setting."""
        _check_choice("--prior_arch", self.arch, LAYER_KINDS)
        _check_choice("--prediction_type", self.prediction_type, PRIOR_PREDICTIONS)
        _check_choice("--timestep_spacing", self.timestep_spacing, TIMESTEP_SPACINGS)
        if self.residual and self.latent_dim is not None and self.text_dim not in (None, self.latent_dim):
            raise BadInputError(f"--residual needs text features as wide as the latent ({self.text_dim} vs "
                                f"{self.latent_dim})")
        for name, value in (("--prior_width", self.width), ("--prior_hidden", self.hidden),
                            ("--prior_blocks", self.num_blocks), ("--num_train_timesteps", self.num_train_timesteps),
                            ("--default_steps", self.steps)):
            if int(value) < 1:
                raise BadInputError(f"{name} must be >= 1, got {value}")
        if not 0.0 <= self.cond_drop < 1.0:
            raise BadInputError(f"--cond_drop must be in [0, 1), got {self.cond_drop}")
        if not 0.0 < self.beta_start < self.beta_end < 1.0:
            raise BadInputError(f"--beta_start {self.beta_start} / --beta_end {self.beta_end}: need "
                                "0 < start < end < 1")
        if self.steps > self.num_train_timesteps:
            raise BadInputError(f"--default_steps {self.steps} exceeds --num_train_timesteps "
                                f"{self.num_train_timesteps}")

    def to_dict(self) -> dict:
        return _plain(dataclasses.asdict(self))

    @classmethod
    def from_dict(cls, data: Mapping) -> "PriorConfig":
        """Raises BadInputError on unknown keys."""
        data = dict(data)
        unknown = sorted(set(data) - {f.name for f in dataclasses.fields(cls)})
        if unknown:
            raise BadInputError(f"prior config: unknown key(s) {unknown}")
        data.setdefault("timestep_spacing", "leading")  # saved before the setting existed: sampled so
        data.setdefault("prediction_type", "epsilon")  # the default before v_prediction
        return cls(**data)

    @classmethod
    def from_options(cls, options: Mapping) -> "PriorConfig":
        """Parsed options (names without dashes; missing ones take their defaults) -> config."""
        options = dict(options)
        values = {f.name: options[f.metadata["cli"]["name"][2:]] for f in dataclasses.fields(cls)
                  if "cli" in f.metadata and options.get(f.metadata["cli"]["name"][2:]) is not None}
        return cls(**values)
