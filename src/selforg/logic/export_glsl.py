"""A logic CA circuit as GLSL ES 3.00 fragment shaders on integer textures (WebGL2).

Miotti et al. (2025) circuits are plain boolean logic, so a GPU runs them as one bitwise
operation per gate, like `selforg.logic.packed` on the CPU, with 32 cells per word in place of
64: cell x of row y, channel c, is bit ``x % 32`` of component ``c % 4`` of texel
``(x // 32, y)`` in layer ``c // 4`` of an RGBA32UI 2D texture array. A pass writes four layers
(the most render targets WebGL2 promises), so a circuit of C channels steps in ``⌈C/16⌉``
passes, each holding only the gates its outputs depend on.

Uniforms of every step shader: ``state`` (the ``usampler2DArray``), ``width`` (cells per row),
``fire`` (0: synchronous; else each cell updates when ``hash32(i ^ hash32(stepSeed)) >> 8 <
fire``, ``i = y·width + x``, see `fire_mask`), ``stepSeed``. Widths that are not a multiple of
32 work with a zero boundary (bits past the edge are kept 0); a periodic boundary needs a
multiple of 32.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from selforg.core.hashing import GLSL_HASH, hash32
from selforg.logic import gates
from selforg.logic.circuit import Circuit, Netlist, netlist

#: Layers (4 channels each) written by one pass.
LAYERS_PER_PASS = 4

# The 16 gates on uint words, in `gates.NAMES` order.
GLSL_EXPR: tuple[str, ...] = (
    "0u", "A & B", "A & ~B", "A", "~A & B", "B", "A ^ B", "A | B",
    "~(A | B)", "~(A ^ B)", "~B", "A | ~B", "~A", "~A | B", "~(A & B)", "~0u",
)

_HEADER = """\
#version 300 es
// {title}
precision highp float;
precision highp int;
precision highp usampler2DArray;
uniform usampler2DArray state;
uniform int width;
uniform uint fire;
uniform uint stepSeed;
"""


def layers(channels: int) -> int:
    """Texture-array layers holding `channels` channels."""
    return -(-channels // 4)


def passes(channels: int) -> int:
    """Step passes of a circuit with `channels` channels."""
    return -(-layers(channels) // LAYERS_PER_PASS)


def _needed(net: Netlist, outputs: list[int]) -> set[int]:
    """Registers the given output registers depend on (inputs included)."""
    n_in = net.n_inputs
    need, todo = set(), list(outputs)
    while todo:
        r = todo.pop()
        if r in need:
            continue
        need.add(r)
        if r >= n_in:
            i = r - n_in
            ua, ub = gates.USES[int(net.ops[i])]
            if ua:
                todo.append(int(net.a[i]))
            if ub:
                todo.append(int(net.b[i]))
    return need


def step_shader(circuit: Circuit, index: int, *, net: Netlist | None = None) -> str:
    """The fragment shader of step pass `index` (layers ``4·index … 4·index+3``)."""
    net = net if net is not None else netlist(circuit, prune=True)
    c_all = circuit.channels
    first = index * LAYERS_PER_PASS
    outs = list(range(first, min(first + LAYERS_PER_PASS, layers(c_all))))
    out_ch = [c for c in range(4 * outs[0], min(4 * (outs[-1] + 1), c_all))]
    need = _needed(net, [int(net.outputs[c]) for c in out_ch])
    n_in = net.n_inputs
    periodic = circuit.boundary == "periodic"
    lines = [_HEADER.format(title=f"logic CA step, pass {index + 1} of {passes(c_all)}:"
                            f" channels {out_ch[0]}..{out_ch[-1]} of {c_all},"
                            f" {circuit.boundary} boundary (selforg)")]
    lines += [f"layout(location = {k}) out uvec4 out{k};" for k in range(len(outs))]
    lines += [GLSL_HASH, "uvec4 at(int x, int y, int layer) {",
              "  ivec3 size = textureSize(state, 0);"]
    if periodic:
        lines.append("  x = (x + size.x) % size.x; y = (y + size.y) % size.y;")
    else:
        lines.append("  if (x < 0 || y < 0 || x >= size.x || y >= size.y) return uvec4(0u);")
    lines += ["  return texelFetch(state, ivec3(x, y, layer), 0);", "}",
              "void main() {", "  ivec2 p = ivec2(gl_FragCoord.xy);"]
    in_regs = sorted(r for r in need if r < n_in)
    centre = {c for c in out_ch}  # the old state, for asynchronous updates
    used_layers = sorted({r // 9 // 4 for r in in_regs} | {c // 4 for c in centre})
    for l in used_layers:
        for dy in range(3):
            for dx in range(3):
                lines.append(f"  uvec4 t{l}_{dy}{dx} = at(p.x + {dx - 1}, p.y + {dy - 1}, {l});")

    def word(c: int, dy: int, dx: int) -> str:
        return f"t{c // 4}_{dy}{dx}.{'xyzw'[c % 4]}"

    for r in in_regs:
        c, rest = divmod(r, 9)
        dy, dx = divmod(rest, 3)
        if dx == 0:
            expr = f"({word(c, dy, 1)} << 1) | ({word(c, dy, 0)} >> 31)"
        elif dx == 1:
            expr = word(c, dy, 1)
        else:
            expr = f"({word(c, dy, 1)} >> 1) | ({word(c, dy, 2)} << 31)"
        lines.append(f"  uint i{r} = {expr};")

    def reg(r: int) -> str:
        return f"i{r}" if r < n_in else f"r{r - n_in}"

    for i in range(len(net.ops)):
        if n_in + i not in need:
            continue
        expr = GLSL_EXPR[int(net.ops[i])].replace("A", "\0").replace("B", reg(int(net.b[i])))
        lines.append(f"  uint r{i} = {expr.replace(chr(0), reg(int(net.a[i])))};")
    lines += [
        "  uint keep = 0u;",
        "  if (fire != 0u) {  // asynchronous: the cells that do not fire keep their state",
        "    uint base = hash32(stepSeed);",
        "    keep = 0u;",
        "    for (int j = 0; j < 32; j++) {",
        "      uint i = uint(p.y * width + p.x * 32 + j);",
        "      if ((hash32(i ^ base) >> 8) >= fire) keep |= 1u << j;",
        "    }",
        "  }",
        "  int rem = width - 32 * p.x;",
        "  uint valid = rem >= 32 ? ~0u : (1u << rem) - 1u;",
    ]
    for k, l in enumerate(outs):
        comps = []
        for j in range(4):
            c = 4 * l + j
            if c >= c_all:
                comps.append("0u")
                continue
            comps.append(f"((({reg(int(net.outputs[c]))}) & ~keep) | ({word(c, 1, 1)} & keep))"
                         " & valid")
        lines.append(f"  out{k} = uvec4(" + ",\n    ".join(comps) + ");")
    lines.append("}")
    return "\n".join(lines) + "\n"


def brush_shader() -> str:
    """Copies ``LAYERS_PER_PASS`` layers from ``layer0`` on, erasing (mode 0) or randomising
    (mode 1) every channel of the cells within ``radius`` of ``centre`` (cells, wrapping)."""
    lines = [_HEADER.format(title="logic CA brush: erase or randomise a disc (selforg)")]
    lines += [
        "uniform int layer0, mode;",
        "uniform vec2 centre;",
        "uniform float radius;",
        "uniform uint brushSeed;",
    ]
    lines += [f"layout(location = {k}) out uvec4 out{k};" for k in range(LAYERS_PER_PASS)]
    lines += [GLSL_HASH, """\
void main() {
  ivec2 p = ivec2(gl_FragCoord.xy);
  ivec3 size = textureSize(state, 0);
  int height = size.y;
  uint m = 0u;
  for (int j = 0; j < 32; j++) {
    vec2 d = abs(vec2(float(p.x * 32 + j), float(p.y)) - centre);
    d = min(d, vec2(float(width), float(height)) - d);
    if (p.x * 32 + j < width && radius >= 0.0 && dot(d, d) <= radius * radius) m |= 1u << j;
  }
  uint base = hash32(brushSeed);
  uvec4 r[4];
  for (int k = 0; k < 4; k++) {
    int l = layer0 + k;
    uvec4 v = l < size.z ? texelFetch(state, ivec3(p, l), 0) : uvec4(0u);
    uvec4 noise = uvec4(0u);
    if (mode == 1) {
      uint i = uint(((p.y * size.x + p.x) * size.z + l) * 4);
      noise = uvec4(hash32(i ^ base), hash32((i + 1u) ^ base), hash32((i + 2u) ^ base),
                    hash32((i + 3u) ^ base));
    }
    r[k] = (v & ~uvec4(m)) | (noise & uvec4(m));
  }
  out0 = r[0]; out1 = r[1]; out2 = r[2]; out3 = r[3];
}"""]
    return "\n".join(lines) + "\n"


def display_shader() -> str:
    """Draws channel 0 (``palette`` 0: black on white) or channels 0–2 as the 8-colour palette
    of the colour task (``palette`` 1); ``other`` (a second state, e.g. true Life) marks the
    cells where the two differ in red when ``compare`` is set. ``origin`` is the lower-left
    canvas pixel of the view, ``zoom`` pixels per cell; row 0 is drawn at the top."""
    return """\
#version 300 es
// logic CA display (selforg)
precision highp float;
precision highp int;
precision highp usampler2DArray;
uniform usampler2DArray state, other;
uniform int width, palette, compare;
uniform float zoom;
uniform vec2 origin, view;
out vec4 colour;
const vec3 PALETTE[8] = vec3[8](vec3(255., 255., 255.), vec3(219., 68., 55.),
  vec3(15., 157., 88.), vec3(0., 0., 0.), vec3(66., 133., 244.), vec3(160., 60., 200.),
  vec3(0., 170., 170.), vec3(244., 180., 0.));
uint bitAt(usampler2DArray s, ivec2 cell, int c) {
  uvec4 t = texelFetch(s, ivec3(cell.x / 32, cell.y, c / 4), 0);
  return (t[c % 4] >> uint(cell.x % 32)) & 1u;
}
void main() {
  int height = textureSize(state, 0).y;
  vec2 q = gl_FragCoord.xy - origin;
  ivec2 cell = ivec2(floor(vec2(q.x, view.y - q.y) / zoom));
  cell = ivec2((cell.x % width + width) % width, (cell.y % height + height) % height);
  vec3 rgb;
  if (palette == 1) {
    uint k = bitAt(state, cell, 0) | (bitAt(state, cell, 1) << 1) | (bitAt(state, cell, 2) << 2);
    rgb = PALETTE[int(k)] / 255.;
  } else {
    rgb = vec3(1. - float(bitAt(state, cell, 0)));
  }
  if (compare == 1 && bitAt(state, cell, 0) != bitAt(other, cell, 0)) rgb = vec3(0.9, 0.1, 0.1);
  colour = vec4(rgb, 1.);
}
"""


@dataclass(frozen=True)
class Shaders:
    """Every shader a circuit's page runs.

    Attributes:
        steps: one fragment shader per step pass.
        brush, display: see `brush_shader`, `display_shader`.
    """

    steps: tuple[str, ...]
    brush: str
    display: str


def shaders(circuit: Circuit) -> Shaders:
    """The step passes, brush and display shaders of `circuit`."""
    net = netlist(circuit, prune=True)
    steps = tuple(step_shader(circuit, i, net=net) for i in range(passes(circuit.channels)))
    return Shaders(steps, brush_shader(), display_shader())


# --- the page's random numbers, in NumPy (the test reference) --------------------------------

def step_seed(seed: int, step: int) -> int:
    """The ``stepSeed`` of step `step` (0-based) of a run seeded with `seed`."""
    return (seed * 0x9E3779B9 + step) % 2**32


def fire_threshold(rate: float) -> int:
    """The ``fire`` uniform of a fire rate (0 < rate ≤ 1)."""
    return max(1, min(2**24, round(rate * 2**24)))


def fire_mask(height: int, width: int, seed: int, step: int, rate: float) -> np.ndarray:
    """(H, W) 0/1: the cells that fire at `step`, as the step shader draws them."""
    base = hash32(np.array([step_seed(seed, step)], np.uint32))[0]
    i = np.arange(height * width, dtype=np.uint32)
    return ((hash32(i ^ base) >> np.uint32(8)) < fire_threshold(rate)).reshape(height, width)


def random_bits(height: int, width: int, channels: int, seed: int) -> np.ndarray:
    """(H, W, C) 0/1 uint8: the page's random start, bit = top bit of
    ``hash32(hash32(seed) ^ i)``, ``i = (y·W + x)·C + c``."""
    base = hash32(np.array([seed], np.uint32))[0]
    i = np.arange(height * width * channels, dtype=np.uint32)
    return (hash32(i ^ base) >> np.uint32(31)).astype(np.uint8).reshape(height, width, channels)
