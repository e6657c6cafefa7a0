"""Benchmarks that run proscribe and a baseline side by side and print ratios."""
