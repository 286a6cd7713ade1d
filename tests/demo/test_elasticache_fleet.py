"""The seeded ElastiCache fleet, as a stock boto3 client reads it over HTTP."""

from __future__ import annotations

import datetime as dt
from typing import Any

import boto3
import pytest

from evidence_lib.checks import evaluate_check
from evidence_lib.demo.fleet import archive_bucket_name
from evidence_lib.frames import build_frames
from evidence_lib.runfolder import open_run
from tests.fixtures_demo import DEMO_NOW, SeededEndpoint


def _elasticache(demo: SeededEndpoint, region: str = "us-east-1") -> Any:
    return boto3.client("elasticache", endpoint_url=demo.url, region_name=region)


def _cluster(client: Any, cluster_id: str) -> dict[str, Any]:
    answer = client.describe_cache_clusters(CacheClusterId=cluster_id, ShowCacheNodeInfo=True)
    return answer["CacheClusters"][0]


def test_member_clusters_carry_settings_of_the_hardened_group(demo_endpoint):
    """Member clusters report engine version, security groups, parameter group and SNS topic."""
    client, fleet = _elasticache(demo_endpoint), demo_endpoint.fleet
    group = client.describe_replication_groups(ReplicationGroupId=fleet.groups["hardened"])
    members = group["ReplicationGroups"][0]["MemberClusters"]
    assert members == [f"nwh-patient-sessions-prod-00{n}" for n in (1, 2, 3)]
    cluster = _cluster(client, members[0])
    assert cluster["EngineVersion"] == "7.1.0"
    assert cluster["ReplicationGroupId"] == "nwh-patient-sessions-prod"
    assert cluster["SecurityGroups"] == [
        {"SecurityGroupId": fleet.security_groups["restricted"], "Status": "active"}
    ]
    assert cluster["CacheParameterGroup"]["CacheParameterGroupName"] == "nwh-redis7-hardened"
    assert cluster["NotificationConfiguration"] == {
        "TopicArn": fleet.topics["cache-events"],
        "TopicStatus": "active",
    }
    assert cluster["PreferredMaintenanceWindow"] == "sun:05:00-sun:06:00"
    assert cluster["CacheSubnetGroupName"] == "nwh-cache-private"
    assert cluster["CacheNodes"][0]["Endpoint"]["Port"] == 6380


def test_replication_group_reports_encryption_and_backup_settings(demo_endpoint):
    """The hardened group reports Multi-AZ, failover, CMK, TLS mode, RBAC and retention."""
    client, fleet = _elasticache(demo_endpoint), demo_endpoint.fleet
    answer = client.describe_replication_groups(ReplicationGroupId=fleet.groups["hardened"])
    group = answer["ReplicationGroups"][0]
    assert (group["MultiAZ"], group["AutomaticFailover"]) == ("enabled", "enabled")
    assert group["AtRestEncryptionEnabled"] is True
    assert group["KmsKeyId"] == fleet.kms_key_arn
    assert group["TransitEncryptionMode"] == "required"
    assert group["UserGroupIds"] == ["nwh-rbac-prod"]
    assert (group["SnapshotRetentionLimit"], group["SnapshotWindow"]) == (35, "03:00-04:00")
    assert group["LogDeliveryConfigurations"][0]["LogType"] == "slow-log"
    assert group["NodeGroups"][0]["PrimaryEndpoint"]["Port"] == 6380
    assert group["NodeGroups"][0]["ReaderEndpoint"]["Port"] == 6380
    assert "EngineVersion" not in group


def test_node_group_members_report_their_availability_zones(demo_endpoint):
    """NodeGroupMembers name their AZ and role; the single-AZ group has all in one AZ."""
    client, fleet = _elasticache(demo_endpoint), demo_endpoint.fleet
    zones = {}
    for role in ("hardened", "single_az_replicas"):
        group = client.describe_replication_groups(ReplicationGroupId=fleet.groups[role])
        members = group["ReplicationGroups"][0]["NodeGroups"][0]["NodeGroupMembers"]
        zones[role] = [(m["PreferredAvailabilityZone"], m["CurrentRole"]) for m in members]
    assert zones["hardened"] == [
        ("us-east-1a", "primary"),
        ("us-east-1b", "replica"),
        ("us-east-1c", "replica"),
    ]
    assert {zone for zone, _ in zones["single_az_replicas"]} == {"us-east-1a"}


def test_cluster_mode_group_has_three_shards_across_zones(demo_endpoint):
    """The cluster-mode group has 3 node groups of 2 members, each spanning 2 AZs."""
    client, fleet = _elasticache(demo_endpoint), demo_endpoint.fleet
    answer = client.describe_replication_groups(ReplicationGroupId=fleet.groups["cluster_mode"])
    group = answer["ReplicationGroups"][0]
    assert group["ClusterEnabled"] is True
    assert group["ConfigurationEndpoint"]["Port"] == 6379
    assert len(group["NodeGroups"]) == 3
    for node_group in group["NodeGroups"]:
        members = node_group["NodeGroupMembers"]
        assert len({m["PreferredAvailabilityZone"] for m in members}) == 2


def test_legacy_and_valkey_groups_look_as_seeded(demo_endpoint):
    """The legacy group has everything off; the Valkey group names a missing SNS topic."""
    client, fleet = _elasticache(demo_endpoint), demo_endpoint.fleet
    legacy = _cluster(client, "nwh-claims-cache-legacy-001")
    assert legacy["EngineVersion"] == "3.2.6"
    assert legacy["AtRestEncryptionEnabled"] is False
    assert legacy["TransitEncryptionEnabled"] is False
    assert legacy["CacheParameterGroup"]["CacheParameterGroupName"] == "default.redis3.2"
    valkey = _cluster(client, "nwh-telehealth-valkey-001")
    assert (valkey["Engine"], valkey["EngineVersion"]) == ("valkey", "7.2.6")
    assert valkey["NotificationConfiguration"]["TopicArn"] == fleet.topics["missing"]


def test_transit_preferred_group_reports_preferred_mode(demo_endpoint):
    """The provider directory group reports TransitEncryptionMode 'preferred'."""
    client, fleet = _elasticache(demo_endpoint), demo_endpoint.fleet
    answer = client.describe_replication_groups(
        ReplicationGroupId=fleet.groups["transit_preferred"]
    )
    assert answer["ReplicationGroups"][0]["TransitEncryptionMode"] == "preferred"


def test_standalone_clusters_report_ports_and_subnet_groups(demo_endpoint):
    """The standalone Redis node uses 6379 in 'default'; Memcached has a config endpoint."""
    client, fleet = _elasticache(demo_endpoint), demo_endpoint.fleet
    redis = _cluster(client, fleet.clusters["standalone_redis"])
    assert redis["CacheSubnetGroupName"] == "default"
    assert redis["CacheNodes"][0]["Endpoint"]["Port"] == 6379
    assert "ReplicationGroupId" not in redis
    memcached = _cluster(client, fleet.clusters["memcached"])
    assert memcached["ConfigurationEndpoint"]["Port"] == 11211
    assert [node["CacheNodeId"] for node in memcached["CacheNodes"]] == ["0001", "0002"]


def test_cache_nodes_only_with_show_cache_node_info(demo_endpoint):
    """CacheNodes appear only when ShowCacheNodeInfo is set, as in AWS."""
    client = _elasticache(demo_endpoint)
    plain = client.describe_cache_clusters(CacheClusterId="nwh-reports-redis")["CacheClusters"]
    assert "CacheNodes" not in plain[0]


def test_standalone_filter_excludes_member_clusters(demo_endpoint):
    """ShowCacheClustersNotInReplicationGroups lists only standalone clusters."""
    client = _elasticache(demo_endpoint)
    answer = client.describe_cache_clusters(ShowCacheClustersNotInReplicationGroups=True)
    ids = sorted(c["CacheClusterId"] for c in answer["CacheClusters"])
    assert ids == ["nwh-formulary-memcached", "nwh-reports-redis"]


def test_describe_cache_clusters_pages_with_markers(demo_endpoint):
    """DescribeCacheClusters pages by MaxRecords with a Marker, and the pages add up."""
    client = _elasticache(demo_endpoint)
    pages = client.get_paginator("describe_cache_clusters").paginate(
        PaginationConfig={"PageSize": 20}
    )
    sizes = [len(page["CacheClusters"]) for page in pages]
    assert sizes[0] == 20
    assert sum(sizes) == len(client.describe_cache_clusters()["CacheClusters"])


def _snapshots(client: Any, **filters: Any) -> list[dict[str, Any]]:
    paginator = client.get_paginator("describe_snapshots")
    pages = paginator.paginate(**filters, PaginationConfig={"PageSize": 50})
    return [snapshot for page in pages for snapshot in page["Snapshots"]]


def test_snapshots_page_by_fifty(demo_endpoint):
    """DescribeSnapshots pages of 50 through boto3's paginator; names are unique."""
    client = _elasticache(demo_endpoint)
    first = client.describe_snapshots(MaxRecords=50)
    assert len(first["Snapshots"]) == 50
    assert "Marker" in first
    names = [s["SnapshotName"] for s in _snapshots(client)]
    assert len(names) == len(set(names)) > 50


def test_automated_snapshots_follow_retention(demo_endpoint):
    """The hardened group has 35 daily automated snapshots, the newest a day old."""
    client, fleet = _elasticache(demo_endpoint), demo_endpoint.fleet
    snapshots = _snapshots(
        client, ReplicationGroupId=fleet.groups["hardened"], SnapshotSource="system"
    )
    assert len(snapshots) == 35
    assert {s["SnapshotSource"] for s in snapshots} == {"automated"}
    times = [s["NodeSnapshots"][0]["SnapshotCreateTime"] for s in snapshots]
    newest = (DEMO_NOW - dt.timedelta(days=1)).replace(hour=3)  # the 03:00-04:00 window
    assert max(times) == newest
    assert snapshots[0]["KmsKeyId"] == fleet.kms_key_arn


def test_stale_group_newest_snapshot_is_nine_days_old(demo_endpoint):
    """The stale group's newest snapshot was taken nine days before the demo's present."""
    client, fleet = _elasticache(demo_endpoint), demo_endpoint.fleet
    snapshots = _snapshots(client, ReplicationGroupId=fleet.groups["stale_backup"])
    newest = max(s["NodeSnapshots"][0]["SnapshotCreateTime"] for s in snapshots)
    assert (DEMO_NOW - newest).days == 9


def test_manual_snapshot_is_listed_as_manual(demo_endpoint):
    """A manual snapshot reports SnapshotSource 'manual'."""
    client = _elasticache(demo_endpoint)
    answer = client.describe_snapshots(SnapshotName="nwh-patient-sessions-prod-pre-upgrade")
    assert answer["Snapshots"][0]["SnapshotSource"] == "manual"


def test_no_backup_group_has_no_snapshots(demo_endpoint):
    """The group with retention 0 has no snapshots at all."""
    client, fleet = _elasticache(demo_endpoint), demo_endpoint.fleet
    assert _snapshots(client, ReplicationGroupId=fleet.groups["no_backups"]) == []


@pytest.mark.parametrize(
    ("engine", "versions"),
    [
        ("redis", {"3.2.6", "4.0.10", "5.0.6", "6.0", "6.2.6", "7.0.7", "7.1.0"}),
        ("valkey", {"7.2.4", "7.2.6", "8.0.1"}),
    ],
    ids=["redis", "valkey"],
)
def test_engine_versions_are_offered(demo_endpoint, engine, versions):
    """DescribeCacheEngineVersions lists the engine's versions with their families."""
    client = _elasticache(demo_endpoint)
    answer = client.describe_cache_engine_versions(Engine=engine)
    offered = {v["EngineVersion"] for v in answer["CacheEngineVersions"]}
    assert versions <= offered
    assert all(v["CacheParameterGroupFamily"] for v in answer["CacheEngineVersions"])


def test_overdue_security_update_on_legacy_group(demo_endpoint):
    """DescribeUpdateActions shows an important security update not applied past its date."""
    client, fleet = _elasticache(demo_endpoint), demo_endpoint.fleet
    actions = client.describe_update_actions(ReplicationGroupIds=[fleet.groups["legacy"]])
    (action,) = actions["UpdateActions"]
    assert action["ServiceUpdateType"] == "security-update"
    assert action["ServiceUpdateSeverity"] == "important"
    assert action["UpdateActionStatus"] == "not-applied"
    assert action["ServiceUpdateRecommendedApplyByDate"] < DEMO_NOW
    applied = client.describe_update_actions(UpdateActionStatus=["complete"])["UpdateActions"]
    assert fleet.groups["hardened"] in {a.get("ReplicationGroupId") for a in applied}


def test_serverless_cache_and_its_snapshots(demo_endpoint):
    """DescribeServerlessCaches and DescribeServerlessCacheSnapshots list the Valkey cache."""
    client, fleet = _elasticache(demo_endpoint), demo_endpoint.fleet
    (cache,) = client.describe_serverless_caches()["ServerlessCaches"]
    assert cache["ServerlessCacheName"] == fleet.serverless["valkey"]
    assert (cache["Engine"], cache["FullEngineVersion"]) == ("valkey", "8.0.1")
    assert cache["KmsKeyId"] == fleet.kms_key_arn
    assert cache["Endpoint"]["Port"] == 6379
    snapshots = client.describe_serverless_cache_snapshots(
        ServerlessCacheName=fleet.serverless["valkey"]
    )["ServerlessCacheSnapshots"]
    assert sorted(s["SnapshotType"] for s in snapshots) == ["automated", "manual"]


def test_user_groups_name_their_users_and_caches(demo_endpoint):
    """DescribeUserGroups lists the RBAC groups with the caches that use them."""
    client = _elasticache(demo_endpoint)
    groups = {g["UserGroupId"]: g for g in client.describe_user_groups()["UserGroups"]}
    assert groups["nwh-rbac-prod"]["ReplicationGroups"] == ["nwh-patient-sessions-prod"]
    assert "nwh-app-user" in groups["nwh-rbac-prod"]["UserIds"]
    assert groups["nwh-rbac-valkey"]["ServerlessCaches"] == ["nwh-member-portal-serverless"]


def test_parameter_groups_and_user_modified_parameters(demo_endpoint):
    """The custom parameter group exists beside default.redis7 and has user parameters."""
    client = _elasticache(demo_endpoint)
    groups = client.describe_cache_parameter_groups()["CacheParameterGroups"]
    names = {g["CacheParameterGroupName"]: g["CacheParameterGroupFamily"] for g in groups}
    assert names["default.redis7"] == "redis7"
    assert names["nwh-redis7-hardened"] == "redis7"
    user = client.describe_cache_parameters(
        CacheParameterGroupName="nwh-redis7-hardened", Source="user"
    )["Parameters"]
    assert {p["ParameterName"]: p["ParameterValue"] for p in user}["maxmemory-policy"] == (
        "allkeys-lru"
    )
    default = client.describe_cache_parameters(CacheParameterGroupName="default.redis7")
    assert {p["Source"] for p in default["Parameters"]} == {"system"}


def test_events_within_a_time_range(demo_endpoint):
    """DescribeEvents returns the seeded events inside StartTime/EndTime, newest first."""
    client = _elasticache(demo_endpoint)
    events = client.describe_events(StartTime=DEMO_NOW - dt.timedelta(hours=2), EndTime=DEMO_NOW)[
        "Events"
    ]
    assert [e["SourceIdentifier"] for e in events] == [
        "nwh-patient-sessions-prod",
        "nwh-scheduling-cache",
        "nwh-reports-redis",
    ]


def test_west_region_holds_the_dr_group(demo_endpoint):
    """us-west-2 holds the DR group and its own automated snapshots."""
    client = _elasticache(demo_endpoint, "us-west-2")
    groups = client.describe_replication_groups()["ReplicationGroups"]
    assert [g["ReplicationGroupId"] for g in groups] == ["nwh-patient-sessions-dr"]
    assert len(_snapshots(client)) == 35


def test_events_by_duration_follow_the_demo_clock(demo_endpoint):
    """DescribeEvents' Duration counts back from the demo's present, not the wall clock."""
    client = _elasticache(demo_endpoint)
    events = client.describe_events(Duration=24 * 60)["Events"]
    assert "nwh-reports-redis" in {e["SourceIdentifier"] for e in events}
    assert "nwh-analytics-cluster" not in {e["SourceIdentifier"] for e in events}


def test_caches_are_created_before_their_snapshots(demo_endpoint):
    """Group and member create times precede every snapshot of the group."""
    client, fleet = _elasticache(demo_endpoint), demo_endpoint.fleet
    group_id = fleet.groups["hardened"]
    group = client.describe_replication_groups(ReplicationGroupId=group_id)["ReplicationGroups"][0]
    created = group["ReplicationGroupCreateTime"]
    assert created < DEMO_NOW - dt.timedelta(days=365)
    assert _cluster(client, group["MemberClusters"][0])["CacheClusterCreateTime"] == created
    snapshots = _snapshots(client, ReplicationGroupId=group_id)
    assert min(s["NodeSnapshots"][0]["SnapshotCreateTime"] for s in snapshots) > created


def test_archive_bucket_keeps_exports_locked_private_and_encrypted(demo_endpoint):
    """The export archive is versioned, locked 2190 days, private, CMK-encrypted, tiered."""
    s3, fleet = boto3.client("s3", endpoint_url=demo_endpoint.url), demo_endpoint.fleet
    bucket = archive_bucket_name(fleet.account_id)
    assert s3.get_bucket_location(Bucket=bucket).get("LocationConstraint") is None
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    lock = s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]
    assert lock["ObjectLockEnabled"] == "Enabled"
    retention = lock["Rule"]["DefaultRetention"]
    assert (retention["Mode"], retention["Days"]) == ("GOVERNANCE", 2190)
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert set(block.values()) == {True}
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"] == fleet.kms_key_arn
    (rule,) = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert [(t["Days"], t["StorageClass"]) for t in rule["Transitions"]] == [
        (35, "GLACIER"),
        (180, "DEEP_ARCHIVE"),
    ]
    assert rule["Expiration"]["Days"] >= 2190


def test_archive_bucket_holds_snapshot_exports(demo_endpoint):
    """Exports of the manual snapshots sit under exports/<group>/, encrypted with the CMK."""
    s3, fleet = boto3.client("s3", endpoint_url=demo_endpoint.url), demo_endpoint.fleet
    bucket = archive_bucket_name(fleet.account_id)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert "exports/nwh-claims-cache-legacy/nwh-claims-cache-legacy-final-2024.rdb" in keys
    assert len(keys) == 3
    head = s3.head_object(Bucket=bucket, Key=keys[0])
    assert (head["ServerSideEncryption"], head["SSEKMSKeyId"]) == ("aws:kms", fleet.kms_key_arn)
    assert head["ObjectLockMode"] == "GOVERNANCE"


@pytest.mark.slow
def test_demo_parameters_name_the_archive_and_it_passes(demo_run):
    """parameters/demo.yaml names the archive; long_term_archive passes on its object lock."""
    params = open_run(demo_run).params
    assert params.backups.archive_bucket == archive_bucket_name("123456789012")
    findings = evaluate_check("long_term_archive", build_frames(demo_run), params)
    assert list(findings["status"]) == ["PASS"]
    assert list(findings["resource_id"]) == [params.backups.archive_bucket]
    assert list(findings["reason"]) == ["object lock keeps exports 2190 days"]
