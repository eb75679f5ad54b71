"""Check a model against physical signatures on held-out paraphrases.

    python -m src.visualize.check_prompts [CHECKPOINT] [--num_samples 3] [--seed 0]
    python -m src.visualize.check_prompts --prompts training   # the built-in captions instead
    python -m src.visualize.check_prompts --prompts kit        # real KIT-ML captions (development set)

Each prompt of ``src.metrics.signatures.HELD_OUT_PROMPTS`` (worded unlike any training caption) is
generated ``--num_samples`` times for ``--duration`` seconds; the table says, per prompt, how many
samples show the expected signature (travel, turning, which hand is raised, foot height, pelvis
drop) and what was measured. ``--prompts training`` uses the first built-in caption of each
action instead: a model that passes those but not the paraphrases has learnt the motions but
not the language around them. ``--prompts kit`` uses real human-written KIT-ML captions whose
recording and wording agree on one action (``src.metrics.kit_prompts``; ``--kit_annotations``, default
``../shared/data/captions/kitml_annotations.json``): a development set to choose models and report
generalisation to real wording, never training data. The summary gives the pass count per
signature and in total. Exit code 0 whatever the score: this is a report, not a gate; as every
command (``src.errors``): 2 when the options or the annotations cannot be used, 3 when the model
cannot be read. The work is ``src.evaluate.prompt_checks``.
"""

import json
import sys
from pathlib import Path

from src import cli
from src.errors import BadInputError
from src.runtime import DeviceError, resolve_device
from src.parser.generation import check_prompts_parser, decoding_options, sampling_options


def main(argv=None) -> int:
    return cli.run(check_prompts_parser(__doc__), _check, argv)


def _check(opt) -> None:
    from src.evaluate import prompt_checks  # after parsing: option errors and --help never wait for torch

    if opt.prompts == "kit" and not Path(opt.kit_annotations).is_file():
        raise BadInputError(f"KIT-ML annotations not found: {opt.kit_annotations} (give --kit_annotations PATH; the "
                            f"corpus is kitml_annotations.json from ../shared/data/captions)")
    try:
        rows = prompt_checks.run(opt.checkpoint, opt.num_samples, opt.seed, opt.duration,
                                 resolve_device(opt.device, opt.force_device), opt.prompts, opt.kit_annotations,
                                 opt.kit_max_per_signature, sampling_options(opt), decoding_options(opt))
    except (DeviceError, ValueError, OSError, json.JSONDecodeError) as err:
        raise BadInputError(str(err)) from None
    print(prompt_checks.report(rows))


if __name__ == "__main__":
    sys.exit(main())
