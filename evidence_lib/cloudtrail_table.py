"""Parsed CloudTrail events gathered in Arrow chunks and built into the frame once.

Rows are kept as tuples until ``CHUNK_ROWS`` of them are gathered, then turned into Arrow
string arrays and NumPy arrays, so that a quarter of events never sits in memory as millions
of small Python strings. ``EventTable.to_frame`` deduplicates, sorts and validates.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from evidence_lib.cloudtrail_parse import (
    BOOL_COLUMNS,
    FRAME,
    RECORD_COLUMNS,
    REQUIRED_FIELDS,
    SOURCE_LOOKUP,
    record_columns,
    text_value,
)
from evidence_lib.frames.schema import SCHEMAS

logger = logging.getLogger(__name__)

CHUNK_ROWS = 4_000
Chunks = tuple[dict[str, list[pa.Array]], list[np.ndarray], list[dict[str, str]]]
"""Arrow chunks per column, event times (ns) per chunk, malformed inputs."""
_BATCH_COLUMNS = ("source", "source_object", "raw_path")


def _string_array(values: Iterable[Any]) -> pa.Array:
    """Return an Arrow string array; empty strings become null."""
    seq = list(values)
    try:
        array = pa.array(seq, type=pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        # NOTE: a field AWS documents as text may hold a number or an object in odd records.
        array = pa.array([text_value(v) for v in seq], type=pa.string())
    empty = pc.equal(array, "")
    if pc.any(empty).as_py():
        array = pc.if_else(empty, pa.scalar(None, pa.string()), array)
    return array


def _event_times(values: list[Any]) -> np.ndarray:
    """Return UTC nanoseconds of ISO-8601 texts; unreadable times are NaT."""
    texts = [v if isinstance(v, str) else None for v in values]
    times = pd.to_datetime(texts, format="ISO8601", utc=True, errors="coerce")
    return np.asarray(times.as_unit("ns").asi8)


def _bool_array(values: list[Any]) -> pa.Array:
    return pa.array(values, type=pa.bool_())


class EventTable:
    """Parsed events gathered in Arrow chunks; ``to_frame`` builds the frame once.

    Records lacking eventID, eventTime (or with an unreadable one), eventName or eventSource
    are counted per source in ``malformed`` (a list of ``{"source", "error"}``).
    """

    def __init__(self) -> None:
        self._lists: dict[str, list[Any]] = {c: [] for c in (*RECORD_COLUMNS, *_BATCH_COLUMNS)}
        self._rows = 0
        self._arrays: dict[str, list[pa.Array]] = {}
        self._times: list[np.ndarray] = []
        self.malformed: list[dict[str, str]] = []

    def add(
        self,
        records: Iterable[Any],
        *,
        source: str,
        source_object: str,
        raw_path: str,
        account_id: str | None = None,
    ) -> int:
        """Add the records of one source; return how many were malformed."""
        columns, bad = record_columns(records, account_id)
        count = len(columns["event_id"])
        lists = self._lists
        for name, values in columns.items():
            lists[name] += values
        for name, value in zip(_BATCH_COLUMNS, (source, source_object, raw_path), strict=True):
            lists[name] += [value] * count
        if bad:
            self.report(source_object, f"{bad} record(s) lacking {', '.join(REQUIRED_FIELDS)}")
        self._rows += count
        if self._rows >= CHUNK_ROWS:
            self._flush()
        return bad

    def report(self, source: str, error: str) -> None:
        """Record a malformed source (file, object or record batch) and log a WARNING."""
        logger.warning("malformed CloudTrail input %s: %s", source, error)
        self.malformed.append({"source": source, "error": error})

    def _flush(self) -> None:
        lists = self._lists
        self._lists = {name: [] for name in lists}
        self._rows = 0
        if not lists["event_id"]:
            return
        times = _event_times(lists.pop("event_time"))
        arrays = {
            name: _bool_array(values) if name in BOOL_COLUMNS else _string_array(values)
            for name, values in lists.items()
        }
        keep = times != np.iinfo(np.int64).min
        if not keep.all():
            self._report_unreadable_times(arrays["source_object"], keep)
            mask = pa.array(keep)
            arrays = {name: array.filter(mask) for name, array in arrays.items()}
        self._times.append(times[keep])
        for name, array in arrays.items():
            self._arrays.setdefault(name, []).append(array)
        pa.default_memory_pool().release_unused()

    def _report_unreadable_times(self, sources: pa.Array, keep: np.ndarray) -> None:
        counts = pd.Series(sources.filter(pa.array(~keep)).to_pylist()).value_counts()
        for source, count in counts.sort_index().items():
            self.report(str(source), f"{count} record(s) with an unreadable eventTime")

    def export(self) -> Chunks:
        """Return the gathered Arrow chunks, event times and malformed inputs (for ``merge``)."""
        self._flush()
        return self._arrays, self._times, self.malformed

    def merge(self, chunks: Chunks) -> None:
        """Append another table's exported chunks (e.g. parsed in a worker process)."""
        self._flush()
        arrays, times, malformed = chunks
        for name, column in arrays.items():
            self._arrays.setdefault(name, []).extend(column)
        self._times.extend(times)
        self.malformed.extend(malformed)

    def to_frame(self) -> pd.DataFrame:
        """Return the ``cloudtrail_events`` frame: validated, deduplicated, sorted.

        Returns
        -------
        pandas.DataFrame
            The columns of ``SCHEMAS["cloudtrail_events"]``: the leading ``account_id``,
            ``region`` (the event's awsRegion), ``resource_type`` ('event'), ``resource_id``
            (the event ID), ``resource_arn`` (<NA>), then ``event_id`` ... ``source_object``
            and ``raw_path``. An event seen in both sources is kept once, from the S3
            archive. ``attrs["malformed"]`` lists the malformed inputs.
        """
        self._flush()
        if not self._times:
            frame = SCHEMAS[FRAME].empty()
        else:
            times = np.concatenate(self._times)
            self._times = []
            order = _dedupe_sort_order(
                pa.chunked_array(self._arrays["event_id"]),
                pa.chunked_array(self._arrays["source"]),
                times,
            )
            in_order = bool(np.array_equal(order, np.arange(len(times))))
            # NOTE: one column at a time, so that the unsorted copy is freed as we go.
            columns = {}
            pool = pa.default_memory_pool()
            for name in list(self._arrays):
                column = pa.chunked_array(self._arrays.pop(name))
                columns[name] = column if in_order else column.take(order)
                del column
                # NOTE: Arrow's allocator keeps freed pages; hand them back before the next copy.
                pool.release_unused()
            frame = _assemble(columns, times if in_order else times[order])
        SCHEMAS[FRAME].validate(frame)
        frame.attrs["malformed"] = list(self.malformed)
        return frame


def _dedupe_sort_order(
    ids: pa.ChunkedArray, sources: pa.ChunkedArray, times: np.ndarray
) -> np.ndarray:
    """Return the row order: one row per event ID (S3 archive first), by time then ID."""
    candidates = np.arange(len(times))
    if pc.count_distinct(ids).as_py() < len(times):
        lookup_first = pc.equal(sources, SOURCE_LOOKUP).to_numpy()
        by_source = np.argsort(lookup_first, kind="stable")
        first_seen = pd.Series(ids.take(by_source).to_pandas()).duplicated().to_numpy()
        candidates = np.sort(by_source[~first_seen])
    keys = pa.table({"t": times[candidates], "id": ids.take(candidates)})
    order = pc.sort_indices(keys, sort_keys=[("t", "ascending"), ("id", "ascending")])
    return candidates[order.to_numpy()]


def _assemble(columns: dict[str, pa.ChunkedArray], times: np.ndarray) -> pd.DataFrame:
    """Return the frame in schema order from Arrow columns and event times."""
    rows = len(times)
    data: dict[str, Any] = {"event_time": pd.to_datetime(times, unit="ns", utc=True)}
    for column, array in columns.items():
        if column in BOOL_COLUMNS:
            values = pc.fill_null(array, False).to_numpy()
            data[column] = pd.arrays.BooleanArray(values, array.is_null().to_numpy())
        else:
            data[column] = pd.arrays.ArrowStringArray(array)
    data["region"] = data["aws_region"]
    data["resource_id"] = data["event_id"]
    data["resource_type"] = pd.arrays.ArrowStringArray(pa.repeat(pa.scalar("event"), rows))
    data["resource_arn"] = pd.arrays.ArrowStringArray(pa.nulls(rows, pa.string()))
    frame = pd.DataFrame(data, copy=False)
    return frame.loc[:, list(SCHEMAS[FRAME].all_columns)]
