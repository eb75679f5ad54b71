"""The web demo: ``python -m src.app [CHECKPOINT]`` serves a page on this machine where prompts
become interactive 3D animations and downloadable files (``server.py``: the HTTP side; ``static/``:
the page, its hand-written canvas viewer and style, all served from here, so it works offline)."""
