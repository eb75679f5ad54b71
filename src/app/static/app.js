"use strict";
// The demo page: reads the model's options (/api/info), sends the form to /api/generate, and shows
// each motion in a MotionViewer (viewer.js) with its files to download. The URL may fill the form:
// /?prompt=a+person+jumps&duration=3&samples=2&seed=1&autorun=1 (prompt may repeat: one per line;
// at=SECONDS shows the motions paused at that time).
// When a request ends, <body> gets data-state="done" (with data-results and data-figure-pixels,
// the limb pixels the first viewer drew) or data-state="error": what the browser test reads.

(function () {
  const $ = (id) => document.getElementById(id);
  const FIELDS = ["duration", "num_samples", "seed", "temperature", "sampler", "guidance_scale", "steps"];
  const OPTIONAL = { temperature: (model) => model.temperature, sampler: (model) => model.sampler,
                     guidance_scale: (model) => model.sampler, steps: (model) => model.sampler };
  const URL_NAMES = { samples: "num_samples", guidance: "guidance_scale" };  // short URL names
  let info = null;

  function say(text, kind) {
    $("message").textContent = text;
    $("message").className = kind || "";
  }

  function setUp(model) {
    info = model;
    const limits = model.limits;
    $("model").textContent = `${model.checkpoint} · ${model.pose_rep} · ${model.fps} fps`
      + (model.sampler ? " · diffusion prior" : "");
    Object.assign($("duration"), { min: limits.duration[0], max: limits.duration[1], value: limits.default_duration });
    Object.assign($("num_samples"), { min: 1, max: Math.min(limits.num_samples[1], limits.max_motions) });
    $("seed").value = limits.default_seed;
    if (model.temperature) {  // variational models and models with a diffusion prior
      Object.assign($("temperature"), { min: model.temperature.range[0], max: model.temperature.range[1],
                                        value: model.temperature.default });
      $("variational").hidden = false;
    }
    if (model.sampler) {  // only checkpoints with a diffusion prior have these options
      for (const choice of model.sampler.choices) {
        const option = document.createElement("option");
        option.value = option.textContent = choice;
        $("sampler").appendChild(option);
      }
      $("sampler").value = model.sampler.default;
      Object.assign($("guidance_scale"), { min: model.sampler.guidance_range[0], max: model.sampler.guidance_range[1],
                                           value: model.sampler.guidance_scale });
      Object.assign($("steps"), { min: 1, max: model.sampler.max_steps, value: model.sampler.steps });
      $("sampling").hidden = false;
    }
  }

  function fillFromUrl() {
    const params = new URLSearchParams(window.location.search);
    const prompts = params.getAll("prompt");
    if (prompts.length) $("prompts").value = prompts.join("\n");
    for (const [name, value] of params) {
      const field = URL_NAMES[name] || name;
      if (FIELDS.includes(field) && $(field)) $(field).value = value;
    }
    return params.get("autorun") === "1";
  }

  function request() {
    const body = { prompts: $("prompts").value };
    for (const name of FIELDS) {
      if (!OPTIONAL[name] || (info && OPTIONAL[name](info))) body[name] = $(name).value;
    }
    return body;
  }

  function download(parent, href, label) {
    const link = document.createElement("a");
    link.href = href;
    link.textContent = label;
    link.setAttribute("download", href.split("/").pop());
    parent.appendChild(link);
  }

  function show(reply) {
    const results = $("results");
    results.replaceChildren();
    const viewers = [];
    for (const result of reply.results) {
      const card = document.createElement("article");
      const title = document.createElement("h2");
      title.textContent = result.prompt;
      const meta = document.createElement("p");
      meta.className = "meta";
      meta.textContent = `sample ${result.sample + 1} · ${result.duration} s · ${result.frames} frames at ${result.fps} fps`;
      const view = document.createElement("div");
      const files = document.createElement("p");
      files.className = "files";
      files.append("Download: ");
      for (const [kind, href] of Object.entries(result.files)) download(files, href, `.${kind}`);
      card.append(title, meta, view, files);
      results.appendChild(card);
      viewers.push(new MotionViewer(view, { joints: result.joints, fps: result.fps },
                                    { parents: info.skeleton.parents, sides: info.skeleton.sides, colours: info.colours }));
    }
    say(`${reply.results.length} motion(s) with their files in ${reply.seconds.toFixed(2)} s `
        + `(seed ${reply.seed}, ${reply.sampler} sampler). `
        + reply.notes.join(" "), "ok");
    const at = Number(new URLSearchParams(window.location.search).get("at"));
    for (const viewer of viewers) {
      if (at > 0) { viewer.time = Math.min(at, (viewer.frames - 1) / viewer.fps); viewer.setPlaying(false); }
      viewer.draw();
    }
    document.body.dataset.results = String(reply.results.length);
    document.body.dataset.figurePixels = String(viewers.length ? viewers[0].figurePixels() : 0);
    document.body.dataset.state = "done";
  }

  async function generate(event) {
    if (event) event.preventDefault();
    $("generate").disabled = true;
    document.body.dataset.state = "busy";
    say("Generating…", "busy");
    try {
      const response = await fetch("/api/generate", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(request()),
      });
      const reply = await response.json();
      if (!response.ok) throw new Error(reply.error || `the server answered ${response.status}`);
      show(reply);
    } catch (error) {
      say(error.message, "error");
      document.body.dataset.state = "error";
    } finally {
      $("generate").disabled = false;
    }
  }

  async function start() {
    $("form").addEventListener("submit", generate);
    try {
      const response = await fetch("/api/info");
      setUp(await response.json());
    } catch (error) {
      say(`cannot reach the demo's server: ${error.message}`, "error");
      document.body.dataset.state = "error";
      return;
    }
    document.body.dataset.state = "ready";
    if (fillFromUrl()) generate();
  }

  start();
})();
