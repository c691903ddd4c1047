// selforg gallery: Mesh NCA. The state of vertex i is texel (i % tw, i / tw) of four RGBA32F
// textures; the step gathers each vertex's edges from the `edges` texture; the surface is
// drawn with the state as vertex colours, turning slowly.
"use strict";

selforgGallery.kinds.mesh = {
  cells: true,
  create(gl, page, ui) {
    if (!gl.getExtension("EXT_color_buffer_float")) {
      throw new Error("This browser's WebGL2 cannot render to float textures" +
        " (EXT_color_buffer_float), which the Mesh NCA state needs.");
    }
    const d = page.data, tw = d.tw, groups = 4, SIZE = 560;
    const seedP = ui.program("seed"), stepP = ui.program("step"), brushP = ui.program("brush");
    const surfP = ui.program("surface", "surface");
    const asyncBox = document.getElementById("async"), spin = document.getElementById("spin");
    const meshSel = document.getElementById("mesh");
    const att = [0, 1, 2, 3].map((i) => gl.COLOR_ATTACHMENT0 + i);
    let mesh = null, bufs = [], seed = d.seed >>> 0, angle = 0.6, last = performance.now();
    let mvp = null, model = null;

    function bytes(b64) {
      const raw = atob(b64), out = new Uint8Array(raw.length);
      for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
      return out;
    }
    function floatTex(w, h, data) {
      const t = gl.createTexture();
      gl.bindTexture(gl.TEXTURE_2D, t);
      gl.texStorage2D(gl.TEXTURE_2D, 1, gl.RGBA32F, w, h);
      if (data) gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, w, h, gl.RGBA, gl.FLOAT, data);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
      return t;
    }
    const weights = floatTex(d.weights.width, d.weights.height,
                             new Float32Array(bytes(d.weights.data).buffer));
    function makeSet(rows) {
      const tex = [], fb = gl.createFramebuffer();
      gl.bindFramebuffer(gl.FRAMEBUFFER, fb);
      for (let i = 0; i < groups; i++) {
        tex.push(floatTex(tw, rows, null));
        gl.framebufferTexture2D(gl.FRAMEBUFFER, att[i], gl.TEXTURE_2D, tex[i], 0);
      }
      gl.drawBuffers(att);
      return { tex, fb };
    }
    function setMesh(name) {
      const m = d.meshes[name];
      if (!m) throw new Error("no mesh " + name + " in the page data");
      const f = (b) => new Float32Array(bytes(b).buffer);
      const pos = f(m.positions), nrm = f(m.normals);
      const vao = gl.createVertexArray();
      gl.bindVertexArray(vao);
      const attrib = (loc, data) => {  // xyzw texels -> xyz attributes
        const xyz = new Float32Array(m.vertices * 3);
        for (let i = 0; i < m.vertices; i++) xyz.set(data.subarray(4 * i, 4 * i + 3), 3 * i);
        const b = gl.createBuffer();
        gl.bindBuffer(gl.ARRAY_BUFFER, b);
        gl.bufferData(gl.ARRAY_BUFFER, xyz, gl.STATIC_DRAW);
        gl.enableVertexAttribArray(loc);
        gl.vertexAttribPointer(loc, 3, gl.FLOAT, false, 0, 0);
      };
      attrib(0, pos); attrib(1, nrm);
      const ib = gl.createBuffer();
      gl.bindBuffer(gl.ELEMENT_ARRAY_BUFFER, ib);
      gl.bufferData(gl.ELEMENT_ARRAY_BUFFER, new Uint32Array(bytes(m.faces).buffer), gl.STATIC_DRAW);
      gl.bindVertexArray(null);
      bufs.forEach((b) => { b.tex.forEach((t) => gl.deleteTexture(t)); gl.deleteFramebuffer(b.fb); });
      mesh = { name, vao, n: m.vertices, rows: m.rows, triangles: m.triangles,
               edges: floatTex(tw, m.edgeRows, f(m.edges)), info: floatTex(tw, m.rows, f(m.info)),
               positions: floatTex(tw, m.rows, pos), normals: floatTex(tw, m.rows, nrm) };
      bufs = [makeSet(m.rows), makeSet(m.rows)];
    }
    function bind(prog, set, extra) {
      const units = set.tex.map((t, i) => ["state" + i, t]).concat(extra || []);
      units.forEach(([name, t], i) => {
        gl.activeTexture(gl.TEXTURE0 + i);
        gl.bindTexture(gl.TEXTURE_2D, t);
        prog.set(name, "1i", i);
      });
    }
    function target(set) { gl.bindFramebuffer(gl.FRAMEBUFFER, set.fb); gl.viewport(0, 0, tw, mesh.rows); }
    function swap() { bufs = [bufs[1], bufs[0]]; }
    // column-major 4x4 matrices
    function mul(a, b) {
      const o = new Float32Array(16);
      for (let c = 0; c < 4; c++) for (let r = 0; r < 4; r++) {
        let s = 0;
        for (let k = 0; k < 4; k++) s += a[k * 4 + r] * b[c * 4 + k];
        o[c * 4 + r] = s;
      }
      return o;
    }
    function matrices(aspect) {
      const cy = Math.cos(angle), sy = Math.sin(angle), cx = Math.cos(0.35), sx = Math.sin(0.35);
      const rotY = new Float32Array([cy, 0, -sy, 0, 0, 1, 0, 0, sy, 0, cy, 0, 0, 0, 0, 1]);
      const rotX = new Float32Array([1, 0, 0, 0, 0, cx, sx, 0, 0, -sx, cx, 0, 0, 0, 0, 1]);
      const m = mul(rotX, rotY);
      const f = 1 / Math.tan(0.35), near = 0.5, far = 10;
      const proj = new Float32Array([f / aspect, 0, 0, 0, 0, f, 0, 0, 0, 0, (far + near) / (near - far), -1,
                                     0, 0, 2 * far * near / (near - far), 0]);
      const view = new Float32Array([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, -3.2, 1]);
      return { model: m, mvp: mul(proj, mul(view, m)) };
    }
    if (meshSel) {
      meshSel.value = d.mesh;
      meshSel.onchange = () => { setMesh(meshSel.value); sim.reset(seed); };
    }
    setMesh(d.mesh);
    const sim = {
      size: () => [SIZE, SIZE],
      reset(s) {
        seed = s >>> 0;
        target(bufs[0]);
        seedP.use().set("seed", "1ui", seed);
        ui.drawQuad(gl);
      },
      step(n, done) {
        stepP.use();
        for (let k = 0; k < n; k++) {
          bind(stepP, bufs[0], [["edges", mesh.edges], ["info", mesh.info], ["weights", weights]]);
          stepP.set("count", "1i", mesh.n).set("fire", "1ui", asyncBox && asyncBox.checked ? d.fire : 0)
            .set("stepSeed", "1ui", (Math.imul(seed, 0x9E3779B9) + done + k) >>> 0);
          target(bufs[1]);
          ui.drawQuad(gl);
          swap();
        }
      },
      brush(x, y, radius, mode, s) {
        if (!mvp) return;
        brushP.use();
        bind(brushP, bufs[0], [["positions", mesh.positions], ["normals", mesh.normals]]);
        brushP.set("mvp", "Matrix4fv", false, mvp).set("model", "Matrix4fv", false, model)
          .set("centre", "2f", x + 0.5, y + 0.5).set("view", "2f", SIZE, SIZE)
          .set("radius", "1f", radius * 2).set("mode", "1i", mode).set("seed", "1ui", s >>> 0);
        target(bufs[1]);
        ui.drawQuad(gl);
        swap();
      },
      draw(v) {
        const now = performance.now();
        if (spin && spin.checked) angle += (now - last) * 0.0004;
        last = now;
        const mats = matrices(v.width / v.height);
        mvp = mats.mvp; model = mats.model;
        gl.bindFramebuffer(gl.FRAMEBUFFER, null);
        gl.viewport(0, 0, v.width, v.height);
        gl.clearColor(0.97, 0.97, 0.97, 1);
        gl.enable(gl.DEPTH_TEST);
        gl.clear(gl.COLOR_BUFFER_BIT | gl.DEPTH_BUFFER_BIT);
        surfP.use();
        gl.activeTexture(gl.TEXTURE0);
        gl.bindTexture(gl.TEXTURE_2D, bufs[0].tex[0]);
        surfP.set("state0", "1i", 0).set("mvp", "Matrix4fv", false, mvp)
          .set("model", "Matrix4fv", false, model);
        gl.bindVertexArray(mesh.vao);
        gl.drawElements(gl.TRIANGLES, mesh.triangles * 3, gl.UNSIGNED_INT, 0);
        gl.bindVertexArray(null);
        gl.disable(gl.DEPTH_TEST);
      },
      sync() {
        const px = new Float32Array(4);
        gl.bindFramebuffer(gl.FRAMEBUFFER, bufs[0].fb);
        gl.readBuffer(gl.COLOR_ATTACHMENT0);
        gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.FLOAT, px);
      },
      setState(b64) {  // base64 float32 (V, 16)
        const all = new Float32Array(bytes(b64).buffer), px = new Float32Array(tw * mesh.rows * 4);
        for (let g = 0; g < groups; g++) {
          for (let i = 0; i < mesh.n; i++) for (let j = 0; j < 4; j++) px[i * 4 + j] = all[i * 16 + 4 * g + j];
          gl.bindTexture(gl.TEXTURE_2D, bufs[0].tex[g]);
          gl.texSubImage2D(gl.TEXTURE_2D, 0, 0, 0, tw, mesh.rows, gl.RGBA, gl.FLOAT, px);
        }
      },
      readState() {  // {vertices, channels, mesh, data: base64 float32 (V, 16)}
        const out = new Float32Array(mesh.n * 16), px = new Float32Array(tw * mesh.rows * 4);
        gl.bindFramebuffer(gl.FRAMEBUFFER, bufs[0].fb);
        for (let g = 0; g < groups; g++) {
          gl.readBuffer(gl.COLOR_ATTACHMENT0 + g);
          gl.readPixels(0, 0, tw, mesh.rows, gl.RGBA, gl.FLOAT, px);
          for (let i = 0; i < mesh.n; i++) for (let j = 0; j < 4; j++) out[i * 16 + 4 * g + j] = px[i * 4 + j];
        }
        return { vertices: mesh.n, channels: 16, mesh: mesh.name,
                 data: selforgGallery.base64(new Uint8Array(out.buffer)) };
      },
    };
    return sim;
  },
};
