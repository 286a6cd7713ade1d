"""Fixtures of the embedded AWS endpoint (filled in by the demo module)."""
