"""Tests of build_frames, load_frames, gaps.csv and the cloudtrail_events hand-over."""

from __future__ import annotations

import csv
import shutil
import sys
import types
from pathlib import Path

import pandas as pd
import pytest

from evidence_lib.errors import RunFolderError
from evidence_lib.frames import build_frames, load_frame, load_frames
from evidence_lib.frames.schema import SCHEMAS
from evidence_lib.rawstore import RawStore

from .helpers import WritePage, row_of, tri


def _seed(write: WritePage) -> None:
    group = {
        "ReplicationGroupId": "rg-legacy",
        "MemberClusters": ["rg-legacy-001"],
        "TransitEncryptionEnabled": True,
    }
    member = {
        "CacheClusterId": "rg-legacy-001",
        "ReplicationGroupId": "rg-legacy",
        "Engine": "redis",
        "EngineVersion": "3.2.6",
        "CacheClusterCreateTime": "2019-05-01T00:00:00Z",
    }
    write("elasticache", "DescribeReplicationGroups", {"ReplicationGroups": [group]})
    write("elasticache", "DescribeCacheClusters", {"CacheClusters": [member]})
    write(
        "elasticache",
        "DescribeUserGroups",
        None,
        outcome="error",
        error={"code": "InvalidParameterValue", "message": "not supported, in this region"},
    )
    write(
        "artifact",
        "ListCustomerAgreements",
        None,
        region="global",
        outcome="error",
        error={"code": "AccessDeniedException", "message": "denied"},
    )


def test_build_frames_writes_every_frame(store: RawStore, write: WritePage) -> None:
    """Every declared frame is built, validated and written as parquet."""
    _seed(write)
    frames = build_frames(store.run_dir)
    assert list(frames) == list(SCHEMAS)
    for name, frame in frames.items():
        SCHEMAS[name].validate(frame)
        assert (store.run_dir / "frames" / f"{name}.parquet").is_file()
    row = row_of(frames["replication_groups"], "rg-legacy")
    assert row["engine_version"] == "3.2.6"
    assert row["transit_encryption_mode"] == "required"
    assert tri(row["auth_token_enabled"]) is None


def test_error_pages_become_gaps_and_csv(store: RawStore, write: WritePage) -> None:
    """Error pages are collection_gaps rows and lines of gaps.csv, and nothing else."""
    _seed(write)
    frames = build_frames(store.run_dir)
    gaps = frames["collection_gaps"]
    assert sorted(gaps["resource_id"]) == [
        "artifact:ListCustomerAgreements",
        "elasticache:DescribeUserGroups",
    ]
    user_gap = row_of(gaps, "elasticache:DescribeUserGroups")
    assert user_gap["error_code"] == "InvalidParameterValue"
    assert user_gap["region"] == "us-east-1"
    assert frames["user_groups"].empty
    with (store.run_dir / "gaps.csv").open(encoding="utf-8", newline="") as handle:
        lines = list(csv.DictReader(handle))
    assert list(lines[0]) == [
        "account_id",
        "region",
        "service",
        "operation",
        "error_code",
        "error_message",
    ]
    by_operation = {line["operation"]: line for line in lines}
    assert by_operation["DescribeUserGroups"]["error_message"] == "not supported, in this region"
    assert by_operation["ListCustomerAgreements"]["region"] == "global"


def test_parquet_round_trip_is_exact(store: RawStore, write: WritePage) -> None:
    """load_frames returns frames equal to the built ones, dtypes included."""
    _seed(write)
    built = build_frames(store.run_dir)
    loaded = load_frames(store.run_dir)
    for name, frame in built.items():
        pd.testing.assert_frame_equal(loaded[name], frame, check_exact=True)
        assert loaded[name].dtypes.equals(frame.dtypes)


def test_build_twice_is_identical(store: RawStore, write: WritePage) -> None:
    """Building again from the same raw gives equal frames and byte-identical parquet."""
    _seed(write)
    first = build_frames(store.run_dir)
    folder = store.run_dir / "frames"
    before = {path.name: path.read_bytes() for path in folder.glob("*.parquet")}
    shutil.rmtree(folder)
    second = build_frames(store.run_dir)
    after = {path.name: path.read_bytes() for path in folder.glob("*.parquet")}
    assert all(first[name].equals(second[name]) for name in SCHEMAS)
    assert before == after


def test_missing_frame_and_raw_are_refused(tmp_path: Path) -> None:
    """A folder without raw/ or without a frame raises RunFolderError."""
    with pytest.raises(RunFolderError, match="raw"):
        build_frames(tmp_path)
    with pytest.raises(RunFolderError, match="replication_groups"):
        load_frame(tmp_path, "replication_groups")


def test_cloudtrail_events_empty_without_builder(
    store: RawStore, write: WritePage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without build_cloudtrail_events in evidence_lib.cloudtrail the frame is empty."""
    _seed(write)
    monkeypatch.setitem(sys.modules, "evidence_lib.cloudtrail", types.ModuleType("stand_in"))
    frame = build_frames(store.run_dir)["cloudtrail_events"]
    assert frame.empty
    SCHEMAS["cloudtrail_events"].validate(frame)


def test_cloudtrail_events_from_builder(
    store: RawStore, write: WritePage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When evidence_lib.cloudtrail provides the builder, its rows are used and coerced."""
    _seed(write)
    schema = SCHEMAS["cloudtrail_events"]
    row = {column: None for column in schema.all_columns}
    row.update(resource_type="event", resource_id="ev-1", event_id="ev-1", read_only=False)
    row["event_time"] = "2026-11-02T10:00:00Z"
    module = types.ModuleType("stand_in")
    module.build_cloudtrail_events = lambda _store: pd.DataFrame([row])
    monkeypatch.setitem(sys.modules, "evidence_lib.cloudtrail", module)
    frame = build_frames(store.run_dir)["cloudtrail_events"]
    schema.validate(frame)
    assert frame.loc[0, "event_time"] == pd.Timestamp("2026-11-02T10:00:00Z")
    assert tri(frame.loc[0, "read_only"]) is False
