"""Caption paraphrasing for training (EDA, Wei & Zou 2019 "Easy Data Augmentation"), for motion captions.

``augment_caption(text, rng)`` returns a reworded caption; each operation fires with a small
probability (``AugmentProbs``):
    * subject: a leading subject ("a person", "the man", "someone", ...) becomes another
      third-person-singular one ("somebody", "the actor", "she", ...); one that disagrees with
      the caption's gendered pronouns (his / her) is never chosen;
    * synonym: a lexicon phrase becomes another of its group ("walks forward" -> "moves ahead
      on foot", "hand" -> "arm", "chair" -> "stool"); verb groups are written in the third person
      singular and also match their bare form where an imperative or infinitive can stand
      ("walk forward and turn left", "to turn") and their -ing form after "is", "while", ...;
    * insertion: one neutral modifier ("casually", "for a moment", "a few times") at the end
      of a clause, or an -ly adverb just before the verb; not when the caption already has one
      of its kind ("slowly" is not added to "walks quickly");
    * deletion: a filler ("the", "then" after "," / "and", "just", a few adverbs);
    * turn wording: a turn's side written as its rotation ("turns to the left" -> "turns
      counterclockwise", "a right turn" -> "a clockwise turn"; seen from above a left turn is
      counterclockwise, SPEC §1) and its amount in digits ("a hundred and eighty degrees" ->
      "180 degrees", "a half turn" -> "a 180 degree turn", "turns around" -> "turns 180
      degrees"), as real captions (KIT-ML) write them and the built-in ones never do.

Invariants: side words (``is_side_word``: left, right, leftward, left-hand(ed), clockwise,
counterclockwise, anticlockwise, ...), quantity words (both, one, two, single, ...) and
numbers are never replaced, deleted or moved, except by the turn wording, which writes the same
side and amount in other words: every lexicon group names the same protected
words in the same order in all of its phrases, so a phrase swap carries them along (the output
names the same sides in the same order). Clause order never changes; output is non-empty,
single-spaced, lowercase where the input is (a leading capital is kept), and equal to the input
when every probability is 0. Words with capitals inside a caption ("T-pose") are left alone.

The lexicon (``paraphrase_lexicon``) was written by hand for this project, grouped by concept.
"""

import random
import re
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from src.datasets.text.paraphrase_lexicon import (
    NEUTRAL_SUBJECTS, MALE_SUBJECTS, FEMALE_SUBJECTS, MALE_PRONOUNS, FEMALE_PRONOUNS, VERB_GROUPS,
    SIDED_VERB_GROUPS, OTHER_GROUPS, SIDED_OTHER_GROUPS, CLOCKWISE_GROUPS, CLOCKWISE_WORDS, INSERT_MODIFIERS,
    INSERT_WEIGHTS, INSERT_BLOCKERS, FILLER_WORDS, KEEP_THE_AFTER, ROTATION_WORDS, TURN_AMOUNTS)

# ------------------------------------------------------------------ protected words
_SIDE = re.compile(r"(?<![a-z])(?:left|right)|clockwise", re.IGNORECASE)
QUANTITY_WORDS = frozenset({"both", "one", "two", "single", "either", "each", "three", "four", "five", "six",
                            "seven", "eight", "nine", "ten", "twice", "thrice", "half", "quarter", "hundred",
                            "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"})


def is_side_word(token: str) -> bool:
    """Whether a word names a side (left, rightward, left-handed, clockwise, anticlockwise, ...)."""
    return bool(_SIDE.search(token))


def is_protected(token: str) -> bool:
    """Side words, quantity words (both, one, two, single, ...) and numbers: never changed."""
    low = token.lower()
    return is_side_word(low) or low in QUANTITY_WORDS or any(ch.isdigit() for ch in low)


# ------------------------------------------------------------------ verb forms
_BARE_IRREGULAR = {"is": "be", "has": "have", "does": "do", "goes": "go", "lies": "lie", "ties": "tie",
                   "boogies": "boogie"}
_ING_IRREGULAR = {"be": "being", "squat": "squatting", "curtsy": "curtsying", "tiptoe": "tiptoeing",
                  "begin": "beginning", "mimic": "mimicking", "sidestep": "sidestepping", "boogie": "boogieing"}
_VOWELS = set("aeiou")


def _bare(verb: str) -> str:
    """Third person singular -> bare form: walks -> walk, touches -> touch, carries -> carry."""
    if verb in _BARE_IRREGULAR:
        return _BARE_IRREGULAR[verb]
    if verb.endswith("ies") and len(verb) > 4:
        return verb[:-3] + "y"
    if verb.endswith(("sses", "shes", "ches", "xes", "zzes")):
        return verb[:-2]
    return verb[:-1]


def _ing(bare: str) -> str:
    """Bare form -> -ing form: walk -> walking, raise -> raising, step -> stepping, lie -> lying."""
    if bare in _ING_IRREGULAR:
        return _ING_IRREGULAR[bare]
    if bare.endswith("ie"):
        return bare[:-2] + "ying"
    if bare.endswith("e") and not bare.endswith(("ee", "oe", "ye")):
        return bare[:-1] + "ing"
    core = bare.rsplit("-", 1)[-1]
    vowel_groups = len(re.findall(r"[aeiou]+", core))
    if (len(core) >= 3 and vowel_groups == 1 and core[-1] not in _VOWELS | set("wxy")
            and core[-2] in _VOWELS and core[-3] not in _VOWELS):
        return bare + bare[-1] + "ing"
    return bare + "ing"


def _inflect(phrase: Tuple[str, ...], form: str) -> Tuple[str, ...]:
    if form == "s":
        return phrase
    bare = _bare(phrase[0])
    return (bare if form == "bare" else _ing(bare),) + phrase[1:]


# ------------------------------------------------------------------ lexicon index
@dataclass(frozen=True)
class _Entry:
    words: Tuple[str, ...]
    group: int
    form: str  # "s", "bare", "ing" (verb groups) or "word" (other groups)


def _expand(templates: List[List[str]], key: str, values: Sequence[str]) -> List[List[str]]:
    return [[t.replace("{" + key + "}", v) for t in group] for group in templates for v in values]


def _build():
    verb_groups = VERB_GROUPS + _expand(SIDED_VERB_GROUPS, "s", ("left", "right"))
    other_groups = (OTHER_GROUPS + _expand(SIDED_OTHER_GROUPS, "s", ("left", "right"))
                    + _expand(CLOCKWISE_GROUPS, "c", CLOCKWISE_WORDS))
    groups: List[Dict[str, List[Tuple[str, ...]]]] = []
    index: Dict[str, List[_Entry]] = {}
    seen: Dict[Tuple[Tuple[str, ...], str], str] = {}
    for kind, source in (("verb", verb_groups), ("other", other_groups)):
        for phrases in source:
            words = [tuple(p.split()) for p in phrases]
            if len(set(words)) != len(words) or len(words) < 2:
                raise ValueError(f"lexicon group {phrases}: needs two or more distinct phrases")
            protected = {tuple(w for w in p if is_protected(w)) for p in words}
            if len(protected) != 1:
                raise ValueError(f"lexicon group {phrases}: phrases name different sides or quantities")
            if kind == "verb" and not all(p[0].endswith("s") for p in words):
                raise ValueError(f"lexicon group {phrases}: verbs must be third person singular")
            forms = ("s", "bare", "ing") if kind == "verb" else ("word",)
            gid = len(groups)
            groups.append({f: [_inflect(p, f) if kind == "verb" else p for p in words] for f in forms})
            for form in forms:
                for phrase in groups[gid][form]:
                    key = (phrase, "verb" if kind == "verb" else "other")
                    if key in seen:
                        raise ValueError(f"lexicon phrase {' '.join(phrase)!r} is in two groups")
                    seen[key] = form
                    index.setdefault(phrase[0], []).append(_Entry(phrase, gid, form))
    for entries in index.values():
        entries.sort(key=lambda e: -len(e.words))
    return groups, index


_GROUPS, _INDEX = _build()
_SUBJECTS = sorted({tuple(s.split()) for s in NEUTRAL_SUBJECTS + MALE_SUBJECTS + FEMALE_SUBJECTS},
                   key=lambda s: -len(s))
_SUBJECT_HEADS = frozenset(s[-1] for s in _SUBJECTS)
_DETERMINERS = frozenset({"a", "an", "the", "this", "that"})
_CLAUSE_LEAD = frozenset({",", ";", ":", ".", "and", "then", "or"})
_S_LEAD = _CLAUSE_LEAD | _SUBJECT_HEADS | {"also", "first", "finally", "just", "now", "again", "who", "it", "still"}
_BARE_LEAD = _CLAUSE_LEAD | {"to"}
_ING_LEAD = _CLAUSE_LEAD | _SUBJECT_HEADS | {"is", "are", "was", "were", "be", "been", "while", "by", "after",
                                             "before", "without", "when", "keeps", "starts", "begins", "stops",
                                             "continues", "finishes", "goes", "of", "from", "also", "still"}
_BLOCK_NEXT = frozenset({"not", "n't"})


def lexicon_words() -> Set[str]:
    """Every word the augmentation can write (lexicon phrases in all their forms, subjects,
    inserted modifiers). Protected words (sides, quantities) are left out: they are only ever
    copied from the input, never introduced."""
    words: Set[str] = set()
    phrases: List[Iterable[str]] = [p for g in _GROUPS for form in g.values() for p in form]
    phrases += [s for s in _SUBJECTS] + [m.split() for mods in INSERT_MODIFIERS.values() for m in mods]
    for phrase in phrases:
        words.update(w for w in phrase if not is_protected(w))
    return words


def lexicon_size() -> Dict[str, int]:
    """How many phrases the lexicon holds: as written, and with sides and verb forms expanded."""
    written = sum(len(g) for g in VERB_GROUPS + SIDED_VERB_GROUPS + OTHER_GROUPS + SIDED_OTHER_GROUPS
                  + CLOCKWISE_GROUPS)
    expanded = sum(len(p) for g in _GROUPS for p in g.values())
    return {"groups": len(_GROUPS), "phrases_written": written, "phrases_expanded": expanded,
            "subjects": len(_SUBJECTS)}


# ------------------------------------------------------------------ augmentation
@dataclass(frozen=True)
class AugmentProbs:
    """Probabilities of the operations of ``augment_caption``.

    Args:
        subject: replacing the leading subject.
        synonym: replacing each lexicon phrase found.
        insert: inserting one modifier.
        delete: deleting each filler word.
        turn: rewording each turn's side or amount found (``reword_turns``).
    """
    subject: float = 0.5
    synonym: float = 0.35
    insert: float = 0.25
    delete: float = 0.1
    turn: float = 0.3


DEFAULT_PROBS = AugmentProbs()
NO_AUGMENT = AugmentProbs(0.0, 0.0, 0.0, 0.0, 0.0)

# ------------------------------------------------------------------ turn wording
# A whole-body turn to a side; "turns toward their left side" names a body side, not a rotation.
_TURN_SIDE = re.compile(r"\b(turn|turns|turning|pivot|pivots|pivoting|rotate|rotates|rotating)"
                        r"((?: the whole body| their body)?(?: in place| on the spot)?) "
                        r"(?:(?:to|toward|towards) (?:the|their) )?(left|right)\b"
                        r"(?![- ](?:side|hand|arm|foot|leg|shoulder|knee|elbow))")
_SIDE_TURN = re.compile(r"\b(an?) (left|right) turn\b")
_AMOUNT = re.compile(r"\b(" + "|".join(TURN_AMOUNTS) + r")\b")


def reword_turns(text: str, p: float, rng) -> str:
    """Each turn phrase of ``text`` reworded with probability ``p`` (module docstring: turn wording).

    Draws from ``rng`` only for the phrases it finds, so captions without a turn consume nothing.
    """
    def side(m):
        if rng.random() >= p:
            return m.group(0)
        return f"{m.group(1)}{m.group(2)} {rng.choice(ROTATION_WORDS[m.group(3)])}"

    def article(m):
        if rng.random() >= p:
            return m.group(0)
        word = rng.choice(ROTATION_WORDS[m.group(2)])
        return f"{'an' if word[0] in 'aeiou' else 'a'} {word} turn"

    def amount(m):
        return rng.choice(TURN_AMOUNTS[m.group(1)]) if rng.random() < p else m.group(0)

    return _AMOUNT.sub(amount, _SIDE_TURN.sub(article, _TURN_SIDE.sub(side, text)))

_TOKEN = re.compile(r"[A-Za-z0-9]+(?:['\u2019-][A-Za-z0-9]+)*|\S")


def _tokenize(text: str) -> List[List]:
    """text -> [[token, space_before], ...]."""
    return [[m.group(0), m.start() > 0 and text[m.start() - 1].isspace()] for m in _TOKEN.finditer(text)]


def _detokenize(tokens: List[List]) -> str:
    text = "".join((" " if space else "") + tok for tok, space in tokens)
    return re.sub(r"\s+", " ", text).strip()


def _words(tokens: List[List]) -> List[str]:
    return [t[0] for t in tokens]


def _subject_span(words: List[str]) -> int:
    """Number of leading tokens that form a known subject (0: none)."""
    for subject in _SUBJECTS:
        n = len(subject)
        if len(words) > n and tuple(words[:n]) == subject and words[n][:1].isalpha():
            return n
    return 0


def _replace_subject(tokens: List[List], span: int, rng) -> None:
    words = set(_words(tokens))
    options = list(NEUTRAL_SUBJECTS)
    if not words & FEMALE_PRONOUNS:
        options += MALE_SUBJECTS
    if not words & MALE_PRONOUNS:
        options += FEMALE_SUBJECTS
    current = " ".join(_words(tokens[:span]))
    new = rng.choice([s for s in options if s != current]).split()
    tokens[:span] = [[w, tokens[0][1] if i == 0 else True] for i, w in enumerate(new)]


def _context_ok(entry: _Entry, words: List[str], i: int, subject_end: int) -> bool:
    """Whether a verb form may stand at position i (a 3rd-person "walks" after a subject,
    a bare "walk" at a clause start or after "to", "walking" after "is" / "while" ...)."""
    if entry.form == "word":
        return True
    nxt = words[i + len(entry.words)] if i + len(entry.words) < len(words) else ""
    if nxt in _BLOCK_NEXT:
        return False
    prev = words[i - 1] if i > 0 else None
    if entry.form == "bare":
        return prev is None or prev in _BARE_LEAD
    if prev is None or i == subject_end or prev.endswith("ly"):
        return True
    if entry.form == "s":
        return prev in _S_LEAD or (i == 2 and words[0] in _DETERMINERS)
    return prev in _ING_LEAD


def _synonyms(tokens: List[List], start: int, p: float, rng) -> bool:
    """Replace lexicon phrases from token ``start`` on, each with probability p; True if any."""
    changed, i = False, start
    while i < len(tokens):
        words = _words(tokens)
        matches = [e for e in _INDEX.get(words[i], ()) if tuple(words[i:i + len(e.words)]) == e.words]
        if not matches:
            i += 1
            continue
        longest = len(matches[0].words)
        usable = [e for e in matches if len(e.words) == longest and _context_ok(e, words, i, start)]
        # A phrase whose context rules it out still shields its words ("takes several steps
        # forward": neither "steps" nor "forward" is touched).
        if usable and rng.random() < p:
            entry = usable[0]
            options = [o for o in _GROUPS[entry.group][entry.form] if o != entry.words]
            new = rng.choice(options)
            tokens[i:i + longest] = [[w, tokens[i][1] if k == 0 else True] for k, w in enumerate(new)]
            changed = True
            i += len(new)
        else:
            i += longest
    return changed


def _delete_fillers(tokens: List[List], start: int, p: float, rng) -> bool:
    changed, i = False, start
    while i < len(tokens):
        word = tokens[i][0]
        prev = tokens[i - 1][0] if i > 0 else None
        deletable = (word in FILLER_WORDS and (word != "then" or prev in (",", "and"))
                     and (word != "the" or prev not in KEEP_THE_AFTER))
        alpha_left = sum(t[0][:1].isalnum() for t in tokens) > 1
        if deletable and alpha_left and rng.random() < p:
            del tokens[i]
            changed = True
        else:
            i += 1
    return changed


def _insert_modifier(tokens: List[List], subject_end: int, rng) -> bool:
    words = set(_words(tokens))
    kinds = [k for k in INSERT_MODIFIERS if not words & INSERT_BLOCKERS[k]]
    if not kinds:
        return False
    kind = rng.choices(kinds, weights=[INSERT_WEIGHTS[k] for k in kinds])[0]
    modifier = rng.choice(INSERT_MODIFIERS[kind])
    end = len(tokens)
    while end > 0 and tokens[end - 1][0] in ".!?;:,":
        end -= 1  # before trailing punctuation
    if end <= subject_end:
        return False
    places = [end] + [i for i in range(subject_end + 1, end) if tokens[i][0] in (",", ";")]
    if subject_end and modifier.endswith("ly") and " " not in modifier:
        places.append(subject_end)  # "a person slowly walks"
    place = rng.choice(places)
    tokens[place:place] = [[w, True] for w in modifier.split()]
    return True


def augment_caption(text: str, rng: Optional[random.Random] = None, probs: AugmentProbs = DEFAULT_PROBS) -> str:
    """A paraphrase of a motion caption (module docstring: operations and invariants).

    Args:
        text: the caption (the project's captions are lowercase; a leading capital is kept).
        rng: a ``random.Random``; None uses the ``random`` module's global generator, as the
            dataset's other training draws do (so DataLoader workers are seeded the same way).
        probs: probabilities of each operation; ``NO_AUGMENT`` returns ``text`` unchanged.
    Returns:
        The paraphrased caption, or ``text`` itself when nothing fired.
    """
    rng = random if rng is None else rng
    if probs.turn > 0:
        text = reword_turns(text, probs.turn, rng)
    tokens = _tokenize(text)
    if not tokens:
        return text
    first = tokens[0][0]
    capital = first[0].isupper() and (len(first) == 1 or first[1:].islower())
    if capital:
        tokens[0][0] = first.lower()
    changed = False
    span = _subject_span(_words(tokens))
    if span and probs.subject > 0 and rng.random() < probs.subject:
        _replace_subject(tokens, span, rng)
        span = _subject_span(_words(tokens))
        changed = True
    if probs.synonym > 0:
        changed |= _synonyms(tokens, span, probs.synonym, rng)
    if probs.delete > 0:
        changed |= _delete_fillers(tokens, span, probs.delete, rng)
    if probs.insert > 0 and rng.random() < probs.insert:
        changed |= _insert_modifier(tokens, span, rng)
    if not changed:
        return text
    out = _detokenize(tokens)
    if capital and out:
        out = out[0].upper() + out[1:]
    return out or text
