"""Helpers shared by the frame builders: page iteration, value normalisation, frame assembly."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import pandas as pd

from evidence_lib.frames.schema import SCHEMAS
from evidence_lib.rawstore import RawPage, RawStore

Row = dict[str, Any]

#: Columns that identify one resource in a frame (used to drop repeated pages of the same one).
IDENTITY = ["account_id", "region", "resource_type", "resource_id"]


def evidence_pages(
    store: RawStore, service: str, operation: str, *, not_configured: bool = False
) -> Iterator[RawPage]:
    """Yield the pages of one operation that are evidence (``ok``, optionally ``not_configured``).

    Pages with outcome ``error`` are gaps and never contribute rows.
    """
    accepted = ("ok", "not_configured") if not_configured else ("ok",)
    for page in store.iter_pages(service, operation):
        if page.outcome in accepted:
            yield page


def page_items(
    store: RawStore, service: str, operation: str, key: str
) -> Iterator[tuple[RawPage, dict[str, Any]]]:
    """Yield ``(page, item)`` for every item of the list ``key`` in successful pages."""
    for page in evidence_pages(store, service, operation):
        for item in (page.response or {}).get(key) or []:
            yield page, item


def dig(data: Any, *keys: str | int) -> Any:
    """Return the nested value at ``keys`` or None when any step is absent."""
    value: Any = data
    for key in keys:
        if isinstance(value, Mapping) and isinstance(key, str):
            value = value.get(key)
        elif isinstance(value, list) and isinstance(key, int) and -len(value) <= key < len(value):
            value = value[key]
        else:
            return None
    return value


def flag(value: Any) -> bool | None:
    """Return a nullable boolean: None (not reported) stays None, "true"/"false" text is read."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def status_flag(value: str | None) -> bool | None:
    """Read an AWS status word: True only for "enabled", None when the field is absent."""
    if value is None:
        return None
    return value.lower() == "enabled"


def json_ids(values: Iterable[Any]) -> str:
    """Return the JSON text of the sorted unique non-empty values (lists of IDs, AZs)."""
    return json.dumps(sorted({str(v) for v in values if v not in (None, "")}))


def json_text(value: Any) -> str | None:
    """Return deterministic JSON text of ``value`` (None stays None)."""
    if value is None:
        return None
    return json.dumps(value, sort_keys=True, default=str)


def join_paths(paths: Iterable[str]) -> str:
    """Join raw page paths with ``;`` (sorted, unique)."""
    return ";".join(sorted(set(paths)))


def epoch_ms_to_iso(value: Any) -> str | None:
    """Convert epoch milliseconds (CloudWatch Logs timestamps) to ISO-8601 UTC text."""
    if value is None:
        return None
    moment = dt.datetime.fromtimestamp(int(value) / 1000, tz=dt.UTC)
    return moment.isoformat().replace("+00:00", "Z")


def leading(
    page: RawPage, resource_type: str, resource_id: str | None, arn: str | None = None
) -> Row:
    """Return the leading columns of a row derived from ``page``."""
    return {
        "account_id": page.account_id,
        "region": page.region,
        "resource_type": resource_type,
        "resource_id": resource_id,
        "resource_arn": arn,
        "raw_path": page.path,
    }


def to_frame(name: str, rows: list[Row], *, unique: bool = True) -> pd.DataFrame:
    """Assemble ``rows`` into frame ``name`` with its declared columns and dtypes.

    With ``unique`` a resource seen on several pages keeps its first row (pages are read in
    a stable order, so the result is deterministic).
    """
    schema = SCHEMAS[name]
    if not rows:
        return schema.empty()
    columns = list(schema.all_columns)
    records = [[row.get(column) for column in columns] for row in rows]
    frame = pd.DataFrame.from_records(records, columns=columns)
    if unique:
        frame = frame.drop_duplicates(subset=IDENTITY, keep="first")
    frame = schema.coerce(frame)
    schema.validate(frame)
    return frame
