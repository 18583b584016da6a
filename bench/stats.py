"""Small helpers shared by the benchmarks."""

from __future__ import annotations

import statistics


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "median": statistics.median(values),
        "p95": percentile(values, 0.95),
        "min": min(values),
        "max": max(values),
    }


def row(label: str, values: list[float], unit: str = "ms") -> str:
    s = summary(values)
    return (
        f"{label:<46} n={s['n']:<4} median {s['median']:8.1f} {unit}   p95 {s['p95']:8.1f} {unit}   "
        f"min {s['min']:7.1f}   max {s['max']:7.1f}"
    )
