"""Benchmarks: synthetic accounts and the figures they produce. Run with `python -m bench`."""
