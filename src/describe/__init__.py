"""Structured motion descriptions: rule-based, deterministic, numpy only (no model, no torch).

    >>> from src.describe import describe_joints, to_text
    >>> print(to_text(describe_joints(joints, fps=20.0, top_k=3)))   # joints: (T, 22, 3)  # doctest: +SKIP

``angles`` computes named joint angles, ``segments`` splits each into phases at its peaks and
valleys, ``trajectory`` summarises the global path, ``summary`` assembles the description and
``text`` renders it. The command is ``python -m src.describe`` (``__main__``).
"""

from src.describe.summary import describe_joints
from src.describe.text import to_json, to_text

__all__ = ["describe_joints", "to_json", "to_text"]
