"""Captioning by retrieval: the training captions whose text embeddings lie closest to a motion's.

The caption bank is, in order of preference: a file the user names; the training split of the
db the model was trained on (its ``--datapath``, when that file is here); for models trained on
the built-in data, the built-in caption lists those training captions were drawn from (with
neutral subjects, ``ACTION_CAPTIONS``).
"""

from pathlib import Path
from typing import Dict, List, Optional, Tuple

import torch

from src import config
from src.datasets.formats import db as motion_db
from src.errors import BadInputError
from src.motion import MotionClip

# Labels that are not descriptions (BABEL's transitions between actions).
_NOT_CAPTIONS = {"", "transition"}


def builtin_captions() -> List[str]:
    """Every sentence of the built-in caption lists, action by action (sorted action names)."""
    from src.datasets.procedural.captions import ACTION_CAPTIONS

    return [text for action in sorted(ACTION_CAPTIONS) for text in dict.fromkeys(ACTION_CAPTIONS[action])]


def training_captions(opt: dict, captions_path: Optional[Path] = None) -> Tuple[List[str], str]:
    """The caption bank and a phrase saying where it came from.

    Args:
        opt: the training options stored in the checkpoint ({} for a pretrained folder).
        captions_path: a file with one caption per line, which wins over everything else.
    Raises:
        BadInputError: no bank can be found (the message says to pass ``--captions``).
    """
    from src.retrieval.search import read_lines

    if captions_path is not None:
        return read_lines(Path(captions_path), "captions"), f"captions of {captions_path}"
    datapath = opt.get("datapath")
    if datapath:
        try:
            train = motion_db.split_path(datapath, "train")
        except ValueError:
            train = None
        train = None if train is None else (train if train.is_absolute() else config.ROOT_DIR / train)
        if train is not None and train.is_file():
            data = torch.load(train, map_location="cpu", weights_only=True)
            texts = sorted({t.strip() for t in data["seg_text"]} - _NOT_CAPTIONS)
            if texts:
                return texts, f"training captions of {train}"
    if opt.get("dataset", "builtin") == "builtin":
        return builtin_captions(), "the built-in caption lists the training captions were drawn from"
    raise BadInputError(f"the model's training captions are not here (datapath {datapath!r}): pass --captions FILE "
                        "with one caption per line")


def caption_motion(clip: MotionClip, name: str, checkpoint: Optional[str], num: int, captions_path: Optional[Path],
                   device: str = "auto", force_device: Optional[str] = None) -> Dict:
    """The ``num`` closest captions of a motion (``name``: its file, for messages).

    Returns:
        {"model": checkpoint path, "source": where the captions came from, "matches": [{"rank", "text",
        "score" (cosine)}]}.
    """
    from src.api import MotionInputError
    from src.retrieval.search import digest_index, load_model, top
    from src.runtime import resolve_device

    model = load_model(checkpoint, resolve_device(device, force_device), digest_index(None))
    texts, source = training_captions(model.opt, captions_path)
    try:
        motion = model.smog.encode_motion(clip)
    except MotionInputError as err:
        raise BadInputError(f"{name}: --caption: {err}") from None
    scores = model.smog.encode_text(texts) @ motion
    return {"model": str(model.smog.checkpoint), "source": source,
            "matches": [{"rank": r + 1, "text": texts[i], "score": s} for r, (i, s) in enumerate(top(scores, num))]}
