"""Parsed CloudTrail events gathered in Arrow chunks and built into the frame once.

Each batch of records (one log file) becomes Arrow arrays at once: Arrow converts the
records' documented fields natively (``arrow_columns``), and ``record_columns`` reads the
batches that hold an odd record one record at a time, with the same results. Arrays are
joined into chunks of ``CHUNK_ROWS``, so that a quarter of events never sits in memory as
millions of small Python strings. ``EventTable.to_frame`` deduplicates, sorts and validates.
"""

from __future__ import annotations

import ctypes
import logging
import pickle
from collections.abc import Callable, Iterable
from operator import methodcaller
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from evidence_lib.cloudtrail_parse import (
    BOOL_COLUMNS,
    CONSOLE_LOGIN_FAILURE,
    FRAME,
    REQUIRED_FIELDS,
    SOURCE_LOOKUP,
    record_columns,
    text_value,
)
from evidence_lib.frames.schema import SCHEMAS

logger = logging.getLogger(__name__)

# NOTE: chunks this large are freed as whole blocks the allocator can return while sorting.
CHUNK_ROWS = 50_000
Chunks = tuple[dict[str, bytes], list[np.ndarray], list[dict[str, str]]]
"""Pickled Arrow chunks per column, event times (ns) per chunk, malformed inputs."""
try:
    _MALLOC_TRIM: Any = ctypes.CDLL("libc.so.6").malloc_trim
except (OSError, AttributeError):  # pragma: no cover - not glibc
    _MALLOC_TRIM = None
_NAT = np.iinfo(np.int64).min
_TEXT = pa.large_string()
_NULL_TEXT = pa.scalar(None, _TEXT)
# CloudTrail's own time format; any other ISO-8601 text is read by pandas.
_TIME_FORMAT, _TIME_LENGTH = "%Y-%m-%dT%H:%M:%SZ", 20

# The record fields Arrow reads natively, and their columns.
_FIELDS = {
    "eventID": "event_id",
    "eventTime": "event_time",
    "eventSource": "event_source",
    "eventName": "event_name",
    "awsRegion": "aws_region",
    "recipientAccountId": "recipient_account_id",
    "sourceIPAddress": "source_ip",
    "userAgent": "user_agent",
    "errorCode": "error_code",
    "errorMessage": "error_message",
    "readOnly": "read_only",
    "eventType": "event_type",
    "managementEvent": "management_event",
}
_IDENTITY_TYPE = pa.struct(
    [
        ("type", _TEXT),
        ("arn", _TEXT),
        ("principalId", _TEXT),
        ("userName", _TEXT),
        ("invokedBy", _TEXT),
        ("onBehalfOf", pa.struct([("userId", _TEXT)])),
        ("sessionContext", pa.struct([("sessionIssuer", pa.struct([("arn", _TEXT)]))])),
    ]
)
_RECORD_TYPE = pa.struct(
    [(name, pa.bool_() if col in BOOL_COLUMNS else _TEXT) for name, col in _FIELDS.items()]
    + [("userIdentity", _IDENTITY_TYPE)]
)
_JSON_FIELDS = {
    "request_parameters": "requestParameters",
    "response_elements": "responseElements",
    "resources": "resources",
}
_RESPONSE = "responseElements"
_ROLE_TYPES = pa.array(["AssumedRole", "FederatedUser"], _TEXT)


def _nonempty(array: pa.Array) -> pa.Array:
    """Return a text array with empty strings as null."""
    empty = pc.equal(array, "")
    if pc.any(empty).as_py():
        return pc.if_else(empty, _NULL_TEXT, array)
    return array


def _is(condition: pa.Array) -> pa.Array:
    """Return a boolean array where null counts as False."""
    return pc.fill_null(condition, False)


def arrow_columns(records: list[Any], account_id: str | None) -> dict[str, pa.Array] | None:
    """Return the columns of well-formed records as Arrow arrays, converted natively.

    Parameters
    ----------
    records : list
        CloudTrail records (dicts) as in the S3 log files.
    account_id : str or None
        The account for ``account_id`` when a record has no ``recipientAccountId``.

    Returns
    -------
    dict or None
        The ``RECORD_COLUMNS`` (large_string and bool arrays, empty strings as null), with
        the values ``record_columns`` gives. None when a record is not an object, lacks a
        required field or holds a field of another JSON type than documented: such batches
        are read by ``record_columns``.
    """
    try:
        struct = pa.array(records, type=_RECORD_TYPE)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if struct.null_count:
        return None
    fields = struct.flatten()
    identity = fields[-1].flatten()
    identity[5:] = [identity[5].flatten()[0], identity[6].flatten()[0].flatten()[0]]
    texts = {}
    for column, field in _JSON_FIELDS.items():
        dumped = list(map(orjson.dumps, map(methodcaller("get", field), records)))
        texts[column] = pa.array(dumped, pa.large_binary()).cast(_TEXT)
    plain = dict(zip(_FIELDS.values(), fields, strict=False))
    return finish_columns(plain, identity, texts, lambda i: records[i].get(_RESPONSE), account_id)


def finish_columns(
    plain: dict[str, pa.Array],
    identity: list[pa.Array],
    texts: dict[str, pa.Array],
    response_of: Callable[[int], Any],
    account_id: str | None,
) -> dict[str, pa.Array] | None:
    """Return the ``RECORD_COLUMNS`` from the record fields as read, or None if one lacks some.

    Parameters
    ----------
    plain : dict
        The arrays of the fields of ``_FIELDS``, keyed by column, as read (empty strings kept).
    identity : list
        userIdentity's type, arn, principalId, userName, invokedBy, onBehalfOf.userId and
        sessionContext.sessionIssuer.arn arrays.
    texts : dict
        The JSON text arrays of ``_JSON_FIELDS`` ("null" where the field is null or missing).
    response_of : callable
        Returns the decoded responseElements of the record at an index (for console sign-ins).
    account_id : str or None
        The account for ``account_id`` when a record has no ``recipientAccountId``.

    Returns
    -------
    dict or None
        The columns, or None when a record lacks eventID, eventTime, eventSource or eventName.
    """
    columns = {c: a if c in BOOL_COLUMNS else _nonempty(a) for c, a in plain.items()}
    required = [columns[c] for c in ("event_id", "event_time", "event_source", "event_name")]
    if any(a.null_count for a in required):
        return None
    columns.update(_identity_arrays(identity))
    columns["error_code"] = _console_failures(response_of, plain, columns["error_code"])
    for column, array in texts.items():
        columns[column] = pc.if_else(pc.equal(array, "null"), _NULL_TEXT, array)
    account = pa.scalar(account_id, _TEXT)
    columns["account_id"] = pc.coalesce(columns["recipient_account_id"], account)
    return columns


def _identity_arrays(identity: list[pa.Array]) -> dict[str, pa.Array]:
    """Return the identity columns by the rules of ``cloudtrail_parse``'s docstring."""
    kind, arn, principal, user, invoked, behalf, issuer = (_nonempty(a) for a in identity)
    missing = pc.is_null(user)
    if pc.any(missing).as_py():
        # NOTE: assumed roles, services and Identity Center users carry no userName.
        tail = _nonempty(pc.replace_substring_regex(arn, "^.*/", ""))
        role = _is(pc.and_(pc.is_in(kind, _ROLE_TYPES), pc.match_substring(arn, "/")))
        center = _is(pc.equal(kind, "IdentityCenterUser"))
        derived = pc.if_else(
            role,
            tail,
            pc.if_else(
                _is(pc.equal(kind, "AWSService")), invoked, pc.if_else(center, behalf, _NULL_TEXT)
            ),
        )
        user = pc.if_else(missing, derived, user)
        behalf_id = pc.and_(pc.and_(center, missing), pc.is_null(principal))
        principal = pc.if_else(behalf_id, behalf, principal)
    return {
        "user_identity_type": kind,
        "principal_arn": arn,
        "principal_id": principal,
        "user_name": user,
        "session_issuer_arn": issuer,
    }


def _console_failures(
    response_of: Callable[[int], Any], plain: dict[str, pa.Array], codes: pa.Array
) -> pa.Array:
    """Return error codes with ``ConsoleLoginFailure`` for failed console sign-ins."""
    # NOTE: a failed console sign-in has no errorCode; its outcome is in responseElements.
    sign_in = pc.equal(plain["event_type"], "AwsConsoleSignIn")
    candidates = _is(pc.and_(sign_in, pc.is_null(plain["error_code"])))
    if not pc.any(candidates).as_py():
        return codes
    values = codes.to_pylist()
    for index in np.flatnonzero(candidates.to_numpy(zero_copy_only=False)):
        response = response_of(int(index))
        if isinstance(response, dict) and response.get("ConsoleLogin") == "Failure":
            values[index] = CONSOLE_LOGIN_FAILURE
    return pa.array(values, _TEXT)


def _string_array(values: Iterable[Any]) -> pa.Array:
    """Return an Arrow text array; empty strings become null."""
    seq = list(values)
    try:
        array = pa.array(seq, type=_TEXT)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        # NOTE: a field AWS documents as text may hold a number or an object in odd records.
        array = pa.array([text_value(v) for v in seq], type=_TEXT)
    return _nonempty(array)


def _python_columns(
    records: Iterable[Any], account_id: str | None
) -> tuple[dict[str, pa.Array], int]:
    """Return the columns of ``record_columns`` as Arrow arrays, and the malformed count."""
    columns, bad = record_columns(records, account_id)
    times = [v if isinstance(v, str) else None for v in columns["event_time"]]
    columns["event_time"] = times
    arrays = {
        name: pa.array(values, pa.bool_()) if name in BOOL_COLUMNS else _string_array(values)
        for name, values in columns.items()
    }
    return arrays, bad


def _event_times(texts: pa.Array) -> np.ndarray:
    """Return UTC nanoseconds of ISO-8601 texts; unreadable times are ``_NAT``."""
    plain = _is(pc.equal(pc.utf8_length(texts), _TIME_LENGTH))
    parsed = pc.strptime(texts, format=_TIME_FORMAT, unit="ns", error_is_null=True)
    nanos = pc.if_else(plain, parsed.cast(pa.int64()), pa.scalar(None, pa.int64()))
    times = pc.fill_null(nanos, _NAT).to_numpy().copy()
    others = np.flatnonzero((times == _NAT) & texts.is_valid().to_numpy(zero_copy_only=False))
    if len(others):
        values = texts.take(pa.array(others)).to_pylist()
        parsed_others = pd.to_datetime(values, format="ISO8601", utc=True, errors="coerce")
        times[others] = np.asarray(parsed_others.as_unit("ns").asi8)
    return times


class EventTable:
    """Parsed events gathered in Arrow chunks; ``to_frame`` builds the frame once.

    Records lacking eventID, eventTime (or with an unreadable one), eventName or eventSource
    are counted per source in ``malformed`` (a list of ``{"source", "error"}``).
    """

    def __init__(self) -> None:
        self._pending: dict[str, list[pa.Array]] = {}
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
        given = records if isinstance(records, list) else list(records)
        columns, bad = arrow_columns(given, account_id), 0
        if columns is None:
            columns, bad = _python_columns(given, account_id)
        rows = len(columns["event_id"])
        self.add_columns(columns, source=source, objects=[(source_object, raw_path, rows)])
        if bad:
            self.report(source_object, f"{bad} record(s) lacking {', '.join(REQUIRED_FIELDS)}")
        return bad

    def add_columns(
        self,
        columns: dict[str, pa.Array],
        *,
        source: str,
        objects: list[tuple[str, str, int]],
    ) -> None:
        """Add the ``RECORD_COLUMNS`` arrays of well-formed records.

        Parameters
        ----------
        columns : dict
            The arrays, of equal length.
        source : str
            ``s3_archive`` or ``lookup_events``.
        objects : list of (str, str, int)
            Source object, raw path and number of rows of each file the rows came from, in
            row order.
        """
        count = len(columns["event_id"])
        columns["source"] = pa.repeat(pa.scalar(source, _TEXT), count)
        for position, name in ((0, "source_object"), (1, "raw_path")):
            parts = [pa.repeat(pa.scalar(item[position], _TEXT), item[2]) for item in objects]
            columns[name] = parts[0] if len(parts) == 1 else pa.concat_arrays(parts)
        for name, array in columns.items():
            self._pending.setdefault(name, []).append(array)
        self._rows += count
        if self._rows >= CHUNK_ROWS:
            self._flush()

    def report(self, source: str, error: str) -> None:
        """Record a malformed source (file, object or record batch) and log a WARNING."""
        logger.warning("malformed CloudTrail input %s: %s", source, error)
        self.malformed.append({"source": source, "error": error})

    def _flush(self) -> None:
        pending, self._pending, self._rows = self._pending, {}, 0
        if not pending or not sum(len(a) for a in pending["event_id"]):
            return
        arrays = {
            name: parts[0] if len(parts) == 1 else pa.concat_arrays(parts)
            for name, parts in pending.items()
        }
        times = _event_times(arrays.pop("event_time"))
        keep = times != _NAT
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
        """Return the gathered Arrow chunks, event times and malformed inputs (for ``merge``).

        Each column's chunks are pickled on their own, so that once unpickled in the parent
        process a sorted column's memory can go back while the other columns are sorted.
        """
        self._flush()
        packed = {name: pickle.dumps(arrays, protocol=5) for name, arrays in self._arrays.items()}
        return packed, self._times, self.malformed

    def merge(self, chunks: Chunks) -> None:
        """Append another table's exported chunks (e.g. parsed in a worker process)."""
        self._flush()
        arrays, times, malformed = chunks
        for name, packed in arrays.items():
            # NOTE: the unpickled arrays are views into their column's pickle, not copies.
            self._arrays.setdefault(name, []).extend(pickle.loads(packed))
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
            shared = _paths_shared(self._arrays)
            # NOTE: one column at a time, so that the unsorted copy is freed as we go.
            columns = {}
            pool = pa.default_memory_pool()
            for name in list(self._arrays):
                chunks = self._arrays.pop(name)
                if in_order:
                    columns[name] = pa.chunked_array(chunks)
                    continue
                # NOTE: Arrow's take over many chunks is about eight times slower than joining
                # them first and taking from one array.
                joined = pa.concat_arrays(chunks)
                del chunks
                columns[name] = pa.chunked_array([joined.take(order)])
                del joined
                # NOTE: Arrow's allocator keeps freed pages; hand them back before the next copy.
                pool.release_unused()
                _trim_heap()
            if shared:
                columns["raw_path"] = columns["source_object"]
            frame = _assemble(columns, times if in_order else times[order])
        SCHEMAS[FRAME].validate(frame)
        frame.attrs["malformed"] = list(self.malformed)
        return frame


def _trim_heap() -> None:
    """Return the C heap's free pages to the system (glibc only).

    Chunks unpickled from worker processes live on the C heap, whose free pages glibc keeps.
    """
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


def _paths_shared(arrays: dict[str, list[pa.Array]]) -> bool:
    """Drop ``raw_path`` when it equals ``source_object`` everywhere; return whether it did."""
    # NOTE: files read at hand have raw_path == source_object; one array then serves both
    # columns (pandas shares it), which saves a long path per row.
    paths = pa.chunked_array(arrays["raw_path"])
    if pc.all(pc.equal(paths, pa.chunked_array(arrays["source_object"]))).as_py() is False:
        return False
    del arrays["raw_path"]
    return True


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
