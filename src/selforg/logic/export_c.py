"""Export a logic CA circuit as a standalone C program (bit-packed, one bitwise op per gate).

Miotti et al. (2025) circuits are plain boolean logic; the generated file holds the pruned netlist
as straight-line code on uint64 words (64 cells each), the same layout and shifts as
`selforg.logic.packed`, so its output equals the Numba engine and the JAX hard rollout bit for bit.

The driver: ``./prog WIDTH HEIGHT STEPS < in.bin > out.bin`` (sizes first, width before
height, as every exported program of the package takes them) reads HEIGHT·WIDTH·C bytes (0/1,
layout (H, W, C)), runs STEPS synchronous steps and writes the final grid the same way. WIDTH
must be a multiple of 64.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from selforg.logic import gates
from selforg.logic.circuit import Circuit, netlist
from selforg.logic.config import ExportConfig

_TEMPLATE = r"""/* Logic cellular automaton exported by selforg (selforg-logic-circuit/1).
 * {n_ops} bitwise operations per 64 cells, {channels} channel(s), {boundary} boundary.
 * Build: cc -O3 -o logic_ca this.c    Run: ./logic_ca WIDTH HEIGHT STEPS < in.bin > out.bin
 * in.bin, out.bin: HEIGHT x WIDTH x CHANNELS bytes of 0/1; WIDTH a multiple of 64.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define CHANNELS {channels}
#define PERIODIC {periodic}

/* src, dst: CHANNELS x h x nw words; cell x of a row is bit x % 64 of word x / 64. */
void logic_step(const uint64_t *src, uint64_t *dst, int h, int nw) {{
    for (int y = 0; y < h; y++) {{
        for (int w = 0; w < nw; w++) {{
            uint64_t in[9 * CHANNELS];
            for (int c = 0; c < CHANNELS; c++) {{
                for (int dy = 0; dy < 3; dy++) {{
                    int yy = y + dy - 1;
                    int valid = 1;
                    if (yy < 0 || yy >= h) {{
                        if (PERIODIC) yy = (yy + h) % h; else valid = 0;
                    }}
                    uint64_t cur = 0, prv = 0, nxt = 0;
                    if (valid) {{
                        const uint64_t *row = src + ((size_t)c * h + yy) * nw;
                        cur = row[w];
                        if (w > 0) prv = row[w - 1]; else if (PERIODIC) prv = row[nw - 1];
                        if (w < nw - 1) nxt = row[w + 1]; else if (PERIODIC) nxt = row[0];
                    }}
                    in[9 * c + 3 * dy + 0] = (cur << 1) | (prv >> 63);
                    in[9 * c + 3 * dy + 1] = cur;
                    in[9 * c + 3 * dy + 2] = (cur >> 1) | (nxt << 63);
                }}
            }}
{body}
{store}
        }}
    }}
}}

int main(int argc, char **argv) {{
    if (argc != 4) {{
        fprintf(stderr, "usage: %s WIDTH HEIGHT STEPS < in.bin > out.bin\n", argv[0]);
        return 2;
    }}
    int wd = atoi(argv[1]), h = atoi(argv[2]), steps = atoi(argv[3]);
    if (h < 1 || wd < 64 || wd % 64 || steps < 0) {{
        fprintf(stderr, "WIDTH must be a multiple of 64, HEIGHT >= 1, STEPS >= 0\n");
        return 2;
    }}
    int nw = wd / 64;
    size_t cells = (size_t)h * wd, words = (size_t)CHANNELS * h * nw;
    unsigned char *bytes = malloc(cells * CHANNELS);
    uint64_t *a = calloc(words, 8), *b = calloc(words, 8);
    if (!bytes || !a || !b) return 1;
    if (fread(bytes, 1, cells * CHANNELS, stdin) != cells * CHANNELS) {{
        fprintf(stderr, "short input\n"); return 2;
    }}
    for (size_t i = 0; i < cells; i++)
        for (int c = 0; c < CHANNELS; c++)
            if (bytes[i * CHANNELS + c] & 1)
                a[((size_t)c * h + i / wd) * nw + (i % wd) / 64] |= (uint64_t)1 << (i % 64);
    for (int t = 0; t < steps; t++) {{ logic_step(a, b, h, nw); uint64_t *s = a; a = b; b = s; }}
    for (size_t i = 0; i < cells; i++)
        for (int c = 0; c < CHANNELS; c++)
            bytes[i * CHANNELS + c] =
                (a[((size_t)c * h + i / wd) * nw + (i % wd) / 64] >> (i % 64)) & 1;
    fwrite(bytes, 1, cells * CHANNELS, stdout);
    free(bytes); free(a); free(b);
    return 0;
}}
"""


def c_source(circuit: Circuit) -> str:
    """The C source of `circuit` (pruned netlist as straight-line code plus a driver)."""
    net = netlist(circuit, prune=True)
    n_in = net.n_inputs

    def reg(r: int) -> str:
        return f"in[{r}]" if r < n_in else f"r{r - n_in}"

    lines = []
    for i, (op, a, b) in enumerate(zip(net.ops, net.a, net.b, strict=True)):
        expr = gates.C_EXPR[int(op)].replace("A", "\0").replace("B", reg(int(b)))
        expr = expr.replace("\0", reg(int(a)))
        lines.append(f"            uint64_t r{i} = {expr};")
    store = [
        f"            dst[((size_t){c} * h + y) * nw + w] = {reg(int(o))};"
        for c, o in enumerate(net.outputs)
    ]
    return _TEMPLATE.format(
        n_ops=len(net.ops), channels=circuit.channels, boundary=circuit.boundary,
        periodic=int(circuit.boundary == "periodic"), body="\n".join(lines) or "",
        store="\n".join(store),
    )


def write_c(circuit: Circuit, path: str | Path) -> Path:
    """Write `c_source(circuit)` to `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(c_source(circuit), encoding="utf-8")
    return path


@dataclass(frozen=True)
class ExportResult:
    """The exported program.

    Attributes:
        run_dir: always None (an export writes one file, not a run folder).
        path: the ``.c`` file written (None when only the source was asked for).
        ops: bitwise operations per 64 cells and step (the pruned netlist's length).
        source: the C program.
    """

    run_dir: Path | None
    path: Path | None
    ops: int
    source: str


def export_c(cfg: ExportConfig | None = None, *, out: str | Path | None = None,
             quiet: bool = True) -> ExportResult:
    """The circuit `cfg.circuit` as a standalone C program, written to `cfg.output`.

    Args:
        cfg: the circuit and the output file (None: nothing is written).
        out: a folder to write ``circuit.c`` into when `cfg.output` is None.
        quiet: accepted for the shape every verb has (nothing is shown).

    Returns:
        `ExportResult` with the source and where it went. Build and run it with
        ``cc -O3 -o ca FILE.c && ./ca WIDTH HEIGHT STEPS < in.bin > out.bin``.

    Example:
        >>> from selforg.logic import ExportConfig, export_c
        >>> result = export_c(ExportConfig("zoo:life"))
        >>> "void logic_step" in result.source, result.path
        (True, None)
    """
    from selforg.logic.zoo import load_circuit

    cfg = cfg or ExportConfig()
    circuit = load_circuit(cfg.circuit)
    source = c_source(circuit)
    target = cfg.output if cfg.output is not None else (
        None if out is None else Path(out) / "circuit.c")
    path = None
    if target is not None:
        path = Path(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    return ExportResult(None, path, len(netlist(circuit, prune=True).ops), source)
