"""read_cloudtrail: files, folders and S3 objects at hand into the cloudtrail_events frame."""

from __future__ import annotations

import gzip
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from evidence_lib.cloudtrail import read_cloudtrail
from evidence_lib.frames.schema import SCHEMAS
from tests.cloudtrail import samples as s
from tests.cloudtrail.conftest import BUCKET, log_file, log_key

IDS = {r["eventID"] for r in s.EVERY_SHAPE}


def _corrupt_deflate(data: bytes) -> bytes:
    """Return gzip bytes whose deflate stream is damaged after the header."""
    return data[:10] + b"\xff" * 24 + data[34:]


def test_folder_of_log_files_and_digest(tmp_path: Path) -> None:
    """A folder of gzip log files is read recursively; the digest file is skipped."""
    day = tmp_path / "AWSLogs" / s.ACCOUNT / "CloudTrail" / "us-east-1" / "2026" / "07" / "01"
    day.mkdir(parents=True)
    (day / "a.json.gz").write_bytes(log_file(s.EVERY_SHAPE[:6]))
    (day / "b.json.gz").write_bytes(log_file(s.EVERY_SHAPE[6:]))
    digest = tmp_path / "AWSLogs" / s.ACCOUNT / "CloudTrail-Digest" / "us-east-1"
    digest.mkdir(parents=True)
    (digest / f"{s.ACCOUNT}_CloudTrail-Digest_us-east-1_x.json.gz").write_bytes(
        gzip.compress(b'{"digestStartTime": "2026-07-01T00:00:00Z", "logFiles": []}')
    )
    frame = read_cloudtrail(tmp_path)
    SCHEMAS["cloudtrail_events"].validate(frame)
    assert set(frame["event_id"]) == IDS
    assert set(frame["source"]) == {"s3_archive"}
    assert frame.attrs["malformed"] == []
    assert frame.loc[frame["event_id"] == s.ROOT["eventID"], "source_object"].item() == str(
        day / "a.json.gz"
    )


def test_json_lines_and_lookup_output(tmp_path: Path) -> None:
    """JSON lines and the CLI's LookupEvents output are read; their sources differ."""
    lines = tmp_path / "events.jsonl"
    lines.write_text("\n".join(json.dumps(r) for r in s.EVERY_SHAPE[:3]) + "\n")
    lookup = tmp_path / "lookup.json"
    lookup.write_text(json.dumps({"Events": [s.lookup_item(s.ROOT)], "NextToken": "t"}))
    frame = read_cloudtrail([lines, str(lookup)])
    by_id = frame.set_index("event_id")["source"].to_dict()
    assert by_id == {
        s.IAM_USER["eventID"]: "s3_archive",
        s.ASSUMED_ROLE["eventID"]: "s3_archive",
        s.AWS_SERVICE["eventID"]: "s3_archive",
        s.ROOT["eventID"]: "lookup_events",
    }


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (log_file([s.IAM_USER])[:-12], "EOFError"),
        (b'{"Records": [{"eventID": "x",', "JSONDecodeError"),
        (gzip.compress(b"\x00\xff not json"), "JSONDecodeError"),
        (_corrupt_deflate(log_file([s.IAM_USER] * 20)), "IsalError"),
    ],
    ids=["truncated-gzip", "invalid-json", "gzip-of-garbage", "corrupt-deflate-block"],
)
def test_bad_file_reported_others_read(
    tmp_path: Path, content: bytes, error: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A damaged file is listed in attrs['malformed'] with a WARNING; the good one is read."""
    (tmp_path / "good.json.gz").write_bytes(log_file([s.ROOT]))
    bad = tmp_path / "bad.json.gz"
    bad.write_bytes(content)
    with caplog.at_level(logging.WARNING, logger="evidence_lib.cloudtrail_table"):
        frame = read_cloudtrail(tmp_path)
    assert frame["event_id"].tolist() == [s.ROOT["eventID"]]
    [malformed] = frame.attrs["malformed"]
    assert malformed["source"] == str(bad)
    assert malformed["error"].startswith(error)
    assert str(bad) in caplog.text


def test_gzip_of_several_members_read_whole(tmp_path: Path) -> None:
    """A gzip file of two members (as concatenating two .gz files gives) is read whole."""
    path = tmp_path / "joined.json.gz"
    lines = [json.dumps(r).encode() + b"\n" for r in s.EVERY_SHAPE[:4]]
    path.write_bytes(gzip.compress(b"".join(lines[:2])) + gzip.compress(b"".join(lines[2:])))
    frame = read_cloudtrail(path)
    assert set(frame["event_id"]) == {r["eventID"] for r in s.EVERY_SHAPE[:4]}
    assert frame.attrs["malformed"] == []


def test_batch_of_files_with_an_odd_one(tmp_path: Path) -> None:
    """Files read in one batch keep their own source objects; an odd file is read apart.

    The failed console sign-in sits in the third file, so its outcome is looked up across
    the batch; the second file lacks an eventID in one record and goes the general way.
    """
    names = ["a.json.gz", "b.json.gz", "c.json.gz"]
    contents = [
        [s.IAM_USER, s.ASSUMED_ROLE],
        [s.ROOT, s.record(s.AWS_SERVICE, eventID=None)],
        [s.FEDERATED_USER, s.CONSOLE_LOGIN_FAILED],
    ]
    for name, records in zip(names, contents, strict=True):
        (tmp_path / name).write_bytes(log_file(records))
    frame = read_cloudtrail(tmp_path).set_index("event_id")
    where = {
        r["eventID"]: str(tmp_path / name)
        for name, records in zip(names, contents, strict=True)
        for r in records
        if "eventID" in r
    }
    assert frame["source_object"].to_dict() == where
    assert frame.loc[s.CONSOLE_LOGIN_FAILED["eventID"], "error_code"] == "ConsoleLoginFailure"
    assert frame.attrs["malformed"] == [
        {
            "source": str(tmp_path / "b.json.gz"),
            "error": "1 record(s) lacking eventID, eventTime, eventName, eventSource",
        }
    ]


def test_record_missing_event_id_counted(tmp_path: Path) -> None:
    """A record without eventID is counted against its file; the file's other records stay."""
    path = tmp_path / "one.json.gz"
    path.write_bytes(log_file([s.IAM_USER, s.record(s.ROOT, eventID=None)]))
    frame = read_cloudtrail(path)
    assert frame["event_id"].tolist() == [s.IAM_USER["eventID"]]
    assert frame.attrs["malformed"] == [
        {
            "source": str(path),
            "error": "1 record(s) lacking eventID, eventTime, eventName, eventSource",
        }
    ]


def test_missing_file_reported(tmp_path: Path) -> None:
    """A path that does not exist is reported, not raised."""
    frame = read_cloudtrail(tmp_path / "absent.json")
    assert frame.empty
    assert frame.attrs["malformed"][0]["error"].startswith("FileNotFoundError")


def test_s3_prefix(s3: Any) -> None:
    """An s3:// prefix is listed and read, digest and non-log objects skipped."""
    s3.put_object(Bucket=BUCKET, Key=log_key("2026/07/01", "a"), Body=log_file([s.IAM_USER]))
    s3.put_object(Bucket=BUCKET, Key=log_key("2026/07/02", "b"), Body=log_file([s.ROOT]))
    s3.put_object(Bucket=BUCKET, Key=log_key("2026/07/02", "c")[:-3], Body=b"{oops")
    digest = f"AWSLogs/{s.ACCOUNT}/CloudTrail-Digest/us-east-1/2026/07/01/d.json.gz"
    s3.put_object(Bucket=BUCKET, Key=digest, Body=b"{}")
    frame = read_cloudtrail(f"s3://{BUCKET}/AWSLogs/", s3_client=s3)
    assert frame["event_id"].tolist() == [s.IAM_USER["eventID"], s.ROOT["eventID"]]
    assert frame["source_object"].tolist()[0] == f"s3://{BUCKET}/{log_key('2026/07/01', 'a')}"
    [malformed] = frame.attrs["malformed"]
    assert malformed["source"] == f"s3://{BUCKET}/{log_key('2026/07/02', 'c')[:-3]}"


def test_s3_missing_bucket_reported(s3: Any) -> None:
    """A bucket that does not exist is reported in attrs['malformed']."""
    frame = read_cloudtrail("s3://no-such-bucket/AWSLogs/", s3_client=s3)
    assert frame.empty
    assert "NoSuchBucket" in frame.attrs["malformed"][0]["error"]


def test_worker_processes_give_the_same_frame(tmp_path: Path) -> None:
    """Parsing in two worker processes gives the frame one process gives, bad file included."""
    for number in range(40):
        records = [s.record(r, eventID=f"{number:03d}-{i}") for i, r in enumerate(s.EVERY_SHAPE)]
        (tmp_path / f"{number:03d}.json.gz").write_bytes(log_file(records))
    (tmp_path / "999.json.gz").write_bytes(b"\x1f\x8b broken")
    one = read_cloudtrail(tmp_path)
    two = read_cloudtrail(tmp_path, workers=2)
    assert len(one) == 40 * len(s.EVERY_SHAPE)
    assert one.equals(two)
    assert one.attrs["malformed"] == two.attrs["malformed"]
    assert [m["source"] for m in two.attrs["malformed"]] == [str(tmp_path / "999.json.gz")]
