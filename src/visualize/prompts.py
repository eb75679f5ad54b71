"""Reading the input files of the generation commands: prompt lists and edit/interpolation tables.

Prompt file (``text2motion --input_file``), UTF-8, one prompt per line:

    # a comment: lines whose first non-blank character is '#' are skipped
    a person walks forward
    a person jumps twice#2.5

* blank lines and comment lines are skipped (a caption therefore cannot start with ``#``);
* ``text#seconds`` gives that prompt its own duration in **seconds** (the text ends at the last
  ``#``), a number in [``MIN_DURATION_S``, ``MAX_DURATION_S``] (0.2-60 s);
* other tools' files give lengths in **frames** (MoMask's ``caption#52`` = 52 frames at 20 fps):
  read them with ``length_unit="frames"`` and their rate ``fps_of_lengths`` (text2motion
  ``--length_unit frames --fps_of_lengths 20``). Read as seconds, a file whose lengths are all
  whole numbers above ``FRAME_LENGTHS_ABOVE`` (30) is refused with that fix, never read as
  minute-long motions;
* prompts longer than ``MAX_PROMPT_CHARS`` characters are cut at a word boundary, with a warning;
* any language works: the text goes to the model as written (file names use an ASCII slug).

Tables (``motion_editing`` / ``motion_interpolation --input_file``) are CSV files with a header
row (columns ``motion_source,base,v_start,v_end`` and ``start,end``; an optional ``duration``
column in seconds). Blank rows and rows whose first cell starts with ``#`` are skipped. A cell
that ends in ``.npz`` names an AMASS-style motion file (relative paths: from the current
directory, else from the table's directory); any other cell is a text.

Every problem raises :class:`InputFileError` naming the file and line.
"""

import csv
import io
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence, Union

from src.config import FRAME_LENGTHS_ABOVE, HUMANML3D_FPS
from src.errors import BadInputError
from src.parser.types import parse_duration

MAX_PROMPT_CHARS = 300
COMMENT = "#"
MOTION_FILE_SUFFIX = ".npz"
LENGTH_UNITS = ("seconds", "frames")


class InputFileError(BadInputError):
    """A prompt or table file that cannot be used; the message names the file and line."""

    def __init__(self, source, line: Optional[int], message: str):
        where = f"{source}:{line}" if line is not None else str(source)
        super().__init__(f"{where}: {message}")
        self.source, self.line = str(source), line


@dataclass(frozen=True)
class Prompt:
    """One prompt line.

    Args:
        text: the caption (stripped, possibly truncated).
        duration: seconds given on the line (``text#length``, frames converted), None = the command's default.
        line: 1-based line number in ``source``.
        source: the file it came from.
    """

    text: str
    duration: Optional[float]
    line: int
    source: str


@dataclass(frozen=True)
class MotionFile:
    """A table cell naming a motion file (AMASS-style ``.npz``)."""

    path: Path

    @property
    def label(self) -> str:
        return self.path.stem


Source = Union[str, MotionFile]  # a text or a motion file


@dataclass(frozen=True)
class TableRow:
    """One row of an edit or interpolation table: its cells by column, the duration and the line."""

    cells: dict
    duration: Optional[float]
    line: int
    source: str


def truncate_text(text: str, source, line: int, limit: int = MAX_PROMPT_CHARS) -> str:
    """``text`` cut to at most ``limit`` characters at a word boundary, with a warning when cut."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    if " " in cut[limit // 2:]:
        cut = cut[: cut.rindex(" ")]
    warnings.warn(f"{source}:{line}: prompt of {len(text)} characters truncated to {len(cut)}", stacklevel=3)
    return cut.rstrip()


def _read_lines(path) -> List[str]:
    """Lines of a UTF-8 file (a BOM is dropped); InputFileError naming the first undecodable line."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(path, None, "file not found" if not path.exists() else "not a file")
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    lines = raw.split(b"\n")
    out = []
    for number, chunk in enumerate(lines, 1):
        try:
            out.append(chunk.decode("utf-8").rstrip("\r"))
        except UnicodeDecodeError:
            raise InputFileError(path, number, "not valid UTF-8 text") from None
    return out


def _whole_number(value: str) -> Optional[int]:
    """``value`` as an int when it is written as a whole number ('52', '52.0'), else None."""
    try:
        number = float(value)
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


def _refuse_frame_lengths(path, lengths) -> None:
    """InputFileError when every ``(line, value)`` length is a whole number > FRAME_LENGTHS_ABOVE:
    such a file counts frames (MoMask, HumanML3D), and read as seconds it would give minute-long motions."""
    numbers = [_whole_number(value) for _, value in lengths]
    if not lengths or any(n is None or n <= FRAME_LENGTHS_ABOVE for n in numbers):
        return
    line, value = lengths[0]
    raise InputFileError(path, line, f"'#{value}': every length in this file is a whole number above "
                                     f"{FRAME_LENGTHS_ABOVE}, like the frame counts of MoMask/HumanML3D prompt "
                                     f"files, but lengths are read as seconds. For frames at 20 fps pass "
                                     f"--length_unit frames --fps_of_lengths 20; for seconds write them as "
                                     f"seconds (e.g. '#2.6')")


def _frames_to_seconds(value: str, fps: float, where: str) -> float:
    """A ``#frames`` length -> seconds (frames / fps), range-checked as a duration."""
    frames = _whole_number(value)
    if frames is None or frames <= 0:
        raise ValueError(f"{where}: {value!r} is not a positive whole number of frames")
    return parse_duration(repr(frames / fps), f"{where} ({frames} frames at {fps:g} fps)")


def read_prompts(path, length_unit: str = "seconds", fps_of_lengths: float = HUMANML3D_FPS) -> List[Prompt]:
    """Parse a prompt file (see the module docstring).

    Args:
        path: the prompt file.
        length_unit: what ``text#N`` counts, "seconds" (default) or "frames".
        fps_of_lengths: the frame rate of ``#frames`` lengths (HumanML3D/MoMask: 20).

    Raises:
        InputFileError: missing file, bad encoding, a bad ``#length``, a seconds file that looks
        like frame counts, no prompts.
    """
    return parse_prompts(_read_lines(path), path, length_unit, fps_of_lengths)


def parse_prompts(lines: Sequence[str], source, length_unit: str = "seconds",
                  fps_of_lengths: float = HUMANML3D_FPS) -> List[Prompt]:
    """The prompts of a prompt file's ``lines`` (``read_prompts`` without the file; the web demo's
    text box). Errors name ``source`` and the line, as ``read_prompts``'s."""
    if length_unit not in LENGTH_UNITS:
        raise ValueError(f"length_unit must be one of {LENGTH_UNITS}, got {length_unit!r}")
    entries = []  # (line number, text, length string or None)
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith(COMMENT):
            continue
        if COMMENT in line:
            text, _, value = line.rpartition(COMMENT)
            entries.append((number, text.strip(), value.strip()))  # text not empty: no leading '#'
        else:
            entries.append((number, line, None))
    if length_unit == "seconds":
        _refuse_frame_lengths(source, [(n, v) for n, _, v in entries if v is not None])
    prompts = []
    for number, text, value in entries:
        duration = None
        if value is not None:
            try:
                if length_unit == "frames":
                    duration = _frames_to_seconds(value, fps_of_lengths, "length")
                else:
                    duration = parse_duration(value, "duration")
            except ValueError as err:
                example = "'a person jumps#52' (frames)" if length_unit == "frames" else "'a person jumps#2.5'"
                raise InputFileError(source, number, f"{err} (write 'text#{length_unit}', e.g. {example})") from None
        prompts.append(Prompt(truncate_text(text, source, number), duration, number, str(source)))
    if not prompts:
        raise InputFileError(source, None, "no prompts (only blank or '#' comment lines)")
    return prompts


def resolve_source(cell: str, table, line: int) -> Source:
    """A table cell -> its text, or a :class:`MotionFile` when it ends in ``.npz``."""
    if not cell.lower().endswith(MOTION_FILE_SUFFIX):
        return truncate_text(cell, table, line)
    for candidate in (Path(cell), Path(table).parent / cell):
        if candidate.is_file():
            return MotionFile(candidate)
    raise InputFileError(table, line, f"motion file {cell!r} not found (looked in the current directory and "
                                      f"beside {Path(table).name})")


def read_table(path, columns: Sequence[str]) -> List[TableRow]:
    """Rows of a CSV table with at least ``columns`` (plus an optional ``duration`` column).

    Raises:
        InputFileError: missing file or columns, empty cells, a bad duration, no rows.
    """
    lines = _read_lines(path)
    reader = csv.reader(io.StringIO("\n".join(lines)))
    header, rows = None, []
    for record in reader:
        number = reader.line_num
        cells = [c.strip() for c in record]
        if not any(cells) or cells[0].startswith(COMMENT):
            continue
        if header is None:
            header = cells
            missing = [c for c in columns if c not in header]
            if missing:
                raise InputFileError(path, number, f"header lacks column(s) {missing}; expected "
                                                   f"{','.join(columns)}[,duration], found {','.join(header)}")
            continue
        if len(cells) != len(header):
            raise InputFileError(path, number, f"{len(cells)} cells, the header has {len(header)}")
        row = dict(zip(header, cells))
        empty = [c for c in columns if not row[c]]
        if empty:
            raise InputFileError(path, number, f"empty cell(s) {empty}")
        duration = None
        if row.get("duration"):
            try:
                duration = parse_duration(row["duration"], "duration")
            except ValueError as err:
                raise InputFileError(path, number, str(err)) from None
        rows.append(TableRow({c: row[c] for c in columns}, duration, number, str(path)))
    if header is None or not rows:
        raise InputFileError(path, None, f"no rows (expected a header {','.join(columns)} and at least one row)")
    return rows
