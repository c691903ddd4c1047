// selforg gallery: logic-gate cellular automata. The state is an RGBA32UI 2D texture array:
// cell x of row y, channel c, is bit x % 32 of component c % 4 of texel (x / 32, y) in layer
// c / 4. A step runs the circuit's passes (4 layers each), one bitwise operation per gate.
"use strict";

selforgGallery.kinds.logic = {
  cells: true,
  create(gl, page, ui) {
    const d = page.data, C = d.channels, L = d.layers, PER = 4;
    const steps = [...Array(d.passes).keys()].map((i) => ui.program("step" + i));
    const brushP = ui.program("brush"), displayP = ui.program("display");
    const lifeP = d.compare ? ui.program("truelife") : null;
    const compareBox = document.getElementById("compare");
    const asyncBox = document.getElementById("async");
    let w = d.size[0], h = d.size[1], nw = 0, seed = d.seed >>> 0;
    let bufs = [], life = [];
    if (d.periodic && w % 32) throw new Error("a periodic grid needs a width that is a multiple of 32");

    function makeArray(layers) {
      const t = gl.createTexture();
      gl.bindTexture(gl.TEXTURE_2D_ARRAY, t);
      gl.texStorage3D(gl.TEXTURE_2D_ARRAY, 1, gl.RGBA32UI, nw, h, layers);
      gl.texParameteri(gl.TEXTURE_2D_ARRAY, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
      gl.texParameteri(gl.TEXTURE_2D_ARRAY, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
      // one framebuffer per group of PER layers (a pass writes one group)
      const fbs = [];
      for (let first = 0; first < layers; first += PER) {
        const fb = gl.createFramebuffer(), att = [];
        gl.bindFramebuffer(gl.FRAMEBUFFER, fb);
        for (let k = 0; k < PER; k++) {
          if (first + k < layers) {
            gl.framebufferTextureLayer(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0 + k, t, 0, first + k);
            att.push(gl.COLOR_ATTACHMENT0 + k);
          } else att.push(gl.NONE);
        }
        gl.drawBuffers(att);
        if (gl.checkFramebufferStatus(gl.FRAMEBUFFER) !== gl.FRAMEBUFFER_COMPLETE) {
          throw new Error("This browser cannot draw into integer texture layers.");
        }
        fbs.push(fb);
      }
      return { tex: t, fbs, layers };
    }
    function free(set) { gl.deleteTexture(set.tex); set.fbs.forEach((f) => gl.deleteFramebuffer(f)); }
    function alloc() {
      bufs.concat(life).forEach(free);
      nw = Math.ceil(w / 32);
      bufs = [makeArray(L), makeArray(L)];
      life = d.compare ? [makeArray(1), makeArray(1)] : [];
    }
    // the start: random bits (top bit of hash32(hash32(seed) ^ i), i = (y*W + x)*C + c),
    // one seed cell with every bit 1 at (h/2, w/2), or zeros
    function startWords(channels, layers, start) {
      const words = new Uint32Array(layers * h * nw * 4);
      const base = selforgGallery.hash32(seed);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          for (let c = 0; c < channels; c++) {
            let bit = 0;
            if (start === "random") bit = selforgGallery.hash32((((y * w + x) * channels + c) ^ base) >>> 0) >>> 31;
            else if (start === "seed") bit = (y === (h >> 1) && x === (w >> 1)) ? 1 : 0;
            if (bit) {
              const l = c >> 2, idx = ((l * h + y) * nw + (x >> 5)) * 4 + (c & 3);
              words[idx] = (words[idx] | (1 << (x & 31))) >>> 0;
            }
          }
        }
      }
      return words;
    }
    function upload(set, words) {
      gl.bindTexture(gl.TEXTURE_2D_ARRAY, set.tex);
      gl.texSubImage3D(gl.TEXTURE_2D_ARRAY, 0, 0, 0, 0, nw, h, set.layers, gl.RGBA_INTEGER,
                       gl.UNSIGNED_INT, words);
    }
    function runPass(prog, src, dst, fb, extra) {
      prog.use();
      gl.activeTexture(gl.TEXTURE0);
      gl.bindTexture(gl.TEXTURE_2D_ARRAY, src.tex);
      prog.set("state", "1i", 0).set("width", "1i", w);
      if (extra) extra(prog);
      gl.bindFramebuffer(gl.FRAMEBUFFER, fb);
      gl.viewport(0, 0, nw, h);
      ui.drawQuad(gl);
    }
    // true Life runs beside the circuit while the box is ticked; ticking it starts Life from
    // the circuit's present state (the brush with radius -1 copies)
    function comparing() { return d.compare && (!compareBox || compareBox.checked); }
    function copyToLife() {
      runPass(brushP, bufs[0], null, life[0].fbs[0], (q) => {
        q.set("layer0", "1i", 0).set("mode", "1i", 0).set("centre", "2f", 0, 0)
          .set("radius", "1f", -1).set("brushSeed", "1ui", 0);
      });
    }
    if (compareBox) compareBox.addEventListener("change", () => { if (compareBox.checked) copyToLife(); });
    alloc();
    const sim = {
      size: () => [w, h],
      resize(nw2, nh) {
        if (d.periodic && nw2 % 32) throw new Error("a periodic grid needs a width that is a multiple of 32");
        w = nw2; h = nh; alloc();
      },
      reset(s) {
        seed = s >>> 0;
        upload(bufs[0], startWords(C, L, d.start));
        if (d.compare) upload(life[0], startWords(1, 1, d.start));
      },
      step(n, done) {
        const async = asyncBox ? asyncBox.checked : false;
        for (let k = 0; k < n; k++) {
          const stepSeed = (Math.imul(seed, 0x9E3779B9) + done + k) >>> 0;
          steps.forEach((prog, p) => runPass(prog, bufs[0], bufs[1], bufs[1].fbs[p], (q) => {
            q.set("fire", "1ui", async ? d.fire : 0).set("stepSeed", "1ui", stepSeed);
          }));
          bufs = [bufs[1], bufs[0]];
          if (comparing()) {
            runPass(lifeP, life[0], life[1], life[1].fbs[0], (q) => {
              q.set("fire", "1ui", 0).set("stepSeed", "1ui", 0);
            });
            life = [life[1], life[0]];
          }
        }
      },
      brush(x, y, radius, mode, brushSeed) {
        const sets = [[bufs, (v) => { bufs = v; }]];
        if (d.compare) sets.push([life, (v) => { life = v; }]);
        for (const [pair, put] of sets) {
          pair[0].fbs.forEach((fb, p) => runPass(brushP, pair[0], pair[1], pair[1].fbs[p], (q) => {
            q.set("layer0", "1i", p * PER).set("mode", "1i", mode).set("centre", "2f", x, y)
              .set("radius", "1f", radius).set("brushSeed", "1ui", brushSeed >>> 0);
          }));
          put([pair[1], pair[0]]);
        }
      },
      extraWidth(v) { return d.compare && compareBox && compareBox.checked ? v.width + 8 : 0; },
      draw(v, alone) {
        gl.bindFramebuffer(gl.FRAMEBUFFER, null);
        const both = !alone && d.compare && compareBox && compareBox.checked;
        gl.clearColor(0.55, 0.55, 0.55, 1);  // the gap between the two halves
        gl.viewport(0, 0, gl.canvas.width, gl.canvas.height);
        gl.clear(gl.COLOR_BUFFER_BIT);
        const halves = both ? [[bufs[0], life[0], 0], [life[0], bufs[0], v.width + 8]] : [[bufs[0], bufs[0], 0]];
        for (const [a, b, x0] of halves) {
          displayP.use();
          gl.activeTexture(gl.TEXTURE0);
          gl.bindTexture(gl.TEXTURE_2D_ARRAY, a.tex);
          gl.activeTexture(gl.TEXTURE1);
          gl.bindTexture(gl.TEXTURE_2D_ARRAY, b.tex);
          displayP.set("state", "1i", 0).set("other", "1i", 1).set("width", "1i", w)
            .set("palette", "1i", d.palette).set("compare", "1i", both ? 1 : 0)
            .set("zoom", "1f", v.zoom).set("origin", "2f", x0, 0).set("view", "2f", v.width, v.height);
          gl.viewport(x0, 0, v.width, v.height);
          ui.drawQuad(gl);
        }
      },
      sync() {
        const px = new Uint32Array(4);
        gl.bindFramebuffer(gl.FRAMEBUFFER, bufs[0].fbs[0]);
        gl.readBuffer(gl.COLOR_ATTACHMENT0);
        gl.readPixels(0, 0, 1, 1, gl.RGBA_INTEGER, gl.UNSIGNED_INT, px);
      },
      // {width, height, channels, words: base64 uint32 (layers, H, ceil(W/32), 4)}, and the
      // true-Life state beside it on the Life page
      readState() {
        function read(set) {
          const out = new Uint32Array(set.layers * h * nw * 4), fb = gl.createFramebuffer();
          gl.bindFramebuffer(gl.FRAMEBUFFER, fb);
          for (let l = 0; l < set.layers; l++) {
            gl.framebufferTextureLayer(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, set.tex, 0, l);
            gl.readBuffer(gl.COLOR_ATTACHMENT0);
            gl.readPixels(0, 0, nw, h, gl.RGBA_INTEGER, gl.UNSIGNED_INT, out.subarray(l * h * nw * 4, (l + 1) * h * nw * 4));
          }
          gl.deleteFramebuffer(fb);
          return selforgGallery.base64(new Uint8Array(out.buffer));
        }
        const res = { width: w, height: h, channels: C, words: read(bufs[0]) };
        if (d.compare) res.life = read(life[0]);
        return res;
      },
    };
    return sim;
  },
};
