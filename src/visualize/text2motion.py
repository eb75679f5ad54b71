"""Generate motions from a file of text prompts and write them in every export format.

    python -m src.visualize.text2motion [CHECKPOINT] --input_file assets/paper_texts.txt \
        [--output_dir DIR] [--duration 4] [--num_samples 1] [--seed 10] [--fps F] [--temperature 1] \
        [--device auto|cpu|cuda] [--overwrite] [--no_animation]

CHECKPOINT defaults to the shipped model (``src.api.DEFAULT_CHECKPOINT``); the checkpoint describes
the model completely, so no dataset is needed; everything runs on the CPU without network.
Prompt file: one prompt per line, ``text#seconds`` for a duration of its own (``#`` means
seconds, not frames), ``#`` comment lines (``src.visualize.prompts``). Each prompt gives
``--num_samples`` motions (they differ for variational models; ``--num_samples_per_action`` is the
original's name) of T = round(duration x fps) frames. ``--fps`` is the frame rate of the files
(default: the model's); motions are generated at the model's rate and resampled (slerp).
``--seed`` makes runs repeat exactly; prompt i draws its samples from seed + i.

Outputs in DIR (default ``<checkpoint folder>/text2motion/<prompt file name>``), listed in
``src.visualize.exporters``: per prompt and sample ``<index:02d>_<slug>_s<sample>.{npy,npz,bvh,gif}``,
``grid.gif`` (the first sample of every prompt, titled with the prompt) and ``manifest.json``,
written last. Existing files are never replaced without ``--overwrite``.

Exit codes: 0 done; 1 outputs could not be written (disk, permissions); 2 bad arguments or input file, or outputs already present; 3 the checkpoint
cannot be used (missing, unreadable, incompatible, text backbone not installed).

The shared command plumbing (``add_common_args``, ``run_command``, ``open_model``, ``write_outputs``)
also serves ``motion_editing`` and ``motion_interpolation``.
"""

import argparse
import math
import sys
import warnings
from pathlib import Path
from typing import Callable, List, Optional, Sequence

from src import api
from src.parser.base import add_device_args, add_seed_arg
from src.runtime import DeviceError, resolve_device
from src.visualize import exporters
from src.visualize.prompts import MAX_DURATION_S, InputFileError, parse_duration, read_prompts

EXIT_OUTPUT = 1
EXIT_INPUT = 2
EXIT_MODEL = 3


class CommandError(Exception):
    """A user-facing failure: printed as ``error: <message>``, the command exits with ``code``."""

    def __init__(self, message: str, code: int = EXIT_INPUT):
        super().__init__(message)
        self.code = code


# ------------------------------------------------------------------ argument types
def duration_arg(value: str) -> float:
    """--duration: seconds in (0, MAX_DURATION_S]."""
    try:
        return parse_duration(value, "seconds")
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def positive_float(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not (math.isfinite(number) and number > 0):
        raise argparse.ArgumentTypeError(f"{value!r} must be a positive number")
    return number


def non_negative_float(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not (math.isfinite(number) and number >= 0):
        raise argparse.ArgumentTypeError(f"{value!r} must be zero or positive")
    return number


def int_at_least(low: int):
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
        if number < low:
            raise argparse.ArgumentTypeError(f"{value!r} must be at least {low}")
        return number

    parse.__name__ = f"int>={low}"
    return parse


# ------------------------------------------------------------------ shared plumbing
def add_common_args(parser: argparse.ArgumentParser, input_help: str) -> None:
    """Options of every generation command (checkpoint, input, outputs, timing, device, seed)."""
    parser.add_argument("checkpoint", nargs="?", default=None,
                        help=f"checkpoint file or pretrained folder (default: the shipped model "
                             f"{_shown(api.DEFAULT_CHECKPOINT)})")
    parser.add_argument("--input_file", type=Path, required=True, help=input_help)
    parser.add_argument("--output_dir", type=Path, default=None,
                        help="where files go (default: <checkpoint folder>/<command>/<input file name>)")
    parser.add_argument("--duration", type=duration_arg, default=None,
                        help=f"seconds per motion, at most {MAX_DURATION_S:g} (default {api.DEFAULT_DURATION_S:g}; "
                             "a line's own duration wins)")
    parser.add_argument("--fps", type=positive_float, default=None,
                        help="frame rate of the written files (default: the model's; other rates are resampled)")
    parser.add_argument("--overwrite", action="store_true", help="replace files that already exist")
    parser.add_argument("--no_animation", action="store_true", help="skip the GIF/MP4 animations (much faster)")
    parser.add_argument("--jointstype", choices=("smpl",), default="smpl",
                        help="accepted for compatibility with the original: files hold the 22 SMPL body joints")
    add_device_args(parser)
    add_seed_arg(parser)


def _shown(path: Path) -> str:
    """``path`` relative to the repository when it is inside it."""
    try:
        return str(Path(path).relative_to(api.config.ROOT_DIR))
    except ValueError:
        return str(path)


def default_output_dir(checkpoint, command: str, input_file: Path) -> Path:
    folder = Path(checkpoint).parent if checkpoint else api.DEFAULT_CHECKPOINT.parent
    return folder / command / (input_file.stem or "outputs")


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"warning: {message}", file=sys.stderr if file is None else file)


def run_command(body: Callable[[argparse.Namespace], int], parser: argparse.ArgumentParser,
                argv: Optional[Sequence[str]] = None) -> int:
    """Parse ``argv`` and run ``body``; returns the exit code. Argument errors exit 2 (argparse's
    message names the option), :class:`CommandError` prints its message and returns its code;
    warnings print as one ``warning:`` line each. No traceback for anything a user can cause."""
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        warnings.showwarning = _show_warning
        try:
            return body(args)
        except CommandError as err:
            print(f"error: {err}", file=sys.stderr)
            return err.code
        except InputFileError as err:
            print(f"error: {err}", file=sys.stderr)
            return EXIT_INPUT
        except KeyboardInterrupt:
            print("interrupted; files already written stay (no manifest)", file=sys.stderr)
            return 130


def open_model(args: argparse.Namespace) -> api.SMoG:
    """The model of ``args.checkpoint`` on ``args.device``; CommandError with the reason otherwise."""
    try:
        device = resolve_device(args.device, args.force_device)
    except DeviceError as err:
        raise CommandError(str(err), EXIT_INPUT) from None
    try:
        model = api.SMoG.from_pretrained(args.checkpoint, device=device)
    except api.ModelLoadError as err:
        raise CommandError(str(err), EXIT_MODEL) from None
    print(f"model: {model.checkpoint} ({model.pose_rep}, {model.fps:g} fps, "
          f"{'variational' if model.variational else 'deterministic'}) on {device}")
    return model


def plan_outputs(args: argparse.Namespace, command: str, stems: List[str],
                 rotations: bool = True) -> exporters.OutputPlan:
    """The output plan, checked: refuses existing files (unless --overwrite) before any work."""
    out_dir = args.output_dir or default_output_dir(args.checkpoint, command, args.input_file)
    plan = exporters.OutputPlan.create(out_dir, stems, rotations=rotations, animation=not args.no_animation)
    try:
        plan.check(args.overwrite)
    except (OSError, ValueError) as err:
        raise CommandError(str(err), EXIT_INPUT) from None
    return plan


def write_outputs(model: api.SMoG, args: argparse.Namespace, command: str, items: List[exporters.ExportItem],
                  fps: float, grid_items=None, grid_ncols: Optional[int] = None, **header) -> Path:
    """Write every file of ``items`` (plan re-made for the model's feature kind) and the manifest."""
    plan = plan_outputs(args, command, [i.stem for i in items], rotations=model.pose_rep != "xyz")
    print(f"writing {len(items)} motion(s) to {plan.out_dir}")
    head = {"command": command, "checkpoint": model.checkpoint, "input_file": str(args.input_file),
            "fps": fps, "model_fps": model.fps, "seed": args.seed, "units": "metres",
            "joints_convention": "float32 (T, 22, 3), Y-up, floor y=0, frame-0 root at x=z=0, frame 0 facing +Z",
            **header}
    try:
        manifest = exporters.export_items(items, plan, head, grid_items=grid_items, grid_ncols=grid_ncols)
    except OSError as err:
        raise CommandError(f"cannot write the outputs in {plan.out_dir}: {err}", EXIT_OUTPUT) from None
    print(f"wrote {manifest}")
    return manifest


# ------------------------------------------------------------------ text2motion
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m src.visualize.text2motion",
                                     description="Generate motions from text prompts (one per line, "
                                                 "'text#seconds' for a duration of its own).")
    add_common_args(parser, "prompt file: one prompt per line, 'text#seconds' sets that prompt's duration "
                            "in seconds, '#' starts a comment line")
    parser.add_argument("--num_samples", "--num_samples_per_action", dest="num_samples", type=int_at_least(1),
                        default=1, help="motions per prompt (they differ for variational models)")
    parser.add_argument("--temperature", type=non_negative_float, default=1.0,
                        help="scale of the sampling noise of variational models (0 = the mean motion)")
    return parser


def _generate(args: argparse.Namespace) -> int:
    prompts = read_prompts(args.input_file)
    durations = [p.duration or args.duration or api.DEFAULT_DURATION_S for p in prompts]
    stems = [exporters.item_stem(i, p.text, s) for i, p in enumerate(prompts) for s in range(args.num_samples)]
    plan_outputs(args, "text2motion", stems)  # fail before the model loads
    model = open_model(args)
    if args.num_samples > 1 and not (model.variational and args.temperature > 0):
        warnings.warn(f"--num_samples {args.num_samples}: this model is deterministic"
                      f"{'' if model.variational else ' (not variational)'}, so the samples of a prompt are identical")
    fps = args.fps or model.fps
    api.seed_everything(args.seed)
    items, grid = [], []
    for i, (prompt, duration) in enumerate(zip(prompts, durations)):
        print(f"[{i + 1}/{len(prompts)}] {prompt.text!r}: {duration:g} s x {args.num_samples}")
        clips = model.generate_clips([prompt.text], duration, args.num_samples, seed=args.seed + i,
                                     temperature=args.temperature, fps=fps)[0]
        for s, clip in enumerate(clips):
            items.append(exporters.ExportItem(exporters.item_stem(i, prompt.text, s), prompt.text, clip,
                                              {"sample": s, "duration": duration, "line": prompt.line}))
        grid.append(items[-len(clips)])
    write_outputs(model, args, "text2motion", items, fps, grid_items=grid,
                  num_samples=args.num_samples, temperature=args.temperature)
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    return run_command(_generate, build_parser(), argv)


if __name__ == "__main__":
    sys.exit(main())
