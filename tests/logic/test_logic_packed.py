"""The packed engine and the C export equal the JAX hard rollout bit for bit."""

import dataclasses
import shutil
import subprocess

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from selforg.core.errors import BadInput
from selforg.logic import gates
from selforg.logic.circuit import Circuit, Layer, netlist
from selforg.logic.config import LogicConfig
from selforg.logic.export_c import write_c
from selforg.logic.life import life_step, life_steps, packed_life_step, roll_life_step
from selforg.logic.model import (
    build_wiring,
    circuit_params,
    coefficients,
    rollout,
    wiring_arrays,
)
from selforg.logic.packed import (
    BLOCK_STEPS,
    PackedEngine,
    auto_kernel,
    blocking,
    pack,
    set_threads,
    unpack,
)
from selforg.logic.reference import life_circuit

STEPS = 3
CFG = LogicConfig(
    experiment="checkerboard", height=4, width=64, channels=2, steps=STEPS, batch=1,
    kernels=2, perception_widths=(9, 4, 2), update_widths=(8, 4, 2), boundary="periodic",
)


def random_circuit(seed: int, boundary: str) -> Circuit:
    rng = np.random.default_rng(seed)
    w = build_wiring(CFG, seed=seed)

    def ops(l: Layer) -> Layer:
        return Layer(l.a, l.b, rng.integers(0, 16, l.ops.shape).astype(np.int32))

    return Circuit(w.channels, w.kernels, boundary, tuple(map(ops, w.perception)),
                   tuple(map(ops, w.update)))


_JITTED = {}


def jax_hard(circuit: Circuit, grid: np.ndarray, steps: int) -> np.ndarray:
    """JAX hard rollout; one compilation per (boundary, shapes), wiring passed as arguments."""
    key = (circuit.boundary, grid.shape, steps)
    if key not in _JITTED:
        template = circuit

        @jax.jit
        def run(coeffs, idx, state):
            return rollout(template, coeffs, state, steps, idx=idx)

        _JITTED[key] = run
    coeffs = coefficients(circuit_params(circuit), gates.hard_coeffs)
    out = _JITTED[key](coeffs, wiring_arrays(circuit), jnp.asarray(grid[None], jnp.float32))
    return np.asarray(out[0]).astype(np.uint8)


def test_pack_round_trip():
    g = np.random.default_rng(0).integers(0, 2, (3, 128, 2)).astype(np.uint8)
    p = pack(g)
    assert p.shape == (2, 3, 2) and p.dtype == np.uint64
    assert int(p[0, 0, 0]) & 1 == g[0, 0, 0] and (int(p[1, 2, 1]) >> 63) & 1 == g[2, 127, 1]
    np.testing.assert_array_equal(unpack(p), g)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10**6), boundary=st.sampled_from(["periodic", "zero"]),
       density=st.floats(0.05, 0.95))
def test_packed_equals_jax_hard(seed, boundary, density):
    # one grid shape, so JAX compiles once per boundary; wiring, gates and bits vary.
    circuit = random_circuit(seed, boundary)
    grid = (np.random.default_rng(seed + 1).random((5, 128, 2)) < density).astype(np.uint8)
    want = jax_hard(circuit, grid, STEPS)
    got, _ = PackedEngine(circuit, kernel="interp").run(grid, STEPS)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("boundary", ["periodic", "zero"])
def test_generated_and_numpy_kernels_equal_the_interpreter_and_jax(boundary):
    circuit = random_circuit(7, boundary)
    grid = np.random.default_rng(8).integers(0, 2, (5, 128, 2)).astype(np.uint8)
    gen, _ = PackedEngine(circuit, kernel="codegen").run(grid, STEPS)
    interp, _ = PackedEngine(circuit, kernel="interp").run(grid, STEPS)
    plain, _ = PackedEngine(circuit, kernel="numpy").run(grid, STEPS)
    np.testing.assert_array_equal(gen, interp)
    np.testing.assert_array_equal(plain, interp)
    np.testing.assert_array_equal(gen, jax_hard(circuit, grid, STEPS))


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10**6), boundary=st.sampled_from(["periodic", "zero"]),
       rate=st.sampled_from([None, 0.6]))
def test_numpy_kernel_equals_the_interpreter(seed, boundary, rate):
    circuit = random_circuit(seed, boundary)
    grid = np.random.default_rng(seed + 2).integers(0, 2, (3, 192, 2)).astype(np.uint8)
    got, _ = PackedEngine(circuit, kernel="numpy").run(grid, STEPS, fire_rate=rate,
                                                       rng=np.random.default_rng(seed))
    want, _ = PackedEngine(circuit, kernel="interp").run(grid, STEPS, fire_rate=rate,
                                                         rng=np.random.default_rng(seed))
    np.testing.assert_array_equal(got, want)


def test_auto_kernel_runs_numpy_only_where_it_ends_before_numba_starts():
    net_engine = PackedEngine(life_circuit(), kernel="numpy")
    assert PackedEngine(life_circuit(), kernel="auto", shape=(64, 64, 1), steps=10).kernel == \
        "numpy"
    assert PackedEngine(life_circuit(), kernel="auto", shape=(1024, 1024, 1),
                        steps=1000).kernel == "codegen"
    with pytest.raises(BadInput, match="auto"):
        PackedEngine(life_circuit(), kernel="auto")
    net = netlist(random_circuit(3, "periodic"))  # 2 channels; then passed off as 17
    assert auto_kernel(net, (1024, 1024, 2), 1000) == "codegen"
    assert auto_kernel(dataclasses.replace(net, channels=17), (1024, 1024, 17), 1000) == "interp"
    assert net_engine.kernel == "numpy"


def test_packed_life_equals_numpy_life():
    grid = np.random.default_rng(5).integers(0, 2, (70, 192, 1)).astype(np.uint8)
    got, frames = PackedEngine(life_circuit(), kernel="interp").run(grid, 20, save_every=10)
    np.testing.assert_array_equal(got[..., 0], life_steps(grid[..., 0], 20))
    assert len(frames) == 3


def test_async_mask_keeps_unfired_cells():
    circuit = life_circuit()
    grid = np.random.default_rng(2).integers(0, 2, (8, 64, 1)).astype(np.uint8)
    eng = PackedEngine(circuit)
    src = pack(grid)
    dst = np.empty_like(src)
    fire = np.random.default_rng(3).random((8, 64, 1)) < 0.6
    eng.step_packed(src, dst, pack(fire.astype(np.uint8))[0])
    sync, _ = eng.run(grid, 1)
    np.testing.assert_array_equal(unpack(dst), np.where(fire, sync, grid))


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler")
@pytest.mark.parametrize("which", ["life", "random-zero"])
def test_c_export_equals_engine_and_jax(tmp_path, which):
    if which == "life":
        circuit, channels = life_circuit(), 1
    else:
        circuit, channels = random_circuit(11, which.split("-")[1]), 2
    src = write_c(circuit, tmp_path / "ca.c")
    exe = tmp_path / "ca"
    subprocess.run(["cc", "-O1", "-o", str(exe), str(src)], check=True)
    grid = np.random.default_rng(4).integers(0, 2, (5, 128, channels)).astype(np.uint8)
    if channels == 1:  # the JAX reference for Life: compare with NumPy Life instead
        want = life_steps(grid[..., 0], STEPS)[..., None]
    else:
        want = jax_hard(circuit, grid, STEPS)
    # WIDTH HEIGHT STEPS, as every exported program takes its sizes
    res = subprocess.run([str(exe), "128", "5", str(STEPS)], input=grid.tobytes(),
                         capture_output=True, check=True)
    got = np.frombuffer(res.stdout, np.uint8).reshape(grid.shape)
    engine, _ = PackedEngine(circuit, kernel="interp").run(grid, STEPS)
    np.testing.assert_array_equal(got, engine)
    np.testing.assert_array_equal(got, want)


def _threads(n: int) -> int:
    import numba

    old = numba.get_num_threads()
    set_threads(n)
    return old


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("boundary", ["periodic", "zero"])
def test_blocked_codegen_equals_the_interpreter_over_many_passes(boundary, threads):
    # 41 steps cross several multi-step passes (and a short last one); 37 rows split into bands
    circuit = random_circuit(21, boundary)
    grid = np.random.default_rng(22).integers(0, 2, (37, 192, 2)).astype(np.uint8)
    old = _threads(threads)
    try:
        engine = PackedEngine(circuit, kernel="codegen")
        got = unpack(engine.advance(pack(grid), 41))
        stepped, _ = engine.run(grid, 41, save_every=7)
    finally:
        set_threads(old)
    want, _ = PackedEngine(circuit, kernel="interp").run(grid, 41)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(stepped, want)


@pytest.mark.parametrize("boundary", ["periodic", "zero"])
@pytest.mark.parametrize("shape", [(1, 1), (3, 63), (50, 65), (17, 100), (130, 130), (64, 64)])
def test_blocked_codegen_is_life_on_any_width(boundary, shape):
    circuit = dataclasses.replace(life_circuit(), boundary=boundary)
    board = np.random.default_rng(sum(shape)).integers(0, 2, shape).astype(np.uint8)
    engine = PackedEngine(circuit, kernel="codegen")
    got, frames = engine.run(board[..., None], 45, save_every=20)
    np.testing.assert_array_equal(got[..., 0], life_steps(board, 45, boundary))
    np.testing.assert_array_equal(frames[1][..., 0], life_steps(board, 20, boundary))
    assert got.shape == (*shape, 1)


def test_blocked_codegen_equals_jax_on_a_partial_word():
    circuit = random_circuit(31, "zero")
    grid = np.random.default_rng(32).integers(0, 2, (5, 100, 2)).astype(np.uint8)
    got, _ = PackedEngine(circuit, kernel="codegen").run(grid, STEPS)
    np.testing.assert_array_equal(got, jax_hard(circuit, grid, STEPS))


def test_async_on_a_partial_word_keeps_unfired_cells():
    circuit = dataclasses.replace(life_circuit(), boundary="zero")
    board = np.random.default_rng(6).integers(0, 2, (9, 100)).astype(np.uint8)
    fire = np.random.default_rng(7).random((9, 100)) < 0.6
    eng = PackedEngine(circuit)
    src = pack(board[..., None])
    dst = np.empty_like(src)
    eng.step_packed(src, dst, pack(fire[..., None].astype(np.uint8))[0], width=100)
    want = np.where(fire, life_step(board, "zero"), board)
    np.testing.assert_array_equal(unpack(dst, 100)[..., 0], want)


def test_partial_words_need_the_generated_kernel():
    with pytest.raises(BadInput, match="multiple of 64"):
        PackedEngine(life_circuit(), kernel="interp").run(np.zeros((4, 100, 1), np.uint8), 1)
    assert PackedEngine(life_circuit(), kernel="auto", shape=(4, 100, 1), steps=1).kernel == \
        "codegen"


@pytest.mark.parametrize("threads", [1, 2, 16])
@pytest.mark.parametrize("h", [1, 5, 64, 1000, 4096])
def test_blocking_splits_any_height(h, threads):
    bands, k = blocking(h, threads)
    assert 1 <= bands <= h and 1 <= k <= BLOCK_STEPS
    assert bands <= threads
    if h >= 1000:  # halo rows computed twice: at most a quarter of a band's rows
        assert 2 * k <= (h // bands) // 4


@pytest.mark.parametrize("shape", [(1, 64), (3, 128), (40, 192)])
def test_numpy_baseline_lives_equal_life(shape):
    board = np.random.default_rng(shape[0]).integers(0, 2, shape).astype(np.uint8)
    want, roll, words = board, board, pack(board[..., None])[0]
    for _ in range(12):
        want, roll, words = life_step(want), roll_life_step(roll), packed_life_step(words)
        np.testing.assert_array_equal(roll, want)
        np.testing.assert_array_equal(unpack(words[None])[..., 0], want)


def _outputs_on_all_patterns(net) -> list[np.ndarray]:
    """Each output's truth table over all 2^(9C) input patterns (a plain evaluation)."""
    pats = np.arange(2 ** net.n_inputs, dtype=np.uint64)
    regs = [(pats >> np.uint64(i)) & np.uint64(1) for i in range(net.n_inputs)]
    for op, a, b in zip(net.ops.tolist(), net.a.tolist(), net.b.tolist(), strict=True):
        regs.append(gates.bitwise(op, regs[a], regs[b]) & np.uint64(1))
    return [regs[o] for o in net.outputs.tolist()]


CFG1 = dataclasses.replace(CFG, channels=1, update_widths=(8, 4, 2, 1))


def random_circuit_1ch(seed: int, boundary: str) -> Circuit:
    rng = np.random.default_rng(seed)
    w = build_wiring(CFG1, seed=seed)

    def ops(l: Layer) -> Layer:
        return Layer(l.a, l.b, rng.integers(0, 16, l.ops.shape).astype(np.int32))

    return Circuit(w.channels, w.kernels, boundary, tuple(map(ops, w.perception)),
                   tuple(map(ops, w.update)))


@pytest.mark.parametrize("which", ["zoo-life", "hand-built", "random-0", "random-1", "random-2"])
def test_reduced_netlist_computes_the_same_outputs(which):
    from selforg.logic.reduce import reduce_netlist
    from selforg.logic.zoo import zoo_circuit

    if which == "zoo-life":
        circuit = zoo_circuit("life")
    elif which == "hand-built":
        circuit = life_circuit()
    else:
        circuit = random_circuit_1ch(int(which[-1]), "periodic")
    net = netlist(circuit)
    reduced = reduce_netlist(net)
    assert len(reduced.ops) <= len(net.ops)
    for got, want in zip(_outputs_on_all_patterns(reduced), _outputs_on_all_patterns(net),
                         strict=True):
        np.testing.assert_array_equal(got, want)
    if which == "zoo-life":
        assert len(reduced.ops) < 0.7 * len(net.ops)  # 145 -> 87


@pytest.mark.parametrize("boundary", ["periodic", "zero"])
def test_generated_kernel_of_a_reduced_netlist_equals_the_interpreter(boundary):
    circuit = random_circuit_1ch(5, boundary)
    grid = np.random.default_rng(9).integers(0, 2, (21, 128, 1)).astype(np.uint8)
    got, _ = PackedEngine(circuit, kernel="codegen").run(grid, 30)
    want, _ = PackedEngine(circuit, kernel="interp").run(grid, 30)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("width", [64, 100, 1000])
def test_zoo_life_circuit_in_the_generated_kernel_is_life(width):
    from selforg.logic.zoo import zoo_circuit

    board = np.random.default_rng(width).integers(0, 2, (33, width)).astype(np.uint8)
    got, _ = PackedEngine(zoo_circuit("life"), kernel="codegen").run(board[..., None], 40)
    np.testing.assert_array_equal(got[..., 0], life_steps(board, 40))


@pytest.mark.parametrize("threads", [1, 2])
def test_full_depth_passes_are_life(threads):
    # bands tall enough for passes of BLOCK_STEPS steps (a 1,024-row board on 2 threads), over
    # two whole passes and a short third
    from selforg.logic.zoo import zoo_circuit

    h = 16 * BLOCK_STEPS
    assert blocking(h, 2)[1] == BLOCK_STEPS
    board = np.random.default_rng(5).integers(0, 2, (h, 64)).astype(np.uint8)
    steps = 2 * BLOCK_STEPS + 5
    old = _threads(threads)
    try:
        got, _ = PackedEngine(zoo_circuit("life"), kernel="codegen").run(board[..., None], steps)
    finally:
        set_threads(old)
    np.testing.assert_array_equal(got[..., 0], life_steps(board, steps))
