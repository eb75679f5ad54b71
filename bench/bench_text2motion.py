"""text2motion speed on the CPU: warm latency per prompt, and the cold start of the command.

1. Warm latency (model and text backbone already loaded, in this process), a batch of --prompts
   prompts of --duration seconds, median over --repeats rounds after a warm-up round; per-prompt
   ms = batch time / number of prompts. Four rows per sampler (regression, and diffusion when the
   checkpoint has a prior: all its DDIM steps with guidance):
     decode pass, uncached   model.generate(32 captions, T): backbone (MiniLM) on captions it has
                             never seen (fresh numbered variations every round) + text encoder +
                             ONE batched decoder pass -> raw features
     decode pass, cached     the same captions again: backbone skipped (its caption cache)
     API clips, uncached     api.SMoG.generate_clips(32 captions, 4 s): what the command runs per
                             prompt (one prompt per model call, its own seed) plus forward kinematics
                             and canonicalisation to joint positions
     API clips, cached       the same, cached captions
   Goal: under 20 ms per prompt (a single decoder pass).
2. Cold start: ``python -m src.visualize.text2motion CKPT --input_file one_prompt.txt --output_dir DIR
   --no_animation`` end to end as a subprocess (--cold_runs runs, median; wall and CPU = user + sys
   of the child), and a breakdown measured in a fresh subprocess (wall and process CPU per stage):
   ``import torch``, ``import src.visualize.text2motion`` (src.api, exporters, roma),
   ``import transformers``, MiniLM load, checkpoint read, model build (of which the KAN layers'
   initialisation, skipped on the load path), weights load, first generation, writing the files; the
   subprocess row adds interpreter start-up and exit. The command and the breakdown run with
   OMP_NUM_THREADS=--threads. Goal: under 10 s.

The checkpoint: ``exps/smog_builtin/checkpoint.pth.tar`` (the shipped model) when it exists, else a
model of the default config (``build_model`` with the CLI defaults, random weights: the same
speed) saved to a temporary checkpoint; the output says which. Timings are with warm OS file caches
(the first cold run is discarded as a warm-up unless --cold_runs is 1).

    python bench/bench_text2motion.py                  # 2 threads, 32 prompts x 4 s, 5 repeats, 3 cold runs
    python bench/bench_text2motion.py --checkpoint exps/run/checkpoint_0100.pth.tar --repeats 10
    python bench/bench_text2motion.py --skip_cold      # warm latency only
    python bench/bench_text2motion.py --threads 1      # on a busy machine: no waiting on a descheduled thread
"""

import argparse
import importlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (CAPTIONS, ROOT, iqr, machine_load, markdown_table, median, model_options,  # noqa: E402
                     set_threads)

PROMPT_GOAL_MS = 20.0
COLD_GOAL_S = 10.0
COLD_PROMPT = "a person walks forward and waves with the right hand"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--checkpoint", type=Path, default=None,
                        help="checkpoint to time (default: the shipped model, else a default-config model)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--prompts", type=int, default=32, help="prompts per batch")
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per motion")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--cold_runs", type=int, default=3, help="end-to-end command runs (plus one warm-up)")
    parser.add_argument("--skip_cold", action="store_true", help="only the warm latency")
    parser.add_argument("--steps", type=int, nargs="+", default=None,
                        help="diffusion rows at these DDIM step counts (default: the prior's own)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (checkpoint, outputs)")
    parser.add_argument("--_breakdown", dest="breakdown", type=Path, default=None, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# ------------------------------------------------------------------ checkpoint
def default_checkpoint(work: Path) -> tuple:
    """(path, description): the shipped model if present, else a fresh default-config model saved in ``work``."""
    from src import config

    if config.DEFAULT_CHECKPOINT.is_file():
        return config.DEFAULT_CHECKPOINT, f"shipped model {config.DEFAULT_CHECKPOINT.relative_to(ROOT)}"
    import torch

    from src.models.checkpoint import save_checkpoint
    from src.models.factory import build_model

    torch.manual_seed(0)
    opt = model_options()
    njoints, nfeats = 25, 6
    stats = {"mean": torch.zeros(njoints, nfeats), "std": torch.ones(njoints, nfeats)}
    model = build_model(opt, stats)
    path = save_checkpoint(work / "default_config.pth.tar", model, opt=opt)
    return path, (f"no shipped model ({config.DEFAULT_CHECKPOINT.relative_to(ROOT)} absent): a default-config "
                  f"model (arch {model.config.kan.arch}, kan_layers {list(model.config.kan.layers)}, latent "
                  f"{model.latent_dim}, {model.config.sizes.num_layers} layers, random weights) saved to {path}")


# ------------------------------------------------------------------ warm latency
def fresh_captions(round_index: int, count: int) -> list:
    """Captions the backbone has not seen: fixed captions with a number no other round uses."""
    return [f"{CAPTIONS[i % len(CAPTIONS)]}, take {round_index * count + i}" for i in range(count)]


def warm_latency(checkpoint: Path, args) -> list:
    from src import api

    model = api.SMoG.from_pretrained(checkpoint, device="cpu")
    backbone = model.model.text_backbone
    frames = model.num_frames(args.duration)
    cached = fresh_captions(10_000, args.prompts)
    backbone.encode_tokens(cached)
    backbone.encode_pooled(cached)

    # Both samplers in one run when the checkpoint has a diffusion prior (its default sampling:
    # all DDIM steps, classifier-free guidance included).
    # --steps: the diffusion rows at these DDIM step counts instead.
    samplers = [("regression", None)]
    if model.model.prior is not None:
        samplers += [("diffusion", steps) for steps in (args.steps or [None])]
    cases = {}
    for sampler, steps in samplers:
        name = sampler if steps is None else f"{sampler}, {steps} steps"
        options = {"sampler": sampler} if steps is None else {"sampler": sampler, "steps": steps}
        cases[f"decode pass ({name})"] = lambda texts, o=options: model.model.generate(texts, frames, seed=0, **o)
        cases[f"API clips ({name})"] = lambda texts, o=options: model.generate_clips(texts, args.duration, seed=0, **o)
    times = {(case, kind): [] for case in cases for kind in ("uncached", "cached")}
    misses = {key: 0 for key in times}
    counter = 0
    for rep in range(1 + args.repeats):  # round 0 is the warm-up
        for case, call in cases.items():
            for kind in (("uncached", "cached") if rep % 2 == 0 else ("cached", "uncached")):
                if kind == "uncached":
                    counter += 1
                    texts = fresh_captions(counter, args.prompts)
                else:
                    texts = cached
                before = backbone.cache_info()["misses"]
                start = time.perf_counter()
                call(texts)
                elapsed = time.perf_counter() - start
                if rep > 0:
                    times[(case, kind)].append(elapsed)
                    misses[(case, kind)] += backbone.cache_info()["misses"] - before
    rows = []
    for (case, kind), values in times.items():
        per = [v / args.prompts * 1e3 for v in values]
        rows.append([f"{case}, {kind}", f"{median(values) * 1e3:.0f}", f"{median(per):.1f} [{iqr(per)[0]:.1f}-"
                     f"{iqr(per)[1]:.1f}]", misses[(case, kind)],
                     "met" if median(per) < PROMPT_GOAL_MS else "NOT met"])
    print(f"## warm latency: {args.prompts} prompts x {args.duration:g} s ({frames} frames at {model.fps:g} fps), "
          f"{args.repeats} rounds after 1 warm-up, {args.threads} thread(s)")
    print(markdown_table(["measure", "batch ms (median)", "ms per prompt (median [IQR])", "backbone misses",
                          f"< {PROMPT_GOAL_MS:g} ms/prompt"], rows))
    return rows


# ------------------------------------------------------------------ cold start
def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_command(checkpoint: Path, work: Path, index: int, threads: int) -> tuple:
    """One end-to-end run of the command: (wall s, CPU s (user + sys), return code, output, argv)."""
    prompt_file = work / "one_prompt.txt"
    prompt_file.write_text(COLD_PROMPT + "\n", encoding="utf-8")
    out_dir = work / f"cold_{index}"
    cmd = [sys.executable, "-m", "src.visualize.text2motion", str(checkpoint), "--input_file", str(prompt_file),
           "--output_dir", str(out_dir), "--no_animation"]
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    cpu = _children_cpu()
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    return time.perf_counter() - start, _children_cpu() - cpu, proc.returncode, proc.stdout + proc.stderr, cmd


class _Stages:
    """Wall and process-CPU seconds of consecutive stages."""

    def __init__(self):
        self.marks = {}
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        self.start = (self.wall, self.cpu)

    def mark(self, stage: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        self.marks[stage] = [wall - self.wall, cpu - self.cpu]
        self.wall, self.cpu = wall, cpu

    def total(self, stage: str) -> None:
        self.marks[stage] = [time.perf_counter() - self.start[0], time.process_time() - self.start[1]]


def breakdown_child(checkpoint: Path, out_dir: Path, threads: int) -> None:
    """Run in a fresh interpreter: the command's stages one by one (as src.api.load_model and
    src.visualize.text2motion run them), {stage: [wall s, CPU s]} printed as JSON (last line)."""
    stages = _Stages()
    import torch

    torch.set_num_threads(threads)
    stages.mark("import torch")
    from src import api
    from src.parser.generation import text2motion_parser
    from src.visualize import exporters, generation

    stages.mark("import src.visualize.generation (src.api, exporters, roma -> torch._dynamo)")
    importlib.import_module("transformers")
    stages.mark("import transformers")
    from src.models.backbones import Backbones, load_text_backbone

    backbone = load_text_backbone("minilm", torch.device("cpu"))
    stages.mark("load MiniLM (modeling_bert import, tokenizer, weights)")
    from src.models import checkpoint as model_files
    from src.models.architectures.blocks import skip_kan_init
    from src.models.architectures.kan import KANLayer
    from src.models.prior import LatentPrior
    from src.models.smog import SMoGModel

    files = model_files.read_model_files(Path(checkpoint), "cpu")
    stages.mark("read checkpoint (torch.load)")
    kan_init = [0.0, 0.0]
    original_reset = KANLayer.reset_parameters

    def timed_reset(self):
        wall, cpu = time.perf_counter(), time.process_time()
        original_reset(self)
        kan_init[0] += time.perf_counter() - wall
        kan_init[1] += time.process_time() - cpu

    KANLayer.reset_parameters = timed_reset
    with skip_kan_init():  # the load path (KAN initialisation skipped)
        model = SMoGModel(files.config, None, Backbones())
        if files.prior_config is not None:  # as SMoGModel.from_files
            model.attach_prior(LatentPrior(files.prior_config))
    KANLayer.reset_parameters = original_reset
    stages.mark("build model (modules, body model)")
    stages.marks["  of which KAN initialisation (reset_parameters)"] = list(kan_init)
    model_files.load_state_dict_checked(model, files.state_dict, True)
    model.eval()
    model.set_text_backbone(backbone)
    stages.mark("load weights (strict state_dict)")
    wrapper = api.SMoG(model, checkpoint=checkpoint)
    args = text2motion_parser().parse_args([str(checkpoint), "--input_file", str(out_dir / "p.txt"),
                                                  "--output_dir", str(out_dir), "--no_animation"])
    clip = wrapper.generate_clips([COLD_PROMPT], 4.0, seed=10)[0][0]
    stages.mark("first generation (1 prompt, 4 s, uncached caption)")
    items = [exporters.ExportItem(exporters.item_stem(0, COLD_PROMPT, 0), COLD_PROMPT, clip,
                                  {"sample": 0, "duration": 4.0, "line": 1})]
    writer = generation.OutputWriter(wrapper, generation.plan_outputs(args, "text2motion", [items[0].stem]), args,
                                     "text2motion", wrapper.fps)
    writer.write(items)
    writer.finish()
    stages.mark("write files (npy, npz, bvh, manifest)")
    stages.total("in-process total")
    # What the KAN initialisation costs when it is not skipped (the load path before the fix).
    kan_layers = [m for m in model.modules() if isinstance(m, KANLayer)]
    wall, cpu = time.perf_counter(), time.process_time()
    for layer in kan_layers:
        layer.reset_parameters()
    stages.marks[f"(not in the total) KAN initialisation of the {len(kan_layers)} KAN layers if not skipped"] = [
        time.perf_counter() - wall, time.process_time() - cpu]
    print(json.dumps(stages.marks))


def cold_start(checkpoint: Path, work: Path, args) -> tuple:
    runs = []
    for i in range(args.cold_runs + (1 if args.cold_runs > 1 else 0)):
        wall, cpu, code, output, cmd = run_command(checkpoint, work, i, args.threads)
        if code != 0:
            raise SystemExit(f"the command failed ({code}):\n{output}")
        runs.append((wall, cpu))
    timed = runs[1:] if args.cold_runs > 1 else runs
    breakdowns = []
    for i in range(max(1, min(args.cold_runs, 3))):
        out_dir = work / f"breakdown_{i}"
        out_dir.mkdir()
        cpu = _children_cpu()
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--checkpoint", str(checkpoint),
                               "--threads", str(args.threads), "--_breakdown", str(out_dir)],
                              cwd=ROOT, capture_output=True, text=True,
                              env=dict(os.environ, OMP_NUM_THREADS=str(args.threads)))
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            raise SystemExit(f"breakdown failed:\n{proc.stdout}{proc.stderr}")
        marks = json.loads(proc.stdout.strip().splitlines()[-1])
        marks["subprocess (interpreter start-up + the total + exit)"] = [wall, _children_cpu() - cpu]
        breakdowns.append(marks)
    walls, cpus = [w for w, _ in timed], [c for _, c in timed]
    print(f"## cold start of the command ({len(timed)} timed runs"
          f"{' after 1 warm-up run' if args.cold_runs > 1 else ''}, warm OS file cache, OMP_NUM_THREADS={args.threads})")
    print(f"    {' '.join(['python', *cmd[1:]])}")
    print(f"end to end: wall median {median(walls):.2f} s (runs {', '.join(f'{s:.2f}' for s in walls)}), "
          f"CPU (user + sys) median {median(cpus):.2f} s (runs {', '.join(f'{s:.2f}' for s in cpus)}): "
          f"goal < {COLD_GOAL_S:g} s {'met' if median(walls) < COLD_GOAL_S else 'NOT met'}")
    print()
    rows = [[stage, f"{median([b[stage][0] for b in breakdowns]):.2f}",
             f"{median([b[stage][1] for b in breakdowns]):.2f}",
             " / ".join(f"{b[stage][0]:.2f}" for b in breakdowns)] for stage in breakdowns[0]]
    print(f"breakdown, measured in-process in a fresh interpreter ({len(breakdowns)} runs; CPU = process "
          f"user + sys time, all threads):")
    print(markdown_table(["stage", "wall s (median)", "CPU s (median)", "wall s, each run"], rows))
    return timed, breakdowns


def main(argv=None):
    args = parse_args(argv)
    if args.breakdown is not None:  # before anything imports torch: the child times that import
        breakdown_child(args.checkpoint, args.breakdown, args.threads)
        return 0
    set_threads(args.threads)
    work = Path(tempfile.mkdtemp(prefix="bench_t2m_"))
    try:
        if args.checkpoint is not None:
            checkpoint, described = args.checkpoint.resolve(), f"given checkpoint {args.checkpoint}"
        else:
            checkpoint, described = default_checkpoint(work)
        import torch

        print(f"# bench_text2motion: torch {torch.__version__}, {args.threads} thread(s), {machine_load()} (start)")
        print(f"checkpoint: {described}")
        print()
        warm_latency(checkpoint, args)
        print()
        if not args.skip_cold:
            cold_start(checkpoint, work, args)
        print()
        print(f"{machine_load()} (end)")
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            import shutil

            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
