"""Procedural motion generation: the built-in, licence-free motion dataset (see ``src.datasets.synthetic``).

Importing the package registers every action; ``ACTIONS`` lists their stable ids and
``ACTION_CAPTIONS`` their captions.
"""

from src.datasets.procedural import gait, lower, upper  # noqa: F401  (registers actions)
from src.datasets.procedural.captions import ACTION_CAPTIONS
from src.datasets.procedural.common import REGISTRY
from src.datasets.procedural.sequence import generate_sequence, sample_chain

ACTIONS = sorted(REGISTRY)

__all__ = ["ACTIONS", "ACTION_CAPTIONS", "generate_sequence", "sample_chain"]
