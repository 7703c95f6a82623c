"""Summaries of latency samples shared by the benchmarks."""

from __future__ import annotations


def percentile(samples: list[float], pct: float) -> float:
    """The nearest-rank ``pct``-th percentile (0-100) of ``samples``, never past the largest."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(pct / 100 * len(ordered)))]
