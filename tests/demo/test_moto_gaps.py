"""The ElastiCache gap extensions: errors and paging behave as AWS's do."""

from __future__ import annotations

import datetime as dt

import boto3
import pytest
from botocore.exceptions import ClientError

from evidence_lib.demo.moto_gaps import elasticache as gaps
from tests.fixtures_demo import SeededEndpoint


def _elasticache(demo: SeededEndpoint):
    return boto3.client("elasticache", endpoint_url=demo.url, region_name="us-east-1")


@pytest.mark.parametrize(
    ("operation", "arguments", "code"),
    [
        (
            "describe_cache_parameters",
            {"CacheParameterGroupName": "nope"},
            "CacheParameterGroupNotFound",
        ),
        (
            "describe_cache_parameter_groups",
            {"CacheParameterGroupName": "nope"},
            "CacheParameterGroupNotFound",
        ),
        ("describe_user_groups", {"UserGroupId": "nope"}, "UserGroupNotFound"),
        (
            "describe_serverless_caches",
            {"ServerlessCacheName": "nope"},
            "ServerlessCacheNotFoundFault",
        ),
        ("describe_snapshots", {"MaxRecords": 5}, "InvalidParameterValue"),
        ("describe_snapshots", {"Marker": "not-a-marker"}, "InvalidParameterValue"),
    ],
    ids=["parameters", "parameter-group", "user-group", "serverless", "max-records", "marker"],
)
def test_bad_requests_answer_aws_error_codes(demo_endpoint, operation, arguments, code):
    """Unknown names and bad paging arguments answer the AWS error code, not HTTP 500."""
    with pytest.raises(ClientError) as caught:
        getattr(_elasticache(demo_endpoint), operation)(**arguments)
    assert caught.value.response["Error"]["Code"] == code


def test_last_page_has_no_marker(demo_endpoint):
    """The last page of a listing carries no Marker, so paginators stop."""
    client = _elasticache(demo_endpoint)
    first = client.describe_snapshots(MaxRecords=50)
    second = client.describe_snapshots(MaxRecords=100, Marker=first["Marker"])
    assert "Marker" not in second
    names = {s["SnapshotName"] for s in first["Snapshots"]}
    assert names.isdisjoint(s["SnapshotName"] for s in second["Snapshots"])


def test_manual_snapshot_over_http_gets_node_snapshots(demo_endpoint):
    """CreateSnapshot through boto3 stores a manual snapshot with NodeSnapshots."""
    client = _elasticache(demo_endpoint)
    client.create_snapshot(
        SnapshotName="nwh-test-manual", ReplicationGroupId="nwh-billing-queue-dev"
    )
    try:
        (snapshot,) = client.describe_snapshots(SnapshotName="nwh-test-manual")["Snapshots"]
        assert snapshot["SnapshotSource"] == "manual"
        assert snapshot["NodeSnapshots"][0]["CacheClusterId"] == "nwh-billing-queue-dev-002"
    finally:
        client.delete_snapshot(SnapshotName="nwh-test-manual")


def test_default_only_engine_version_is_the_newest(demo_endpoint):
    """DefaultOnly answers one version per engine."""
    client = _elasticache(demo_endpoint)
    answer = client.describe_cache_engine_versions(Engine="valkey", DefaultOnly=True)
    assert [v["EngineVersion"] for v in answer["CacheEngineVersions"]] == ["8.0.1"]


def test_bulk_group_in_process_gets_members_and_snapshots(demo_endpoint):
    """add_replication_group and add_snapshot build members and NodeSnapshots in-process."""
    # A separate account keeps the shared demo account untouched.
    account, region = "111122223333", "eu-west-1"
    group = gaps.add_replication_group(
        account,
        region,
        replication_group_id="bulk-0001",
        replication_group_description="bulk",
        num_cache_clusters=2,
        engine="redis",
        engine_version="7.1.0",
        snapshot_retention_limit=3,
        security_group_ids=["sg-0bulk"],
    )
    backend = gaps.backend_for(account, region)
    assert group.member_clusters == ["bulk-0001-001", "bulk-0001-002"]
    member = backend.cache_clusters["bulk-0001-002"]
    assert (member.preferred_availability_zone, member.engine_version) == ("eu-west-1b", "7.1.0")
    taken = dt.datetime(2026, 11, 1, 3, tzinfo=dt.UTC)
    snapshot = gaps.add_snapshot(
        account, region, name="automatic.bulk-0001", created=taken, replication_group_id="bulk-0001"
    )
    assert snapshot.snapshot_source == "automated"
    assert snapshot.node_snapshots[0]["CacheClusterId"] == "bulk-0001-002"
    assert snapshot.node_snapshots[0]["SnapshotCreateTime"] == taken
