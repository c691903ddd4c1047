// selforg gallery: a recorded soup run. The picture of each logged epoch, its programs (bytes,
// loaded per epoch from a small script, so the page works from file://), and the curves.
"use strict";

var selforgSoupFrame;  // set below; each epoch's script calls it with (epoch, base64 bytes)

selforgGallery.kinds.soup = {
  cells: false,
  create(page) {
    const $ = selforgGallery.$, d = page.data, frames = d.frames, lay = d.layout;
    const canvas = $("canvas"), ctx = canvas.getContext("2d"), curve = $("curve");
    const images = {}, programs = {};
    let index = frames.length - 1, playing = false;
    const scrub = $("scrub");
    scrub.max = String(frames.length - 1);
    scrub.value = String(index);
    selforgSoupFrame = (epoch, b64) => {
      const s = atob(b64), bytes = new Uint8Array(s.length);
      for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
      programs[epoch] = bytes;
    };
    function loadPrograms(f) {
      if (!f.programs || programs[f.epoch] || f.loading) return;
      f.loading = true;
      const el = document.createElement("script");
      el.src = f.programs;
      document.head.appendChild(el);
    }
    function image(f, then) {
      if (images[f.epoch]) return then(images[f.epoch]);
      const img = new Image();
      img.onload = () => { images[f.epoch] = img; then(img); };
      img.onerror = () => selforgGallery.showError("The picture " + f.image + " is missing.");
      img.src = f.image;
    }
    const zoom = 2;
    function show() {
      const f = frames[index];
      $("count").textContent = String(f.epoch);
      loadPrograms(f);
      image(f, (img) => {
        if (frames[index] !== f) return;
        canvas.width = img.width * zoom;
        canvas.height = img.height * zoom;
        ctx.imageSmoothingEnabled = false;
        ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
      });
      drawCurve();
    }
    function drawCurve() {
      const g = curve.getContext("2d"), W = curve.width, H = curve.height, pad = 36;
      const ys = d.curves.higher_entropy, xs = d.records;
      g.clearRect(0, 0, W, H);
      const ok = ys.map((v, i) => [xs[i], v]).filter((p) => p[0] !== null && p[1] !== null);
      if (!ok.length) return;
      const x0 = Math.min(...ok.map((p) => p[0])), x1 = Math.max(...ok.map((p) => p[0]));
      const y0 = Math.min(0, ...ok.map((p) => p[1])), y1 = Math.max(...ok.map((p) => p[1]), 1e-9);
      const X = (x) => pad + (x - x0) / Math.max(x1 - x0, 1) * (W - 2 * pad);
      const Y = (y) => H - pad + (y0 - y) / (y1 - y0) * (H - 2 * pad);
      g.strokeStyle = "#888"; g.beginPath(); g.moveTo(pad, H - pad); g.lineTo(W - pad, H - pad);
      g.moveTo(pad, pad); g.lineTo(pad, H - pad); g.stroke();
      g.fillStyle = "#333"; g.font = "12px sans-serif";
      g.fillText("higher-order entropy", pad + 4, pad - 8);
      g.fillText(String(x0), pad, H - pad + 16); g.fillText(String(x1), W - pad - 24, H - pad + 16);
      g.fillText(y1.toFixed(2), 2, pad + 4); g.fillText("epoch", W / 2, H - 6);
      g.strokeStyle = "#1a6fb5"; g.lineWidth = 2; g.beginPath();
      ok.forEach((p, i) => (i ? g.lineTo(X(p[0]), Y(p[1])) : g.moveTo(X(p[0]), Y(p[1]))));
      g.stroke();
      const e = frames[index].epoch;
      g.strokeStyle = "#d33"; g.lineWidth = 1; g.beginPath();
      g.moveTo(X(e), pad); g.lineTo(X(e), H - pad); g.stroke();
      curve.onclick = (ev) => {  // click the curve: the nearest recorded epoch
        const r = curve.getBoundingClientRect(), x = (ev.clientX - r.left) * W / r.width;
        let best = 0;
        frames.forEach((f, i) => { if (Math.abs(X(f.epoch) - x) < Math.abs(X(frames[best].epoch) - x)) best = i; });
        index = best; scrub.value = String(index); show();
      };
    }
    function programAt(px, py) {  // the picture's layout (selforg.soup.render.soup_image)
      if (lay.grid) {
        const cx = Math.floor(px / 8), cy = Math.floor(py / 8);
        if (cx >= lay.grid[0] || cy >= lay.grid[1]) return -1;
        return cy * lay.grid[0] + cx;
      }
      const col = Math.floor(px / (64 + lay.gap)), x = px - col * (64 + lay.gap);
      if (x >= 64 || col >= lay.cols) return -1;
      const i = col * lay.perCol + py;
      return i < lay.n && py < lay.perCol ? i : -1;
    }
    function text(bytes) {
      if (d.table) return Array.from(bytes, (b) => d.table[b]).join("");
      return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("").toUpperCase();
    }
    canvas.addEventListener("mousemove", (ev) => {
      const r = canvas.getBoundingClientRect();
      const px = Math.floor((ev.clientX - r.left) * canvas.width / r.width / zoom);
      const py = Math.floor((ev.clientY - r.top) * canvas.height / r.height / zoom);
      const i = programAt(px, py), f = frames[index], box = $("program");
      if (i < 0) { box.textContent = "point at a program (a row of the picture) to read it"; return; }
      const bytes = programs[f.epoch];
      box.textContent = "program " + i + " at epoch " + f.epoch + ": " +
        (bytes ? text(bytes.subarray(i * 64, i * 64 + 64)) : "(its bytes are not recorded)");
    });
    scrub.oninput = () => { index = Number(scrub.value); show(); };
    $("play").onclick = () => { playing = !playing; $("play").textContent = playing ? "pause" : "play"; };
    setInterval(() => {
      if (!playing) return;
      index = (index + 1) % frames.length; scrub.value = String(index); show();
    }, 300);
    show();
    window.selforg = {
      ready: true, error: null, page,
      pause() { playing = false; $("play").textContent = "play"; },
      play() { playing = true; $("play").textContent = "pause"; },
      show(i) { index = i; scrub.value = String(i); show(); return frames[i].epoch; },
      programText(i) { const b = programs[frames[index].epoch]; return b ? text(b.subarray(i * 64, i * 64 + 64)) : null; },
      loaded() { return !!programs[frames[index].epoch] && !!images[frames[index].epoch]; },
    };
  },
};
