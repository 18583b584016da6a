"""Benchmarks: `make bench` runs them all; each prints medians and p95s. They report, they never assert."""
