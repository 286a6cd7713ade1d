"""Helpers of the frame tests: row lookup and nullable boolean reading."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

WritePage = Callable[..., str]


def row_of(frame: pd.DataFrame, resource_id: str) -> pd.Series:
    """Return the single row of ``frame`` with ``resource_id``."""
    rows = frame[frame["resource_id"] == resource_id]
    assert len(rows) == 1, f"{resource_id}: {len(rows)} rows"
    return rows.iloc[0]


def tri(value: object) -> bool | None:
    """Read a nullable boolean cell as True, False or None (<NA>)."""
    if value is pd.NA:
        return None
    return bool(value)
