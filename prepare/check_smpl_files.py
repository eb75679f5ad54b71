"""Report which SMPL-family model files are present and whether they load.

SMPL and SMPL+H need a free registration, so no script can download them; this one
tells the user where each file goes and checks what it finds.

Usage: python -m prepare.check_smpl_files [--models_dir models]

Exit codes as every command (``src.errors``): 0 done (also when no file is found: the built-in
skeleton is used), 3 when a file is present but unreadable.
"""

import sys
from pathlib import Path

from src import cli, config
from src.errors import ModelFilesError
from src.parser.data import check_smpl_files_parser

EXPECTED = [("smpl", g) for g in ("neutral", "male", "female")] + [("smplh", g) for g in ("neutral", "male", "female")]


def check(models_dir: Path) -> list:
    """Returns rows (kind, gender, path, status) for every expected file."""
    from src.models.rotation2xyz import SMPLFamilyBody, smpl_model_path  # after parsing: --help never waits for torch

    rows = []
    for kind, gender in EXPECTED:
        path = smpl_model_path(kind, gender, models_dir)
        if not path.is_file():
            rows.append((kind, gender, path, "missing"))
            continue
        try:
            body = SMPLFamilyBody(path)
            rows.append((kind, gender, path, f"ok ({body.v_template.shape[0]} vertices, {body.num_model_joints} joints)"))
        except Exception as err:  # report any unreadable file, keep checking the others
            rows.append((kind, gender, path, f"unreadable: {err}"))
    return rows


def main(argv=None) -> int:
    return cli.run(check_smpl_files_parser(__doc__), _report, argv)


def _report(args) -> None:
    rows = check(args.models_dir)
    for kind, gender, path, status in rows:
        print(f"{kind:6s} {gender:8s} {status:40s} {path}")
    if not any(status.startswith("ok") for *_, status in rows):
        print("\nNo SMPL-family model found; the built-in skeleton is used (joints only, no mesh).")
        print(config.SMPL_DOWNLOAD_HINT)
    unreadable = [str(path) for *_, path, status in rows if status.startswith("unreadable")]
    if unreadable:
        raise ModelFilesError(f"unreadable model file(s): {', '.join(unreadable)}")


if __name__ == "__main__":
    sys.exit(main())
