"""Tests of the raw evidence store."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from evidence_lib.rawstore import RawStore


def _write(store: RawStore, operation: str = "DescribeSnapshots", **extra: object) -> str:
    return store.write_page(
        service="elasticache",
        operation=operation,
        account_id="123456789012",
        region="us-east-1",
        request={"MaxRecords": 50},
        response={"Snapshots": [], "Time": dt.datetime(2026, 7, 1, 10, tzinfo=dt.UTC)},
        **extra,  # type: ignore[arg-type]
    )


def test_pages_are_numbered_per_operation_and_keep_datetimes_as_utc_text(tmp_path):
    """Pages get 0001, 0002 per operation folder and datetimes become ISO-8601 UTC strings."""
    store = RawStore(tmp_path)
    first, second = _write(store), _write(store)
    other = _write(store, operation="DescribeCacheClusters")

    assert first == "raw/123456789012/us-east-1/elasticache/DescribeSnapshots/0001.json"
    assert second.endswith("DescribeSnapshots/0002.json")
    assert other.endswith("DescribeCacheClusters/0001.json")
    document = json.loads((tmp_path / first).read_text())
    assert document["response"]["Time"] == "2026-07-01T10:00:00Z"
    assert document["outcome"] == "ok"
    assert document["collected_at"].endswith("Z")


def test_numbering_continues_after_existing_pages(tmp_path):
    """A new store on the same folder never overwrites pages written before."""
    _write(RawStore(tmp_path))
    path = _write(RawStore(tmp_path))

    assert path.endswith("0002.json")


def test_iter_pages_filters_and_returns_error_pages(tmp_path):
    """Error pages come back with their outcome and error, filtered by operation."""
    store = RawStore(tmp_path)
    _write(store)
    store.write_page(
        service="elasticache",
        operation="DescribeUserGroups",
        account_id="123456789012",
        region="us-east-1",
        request={},
        outcome="error",
        error={"code": "AccessDenied", "message": "no"},
    )

    pages = list(store.iter_pages("elasticache", "DescribeUserGroups"))
    assert [p.outcome for p in pages] == ["error"]
    assert pages[0].error == {"code": "AccessDenied", "message": "no"}
    assert pages[0].response is None
    assert len(list(store.iter_pages())) == 2


def test_unknown_outcome_is_refused(tmp_path):
    """Only the three documented outcomes are accepted."""
    with pytest.raises(ValueError, match="accepted: ok, not_configured, error"):
        _write(RawStore(tmp_path), outcome="maybe")
