"use strict";
// A stick-figure motion viewer on a 2D canvas with its own perspective camera: no library, no WebGL.
// Joints are (T, J, 3) arrays in the project's convention (src/config.py): metres, Y-up, floor at
// y = 0, frame 0 facing +Z, the body's left = +X. parents[j] is the joint above joint j (-1: root).
// Drawn as the GIFs are (src/rendering/stick.py): left limbs red, right blue, spine grey, a shadow on
// a floor with a 0.5 m grid, and the root's path on it (solid so far, faint ahead).

(function (global) {
  const FLOOR_STEP = 0.5;               // metres between grid lines
  const FLOOR_MARGIN = 1.0;             // metres of floor around everything the clip reaches
  const FOV = 40 * Math.PI / 180;       // vertical field of view
  const NEAR = 0.05;                    // metres: nearer than this is not drawn
  const HEAD_RADIUS = 0.1;              // metres
  const HEAD = 15;                      // SMPL's head joint
  const BACKGROUND = "#ffffff", FLOOR_FILL = "#f4f4f4", SHADOW = "#d4d4d4", TEXT = "#141414";
  const HOME = { azimuth: 0.55, elevation: 0.32 };  // radians: a three-quarter view from the front-left
  const ELEVATION_RANGE = [-0.15, 1.5];
  const DISTANCE_RANGE = [0.4, 200];
  const FOLLOW_BEYOND = 4;              // metres: the camera follows clips whose root travels farther (as the GIFs)

  const sub = (a, b) => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
  const dot = (a, b) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  const cross = (a, b) => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
  const unit = (a) => { const n = Math.hypot(a[0], a[1], a[2]) || 1; return [a[0] / n, a[1] / n, a[2] / n]; };
  const clamp = (x, lo, hi) => Math.min(hi, Math.max(lo, x));
  const rgb = (hex) => [1, 3, 5].map((k) => parseInt(hex.slice(k, k + 2), 16));

  function element(tag, attributes, parent) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) {
      if (key === "text") node.textContent = value; else node.setAttribute(key, value);
    }
    if (parent) parent.appendChild(node);
    return node;
  }

  // Every viewer that plays is advanced by one animation loop.
  const viewers = new Set();
  function tick(now) {
    for (const viewer of viewers) viewer.tick(now);
    requestAnimationFrame(tick);
  }
  requestAnimationFrame(tick);

  class MotionViewer {
    // container: an empty element; motion: {joints: (T, J, 3) nested arrays, fps};
    // style: {parents, sides ("left" | "right" | "centre" per joint), colours {left, right, centre, floor, trajectory}}.
    constructor(container, motion, style) {
      this.joints = motion.joints;
      this.fps = motion.fps;
      this.frames = motion.joints.length;
      this.parents = style.parents;
      this.sides = style.sides;
      this.colours = style.colours;
      this.time = 0;          // seconds into the clip
      this.playing = true;
      this.last = null;       // the previous tick's clock (ms)
      this.dirty = true;
      this._measure();
      this._build(container);
      this.resetView();
      this.resize();
      viewers.add(this);
    }

    // ------------------------------------------------------------------ scene
    _measure() {
      let [x0, x1, z0, z1, top] = [Infinity, -Infinity, Infinity, -Infinity, 0];
      for (const frame of this.joints) {
        for (const [x, y, z] of frame) {
          x0 = Math.min(x0, x); x1 = Math.max(x1, x); z0 = Math.min(z0, z); z1 = Math.max(z1, z);
          top = Math.max(top, y);
        }
      }
      const snap = (v, down) => (down ? Math.floor : Math.ceil)(v / FLOOR_STEP) * FLOOR_STEP;
      this.floor = [snap(x0 - FLOOR_MARGIN, true), snap(x1 + FLOOR_MARGIN, false),
                    snap(z0 - FLOOR_MARGIN, true), snap(z1 + FLOOR_MARGIN, false)];
      this.centre = [(x0 + x1) / 2, Math.max(0.5, top * 0.5), (z0 + z1) / 2];
      this.height = Math.max(top, 1.0);
      this.span = Math.max(x1 - x0, z1 - z0, this.height);
      this.path = this.joints.map((frame) => [frame[0][0], 0.002, frame[0][2]]);  // root on the floor
      this.follow = Math.max(x1 - x0, z1 - z0) > FOLLOW_BEYOND;
    }

    resetView() {
      this.azimuth = HOME.azimuth;
      this.elevation = HOME.elevation;
      this.offset = [0, 0, 0];  // the user's pan
      this.distance = (0.42 * (this.follow ? this.height : this.span) + 0.35) / Math.tan(FOV / 2);
      this.dirty = true;
    }

    // What the camera looks at: the middle of the clip's floor, or the root now when following.
    target() {
      const root = this.joints[this.frame()][0];
      const base = this.follow ? [root[0], this.centre[1], root[2]] : this.centre;
      return base.map((v, k) => v + this.offset[k]);
    }

    // ------------------------------------------------------------------ controls
    _build(container) {
      container.classList.add("viewer");
      this.canvas = element("canvas", { tabindex: "0", "aria-label": "3D view: drag to orbit, wheel or pinch to zoom, "
        + "shift-drag to pan, double-click to reset, space to play or pause" }, container);
      this.context = this.canvas.getContext("2d");
      const bar = element("div", { class: "viewer-controls" }, container);
      this.playButton = element("button", { type: "button", class: "play", "aria-label": "pause", text: "❚❚" }, bar);
      this.slider = element("input", { type: "range", min: "0", max: String(this.frames - 1), step: "1", value: "0",
                                       "aria-label": "frame" }, bar);
      this.clock = element("span", { class: "clock" }, bar);
      this.followBox = element("input", { type: "checkbox", "aria-label": "follow the body" },
                               element("label", { class: "follow", text: "follow " }, bar));
      const reset = element("button", { type: "button", class: "reset", text: "reset view" }, bar);
      this.followBox.checked = this.follow;
      this.followBox.addEventListener("change", () => { this.follow = this.followBox.checked; this.resetView(); });

      this.playButton.addEventListener("click", () => this.setPlaying(!this.playing));
      this.slider.addEventListener("input", () => {
        this.setPlaying(false);
        this.time = Number(this.slider.value) / this.fps;
        this.dirty = true;
      });
      reset.addEventListener("click", () => this.resetView());
      this.canvas.addEventListener("dblclick", () => this.resetView());
      this.canvas.addEventListener("keydown", (event) => {
        if (event.key === " ") { this.setPlaying(!this.playing); event.preventDefault(); }
        if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
          this.setPlaying(false);
          const step = event.key === "ArrowRight" ? 1 : -1;
          this.time = ((this.frame() + step + this.frames) % this.frames) / this.fps;
          this.dirty = true;
          event.preventDefault();
        }
      });
      this.canvas.addEventListener("wheel", (event) => {
        this.distance = clamp(this.distance * Math.exp(event.deltaY * 0.0015), ...DISTANCE_RANGE);
        this.dirty = true;
        event.preventDefault();
      }, { passive: false });

      const pointers = new Map();  // pointer id -> last [x, y]
      let pinch = null;
      this.canvas.addEventListener("pointerdown", (event) => {
        this.canvas.setPointerCapture(event.pointerId);
        pointers.set(event.pointerId, [event.clientX, event.clientY]);
        pinch = null;
      });
      const release = (event) => { pointers.delete(event.pointerId); pinch = null; };
      this.canvas.addEventListener("pointerup", release);
      this.canvas.addEventListener("pointercancel", release);
      this.canvas.addEventListener("pointermove", (event) => {
        const previous = pointers.get(event.pointerId);
        if (!previous) return;
        const [dx, dy] = [event.clientX - previous[0], event.clientY - previous[1]];
        pointers.set(event.pointerId, [event.clientX, event.clientY]);
        if (pointers.size === 2) {  // pinch: the distance between the fingers zooms
          const [a, b] = [...pointers.values()];
          const gap = Math.hypot(a[0] - b[0], a[1] - b[1]);
          if (pinch) this.distance = clamp(this.distance * pinch / gap, ...DISTANCE_RANGE);
          pinch = gap;
        } else if (event.shiftKey || event.buttons === 2 || event.buttons === 4) {
          this._pan(dx, dy);
        } else {
          this.azimuth -= dx * 0.01;
          this.elevation = clamp(this.elevation + dy * 0.01, ...ELEVATION_RANGE);
        }
        this.dirty = true;
      });
      this.canvas.addEventListener("contextmenu", (event) => event.preventDefault());
      new ResizeObserver(() => this.resize()).observe(this.canvas);
    }

    _pan(dx, dy) {
      const camera = this._camera();
      const metres = this.distance / camera.focal * (window.devicePixelRatio || 1);
      for (let k = 0; k < 3; k++) this.offset[k] += metres * (-dx * camera.right[k] + dy * camera.up[k]);
    }

    setPlaying(playing) {
      this.playing = playing;
      this.last = null;
      this.playButton.textContent = playing ? "❚❚" : "▶";
      this.playButton.setAttribute("aria-label", playing ? "pause" : "play");
    }

    resize() {
      const ratio = window.devicePixelRatio || 1;
      const width = Math.max(1, Math.round(this.canvas.clientWidth * ratio));
      const height = Math.max(1, Math.round(this.canvas.clientHeight * ratio));
      if (width !== this.canvas.width || height !== this.canvas.height) {
        this.canvas.width = width;
        this.canvas.height = height;
      }
      this.draw();
    }

    frame() {
      return clamp(Math.floor(this.time * this.fps + 1e-6), 0, this.frames - 1);
    }

    // Advance in real time at the clip's frame rate (looping) and redraw when anything changed.
    tick(now) {
      if (!this.canvas.isConnected) { viewers.delete(this); return; }
      if (this.playing) {
        if (this.last !== null) {
          const before = this.frame();
          this.time = (this.time + (now - this.last) / 1000) % (this.frames / this.fps);
          if (this.frame() !== before) this.dirty = true;
        }
        this.last = now;
      }
      if (this.dirty) this.draw();
    }

    // ------------------------------------------------------------------ camera
    _camera() {
      const { width, height } = this.canvas;
      const c = Math.cos(this.elevation), target = this.target();
      const eye = [target[0] + this.distance * c * Math.sin(this.azimuth),
                   target[1] + this.distance * Math.sin(this.elevation),
                   target[2] + this.distance * c * Math.cos(this.azimuth)];
      const forward = unit(sub(target, eye));
      const right = unit(cross(forward, [0, 1, 0]));
      const up = cross(right, forward);
      return { eye, forward, right, up, width, height, focal: height / 2 / Math.tan(FOV / 2) };
    }

    // World point -> camera coordinates [x right, y up, z depth].
    static view(camera, point) {
      const d = sub(point, camera.eye);
      return [dot(d, camera.right), dot(d, camera.up), dot(d, camera.forward)];
    }

    static screen(camera, v) {
      return [camera.width / 2 + camera.focal * v[0] / v[2], camera.height / 2 - camera.focal * v[1] / v[2]];
    }

    // A segment in camera coordinates, cut at the near plane; null when wholly behind it.
    static clipSegment(a, b) {
      if (a[2] < NEAR && b[2] < NEAR) return null;
      const cut = (p, q) => { const t = (NEAR - p[2]) / (q[2] - p[2]); return p.map((v, k) => v + t * (q[k] - v)); };
      return [a[2] < NEAR ? cut(a, b) : a, b[2] < NEAR ? cut(b, a) : b];
    }

    // A polygon in camera coordinates cut at the near plane (Sutherland-Hodgman against one plane).
    static clipPolygon(points) {
      const out = [];
      points.forEach((p, i) => {
        const q = points[(i + 1) % points.length];
        if (p[2] >= NEAR) out.push(p);
        if ((p[2] >= NEAR) !== (q[2] >= NEAR)) {
          const t = (NEAR - p[2]) / (q[2] - p[2]);
          out.push(p.map((v, k) => v + t * (q[k] - v)));
        }
      });
      return out;
    }

    _line(camera, a, b) {
      const seg = MotionViewer.clipSegment(MotionViewer.view(camera, a), MotionViewer.view(camera, b));
      if (!seg) return;
      const [p, q] = seg.map((v) => MotionViewer.screen(camera, v));
      this.context.moveTo(p[0], p[1]);
      this.context.lineTo(q[0], q[1]);
    }

    // ------------------------------------------------------------------ drawing
    draw() {
      this.dirty = false;
      const ctx = this.context, camera = this._camera();
      const ratio = window.devicePixelRatio || 1;
      const frame = this.frame();
      const pose = this.joints[frame];
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.fillStyle = BACKGROUND;
      ctx.fillRect(0, 0, camera.width, camera.height);

      // the floor window and its grid
      const [x0, x1, z0, z1] = this.floor;
      const corners = [[x0, 0, z0], [x1, 0, z0], [x1, 0, z1], [x0, 0, z1]].map((p) => MotionViewer.view(camera, p));
      const polygon = MotionViewer.clipPolygon(corners).map((v) => MotionViewer.screen(camera, v));
      if (polygon.length >= 3) {
        ctx.beginPath();
        polygon.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
        ctx.closePath();
        ctx.fillStyle = FLOOR_FILL;
        ctx.fill();
      }
      ctx.beginPath();
      for (let x = x0; x <= x1 + 1e-6; x += FLOOR_STEP) this._line(camera, [x, 0, z0], [x, 0, z1]);
      for (let z = z0; z <= z1 + 1e-6; z += FLOOR_STEP) this._line(camera, [x0, 0, z], [x1, 0, z]);
      ctx.strokeStyle = this.colours.floor;
      ctx.lineWidth = ratio;
      ctx.stroke();

      // the body's shadow: every bone flattened onto the floor
      ctx.beginPath();
      this.parents.forEach((parent, j) => {
        if (parent >= 0) this._line(camera, [pose[parent][0], 0.001, pose[parent][2]], [pose[j][0], 0.001, pose[j][2]]);
      });
      ctx.strokeStyle = SHADOW;
      ctx.lineWidth = 4 * ratio;
      ctx.stroke();

      // the root's path: faint ahead, solid up to now
      for (const [from, to, alpha] of [[frame, this.frames - 1, 0.4], [0, frame, 1.0]]) {
        ctx.beginPath();
        for (let t = from; t < to; t++) this._line(camera, this.path[t], this.path[t + 1]);
        ctx.globalAlpha = alpha;
        ctx.strokeStyle = this.colours.trajectory;
        ctx.lineWidth = 2.2 * ratio;
        ctx.stroke();
      }
      ctx.globalAlpha = 1;

      // bones, far to near, so that a nearer limb covers a farther one
      const bones = [];
      this.parents.forEach((parent, j) => {
        if (parent < 0) return;
        const a = MotionViewer.view(camera, pose[parent]), b = MotionViewer.view(camera, pose[j]);
        bones.push({ a, b, depth: (a[2] + b[2]) / 2, colour: this.colours[this.sides[j]] });
      });
      bones.sort((p, q) => q.depth - p.depth);
      for (const bone of bones) {
        const seg = MotionViewer.clipSegment(bone.a, bone.b);
        if (!seg) continue;
        const [p, q] = seg.map((v) => MotionViewer.screen(camera, v));
        ctx.beginPath();
        ctx.moveTo(p[0], p[1]);
        ctx.lineTo(q[0], q[1]);
        ctx.strokeStyle = bone.colour;
        ctx.lineWidth = 3.5 * ratio;
        ctx.stroke();
        ctx.beginPath();
        ctx.arc(q[0], q[1], 2.6 * ratio, 0, 2 * Math.PI);
        ctx.fillStyle = bone.colour;
        ctx.fill();
      }
      const head = pose.length > HEAD ? MotionViewer.view(camera, pose[HEAD]) : null;
      if (head && head[2] > NEAR) {
        const [x, y] = MotionViewer.screen(camera, head);
        ctx.beginPath();
        ctx.arc(x, y, camera.focal * HEAD_RADIUS / head[2], 0, 2 * Math.PI);
        ctx.strokeStyle = this.colours.centre;
        ctx.lineWidth = 2.5 * ratio;
        ctx.stroke();
      }

      // the clock
      const seconds = frame / this.fps, total = this.frames / this.fps;
      ctx.fillStyle = TEXT;
      ctx.font = `${12 * ratio}px sans-serif`;
      ctx.fillText(`${seconds.toFixed(2)} / ${total.toFixed(2)} s`, 8 * ratio, camera.height - 8 * ratio);
      this.slider.value = String(frame);
      this.clock.textContent = `frame ${frame + 1} / ${this.frames} · ${this.fps} fps`;
    }

    // How many pixels show a limb (the left or right colour): what the browser test asserts.
    figurePixels() {
      const { width, height } = this.canvas;
      const data = this.context.getImageData(0, 0, width, height).data;
      const inks = [rgb(this.colours.left), rgb(this.colours.right)];
      let count = 0;
      for (let i = 0; i < data.length; i += 4) {
        for (const [r, g, b] of inks) {
          if (Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b) < 60) { count++; break; }
        }
      }
      return count;
    }
  }

  global.MotionViewer = MotionViewer;
})(window);
