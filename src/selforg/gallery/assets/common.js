// selforg gallery: what every page shares. A page loads this file, its data file
// (window.SELFORG_PAGE), the script of its kind (which registers selforgGallery.kinds[kind])
// and calls selforgGallery.start(). Errors are shown in the page, never as a blank canvas.
//
// The test hook, window.selforg: { ready, error, page, pause(), play(), reset({seed, size}),
// step(k), pixels(), state(), time(k) }. pixels() draws the grid once, one canvas pixel per
// cell and row 0 on top, and returns {width, height, rgba (base64, rows top to bottom)}.
"use strict";

var selforgGallery = (function () {
  const kinds = {};

  function $(id) { return document.getElementById(id); }

  function showError(text) {
    const box = $("message");
    if (box) {
      box.hidden = false;
      box.textContent = text;
    }
    const canvas = $("canvas");
    if (canvas) canvas.hidden = true;
    window.selforg = Object.assign(window.selforg || {}, { ready: false, error: text });
  }

  function hash32(v) {
    v = v >>> 0;
    v ^= v >>> 16; v = Math.imul(v, 0x7feb352d) >>> 0;
    v ^= v >>> 15; v = Math.imul(v, 0x846ca68b) >>> 0;
    v ^= v >>> 16;
    return v >>> 0;
  }

  function base64(bytes) {
    let s = "";
    const chunk = 0x8000;
    for (let i = 0; i < bytes.length; i += chunk) {
      s += String.fromCharCode.apply(null, bytes.subarray(i, i + chunk));
    }
    return btoa(s);
  }

  function compile(gl, type, source, name) {
    const sh = gl.createShader(type);
    gl.shaderSource(sh, source);
    gl.compileShader(sh);
    if (!gl.getShaderParameter(sh, gl.COMPILE_STATUS)) {
      throw new Error("the shader " + name + " does not compile here: " + gl.getShaderInfoLog(sh));
    }
    return sh;
  }

  // A program of the page's vertex shader and its fragment shader `role`, with a uniform
  // setter: prog.set("name", "1i", value...).
  function program(gl, page, role, vertexRole) {
    const src = page.shaders[role];
    if (typeof src !== "string") throw new Error("the page data has no shader '" + role + "'");
    const vsrc = vertexRole ? (page.vertexShaders || {})[vertexRole] : page.vertex;
    if (typeof vsrc !== "string") throw new Error("the page data has no vertex shader '" + vertexRole + "'");
    const p = gl.createProgram();
    gl.attachShader(p, compile(gl, gl.VERTEX_SHADER, vsrc,
                               page.slug + (vertexRole ? "." + vertexRole : "") + ".vert"));
    gl.attachShader(p, compile(gl, gl.FRAGMENT_SHADER, src, page.slug + "." + role + ".frag"));
    gl.linkProgram(p);
    if (!gl.getProgramParameter(p, gl.LINK_STATUS)) {
      throw new Error("the shader " + role + " does not link: " + gl.getProgramInfoLog(p));
    }
    const locs = {};
    return {
      program: p,
      use() { gl.useProgram(p); return this; },
      set(name, fn) {
        if (!(name in locs)) locs[name] = gl.getUniformLocation(p, name);
        if (locs[name] !== null) {
          gl["uniform" + fn].apply(gl, [locs[name]].concat(Array.prototype.slice.call(arguments, 2)));
        }
        return this;
      },
    };
  }

  function drawQuad(gl) { gl.drawArrays(gl.TRIANGLES, 0, 3); }

  // Controls shared by the cellular automata (nca, logic): the sim object has
  // size() -> [w, h], reset(seed), step(n), brush(x, y, radius, mode), draw(view),
  // readState(); view = {zoom, tiles, width, height, origin: [x, y]}.
  function runCells(gl, page, sim, canvas) {
    let playing = !/[?&]paused\b/.test(location.search);
    let steps = 0, seed = page.data.seed || 1;
    const speed = $("speed"), zoomSel = $("zoom"), tile = $("tile");
    if (page.data.zoom && zoomSel) {
      for (const o of zoomSel.options) o.selected = Number(o.value) === page.data.zoom;
      if (![...zoomSel.options].some((o) => o.selected)) {
        zoomSel.add(new Option(String(page.data.zoom), String(page.data.zoom), true, true));
      }
    }
    function view() {
      const [w, h] = sim.size();
      const zoom = Number(zoomSel ? zoomSel.value : 1), tiles = tile && tile.checked ? 2 : 1;
      return { zoom, tiles, width: w * zoom * tiles, height: h * zoom * tiles };
    }
    function layout() {
      const v = view(), extra = sim.extraWidth ? sim.extraWidth(v) : 0;
      if (canvas.width !== v.width + extra || canvas.height !== v.height) {
        canvas.width = v.width + extra;
        canvas.height = v.height;
      }
      return v;
    }
    function paint() {
      const v = layout();
      sim.draw(v);
      $("count").textContent = String(steps);
      $("seed").textContent = String(seed);
    }
    function reset(s) {
      seed = s >>> 0;
      steps = 0;
      sim.reset(seed);
      paint();
    }
    function step(n) {
      sim.step(n, steps);
      steps += n;
    }
    $("play").onclick = () => { playing = !playing; $("play").textContent = playing ? "pause" : "play"; };
    $("play").textContent = playing ? "pause" : "play";
    $("stepOnce").onclick = () => { step(1); paint(); };
    $("reset").onclick = () => reset((Math.random() * 4294967296) >>> 0);
    if (speed) speed.oninput = () => { $("speedValue").textContent = speed.value; };
    if (zoomSel) zoomSel.onchange = paint;
    if (tile) tile.onchange = paint;
    // the brush: erase or randomise a disc of cells where the pointer drags
    let painting = false;
    function brushAt(e) {
      const r = canvas.getBoundingClientRect(), v = view();
      const px = (e.clientX - r.left) * canvas.width / r.width;
      const py = (e.clientY - r.top) * canvas.height / r.height;
      const [w, h] = sim.size();
      const x = Math.floor(px / v.zoom) % w, y = Math.floor(py / v.zoom) % h;
      sim.brush(x, y, Number($("radius").value), Number($("brush").value),
                (Math.random() * 4294967296) >>> 0);
      paint();
    }
    canvas.addEventListener("pointerdown", (e) => { painting = true; brushAt(e); });
    canvas.addEventListener("pointermove", (e) => { if (painting) brushAt(e); });
    window.addEventListener("pointerup", () => { painting = false; });
    function frame() {
      if (playing) step(Number(speed ? speed.value : 1));
      paint();
      requestAnimationFrame(frame);
    }
    reset(seed);
    requestAnimationFrame(frame);
    window.selforg = {
      ready: true, error: null, page,
      pause() { playing = false; $("play").textContent = "play"; },
      play() { playing = true; $("play").textContent = "pause"; },
      reset(opts) {
        opts = opts || {};
        if (opts.size && sim.resize) sim.resize(opts.size[0], opts.size[1]);
        reset(opts.seed === undefined ? seed : opts.seed);
        return sim.size();
      },
      step(k) { step(k); paint(); return steps; },
      pixels() {
        const [w, h] = sim.size();
        const v = { zoom: 1, tiles: 1, width: w, height: h };
        canvas.width = w; canvas.height = h;
        sim.draw(v, true);
        const buf = new Uint8Array(w * h * 4);
        gl.readPixels(0, 0, w, h, gl.RGBA, gl.UNSIGNED_BYTE, buf);
        const rows = new Uint8Array(w * h * 4);  // flip: rows top to bottom
        for (let y = 0; y < h; y++) rows.set(buf.subarray((h - 1 - y) * w * 4, (h - y) * w * 4), y * w * 4);
        paint();
        return { width: w, height: h, rgba: base64(rows) };
      },
      state() { return sim.readState(); },
      setState(data) { sim.setState(data); paint(); },
      time(k) {  // seconds for k steps, the GPU finished (sync() reads a pixel back)
        step(1);
        sim.sync();
        const t0 = performance.now();
        step(k);
        sim.sync();
        return (performance.now() - t0) / 1000;
      },
    };
  }

  function start() {
    const page = window.SELFORG_PAGE;
    const slug = document.body.dataset.slug;
    if (window.SELFORG_MISSING || !page) {
      showError("The model file " + slug + ".data.js is missing or could not be read, so" +
        " there is nothing to run. Rebuild the gallery with `selforg gallery`.");
      return;
    }
    if (page.format !== "selforg-gallery/1" || typeof page.data !== "object" || !page.data) {
      showError("The model file " + slug + ".data.js is not a selforg gallery file (format " +
        JSON.stringify(page.format) + "). Rebuild the gallery with `selforg gallery`.");
      return;
    }
    const kind = kinds[page.kind];
    if (!kind) {
      showError("This page needs the script assets/" + page.kind + ".js, which did not load.");
      return;
    }
    try {
      if (kind.cells) {
        const canvas = $("canvas");
        const gl = canvas.getContext("webgl2", { antialias: false, preserveDrawingBuffer: true,
                                                 premultipliedAlpha: false });
        if (!gl) throw new Error("This browser gives the page no WebGL2, which it needs to run" +
          " the model. Try a current Firefox, Chrome or Safari with hardware acceleration on.");
        gl.bindVertexArray(gl.createVertexArray());
        const sim = kind.create(gl, page, { program: (role, vrole) => program(gl, page, role, vrole),
                                            drawQuad });
        runCells(gl, page, sim, canvas);
      } else {
        kind.create(page);
      }
    } catch (e) {
      showError(String(e && e.message ? e.message : e));
      console.warn(e);
    }
  }

  return { kinds, start, hash32, base64, showError, $ };
})();
