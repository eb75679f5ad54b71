"""The web demo's server: one loaded model behind a small JSON API and the page in ``static/``.

Routes (all on one host and port; nothing is fetched from anywhere else):

    GET  /                       the page (static/index.html)
    GET  /static/NAME            its script, viewer and style (the files of static/, nothing else)
    GET  /api/info               the model: fps, skeleton and colours, ranges, sampler options (when
                                 the checkpoint has a diffusion prior)
    POST /api/generate           JSON {"prompts": "one per line", "duration": s, "num_samples": n,
                                 "seed": k[, "temperature"][, "sampler", "guidance_scale", "steps"]}
                                 -> the motions' joints (T, 22, 3) and the URLs of their files
    GET  /files/ID/NAME          a file of request ID (.npy, .npz, .bvh, .gif)

Bad input is answered 400 with ``{"error": message}`` (the checks of text2motion: the prompt
lines as a prompt file's, ``text#seconds`` included, durations 0.2-60 s, the sample range, the
temperature's and sampler's ranges), plus a cap of ``config.MAX_DEMO_MOTIONS`` motions per request
and prompts of at most ``MAX_PROMPT_CHARS`` characters (text2motion cuts longer ones). Requests are served
on threads; one lock lets one request at a time use the model (the text cache is shared), and
writing the files happens outside it. Each request writes into its own folder under one temporary
folder, removed when the server stops; the oldest request folders are deleted beyond
``KEPT_REQUESTS``.
"""

import errno
import json
import mimetypes
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import List, Optional
from urllib.parse import unquote, urlsplit

import numpy as np

from src import api, config
from src.errors import BadInputError
from src.parser.types import float_in, int_in, parse_duration
from src.rendering import plot_utils
from src.visualize import exporters
from src.visualize.generation import check_finite
from src.visualize.prompts import COMMENT, MAX_PROMPT_CHARS, parse_prompts

STATIC_DIR = Path(__file__).resolve().parent / "static"
KEPT_REQUESTS = 50  # request folders kept for downloads; older ones are deleted
MAX_BODY_BYTES = 1 << 20
PROMPT_SOURCE = "prompts"  # how error messages name the text box ("prompts:2: ...")
DEFAULT_SEED = 10  # text2motion's
MAX_SEED = 2**31 - 1 - config.MAX_DEMO_MOTIONS  # prompt i draws from seed + i: every seed a valid generator seed
# file kind in the response -> the exporters' manifest key (the GIF is drawn by src.rendering.stick)
FILE_KINDS = {"npy": "joints", "npz": "smpl", "bvh": "bvh", "gif": "animation"}
JOINT_DECIMALS = 4  # 0.1 mm: the JSON carries the joints at this precision (the .npy has them all)
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}
_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


@dataclass
class Request:
    """One Generate, checked.

    Args:
        prompts: ``src.visualize.prompts.Prompt`` per non-comment line of the text box.
        durations: seconds per prompt (its ``#seconds``, else the form's duration).
        num_samples, seed: as text2motion's; prompt i draws from seed + i.
        sampling: the api's keywords temperature / sampler / guidance_scale / steps (None: the model's
            defaults; temperature: as text2motion's --temperature, 1 by default).
    """

    prompts: list
    durations: List[float]
    num_samples: int
    seed: int
    sampling: dict


def _field(body: dict, name: str, parse, default=None):
    """``body[name]`` through ``parse`` (an argparse type of ``src.parser.types``), or ``default``
    when absent or empty; BadInputError naming the field otherwise."""
    value = body.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise BadInputError(f"{name}: expected a number, got {json.dumps(value)}")
    try:
        return parse(str(value).strip())
    except Exception as err:  # argparse.ArgumentTypeError, ValueError: the parser's own message
        message = str(err)
        raise BadInputError(message if message.startswith(name) else f"{name}: {message}") from None


def parse_request(body, model: api.SMoG) -> Request:
    """The JSON body of /api/generate, checked as text2motion checks its options and prompt file.

    Raises:
        BadInputError: with a message for the page (naming the field or the prompt's line).
    """
    if not isinstance(body, dict):
        raise BadInputError("the request must be a JSON object")
    text = body.get("prompts")
    if isinstance(text, list) and all(isinstance(t, str) for t in text):
        text = "\n".join(text)
    if not isinstance(text, str) or not text.strip():
        raise BadInputError("type a prompt: one per line (e.g. 'a person walks forward')")
    lines = text.splitlines()
    for number, line in enumerate(lines, 1):  # text2motion cuts long prompts with a warning; the page refuses them
        line = line.strip()
        words = line.rpartition(COMMENT)[0].strip() if COMMENT in line else line
        if not line.startswith(COMMENT) and len(words) > MAX_PROMPT_CHARS:
            raise BadInputError(f"{PROMPT_SOURCE}:{number}: a prompt of {len(words)} characters; "
                                f"at most {MAX_PROMPT_CHARS}")
    prompts = parse_prompts(lines, PROMPT_SOURCE)
    duration = _field(body, "duration", lambda v: parse_duration(v, "duration"), config.DEFAULT_DURATION_S)
    num_samples = _field(body, "num_samples", int_in(1, config.MAX_SAMPLES_PER_PROMPT), 1)
    if len(prompts) * num_samples > config.MAX_DEMO_MOTIONS:
        raise BadInputError(f"{len(prompts)} prompt(s) x {num_samples} sample(s) = {len(prompts) * num_samples} "
                            f"motions; the demo makes at most {config.MAX_DEMO_MOTIONS} at a time (text2motion "
                            "makes any number)")
    seed = _field(body, "seed", int_in(0, MAX_SEED), DEFAULT_SEED)
    sampling = {"sampler": body.get("sampler") or None,
                "temperature": _field(body, "temperature", float_in(*config.TEMPERATURE_RANGE), 1.0),
                "guidance_scale": _field(body, "guidance_scale", float_in(*config.GUIDANCE_RANGE)),
                "steps": _field(body, "steps", int_in(1, config.MAX_SAMPLING_STEPS))}
    if sampling["sampler"] is not None and sampling["sampler"] not in config.SAMPLERS:
        raise BadInputError(f"sampler: {sampling['sampler']!r} is not one of {', '.join(config.SAMPLERS)}")
    try:
        model.model.resolve_sampler(sampling["sampler"])
    except ValueError as err:
        raise BadInputError(str(err)) from None
    return Request(prompts, [p.duration or duration for p in prompts], num_samples, seed, sampling)


class Demo:
    """The model and the request folders behind the server.

    Args:
        model: the loaded model (used by one request at a time).
        workdir: where request folders go (default: a new temporary folder, see ``close``).
    """

    def __init__(self, model: api.SMoG, workdir: Optional[Path] = None):
        self.model = model
        # what each motion comes with: a position-only (xyz) model has no rotations for .npz and .bvh
        self.file_kinds = [kind for kind in FILE_KINDS if model.pose_rep != "xyz" or kind in ("npy", "gif")]
        self._own_workdir = workdir is None
        self.workdir = Path(tempfile.mkdtemp(prefix="smog-demo-")) if workdir is None else Path(workdir)
        self._model_lock = threading.Lock()
        self._folders_lock = threading.Lock()
        self._folders: "OrderedDict[str, Path]" = OrderedDict()  # request id -> folder, oldest first

    def close(self) -> None:
        """Delete the request folders (the whole temporary folder when the demo made it)."""
        with self._folders_lock:
            folders, self._folders = list(self._folders.values()), OrderedDict()
        for folder in ([self.workdir] if self._own_workdir else folders):
            shutil.rmtree(folder, ignore_errors=True)

    def info(self) -> dict:
        """What the page needs to know of the model: rate, skeleton, colours, ranges, sampler options."""
        prior = self.model.model.prior
        names = config.SMPL_JOINT_NAMES[:config.NUM_BODY_JOINTS]
        return {
            "checkpoint": _shown(self.model.checkpoint), "fps": self.model.fps, "pose_rep": self.model.pose_rep,
            # text2motion --temperature: a variational model's regression noise, and how far a diffusion
            # sample goes from the caption's text latent; shown where it changes something
            "temperature": ({"default": 1.0, "range": list(config.TEMPERATURE_RANGE)}
                            if self.model.variational or prior is not None else None),
            "files": self.file_kinds,
            "skeleton": {"names": list(names), "parents": list(config.SMPL_PARENTS[:config.NUM_BODY_JOINTS]),
                         "sides": ["left" if n.startswith("left") else "right" if n.startswith("right") else "centre"
                                   for n in names]},
            "colours": {**plot_utils.SIDE_COLOURS, "floor": plot_utils.FLOOR_COLOUR,
                        "trajectory": plot_utils.TRAJECTORY_COLOUR},
            "limits": {"duration": [config.MIN_DURATION_S, config.MAX_DURATION_S],
                       "default_duration": config.DEFAULT_DURATION_S,
                       "num_samples": [1, config.MAX_SAMPLES_PER_PROMPT], "max_motions": config.MAX_DEMO_MOTIONS,
                       "prompt_chars": MAX_PROMPT_CHARS, "default_seed": DEFAULT_SEED},
            # the diffusion options exist only for checkpoints with a prior
            "sampler": None if prior is None else {
                "choices": list(config.SAMPLERS), "default": "diffusion",
                "guidance_scale": prior.config.guidance_scale, "guidance_range": list(config.GUIDANCE_RANGE),
                "steps": prior.config.steps, "max_steps": config.MAX_SAMPLING_STEPS},
        }

    def generate(self, request: Request) -> dict:
        """Generate, write every motion's files into a new request folder, and describe them."""
        started = time.perf_counter()
        texts = [p.text for p in request.prompts]
        longest = self.model.num_frames(max(request.durations))
        with self._model_lock:
            api.seed_everything(request.seed)
            chunks = list(self.model.generate_clip_chunks(
                texts, request.durations, request.num_samples, seed=request.seed,
                max_sequences=max(1, config.MAX_FRAMES_PER_PASS // longest), **request.sampling))
            self.model.clear_text_cache()
        request_id, folder = self._new_folder()
        items = [exporters.ExportItem(exporters.item_stem(i, texts[i], s), texts[i], clip,
                                      {"sample": s, "duration": request.durations[i], "line": request.prompts[i].line})
                 for chunk in chunks for i, s, clip in chunk]
        kinds = tuple(FILE_KINDS[k] for k in self.file_kinds)
        plan = exporters.OutputPlan(folder, [item.stem for item in items], kinds, grid=False)
        for item in items:  # before any file is written
            check_finite(item, f"{PROMPT_SOURCE}:{item.meta['line']}")
        results = []
        for item in items:
            entry = exporters.write_item(item, plan, log=lambda _: None)
            results.append({
                "prompt": item.prompt, "line": item.meta["line"], "sample": item.meta["sample"],
                "duration": item.meta["duration"], "frames": item.clip.num_frames, "fps": item.clip.fps,
                "joints": np.round(item.clip.joints.astype(np.float64), JOINT_DECIMALS).tolist(),  # (T, 22, 3)
                "files": {kind: f"/files/{request_id}/{entry[key]}" for kind, key in FILE_KINDS.items()
                          if entry.get(key)},
            })
        sampler = self.model.model.resolve_sampler(request.sampling["sampler"])
        notes = []
        if request.num_samples > 1 and sampler == "regression" and not (
                self.model.variational and request.sampling["temperature"] > 0):
            notes.append("the samples of a prompt are identical: this model's regression sampler is deterministic"
                         + (" at temperature 0" if self.model.variational else ""))
        return {"id": request_id, "fps": self.model.fps, "seed": request.seed, "sampler": sampler,
                "notes": notes, "seconds": round(time.perf_counter() - started, 3), "results": results}

    def _new_folder(self):
        request_id = uuid.uuid4().hex[:16]
        folder = self.workdir / request_id
        folder.mkdir(parents=True)
        with self._folders_lock:
            self._folders[request_id] = folder
            stale = []
            while len(self._folders) > KEPT_REQUESTS:
                stale.append(self._folders.popitem(last=False)[1])
        for old in stale:
            shutil.rmtree(old, ignore_errors=True)
        return request_id, folder

    def file(self, request_id: str, name: str) -> Optional[Path]:
        """The path of a request's file, or None (unknown, expired, or not a plain name)."""
        if not (_NAME.match(request_id) and _NAME.match(name)) or name.startswith("."):
            return None
        with self._folders_lock:
            folder = self._folders.get(request_id)
        path = None if folder is None else folder / name
        return path if path is not None and path.is_file() else None


def _shown(path) -> Optional[str]:
    """A checkpoint's path relative to the checkout (or working folder) when inside it."""
    if path is None:
        return None
    try:
        return str(Path(path).resolve().relative_to(config.ROOT_DIR.resolve()))
    except ValueError:
        return str(path)


def static_files() -> dict:
    """URL path -> file of everything the page loads: index.html at /, the rest under /static/."""
    files = {f"/static/{p.name}": p for p in sorted(STATIC_DIR.iterdir()) if p.is_file()}
    files["/"] = STATIC_DIR / "index.html"
    return files


class Handler(BaseHTTPRequestHandler):
    """Routes of the module docstring; ``self.server.demo`` is the :class:`Demo`."""

    server_version = "SMoG-demo"
    # Scripts, styles, images and requests only from this server: nothing may load from a CDN.
    CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'"

    def log_message(self, format, *args) -> None:
        if not getattr(self.server, "quiet", False):
            super().log_message(format, *args)

    # ------------------------------------------------------------------ replies
    def _send(self, status: int, body: bytes, content_type: str, headers: Optional[dict] = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", self.CSP)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, payload: dict) -> None:
        self._send(status, json.dumps(payload, allow_nan=False).encode("utf-8"), "application/json; charset=utf-8")

    def _error(self, status: int, message: str) -> None:
        self._json(status, {"error": message})

    def _host_allowed(self) -> bool:
        """Bound to this machine only, answer only requests addressed to it by a loopback name, so a
        web page elsewhere cannot reach the demo through DNS rebinding."""
        if self.server.server_address[0] not in {"127.0.0.1", "::1"}:
            return True
        host = urlsplit(f"//{self.headers.get('Host', '')}").hostname or ""
        return host in LOOPBACK_NAMES

    # ------------------------------------------------------------------ routes
    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        if not self._host_allowed():
            return self._error(HTTPStatus.FORBIDDEN, "unknown host name")
        path = unquote(urlsplit(self.path).path)
        if path == "/api/info":
            return self._json(HTTPStatus.OK, self.server.demo.info())
        if path.startswith("/files/"):
            parts = path.split("/")
            found = self.server.demo.file(parts[2], parts[3]) if len(parts) == 4 else None
            if found is None:
                return self._error(HTTPStatus.NOT_FOUND, f"{path}: no such file (the demo keeps the files of its "
                                                         f"last {KEPT_REQUESTS} requests: generate again)")
            kind = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
            return self._send(HTTPStatus.OK, found.read_bytes(), kind,
                              {"Content-Disposition": f'attachment; filename="{found.name}"'})
        static = self.server.static.get(path)
        if static is None:
            return self._error(HTTPStatus.NOT_FOUND, f"{path}: not found")
        kind = {".html": "text/html", ".js": "text/javascript", ".css": "text/css"}.get(static.suffix,
                                                                                       "application/octet-stream")
        self._send(HTTPStatus.OK, static.read_bytes(), f"{kind}; charset=utf-8")

    def do_POST(self) -> None:
        if not self._host_allowed():
            return self._error(HTTPStatus.FORBIDDEN, "unknown host name")
        if urlsplit(self.path).path != "/api/generate":
            return self._error(HTTPStatus.NOT_FOUND, f"{self.path}: not found")
        # JSON only: a form on another site cannot send it without the browser asking this server first
        if self.headers.get_content_type() != "application/json":
            return self._error(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "send the request as application/json")
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if not 0 < length <= MAX_BODY_BYTES:
            return self._error(HTTPStatus.BAD_REQUEST if length <= 0 else HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                               f"the request body must be 1 byte to {MAX_BODY_BYTES} bytes of JSON")
        try:
            body = json.loads(self.rfile.read(length).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            return self._error(HTTPStatus.BAD_REQUEST, f"the request is not JSON: {err}")
        demo = self.server.demo
        try:
            reply = demo.generate(parse_request(body, demo.model))
        except BadInputError as err:
            return self._error(HTTPStatus.BAD_REQUEST, str(err))
        except Exception as err:  # a bug: the page says so, the console has the traceback
            traceback.print_exc()
            return self._error(HTTPStatus.INTERNAL_SERVER_ERROR, f"internal error ({type(err).__name__}: {err})")
        self._json(HTTPStatus.OK, reply)


class DemoServer(ThreadingHTTPServer):
    """A threading HTTP server holding the :class:`Demo` (one thread per request)."""

    daemon_threads = True

    def __init__(self, address, demo: Demo, quiet: bool = False):
        self.demo, self.quiet, self.static = demo, quiet, static_files()
        super().__init__(address, Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{'[' + host + ']' if ':' in host else host}:{port}/"


def make_server(model: api.SMoG, host: str = config.DEMO_HOST, port: int = config.DEMO_PORT,
                quiet: bool = False) -> DemoServer:
    """A server for ``model`` listening on ``host``:``port`` (0: a free port); call
    ``serve_forever()``, then ``shutdown()`` and ``server_close()`` and ``demo.close()``.

    Raises:
        BadInputError: the address cannot be used (port taken, unknown host).
    """
    demo = Demo(model)
    try:
        return DemoServer((host, port), demo, quiet)
    except OSError as err:
        demo.close()
        hint = (" (another program uses it: pass --port N, or --port 0 for a free one)"
                if err.errno == errno.EADDRINUSE else "")
        raise BadInputError(f"cannot listen on {host}:{port}: {err.strerror or err}{hint}") from None


def serve(model: api.SMoG, host: str, port: int) -> None:
    """Serve until Ctrl-C (or SIGTERM), then delete the request files."""
    server = make_server(model, host, port)
    if threading.current_thread() is threading.main_thread():  # `kill` cleans up as Ctrl-C does
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"SMoG demo: open {server.url} in a browser (Ctrl-C stops it)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    finally:
        server.server_close()
        server.demo.close()
