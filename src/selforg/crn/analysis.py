"""Measuring oscillations: period and amplitude of a sampled signal (NumPy only)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Oscillation:
    """What a window of a signal does.

    Attributes:
        period: mean time between upward crossings of the window's mean (nan: fewer than two).
        period_spread: (max − min) / mean of the individual periods (0 for a clean cycle).
        amplitude: half the peak-to-peak range over the window.
        mean: the window's mean.
        cycles: number of complete cycles seen.
    """

    period: float
    period_spread: float
    amplitude: float
    mean: float
    cycles: int


def crossings(ts: np.ndarray, y: np.ndarray, level: float) -> np.ndarray:
    """Times where y crosses `level` upwards, linearly interpolated between samples."""
    ts, y = np.asarray(ts, np.float64), np.asarray(y, np.float64) - level
    up = np.flatnonzero((y[:-1] < 0) & (y[1:] >= 0))
    frac = -y[up] / (y[up + 1] - y[up])
    return ts[up] + frac * (ts[up + 1] - ts[up])


def oscillation(ts: np.ndarray, y: np.ndarray, *, rel_amplitude: float = 1e-3) -> Oscillation:
    """Period and amplitude of `y` (T,) sampled at `ts` (T,).

    A signal whose half range is below `rel_amplitude` × (|mean| + 1e-12) counts as still
    (period nan, zero cycles): a decayed transient is not an oscillation.
    """
    y = np.asarray(y, np.float64)
    mean = float(y.mean())
    amp = float((y.max() - y.min()) / 2)
    if not np.isfinite(amp) or amp <= rel_amplitude * (abs(mean) + 1e-12):
        return Oscillation(float("nan"), float("nan"), amp, mean, 0)
    # Crossings of the midpoint of the range, which a skewed waveform crosses once per cycle.
    up = crossings(ts, y, (y.max() + y.min()) / 2)
    if len(up) < 2:
        return Oscillation(float("nan"), float("nan"), amp, mean, 0)
    periods = np.diff(up)
    period = float(periods.mean())
    return Oscillation(period, float((periods.max() - periods.min()) / period), amp, mean,
                       len(periods))
