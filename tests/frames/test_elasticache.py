"""Tests of the replication group, cache cluster, node group member and serverless frames."""

from __future__ import annotations

import json

import pandas as pd

from evidence_lib.frames.elasticache import (
    build_cache_clusters,
    build_node_group_members,
    build_replication_groups,
    build_serverless_caches,
)
from evidence_lib.frames.schema import SCHEMAS
from evidence_lib.rawstore import RawStore

from .helpers import WritePage, row_of, tri


def _member(cluster_id: str, group: str | None, zone: str, **extra: object) -> dict:
    base = {
        "CacheClusterId": cluster_id,
        "Engine": "redis",
        "EngineVersion": "7.1.0",
        "CacheClusterStatus": "available",
        "NumCacheNodes": 1,
        "PreferredAvailabilityZone": zone,
        "CacheClusterCreateTime": "2024-03-01T10:00:00Z",
        "PreferredMaintenanceWindow": "sun:05:00-sun:06:00",
        "CacheParameterGroup": {
            "CacheParameterGroupName": "pg-hardened",
            "ParameterApplyStatus": "in-sync",
        },
        "CacheSubnetGroupName": "private-subnets",
        "SecurityGroups": [{"SecurityGroupId": "sg-cache", "Status": "active"}],
        "NotificationConfiguration": {
            "TopicArn": "arn:aws:sns:us-east-1:1:ops",
            "TopicStatus": "active",
        },
        "CacheNodes": [{"CacheNodeId": "0001", "Endpoint": {"Address": "x", "Port": 6380}}],
        "AutoMinorVersionUpgrade": True,
        "TransitEncryptionEnabled": True,
        "TransitEncryptionMode": "required",
        "AtRestEncryptionEnabled": True,
        "AuthTokenEnabled": True,
        "ARN": f"arn:aws:elasticache:us-east-1:1:cluster:{cluster_id}",
    }
    if group:
        base["ReplicationGroupId"] = group
    base.update(extra)
    return base


def _hardened_group() -> dict:
    return {
        "ReplicationGroupId": "rg-hardened",
        "Description": "patient sessions",
        "Status": "available",
        "MemberClusters": ["rg-hardened-002", "rg-hardened-001"],
        "NodeGroups": [
            {
                "NodeGroupId": "0001",
                "PrimaryEndpoint": {"Address": "p", "Port": 6380},
                "NodeGroupMembers": [
                    {
                        "CacheClusterId": "rg-hardened-001",
                        "CacheNodeId": "0001",
                        "PreferredAvailabilityZone": "us-east-1a",
                        "CurrentRole": "primary",
                    },
                    {
                        "CacheClusterId": "rg-hardened-002",
                        "CacheNodeId": "0001",
                        "PreferredAvailabilityZone": "us-east-1b",
                        "CurrentRole": "replica",
                    },
                ],
            }
        ],
        "AutomaticFailover": "enabled",
        "MultiAZ": "enabled",
        "SnapshotRetentionLimit": 35,
        "SnapshotWindow": "03:00-04:00",
        "ClusterEnabled": False,
        "CacheNodeType": "cache.r7g.large",
        "AuthTokenEnabled": True,
        "TransitEncryptionEnabled": True,
        "TransitEncryptionMode": "required",
        "AtRestEncryptionEnabled": True,
        "KmsKeyId": "arn:aws:kms:us-east-1:1:key/cmk-1",
        "ARN": "arn:aws:elasticache:us-east-1:1:replicationgroup:rg-hardened",
        "UserGroupIds": ["ug-b", "ug-a"],
        "ReplicationGroupCreateTime": "2024-03-01T09:59:00Z",
        "AutoMinorVersionUpgrade": True,
        "Engine": "redis",
    }


def _legacy_group() -> dict:
    """Return a group as recorded before Engine, TransitEncryptionMode and MultiAZ existed."""
    return {
        "ReplicationGroupId": "rg-legacy",
        "Description": "old billing cache",
        "Status": "available",
        "MemberClusters": ["rg-legacy-001"],
        "NodeGroups": [{"NodeGroupId": "0001", "NodeGroupMembers": []}],
        "AutomaticFailover": "disabled",
        "TransitEncryptionEnabled": True,
        "CacheNodeType": "cache.m3.medium",
    }


def _seed(write: WritePage) -> dict[str, str]:
    paths = {
        "groups": write(
            "elasticache",
            "DescribeReplicationGroups",
            {"ReplicationGroups": [_hardened_group(), _legacy_group()]},
        ),
        "clusters": write(
            "elasticache",
            "DescribeCacheClusters",
            {
                "CacheClusters": [
                    _member("rg-hardened-001", "rg-hardened", "us-east-1a"),
                    _member("rg-hardened-002", "rg-hardened", "us-east-1b"),
                    _member("standalone-1", None, "us-east-1c", Engine="memcached"),
                ]
            },
        ),
    }
    legacy = _member("rg-legacy-001", "rg-legacy", "us-east-1a", EngineVersion="3.2.6")
    for absent in ("TransitEncryptionMode", "AuthTokenEnabled", "AtRestEncryptionEnabled"):
        legacy.pop(absent)
    paths["legacy_member"] = write(
        "elasticache", "DescribeCacheClusters", {"CacheClusters": [legacy]}
    )
    return paths


def test_replication_group_joins_member_settings(store: RawStore, write: WritePage) -> None:
    """Engine version, parameter group, SNS topic, SGs and AZs come from member clusters."""
    paths = _seed(write)
    frame = build_replication_groups(store)
    SCHEMAS["replication_groups"].validate(frame)
    row = row_of(frame, "rg-hardened")
    assert row["engine_version"] == "7.1.0"
    assert row["cache_parameter_group_name"] == "pg-hardened"
    assert row["cache_subnet_group_name"] == "private-subnets"
    assert row["notification_topic_arn"] == "arn:aws:sns:us-east-1:1:ops"
    assert row["preferred_maintenance_window"] == "sun:05:00-sun:06:00"
    assert json.loads(row["security_group_ids"]) == ["sg-cache"]
    assert json.loads(row["availability_zones"]) == ["us-east-1a", "us-east-1b"]
    assert json.loads(row["member_cluster_ids"]) == ["rg-hardened-001", "rg-hardened-002"]
    assert json.loads(row["user_group_ids"]) == ["ug-a", "ug-b"]
    assert row["port"] == 6380
    assert row["raw_path"] == ";".join(sorted([paths["groups"], paths["clusters"]]))


def test_replication_group_flags(store: RawStore, write: WritePage) -> None:
    """MultiAZ and AutomaticFailover words become booleans; the KMS key is as reported."""
    _seed(write)
    row = row_of(build_replication_groups(store), "rg-hardened")
    assert row["multi_az"] == "enabled"
    assert tri(row["multi_az_enabled"]) is True
    assert tri(row["automatic_failover_enabled"]) is True
    assert row["kms_key_id"] == "arn:aws:kms:us-east-1:1:key/cmk-1"
    assert row["snapshot_retention_limit_days"] == 35
    assert row["create_time"] == pd.Timestamp("2024-03-01T09:59:00Z")


def test_legacy_group_engine_version_from_members(store: RawStore, write: WritePage) -> None:
    """The legacy group's engine 3.2.6 and engine name come from its member cluster."""
    paths = _seed(write)
    row = row_of(build_replication_groups(store), "rg-legacy")
    assert row["engine_version"] == "3.2.6"
    assert row["engine"] == "redis"
    assert paths["legacy_member"] in row["raw_path"].split(";")


def test_legacy_transit_without_mode_is_required(store: RawStore, write: WritePage) -> None:
    """TLS enabled with no TransitEncryptionMode reads as 'required', in groups and clusters."""
    _seed(write)
    assert (
        row_of(build_replication_groups(store), "rg-legacy")["transit_encryption_mode"]
        == "required"
    )
    clusters = build_cache_clusters(store)
    assert row_of(clusters, "rg-legacy-001")["transit_encryption_mode"] == "required"


def test_missing_fields_are_not_reported(store: RawStore, write: WritePage) -> None:
    """Fields absent from older responses are <NA> booleans, not False."""
    _seed(write)
    row = row_of(build_replication_groups(store), "rg-legacy")
    assert tri(row["multi_az_enabled"]) is None
    assert row["multi_az"] is pd.NA
    assert tri(row["at_rest_encryption_enabled"]) is None
    assert tri(row["auth_token_enabled"]) is None
    assert tri(row["automatic_failover_enabled"]) is False
    assert row["port"] == 6380
    cluster = row_of(build_cache_clusters(store), "rg-legacy-001")
    assert tri(cluster["auth_token_enabled"]) is None
    assert tri(cluster["at_rest_encryption_enabled"]) is None


def test_cache_clusters_every_node(store: RawStore, write: WritePage) -> None:
    """Every cluster is a row; members carry their group's KMS key, standalone ones do not."""
    _seed(write)
    frame = build_cache_clusters(store)
    SCHEMAS["cache_clusters"].validate(frame)
    assert sorted(frame["resource_id"]) == [
        "rg-hardened-001",
        "rg-hardened-002",
        "rg-legacy-001",
        "standalone-1",
    ]
    member = row_of(frame, "rg-hardened-002")
    assert member["replication_group_id"] == "rg-hardened"
    assert member["kms_key_id"] == "arn:aws:kms:us-east-1:1:key/cmk-1"
    assert member["parameter_apply_status"] == "in-sync"
    standalone = row_of(frame, "standalone-1")
    assert standalone["replication_group_id"] is pd.NA
    assert standalone["kms_key_id"] is pd.NA
    assert standalone["engine"] == "memcached"


def test_cluster_without_security_groups_is_not_reported(store: RawStore, write: WritePage) -> None:
    """A cluster response without SecurityGroups gives <NA>, not an empty list."""
    cluster = _member("bare-1", None, "us-east-1a")
    cluster.pop("SecurityGroups")
    write("elasticache", "DescribeCacheClusters", {"CacheClusters": [cluster]})
    assert row_of(build_cache_clusters(store), "bare-1")["security_group_ids"] is pd.NA


def test_error_pages_contribute_no_rows(store: RawStore, write: WritePage) -> None:
    """A failed DescribeReplicationGroups call yields no rows (it is a gap)."""
    write(
        "elasticache",
        "DescribeReplicationGroups",
        None,
        outcome="error",
        error={"code": "AccessDenied", "message": "denied"},
    )
    frame = build_replication_groups(store)
    assert frame.empty
    SCHEMAS["replication_groups"].validate(frame)


def test_node_group_members(store: RawStore, write: WritePage) -> None:
    """Each node of a node group is a row keyed '<cluster>/<node>' with AZ and role."""
    _seed(write)
    frame = build_node_group_members(store)
    SCHEMAS["node_group_members"].validate(frame)
    assert sorted(frame["resource_id"]) == ["rg-hardened-001/0001", "rg-hardened-002/0001"]
    row = row_of(frame, "rg-hardened-002/0001")
    assert row["preferred_availability_zone"] == "us-east-1b"
    assert row["current_role"] == "replica"
    assert row["replication_group_id"] == "rg-hardened"


def test_serverless_caches(store: RawStore, write: WritePage) -> None:
    """A serverless cache keeps its versions, port, key and sorted subnet IDs."""
    cache = {
        "ServerlessCacheName": "sessions-sl",
        "Status": "available",
        "Engine": "valkey",
        "MajorEngineVersion": "8",
        "FullEngineVersion": "8.0",
        "Endpoint": {"Address": "e", "Port": 6379},
        "SecurityGroupIds": ["sg-1"],
        "SubnetIds": ["subnet-b", "subnet-a"],
        "SnapshotRetentionLimit": 7,
        "CreateTime": "2025-01-02T03:04:05Z",
        "ARN": "arn:aws:elasticache:us-east-1:1:serverlesscache:sessions-sl",
    }
    write("elasticache", "DescribeServerlessCaches", {"ServerlessCaches": [cache]})
    frame = build_serverless_caches(store)
    SCHEMAS["serverless_caches"].validate(frame)
    row = row_of(frame, "sessions-sl")
    assert row["port"] == 6379
    assert row["kms_key_id"] is pd.NA
    assert json.loads(row["subnet_ids"]) == ["subnet-a", "subnet-b"]
    assert row["snapshot_retention_limit_days"] == 7


def test_group_without_zone_evidence(store: RawStore, write: WritePage) -> None:
    """A group with no member clusters and no node AZs has <NA> AZs and member settings."""
    group = {"ReplicationGroupId": "rg-lonely", "NodeGroups": [{"NodeGroupId": "0001"}]}
    write("elasticache", "DescribeReplicationGroups", {"ReplicationGroups": [group]})
    row = row_of(build_replication_groups(store), "rg-lonely")
    assert row["availability_zones"] is pd.NA
    assert row["engine_version"] is pd.NA
    assert row["security_group_ids"] is pd.NA
    assert row["num_node_groups"] == 1
