"""Benchmarks and synthetic data for ``cml_exchange``; not part of the installed package."""
