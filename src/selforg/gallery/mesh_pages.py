"""Gallery pages of Mesh NCA (Pajouheshgar et al., "Mesh Neural Cellular Automata", SIGGRAPH
2024): the zoo rules growing their textures on a rotating mesh.

The state of vertex i is texel ``(i % TW, i / TW)`` of four RGBA32F textures (16 channels). The
step shader gathers each vertex's incoming edges (an ``edges`` texture: sender and the edge
direction's spherical harmonics ``y, z, x``, contiguous per receiver as in
`selforg.mesh.meshes.Mesh`), forms the 80 perception features in the order of
`selforg.mesh.model.perceive` and applies the MLP, whose weights are a float texture. The mesh
is drawn with the state as vertex colours; the brush erases the vertices under the pointer.
"""

from __future__ import annotations

import base64
import functools
import html

import numpy as np

from selforg.core.hashing import GLSL_HASH
from selforg.gallery.page import Page

#: Texels per row of the per-vertex and per-edge textures.
TW = 64
#: The meshes a page offers beside the one the rule was trained on.
EXTRA_MESHES = ("torus", "capsule")

# The four state outputs and the seed noise, shared by the seed and brush shaders: uniform in
# [0, 0.1) per vertex and channel, from the one integer hash of the C export and `noise`.
_NOISE = """\
layout(location = 0) out vec4 out0;
layout(location = 1) out vec4 out1;
layout(location = 2) out vec4 out2;
layout(location = 3) out vec4 out3;
""" + GLSL_HASH + """
vec4 u(uint base, uint i) {
  return vec4(float(hash32(i ^ base) >> 8), float(hash32((i + 1u) ^ base) >> 8),
              float(hash32((i + 2u) ^ base) >> 8), float(hash32((i + 3u) ^ base) >> 8))
         * 5.9604644775390625e-09;
}"""


def _b64(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a).tobytes()).decode()


def _rows(n: int) -> int:
    return -(-n // TW)


def mesh_data(mesh) -> dict:
    """The page's arrays of a `Mesh`, base64: positions, normals, faces, edges, vertex info."""
    from selforg.mesh.model import edge_harmonics

    v = np.asarray(mesh.vertices, np.float32)
    f = np.asarray(mesh.faces, np.int64)
    n = np.zeros_like(v)
    fn = np.cross(v[f[:, 1]] - v[f[:, 0]], v[f[:, 2]] - v[f[:, 0]])
    for k in range(3):
        np.add.at(n, f[:, k], fn)
    n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)
    sh = edge_harmonics(mesh.vertices, mesh.senders, mesh.receivers)
    e = len(mesh.senders)
    edges = np.zeros((_rows(e) * TW, 4), np.float32)
    edges[:e, 0] = mesh.senders
    edges[:e, 1:] = sh[:, 1:]
    counts = np.bincount(mesh.receivers, minlength=mesh.n_vertices)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    info = np.zeros((_rows(mesh.n_vertices) * TW, 4), np.float32)
    info[: mesh.n_vertices, 0] = starts
    info[: mesh.n_vertices, 1] = counts
    pos = np.zeros((_rows(mesh.n_vertices) * TW, 4), np.float32)
    pos[: mesh.n_vertices, :3] = v
    npos = np.zeros_like(pos)
    npos[: mesh.n_vertices, :3] = n
    return {"vertices": mesh.n_vertices, "rows": _rows(mesh.n_vertices),
            "edgeRows": _rows(e), "faces": _b64(f.astype(np.uint32)),
            "positions": _b64(pos), "normals": _b64(npos), "edges": _b64(edges),
            "info": _b64(info), "triangles": int(f.shape[0])}


@functools.lru_cache(maxsize=8)
def builtin_mesh_data(name: str) -> dict:
    """`mesh_data` of a built-in mesh (made once: the pages share their meshes)."""
    from selforg.mesh.meshes import load_mesh

    return mesh_data(load_mesh(name))


def weights_texture(w1, b1, w2, b2) -> np.ndarray:
    """Rows 0..79: ``w1[f]`` (32 texels of 4 hidden units); row 80: ``b1``; rows 81..208:
    ``w2[u]`` (4 texels of 4 outputs); row 209: ``b2``."""
    nf, hidden = w1.shape
    c = w2.shape[1]
    tex = np.zeros((nf + 2 + hidden, hidden // 4, 4), np.float32)
    tex[:nf] = w1.reshape(nf, hidden // 4, 4)
    tex[nf] = b1.reshape(hidden // 4, 4)
    tex[nf + 1 : nf + 1 + hidden, : c // 4] = w2.reshape(hidden, c // 4, 4)
    tex[nf + 1 + hidden, : c // 4] = b2.reshape(c // 4, 4)
    return tex


_HEAD = """\
#version 300 es
// {title} (selforg gallery)
precision highp float;
precision highp int;
precision highp sampler2D;
"""


def step_shader(hidden: int = 128) -> str:
    """One Mesh NCA step (16 channels); ``fire`` 0 updates every vertex, else vertex i fires
    when ``hash32(i ^ hash32(stepSeed)) >> 8 < fire``."""
    nf = 80
    return _HEAD.format(title="Mesh NCA step: SH perception over edges, MLP 80→128→16") + f"""\
uniform sampler2D state0, state1, state2, state3, edges, info, weights;
uniform int count;
uniform uint fire, stepSeed;
layout(location = 0) out vec4 out0;
layout(location = 1) out vec4 out1;
layout(location = 2) out vec4 out2;
layout(location = 3) out vec4 out3;
{GLSL_HASH}
void main() {{
  ivec2 c = ivec2(gl_FragCoord.xy);
  int i = c.y * {TW} + c.x;
  vec4 x[4] = vec4[4](texelFetch(state0, c, 0), texelFetch(state1, c, 0),
                      texelFetch(state2, c, 0), texelFetch(state3, c, 0));
  if (i >= count) {{ out0 = x[0]; out1 = x[1]; out2 = x[2]; out3 = x[3]; return; }}
  vec2 vi = texelFetch(info, c, 0).xy;
  int start = int(vi.x), n = int(vi.y);
  vec4 z[20];  // SH-major: z[4k + g] = sum over edges of Y_k (x_j - x_i), channels 4g..4g+3
  for (int k = 0; k < 16; k++) z[k] = vec4(0.0);
  for (int e = 0; e < n; e++) {{
    int idx = start + e;
    vec4 ed = texelFetch(edges, ivec2(idx % {TW}, idx / {TW}), 0);
    int j = int(ed.x);
    ivec2 p = ivec2(j % {TW}, j / {TW});
    vec4 d[4] = vec4[4](texelFetch(state0, p, 0) - x[0], texelFetch(state1, p, 0) - x[1],
                        texelFetch(state2, p, 0) - x[2], texelFetch(state3, p, 0) - x[3]);
    float y[4] = float[4](1.0, ed.y, ed.z, ed.w);
    for (int k = 0; k < 4; k++) for (int g = 0; g < 4; g++) z[4 * k + g] += y[k] * d[g];
  }}
  for (int g = 0; g < 4; g++) z[16 + g] = x[g];
  vec4 ds[4];
  for (int g = 0; g < 4; g++) ds[g] = texelFetch(weights, ivec2(g, {nf + 1 + hidden}), 0);
  for (int j = 0; j < {hidden // 4}; j++) {{
    vec4 h = texelFetch(weights, ivec2(j, {nf}), 0);
    for (int f = 0; f < 20; f++) {{
      for (int t = 0; t < 4; t++) h += z[f][t] * texelFetch(weights, ivec2(j, 4 * f + t), 0);
    }}
    h = max(h, 0.0);
    for (int t = 0; t < 4; t++) {{
      int row = {nf + 1} + 4 * j + t;
      for (int g = 0; g < 4; g++) ds[g] += h[t] * texelFetch(weights, ivec2(g, row), 0);
    }}
  }}
  bool fires = fire == 0u || (hash32(uint(i) ^ hash32(stepSeed)) >> 8) < fire;
  float m = fires ? 1.0 : 0.0;
  out0 = x[0] + m * ds[0]; out1 = x[1] + m * ds[1]; out2 = x[2] + m * ds[2];
  out3 = x[3] + m * ds[3];
}}
"""


def seed_shader() -> str:
    """Uniform noise in [0, 0.1) per vertex and channel (the authors' seed), from `seed`."""
    return _HEAD.format(title="Mesh NCA seed: uniform noise in [0, 0.1)") + f"""\
uniform uint seed;
{_NOISE}
void main() {{
  ivec2 c = ivec2(gl_FragCoord.xy);
  uint base = hash32(seed), i = uint(c.y * {TW} + c.x) * 16u;
  out0 = u(base, i); out1 = u(base, i + 4u); out2 = u(base, i + 8u); out3 = u(base, i + 12u);
}}
"""


def brush_shader() -> str:
    """Erases (``mode`` 0) or re-seeds (1) the front-facing vertices whose projection lies
    within ``radius`` canvas pixels of ``centre`` (pixels from the top left)."""
    return _HEAD.format(title="Mesh NCA brush: the vertices under the pointer") + f"""\
uniform sampler2D state0, state1, state2, state3, positions, normals;
uniform mat4 mvp, model;
uniform vec2 centre, view;
uniform float radius;
uniform int mode;
uniform uint seed;
{_NOISE}
void main() {{
  ivec2 c = ivec2(gl_FragCoord.xy);
  vec4 p = mvp * vec4(texelFetch(positions, c, 0).xyz, 1.0);
  vec2 px = (p.xy / p.w * 0.5 + 0.5) * view;
  px.y = view.y - px.y;
  bool front = (mat3(model) * texelFetch(normals, c, 0).xyz).z > 0.0;
  bool inside = front && distance(px, centre) <= radius;
  vec4 x[4] = vec4[4](texelFetch(state0, c, 0), texelFetch(state1, c, 0),
                      texelFetch(state2, c, 0), texelFetch(state3, c, 0));
  uint base = hash32(seed), i = uint(c.y * {TW} + c.x) * 16u;
  for (int g = 0; g < 4; g++) {{
    if (inside) x[g] = mode == 0 ? vec4(0.0) : u(base, i + uint(4 * g));
  }}
  out0 = x[0]; out1 = x[1]; out2 = x[2]; out3 = x[3];
}}
"""


def surface_vertex_shader() -> str:
    """Draws the mesh: position and normal attributes, colour = channels 0-2 + 0.5 of the
    vertex's state (``gl_VertexID`` is the vertex index in an indexed draw)."""
    return f"""\
#version 300 es
// Mesh NCA surface: vertex colours from the state (selforg gallery)
precision highp float;
precision highp sampler2D;
layout(location = 0) in vec3 position;
layout(location = 1) in vec3 normal;
uniform mat4 mvp, model;
uniform sampler2D state0;
out vec3 colour;
out vec3 vnormal;
void main() {{
  vec4 s = texelFetch(state0, ivec2(gl_VertexID % {TW}, gl_VertexID / {TW}), 0);
  colour = clamp(s.rgb + 0.5, 0.0, 1.0);
  vnormal = mat3(model) * normal;
  gl_Position = mvp * vec4(position, 1.0);
}}
"""


def surface_fragment_shader() -> str:
    """Lambert shading of the vertex colours, light from the viewer's upper left."""
    return """\
#version 300 es
// Mesh NCA surface shading (selforg gallery)
precision highp float;
in vec3 colour;
in vec3 vnormal;
out vec4 frag;
void main() {
  float l = max(dot(normalize(vnormal), normalize(vec3(-0.4, 0.5, 0.8))), 0.0);
  frag = vec4(colour * (0.45 + 0.55 * l), 1.0);
}
"""


def page_for(name: str, entry: dict) -> Page:
    """The page of the mesh zoo rule `name` (its ``zoo/index.json`` entry)."""
    from selforg.mesh.model import param_count
    from selforg.mesh.store import load_model

    loaded = load_model(f"zoo:{name}")
    p = loaded.params
    w1, b1, w2, b2 = (np.asarray(getattr(p, k), np.float32) for k in ("w1", "b1", "w2", "b2"))
    tex = weights_texture(w1, b1, w2, b2)
    trained_on = loaded.config.mesh
    meshes = {m: builtin_mesh_data(m) for m in (trained_on, *EXTRA_MESHES)}
    facts = {
        "model": f"{param_count(p):,} float parameters: perception by degree-1 spherical"
                 " harmonics over mesh edges (80 features), MLP 80→128→16",
        "trained on": f"{trained_on} ({meshes[trained_on]['vertices']} vertices),"
                      f" exemplar {loaded.config.exemplar}",
        "trained by": entry.get("command", ""),
    }
    if entry.get("eval"):
        facts["evaluation"] = ", ".join(
            f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}"
            for k, v in entry["eval"].items() if not isinstance(v, dict | list))
    options = "".join(f"<option>{html.escape(m)}</option>" for m in meshes)
    controls = f"""\
<button id="play">pause</button> <button id="stepOnce">step</button>
<span class="counter">step <b id="count">0</b></span>
<label>speed <input id="speed" type="range" min="1" max="16" value="1">
<span id="speedValue">1</span> steps/frame</label>
<button id="reset">reset with a new seed</button> <span>seed <b id="seed">0</b></span>
<br>
<label>mesh <select id="mesh">{options}</select></label>
<label><input id="async" type="checkbox" checked> stochastic updates (each vertex fires with
probability 0.5, as trained)</label>
<label><input id="spin" type="checkbox" checked> rotate</label>
<label>brush <select id="brush"><option value="0">erase</option>
<option value="1">re-seed</option></select></label>
<label>radius <input id="radius" type="range" min="1" max="48" value="12"></label>"""
    return Page(
        slug=f"mesh-{name}", kind="mesh", title=f"Mesh NCA: {name}",
        summary=html.escape(entry["description"] + ". One rule, any mesh: pick another and the"
                            " texture grows there too. Drag on the surface to erase a patch."),
        facts=facts,
        data={"channels": 16, "tw": TW, "meshes": meshes, "mesh": trained_on, "seed": 1,
              "fire": 1 << 23, "weights": {"width": tex.shape[1], "height": tex.shape[0],
                                            "data": _b64(tex)}},
        shaders={"step": step_shader(), "seed": seed_shader(), "brush": brush_shader(),
                 "surface": surface_fragment_shader()},
        vertex_shaders={"surface": surface_vertex_shader()},
        controls=controls, group="Mesh NCA",
    )


def zoo_pages() -> list[Page]:
    """One page per rule of the mesh zoo."""
    from selforg.mesh.store import zoo_index

    return [page_for(n, e) for n, e in zoo_index().items()]
