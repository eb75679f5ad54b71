"""Parse AMASS (and BABEL labels) into the motion db of ``src.datasets.formats.db``.

    python -m src.datasets.amass_parser --dataset_name amass|babel --input_dir data/amass \
        --babel_dir data/babel_v1.0_release --output_dir data/amass_db --target_fps 30 [--quick_run]

``--dataset_name babel``: the AMASS sequences BABEL annotates, in BABEL's splits (the extra files
add labels to the same split). ``--dataset_name amass``: every AMASS sequence, in AMASS's official
split by subset (``AMASS_SPLITS``), with BABEL labels attached where ``--babel_dir`` exists.
Writes ``<output_dir>/<dataset>_<fps>fps_{train,val,test}.pt``, plus ``parse_log.txt`` (summary
and every skipped file) and ``skipped.tsv`` (path, reason, detail). A file that cannot be used is
skipped with its reason; the run goes on.

Exit codes as every command (``src.errors``): 0 done, 2 unusable options or input folders, no usable
sequence at all (then nothing is written), or a db already in ``--output_dir`` without ``--overwrite``.
The work is ``src.datasets.amass_db.build_db``.
"""

import sys

from src import cli
from src.parser.data import amass_parser_parser


def main(argv=None) -> int:
    return cli.run(amass_parser_parser(), _parse, argv)


def _parse(args) -> None:
    from src.datasets.amass_db import build_db  # after parsing: option errors and --help never wait for torch

    build_db(args)


if __name__ == "__main__":
    sys.exit(main())
