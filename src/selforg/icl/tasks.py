"""In-context learning tasks: pure functions of a PRNG key.

Regression in context (von Oswald et al., "Transformers learn in-context by gradient descent",
ICML 2023, arXiv 2212.07677): a teacher ``w ~ N(0, I)``, inputs ``x ~ U(-a, a)^d``, targets
``y = w·x``; tokens ``e_i = (x_i, y_i)`` and the query ``(x_q, 0)``.

Autoregressive linear dynamics (von Oswald et al., "Uncovering mesa-optimization algorithms in
Transformers", 2023, arXiv 2309.05858): ``s_{t+1} = W* s_t + eps`` with a random orthogonal W*.

The samplers are jitted (shapes and switches static): called eagerly, e.g. for evaluation sets,
they compile once instead of dispatching op by op.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, PRNGKeyArray

from selforg.icl.precision import full_precision


def _sequential_threefry(fn):
    # JAX's default "partitionable" threefry (bits laid out so a sharded array draws its own
    # part) takes about 5x the run time and 4x the compile time on a CPU here; the sequential
    # layout draws from the same generator, so the tasks have the same distribution.
    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        with jax.threefry_partitionable(False):
            return fn(*args, **kwargs)

    return wrapped


@functools.partial(jax.jit, static_argnames=("batch", "n_ctx", "dim", "heavy_tail"))
@full_precision
@_sequential_threefry
def regression_data(
    key: PRNGKeyArray,
    batch: int,
    *,
    n_ctx: int = 10,
    dim: int = 10,
    half_width: float = 0.5,
    w_scale: float = 1.0,
    noise: float = 0.0,
    heavy_tail: bool = False,
) -> tuple[Float[Array, "b n1 d"], Float[Array, "b n1"]]:
    """Batches of linear-regression tasks; the last of the ``n_ctx + 1`` points is the query.

    Args:
        key: PRNG key.
        batch: number of tasks.
        n_ctx: context points per task.
        dim: input dimension.
        half_width: inputs ~ U(-half_width, half_width) (0.5 in the paper's code).
        w_scale: teacher ~ N(0, w_scale² I) (out-of-distribution: scaled teachers).
        noise: std of Gaussian noise on the context targets.
        heavy_tail: inputs from a Student-t (3 d.o.f.) scaled to the same half-width.

    Returns:
        x: (batch, n_ctx + 1, dim) inputs, y: (batch, n_ctx + 1) clean targets (query last).
        Drawn with the sequential (not the partitionable) threefry bit layout, the one kept
        for speed on a CPU: these tasks are the sampler's hot loop.
    """
    kw, kx, kn = jax.random.split(key, 3)
    w = w_scale * jax.random.normal(kw, (batch, dim))
    if heavy_tail:
        # Student-t with 3 d.o.f. as z0 / sqrt((z1² + z2² + z3²) / 3): exact, and a fraction
        # of the compile and run time of `jax.random.t` (a rejection sampler) on a CPU
        z = jax.random.normal(kx, (4, batch, n_ctx + 1, dim))
        x = half_width / 2.0 * z[0] / jnp.sqrt(jnp.sum(z[1:] ** 2, axis=0) / 3.0)
    else:
        x = jax.random.uniform(kx, (batch, n_ctx + 1, dim), minval=-half_width, maxval=half_width)
    y = jnp.einsum("bnd,bd->bn", x, w)
    eps = noise * jax.random.normal(kn, y.shape)
    y = y + eps.at[:, -1].set(0.0)  # the query's label is the clean teacher output
    return x, y


def regression_tokens(x: Float[Array, "*b n1 d"], y: Float[Array, "*b n1"]
                      ) -> Float[Array, "*b n1 d1"]:
    """Tokens ``(x_i, y_i)``, the query's y-slot set to 0: shape ``(..., n_ctx + 1, dim + 1)``."""
    y_in = y.at[..., -1].set(0.0)
    return jnp.concatenate([x, y_in[..., None]], axis=-1)


@functools.partial(jax.jit, static_argnames=("batch", "n_ctx"))
def sine_data(
    key: PRNGKeyArray, batch: int, *, n_ctx: int = 10
) -> tuple[Float[Array, "b n1"], Float[Array, "b n1"]]:
    """Sine regression: ``y = a sin(x + rho)``, a ~ U(0.1, 0.5), rho ~ U(0, pi), x ~ U(-5, 5).

    Returns:
        x, y: (batch, n_ctx + 1), the last point the query.
    """
    ka, kp, kx = jax.random.split(key, 3)
    a = jax.random.uniform(ka, (batch, 1), minval=0.1, maxval=0.5)
    rho = jax.random.uniform(kp, (batch, 1), minval=0.0, maxval=jnp.pi)
    x = jax.random.uniform(kx, (batch, n_ctx + 1), minval=-5.0, maxval=5.0)
    return x, a * jnp.sin(x + rho)


def random_orthogonal(key: PRNGKeyArray, batch: int, dim: int) -> Float[Array, "b d d"]:
    """Haar-random orthogonal matrices (QR of a Gaussian with the sign fix)."""
    g = jax.random.normal(key, (batch, dim, dim))
    q, r = jnp.linalg.qr(g)
    return q * jnp.sign(jnp.diagonal(r, axis1=-2, axis2=-1))[:, None, :]


@functools.partial(jax.jit, static_argnames=("batch", "length", "dim", "kind", "hidden"))
@full_precision
def dynamics_data(
    key: PRNGKeyArray,
    batch: int,
    *,
    length: int = 50,
    dim: int = 10,
    noise: float = 0.01,
    kind: str = "full",
    hidden: int = 15,
) -> Float[Array, "b t1 d"]:
    """Sequences ``s_1 .. s_{T+1}`` of a random linear (or non-linear) dynamical system.

    Args:
        key: PRNG key.
        batch: sequences.
        length: T, the number of predictions (the sequence holds T + 1 states).
        dim: observed dimension (10; 5 for ``kind="partial"``).
        noise: std of the process noise.
        kind: ``"full"`` (s_{t+1} = W* s_t + eps), ``"partial"`` (hidden h of size `hidden`,
            observed s = C* h + noise), ``"nonlinear"`` (h_{t+1} = W* MLP*(h_t) + eps).
        hidden: hidden dimension for ``"partial"``.

    Returns:
        s: (batch, length + 1, dim), clipped to [-10, 10].
    """
    kw, k0, ke, kc, km = jax.random.split(key, 5)
    hdim = hidden if kind == "partial" else dim
    w = random_orthogonal(kw, batch, hdim)
    h0 = jax.random.uniform(k0, (batch, hdim), minval=-1.0, maxval=1.0)
    eps = noise * jax.random.normal(ke, (length, batch, hdim))
    if kind == "nonlinear":
        k1, k2 = jax.random.split(km)
        m1 = jax.random.normal(k1, (batch, 4 * hdim, hdim)) / jnp.sqrt(hdim)
        m2 = jax.random.normal(k2, (batch, hdim, 4 * hdim)) / jnp.sqrt(4 * hdim)

        def f(h):
            return jnp.einsum("bij,bj->bi", m2, jax.nn.gelu(jnp.einsum("bij,bj->bi", m1, h)))
    else:

        def f(h):
            return h

    def step(h, e):
        h = jnp.clip(jnp.einsum("bij,bj->bi", w, f(h)) + e, -10.0, 10.0)
        return h, h

    _, hs = jax.lax.scan(step, h0, eps)
    hs = jnp.concatenate([h0[None], hs], axis=0).transpose(1, 0, 2)
    if kind == "partial":
        c = jax.random.normal(kc, (batch, dim, hdim)) / jnp.sqrt(hdim)
        obs = noise * jax.random.normal(jax.random.fold_in(kc, 1), (batch, length + 1, dim))
        return jnp.clip(jnp.einsum("bij,btj->bti", c, hs) + obs, -10.0, 10.0)
    return hs


def constructed_tokens(s: Float[Array, "*b t1 d"]) -> Float[Array, "*b t d3"]:
    """Tokens ``[0, s_t, s_{t-1}]`` for t = 1..T (with s_0 = 0). Shape ``(..., T, 3 d)``."""
    cur = s[..., :-1, :]
    prev = jnp.concatenate([jnp.zeros_like(cur[..., :1, :]), cur[..., :-1, :]], axis=-2)
    return jnp.concatenate([jnp.zeros_like(cur), cur, prev], axis=-1)


@full_precision
def fewshot_prompts(
    key: PRNGKeyArray, batch: int, *, pairs: int = 12, dim: int = 10, eop: bool = False
) -> tuple[Float[Array, "b t d"], Float[Array, "b p d"]]:
    """Few-shot regression prompts ``[x_1, y_1, x_2, y_2, ...]`` with ``y = W x``, W orthogonal.

    Args:
        eop: insert an end-of-pair token (all zeros) after each y.

    Returns:
        seq: (batch, pairs * (2 or 3), dim) the prompt, y: (batch, pairs, dim) the labels.
    """
    kw, kx = jax.random.split(key)
    w = random_orthogonal(kw, batch, dim)
    x = jax.random.uniform(kx, (batch, pairs, dim), minval=-1.0, maxval=1.0)
    y = jnp.einsum("bij,bpj->bpi", w, x)
    parts = [x, y] + ([jnp.zeros_like(x)] if eop else [])
    seq = jnp.stack(parts, axis=2).reshape(batch, pairs * len(parts), dim)
    return seq, y
