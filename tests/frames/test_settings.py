"""Tests of the snapshot, engine version, parameter group, user group and update frames."""

from __future__ import annotations

import json

import pandas as pd

from evidence_lib.frames.schema import SCHEMAS
from evidence_lib.frames.settings import (
    build_engine_versions,
    build_parameter_groups,
    build_service_updates,
    build_snapshots,
    build_user_groups,
)
from evidence_lib.rawstore import RawStore

from .helpers import WritePage, row_of, tri


def test_snapshots_node_and_serverless(store: RawStore, write: WritePage) -> None:
    """Node snapshots take their newest node time; serverless ones their CreateTime."""
    node = {
        "SnapshotName": "automatic.rg-hardened-2026-11-30",
        "ReplicationGroupId": "rg-hardened",
        "SnapshotStatus": "available",
        "SnapshotSource": "automated",
        "Engine": "redis",
        "EngineVersion": "7.1.0",
        "SnapshotRetentionLimit": 35,
        "KmsKeyId": "arn:aws:kms:us-east-1:1:key/cmk-1",
        "NodeSnapshots": [
            {"CacheClusterId": "a", "SnapshotCreateTime": "2026-11-30T03:10:00Z"},
            {"CacheClusterId": "b", "SnapshotCreateTime": "2026-11-30T03:20:00Z"},
        ],
    }
    serverless = {
        "ServerlessCacheSnapshotName": "sl-manual",
        "SnapshotType": "manual",
        "Status": "available",
        "CreateTime": "2026-10-01T00:00:00Z",
        "ServerlessCacheConfiguration": {
            "ServerlessCacheName": "sessions-sl",
            "Engine": "valkey",
            "MajorEngineVersion": "8",
        },
    }
    write("elasticache", "DescribeSnapshots", {"Snapshots": [node]})
    write(
        "elasticache",
        "DescribeServerlessCacheSnapshots",
        {"ServerlessCacheSnapshots": [serverless]},
    )
    frame = build_snapshots(store)
    SCHEMAS["snapshots"].validate(frame)
    row = row_of(frame, "automatic.rg-hardened-2026-11-30")
    assert row["snapshot_time"] == pd.Timestamp("2026-11-30T03:20:00Z")
    assert row["snapshot_source"] == "automated"
    assert row["snapshot_retention_limit_days"] == 35
    other = row_of(frame, "sl-manual")
    assert other["serverless_cache_name"] == "sessions-sl"
    assert other["engine"] == "valkey"
    assert other["snapshot_time"] == pd.Timestamp("2026-10-01T00:00:00Z")
    assert other["kms_key_id"] is pd.NA


def test_engine_versions_major(store: RawStore, write: WritePage) -> None:
    """Engine versions are keyed '<engine>-<version>' with an integer major version."""
    versions = [
        {"Engine": "redis", "EngineVersion": "7.1.0", "CacheParameterGroupFamily": "redis7"},
        {"Engine": "redis", "EngineVersion": "3.2.6", "CacheParameterGroupFamily": "redis3.2"},
        {"Engine": "valkey", "EngineVersion": "8.0", "CacheParameterGroupFamily": "valkey8"},
    ]
    write("elasticache", "DescribeCacheEngineVersions", {"CacheEngineVersions": versions})
    frame = build_engine_versions(store)
    SCHEMAS["engine_versions"].validate(frame)
    assert row_of(frame, "redis-3.2.6")["major_version"] == 3
    assert row_of(frame, "valkey-8.0")["major_version"] == 8
    assert str(frame["major_version"].dtype) == "Int64"


def test_parameter_groups_user_parameters(store: RawStore, write: WritePage) -> None:
    """User-set parameters are joined by group name; uncollected groups stay <NA>."""
    groups = [
        {"CacheParameterGroupName": "default.redis7", "CacheParameterGroupFamily": "redis7"},
        {"CacheParameterGroupName": "pg-hardened", "CacheParameterGroupFamily": "redis7"},
    ]
    group_page = write(
        "elasticache", "DescribeCacheParameterGroups", {"CacheParameterGroups": groups}
    )
    parameters = [
        {"ParameterName": "timeout", "ParameterValue": "300", "Source": "user"},
        {"ParameterName": "maxmemory-policy", "ParameterValue": "volatile-lru", "Source": "system"},
    ]
    parameter_page = write(
        "elasticache",
        "DescribeCacheParameters",
        {"Parameters": parameters},
        request={"CacheParameterGroupName": "pg-hardened"},
    )
    frame = build_parameter_groups(store)
    SCHEMAS["parameter_groups"].validate(frame)
    custom = row_of(frame, "pg-hardened")
    assert json.loads(custom["parameters_json"]) == {"timeout": "300"}
    assert tri(custom["is_default"]) is False
    assert custom["raw_path"] == ";".join(sorted([group_page, parameter_page]))
    default = row_of(frame, "default.redis7")
    assert tri(default["is_default"]) is True
    assert default["parameters_json"] is pd.NA
    assert tri(default["is_global"]) is None


def test_user_groups(store: RawStore, write: WritePage) -> None:
    """User groups list their users and caches as sorted JSON."""
    group = {
        "UserGroupId": "ug-app",
        "Status": "active",
        "Engine": "redis",
        "UserIds": ["default", "app"],
        "ReplicationGroups": ["rg-hardened"],
        "MinimumEngineVersion": "6.0",
    }
    write("elasticache", "DescribeUserGroups", {"UserGroups": [group]})
    frame = build_user_groups(store)
    SCHEMAS["user_groups"].validate(frame)
    row = row_of(frame, "ug-app")
    assert json.loads(row["user_ids"]) == ["app", "default"]
    assert json.loads(row["serverless_cache_names"]) == []


def test_service_updates(store: RawStore, write: WritePage) -> None:
    """Update actions are keyed by update name and target, with UTC apply-by times."""
    action = {
        "ServiceUpdateName": "elasticache-20260901-002",
        "ServiceUpdateSeverity": "critical",
        "ServiceUpdateType": "security-update",
        "ServiceUpdateStatus": "available",
        "UpdateActionStatus": "not-applied",
        "ReplicationGroupId": "rg-legacy",
        "ServiceUpdateReleaseDate": "2026-09-01T00:00:00Z",
        "ServiceUpdateRecommendedApplyByDate": "2026-10-01T00:00:00Z",
        "SlaMet": "no",
    }
    write("elasticache", "DescribeUpdateActions", {"UpdateActions": [action]})
    frame = build_service_updates(store)
    SCHEMAS["service_updates"].validate(frame)
    row = row_of(frame, "elasticache-20260901-002/rg-legacy")
    assert row["service_update_recommended_apply_by_time"] == pd.Timestamp("2026-10-01", tz="UTC")
    assert row["update_action_available_time"] is pd.NaT
    assert row["cache_cluster_id"] is pd.NA
