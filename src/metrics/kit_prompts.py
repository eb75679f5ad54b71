"""A real-wording development prompt set: KIT-ML captions paired with physical signatures.

``load_kit_prompts(path)`` reads the KIT Motion-Language annotations (``../shared/data/captions/
kitml_annotations.json``: ``{keyid: {path, duration, annotations: [{text, ...}]}}``, captions
written by people who watched each recording) and returns ``(caption, signature)`` pairs, where
``signature`` is a key of ``src.metrics.signatures.CHECKS``. The set is for choosing models and
reporting how they generalise to human wording; it is never training data (the corpus licence
allows tests and benchmarks only).

A caption gets a signature only when two independent sources agree on one single action:

1. the recording's **category**, i.e. its file stem without the trailing take number and
   ``_poses`` (``KIT/3/wave_left01_poses`` -> ``wave_left``), must be one of the rule's categories;
2. the **caption** must match every ``require`` pattern of the rule, none of its ``reject``
   patterns, and none of the multi-action patterns below (``then``, ``after``, ``before``, ...);
3. **sides**: a rule for a left/right category lets a caption name only that side ("left",
   "counterclockwise" / "right", "clockwise"; a push *from* a side is not a side of the action);
   a sided signature (``turn_left``, ``left_hand_up``, ...) also requires the side to be named;
   a rule for a side-less category rejects every side word. And a recording is skipped
   altogether when any of its captions names only the other side: the annotators then disagree
   with the file name (several KIT ``LeftTurn`` / ``bend_left`` takes are described as right turns
   and vice versa).

The rules (``RULES``), from reading every caption of the categories involved:

* ``forward``: straight walks and runs (``WalkingStraightForward(s)``, ``walking_slow|medium|fast``,
  ``WSTR``, ``walking_run``, ``run``) whose caption says forward / ahead / straight, with no turn,
  back, side, stairs, slope, jump or limp. "A person walks slowly." is too vague (no direction).
* ``backward``: ``WalkingStraightBackwards`` captions that say backward(s) / reverse / backing.
* ``left`` / ``right``: standing push-recovery takes (pushed from the right -> steps left,
  ``push_recovery_stand_right``; mirrored for ``_left``) whose caption describes a single step
  or stumble to that side, without the push ("is pushed to the left" describes no action of the
  person), a return to the start, or a small step. KIT's sideways jumps (``jump_left|right``) are
  left out: their captions give 10-30 cm, under the 0.3 m the check asks for.
* ``turn_left`` / ``turn_right``: the 90-degree walking turns (``LeftTurn``/``bend_left``,
  ``RightTurn``/``bend_right``) described as a turn, curve, bend, corner or quarter circle to
  that side. Half circles, U-turns and 180 degrees are rejected (a 180-degree turn's heading is
  +-180 and says nothing about its side).
* ``turn_around``: KIT's ``turn_left`` / ``turn_right`` recordings are *not* 90-degree turns: the
  person walks two steps, turns 180 degrees on one foot and walks back. Only captions of the turn
  alone (180 degrees, U-turn, turn around, about-face, spin) are kept, not "walks forward, turns
  and walks back" (several actions).
* ``left_hand_up`` / ``right_hand_up``: ``wave_left`` / ``wave_right`` / ``wave`` captions of a wave
  or greeting with a named hand or arm; wipes and two-handed waves are rejected.
* ``both_hands_above_head``: the arm-only ``jumping_jack`` takes, when the caption puts both hands
  or arms above / over the head (the corpus has very few).
* ``pelvis_drop``: squats (``squat``, ``Kniebeuge``: "squat", "knee bend") and kneeling down
  (``kneel_down_with_*``: "kneels down", "gets down on his knees"), without a T-pose or other
  arm action before. The frequent typo "squad" is not accepted (a different word to a model).
* ``airborne``: ``jump_up`` (jump in place; no direction, no walk) and ``jumping_jumping_jack``
  (a jumping jack).
* ``left_foot_up`` / ``right_foot_up``: high kicks (``kick_high_*``, ``KickHuefthoch`` = hip-high,
  ``kick``) with a named foot or leg. Low kicks and stomps are left out: the check asks for the
  foot 0.35 m up, which a low kick need not reach.

Mirrored copies (keys ``M...``, paths ``M/...``) are skipped: their captions are the originals with
left and right swapped by a program, not human wording, and every other caption is a duplicate.
CMU recordings in the corpus have numeric stems (no category) and are skipped too.

Captions are deduplicated case- and punctuation-insensitively (the first by key order is kept, as
written); a caption that two rules would give different signatures is dropped. Where a signature
has more than ``max_per_signature`` captions a deterministic choice is kept: the captions with the
smallest SHA-1 of their normalised text.
"""

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from src import config
from src.metrics.signatures import CHECKS

DEFAULT_MAX_PER_SIGNATURE = 12

# Sequence words: a caption with one of these describes several actions in a row.
MULTI_ACTION = re.compile(r"\b(then|than|after|afterwards|before|beforehand|followed|first|finally|again|"
                          r"returns?|returning|back to)\b", re.I)
# A push *from* a side (or on a shoulder) names where the force came from, not a side of the action.
_PUSH_SIDE = re.compile(r"\bfrom (the |his |her |its |their )?(left|right)( hand)?( side)?\b|"
                        r"\bon (the |his |her |its |their )(left|right) shoulder\b", re.I)
_COUNTERCLOCKWISE = re.compile(r"\b(counter|anti)[- ]?clock[- ]?wise\b|\bagainst the clockwise\b", re.I)
_SIDE_WORDS = {
    "left": re.compile(r"\bleft|\bCOUNTERCLOCKWISE\b", re.I),
    "right": re.compile(r"\bright|\brigth\b|\bclock[- ]?wise\b", re.I),
}
_OTHER = {"left": "right", "right": "left"}


@dataclass(frozen=True)
class Rule:
    """One signature from some recording categories, by keyword rules on the caption text."""

    signature: str
    categories: tuple  # recording categories (file stem without take number / ``_poses``)
    require: tuple  # regexes that must all match the caption
    reject: str  # regex that must not match the caption
    side: str = None  # "left" / "right": the categories' side (the only side word allowed)
    side_required: bool = False  # the caption must name ``side``


_LOCOMOTION = (r"\b(walk|walks|walking|walked|goes|go|going|moves|moving|strides?|striding|steps?|stepping|"
               r"runs?|running|jogs?|jogging|sprints?|sprinting)\b")
_TURN_90 = r"\bturn|\bcurve|\bbend\b|\bcorner\b|\bqua?r?ter\b|\b90\b|\bninety\b"
_TURN_180 = r"\b180\b|\bu[- ]?turn|\bturn(s|ing|ed)? (\w+ )?around\b|\babout-face\b|\bspin|\bhalf a circle\b"
_HAND = r"\b(hand|arm)\b"
_SIDESTEP = r"\b(sidesteps?|side[- ]steps?|side stepping|steps?|stepping|stumbl\w*)\b"
# Sidesteps: no push (the person's own action only), no recovery, no return to the start, no small step.
_SIDESTEP_REJECT = (r"\bpush|\bpuch|\bshov|\brecover|\bsmall\b|\blittle\b|\bback|\bjump|\bcross|\bdodge|\blunge|"
                    r"\bposition|\borigin|\bstart|\bends?\b")

RULES = (
    Rule("forward",
         ("WalkingStraightForward", "WalkingStraightForwards", "walking_slow", "walking_medium", "walking_fast",
          "WSTR", "walking_run", "run"),
         (_LOCOMOTION, r"\bforwards?\b|\bahead\b|\bstraight\b"),
         r"\bturn|\bcurve|\bcircle|\bback|\bside|\baround\b|\bstairs?\b|\bslope|\bramp\b|\bup\b|\bdown\b|\bjump|\bhop|"
         r"\blimp|\bhobbl|\bfall|\blook|\btipping\b|\bdrift|\bslight|\bdiagonal|\bfaster and\b"),
    Rule("backward", ("WalkingStraightBackwards",),
         (r"\bbackwards?\b|\breverse\b|\bbacking\b|\bstepping back\b",),
         r"\bturn|\bcurve|\bcircle|\bforward|\bside|\baround\b|\bhead\b|\blook|\barms?\b|\bswing"),
    Rule("left", ("push_recovery_stand_right",),
         (_SIDESTEP, r"\bto (the |his |her |its |their )?left\b"),
         _SIDESTEP_REJECT, side="left",
         side_required=True),
    Rule("right", ("push_recovery_stand_left",),
         (_SIDESTEP, r"\bto (the |his |her |its |their )?right\b"),
         _SIDESTEP_REJECT, side="right",
         side_required=True),
    Rule("turn_left", ("LeftTurn", "bend_left"), (_TURN_90,),
         r"\b180\b|\bu[- ]?turn|\baround\b(?! a)|\bhalf\b|\bsemi|\bfull\b|\bcircles\b|\btwice\b|\btimes\b|\bslight|"
         r"\blook|\bstops?\b|\bstanding\b", side="left", side_required=True),
    Rule("turn_right", ("RightTurn", "bend_right"), (_TURN_90,),
         r"\b180\b|\bu[- ]?turn|\baround\b(?! a)|\bhalf\b|\bsemi|\bfull\b|\bcircles\b|\btwice\b|\btimes\b|\bslight|"
         r"\blook|\bstops?\b|\bstanding\b", side="right", side_required=True),
    Rule("turn_around", ("turn_left",), (_TURN_180,),
         r"\b(walk|walks|walking|goes|steps?|moves?)\b|\bforward|\bback|\bpartway|\bsharp\b", side="left"),
    Rule("turn_around", ("turn_right",), (_TURN_180,),
         r"\b(walk|walks|walking|goes|steps?|moves?)\b|\bforward|\bback|\bpartway|\bsharp\b", side="right"),
    Rule("left_hand_up", ("wave_left",), (r"\bwav(e|es|ing)\b|\bgreets?\b", _HAND),
         r"\bwip|\bwhip|\bboth\b|\btwo\b|\bhands\b|\barms\b", side="left", side_required=True),
    Rule("right_hand_up", ("wave_right", "wave"), (r"\bwav(e|es|ing)\b|\bgreets?\b", _HAND),
         r"\bwip|\bwhip|\bboth\b|\btwo\b|\bhands\b|\barms\b", side="right", side_required=True),
    Rule("both_hands_above_head", ("jumping_jack",),
         (r"\b(above|over) (his|her|its|their|the) head\b", r"\bhands\b|\barms\b|\bboth\b"), r"\bjump|\bstep"),
    Rule("pelvis_drop", ("squat", "Kniebeuge"), (r"\bsquats?\b|\bknee bends?\b|\bbends? (his|her|its|their) knees\b",),
         r"\bstep|\bstretch|\bjump|\bfeet\b"),
    Rule("pelvis_drop", ("kneel_down_with_right_hand", "kneel_down_with_left_hand", "kneel_down_with_both_hands"),
         (r"\bkneel\w*|\bknees\b", r"\bdown\b|\bget(s|ting)? on\b"),
         r"\bt[- ]?pose|\bwings?\b|\braise|\blift|\bstretch|\bspread|\bshrug|\bcrawl|\barms\b|\bhands?\b|\bsupport|"
         r"\btouch|\ball fours?\b|\bupright\b|\bstands\b|\bsits?\b"),
    Rule("airborne", ("jump_up",), (r"\bjump\w*|\bhop\b",),
         r"\bforward|\bback|\bleft|\bright|\bside|\bwalk|\bturn|\bhands? are\b"),
    Rule("airborne", ("jumping_jumping_jack",), (r"\bjumping[- ]jacks?\b",), r"\bwalk|\bturn"),
    Rule("left_foot_up", ("kick_high_left", "kick"), (r"\bkick\w*", r"\b(foot|leg)\b"),
         r"\blow\b|\bfloor\b|\bstep|\bturns?\b", side="left", side_required=True),
    Rule("right_foot_up", ("kick_high_right", "KickHuefthoch", "kick"), (r"\bkick\w*", r"\b(foot|leg)\b"),
         r"\blow\b|\bfloor\b|\bstep|\bturns?\b", side="right", side_required=True),
)


def recording_category(path: str) -> str:
    """Category of a recording path: ``KIT/3/wave_left01_poses`` -> ``wave_left``,
    ``KIT/6/LeftTurn06_1_poses`` -> ``LeftTurn``; a numeric stem (CMU) -> ``""``."""
    stem = path.rstrip("/").split("/")[-1]
    stem = re.sub(r"_poses$", "", stem)
    return re.sub(r"[\d_]+$", "", stem).strip()


def normalise(caption: str) -> str:
    """Case- and punctuation-insensitive form of a caption (the deduplication key)."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", caption.lower()).split())


def caption_sides(caption: str) -> set:
    """The sides ("left", "right") a caption names for the action; a push from a side does not count."""
    text = _PUSH_SIDE.sub(" ", caption)
    text = _COUNTERCLOCKWISE.sub(" COUNTERCLOCKWISE ", text)
    sides = set()
    if _SIDE_WORDS["left"].search(text):
        sides.add("left")
    if _SIDE_WORDS["right"].search(text):
        sides.add("right")
    return sides


def caption_matches(rule: Rule, caption: str) -> bool:
    """Whether ``caption`` alone passes ``rule`` (keywords, multi-action words and sides)."""
    if not all(re.search(pattern, caption, re.I) for pattern in rule.require):
        return False
    if re.search(rule.reject, caption, re.I) or MULTI_ACTION.search(caption):
        return False
    sides = caption_sides(caption)
    if rule.side is None:
        return not sides
    if _OTHER[rule.side] in sides:
        return False
    return rule.side in sides or not rule.side_required


def recording_disagrees(rule: Rule, captions) -> bool:
    """A sided recording one of whose captions names only the other side: file name and annotators disagree."""
    if rule.side is None:
        return False
    return any(caption_sides(c) == {_OTHER[rule.side]} for c in captions)


def _rules_by_category() -> dict:
    table = {}
    for rule in RULES:
        for category in rule.categories:
            table.setdefault(category, []).append(rule)
    return table


def load_kit_prompts(path=config.KIT_ANNOTATIONS, max_per_signature=DEFAULT_MAX_PER_SIGNATURE) -> list:
    """(caption, signature) pairs from KIT-ML annotations at ``path``, by the rules of this module.

    ``max_per_signature``: keep at most this many captions per signature (a deterministic choice:
    smallest SHA-1 of the normalised caption); ``None`` keeps all. Pairs are ordered by signature
    (the order of ``signatures.CHECKS``), then by that hash. Raises ``FileNotFoundError`` when
    ``path`` does not exist, ``ValueError`` when it is not KIT-ML annotations JSON.
    """

    path = Path(path)
    with open(path, encoding="utf-8") as f:
        annotations = json.load(f)
    if not isinstance(annotations, dict):
        raise ValueError(f"{path}: expected a JSON object {{keyid: {{path, annotations: [...]}}}}")
    by_category = _rules_by_category()
    found = {}  # normalised caption -> (caption, signature), or None when rules disagree
    for key in sorted(annotations):
        entry = annotations[key]
        if not isinstance(entry, dict):
            raise ValueError(f"{path}: entry {key!r} is not an object")
        recording = str(entry.get("path", ""))
        if key.startswith("M") or recording.startswith("M/"):
            continue  # a mirrored copy: left/right swapped by a program
        captions = [str(a.get("text", "")) for a in entry.get("annotations", ()) if isinstance(a, dict)]
        for rule in by_category.get(recording_category(recording), ()):
            if recording_disagrees(rule, captions):
                continue
            for caption in captions:
                caption = caption.strip()
                if not caption or not caption_matches(rule, caption):
                    continue
                norm = normalise(caption)
                if norm not in found:
                    found[norm] = (caption, rule.signature)
                elif found[norm] is not None and found[norm][1] != rule.signature:
                    found[norm] = None  # two signatures for one wording: ambiguous, dropped
    per_signature = {}
    for norm, pair in found.items():
        if pair is not None:
            per_signature.setdefault(pair[1], []).append((hashlib.sha1(norm.encode()).hexdigest(), pair[0]))
    pairs = []
    for signature in CHECKS:
        chosen = sorted(per_signature.get(signature, ()))
        if max_per_signature is not None:
            chosen = chosen[:max_per_signature]
        pairs.extend((caption, signature) for _, caption in chosen)
    return pairs


def counts(pairs) -> dict:
    """Signature -> number of pairs, in first-seen order."""
    out = {}
    for _, signature in pairs:
        out[signature] = out.get(signature, 0) + 1
    return out


if __name__ == "__main__":  # python -m src.metrics.kit_prompts [PATH]: print the set
    import sys

    all_pairs = load_kit_prompts(sys.argv[1] if len(sys.argv) > 1 else config.KIT_ANNOTATIONS, None)
    for caption, signature in all_pairs:
        print(f"{signature}\t{caption}")
    print(counts(all_pairs), file=sys.stderr)
