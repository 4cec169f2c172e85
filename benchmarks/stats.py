"""Small statistics helpers: percentiles of one run, medians across repeats."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(samples: Sequence[float], q: float) -> float:
    """Return the ``q``-th percentile (0-100) by the nearest-rank method; NaN for no samples."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Latency:
    """Latency percentiles of one run, in milliseconds."""

    p50: float
    p95: float
    p99: float
    samples: int

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Latency:
        """Summarise durations given in seconds."""
        ms = [s * 1000 for s in seconds]
        return cls(percentile(ms, 50), percentile(ms, 95), percentile(ms, 99), len(ms))

    @classmethod
    def median_of(cls, runs: Sequence[Latency]) -> Latency:
        """Take each percentile's median across repeated runs."""
        return cls(
            statistics.median(r.p50 for r in runs),
            statistics.median(r.p95 for r in runs),
            statistics.median(r.p99 for r in runs),
            sum(r.samples for r in runs),
        )
