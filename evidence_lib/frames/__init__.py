"""Frames: pandas DataFrames with declared schemas, derived only from raw evidence."""
