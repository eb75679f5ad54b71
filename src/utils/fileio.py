"""File writing that never leaves a half-written output behind."""

import contextlib
import os
import tempfile
from pathlib import Path

TEMP_SUFFIX = ".tmp"


def temp_prefix(name: str) -> str:
    """The prefix of the temporary files ``atomic_path`` makes for a file called ``name``."""
    return f".{name}."


def _fsync_file(path) -> None:
    """Flush ``path``'s data to the disk (a rename alone can reach the disk before the data)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(directory) -> None:
    """Flush a folder's entries (the rename itself); folders cannot be opened on Windows."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some file systems refuse fsync on a folder
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; rename it onto ``path`` only if the block succeeds.

    The data is fsynced before the rename and the folder after it, so a crash or power loss
    leaves either the old file or the complete new one, never a renamed but empty file. A process
    killed inside the block leaves its ``.<name>.XXXX.tmp`` behind (``remove_stale_temps``).

    Example:
        with atomic_path("out/db.pt") as tmp:
            torch.save(obj, tmp)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=temp_prefix(path.name), suffix=TEMP_SUFFIX, dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        # mkstemp creates owner-only files; give the result the usual umask-based mode.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        _fsync_file(tmp)
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def remove_stale_temps(folder, pattern: str) -> list:
    """Delete the temporary files ``atomic_path`` left in ``folder`` for files matching ``pattern``
    (a glob such as ``checkpoint_*``) when a process was killed while writing; returns them."""
    stale = sorted(Path(folder).glob(temp_prefix(pattern) + "*" + TEMP_SUFFIX))
    for path in stale:
        path.unlink(missing_ok=True)
    return stale


def write_text_atomic(path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file."""
    with atomic_path(path) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")
