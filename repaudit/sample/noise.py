"""Deterministic noise for the synthetic sample, built only on `Generator.random()`.

numpy does not promise that `normal` or `binomial` keep their streams across releases, but
`random()` maps the PCG64 bits to doubles in a fixed way; deriving everything from it keeps the
committed sample byte-identical whatever numpy version regenerates it.
"""
from __future__ import annotations

import numpy as np

SEED = 20240901


class Noise:
    """A seeded source of uniform, normal and rounding noise, drawn in a fixed order."""

    def __init__(self, seed: int = SEED):
        self._rng = np.random.Generator(np.random.PCG64(seed))

    def uniform(self, size, low: float = 0.0, high: float = 1.0) -> np.ndarray:
        return low + (high - low) * self._rng.random(size)

    def normal(self, size, sd: float = 1.0) -> np.ndarray:
        """Box-Muller normals from pairs of uniforms."""
        n = int(np.prod(size))
        u1 = 1.0 - self._rng.random(n)          # (0, 1], so log is finite
        u2 = self._rng.random(n)
        return (sd * np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)).reshape(size)

    def round_stochastic(self, values: np.ndarray) -> np.ndarray:
        """Integers whose expectation equals VALUES (floor plus a coin with the fractional part)."""
        values = np.asarray(values, dtype=float)
        floor = np.floor(values)
        return (floor + (self._rng.random(values.shape) < values - floor)).astype(np.int64)


def round_to_total(values: np.ndarray, total: int) -> np.ndarray:
    """Non-negative integers proportional to VALUES that sum exactly to TOTAL (largest remainder)."""
    values = np.asarray(values, dtype=float)
    if total <= 0 or values.sum() <= 0:
        return np.zeros(len(values), dtype=np.int64)
    exact = values / values.sum() * total
    out = np.floor(exact).astype(np.int64)
    short = int(total - out.sum())
    order = np.argsort(-(exact - out), kind="stable")
    out[order[:short]] += 1
    return out
