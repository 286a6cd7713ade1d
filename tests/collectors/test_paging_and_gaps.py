"""Pagination, old API shapes, gaps and "nothing configured" answers, on Stubber responses."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from botocore.exceptions import EndpointConnectionError

from evidence_lib.collectors import ec2, elasticache, storage
from evidence_lib.collectors.elasticache import CacheInventory
from evidence_lib.frames.gaps import build_collection_gaps
from evidence_lib.rawstore import RawStore
from tests.collectors.stubs import ACCOUNT, REGION, StubbedClients, make_context, stored

# A replication group as DescribeReplicationGroups answered before TransitEncryptionMode,
# ClusterEnabled, AuthTokenEnabled and DataTiering existed.
OLD_GROUP = {
    "ReplicationGroupId": "legacy-rg",
    "Status": "available",
    "MemberClusters": ["legacy-rg-001"],
    "AutomaticFailover": "disabled",
    "TransitEncryptionEnabled": True,
    "AtRestEncryptionEnabled": False,
}


def test_two_pages_are_stored_with_their_marker(tmp_path: Path) -> None:
    """The second page's stored request carries the Marker the first page returned."""
    clients = StubbedClients()
    stub = clients.stub("elasticache")
    first = {"ReplicationGroups": [{"ReplicationGroupId": "rg-1"}], "Marker": "m-2"}
    stub.add_response("describe_replication_groups", first, {"MaxRecords": 100})
    second = {"ReplicationGroups": [{"ReplicationGroupId": "rg-2"}]}
    stub.add_response("describe_replication_groups", second, {"MaxRecords": 100, "Marker": "m-2"})

    groups = elasticache.collect_describe_replication_groups(make_context(tmp_path, clients))

    assert [g["ReplicationGroupId"] for g in groups] == ["rg-1", "rg-2"]
    pages = stored(tmp_path)
    assert [p["_path"].name for p in pages] == ["0001.json", "0002.json"]
    assert [p["request"] for p in pages] == [
        {"MaxRecords": 100},
        {"MaxRecords": 100, "Marker": "m-2"},
    ]
    assert pages[0]["response"]["Marker"] == "m-2"


def test_old_api_response_is_stored_untouched(tmp_path: Path) -> None:
    """Fields a response predates stay absent in raw; nothing is filled in."""
    clients = StubbedClients()
    clients.stub("elasticache").add_response(
        "describe_replication_groups", {"ReplicationGroups": [OLD_GROUP]}, {"MaxRecords": 100}
    )

    elasticache.collect_describe_replication_groups(make_context(tmp_path, clients))

    [page] = stored(tmp_path)
    [group] = page["response"]["ReplicationGroups"]
    assert group == OLD_GROUP
    for newer in ("TransitEncryptionMode", "ClusterEnabled", "AuthTokenEnabled", "DataTiering"):
        assert newer not in group


def test_access_denied_is_one_error_page_and_one_gap(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """AccessDenied stores one error page, logs one WARNING and becomes one gap row."""
    clients = StubbedClients()
    clients.stub("elasticache").add_client_error(
        "describe_snapshots", "AccessDenied", "not authorized", 403, {"MaxRecords": 50}
    )

    with caplog.at_level(logging.WARNING, logger="evidence_lib"):
        found = elasticache.collect_describe_snapshots(make_context(tmp_path, clients))

    assert found == []
    [page] = stored(tmp_path)
    assert page["outcome"] == "error"
    assert page["error"]["code"] == "AccessDenied"
    assert page["request"] == {"MaxRecords": 50}
    [record] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert all(w in record.getMessage() for w in (ACCOUNT, REGION, "DescribeSnapshots"))
    gaps = build_collection_gaps(RawStore(tmp_path))
    assert list(gaps["operation"]) == ["DescribeSnapshots"]
    assert list(gaps["error_code"]) == ["AccessDenied"]


def test_failure_on_second_page_keeps_the_first(tmp_path: Path) -> None:
    """A throttled second page leaves page one stored and an error page with its Marker."""
    clients = StubbedClients()
    stub = clients.stub("elasticache")
    first = {"Snapshots": [{"SnapshotName": "s-1"}], "Marker": "m-2"}
    stub.add_response("describe_snapshots", first, {"MaxRecords": 50})
    stub.add_client_error(
        "describe_snapshots",
        "Throttling",
        "Rate exceeded",
        400,
        {"MaxRecords": 50, "Marker": "m-2"},
    )

    found = elasticache.collect_describe_snapshots(make_context(tmp_path, clients))

    assert [s["SnapshotName"] for s in found] == ["s-1"]
    ok, failed = stored(tmp_path)
    assert (ok["outcome"], failed["outcome"]) == ("ok", "error")
    assert failed["request"] == {"MaxRecords": 50, "Marker": "m-2"}


@pytest.mark.parametrize(
    ("operation", "code"),
    [
        ("GetBucketLifecycleConfiguration", "NoSuchLifecycleConfiguration"),
        ("GetObjectLockConfiguration", "ObjectLockConfigurationNotFoundError"),
        ("GetPublicAccessBlock", "NoSuchPublicAccessBlockConfiguration"),
        ("GetBucketEncryption", "ServerSideEncryptionConfigurationNotFoundError"),
    ],
    ids=["lifecycle", "object_lock", "public_access_block", "encryption"],
)
def test_nothing_configured_is_evidence_not_a_gap(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, operation: str, code: str
) -> None:
    """An answer meaning "nothing configured" is a not_configured page with no WARNING."""
    clients = StubbedClients()
    method = {
        "GetBucketLifecycleConfiguration": "get_bucket_lifecycle_configuration",
        "GetObjectLockConfiguration": "get_object_lock_configuration",
        "GetPublicAccessBlock": "get_public_access_block",
        "GetBucketEncryption": "get_bucket_encryption",
    }[operation]
    clients.stub("s3").add_client_error(method, code, "none", 404, {"Bucket": "archive"})

    with caplog.at_level(logging.WARNING, logger="evidence_lib"):
        answer = storage.collect_bucket_setting(
            make_context(tmp_path, clients), operation, "archive"
        )

    assert answer is None
    [page] = stored(tmp_path)
    assert (page["outcome"], page["error"]["code"]) == ("not_configured", code)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert build_collection_gaps(RawStore(tmp_path)).empty


def test_connection_error_is_a_gap(tmp_path: Path) -> None:
    """An unreachable endpoint is stored as an error page naming EndpointConnectionError."""
    clients = StubbedClients()
    client = clients("cloudwatch", REGION)
    clients.stubbers[("cloudwatch", REGION)].deactivate()

    def refuse(**_: object) -> None:
        raise EndpointConnectionError(endpoint_url="https://monitoring.us-east-1.amazonaws.com")

    client.meta.events.register("before-call.cloudwatch.DescribeAlarms", refuse)

    from evidence_lib.collectors.monitoring import collect_describe_alarms

    assert collect_describe_alarms(make_context(tmp_path, clients)) == []
    [page] = stored(tmp_path)
    assert (page["outcome"], page["error"]["code"]) == ("error", "EndpointConnectionError")


def test_parameters_only_for_custom_groups_in_use(tmp_path: Path) -> None:
    """DescribeCacheParameters is called for in-use non-default groups only, once each."""
    clients = StubbedClients()
    stub = clients.stub("elasticache")
    custom = {"CacheParameterGroup": {"CacheParameterGroupName": "phi-redis7"}}
    default = {"CacheParameterGroup": {"CacheParameterGroupName": "default.redis7"}}
    clusters = [{"CacheClusterId": f"c-{i}", **g} for i, g in enumerate([custom, default, custom])]
    responses = [
        ("describe_replication_groups", {"ReplicationGroups": []}),
        ("describe_cache_clusters", {"CacheClusters": clusters}),
        ("describe_serverless_caches", {"ServerlessCaches": []}),
        ("describe_cache_subnet_groups", {"CacheSubnetGroups": []}),
        ("describe_snapshots", {"Snapshots": []}),
        ("describe_serverless_cache_snapshots", {"ServerlessCacheSnapshots": []}),
        ("describe_cache_engine_versions", {"CacheEngineVersions": []}),
        ("describe_cache_engine_versions", {"CacheEngineVersions": []}),
        ("describe_cache_parameter_groups", {"CacheParameterGroups": []}),
        ("describe_cache_parameters", {"Parameters": []}),
        ("describe_user_groups", {"UserGroups": []}),
        ("describe_update_actions", {"UpdateActions": []}),
    ]
    for method, response in responses:
        stub.add_response(method, response)
    ticks: list[int] = []

    elasticache.collect_elasticache(make_context(tmp_path, clients), lambda: ticks.append(1))

    clients.assert_no_pending()
    [page] = stored(tmp_path, "*/*/elasticache/DescribeCacheParameters/*.json")
    assert page["request"]["CacheParameterGroupName"] == "phi-redis7"
    assert len(ticks) == elasticache.ELASTICACHE_STEPS


def test_security_groups_are_batched(tmp_path: Path) -> None:
    """250 security group IDs take two DescribeSecurityGroups calls, not 250."""
    clients = StubbedClients()
    stub = clients.stub("ec2")
    ids = [f"sg-{i:04d}" for i in range(250)]
    for batch in (ids[:200], ids[200:]):
        request = {"Filters": [{"Name": "group-id", "Values": batch}]}
        stub.add_response("describe_security_groups", {"SecurityGroups": []}, request)

    ec2.collect_describe_security_groups(make_context(tmp_path, clients), reversed(ids))

    clients.assert_no_pending()
    assert len(stored(tmp_path)) == 2


def test_inventory_names_what_later_calls_need() -> None:
    """The cache inventory yields the groups, subnets, VPCs, topics and keys in use."""
    topic = "arn:aws:sns:us-east-1:123456789012:cache-events"
    inventory = CacheInventory(
        replication_groups=[{"ReplicationGroupId": "rg", "KmsKeyId": "key-rg"}],
        cache_clusters=[
            {
                "CacheClusterId": "rg-001",
                "SecurityGroups": [{"SecurityGroupId": "sg-1"}],
                "NotificationConfiguration": {"TopicArn": topic},
            }
        ],
        serverless_caches=[{"SecurityGroupIds": ["sg-2"], "SubnetIds": ["subnet-9"]}],
        snapshot_key_ids={"key-snap"},
        subnet_groups=[{"VpcId": "vpc-1", "Subnets": [{"SubnetIdentifier": "subnet-1"}]}],
    )

    assert inventory.security_group_ids() == {"sg-1", "sg-2"}
    assert inventory.subnet_ids() == {"subnet-1", "subnet-9"}
    assert inventory.vpc_ids() == {"vpc-1"}
    assert inventory.topic_arns() == {topic}
    assert inventory.kms_key_ids() == {"key-rg", "key-snap"}


def test_bucket_settings_stored_under_bucket_region(tmp_path: Path) -> None:
    """A bucket's settings are asked and stored in the region GetBucketLocation named."""
    clients = StubbedClients()
    clients.stub("s3").add_response(
        "get_bucket_location", {"LocationConstraint": "us-west-2"}, {"Bucket": "logs"}
    )
    west = clients.stub("s3", "us-west-2")
    key = "arn:aws:kms:us-west-2:123456789012:key/k-1"
    rule = {
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}
    }
    west.add_response("get_bucket_versioning", {"Status": "Enabled"})
    west.add_client_error("get_bucket_lifecycle_configuration", "NoSuchLifecycleConfiguration")
    west.add_response("get_object_lock_configuration", {})
    west.add_response("get_public_access_block", {})
    west.add_response(
        "get_bucket_encryption", {"ServerSideEncryptionConfiguration": {"Rules": [rule]}}
    )

    keys = storage.collect_buckets(make_context(tmp_path, clients), ["logs", "logs"])

    clients.assert_no_pending()
    assert keys == {key}
    regions = {p["region"] for p in stored(tmp_path)}
    assert regions == {"us-west-2"}
