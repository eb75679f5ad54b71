"""The web demo (``python -m src.app``): its HTTP API and files on a tiny untrained model (always),
and the page in headless Chromium (skipped, with the reason, where no Chromium is installed)."""

import http.client
import io
import json
import os
import re
import select
import shutil
import subprocess
import threading
import time
from urllib.parse import quote

import numpy as np
import pytest
import torch
from PIL import Image

from src import api, config
from src.app import __main__ as app_command
from src.app import server as app_server
from src.errors import BadInputError
from tests.test_api import make_tiny_checkpoint

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


@pytest.fixture(scope="module")
def tiny_path(tmp_path_factory):
    return make_tiny_checkpoint(tmp_path_factory.mktemp("app") / "tiny.pth.tar")


@pytest.fixture(scope="module")
def server(tiny_path):
    """The demo on a free port of 127.0.0.1, served from a thread."""
    srv = app_server.make_server(api.SMoG.from_pretrained(tiny_path), "127.0.0.1", 0, quiet=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    srv.demo.close()


def call(srv, method: str, path: str, body=None, headers=None):
    """(status, headers, body bytes) of one request; a dict body is sent as JSON."""
    connection = http.client.HTTPConnection(*srv.server_address[:2], timeout=120)
    headers = dict(headers or {})
    if isinstance(body, dict):
        body = json.dumps(body).encode()
        headers.setdefault("Content-Type", "application/json")
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    reply = response.status, response.headers, response.read()
    connection.close()
    return reply


def generate(srv, **body):
    status, _, data = call(srv, "POST", "/api/generate", body)
    return status, json.loads(data)


def test_the_page_loads_only_files_of_this_server(server):
    status, headers, page = call(server, "GET", "/")
    assert status == 200 and headers.get_content_type() == "text/html"
    assert "default-src 'self'" in headers["Content-Security-Policy"]  # the browser refuses anything else
    html = page.decode()
    links = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert sorted(links) == ["/static/app.js", "/static/style.css", "/static/viewer.js"]
    for link in links:
        status, headers, text = call(server, "GET", link)
        assert status == 200 and headers.get_content_type() in ("text/javascript", "text/css"), link
        assert not re.search(rb"https?://|//cdn|@import", text), f"{link} refers to another site"
    assert "<script>" not in html and " style=" not in html  # no inline code (the policy forbids it)
    assert call(server, "GET", "/static/../server.py")[0] == 404
    assert call(server, "GET", "/nothing")[0] == 404


def test_info_shows_the_sampler_options_only_for_a_model_with_a_prior(server, tiny_path):
    status, _, data = call(server, "GET", "/api/info")
    info = json.loads(data)
    assert status == 200 and info["sampler"] is None and info["fps"] == server.demo.model.fps
    assert info["skeleton"]["parents"] == list(config.SMPL_PARENTS[:22])
    assert info["skeleton"]["sides"][1:3] == ["left", "right"] and info["files"] == ["npy", "npz", "bvh", "gif"]
    assert info["limits"]["duration"] == [config.MIN_DURATION_S, config.MAX_DURATION_S]

    from src.models.config import PriorConfig
    from src.models.prior import LatentPrior

    model = api.SMoG.from_pretrained(tiny_path)
    torch.manual_seed(0)
    model.model.attach_prior(LatentPrior(PriorConfig(latent_dim=model.model.latent_dim,
                                                     text_dim=model.model.latent_dim, width=16, hidden=32,
                                                     num_blocks=1, steps=4)))
    demo = app_server.Demo(model)
    try:
        sampler = demo.info()["sampler"]
        assert sampler["choices"] == list(config.SAMPLERS) and sampler["default"] == "diffusion"
        assert sampler["steps"] == 4 and sampler["guidance_scale"] == PriorConfig().guidance_scale
        request = app_server.parse_request({"prompts": "a person jumps", "duration": "1", "num_samples": "2",
                                            "sampler": "diffusion", "guidance_scale": "3", "steps": "2"}, model)
        assert request.sampling == {"sampler": "diffusion", "temperature": 1.0, "guidance_scale": 3.0, "steps": 2}
        reply = demo.generate(request)
        assert reply["sampler"] == "diffusion" and len(reply["results"]) == 2
    finally:
        demo.close()


def test_generate_returns_the_joints_and_valid_files(server):
    prompts = "a person walks\n# a comment" + " that is long" * 30 + "\na person jumps#1.5"
    status, reply = generate(server, prompts=prompts, duration="2", num_samples="2", seed="3")
    assert status == 200, reply
    assert reply["seconds"] > 0 and reply["sampler"] == "regression" and reply["seed"] == 3
    fps = reply["fps"]
    assert [(r["prompt"], r["sample"], r["line"]) for r in reply["results"]] == \
        [("a person walks", 0, 1), ("a person walks", 1, 1), ("a person jumps", 0, 3), ("a person jumps", 1, 3)]
    for result, seconds in zip(reply["results"], (2, 2, 1.5, 1.5)):
        frames = round(seconds * fps)
        joints = np.array(result["joints"])
        assert joints.shape == (frames, 22, 3) == (result["frames"], 22, 3)

        status, headers, data = call(server, "GET", result["files"]["npy"])
        assert status == 200 and "attachment" in headers["Content-Disposition"]
        npy = np.load(io.BytesIO(data))
        assert npy.dtype == np.float32 and np.allclose(npy, joints, atol=1e-4)

        npz = np.load(io.BytesIO(call(server, "GET", result["files"]["npz"])[2]))
        assert {"poses", "trans", "betas", "gender", "mocap_framerate", "dmpls"} <= set(npz.files)
        assert npz["poses"].shape == (frames, 156) and float(npz["mocap_framerate"]) == fps

        bvh = call(server, "GET", result["files"]["bvh"])[2].decode()
        assert bvh.startswith("HIERARCHY\nROOT pelvis") and f"Frames: {frames}\n" in bvh
        assert re.search(r"Frame Time: ([0-9.]+)", bvh) and float(re.search(r"Frame Time: ([0-9.]+)", bvh)[1]) \
            == pytest.approx(1 / fps, rel=1e-4)

        gif = Image.open(io.BytesIO(call(server, "GET", result["files"]["gif"])[2]))
        assert gif.format == "GIF" and gif.is_animated and gif.n_frames >= frames // 2
    # the same seed gives the same motions (alone or batched with others: up to ~4e-5 m apart);
    # the files of a request stay downloadable
    again = generate(server, prompts="a person walks", duration="2", num_samples="2", seed="3")[1]
    assert np.allclose(again["results"][1]["joints"], reply["results"][1]["joints"], atol=1e-3)
    assert call(server, "GET", reply["results"][0]["files"]["gif"])[0] == 200


@pytest.mark.parametrize("body, status, message", [
    ({"prompts": "  \n# only a comment"}, 400, "prompt"),
    ({"prompts": ""}, 400, "type a prompt"),
    ({"prompts": "a person walks", "duration": "99"}, 400, "duration: 99 s is longer than the maximum of 60 s"),
    ({"prompts": "a person walks", "duration": "0.01"}, 400, "shorter than the minimum of 0.2 s"),
    ({"prompts": "a person walks", "duration": "soon"}, 400, "not a number"),
    ({"prompts": "a person walks#0.05"}, 400, "prompts:1: duration"),
    ({"prompts": "a person walks", "num_samples": "0"}, 400, "num_samples: '0' must be within [1, 1000]"),
    ({"prompts": "a person walks", "num_samples": "1001"}, 400, "within [1, 1000]"),
    ({"prompts": "\n".join(["a person walks"] * 5), "num_samples": "8"}, 400, "at most 32"),
    ({"prompts": "a person walks", "seed": "x"}, 400, "seed: 'x' is not a whole number"),
    ({"prompts": "a person walks", "seed": "-1"}, 400, "seed: '-1' must be within [0, "),
    ({"prompts": "a person walks", "temperature": "11"}, 400, "temperature"),
    ({"prompts": "a person walks", "sampler": "diffusion"}, 400, "no diffusion prior"),
    ({"prompts": "a person walks", "sampler": "magic"}, 400, "sampler"),
    ({"prompts": "x" * 400}, 400, "at most 300"),
    ({"prompts": ["a person walks"], "duration": [1]}, 400, "duration: expected a number"),
])
def test_bad_input_is_answered_400_with_a_message(server, body, status, message):
    got, reply = generate(server, **body)
    assert got == status and message in reply["error"], reply


def test_requests_that_are_not_json_or_not_for_this_host_are_refused(server):
    assert call(server, "POST", "/api/generate", b"prompts=walk",
                {"Content-Type": "application/x-www-form-urlencoded"})[0] == 415
    status, _, data = call(server, "POST", "/api/generate", b"{not json", {"Content-Type": "application/json"})
    assert status == 400 and "not JSON" in json.loads(data)["error"]
    assert call(server, "POST", "/api/generate", b"[1]", {"Content-Type": "application/json"})[0] == 400
    assert call(server, "GET", "/", headers={"Host": "attacker.example:7860"})[0] == 403  # DNS rebinding
    assert call(server, "GET", "/files/abc/../../etc/passwd")[0] == 404
    assert call(server, "GET", "/files/nope/x.npy")[0] == 404


def test_two_tabs_generate_at_once(server):
    bodies = [dict(prompts="a person waves", duration="1", seed="1"),
              dict(prompts="a person sits down\na person turns", duration="1.5", seed="2")]
    alone = [generate(server, **body)[1] for body in bodies]
    replies = [None, None]

    def tab(k):
        replies[k] = generate(server, **bodies[k])

    threads = [threading.Thread(target=tab, args=(k,)) for k in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for (status, reply), expected in zip(replies, alone):
        assert status == 200 and reply["id"] != expected["id"]
        assert [r["joints"] for r in reply["results"]] == [r["joints"] for r in expected["results"]]


def test_the_command_refuses_a_port_in_use_and_bad_options(server, tiny_path, capsys):
    host, port = server.server_address[:2]
    with pytest.raises(BadInputError, match="in use|cannot listen"):
        app_server.make_server(server.demo.model, host, port)
    assert app_command.main(["--port", "70000"]) == 2
    assert "--port" in capsys.readouterr().err
    assert app_command.main([str(tiny_path.parent / "absent.pth.tar"), "--port", "0"]) == 3  # before listening
    assert "absent.pth.tar" in capsys.readouterr().err


# ------------------------------------------------------------------ a real browser
def chromium():
    found = next((path for path in map(shutil.which, CHROMIUM_NAMES) if path), None)
    if found is None:
        pytest.skip(f"no Chromium on the PATH (looked for {', '.join(CHROMIUM_NAMES)}; "
                    "Debian/Ubuntu: apt-get install chromium)")
    return found


def run_chromium(binary, url: str, profile, *options) -> subprocess.CompletedProcess:
    """Headless Chromium on ``url``; the page's script runs (and its requests end) within the
    virtual-time budget before the DOM is dumped or the screenshot taken."""
    command = [binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--use-angle=swiftshader",
               "--enable-unsafe-swiftshader", "--no-first-run", "--disable-extensions", "--hide-scrollbars",
               f"--user-data-dir={profile}", "--virtual-time-budget=20000", *options, url]
    return subprocess.run(command, capture_output=True, text=True, timeout=180)


def test_a_browser_shows_the_generated_motion(server, tmp_path):
    binary = chromium()
    page = f"{server.url}?prompt={quote('a person walks forward')}&duration=2&autorun=1"
    dom = run_chromium(binary, page, tmp_path / "profile", "--dump-dom").stdout
    body = re.search(r"<body([^>]*)>", dom)
    assert body, dom[-2000:]
    attributes = dict(re.findall(r'data-([a-z-]+)="([^"]*)"', body[1]))
    assert attributes.get("state") == "done", dom[-3000:]
    assert attributes["results"] == "1" and int(attributes["figure-pixels"]) > 150  # the limbs were drawn
    for kind in ("npy", "npz", "bvh", "gif"):  # the download links are there and the files valid
        link = re.search(rf'href="(/files/[0-9a-f]+/[^"]+\.{kind})"', dom)
        assert link, kind
        status, _, data = call(server, "GET", link[1])
        assert status == 200 and len(data) > 100

    # the pixels themselves: a screenshot holds the left (red) and right (blue) limbs
    shot = tmp_path / "shot.png"
    run_chromium(binary, page, tmp_path / "profile2", "--window-size=1100,700", f"--screenshot={shot}")
    pixels = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    for colour in ("#d62728", "#1f77b4"):
        ink = np.array([int(colour[k:k + 2], 16) for k in (1, 3, 5)])
        assert (np.abs(pixels - ink).sum(axis=-1) < 60).sum() > 50, colour

    # bad input: the page shows the server's message
    dom = run_chromium(binary, f"{server.url}?prompt=a+person+walks&duration=99&autorun=1",
                       tmp_path / "profile3", "--dump-dom").stdout
    assert 'data-state="error"' in dom and "longer than the maximum of 60 s" in dom


class DevToolsBrowser:
    """Headless Chromium driven over the DevTools protocol on a pipe: JSON messages ending in NUL,
    written to its fd 3 and read from its fd 4 (``--remote-debugging-pipe``); no package needed."""

    def __init__(self, binary: str, profile):
        import fcntl  # POSIX only, as passing the pipes as fds 3 and 4 is

        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def as_fds_3_and_4():  # in the child, before exec; via fds >= 10 so neither end is overwritten
            high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_browser_r, from_browser_w)]
            os.dup2(high[0], 3)
            os.dup2(high[1], 4)

        self.process = subprocess.Popen(
            [binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe", "--no-first-run",
             "--disable-extensions", f"--user-data-dir={profile}", "--window-size=1000,760", "about:blank"],
            pass_fds=(3, 4), preexec_fn=as_fds_3_and_4, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer, self._id, self.session = b"", 0, None

    def send(self, method: str, browser_level: bool = False, **params) -> dict:
        self._id += 1
        message = {"id": self._id, "method": method, "params": params}
        if self.session and not browser_level:
            message["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + 60
        while True:
            while b"\0" not in self._buffer:
                ready, _, _ = select.select([self._from_browser], [], [], max(0.0, deadline - time.monotonic()))
                if not ready:
                    raise TimeoutError(f"no answer to {method}")
                chunk = os.read(self._from_browser, 1 << 20)
                if not chunk:
                    raise RuntimeError("Chromium closed the pipe")
                self._buffer += chunk
            raw, self._buffer = self._buffer.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self._id:  # events and other replies are skipped
                assert "error" not in reply, (method, reply["error"])
                return reply.get("result", {})

    def open(self, url: str) -> None:
        target = self.send("Target.createTarget", browser_level=True, url="about:blank")["targetId"]
        self.session = self.send("Target.attachToTarget", browser_level=True, targetId=target,
                                 flatten=True)["sessionId"]
        self.send("Page.navigate", url=url)

    def js(self, expression: str):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 60):
        deadline = time.monotonic() + timeout
        while not self.js(expression):
            assert time.monotonic() < deadline, f"still not true after {timeout} s: {expression}"
            time.sleep(0.1)

    def mouse(self, kind: str, x: float, y: float, **options) -> None:
        self.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, **options)

    def close(self) -> None:
        self.process.kill()
        self.process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)


# the viewer's state as the page shows it: the slider's frame, the play button, the canvas's pixels
FRAME = "Number(document.querySelector('.viewer input[type=range]').value)"
PLAYING = "document.querySelector('.viewer .play').getAttribute('aria-label') === 'pause'"
PICTURE = "document.querySelector('.viewer canvas').toDataURL()"
LIMB_PIXELS = """(() => { const c = document.querySelector('.viewer canvas');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
  for (let i = 0; i < d.length; i += 4) {
    if (Math.abs(d[i] - 214) + Math.abs(d[i + 1] - 39) + Math.abs(d[i + 2] - 40) < 60
        || Math.abs(d[i] - 31) + Math.abs(d[i + 1] - 119) + Math.abs(d[i + 2] - 180) < 60) n++; }
  return n; })()"""


def test_the_viewer_plays_in_real_time_and_orbits_zooms_scrubs(server, tmp_path):
    """Real input events (DevTools protocol): playback advances at the motion's fps, the play button
    pauses it, a drag orbits and the wheel zooms the view, the slider scrubs, reset restores the view."""
    browser = DevToolsBrowser(chromium(), tmp_path / "profile")
    try:
        browser.open(f"{server.url}?prompt=a+person+walks&duration=3&autorun=1")
        browser.wait_for("document.body !== null && document.body.dataset.state === 'done'")
        fps = browser.js("Number(document.querySelector('.viewer input[type=range]').max) + 1") / 3
        assert fps == pytest.approx(server.demo.model.fps)

        # real time: the frame advances by fps x the seconds elapsed (looping at 3 s)
        start, began = browser.js(FRAME), time.monotonic()
        time.sleep(1.0)
        advanced = (browser.js(FRAME) - start) % round(3 * fps)
        expected = fps * (time.monotonic() - began)
        assert 0.6 * expected <= advanced <= 1.25 * expected + 1, (advanced, expected)

        rect = browser.js("(() => { const b = document.querySelector('.viewer .play').getBoundingClientRect();"
                          " return [b.x + b.width / 2, b.y + b.height / 2]; })()")
        browser.mouse("mousePressed", *rect, button="left", clickCount=1)
        browser.mouse("mouseReleased", *rect, button="left", clickCount=1)
        assert browser.js(PLAYING) is False
        paused = browser.js(FRAME)
        time.sleep(0.3)
        assert browser.js(FRAME) == paused
        home, limbs = browser.js(PICTURE), browser.js(LIMB_PIXELS)
        assert limbs > 100

        x, y = browser.js("(() => { const b = document.querySelector('.viewer canvas').getBoundingClientRect();"
                          " return [b.x + b.width / 2, b.y + b.height / 2]; })()")
        browser.mouse("mousePressed", x, y, button="left", buttons=1, clickCount=1)
        for step in range(1, 6):
            browser.mouse("mouseMoved", x + 30 * step, y + 6 * step, button="left", buttons=1)
        browser.mouse("mouseReleased", x + 150, y + 30, button="left", clickCount=1)
        time.sleep(0.1)
        orbited = browser.js(PICTURE)
        assert orbited != home and browser.js(FRAME) == paused  # another view of the same frame
        browser.send("Input.dispatchMouseEvent", type="mouseWheel", x=x, y=y, deltaX=0, deltaY=-600)
        time.sleep(0.1)
        assert browser.js(LIMB_PIXELS) > 1.5 * limbs  # zoomed in: a larger figure

        browser.js("(() => { const s = document.querySelector('.viewer input[type=range]'); s.value = 10;"
                   " s.dispatchEvent(new Event('input')); })()")
        time.sleep(0.1)
        assert browser.js("document.querySelector('.viewer .clock').textContent").startswith("frame 11 /")
        browser.js(f"(() => {{ const s = document.querySelector('.viewer input[type=range]'); s.value = {paused};"
                   " s.dispatchEvent(new Event('input')); document.querySelector('.viewer .reset').click(); })()")
        time.sleep(0.1)
        assert browser.js(PICTURE) == home  # the same frame from the home view
    finally:
        browser.close()
