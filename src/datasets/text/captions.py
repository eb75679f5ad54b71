"""Caption text for motion windows: joining frame labels, choosing labels by overlap, mirroring words.

A window's caption is built from the labels of its sequence:
    * frame labels (BABEL ``frame_ann``) that overlap the window, in temporal order,
      joined with " and " (``join_labels``);
    * otherwise a whole-sequence caption.
Mirror augmentation swaps the words for sides (``swap_left_right``) together with the body.
"""

import re
from typing import Iterable, List, Sequence

# Labels that describe no action of their own (BABEL marks the span between actions so).
FILLER_LABELS = frozenset({"transition"})
# A partly overlapping frame label counts for a window when it covers at least this
# fraction of the shorter of (label span, window span).
MIN_LABEL_OVERLAP = 0.5

_TRAILING = " \t\r\n.,;:!?"
# connectives left at either end of a label ("and", "then", "and then"), which joining would double
_EDGE_CONNECTIVES = re.compile(r"^(?:(?:and|then)\b[\s,]*)+|(?:[\s,]*\b(?:and|then))+$", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
# "left"/"right" as a word or with a glued suffix (lefthand, rightwards, leftmost);
# hyphenated forms (left-handed) match through the word boundary before "-".
_SIDE_WORDS = re.compile(
    r"\b(?:(?P<side>left|right)(?P<suffix>hand(?:ed)?|wards?|most|side)?|(?P<counter>counter-?|anti-?)?clockwise)\b",
    re.IGNORECASE,
)


def clean_label(label: str) -> str:
    """Strip surrounding whitespace, trailing punctuation and dangling connectives; collapse spaces."""
    text = _SPACES.sub(" ", label or "").strip(_TRAILING)
    return _EDGE_CONNECTIVES.sub("", text).strip(_TRAILING)


def _lower_first(text: str) -> str:
    # "Walk" -> "walk", but keep "T-pose", "TV", "I ...".
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def usable(label: str) -> bool:
    """Whether a label carries an action description (not empty, not a filler such as "transition")."""
    text = clean_label(label)
    return bool(text) and text.lower() not in FILLER_LABELS


def join_labels(labels: Iterable[str]) -> str:
    """Join action labels, in order, into one caption.

    Empty and filler labels are dropped, consecutive repeats (case-insensitive) are kept
    once, and parts after the first start lower-case.
        ["walk", "transition", "Wave the right hand."] -> "walk and wave the right hand"
    """
    parts: List[str] = []
    for label in labels:
        if not usable(label):
            continue
        part = clean_label(label)
        if parts and part.lower() == parts[-1].lower():
            continue
        parts.append(_lower_first(part) if parts else part)
    return " and ".join(parts)


def split_categories(joined: str) -> List[str]:
    """'walk|turn' -> ['walk', 'turn'] (BABEL action categories as stored in the db)."""
    return [c.strip() for c in (joined or "").split("|") if c.strip()]


def unique_in_order(items: Iterable[str]) -> List[str]:
    seen, out = set(), []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


def overlapping_labels(starts: Sequence[int], ends: Sequence[int], begin: int, end: int,
                       min_overlap: float = MIN_LABEL_OVERLAP) -> List[int]:
    """Indices of the labels that describe the window ``[begin, end)``.

    A label ``[starts[i], ends[i])`` counts when its overlap with the window is at least
    ``min_overlap`` of the shorter of the two spans (a label inside the window, or a
    window inside a label, always counts). When labels touch the window but none
    passes, the one with the largest overlap is returned, so a window inside a
    sequence's labelled span is never left without one. Order follows the input.
    """
    chosen, best, best_overlap = [], None, 0
    for i, (s, e) in enumerate(zip(starts, ends)):
        overlap = min(e, end) - max(s, begin)
        if overlap <= 0:
            continue
        if overlap >= min_overlap * min(e - s, end - begin):
            chosen.append(i)
        if overlap > best_overlap:
            best, best_overlap = i, overlap
    if not chosen and best is not None:
        chosen = [best]
    return chosen


def _match_case(source: str, word: str) -> str:
    if len(source) > 1 and source.isupper():
        return word.upper()
    if source[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def _swap_side(match: "re.Match") -> str:
    if match.group("side") is not None:
        side = match.group("side")
        other = "right" if side.lower() == "left" else "left"
        return _match_case(side, other) + (match.group("suffix") or "")
    text = match.group(0)
    other = "clockwise" if match.group("counter") else "counterclockwise"
    return _match_case(text, other)


def swap_left_right(text: str) -> str:
    """Swap the words for sides, preserving case, for mirrored motions.

    left <-> right (also left-handed, lefthand, leftwards, leftmost, leftside),
    clockwise <-> counterclockwise (counter-clockwise / anticlockwise become "clockwise").
    Words that merely contain the letters (upright, bright) are untouched. "right" meaning
    "correct" ("all right") is swapped too: the captions in motion datasets rarely use it.
    """
    return _SIDE_WORDS.sub(_swap_side, text)
