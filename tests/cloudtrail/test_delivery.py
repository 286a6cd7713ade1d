"""Tests of the cloudtrail_log_files frame: log files delivered per trail prefix and day."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from evidence_lib.cloudtrail_files import (
    DELIVERED,
    NO_FILES,
    NOT_LISTED,
    build_cloudtrail_log_files,
    delivery_days,
)
from evidence_lib.frames.schema import SCHEMAS
from evidence_lib.rawstore import RawStore

ACCOUNT = "123456789012"
BUCKET = "trail-bucket"


def day_prefix(day: str, region: str = "us-east-1", root: str = "") -> str:
    """Return the key prefix of one day's log files."""
    return f"{root}AWSLogs/{ACCOUNT}/CloudTrail/{region}/{day.replace('-', '/')}/"


def listing(store: RawStore, day: str, keys: list[str], **kwargs: str) -> None:
    """Store one successful ListObjectsV2 page holding ``keys`` (1,000 bytes each)."""
    prefix = day_prefix(day, **kwargs)
    contents = [{"Key": prefix + key, "Size": 1000} for key in keys]
    store.write_page(
        service="s3",
        operation="ListObjectsV2",
        account_id=ACCOUNT,
        region="us-east-1",
        request={"Bucket": BUCKET, "Prefix": prefix},
        response={"IsTruncated": False, "Contents": contents, "KeyCount": len(keys)},
    )


def archive_page(run_dir: Path, keys: list[str], records: int) -> None:
    """Write an archive page whose sources are ``keys``, each with ``records`` records."""
    folder = run_dir / "raw" / ACCOUNT / "us-east-1" / "cloudtrail-archive"
    folder.mkdir(parents=True, exist_ok=True)
    sources = [
        {"bucket": BUCKET, "key": key, "size": 1000, "records_kept": 0, "records_total": records}
        for key in keys
    ]
    document = {"service": "cloudtrail-archive", "account_id": ACCOUNT, "sources": sources}
    (folder / "0001.json").write_text(json.dumps({**document, "records": []}), "utf-8")


@pytest.fixture
def store(tmp_path: Path) -> RawStore:
    """Return a run with a delivered day, a day without files, a failed day and noise."""
    store = RawStore(tmp_path)
    listing(store, "2026-04-01", ["a.json.gz", "b.json.gz"])
    listing(store, "2026-04-02", [])
    store.write_page(
        service="s3",
        operation="ListObjectsV2",
        account_id=ACCOUNT,
        region="us-east-1",
        request={"Bucket": BUCKET, "Prefix": day_prefix("2026-04-03")},
        outcome="error",
        error={"code": "AccessDenied", "message": "denied"},
    )
    store.write_page(
        service="s3",
        operation="ListObjectsV2",
        account_id=ACCOUNT,
        region="us-east-1",
        request={"Bucket": "exports", "Prefix": "snapshots/"},
        response={"IsTruncated": False, "Contents": [{"Key": "snapshots/x.rdb", "Size": 5}]},
    )
    digest = day_prefix("2026-04-01", root="CloudTrail-Digest-is-not-here/")
    archive_page(tmp_path, [day_prefix("2026-04-01") + "a.json.gz", digest + "z"], 7)
    return store


def test_rows_per_day_with_counts(store: RawStore) -> None:
    """Each listed day is a row with its files, bytes and records; other listings are ignored."""
    frame = build_cloudtrail_log_files(store)
    SCHEMAS["cloudtrail_log_files"].validate(frame)
    by_day = frame.set_index(frame["day_time"].dt.strftime("%Y-%m-%d"))
    assert list(by_day.index) == ["2026-04-01", "2026-04-02", "2026-04-03"]
    first = by_day.loc["2026-04-01"]
    assert (first["log_files"], first["bytes"], first["files_read"]) == (2, 2000, 1)
    assert first["records_total"] == 7 and "cloudtrail-archive/0001.json" in first["raw_path"]
    assert by_day.loc["2026-04-02", "listed"] and by_day.loc["2026-04-02", "log_files"] == 0


def test_failed_listing_is_not_zero_files(store: RawStore) -> None:
    """A day whose listing failed is not listed, with no counts and its error code."""
    failed = build_cloudtrail_log_files(store).iloc[2]
    assert not failed["listed"] and failed["list_error_code"] == "AccessDenied"
    assert pd.isna(failed["log_files"])


def test_delivery_states(store: RawStore) -> None:
    """Days are delivered, without files, or not listed (a gap)."""
    days = delivery_days(build_cloudtrail_log_files(store))
    assert list(days["state"]) == [DELIVERED, NO_FILES, NOT_LISTED]


def test_digest_only_day_has_no_log_files(tmp_path: Path) -> None:
    """Digest files are not log files: a day holding only digests delivered no logs."""
    store = RawStore(tmp_path)
    listing(store, "2026-04-05", ["x_CloudTrail-Digest_y.json.gz"])
    listing(store, "2026-04-06", ["c.json.gz"])
    days = delivery_days(build_cloudtrail_log_files(store))
    assert list(days["state"]) == [NO_FILES, DELIVERED]


def test_empty_run_gives_empty_frame(tmp_path: Path) -> None:
    """A run without listings yields the empty declared frame."""
    frame = build_cloudtrail_log_files(RawStore(tmp_path))
    assert frame.empty
    SCHEMAS["cloudtrail_log_files"].validate(frame)
    assert delivery_days(frame).empty
