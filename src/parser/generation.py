"""Options of the generation and viewing commands: text2motion, motion_editing,
motion_interpolation, check_prompts, anim and the web demo (app). Imports no torch, so option errors are instant."""

import argparse
from pathlib import Path

from src import config
from src.parser.base import add_device_args, add_seed_arg
from src.parser.types import duration_arg, float_in, int_at_least, int_in

DEFAULT_STOPS = 5
# text2motion: prompts per model call. 1 keeps every file byte-identical to earlier versions: a
# batched forward pass sums in another order and moves joints by up to ~4e-5 m (measured, paper_texts).
DEFAULT_BATCH_PROMPTS = 1


def _shown(path: Path) -> str:
    """``path`` relative to the repository when it is inside it."""
    try:
        return str(Path(path).relative_to(config.ROOT_DIR))
    except ValueError:
        return str(path)


# ------------------------------------------------------------------ parsers
def add_sampler_args(parser: argparse.ArgumentParser) -> None:
    """How a caption becomes a latent: the diffusion prior or the regression text latent."""
    group = parser.add_argument_group("sampling")
    group.add_argument("--sampler", choices=config.SAMPLERS, default=None,
                       help="diffusion: sample with the checkpoint's latent diffusion prior (each sample its own "
                            "motion); regression: decode the text encoder's latent (one motion per caption unless "
                            "the model is variational). Default: diffusion when the checkpoint has a prior")
    group.add_argument("--guidance_scale", type=float_in(*config.GUIDANCE_RANGE), default=None,
                       help=f"classifier-free guidance of the diffusion sampler, {config.GUIDANCE_RANGE[0]:g}-"
                            f"{config.GUIDANCE_RANGE[1]:g} (1 = none; default: the prior's, 1.5 for the shipped model; "
                            "what a higher scale does is measured per model in its README)")
    group.add_argument("--steps", type=int_in(1, config.MAX_SAMPLING_STEPS), default=None,
                       help="DDIM steps of the diffusion sampler (default: the prior's, 10 for the shipped model)")
    group.add_argument("--temperature", type=float_in(*config.TEMPERATURE_RANGE), default=1.0,
                       help=f"{config.TEMPERATURE_RANGE[0]:g}-{config.TEMPERATURE_RANGE[1]:g}; regression: scale of "
                            "a variational model's sampling noise (0 = the mean motion); diffusion: how far a sample "
                            "goes from the caption's text latent (0 = what regression draws, 1 = the prior's sample)")
    add_decoding_args(parser)


def add_decoding_args(parser: argparse.ArgumentParser) -> None:
    """How decoded features become motion (every command that decodes; ``add_sampler_args`` adds it)."""
    decoding = parser.add_argument_group("decoding")
    decoding.add_argument("--foot_lock", action=argparse.BooleanOptionalAction, default=None,
                          help="hml models: move the root so that feet the model calls planted stay put (slips up "
                               "to 0.5 m/s fully, none from 1 m/s: faster ones are glides the decoder drew) and "
                               "come down to within 3 cm of the clip's floor where they float for 0.4 s or more "
                               "(fully up to 10 cm, none from 20 cm); "
                               "--no-foot_lock shows the decoder's own root. Default: the "
                               "checkpoint's setting (training's --foot_lock; train_prior saves the setting it is "
                               "given with the checkpoint it writes)")


def decoding_options(args: argparse.Namespace) -> dict:
    """The decoding options of ``add_sampler_args`` (``foot_lock``: None keeps the checkpoint's)."""
    return {"foot_lock": args.foot_lock}


def sampling_options(args: argparse.Namespace) -> dict:
    """The options of ``add_sampler_args`` as the api's keywords (sampler, guidance_scale, steps, temperature)."""
    return {"sampler": args.sampler, "guidance_scale": args.guidance_scale, "steps": args.steps,
            "temperature": args.temperature}


def add_renderer_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--renderer", choices=config.RENDERERS, default=config.DEFAULT_RENDERER,
                        help="what draws the stick-figure animations: pil (default, fast) or matplotlib "
                             "(matplotlib 3D axes, 12-18x slower)")


def add_generation_args(parser: argparse.ArgumentParser, input_help: str) -> None:
    """Options of every generation command (checkpoint, input, outputs, timing, device, seed)."""
    parser.add_argument("checkpoint", nargs="?", default=None,
                        help=f"checkpoint file or pretrained folder (default: the shipped model "
                             f"{_shown(config.DEFAULT_CHECKPOINT)})")
    parser.add_argument("--input_file", type=Path, required=True, help=input_help)
    parser.add_argument("--output_dir", type=Path, default=None,
                        help="where files go (default: <checkpoint folder>/<command>/<input file name>)")
    parser.add_argument("--duration", type=duration_arg, default=None,
                        help=f"seconds per motion, at most {config.MAX_DURATION_S:g} (default {config.DEFAULT_DURATION_S:g}; "
                             "a line's own duration wins)")
    parser.add_argument("--fps", type=float_in(*config.OUTPUT_FPS_RANGE), default=None,
                        help=f"frame rate of the written files, {config.OUTPUT_FPS_RANGE[0]:g}-"
                             f"{config.OUTPUT_FPS_RANGE[1]:g} (default: the model's; other rates are resampled)")
    parser.add_argument("--overwrite", action="store_true", help="replace files that already exist")
    parser.add_argument("--no_animation", action="store_true", help="skip the GIF/MP4 animations (much faster)")
    add_renderer_arg(parser)
    parser.add_argument("--jointstype", choices=("smpl",), default="smpl",
                        help="accepted for compatibility with the original: files hold the 22 SMPL body joints")
    add_sampler_args(parser)
    add_device_args(parser)
    add_seed_arg(parser)


def text2motion_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m src.visualize.text2motion",
                                     description="Generate motions from text prompts (one per line, "
                                                 "'text#seconds' for a duration of its own).")
    add_generation_args(parser, "prompt file: one prompt per line, 'text#seconds' sets that prompt's duration "
                                "in seconds (see --length_unit), '#' starts a comment line")
    parser.add_argument("--num_samples", "--num_samples_per_action", dest="num_samples",
                        type=int_in(1, config.MAX_SAMPLES_PER_PROMPT), default=1,
                        help=f"motions per prompt, at most {config.MAX_SAMPLES_PER_PROMPT} (they differ with the "
                             "diffusion sampler, and for variational models)")
    parser.add_argument("--batch_size", type=int_in(1, config.MAX_PROMPTS_PER_CALL), default=DEFAULT_BATCH_PROMPTS,
                        help=f"prompts per model call, at most {config.MAX_PROMPTS_PER_CALL}, written before the next "
                             "call (default %(default)s: files byte-identical to one call per prompt; larger is "
                             "faster, moves joints by up to ~4e-5 m)")
    parser.add_argument("--length_unit", choices=("seconds", "frames"), default="seconds",
                        help="what a line's 'text#N' counts (default seconds; MoMask/HumanML3D prompt files "
                             "count frames: --length_unit frames --fps_of_lengths 20)")
    parser.add_argument("--fps_of_lengths", type=float_in(*config.OUTPUT_FPS_RANGE), default=config.HUMANML3D_FPS,
                        help="frame rate of '#N' frame counts with --length_unit frames "
                             "(default %(default)g, HumanML3D's and MoMask's)")
    return parser


def motion_editing_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m src.visualize.motion_editing",
                                     description="Edit motions by latent arithmetic: base - v_start + v_end.")
    add_generation_args(parser, "CSV table with columns motion_source,base,v_start,v_end[,duration]")
    return parser


def motion_interpolation_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m src.visualize.motion_interpolation",
                                     description="Interpolate between two texts or motions in the latent space.")
    add_generation_args(parser, "CSV table with columns start,end[,duration]; cells are captions or .npz motion files")
    parser.add_argument("--num_stops", type=int_in(2, config.MAX_INTERPOLATION_STOPS), default=DEFAULT_STOPS,
                        help=f"motions per row, ends included, at most {config.MAX_INTERPOLATION_STOPS} "
                             "(default %(default)s)")
    return parser


def check_prompts_parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m src.visualize.check_prompts", description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint", nargs="?", default=None, help="checkpoint (default: the shipped model)")
    parser.add_argument("--num_samples", type=int_in(1, config.MAX_SAMPLES_PER_PROMPT), default=3)
    parser.add_argument("--duration", type=duration_arg, default=config.DEFAULT_DURATION_S)
    parser.add_argument("--prompts", choices=("heldout", "training", "kit"), default="heldout",
                        help="held-out paraphrases, the built-in training captions of the same actions, "
                             "or real KIT-ML captions (development set)")
    parser.add_argument("--kit_annotations", type=Path, default=config.KIT_ANNOTATIONS,
                        help="KIT-ML annotations JSON for --prompts kit (default: %(default)s)")
    parser.add_argument("--kit_max_per_signature", type=int_at_least(1), default=None,
                        help="--prompts kit: at most this many captions per signature (default 12)")
    add_sampler_args(parser)
    add_seed_arg(parser, default=0)
    add_device_args(parser)
    return parser


def anim_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m src.visualize.anim",
                                     description="Render a joints .npy (T, 22, 3), Y-up metres, "
                                                 "as a stick-figure GIF/MP4, or as a PNG strip of frames.")
    parser.add_argument("input", type=Path, help="float (T, J, 3) .npy, J = 22 or 24")
    parser.add_argument("--fps", type=float_in(*config.OUTPUT_FPS_RANGE), default=None,
                        help=f"frame rate of the file (a .npy does not store it; "
                             f"default {config.HUMANML3D_FPS:g}, HumanML3D's)")
    parser.add_argument("--out", type=Path, default=None,
                        help="output .gif, .mp4 or .png (strip of frames); default INPUT.gif")
    parser.add_argument("--title", default=None)
    parser.add_argument("--frames", type=int, nargs="+", default=None,
                        help="frames shown in a .png strip (default: 5 evenly spaced)")
    parser.add_argument("--overwrite", action="store_true", help="replace the output file if it exists")
    add_renderer_arg(parser)
    return parser


def app_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m src.app",
                                     description="A web page on this machine: type prompts, press Generate, watch "
                                                 "each motion in 3D and download its .npy, .npz, .bvh and GIF. "
                                                 "Works offline.")
    parser.add_argument("checkpoint", nargs="?", default=None,
                        help=f"checkpoint file or pretrained folder (default: the shipped model "
                             f"{_shown(config.DEFAULT_CHECKPOINT)})")
    parser.add_argument("--host", default=config.DEMO_HOST,
                        help="address to listen on (default %(default)s: this machine only; 0.0.0.0 opens the demo "
                             "to the network, with no authentication)")
    parser.add_argument("--port", type=int_in(0, 65535), default=config.DEMO_PORT,
                        help="port (default %(default)s; 0 picks a free one)")
    add_decoding_args(parser)
    add_device_args(parser)
    return parser
