"""Report which SMPL-family model files are present and whether they load.

SMPL and SMPL+H need a free registration, so no script can download them; this one
tells the user where each file goes and checks what it finds.

Usage: python -m prepare.check_smpl_files [--models_dir models]
"""

import argparse
import sys
from pathlib import Path

from src import config
from src.models.rotation2xyz import SMPLFamilyBody, smpl_model_path

EXPECTED = [("smpl", g) for g in ("neutral", "male", "female")] + [("smplh", g) for g in ("neutral", "male", "female")]


def check(models_dir: Path) -> list:
    """Returns rows (kind, gender, path, status) for every expected file."""
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
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models_dir", type=Path, default=config.MODELS_DIR)
    args = parser.parse_args(argv)
    rows = check(args.models_dir)
    for kind, gender, path, status in rows:
        print(f"{kind:6s} {gender:8s} {status:40s} {path}")
    if not any(status.startswith("ok") for *_, status in rows):
        print("\nNo SMPL-family model found; the built-in skeleton is used (joints only, no mesh).")
        print(config.SMPL_DOWNLOAD_HINT)
    return 1 if any(status.startswith("unreadable") for *_, status in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
