"""``selforg nca quantize`` and ``selforg nca export``: a μNCA at one byte per parameter, and
as a GLSL fragment shader and a standalone C program
(Mordvintsev & Niklasson, "μNCA: Texture Generation with Ultra-Compact Neural Cellular
Automata", arXiv 2111.13545, whose models ran as a few lines of GLSL).

Both carry the int8 weights (one byte per parameter) and the two per-tensor scales of
`int8.Quantized`; the dequantised weight is ``float(q) · scale`` in float32, as in
`int8.dequantize`.

The C program and `numpy_run` (the Python reference) perform the same float32 operations in
the same order, so their states are bit-identical:

- the seed is `noise`: a counter-based integer hash of (seed, cell, channel) mapped exactly to
  a float in [−0.5, 0.5), so no RNG library is involved;
- perception: per channel, the nine taps of its 3×3 kernel (circular wrap) accumulated in
  row-major order from 0, each product rounded before the add;
- update: ``ds = b + Σ_k z_k · W[k]`` summed over k in order, then ``s + ds``.

The C file must be compiled without floating-point contraction (``-ffp-contract=off``) or
fast-math, or fused multiply-adds would change the last bits.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from selforg.core.config import to_dict
from selforg.core.errors import BadInput
from selforg.core.grid import KERNELS
from selforg.core.hashing import GLSL_HASH, hash32
from selforg.core.runs import atomic_write_bytes, open_run
from selforg.nca import int8 as qz
from selforg.nca.config import ExportConfig, QuantizeConfig
from selforg.nca.evaluation import texture_score
from selforg.nca.images import load_exemplar
from selforg.nca.int8 import Quantized
from selforg.nca.model import MICRO_FILTERS, MicroNCA
from selforg.nca.store import load_model

_KIND = {"lap": 0, "sobel_x": 1, "sobel_y": 2}
# The package's kernels (unscaled, cross-correlation), indexed by `_KIND`.
_KERNELS = np.stack([KERNELS[name] for name in _KIND])


def noise(height: int, width: int, channels: int, seed: int) -> np.ndarray:
    """The exported seed state ``(H, W, C)`` float32 in [−0.5, 0.5): the value of channel c of
    cell (y, x) is ``(hash(hash(seed) ^ i) >> 8) · 2⁻²⁴ − 0.5`` with ``i = (y·W + x)·C + c``
    (exact in float32; the C program computes the same numbers)."""
    if not 0 <= seed < 2**32:
        raise BadInput(f"seed {seed}: must be in 0..2^32-1")
    base = hash32(np.array([seed], np.uint64).astype(np.uint32))[0]
    i = np.arange(height * width * channels, dtype=np.uint32)
    h = hash32(i ^ base) >> np.uint32(8)
    u = h.astype(np.float32) * np.float32(2.0**-24) - np.float32(0.5)
    return u.reshape(height, width, channels)


def _dequantized(q: Quantized) -> tuple[np.ndarray, np.ndarray]:
    w = q.w_q.astype(np.float32) * np.float32(q.w_scale)
    b = q.b_q.astype(np.float32) * np.float32(q.b_scale)
    return w, b


def numpy_run(q: Quantized, x: np.ndarray, steps: int) -> np.ndarray:
    """The quantised μNCA run `steps` times on ``x (H, W, C)`` in float32 NumPy, with the C
    program's operation order (the bit-exact reference for the exported C)."""
    w, b = _dequantized(q)
    kernels = _KERNELS[[_KIND[f] for f in MICRO_FILTERS[q.variant]]]  # (C, 3, 3)
    x = np.asarray(x, np.float32).copy()
    for _ in range(steps):
        p = np.zeros_like(x)
        for a in range(3):
            for c in range(3):
                tap = kernels[:, a, c]
                p = p + tap * np.roll(x, (1 - a, 1 - c), axis=(0, 1))
        y = np.concatenate([x, p], axis=-1)
        z = np.concatenate([y, np.abs(y)], axis=-1)
        ds = np.broadcast_to(b, x.shape).copy()
        for k in range(z.shape[-1]):
            ds = ds + z[..., k : k + 1] * w[k]
        x = x + ds
    return x


def to_ppm(x: np.ndarray) -> bytes:
    """Binary PPM (P6) of channels 0–2 + 0.5, clipped to [0, 1], byte = ⌊v·255 + 0.5⌋ (float32,
    as the C program writes it)."""
    v = np.clip(np.asarray(x[..., :3], np.float32) + np.float32(0.5), 0, 1).astype(np.float32)
    img = (v * np.float32(255) + np.float32(0.5)).astype(np.uint8)
    h, w = img.shape[:2]
    return f"P6\n{w} {h}\n255\n".encode() + img.tobytes()


def _f32(v: float, suffix: str = "f") -> str:
    """A float32 literal that reads back as exactly `v` (9 significant digits)."""
    text = f"{np.float32(v):.9g}"
    if not any(ch in text for ch in ".en"):
        text += ".0"
    return text + suffix


def c_program(q: Quantized) -> str:
    """A standalone C99 program that runs the quantised μNCA and writes a PPM.

    Usage of the compiled program: ``prog WIDTH HEIGHT STEPS SEED OUT.ppm [STATE.f32]``
    (the optional last file receives the raw float32 state, ``(H, W, C)`` little-endian).
    """
    c = len(MICRO_FILTERS[q.variant])
    kinds = ", ".join(str(_KIND[f]) for f in MICRO_FILTERS[q.variant])
    wq = ",".join(str(int(v)) for v in q.w_q.ravel())
    bq = ",".join(str(int(v)) for v in q.b_q.ravel())
    kern = ",\n  ".join("{" + ", ".join(f"{v:.0f}.f" for v in k.ravel()) + "}" for k in _KERNELS)
    return f"""\
/* μNCA {q.variant}: {q.nbytes} parameters, one byte each (Mordvintsev & Niklasson, arXiv
 * 2111.13545). Runs the automaton from a hashed-noise seed and writes a binary PPM.
 * Build: cc -O2 -ffp-contract=off -o nca this.c   (no -ffast-math: results are bit-exact
 * with the Python reference only without contraction/reassociation)
 * Usage: nca WIDTH HEIGHT STEPS SEED OUT.ppm [STATE.f32]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define C {c}
static const signed char WQ[4 * C * C] = {{{wq}}};  /* (4C, C) row-major */
static const signed char BQ[C] = {{{bq}}};
static const float WS = {_f32(q.w_scale)}, BS = {_f32(q.b_scale)};
static const int KIND[C] = {{{kinds}}};  /* 0 Laplacian, 1 Sobel x, 2 Sobel y */
static const float KERN[3][9] = {{
  {kern}}};

static uint32_t hash32(uint32_t v) {{
  v ^= v >> 16; v *= 0x7feb352dU; v ^= v >> 15; v *= 0x846ca68bU; v ^= v >> 16;
  return v;
}}

int main(int argc, char **argv) {{
  if (argc < 6) {{
    fprintf(stderr, "usage: %s WIDTH HEIGHT STEPS SEED OUT.ppm [STATE.f32]\\n", argv[0]);
    return 2;
  }}
  long w = atol(argv[1]), h = atol(argv[2]), steps = atol(argv[3]);
  uint32_t seed = (uint32_t)strtoul(argv[4], NULL, 10);
  if (w < 1 || h < 1 || w > 65536 || h > 65536 || steps < 0) {{
    fprintf(stderr, "bad size or steps\\n");
    return 2;
  }}
  size_t n = (size_t)w * h * C;
  float *s = malloc(n * sizeof(float)), *t = malloc(n * sizeof(float));
  float W[4 * C * C], B[C];
  if (!s || !t) {{ fprintf(stderr, "out of memory\\n"); return 1; }}
  for (int i = 0; i < 4 * C * C; i++) W[i] = (float)WQ[i] * WS;
  for (int i = 0; i < C; i++) B[i] = (float)BQ[i] * BS;
  uint32_t base = hash32(seed);
  for (size_t i = 0; i < n; i++)
    s[i] = (float)(hash32((uint32_t)i ^ base) >> 8) * 5.9604644775390625e-08f - 0.5f;
  for (long step = 0; step < steps; step++) {{
    for (long y = 0; y < h; y++) {{
      for (long x = 0; x < w; x++) {{
        float z[4 * C];
        const float *me = s + (y * w + x) * C;
        for (int ch = 0; ch < C; ch++) {{
          float p = 0.0f;
          for (int a = 0; a < 3; a++) {{
            long yy = (y + a - 1 + h) % h;
            for (int b = 0; b < 3; b++) {{
              long xx = (x + b - 1 + w) % w;
              p += KERN[KIND[ch]][a * 3 + b] * s[(yy * w + xx) * C + ch];
            }}
          }}
          z[ch] = me[ch];
          z[C + ch] = p;
        }}
        for (int k = 0; k < 2 * C; k++) z[2 * C + k] = z[k] < 0.0f ? -z[k] : z[k];
        float *out = t + (y * w + x) * C;
        for (int o = 0; o < C; o++) {{
          float ds = B[o];
          for (int k = 0; k < 4 * C; k++) ds += z[k] * W[k * C + o];
          out[o] = me[o] + ds;
        }}
      }}
    }}
    float *tmp = s; s = t; t = tmp;
  }}
  FILE *f = fopen(argv[5], "wb");
  if (!f) {{ perror(argv[5]); return 1; }}
  fprintf(f, "P6\\n%ld %ld\\n255\\n", w, h);
  for (long i = 0; i < w * h; i++) {{
    for (int ch = 0; ch < 3; ch++) {{
      float v = s[i * C + ch] + 0.5f;
      v = v < 0.0f ? 0.0f : (v > 1.0f ? 1.0f : v);
      fputc((unsigned char)(v * 255.0f + 0.5f), f);
    }}
  }}
  fclose(f);
  if (argc > 6) {{
    FILE *g = fopen(argv[6], "wb");
    if (!g) {{ perror(argv[6]); return 1; }}
    fwrite(s, sizeof(float), n, g);
    fclose(g);
  }}
  free(s); free(t);
  return 0;
}}
"""


def _mat4(block: np.ndarray) -> str:
    # GLSL matrices are column-major and M·v sums M[col][row]·v[col]: with column j = input j,
    # the constructor lists the (input, output) block row by row.
    return "mat4(" + ",".join(f"{int(v)}." for v in block.ravel()) + ")"


def glsl_shader(q: Quantized) -> str:
    """A GLSL ES 3.00 fragment shader computing one μNCA update.

    The state lives in ``C/4`` RGBA float textures ``state0…`` (sampled with wrap-around); the
    shader writes the next state to the same number of outputs (multiple render targets).
    Display: ``state0.rgb + 0.5``; texel (x, y) holds cell ``[y, x]`` of the state. One
    ``mat4`` of int8 weights per (input group, output group) and feature kind (s, p, |s|, |p|),
    times the per-tensor scale. The file is a complete WebGL2 fragment shader (the gallery
    runs it as written); `glsl_seed_shader` writes the seed state into the same textures.
    """
    filters = MICRO_FILTERS[q.variant]
    c = len(filters)
    g = c // 4
    names = {"lap": "L", "sobel_x": "X", "sobel_y": "Y"}
    lines = [
        "#version 300 es",
        f"// μNCA {q.variant}: {q.nbytes} int8 parameters × per-tensor scale (arXiv 2111.13545)",
        "precision highp float;",
        "precision highp sampler2D;  // float state: a lowp sampler would round what it reads",
        "uniform sampler2D " + ", ".join(f"state{i}" for i in range(g)) + ";",
    ]
    lines += [f"layout(location = {i}) out vec4 out{i};" for i in range(g)]
    lines += [
        f"const float WS = {_f32(q.w_scale, '')}, BS = {_f32(q.b_scale, '')};",
        "const mat3 LAP = mat3(1., 2., 1., 2., -12., 2., 1., 2., 1.);",
        "const mat3 SX = mat3(-1., -2., -1., 0., 0., 0., 1., 2., 1.);  // [col][row]",
        "const mat3 SY = mat3(-1., 0., 1., -2., 0., 2., -1., 0., 1.);",
        "void main() {",
        "  ivec2 size = textureSize(state0, 0), c = ivec2(gl_FragCoord.xy);",
    ]
    for i in range(g):
        lines.append(f"  vec4 s{i} = texelFetch(state{i}, c, 0), L{i} = vec4(0.), X{i} = L{i},"
                     f" Y{i} = L{i};")
    lines.append("  for (int dy = -1; dy <= 1; dy++) for (int dx = -1; dx <= 1; dx++) {")
    lines.append("    ivec2 q = (c + ivec2(dx, dy) + size) % size;")
    for i in range(g):
        lines.append(f"    vec4 v{i} = texelFetch(state{i}, q, 0);")
        lines.append(f"    L{i} += LAP[dx + 1][dy + 1] * v{i}; X{i} += SX[dx + 1][dy + 1] * v{i};"
                     f" Y{i} += SY[dx + 1][dy + 1] * v{i};")
    lines.append("  }")
    for i in range(g):
        comps = ", ".join(f"{names[filters[4 * i + j]]}{i}.{'xyzw'[j]}" for j in range(4))
        lines.append(f"  vec4 p{i} = vec4({comps});")
    inputs = [f"s{i}" for i in range(g)] + [f"p{i}" for i in range(g)]
    inputs += [f"abs(s{i})" for i in range(g)] + [f"abs(p{i})" for i in range(g)]
    for o in range(g):
        b = ",".join(f"{int(v)}." for v in q.b_q[4 * o : 4 * o + 4])
        lines.append(f"  out{o} = s{o} + BS * vec4({b}) + WS * (")
        terms = [f"    {_mat4(q.w_q[4 * k : 4 * k + 4, 4 * o : 4 * o + 4])} * {v}"
                 for k, v in enumerate(inputs)]
        lines.append(" +\n".join(terms) + ");")
    lines.append("}")
    return "\n".join(lines) + "\n"


def glsl_seed_shader(channels: int) -> str:
    """A GLSL ES 3.00 fragment shader writing the seed state `noise` (bit for bit: the hash is
    integer arithmetic and the float mapping is exact) into the ``channels/4`` outputs that
    `glsl_shader` reads as ``state0…``.

    Uniforms: ``seed`` (uint) and ``size`` (ivec2: width, height); texel (x, y) is cell [y, x].
    """
    if channels % 4:
        raise BadInput(f"{channels} channels: the shader packs 4 per texture")
    g = channels // 4
    lines = [
        "#version 300 es",
        f"// μNCA seed state: hashed noise in [-0.5, 0.5), {channels} channels (selforg noise)",
        "precision highp float;",
        "precision highp int;",
        "uniform uint seed;",
        "uniform ivec2 size;",
    ]
    lines += [f"layout(location = {i}) out vec4 out{i};" for i in range(g)]
    lines += [
        GLSL_HASH,
        "float cell(uint base, uint i) {",
        "  return float(hash32(i ^ base) >> 8) * 5.9604644775390625e-08 - 0.5;",
        "}",
        "void main() {",
        "  ivec2 c = ivec2(gl_FragCoord.xy);",
        f"  uint base = hash32(seed), i = uint((c.y * size.x + c.x) * {channels});",
    ]
    for o in range(g):
        comps = ", ".join(f"cell(base, i + {4 * o + j}u)" for j in range(4))
        lines.append(f"  out{o} = vec4({comps});")
    lines.append("}")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class ExportResult:
    """What `export` wrote (`run_dir` is None: the files go where the config says).

    Attributes:
        files: the shader and/or C program written.
        variant: the μNCA variant (``micro-264`` …).
        bytes: its parameter count, one byte each.
    """

    files: tuple[Path, ...]
    variant: str
    bytes: int
    run_dir: Path | None = None


def export(cfg: ExportConfig, *, out: str | Path | None = None,
           quiet: bool = True) -> ExportResult:
    """Write the GLSL shader and/or the C program of a μNCA (``zoo:<name>``, a run folder, a
    checkpoint or a ``.bin``; a float model is quantised to int8 first).

    Args:
        cfg: the model and the files to write (`ExportConfig`).
        out, quiet: accepted for the common shape; the files are those of `cfg`.

    Raises:
        BadInput: nothing to write, or the model is not a μNCA.

    Example:
        >>> export(ExportConfig(model="zoo:brick", c="brick.c")).files
        (PosixPath('brick.c'),)
    """
    del out, quiet
    if cfg.glsl is None and cfg.c is None:
        raise BadInput("nothing to export: give --glsl FILE and/or --c FILE")
    loaded = load_model(cfg.model)
    if not isinstance(loaded.model, MicroNCA):
        raise BadInput(f"{cfg.model} is not a μNCA (only micro-68..micro-588 export)")
    q = loaded.quantized or qz.quantize(loaded.model)
    written = []
    for path, text in ((cfg.glsl, glsl_shader), (cfg.c, c_program)):
        if path is not None:
            atomic_write_bytes(Path(path), text(q).encode())
            written.append(Path(path))
    return ExportResult(tuple(written), q.variant, q.nbytes)


@dataclass(frozen=True)
class QuantizeResult:
    """What `quantize` wrote and how the int8 model scores next to the float one.

    Attributes:
        bytes_file: the byte file (one byte per parameter).
        scales_file: its ``.json`` (variant, scales, training config).
        bytes: the parameter count.
        int8_distance: evaluation texture distance of the int8 model after `steps` steps.
        float_distance: the same for the float model it came from; None when the source holds
            int8 weights only (a ``.bin`` or a byte-only zoo model): nothing to compare.
        steps: rollout length of the comparison.
        note: one line on what was compared.
        run_dir: the folder created for the files (None when they went into the source's run
            folder or to ``cfg.out``).
    """

    bytes_file: Path
    scales_file: Path
    bytes: int
    int8_distance: float
    float_distance: float | None
    steps: int
    note: str
    run_dir: Path | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: str(v) if isinstance(v, Path) else v for k, v in asdict(self).items()}


def _name(spec: str) -> str:
    return spec[4:] if spec.startswith("zoo:") else Path(spec).stem or "model"


def quantize(cfg: QuantizeConfig, *, out: str | Path | None = None, quiet: bool = True,
             root: str | Path = "runs") -> QuantizeResult:
    """Quantise a μNCA to int8, write the byte file (with its config), and compare the
    evaluation texture distance of the float and the int8 model over the same rollout.

    Args:
        cfg: the model, the byte file, and the comparison's steps and seed (`QuantizeConfig`).
        out: the folder for the files when `cfg.out` is not given and the model comes from
            the zoo or a ``.bin`` (default ``<root>/nca-quantize/<time>-<name>/``).
        quiet: accepted for the common shape.

    Raises:
        BadInput: the model is not a μNCA.

    Example:
        >>> res = quantize(QuantizeConfig(model="runs/nca-texture/my-run"))  # doctest: +SKIP
        >>> res.float_distance, res.int8_distance
    """
    del quiet
    loaded = load_model(cfg.model)
    if not isinstance(loaded.model, MicroNCA):
        raise BadInput(f"{cfg.model} is not a μNCA (only micro-68..micro-588 quantise to bytes)")
    q = loaded.quantized or qz.quantize(loaded.model)
    run_dir = None
    if cfg.out is not None:
        path = Path(cfg.out)
        if path.suffix != ".bin":
            raise BadInput(f"--out {path}: the byte file's name must end in .bin")
    elif loaded.quantized is None and not cfg.model.startswith("zoo:"):
        spec = Path(cfg.model)
        path = (spec if spec.is_dir() else spec.parent) / "quantized.bin"
        if path.parent.name == "checkpoints":
            path = path.parent.parent / "quantized.bin"
    else:
        rec = open_run("nca", "quantize", cfg, out=out, name=_name(cfg.model), root=root)
        run_dir = rec.path
        path = rec.path / f"{_name(cfg.model)}.bin"
    mc = loaded.config
    meta = {"source": loaded.source, "kind": "texture", "config": to_dict(mc)}
    bytes_file, side = qz.write(q, path, meta)
    exemplar = load_exemplar(mc.exemplar, mc.exemplar_size)
    int8_d = texture_score(qz.dequantize(q), exemplar, mc.size, cfg.steps, cfg.seed)
    if loaded.quantized is None:
        float_d = texture_score(loaded.model, exemplar, mc.size, cfg.steps, cfg.seed)
        note = f"float model of {loaded.source} vs its int8 form, {cfg.steps} steps"
    else:
        float_d = None
        note = (f"{loaded.source} holds int8 weights only (no float weights ship with it):"
                f" int8_distance scores them; there is no float model to compare")
    return QuantizeResult(bytes_file, side, q.nbytes, int8_d, float_d, cfg.steps, note, run_dir)
