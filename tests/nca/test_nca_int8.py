"""int8 μNCA: error bound, byte counts, file round trip."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from selforg.core.errors import BadInput
from selforg.nca import int8 as qz
from selforg.nca.model import MICRO_FILTERS, MicroNCA


@settings(max_examples=12, deadline=None)
@given(st.sampled_from(sorted(MICRO_FILTERS)), st.integers(0, 10**6), st.floats(1e-3, 10.0))
def test_dequantised_within_half_a_step(variant, seed, scale):
    m = MicroNCA(variant, key=jax.random.PRNGKey(seed))
    k = jax.random.PRNGKey(seed + 1)
    m = eqx.tree_at(lambda t: t.w, m, jax.random.normal(k, m.w.shape) * scale)
    q = qz.quantize(m)
    d = qz.dequantize(q)
    assert q.nbytes == m.w.size + m.b.size == int(variant.split("-")[1])
    assert np.abs(np.asarray(d.w) - np.asarray(m.w)).max() <= q.w_scale / 2 * (1 + 1e-5)
    assert np.abs(np.asarray(d.b) - np.asarray(m.b)).max() <= q.b_scale / 2 * (1 + 1e-5)
    assert np.abs(q.w_q).max() == 127  # the largest weight uses the full range


def test_file_round_trip_and_bad_files(tmp_path):
    m = MicroNCA("micro-68", key=jax.random.PRNGKey(0))
    q = qz.quantize(m)
    path, side = qz.write(q, tmp_path / "m.bin")
    assert path.stat().st_size == 68
    r = qz.read(path)
    assert r.variant == "micro-68" and np.array_equal(r.w_q, q.w_q) and np.array_equal(r.b_q, q.b_q)
    d1, d2 = qz.dequantize(q), qz.dequantize(r)
    x = jnp.ones((1, 4, 4, 4)) * 0.1
    np.testing.assert_array_equal(np.asarray(d1.step(x)), np.asarray(d2.step(x)))
    path.write_bytes(b"\x00" * 67)
    with pytest.raises(BadInput):
        qz.read(path)
    with pytest.raises(BadInput):
        qz.read(tmp_path / "missing.bin")
