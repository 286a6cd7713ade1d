"""document_columns: decoding a log file's bytes gives exactly what decoding its records gives."""

from __future__ import annotations

import json
import random
import re
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pytest

from evidence_lib.cloudtrail_columns import arrow_columns
from evidence_lib.cloudtrail_decode import _loose_texts, document_columns
from tests.cloudtrail import samples as s
from tests.cloudtrail.test_parse_arrow import SHAPES, VARIANTS


def _as_lists(columns: dict[str, pa.Array] | None) -> dict[str, list[Any]]:
    assert columns is not None
    return {name: array.to_pylist() for name, array in sorted(columns.items())}


def _log_file(records: list[Any], **dumps: Any) -> bytes:
    if dumps:
        return json.dumps({"Records": records}, **dumps).encode()
    return orjson.dumps({"Records": records})


def _same_as_records(records: list[dict[str, Any]], data: bytes) -> None:
    decoded = _as_lists(document_columns(data, s.OTHER_ACCOUNT))
    assert decoded == _as_lists(arrow_columns(records, s.OTHER_ACCOUNT))


WELL_FORMED = [r for r in SHAPES.values() if r["eventID"] != s.INSIGHT["eventID"]]


@pytest.mark.parametrize("record", WELL_FORMED, ids=[r["eventID"] for r in WELL_FORMED])
def test_every_shape_same_as_records(record: dict[str, Any]) -> None:
    """Each sample record decoded from a log file has the values of the record path."""
    _same_as_records([record], _log_file([record]))


@pytest.mark.parametrize("name", list(VARIANTS))
def test_variants_same_as_records(name: str) -> None:
    """Empty strings, missing identities, sign-in outcomes, a text requestParameters."""
    records = [VARIANTS[name], s.IAM_USER]
    _same_as_records(records, _log_file(records))


@pytest.mark.parametrize(
    "dumps",
    [
        pytest.param({"indent": 2}, id="indented"),
        pytest.param({"ensure_ascii": True}, id="escaped_non_ascii"),
        pytest.param({"separators": (", ", ": ")}, id="spaced"),
    ],
)
def test_loosely_written_json_gives_compact_texts(dumps: dict[str, Any]) -> None:
    """JSON columns read from indented, spaced or escaped files are orjson's compact text."""
    request = {"replicationGroupId": "café-cache", "description": 'a "quoted" / slashed one'}
    odd = s.record(s.IAM_USER, requestParameters=request)
    records = [*WELL_FORMED, *VARIANTS.values(), odd]
    _same_as_records(records, _log_file(records, **dumps))
    columns = _as_lists(document_columns(_log_file(records, **dumps), None))
    assert columns["request_parameters"][-1] == orjson.dumps(request).decode()


def test_fields_the_frame_does_not_use_are_skipped() -> None:
    """Unknown and nested fields of any type do not stop the native reading."""
    record = s.record(
        s.IAM_USER,
        additionalEventData={"x": [1, 2.5, None, {"y": True}]},
        tlsDetails={"tlsVersion": "TLSv1.3"},
        userIdentity={**s.IAM_USER["userIdentity"], "webIdFederationData": {}, "extra": 7},
    )
    _same_as_records([record], _log_file([record]))


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(_log_file([s.INSIGHT]), id="insight_without_event_source"),
        pytest.param(_log_file([s.record(s.IAM_USER, eventID=None)]), id="missing_event_id"),
        pytest.param(_log_file([s.record(s.IAM_USER, readOnly="true")]), id="read_only_as_text"),
        pytest.param(_log_file([s.record(s.IAM_USER, awsRegion=7)]), id="number_as_text"),
        pytest.param(_log_file([s.record(s.IAM_USER, userIdentity="odd")]), id="odd_identity"),
        pytest.param(_log_file([s.IAM_USER, "not a record"]), id="not_an_object"),
        pytest.param(_log_file([s.IAM_USER, None]), id="null_record"),
        pytest.param(_log_file([]), id="no_records"),
        pytest.param(orjson.dumps({"Events": []}), id="lookup_events_output"),
        pytest.param(orjson.dumps([s.IAM_USER]), id="list_of_records"),
        pytest.param(orjson.dumps(s.IAM_USER) + b"\n" + orjson.dumps(s.IAM_USER), id="lines"),
        pytest.param(_log_file([s.IAM_USER])[:-9], id="truncated"),
        pytest.param(b"\xff\xfe not json", id="not_json"),
        pytest.param(
            _log_file([s.IAM_USER]).replace(b"patients", b"pat\xffents", 1), id="bad_utf8_in_json"
        ),
    ],
)
def test_other_files_left_to_the_general_path(data: bytes) -> None:
    """Other shapes, odd records and damaged JSON are not read natively (None)."""
    assert document_columns(data, None) is None


# The definition of a loosely written JSON text, as a regular expression over one text.
_LOOSE = re.compile(r'\\|[\n\r\t]|":\s|\s"')


def test_loose_texts_as_the_definition_says() -> None:
    """The byte scan over joined texts finds exactly the texts the definition's regex finds."""
    rng = random.Random(5)
    alphabet = ['"', ":", " ", "\\", "\n", "\t", "\r", "\f", "a", "{", "}", ","]
    for _ in range(2000):
        count = rng.randrange(1, 6)
        texts = ["".join(rng.choices(alphabet, k=rng.randrange(0, 8))) for _ in range(count)]
        offsets = np.zeros(count + 1, np.int64)
        np.cumsum([len(t) for t in texts], out=offsets[1:])
        found = _loose_texts("".join(texts).encode(), offsets).tolist()
        assert found == [i for i, text in enumerate(texts) if _LOOSE.search(text)], texts


def test_loose_match_across_two_texts_does_not_count() -> None:
    """Whitespace and a quote or a key's colon in two neighbouring texts make neither loose."""
    texts = [b'"a" ', b'"b"', b'{"c":', b" 1}", b'{"d": 2}']
    offsets = np.cumsum([0] + [len(t) for t in texts])
    assert _loose_texts(b"".join(texts), offsets).tolist() == [4]
