"""Retrieval over motion files with a model: text-to-motion search, motion-to-text ranking,
zero-shot classification (``search``), captioning by retrieval (``captions``), and the motion
library with its content-keyed embedding cache (``library``, ``cache``). ``src.retrieve`` is the
command."""
