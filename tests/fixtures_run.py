"""Fixtures of collected demo runs (filled in by the collection module)."""
