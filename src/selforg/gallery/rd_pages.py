"""Gallery pages of learned reaction-diffusion textures (Mordvintsev, Randazzo, Niklasson,
"Differentiable Programming of Reaction-Diffusion Patterns", arXiv 2107.06862).

The page is the μNCA page's float-state machinery (``assets/nca.js``: ping-pong RGBA32F
textures, seed, brush, display) with this module's step shader: ``s ← s + dt·(R(s) + D ⊙ ∇²s)``
on a torus, the reaction MLP's weights read from one float texture, the Laplacian summed in the
order of `selforg.rd.model.laplacian`. 32 channels are 8 textures written at once, so the page
needs 8 render targets (desktop browsers have them; a page without says so).

`numpy_step` is the float32 NumPy transcription the browser test compares against.
"""

from __future__ import annotations

import base64
import html

import numpy as np

from selforg.core.hashing import GLSL_HASH
from selforg.gallery.nca_pages import brush_shader, display_shader
from selforg.gallery.page import Page, cell_controls

#: Grid side at start: 64² keeps a CPU-only browser (SwiftShader) responsive; a GPU runs 256²
#: with ease (the grid selector).
DEFAULT_SIZE = 64


def numpy_step(w1: np.ndarray, b1: np.ndarray, w2: np.ndarray, d: np.ndarray, dt: float,
               x: np.ndarray) -> np.ndarray:
    """One step of ``x (H, W, C)`` float32 (no diffusion map), as `selforg.rd.model.RD.step`."""
    def at(dy: int, dx: int) -> np.ndarray:
        return np.roll(x, (-dy, -dx), axis=(0, 1))

    edges = (at(-1, 0) + at(1, 0)) + (at(0, -1) + at(0, 1))
    corners = (at(-1, -1) + at(1, 1)) + (at(-1, 1) + at(1, -1))
    lap = (corners + np.float32(2) * edges - np.float32(12) * x) * np.float32(1 / 16)
    r = np.maximum(x @ w1 + b1, 0) @ w2
    return (x + np.float32(dt) * (r + d * lap)).astype(np.float32)


def weights_texture(w1: np.ndarray, b1: np.ndarray, w2: np.ndarray) -> np.ndarray:
    """(rows, C/4·… , 4) float32 RGBA texels: rows 0..C-1 hold ``w1[k]`` (hidden units in
    groups of 4), row C holds ``b1``, rows C+1+j hold ``w2[j]`` (outputs in groups of 4)."""
    c, hidden = w1.shape
    width = max(hidden // 4, c // 4)
    tex = np.zeros((c + 1 + hidden, width, 4), np.float32)
    tex[:c, : hidden // 4] = w1.reshape(c, hidden // 4, 4)
    tex[c, : hidden // 4] = b1.reshape(hidden // 4, 4)
    tex[c + 1 :, : c // 4] = w2.reshape(hidden, c // 4, 4)
    return tex


def _f(v: float) -> str:
    text = f"{np.float32(v):.9g}"
    return text if any(ch in text for ch in ".en") else text + ".0"


def step_shader(channels: int, hidden: int, d: np.ndarray, dt: float) -> str:
    """The step: 8 (C/4) state textures in and out, weights from the ``weights`` texture."""
    g = channels // 4
    lines = [
        "#version 300 es",
        f"// learned reaction-diffusion: {channels} channels, MLP {channels}→{hidden}→"
        f"{channels}, fixed diffusion (arXiv 2107.06862; selforg gallery)",
        "precision highp float;",
        "precision highp sampler2D;",
        "uniform sampler2D " + ", ".join(f"state{i}" for i in range(g)) + ", weights;",
    ]
    lines += [f"layout(location = {i}) out vec4 out{i};" for i in range(g)]
    dv = ", ".join(f"vec4({', '.join(_f(v) for v in d[4 * i: 4 * i + 4])})" for i in range(g))
    lines += [
        f"const vec4 D[{g}] = vec4[{g}]({dv});",
        f"const float DT = {_f(dt)};",
        "void main() {",
        "  ivec2 size = textureSize(state0, 0), c = ivec2(gl_FragCoord.xy);",
        "  ivec2 n = ivec2(c.x, (c.y + size.y - 1) % size.y), s = ivec2(c.x, (c.y + 1) % size.y);",
        "  int w = (c.x + size.x - 1) % size.x, e = (c.x + 1) % size.x;",
        f"  vec4 x[{g}], lap[{g}];",
    ]
    for i in range(g):
        t = f"state{i}"
        lines += [
            f"  x[{i}] = texelFetch({t}, c, 0);",
            f"  lap[{i}] = ((texelFetch({t}, ivec2(w, n.y), 0) + texelFetch({t}, ivec2(e, s.y), 0))"
            f" + (texelFetch({t}, ivec2(e, n.y), 0) + texelFetch({t}, ivec2(w, s.y), 0))"
            f" + 2.0 * ((texelFetch({t}, n, 0) + texelFetch({t}, s, 0)) + (texelFetch({t},"
            f" ivec2(w, c.y), 0) + texelFetch({t}, ivec2(e, c.y), 0))) - 12.0 * x[{i}])"
            " * 0.0625;",
        ]
    lines += [
        f"  vec4 r[{g}];",
        f"  for (int o = 0; o < {g}; o++) r[o] = vec4(0.0);",
        f"  for (int j = 0; j < {hidden // 4}; j++) {{",
        f"    vec4 h = texelFetch(weights, ivec2(j, {channels}), 0);",
        f"    for (int k = 0; k < {channels}; k++) h += x[k / 4][k % 4] * texelFetch(weights,"
        " ivec2(j, k), 0);",
        "    h = max(h, 0.0);",
        "    for (int t = 0; t < 4; t++) {",
        f"      for (int o = 0; o < {g}; o++) r[o] += h[t] * texelFetch(weights, ivec2(o,"
        f" {channels + 1} + 4 * j + t), 0);",
        "    }",
        "  }",
    ]
    lines += [f"  out{i} = x[{i}] + DT * (r[{i}] + D[{i}] * lap[{i}]);" for i in range(g)]
    lines.append("}")
    return "\n".join(lines) + "\n"


def seed_shader(channels: int) -> str:
    """Random Gaussian blobs (as `selforg.rd.model.gaussian_blobs`, from the integer hash in
    place of JAX's generator): ``blobs`` blobs, centres uniform, σ uniform in `SEED_SIGMA` cells,
    one normal amplitude ×0.25 per channel, distances wrapping around the torus."""
    from selforg.rd.model import SEED_SIGMA

    g = channels // 4
    lo, hi = SEED_SIGMA
    lines = [
        "#version 300 es",
        "// reaction-diffusion seed: random Gaussian blobs (selforg gallery)",
        "precision highp float;",
        "precision highp int;",
        "uniform uint seed;",
        "uniform ivec2 size;",
        "uniform int blobs;",
    ]
    lines += [f"layout(location = {i}) out vec4 out{i};" for i in range(g)]
    lines += [
        GLSL_HASH,
        "float u01(uint k) { return (float(hash32(k) >> 8) + 0.5) * 5.9604644775390625e-08; }",
        "void main() {",
        "  vec2 c = floor(gl_FragCoord.xy), sz = vec2(size);",
        f"  vec4 acc[{g}];",
        f"  for (int i = 0; i < {g}; i++) acc[i] = vec4(0.0);",
        "  uint base = hash32(seed);",
        "  for (int b = 0; b < blobs; b++) {",
        "    uint k = hash32(base ^ uint(b) * 0x9e3779b9u);",
        "    vec2 centre = vec2(u01(k ^ 1u), u01(k ^ 2u)) * sz;",
        f"    float sigma = {lo:.6g} + {hi - lo:.6g} * u01(k ^ 3u);",
        "    vec2 d = abs(c - centre);",
        "    d = min(d, sz - d);",
        "    float p = exp(-0.5 * dot(d, d) / (sigma * sigma));",
        "    if (p < 1e-6) continue;",
        f"    for (int i = 0; i < {g}; i++) {{",
        "      vec4 a;",
        "      for (int j = 0; j < 4; j++) {  // Box-Muller",
        "        uint q = k ^ uint(16 + 8 * (4 * i + j));",
        "        a[j] = sqrt(-2.0 * log(u01(q))) * cos(6.28318530718 * u01(q + 1u));",
        "      }",
        "      acc[i] += 0.25 * p * a;",
        "    }",
        "  }",
    ]
    lines += [f"  out{i} = acc[{i}];" for i in range(g)]
    lines.append("}")
    return "\n".join(lines) + "\n"


def page_for(spec: str, *, slug: str, entry: dict | None = None,
             size: int = DEFAULT_SIZE) -> Page:
    """The page of a learned RD rule (``zoo:NAME`` or an ``rd train`` run folder).

    Raises:
        BadInput: not loadable, or a channel count that is not a multiple of 4.
    """
    from selforg.core.errors import BadInput
    from selforg.rd.model import SEED_PER_AREA, param_count
    from selforg.rd.store import load_model

    loaded = load_model(spec)
    m, cfg = loaded.model, loaded.config
    if m.channels % 4 or m.hidden % 4:
        raise BadInput(f"{spec}: {m.channels} channels, {m.hidden} hidden: the shader needs"
                       " multiples of 4")
    w1, b1, w2 = (np.asarray(a, np.float32) for a in (m.w1, m.b1, m.w2))
    d = np.asarray(m.diffusion(), np.float32)
    tex = weights_texture(w1, b1, w2)
    name = spec[4:] if spec.startswith("zoo:") else spec
    facts = {
        "model": f"{param_count(m):,} parameters: reaction MLP {m.channels}→{m.hidden}→"
                 f"{m.channels}, {m.diffusion_mode} diffusion D {d.min():.3g}…{d.max():.3g},"
                 f" dt {m.dt:g}",
        "source": loaded.source,
        "exemplar": f"{cfg.exemplar} at {cfg.exemplar_size} px, trained on {cfg.size}² grids",
    }
    if entry is not None:
        facts["trained by"] = entry.get("command", "")
        if entry.get("train_seconds"):
            facts["training time"] = f"{entry['train_seconds']} s"
        if entry.get("eval"):
            facts["evaluation"] = ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else
                                            f"{k} {v}" for k, v in entry["eval"].items())
    summary = html.escape(
        f"{entry['description'] if entry else name}. Every cell holds {m.channels}"
        " concentrations that react through a small learned network and diffuse to their"
        " neighbours; the page starts from random blobs. Drag to erase or scramble a patch.")
    return Page(
        slug=slug, kind="nca", title=f"reaction-diffusion: {name}", summary=summary,
        facts=facts,
        data={"channels": m.channels, "size": [size, size], "seed": 1,
              "blobsPerArea": SEED_PER_AREA, "zoom": 4,
              "weights": {"width": tex.shape[1], "height": tex.shape[0],
                          "data": base64.b64encode(tex.tobytes()).decode()}},
        shaders={"step": step_shader(m.channels, m.hidden, d, m.dt),
                 "seed": seed_shader(m.channels), "brush": brush_shader(m.channels),
                 "display": display_shader()},
        controls=cell_controls(speed=2, extra='<label>grid <select id="gridSize">'
                               + "".join(f"<option{' selected' if s == size else ''}>{s}"
                                         "</option>" for s in (64, 128, 256))
                               + "</select></label>"),
        group="reaction-diffusion textures",
    )


def zoo_pages(*, size: int = DEFAULT_SIZE) -> list[Page]:
    """One page per rule of the rd zoo."""
    from selforg.rd.store import zoo_index

    return [page_for(f"zoo:{n}", slug=f"rd-{n}", entry=e, size=size)
            for n, e in zoo_index().items()]
