// selforg gallery: automata with a float state (μNCA textures, reaction-diffusion). The state
// is channels/4 RGBA32F textures, ping-ponged; for a μNCA the step shader is the file
// `selforg nca export --glsl` writes, run as written. Optional page data: `weights` (a float
// texture the step shader reads as `weights`), `blobsPerArea` (the seed shader's `blobs`).
"use strict";

selforgGallery.kinds.nca = {
  cells: true,
  create(gl, page, ui) {
    if (!gl.getExtension("EXT_color_buffer_float")) {
      throw new Error("This browser's WebGL2 cannot render to float textures" +
        " (EXT_color_buffer_float), which the μNCA state needs.");
    }
    const d = page.data, groups = d.channels / 4;
    if (groups > gl.getParameter(gl.MAX_DRAW_BUFFERS)) {
      throw new Error("This model keeps " + d.channels + " channels in " + groups + " textures" +
        " written at once, and this browser's WebGL2 can write only " +
        gl.getParameter(gl.MAX_DRAW_BUFFERS) + ".");
    }
    const seedP = ui.program("seed"), stepP = ui.program("step");
    const brushP = ui.program("brush"), displayP = ui.program("display");
    let w = d.size[0], h = d.size[1], bufs = [];
    const attachments = [...Array(groups).keys()].map((i) => gl.COLOR_ATTACHMENT0 + i);

    function makeSet() {
      const tex = [], fb = gl.createFramebuffer();
      gl.bindFramebuffer(gl.FRAMEBUFFER, fb);
      for (let i = 0; i < groups; i++) {
        const t = gl.createTexture();
        gl.bindTexture(gl.TEXTURE_2D, t);
        gl.texStorage2D(gl.TEXTURE_2D, 1, gl.RGBA32F, w, h);
        gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
        gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
        gl.framebufferTexture2D(gl.FRAMEBUFFER, attachments[i], gl.TEXTURE_2D, t, 0);
        tex.push(t);
      }
      gl.drawBuffers(attachments);
      if (gl.checkFramebufferStatus(gl.FRAMEBUFFER) !== gl.FRAMEBUFFER_COMPLETE) {
        throw new Error("This browser cannot draw into " + groups + " float textures at once.");
      }
      return { tex, fb };
    }
    function alloc() {
      for (const b of bufs) { b.tex.forEach((t) => gl.deleteTexture(t)); gl.deleteFramebuffer(b.fb); }
      bufs = [makeSet(), makeSet()];
    }
    function bindState(prog, set) {
      for (let i = 0; i < groups; i++) {
        gl.activeTexture(gl.TEXTURE0 + i);
        gl.bindTexture(gl.TEXTURE_2D, set.tex[i]);
        prog.set("state" + i, "1i", i);
      }
    }
    function target(set) {
      gl.bindFramebuffer(gl.FRAMEBUFFER, set.fb);
      gl.viewport(0, 0, w, h);
    }
    function swap() { bufs = [bufs[1], bufs[0]]; }
    let weights = null;
    if (d.weights) {
      const raw = atob(d.weights.data), bytes = new Uint8Array(raw.length);
      for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
      weights = gl.createTexture();
      gl.bindTexture(gl.TEXTURE_2D, weights);
      gl.texStorage2D(gl.TEXTURE_2D, 1, gl.RGBA32F, d.weights.width, d.weights.height);
      gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, d.weights.width, d.weights.height, gl.RGBA,
                       gl.FLOAT, new Float32Array(bytes.buffer));
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
    }
    alloc();
    return {
      size: () => [w, h],
      resize(nw, nh) { w = nw; h = nh; alloc(); },
      reset(seed) {
        target(bufs[0]);
        seedP.use().set("seed", "1ui", seed >>> 0).set("size", "2i", w, h);
        if (d.blobsPerArea) seedP.set("blobs", "1i", Math.max(1, Math.round(w * h * d.blobsPerArea)));
        ui.drawQuad(gl);
      },
      step(n) {
        stepP.use();
        if (weights) {
          gl.activeTexture(gl.TEXTURE0 + groups);
          gl.bindTexture(gl.TEXTURE_2D, weights);
          stepP.set("weights", "1i", groups);
        }
        for (let k = 0; k < n; k++) {
          bindState(stepP, bufs[0]);
          target(bufs[1]);
          ui.drawQuad(gl);
          swap();
        }
      },
      brush(x, y, radius, mode, seed) {
        brushP.use();
        bindState(brushP, bufs[0]);
        brushP.set("mode", "1i", mode).set("seed", "1ui", seed >>> 0)
          .set("centre", "2f", x, y).set("radius", "1f", radius);
        target(bufs[1]);
        ui.drawQuad(gl);
        swap();
      },
      draw(v) {
        gl.bindFramebuffer(gl.FRAMEBUFFER, null);
        gl.viewport(0, 0, v.width, v.height);
        displayP.use();
        gl.activeTexture(gl.TEXTURE0);
        gl.bindTexture(gl.TEXTURE_2D, bufs[0].tex[0]);
        displayP.set("state0", "1i", 0).set("zoom", "1f", v.zoom)
          .set("origin", "2f", 0, 0).set("view", "2f", v.width, v.height);
        ui.drawQuad(gl);
      },
      sync() {
        const px = new Float32Array(4);
        gl.bindFramebuffer(gl.FRAMEBUFFER, bufs[0].fb);
        gl.readBuffer(gl.COLOR_ATTACHMENT0);
        gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.FLOAT, px);
      },
      setState(b64) {  // base64 float32 (H, W, C), row 0 first, for the current size
        const raw = atob(b64), bytes = new Uint8Array(raw.length);
        for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
        const all = new Float32Array(bytes.buffer), px = new Float32Array(w * h * 4);
        for (let g = 0; g < groups; g++) {
          for (let i = 0; i < w * h; i++) {
            for (let j = 0; j < 4; j++) px[i * 4 + j] = all[i * d.channels + 4 * g + j];
          }
          gl.bindTexture(gl.TEXTURE_2D, bufs[0].tex[g]);
          gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, w, h, gl.RGBA, gl.FLOAT, px);
        }
      },
      readState() {  // {width, height, channels, data: base64 float32 (H, W, C), row 0 first}
        const out = new Float32Array(w * h * d.channels), px = new Float32Array(w * h * 4);
        gl.bindFramebuffer(gl.FRAMEBUFFER, bufs[0].fb);
        for (let g = 0; g < groups; g++) {
          gl.readBuffer(gl.COLOR_ATTACHMENT0 + g);
          gl.readPixels(0, 0, w, h, gl.RGBA, gl.FLOAT, px);
          for (let i = 0; i < w * h; i++) {
            for (let j = 0; j < 4; j++) out[i * d.channels + 4 * g + j] = px[i * 4 + j];
          }
        }
        return { width: w, height: h, channels: d.channels,
                 data: selforgGallery.base64(new Uint8Array(out.buffer)) };
      },
    };
  },
};

// the grid-size selector of the μNCA pages
document.addEventListener("DOMContentLoaded", () => {
  const sel = document.getElementById("gridSize");
  if (sel) sel.onchange = () => {
    const n = Number(sel.value);
    if (window.selforg && window.selforg.ready) window.selforg.reset({ size: [n, n] });
  };
});
