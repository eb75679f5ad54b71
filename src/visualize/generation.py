"""The generation commands' work: text2motion, motion_editing and motion_interpolation over
``src.api``, with what they share (open the model, plan the outputs once, write clips as they come).

The command modules (``src/visualize/text2motion.py`` ...) only parse options and call in here;
failures are ``src.errors`` exceptions (2 bad input or outputs, 3 unusable checkpoint).
"""

import argparse
import contextlib
import sys
import warnings
from pathlib import Path
from typing import List, Optional, Sequence

import numpy as np
import torch

from src import api, config
from src.errors import BadInputError, ModelFilesError
from src.runtime import DeviceError, resolve_device
from src.visualize import exporters
from src.parser.generation import decoding_options, sampling_options
from src.visualize.prompts import InputFileError, MotionFile, read_prompts, read_table, resolve_source

EDIT_COLUMNS = ("motion_source", "base", "v_start", "v_end")
MOTION_SOURCES = ("text", "data")
INTERPOLATION_COLUMNS = ("start", "end")


# ------------------------------------------------------------------ shared
def sampling_header(model: api.SMoG, args: argparse.Namespace) -> dict:
    """What the manifest records of the sampling: the sampler, and its guidance, steps and their
    spacing as used (and, for hml models, whether the foot lock was on)."""
    sampler = model.model.resolve_sampler(args.sampler)
    decoding = {"foot_lock": model.model.foot_lock} if model.pose_rep == "hml" else {}
    if sampler == "regression":
        return {"sampler": sampler, **decoding}
    config = model.model.prior.config
    return {"sampler": sampler, "guidance_scale": args.guidance_scale if args.guidance_scale is not None
            else config.guidance_scale, "steps": args.steps if args.steps is not None else config.steps,
            "timestep_spacing": config.timestep_spacing, **decoding}


def check_sampler(model: api.SMoG, args: argparse.Namespace) -> str:
    """The sampler the run uses (``--sampler``, else diffusion when the checkpoint has a prior);
    BadInputError when diffusion is asked of a checkpoint without a prior."""
    try:
        return model.model.resolve_sampler(args.sampler)
    except ValueError as err:
        raise BadInputError(f"{err} ({model.checkpoint})") from None


def default_output_dir(checkpoint, command: str, input_file: Path) -> Path:
    folder = Path(checkpoint).parent if checkpoint else config.DEFAULT_OUTPUT_ROOT
    return folder / command / (input_file.stem or "outputs")


def open_model(args: argparse.Namespace) -> api.SMoG:
    """The model of ``args.checkpoint`` on ``args.device``; BadInputError / ModelFilesError otherwise."""
    try:
        device = resolve_device(args.device, args.force_device)
    except DeviceError as err:
        raise BadInputError(str(err)) from None
    try:
        model = api.SMoG.from_pretrained(args.checkpoint, device=device)
    except api.ModelLoadError as err:
        raise ModelFilesError(str(err)) from None
    try:
        model.model.set_decoding(**decoding_options(args))
    except ValueError as err:
        raise BadInputError(f"{err} ({model.checkpoint})") from None
    print(f"model: {model.checkpoint} ({model.pose_rep}, {model.fps:g} fps, "
          f"{'variational' if model.variational else 'deterministic'}) on {device}")
    return model


def plan_outputs(args: argparse.Namespace, command: str, stems: List[str], grid_clips: Optional[int] = None,
                 grid_ncols: Optional[int] = None) -> exporters.OutputPlan:
    """The output plan of a rotation model, checked before the model loads (an ``xyz`` model writes
    a subset: ``plan.positions_only()``); refuses existing files unless --overwrite.

    Args:
        grid_clips: how many clips the grid pages show (default one per stem); grid_ncols: per row.
    """
    out_dir = args.output_dir or default_output_dir(args.checkpoint, command, args.input_file)
    plan = exporters.OutputPlan.create(out_dir, stems, rotations=True, animation=not args.no_animation,
                                       grid_clips=grid_clips, grid_ncols=grid_ncols, renderer=args.renderer)
    try:
        plan.check(args.overwrite)
    except (OSError, ValueError) as err:
        raise BadInputError(str(err)) from None
    return plan


class OutputWriter:
    """Writes a run's clips and grid pages as they are made and, at :meth:`finish`, the last grid
    page and the manifest.

    A crash leaves every clip written so far (and no manifest: a manifest means a complete run).

    Args:
        model: the model (its feature kind decides the files; its checkpoint and rate go in the header).
        plan: the checked plan of ``plan_outputs``.
        args: the command's options (``input_file``, ``seed``).
        command: the command's name.
        fps: frame rate of the files.
    """

    def __init__(self, model: api.SMoG, plan: exporters.OutputPlan, args: argparse.Namespace, command: str,
                 fps: float):
        self.plan = plan if model.pose_rep != "xyz" else plan.positions_only()
        self.header = {"command": command, "checkpoint": model.checkpoint, "input_file": str(args.input_file),
                       "fps": fps, "model_fps": model.fps, "seed": args.seed, "units": "metres",
                       "joints_convention": "float32 (T, 22, 3), Y-up, floor y=0, frame-0 root at x=z=0, "
                                            "frame 0 facing +Z"}
        self.entries: List[dict] = []
        self.grid = exporters.GridPages(self.plan)
        if args.overwrite:  # no file of the earlier run may stay beside the new ones (nor a manifest mixing them)
            stale = exporters.previous_outputs(plan.out_dir)
            for path in stale:
                path.unlink(missing_ok=True)
            if stale:
                print(f"removed the {len(stale)} file(s) of the previous run in {plan.out_dir} (--overwrite)")
        print(f"writing {len(plan.stems)} motion(s) to {plan.out_dir}")

    def write(self, items: Sequence[exporters.ExportItem], grid_items: Sequence[exporters.ExportItem] = ()) -> None:
        """Write the files of ``items`` now, and a grid page once ``grid_items`` fill one."""
        try:
            self.entries += [exporters.write_item(item, self.plan) for item in items]
            self.grid.add(grid_items)
        except OSError as err:
            raise BadInputError(f"cannot write the outputs in {self.plan.out_dir}: {err}") from None

    def finish(self, **header) -> Path:
        """Write the last grid page and the manifest (``header`` adds fields); returns its path."""
        try:
            manifest = exporters.finish_outputs(self.plan, {**self.header, **header}, self.entries, grid=self.grid)
        except OSError as err:
            raise BadInputError(f"cannot write the outputs in {self.plan.out_dir}: {err}") from None
        print(f"wrote {manifest}")
        return manifest


@contextlib.contextmanager
def _input_errors_as_bad_input(where: str):
    """Inside, the api's ``MotionInputError`` becomes a BadInputError naming ``where`` (file:line)."""
    try:
        yield
    except api.MotionInputError as err:
        raise BadInputError(f"{where}: {err}") from None


# ------------------------------------------------------------------ text2motion
def text2motion(args: argparse.Namespace) -> None:
    """Generate every prompt of ``args.input_file``; prompt i draws from ``args.seed + i``.

    Prompts go to the model ``args.batch_size`` at a time and each batch's files are written before
    the next batch is generated; the grid and the manifest follow the last batch.
    """
    prompts = read_prompts(args.input_file, args.length_unit, args.fps_of_lengths)
    durations = [p.duration or args.duration or api.DEFAULT_DURATION_S for p in prompts]
    stems = [exporters.item_stem(i, p.text, s) for i, p in enumerate(prompts) for s in range(args.num_samples)]
    plan = plan_outputs(args, "text2motion", stems, grid_clips=len(prompts))  # fail before the model loads
    model = open_model(args)
    sampler = check_sampler(model, args)
    if args.num_samples > 1 and sampler == "regression" and not (model.variational and args.temperature > 0):
        warnings.warn(f"--num_samples {args.num_samples}: the regression sampler of this model is deterministic"
                      f"{'' if model.variational else ' (not variational)'}, so the samples of a prompt are identical"
                      f"{' (its diffusion prior draws different ones: leave --sampler out)' if model.model.prior else ''}")
    fps = args.fps or model.fps
    api.seed_everything(args.seed)
    writer = OutputWriter(model, plan, args, "text2motion", fps)
    # Memory stays flat whatever the options: a decoder pass holds at most MAX_FRAMES_PER_PASS
    # frames, and a model call takes fewer prompts than --batch_size when their samples would not fit.
    longest = max(model.num_frames(max(durations), rate) for rate in (fps, model.fps))
    per_pass = max(1, config.MAX_FRAMES_PER_PASS // longest)
    per_call = max(1, min(args.batch_size, per_pass // args.num_samples))
    with progress_bar(len(prompts) * args.num_samples, "motions") as bar:
        for start in range(0, len(prompts), per_call):
            batch = range(start, min(start + per_call, len(prompts)))
            for i in batch:
                bar.write(f"[{i + 1}/{len(prompts)}] {prompts[i].text!r}: {durations[i]:g} s x {args.num_samples}")
            chunks = model.generate_clip_chunks([prompts[i].text for i in batch], [durations[i] for i in batch],
                                                args.num_samples, seed=args.seed + start,
                                                fps=fps, max_sequences=per_pass, **sampling_options(args))
            for chunk in chunks:
                items = [exporters.ExportItem(exporters.item_stem(start + k, prompts[start + k].text, s),
                                              prompts[start + k].text, clip,
                                              {"sample": s, "duration": durations[start + k],
                                               "line": prompts[start + k].line})
                         for k, s, clip in chunk]
                for item, (k, _, _) in zip(items, chunk):
                    check_finite(item, f"{prompts[start + k].source}:{prompts[start + k].line}",
                                 f" (--temperature {args.temperature:g})")
                # the grid pages show the first sample of every prompt
                writer.write(items, [item for item, (_, s, _) in zip(items, chunk) if s == 0])
                bar.update(len(items))
            model.clear_text_cache()  # each prompt is encoded once: its cached features would only add up
    writer.finish(num_samples=args.num_samples, temperature=args.temperature, **sampling_header(model, args))


def check_finite(item: exporters.ExportItem, where: str, options: str = "") -> None:
    """Refuse a motion with NaN or infinite values before any of its files is written.

    Args:
        where: the input's file:line; ``options``: the options that may explain it, for the message.
    """
    clip = item.clip
    arrays = [np.asarray(clip.joints)] + [t.numpy() for t in (clip.rotmats, clip.trans) if t is not None]
    if not all(np.isfinite(a).all() for a in arrays):
        raise BadInputError(f"{where}: prompt {item.prompt!r} (sample {item.meta['sample']}): the model produced "
                            f"non-finite values{options}; nothing was written for it (the motions before it were)")


@contextlib.contextmanager
def progress_bar(total: int, unit: str):
    """A tqdm bar on a terminal; elsewhere (logs, pipes) it stays silent and lines print as they come."""
    from tqdm import tqdm

    bar = tqdm(total=total, unit=unit, disable=not sys.stderr.isatty(), leave=False)
    try:
        yield bar
    finally:
        bar.close()


# ------------------------------------------------------------------ motion editing
def label(source) -> str:
    """How an operand is shown in titles and file names."""
    return source.label if isinstance(source, MotionFile) else source


def operand(source):
    """What ``api.SMoG.latent_of`` takes: the caption, or the motion file's path."""
    return source.path if isinstance(source, MotionFile) else source


def source_duration(model: api.SMoG, sources, explicit: Optional[float], where: str) -> float:
    """The explicit duration, else the first motion operand's length, else the default."""
    if explicit:
        return explicit
    for source in sources:
        if isinstance(source, MotionFile):
            with _input_errors_as_bad_input(where):
                clip = model.motion_clip(source.path)
            return min(clip.num_frames / model.fps, config.MAX_DURATION_S)
    return api.DEFAULT_DURATION_S


def read_edits(path) -> list:
    """[(row, base, v_start, v_end)] with operands resolved; InputFileError naming the line."""
    edits = []
    for row in read_table(path, EDIT_COLUMNS):
        kind = row.cells["motion_source"].lower()
        if kind not in MOTION_SOURCES:
            raise InputFileError(path, row.line, f"motion_source {row.cells['motion_source']!r}: expected text or data")
        base = resolve_source(row.cells["base"], path, row.line)
        if kind == "data" and not isinstance(base, MotionFile):
            raise InputFileError(path, row.line, f"motion_source data: base {row.cells['base']!r} must be an "
                                                 "AMASS-style .npz motion file")
        if kind == "text" and isinstance(base, MotionFile):
            raise InputFileError(path, row.line, f"motion_source text: base {row.cells['base']!r} is a motion file "
                                                 "(write data in the motion_source column)")
        edits.append((row, base, resolve_source(row.cells["v_start"], path, row.line),
                      resolve_source(row.cells["v_end"], path, row.line)))
    return edits


def motion_editing(args: argparse.Namespace) -> None:
    """Per table row, the base decoded unchanged (sample 0) and ``base - v_start + v_end`` (sample 1)."""
    edits = read_edits(args.input_file)
    titles = [f"{label(b)} - {label(s)} + {label(e)}" for _, b, s, e in edits]
    stems = [exporters.item_stem(i, t, k) for i, t in enumerate(titles) for k in (0, 1)]
    plan = plan_outputs(args, "motion_editing", stems, grid_ncols=2)
    model = open_model(args)
    check_sampler(model, args)
    fps = args.fps or model.fps
    api.seed_everything(args.seed)
    writer = OutputWriter(model, plan, args, "motion_editing", fps)
    for i, ((row, base, start, end), title) in enumerate(zip(edits, titles)):
        where = f"{args.input_file}:{row.line}"
        duration = source_duration(model, (base,), row.duration or args.duration, where)
        print(f"[{i + 1}/{len(edits)}] {title}: {duration:g} s")
        with _input_errors_as_bad_input(where):  # the base as generation draws it (already normalised), and the edit
            base_latent = model.operand_latent(operand(base), duration, args.seed + i, **sampling_options(args))
            latents = torch.stack([base_latent, model.normalize_latent(
                base_latent - model.latent_of(operand(start)) + model.latent_of(operand(end)))])
        meta = {"duration": duration, "line": row.line, "motion_source": row.cells["motion_source"].lower(),
                "base": row.cells["base"], "v_start": row.cells["v_start"], "v_end": row.cells["v_end"]}
        clips = model.decode(latents, duration, fps)
        items = [exporters.ExportItem(exporters.item_stem(i, title, k), shown, clip,
                                      {"sample": k, "role": role, **meta})
                 for k, (clip, role, shown) in enumerate(zip(clips, ("base", "edited"), (label(base), title)))]
        for item in items:
            check_finite(item, where)
        writer.write(items, items)  # row by row: memory does not grow with the table
    writer.finish(**sampling_header(model, args))


# ------------------------------------------------------------------ motion interpolation
def motion_interpolation(args: argparse.Namespace) -> None:
    """Per table row, ``args.num_stops`` motions evenly spaced in the latent space, ends included."""
    rows = [(row, resolve_source(row.cells["start"], args.input_file, row.line),
             resolve_source(row.cells["end"], args.input_file, row.line))
            for row in read_table(args.input_file, INTERPOLATION_COLUMNS)]
    titles = [f"{label(a)} to {label(b)}" for _, a, b in rows]
    stops = args.num_stops
    stems = [exporters.item_stem(i, t, k) for i, t in enumerate(titles) for k in range(stops)]
    plan = plan_outputs(args, "motion_interpolation", stems, grid_ncols=stops)
    model = open_model(args)
    check_sampler(model, args)
    fps = args.fps or model.fps
    api.seed_everything(args.seed)
    writer = OutputWriter(model, plan, args, "motion_interpolation", fps)
    for i, ((row, start, end), title) in enumerate(zip(rows, titles)):
        where = f"{args.input_file}:{row.line}"
        duration = source_duration(model, (start, end), row.duration or args.duration, where)
        print(f"[{i + 1}/{len(rows)}] {title}: {stops} stops, {duration:g} s")
        with _input_errors_as_bad_input(where):
            latents = model.interpolation_latents(operand(start), operand(end), stops, duration, args.seed + i,
                                                  **sampling_options(args))
        items = []
        for k, clip in enumerate(model.decode(latents, duration, fps)):
            weight = k / (stops - 1)
            items.append(exporters.ExportItem(exporters.item_stem(i, title, k), f"[w={weight:.2f}] {title}", clip,
                                              {"sample": k, "stop": k, "weight": weight, "duration": duration,
                                               "line": row.line, "start": row.cells["start"], "end": row.cells["end"]}))
            check_finite(items[-1], where)
        writer.write(items, items)  # row by row: memory does not grow with the table
    writer.finish(num_stops=stops, **sampling_header(model, args))
