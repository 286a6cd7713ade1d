"""Each collect_<operation> on a recorded response checked by botocore's Stubber."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botocore import xform_name

from evidence_lib.collectors import cloudtrail_config, ec2, elasticache, identity, kms, monitoring
from evidence_lib.collectors import storage as s3
from tests.collectors.stubs import ACCOUNT, REGION, StubbedClients, make_context, stored

TRAIL = "arn:aws:cloudtrail:us-east-1:123456789012:trail/org-trail"
TOPIC = "arn:aws:sns:us-east-1:123456789012:cache-events"
KEY = "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
KMS_RULE = {
    "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KEY}
}
UPDATE_REQUEST = {
    "ServiceUpdateStatus": ["available", "cancelled", "expired"],
    "ShowNodeLevelUpdateStatus": False,
    "MaxRecords": 100,
}


@dataclass(frozen=True)
class Case:
    call: Callable[[Any], Any]
    service: str
    operation: str
    request: dict[str, Any]
    response: dict[str, Any]
    expect: Any
    ctx_region: str = REGION
    client_region: str | None = None
    stored_region: str | None = None


def _ec(function: Callable[..., Any], operation: str, request: dict, key: str, item: dict) -> Case:
    return Case(function, "elasticache", operation, request, {key: [item]}, [item])


CASES = {
    "replication_groups": _ec(
        elasticache.collect_describe_replication_groups,
        "DescribeReplicationGroups",
        {"MaxRecords": 100},
        "ReplicationGroups",
        {"ReplicationGroupId": "rg-1", "MultiAZ": "enabled"},
    ),
    "cache_clusters": _ec(
        elasticache.collect_describe_cache_clusters,
        "DescribeCacheClusters",
        {"ShowCacheNodeInfo": True, "MaxRecords": 100},
        "CacheClusters",
        {"CacheClusterId": "rg-1-001", "ReplicationGroupId": "rg-1"},
    ),
    "serverless_caches": _ec(
        elasticache.collect_describe_serverless_caches,
        "DescribeServerlessCaches",
        {"MaxResults": 50},
        "ServerlessCaches",
        {"ServerlessCacheName": "sessions", "Engine": "valkey"},
    ),
    "snapshots": _ec(
        elasticache.collect_describe_snapshots,
        "DescribeSnapshots",
        {"MaxRecords": 50},
        "Snapshots",
        {"SnapshotName": "automatic.rg-1-2026-01-01", "SnapshotSource": "automated"},
    ),
    "serverless_snapshots": _ec(
        elasticache.collect_describe_serverless_cache_snapshots,
        "DescribeServerlessCacheSnapshots",
        {"MaxResults": 50},
        "ServerlessCacheSnapshots",
        {"ServerlessCacheSnapshotName": "sessions-1", "SnapshotType": "automated"},
    ),
    "engine_versions": _ec(
        lambda ctx: elasticache.collect_describe_cache_engine_versions(ctx, "valkey"),
        "DescribeCacheEngineVersions",
        {"Engine": "valkey", "MaxRecords": 100},
        "CacheEngineVersions",
        {"Engine": "valkey", "EngineVersion": "7.2"},
    ),
    "parameter_groups": _ec(
        elasticache.collect_describe_cache_parameter_groups,
        "DescribeCacheParameterGroups",
        {"MaxRecords": 100},
        "CacheParameterGroups",
        {"CacheParameterGroupName": "phi-redis7", "CacheParameterGroupFamily": "redis7"},
    ),
    "parameters": _ec(
        lambda ctx: elasticache.collect_describe_cache_parameters(ctx, "phi-redis7"),
        "DescribeCacheParameters",
        {"CacheParameterGroupName": "phi-redis7", "MaxRecords": 100},
        "Parameters",
        {"ParameterName": "maxmemory-policy", "ParameterValue": "noeviction", "Source": "user"},
    ),
    "subnet_groups": _ec(
        elasticache.collect_describe_cache_subnet_groups,
        "DescribeCacheSubnetGroups",
        {"MaxRecords": 100},
        "CacheSubnetGroups",
        {"CacheSubnetGroupName": "private", "VpcId": "vpc-1"},
    ),
    "user_groups": _ec(
        elasticache.collect_describe_user_groups,
        "DescribeUserGroups",
        {"MaxRecords": 100},
        "UserGroups",
        {"UserGroupId": "app-users", "Engine": "redis"},
    ),
    "update_actions": _ec(
        elasticache.collect_describe_update_actions,
        "DescribeUpdateActions",
        UPDATE_REQUEST,
        "UpdateActions",
        {"ServiceUpdateName": "elc-20260101-001", "ReplicationGroupId": "rg-1"},
    ),
    "security_groups": Case(
        lambda ctx: ec2.collect_describe_security_groups(ctx, ["sg-2", "sg-1", "sg-2"]),
        "ec2",
        "DescribeSecurityGroups",
        {"Filters": [{"Name": "group-id", "Values": ["sg-1", "sg-2"]}]},
        {"SecurityGroups": [{"GroupId": "sg-1"}, {"GroupId": "sg-2"}]},
        [{"GroupId": "sg-1"}, {"GroupId": "sg-2"}],
    ),
    "subnets": Case(
        lambda ctx: ec2.collect_describe_subnets(ctx, ["subnet-1"]),
        "ec2",
        "DescribeSubnets",
        {"Filters": [{"Name": "subnet-id", "Values": ["subnet-1"]}]},
        {"Subnets": [{"SubnetId": "subnet-1", "VpcId": "vpc-1"}]},
        [{"SubnetId": "subnet-1", "VpcId": "vpc-1"}],
    ),
    "route_tables": Case(
        lambda ctx: ec2.collect_describe_route_tables(ctx, ["vpc-1"]),
        "ec2",
        "DescribeRouteTables",
        {"Filters": [{"Name": "vpc-id", "Values": ["vpc-1"]}]},
        {"RouteTables": [{"RouteTableId": "rtb-1", "VpcId": "vpc-1"}]},
        [{"RouteTableId": "rtb-1", "VpcId": "vpc-1"}],
    ),
    "alarms": Case(
        monitoring.collect_describe_alarms,
        "cloudwatch",
        "DescribeAlarms",
        {"AlarmTypes": ["MetricAlarm", "CompositeAlarm"], "MaxRecords": 100},
        {"MetricAlarms": [{"AlarmName": "m"}], "CompositeAlarms": [{"AlarmName": "c"}]},
        [{"AlarmName": "m"}, {"AlarmName": "c"}],
    ),
    "log_groups": Case(
        monitoring.collect_describe_log_groups,
        "logs",
        "DescribeLogGroups",
        {},
        {"logGroups": [{"logGroupName": "/aws/cloudtrail", "retentionInDays": 90}]},
        [{"logGroupName": "/aws/cloudtrail", "retentionInDays": 90}],
    ),
    "metric_filters": Case(
        monitoring.collect_describe_metric_filters,
        "logs",
        "DescribeMetricFilters",
        {},
        {"metricFilters": [{"filterName": "elasticache-deletes"}]},
        [{"filterName": "elasticache-deletes"}],
    ),
    "topic_attributes": Case(
        lambda ctx: monitoring.collect_get_topic_attributes(ctx, TOPIC),
        "sns",
        "GetTopicAttributes",
        {"TopicArn": TOPIC},
        {"Attributes": {"TopicArn": TOPIC, "SubscriptionsConfirmed": "1"}},
        {"TopicArn": TOPIC, "SubscriptionsConfirmed": "1"},
    ),
    "trails": Case(
        cloudtrail_config.collect_describe_trails,
        "cloudtrail",
        "DescribeTrails",
        {"includeShadowTrails": True},
        {"trailList": [{"Name": "org-trail", "TrailARN": TRAIL, "HomeRegion": REGION}]},
        [{"Name": "org-trail", "TrailARN": TRAIL, "HomeRegion": REGION}],
    ),
    "trail_status": Case(
        lambda ctx: cloudtrail_config.collect_get_trail_status(ctx, TRAIL),
        "cloudtrail",
        "GetTrailStatus",
        {"Name": TRAIL},
        {"IsLogging": True},
        {"IsLogging": True},
    ),
    "event_selectors": Case(
        lambda ctx: cloudtrail_config.collect_get_event_selectors(ctx, TRAIL),
        "cloudtrail",
        "GetEventSelectors",
        {"TrailName": TRAIL},
        {"TrailARN": TRAIL, "EventSelectors": [{"ReadWriteType": "All"}]},
        {"TrailARN": TRAIL, "EventSelectors": [{"ReadWriteType": "All"}]},
    ),
    "bucket_location": Case(
        lambda ctx: s3.collect_get_bucket_location(ctx, "trail-logs"),
        "s3",
        "GetBucketLocation",
        {"Bucket": "trail-logs"},
        {"LocationConstraint": "EU"},
        "eu-west-1",
        stored_region="eu-west-1",
    ),
    "bucket_versioning": Case(
        lambda ctx: s3.collect_get_bucket_versioning(ctx, "trail-logs"),
        "s3",
        "GetBucketVersioning",
        {"Bucket": "trail-logs"},
        {"Status": "Enabled"},
        {"Status": "Enabled"},
    ),
    "bucket_lifecycle": Case(
        lambda ctx: s3.collect_get_bucket_lifecycle_configuration(ctx, "trail-logs"),
        "s3",
        "GetBucketLifecycleConfiguration",
        {"Bucket": "trail-logs"},
        {"Rules": [{"ID": "keep", "Status": "Enabled", "Expiration": {"Days": 2190}}]},
        {"Rules": [{"ID": "keep", "Status": "Enabled", "Expiration": {"Days": 2190}}]},
    ),
    "object_lock": Case(
        lambda ctx: s3.collect_get_object_lock_configuration(ctx, "trail-logs"),
        "s3",
        "GetObjectLockConfiguration",
        {"Bucket": "trail-logs"},
        {"ObjectLockConfiguration": {"ObjectLockEnabled": "Enabled"}},
        {"ObjectLockConfiguration": {"ObjectLockEnabled": "Enabled"}},
    ),
    "public_access_block": Case(
        lambda ctx: s3.collect_get_public_access_block(ctx, "trail-logs"),
        "s3",
        "GetPublicAccessBlock",
        {"Bucket": "trail-logs"},
        {"PublicAccessBlockConfiguration": {"BlockPublicAcls": True}},
        {"PublicAccessBlockConfiguration": {"BlockPublicAcls": True}},
    ),
    "bucket_encryption": Case(
        lambda ctx: s3.collect_get_bucket_encryption(ctx, "trail-logs"),
        "s3",
        "GetBucketEncryption",
        {"Bucket": "trail-logs"},
        {"ServerSideEncryptionConfiguration": {"Rules": [KMS_RULE]}},
        {"ServerSideEncryptionConfiguration": {"Rules": [KMS_RULE]}},
    ),
    "describe_key": Case(
        lambda ctx: kms.collect_describe_key(ctx, KEY),
        "kms",
        "DescribeKey",
        {"KeyId": KEY},
        {"KeyMetadata": {"KeyId": "1234abcd", "KeyManager": "CUSTOMER"}},
        {"KeyId": "1234abcd", "KeyManager": "CUSTOMER"},
        client_region="us-west-2",
    ),
    "caller_identity": Case(
        lambda ctx: identity.collect_get_caller_identity(ctx, "global"),
        "sts",
        "GetCallerIdentity",
        {},
        {"UserId": "AIDA1", "Account": ACCOUNT, "Arn": f"arn:aws:iam::{ACCOUNT}:user/auditor"},
        {"UserId": "AIDA1", "Account": ACCOUNT, "Arn": f"arn:aws:iam::{ACCOUNT}:user/auditor"},
        ctx_region="global",
    ),
    "customer_agreements": Case(
        lambda ctx: identity.collect_list_customer_agreements(ctx, "global"),
        "artifact",
        "ListCustomerAgreements",
        {},
        {"customerAgreements": [{"name": "AWS Business Associate Addendum", "state": "ACTIVE"}]},
        [{"name": "AWS Business Associate Addendum", "state": "ACTIVE"}],
        ctx_region="global",
    ),
}


def _without_metadata(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k != "ResponseMetadata"}
    return value


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_collector_stores_its_page(tmp_path: Path, case: Case) -> None:
    """Each collector sends the expected request, stores the page untouched and returns items."""
    clients = StubbedClients()
    client_region = case.client_region or case.ctx_region
    clients.stub(case.service, client_region).add_response(
        xform_name(case.operation), case.response, case.request
    )

    result = case.call(make_context(tmp_path, clients, case.ctx_region))

    clients.assert_no_pending()
    assert _without_metadata(result) == case.expect
    region = case.stored_region or client_region
    [page] = stored(tmp_path)
    assert page["_path"] == tmp_path.joinpath(
        "raw", ACCOUNT, region, case.service, case.operation, "0001.json"
    )
    assert (page["outcome"], page["request"]) == ("ok", case.request)
    assert _without_metadata(page["response"]) == case.response
