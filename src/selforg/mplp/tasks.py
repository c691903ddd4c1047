"""Tasks an inner loop learns: sinusoid regression and digit classification.

- Sinusoid: amplitude U(0.1, 0.5), phase U(0, π), x U(−5, 5), y = A sin(x + φ). The inner loop
  sees K batches of B points; the held-out batch is 10 × K fresh points; evaluation scores the
  100 points of an even grid over [−5, 5].
- Digits: scikit-learn's bundled 8×8 digits (1,797 images, no download), upsampled bilinearly
  to 12×12, standardised with the training images' mean and std, one-hot labels. The first
  1,297 images are the training images every inner loop draws its batches (and the meta-training
  held-out batch) from; the last 500 are the test images evaluation scores.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

N_TRAIN_DIGITS = 1297
SIN_GRID = 100


class Task(NamedTuple):
    """One task's data: inner batches ``xs [K, B, n_in]``, ``ys [K, B, n_out]``, the
    held-out batch ``xe, ye [N, ·]`` (meta-training) and the evaluation set ``xv, yv``."""

    xs: jax.Array
    ys: jax.Array
    xe: jax.Array
    ye: jax.Array
    xv: jax.Array
    yv: jax.Array


def sinusoid(key: jax.Array, steps: int, batch: int) -> Task:
    """A sinusoid task with `steps` batches of `batch` points (see the module)."""
    ka, kp, kx, ke = jax.random.split(key, 4)
    amp = jax.random.uniform(ka, (), minval=0.1, maxval=0.5)
    phase = jax.random.uniform(kp, (), minval=0.0, maxval=jnp.pi)
    xs = jax.random.uniform(kx, (steps, batch, 1), minval=-5.0, maxval=5.0)
    xe = jax.random.uniform(ke, (10 * steps, 1), minval=-5.0, maxval=5.0)
    xv = jnp.linspace(-5.0, 5.0, SIN_GRID)[:, None]

    def f(x: jax.Array) -> jax.Array:
        return amp * jnp.sin(x + phase)

    return Task(xs, f(xs), xe, f(xe), xv, f(xv))


@lru_cache(maxsize=1)
def digits_data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(train x [1297, 144], train y one-hot [1297, 10], test x [500, 144], test y [500, 10])."""
    from sklearn.datasets import load_digits

    d = load_digits()
    # computed on the spot even when first asked for inside a traced function
    with jax.ensure_compile_time_eval():
        img = jnp.asarray(d.images, jnp.float32)[..., None] / 16.0
        big = np.asarray(jax.image.resize(img, (img.shape[0], 12, 12, 1), "bilinear"))
    x = big.reshape(len(big), 144)
    mean, std = x[:N_TRAIN_DIGITS].mean(), x[:N_TRAIN_DIGITS].std()
    x = ((x - mean) / std).astype(np.float32)
    y = np.eye(10, dtype=np.float32)[d.target]
    n = N_TRAIN_DIGITS
    return x[:n], y[:n], x[n:], y[n:]


def digits(key: jax.Array, steps: int, batch: int) -> Task:
    """A digits task: `steps` batches of `batch` training images, a held-out batch of `batch`
    other training images, and the 500 test images for evaluation."""
    xtr, ytr, xte, yte = (jnp.asarray(a) for a in digits_data())
    k1, k2 = jax.random.split(key)
    idx = jax.random.randint(k1, (steps, batch), 0, xtr.shape[0])
    held = jax.random.randint(k2, (batch,), 0, xtr.shape[0])
    return Task(xtr[idx], ytr[idx], xtr[held], ytr[held], xte, yte)


def make_task(kind: str, key: jax.Array, steps: int, batch: int) -> Task:
    """`sinusoid` for sinusoid and fewshot, `digits` for digits."""
    return digits(key, steps, batch) if kind == "digits" else sinusoid(key, steps, batch)
