"""Collecting CloudTrail events: the S3 archive on a moto server, LookupEvents via Stubber."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
import hashlib
import inspect
import json
from pathlib import Path
from typing import Any

import boto3
import orjson
import pytest
from botocore.stub import Stubber

from evidence_lib import cloudtrail_archive
from evidence_lib.cloudtrail import build_cloudtrail_events, collect_events
from evidence_lib.cloudtrail_archive import split_log_records
from evidence_lib.cloudtrail_collect import (
    RateLimiter,
    collect_events_until,
    collect_lookup_events,
)
from evidence_lib.collectors import RunContext
from evidence_lib.params import Params, parse_params
from evidence_lib.rawstore import RawStore
from tests.cloudtrail import samples as s
from tests.cloudtrail.conftest import BUCKET, log_file, log_key

NOW = dt.datetime(2026, 7, 10, 12, 0, tzinfo=dt.UTC)
S3_EVENT = s.record(s.IAM_USER, eventSource="s3.amazonaws.com", eventID="s3-event-1")


class Session:
    account_id = s.ACCOUNT


def _params(**cloudtrail: Any) -> Params:
    return parse_params(
        {
            "run": {"name": "t", "period": {"start": "2026-07-01", "end": "2026-07-03"}},
            "aws": {"regions": ["us-east-1"], "accounts": [{"id": s.ACCOUNT}]},
            "cloudtrail": {"sources": ["s3_archive"], **cloudtrail},
        }
    )


def _seed_archive(s3: Any) -> dict[str, str]:
    """Put two days of log files (the 3rd has none), a digest and damaged files."""
    keys = {
        "day1": log_key("2026/07/01", "0001", prefix="org"),
        "day2": log_key("2026/07/02", "0002", prefix="org"),
        "truncated": log_key("2026/07/02", "0003", prefix="org"),
        "invalid": log_key("2026/07/02", "0004", prefix="org"),
        "no_id": log_key("2026/07/02", "0005", prefix="org"),
    }
    bodies = {
        "day1": log_file([s.IAM_USER, S3_EVENT, s.STOP_LOGGING]),
        "day2": log_file([s.ROOT, s.INSIGHT]),
        "truncated": log_file([s.FEDERATED_USER])[:-10],
        "invalid": gzip.compress(b'{"Records": [{"eventID": '),
        "no_id": log_file([s.record(s.AWS_ACCOUNT, eventID=None), s.ASSUMED_ROLE]),
    }
    for name, key in keys.items():
        s3.put_object(Bucket=BUCKET, Key=key, Body=bodies[name])
    digest = f"org/AWSLogs/{s.ACCOUNT}/CloudTrail-Digest/us-east-1/2026/07/01/x.json.gz"
    s3.put_object(Bucket=BUCKET, Key=digest, Body=gzip.compress(b"{}"))
    return keys


def _store_trails(store: RawStore) -> None:
    trail = {
        "Name": "audit",
        "S3BucketName": BUCKET,
        "S3KeyPrefix": "org",
        "HomeRegion": "us-east-1",
    }
    store.write_page(
        service="cloudtrail",
        operation="DescribeTrails",
        account_id=s.ACCOUNT,
        region="us-east-1",
        request={"includeShadowTrails": True},
        response={"trailList": [trail]},
    )


def _collect(tmp_path: Path, moto_url: str, params: Params) -> RawStore:
    store = RawStore(tmp_path)
    _store_trails(store)

    def factory(account_id: str, service: str, region: str) -> Any:
        assert account_id == s.ACCOUNT
        return boto3.client(service, region_name=region, endpoint_url=moto_url)

    collect_events_until(NOW, store, params, [Session()], factory)
    return store


def _archive_pages(run_dir: Path) -> list[dict[str, Any]]:
    return [doc for _, doc in cloudtrail_archive.iter_archive_pages(run_dir)]


def test_archive_collected_from_trail_bucket(tmp_path: Path, s3: Any, moto_url: str) -> None:
    """The trail's bucket and prefix are read day by day; wanted records kept, digest skipped."""
    keys = _seed_archive(s3)
    _collect(tmp_path, moto_url, _params())
    [page] = _archive_pages(tmp_path)
    assert page["service"] == "cloudtrail-archive"
    assert page["request"] == {
        "bucket": BUCKET,
        "prefix": f"org/AWSLogs/{s.ACCOUNT}/CloudTrail/us-east-1/",
    }
    kept = {src["key"]: (src["records_kept"], src["records_total"]) for src in page["sources"]}
    assert kept == {
        keys["day1"]: (2, 3),
        keys["day2"]: (2, 2),
        keys["truncated"]: (0, 0),
        keys["invalid"]: (0, 0),
        keys["no_id"]: (1, 2),
    }
    ids = [r["eventID"] for r in page["records"]]
    assert ids == [s.IAM_USER["eventID"], s.STOP_LOGGING["eventID"], s.ROOT["eventID"]] + [
        s.INSIGHT["eventID"],
        s.ASSUMED_ROLE["eventID"],
    ]


def test_archive_sources_hashed_and_records_byte_faithful(
    tmp_path: Path, s3: Any, moto_url: str
) -> None:
    """Each source's sha256 is of the object; each record's text is as in the log file."""
    keys = _seed_archive(s3)
    _collect(tmp_path, moto_url, _params())
    [path] = sorted(tmp_path.glob("raw/*/*/cloudtrail-archive/*.json"))
    assert path.relative_to(tmp_path).as_posix() == (
        f"raw/{s.ACCOUNT}/us-east-1/cloudtrail-archive/0001.json"
    )
    page = orjson.loads(path.read_bytes())
    source = next(src for src in page["sources"] if src["key"] == keys["day1"])
    body = s3.get_object(Bucket=BUCKET, Key=keys["day1"])["Body"].read()
    assert source["sha256"] == hashlib.sha256(body).hexdigest()
    assert source["size"] == len(body)
    original = [text for _, text in split_log_records(gzip.decompress(body).decode())]
    page_text = path.read_text()
    assert original[0] in page_text
    assert original[2] in page_text


def test_archive_damage_becomes_gaps(tmp_path: Path, s3: Any, moto_url: str) -> None:
    """A truncated gzip, invalid JSON and a record without eventID give error pages."""
    keys = _seed_archive(s3)
    store = _collect(tmp_path, moto_url, _params())
    errors = [p for p in store.iter_pages("s3", "GetObject") if p.outcome == "error"]
    assert [p.request["Key"] for p in errors] == [keys["truncated"], keys["invalid"], keys["no_id"]]
    assert {p.error["code"] for p in errors if p.error} == {"MalformedLogFile"}
    messages = [p.error["message"] for p in errors if p.error]
    assert messages[0].startswith(f"s3://{BUCKET}/{keys['truncated']}: EOFError")
    assert messages[2].endswith("1 record(s) lacking required fields")
    listings = list(store.iter_pages("s3", "ListObjectsV2"))
    assert [p.request["Prefix"][-11:] for p in listings] == [
        "2026/07/01/",
        "2026/07/02/",
        "2026/07/03/",
    ]


def test_frame_from_archive(tmp_path: Path, s3: Any, moto_url: str) -> None:
    """The frame holds the kept events; the day without files has no events."""
    keys = _seed_archive(s3)
    store = _collect(tmp_path, moto_url, _params())
    frame = build_cloudtrail_events(store)
    assert frame["event_id"].tolist() == [
        s.IAM_USER["eventID"],
        s.ASSUMED_ROLE["eventID"],
        s.ROOT["eventID"],
        s.INSIGHT["eventID"],
        s.STOP_LOGGING["eventID"],
    ]
    assert frame["event_time"].dt.date.astype(str).tolist().count("2026-07-03") == 0
    root = frame.set_index("event_id").loc[s.ROOT["eventID"]]
    assert root["source_object"] == f"s3://{BUCKET}/{keys['day2']}"
    assert root["raw_path"] == f"raw/{s.ACCOUNT}/us-east-1/cloudtrail-archive/0001.json"
    assert root["user_identity_type"] == "Root"


def test_archive_pages_split(
    tmp_path: Path, s3: Any, moto_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Archive pages hold at most PAGE_RECORDS records and are numbered per folder."""
    monkeypatch.setattr(cloudtrail_archive, "PAGE_RECORDS", 2)
    _seed_archive(s3)
    _collect(tmp_path, moto_url, _params(archive_buckets=[BUCKET], archive_prefix="org"))
    names = sorted(p.name for p in tmp_path.glob("raw/*/*/cloudtrail-archive/*.json"))
    assert names == ["0001.json", "0002.json", "0003.json"]
    counts = [len(doc["records"]) for doc in _archive_pages(tmp_path)]
    assert counts == [2, 2, 1]


def test_missing_bucket_is_a_gap(tmp_path: Path, moto_url: str) -> None:
    """A listing that fails (no such bucket) is stored as an error page per day."""
    store = _collect(tmp_path, moto_url, _params(archive_buckets=["absent-bucket"]))
    errors = [p for p in store.iter_pages("s3", "ListObjectsV2") if p.outcome == "error"]
    assert len(errors) == 3
    assert errors[0].error == {"code": "NoSuchBucket", "message": errors[0].error["message"]}
    assert _archive_pages(tmp_path) == []


def _stubbed_cloudtrail() -> tuple[Any, Stubber]:
    client = boto3.client("cloudtrail", region_name="us-east-1")
    return client, Stubber(client)


def _lookup_item(record: dict[str, Any]) -> dict[str, Any]:
    item = s.lookup_item(record)
    item["EventTime"] = dt.datetime.fromisoformat(record["eventTime"])
    return item


WINDOW = (dt.datetime(2026, 7, 1, tzinfo=dt.UTC), dt.datetime(2026, 7, 4, tzinfo=dt.UTC))
ATTRIBUTES = [{"AttributeKey": "EventSource", "AttributeValue": s.EC}]


def test_lookup_events_two_pages(tmp_path: Path) -> None:
    """LookupEvents pages are stored with the exact request, NextToken included."""
    client, stub = _stubbed_cloudtrail()
    base = {
        "LookupAttributes": ATTRIBUTES,
        "StartTime": WINDOW[0],
        "EndTime": WINDOW[1],
        "MaxResults": 50,
    }
    stub.add_response(
        "lookup_events", {"Events": [_lookup_item(s.IAM_USER)], "NextToken": "t1"}, base
    )
    stub.add_response(
        "lookup_events", {"Events": [_lookup_item(s.ROOT)]}, {**base, "NextToken": "t1"}
    )
    store = RawStore(tmp_path)
    limiter = RateLimiter(clock=lambda: 0.0, sleep=lambda _: None)
    with stub:
        events = collect_lookup_events(store, client, s.ACCOUNT, "us-east-1", s.EC, WINDOW, limiter)
    stub.assert_no_pending_responses()
    assert events == 2
    pages = list(store.iter_pages("cloudtrail", "LookupEvents"))
    assert [p.request.get("NextToken") for p in pages] == [None, "t1"]
    assert pages[0].request["StartTime"] == "2026-07-01T00:00:00Z"
    frame = build_cloudtrail_events(store)
    assert frame["event_id"].tolist() == [s.IAM_USER["eventID"], s.ROOT["eventID"]]
    assert frame["source_object"].tolist()[1] == f"lookup_events:{pages[1].path}"
    assert set(frame["source"]) == {"lookup_events"}


def test_lookup_events_access_denied(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """AccessDenied is stored as an error page (a gap) with a WARNING; nothing is raised."""
    client, stub = _stubbed_cloudtrail()
    stub.add_client_error(
        "lookup_events", "AccessDeniedException", "not authorized", http_status_code=400
    )
    store = RawStore(tmp_path)
    limiter = RateLimiter(clock=lambda: 0.0, sleep=lambda _: None)
    with stub:
        events = collect_lookup_events(store, client, s.ACCOUNT, "us-east-1", s.EC, WINDOW, limiter)
    assert events == 0
    [page] = store.iter_pages("cloudtrail", "LookupEvents")
    assert page.outcome == "error"
    assert page.error == {"code": "AccessDeniedException", "message": "not authorized"}
    assert "AccessDeniedException" in caplog.text
    assert build_cloudtrail_events(store).empty


def test_rate_limiter_paces_per_account_and_region() -> None:
    """Two calls a second per key: the third call in the same instant waits a second."""
    slept: list[float] = []
    limiter = RateLimiter(per_second=2.0, clock=lambda: 100.0, sleep=slept.append)
    for _ in range(3):
        limiter.wait(("a", "us-east-1"))
    limiter.wait(("a", "us-west-2"))
    assert slept == [0.5, 1.0]


def test_lookup_window_clipped_to_90_days(tmp_path: Path) -> None:
    """A period older than 90 days skips LookupEvents; a recent one is clipped to the period."""
    calls: list[dict[str, Any]] = []

    class Client:
        def lookup_events(self, **request: Any) -> dict[str, Any]:
            calls.append(request)
            return {"Events": []}

    params = _params(sources=["lookup_events"])
    factory = lambda *_: Client()  # noqa: E731
    later = NOW + dt.timedelta(days=120)
    store = RawStore(tmp_path)
    collect_events_until(later, store, params, [Session()], factory)
    assert calls == []
    collect_events_until(NOW, store, params, [Session()], factory)
    assert [c["LookupAttributes"][0]["AttributeValue"] for c in calls] == [
        "elasticache.amazonaws.com",
        "cloudtrail.amazonaws.com",
    ]
    assert calls[0]["StartTime"] == dt.datetime(2026, 7, 1, tzinfo=dt.UTC)
    assert calls[0]["EndTime"] == dt.datetime(2026, 7, 4, tzinfo=dt.UTC)


def test_split_log_records_keeps_text() -> None:
    """The record texts are the exact slices of the file, whitespace and escapes included."""
    text = '{ "Records" : [ {"eventID": "a", "x": "caf\\u00e9"} ,\n {"eventID":"b"} ] }\n'
    pairs = split_log_records(text)
    assert pairs == [
        ({"eventID": "a", "x": "café"}, '{"eventID": "a", "x": "caf\\u00e9"}'),
        ({"eventID": "b"}, '{"eventID":"b"}'),
    ]
    with pytest.raises(ValueError, match="Unterminated string"):
        split_log_records(text[:30])
    with pytest.raises(ValueError, match="expected"):
        split_log_records(text[:-4])
    with pytest.raises(ValueError, match="no Records"):
        split_log_records(json.dumps({"logFiles": []}))


def test_hook_arguments_exist_on_the_run_context() -> None:
    """collect_run passes collect_events its arguments by name from its RunContext."""
    names = {f.name for f in dataclasses.fields(RunContext)} | {"client_factory"}
    assert set(inspect.signature(collect_events).parameters) <= names
