"""arrow_columns: the native Arrow reading gives exactly what the record-by-record reading gives."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from evidence_lib.cloudtrail_columns import arrow_columns, python_columns
from evidence_lib.cloudtrail_table import _all_distinct, _event_times
from tests.cloudtrail import samples as s


def _native(record: dict[str, Any]) -> dict[str, Any]:
    """Return the record with readOnly as a JSON boolean, as S3 log files carry it."""
    flag = record.get("readOnly")
    return s.record(record, readOnly=flag == "true") if isinstance(flag, str) else record


SHAPES = {r["eventID"]: _native(r) for r in s.EVERY_SHAPE}
VARIANTS = {
    "empty_user_name": s.record(
        SHAPES[s.ASSUMED_ROLE["eventID"]],
        userIdentity={**s.ASSUMED_ROLE["userIdentity"], "userName": ""},
    ),
    "role_arn_without_slash": s.record(
        SHAPES[s.ASSUMED_ROLE["eventID"]],
        userIdentity={"type": "AssumedRole", "arn": "no-slash", "principalId": "P"},
    ),
    "center_with_principal": s.record(
        s.IDENTITY_CENTER,
        userIdentity={**s.IDENTITY_CENTER["userIdentity"], "principalId": "kept"},
    ),
    "no_identity": s.record(s.IAM_USER, userIdentity=None),
    "empty_recipient": s.record(s.IAM_USER, recipientAccountId=""),
    "empty_error_code_sign_in": s.record(s.CONSOLE_LOGIN_FAILED, errorCode=""),
    "sign_in_success": s.record(
        s.CONSOLE_LOGIN_FAILED, responseElements={"ConsoleLogin": "Success"}
    ),
    "null_read_only": s.record(s.IAM_USER, readOnly=None),
    "string_request": s.record(s.IAM_USER, requestParameters="text"),
}


def _as_lists(columns: dict[str, pa.Array]) -> dict[str, list[Any]]:
    return {name: array.to_pylist() for name, array in sorted(columns.items())}


def _both(records: list[dict[str, Any]]) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    fast = arrow_columns(records, s.OTHER_ACCOUNT)
    assert fast is not None
    slow, bad = python_columns(records, s.OTHER_ACCOUNT)
    assert bad == 0
    return _as_lists(fast), _as_lists(slow)


@pytest.mark.parametrize("event_id", [r["eventID"] for r in s.EVERY_SHAPE if r is not s.INSIGHT])
def test_every_shape_same_as_python(event_id: str) -> None:
    """Each sample record is read natively with the values of the record-by-record path."""
    fast, slow = _both([SHAPES[event_id]])
    assert fast == slow


@pytest.mark.parametrize("name", list(VARIANTS))
def test_variants_same_as_python(name: str) -> None:
    """Empty strings, missing identities and sign-in outcomes match the Python path."""
    fast, slow = _both([VARIANTS[name], s.IAM_USER])
    assert fast == slow


def test_all_shapes_in_one_batch_same_as_python() -> None:
    """A batch mixing every identity type gives the Python path's columns."""
    shapes = [r for r in SHAPES.values() if r["eventID"] != s.INSIGHT["eventID"]]
    records = shapes + list(VARIANTS.values())
    fast, slow = _both(records)
    assert fast == slow


@pytest.mark.parametrize(
    "record",
    [
        pytest.param(s.INSIGHT, id="insight_without_event_source"),
        pytest.param(s.record(s.IAM_USER, eventID=None), id="missing_event_id"),
        pytest.param(s.record(s.IAM_USER, readOnly="true"), id="read_only_as_text"),
        pytest.param(s.record(s.IAM_USER, awsRegion=7), id="number_as_text"),
        pytest.param(s.record(s.IAM_USER, userIdentity="odd"), id="identity_not_object"),
        pytest.param("not a record", id="not_an_object"),
    ],
)
def test_odd_batches_left_to_python(record: Any) -> None:
    """A batch with an odd record is not read natively (the Python path handles it)."""
    assert arrow_columns([s.IAM_USER, record], None) is None


def test_event_times_native_and_other_iso_forms() -> None:
    """CloudTrail's own time form and other ISO-8601 forms give the same nanoseconds."""
    texts = pa.array(
        ["2026-07-01T10:00:00Z", "2026-07-01T12:00:00+02:00", "2026-07-01T10:00:00.000Z", "x"],
        pa.large_string(),
    )
    times = _event_times(texts)
    expected = pd.Timestamp("2026-07-01T10:00:00Z").value
    assert times[0] == times[1] == times[2] == expected
    assert times[3] == np.iinfo(np.int64).min


@pytest.mark.parametrize(
    ("ids", "distinct"),
    [
        pytest.param([f"e1000000-0000-4000-8000-{n:012d}" for n in range(50)], True, id="uuids"),
        pytest.param(
            [f"e1000000-0000-4000-8000-{n % 49:012d}" for n in range(50)], False, id="uuid_twice"
        ),
        pytest.param([f"{n:032x}" for n in range(40)], True, id="hex_ids"),
        pytest.param([f"{n % 39:05d}" for n in range(40)], False, id="five_wide_twice"),
        pytest.param(["a", "bb", "a"], False, id="short_ids_twice"),
        pytest.param(["a", "bb", "ccc"], True, id="short_ids"),
        pytest.param(["x"], True, id="one"),
    ],
)
def test_all_distinct(ids: list[str], distinct: bool) -> None:
    """The quick distinctness test agrees with counting, over chunks and sliced arrays."""
    whole = pa.array(["pad", *ids], pa.large_string()).slice(1)
    middle = len(ids) // 2
    chunked = pa.chunked_array([whole.slice(0, middle), whole.slice(middle)], pa.large_string())
    assert _all_distinct(pa.chunked_array([whole])) is distinct
    assert _all_distinct(chunked) is distinct
