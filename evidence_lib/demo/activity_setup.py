"""AWS resources around the demo's CloudTrail records, created with boto3 over HTTP.

A customer-managed key per region; the trail bucket (versioned, lifecycle to Glacier after
90 days and expiry after 400, public access blocked, KMS default encryption, CloudTrail
bucket policy); log groups (trail 90 days, ElastiCache slow log 30 days); the logging
multi-region trail and a stopped legacy trail; metric filters with alarms that notify SNS,
and ElastiCache metric alarms.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import boto3
from botocore.exceptions import ClientError

logger = logging.getLogger(__name__)

TRAIL_NAME = "nwh-org-audit"
LEGACY_TRAIL_NAME = "nwh-legacy-trail"
TRAIL_LOG_GROUP = f"/aws/cloudtrail/{TRAIL_NAME}"
SLOW_LOG_GROUP = "/aws/elasticache/nwh-slow-log"
METRIC_NAMESPACE = "NWH/CloudTrailMetrics"
METRIC_FILTERS = {
    "nwh-unauthorized-api-calls": (
        "UnauthorizedAPICalls",
        '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
    ),
    "nwh-elasticache-config-changes": (
        "ElastiCacheConfigChanges",
        '{ ($.eventSource = "elasticache.amazonaws.com") && ($.readOnly IS FALSE) }',
    ),
    "nwh-cloudtrail-config-changes": (
        "CloudTrailConfigChanges",
        "{ ($.eventName = StopLogging) || ($.eventName = DeleteTrail) || "
        "($.eventName = UpdateTrail) || ($.eventName = PutEventSelectors) }",
    ),
    "nwh-root-usage": (
        "RootAccountUsage",
        '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS }',
    ),
}
CACHE_ALARMS = [
    ("CPUUtilization", 80.0),
    ("DatabaseMemoryUsagePercentage", 85.0),
    ("ReplicationLag", 30.0),
]


DEFAULT_NAMES = {
    "rg": ["nwh-sessions", "nwh-claims-cache"],
    "cc": ["nwh-sessions-001", "nwh-sessions-002", "nwh-claims-cache-001"],
    "pg": ["nwh-redis7-params"],
    "user": ["nwh-app-reader", "nwh-app-writer"],
    "ug": ["nwh-app-users"],
}


class Clients:
    """Stock boto3 clients for the endpoint, one per (service, region)."""

    def __init__(self, endpoint_url: str) -> None:
        self.endpoint_url = endpoint_url
        self._cache: dict[tuple[str, str], Any] = {}

    def __call__(self, service: str, region: str) -> Any:
        """Return the client of ``service`` in ``region``."""
        key = (service, region)
        if key not in self._cache:
            self._cache[key] = boto3.client(
                service, region_name=region, endpoint_url=self.endpoint_url
            )
        return self._cache[key]


def discover_names(clients: Clients, region: str) -> dict[str, list[str]]:
    """Return the fleet's replication group and cluster IDs in a region (defaults if none)."""
    names = {k: list(v) for k, v in DEFAULT_NAMES.items()}
    elasticache = clients("elasticache", region)
    try:
        groups = elasticache.describe_replication_groups()["ReplicationGroups"]
        clusters = elasticache.describe_cache_clusters()["CacheClusters"]
    except ClientError as exc:
        logger.warning("fleet names not found in %s, using defaults: %s", region, exc)
        return names
    if groups:
        names["rg"] = sorted(g["ReplicationGroupId"] for g in groups)
    if clusters:
        names["cc"] = sorted(c["CacheClusterId"] for c in clusters)
    return names


def create_keys(clients: Clients, regions: list[str]) -> dict[str, str]:
    """Create a customer-managed KMS key per region for logs and at-rest encryption."""
    keys = {}
    for region in regions:
        key = clients("kms", region).create_key(
            Description="Northwind Health audit logs and cache encryption"
        )["KeyMetadata"]
        keys[region] = key["Arn"]
    return keys


def create_bucket(clients: Clients, bucket: str, region: str, key_arn: str) -> None:
    """Create the trail bucket: versioned, lifecycle, no public access, KMS encryption."""
    s3 = clients("s3", region)
    location = {} if region == "us-east-1" else {"LocationConstraint": region}
    s3.create_bucket(Bucket=bucket, **({"CreateBucketConfiguration": location} if location else {}))
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    rule = {
        "ID": "archive-then-expire",
        "Filter": {"Prefix": "AWSLogs/"},
        "Status": "Enabled",
        "Transitions": [{"Days": 90, "StorageClass": "GLACIER"}],
        "Expiration": {"Days": 400},
        "NoncurrentVersionExpiration": {"NoncurrentDays": 400},
    }
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [rule]})
    block = dict.fromkeys(
        ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True
    )
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=block)
    default = {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn}
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": default, "BucketKeyEnabled": True}]
        },
    )
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(_bucket_policy(bucket)))


def _bucket_policy(bucket: str) -> dict[str, Any]:
    principal = {"Service": "cloudtrail.amazonaws.com"}
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AWSCloudTrailAclCheck",
                "Effect": "Allow",
                "Principal": principal,
                "Action": "s3:GetBucketAcl",
                "Resource": f"arn:aws:s3:::{bucket}",
            },
            {
                "Sid": "AWSCloudTrailWrite",
                "Effect": "Allow",
                "Principal": principal,
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{bucket}/AWSLogs/*",
                "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}},
            },
        ],
    }


def create_log_groups(
    clients: Clients, regions: list[str], keys: dict[str, str]
) -> tuple[dict[str, int], str]:
    """Create the trail's log group (90 days) and the slow-log groups (30 days)."""
    home = regions[0]
    logs = clients("logs", home)
    logs.create_log_group(logGroupName=TRAIL_LOG_GROUP, kmsKeyId=keys[home])
    logs.put_retention_policy(logGroupName=TRAIL_LOG_GROUP, retentionInDays=90)
    for region in regions:
        regional = clients("logs", region)
        regional.create_log_group(logGroupName=SLOW_LOG_GROUP)
        regional.put_retention_policy(logGroupName=SLOW_LOG_GROUP, retentionInDays=30)
    found = logs.describe_log_groups(logGroupNamePrefix=TRAIL_LOG_GROUP)["logGroups"]
    return {TRAIL_LOG_GROUP: 90, SLOW_LOG_GROUP: 30}, found[0]["arn"]


def create_trails(
    clients: Clients, *, home: str, bucket: str, key_arn: str, log_group_arn: str
) -> str:
    """Create the logging multi-region trail and the stopped legacy trail; return the ARN."""
    cloudtrail = clients("cloudtrail", home)
    account = log_group_arn.split(":")[4]
    trail = cloudtrail.create_trail(
        Name=TRAIL_NAME,
        S3BucketName=bucket,
        IncludeGlobalServiceEvents=True,
        IsMultiRegionTrail=True,
        EnableLogFileValidation=True,
        CloudWatchLogsLogGroupArn=log_group_arn
        if log_group_arn.endswith(":*")
        else f"{log_group_arn}:*",
        CloudWatchLogsRoleArn=f"arn:aws:iam::{account}:role/nwh-cloudtrail-to-cloudwatch",
        KmsKeyId=key_arn,
    )
    selector = {
        "ReadWriteType": "All",
        "IncludeManagementEvents": True,
        "DataResources": [],
        "ExcludeManagementEventSources": [],
    }
    cloudtrail.put_event_selectors(TrailName=TRAIL_NAME, EventSelectors=[selector])
    cloudtrail.start_logging(Name=TRAIL_NAME)
    cloudtrail.create_trail(
        Name=LEGACY_TRAIL_NAME,
        S3BucketName=bucket,
        S3KeyPrefix="legacy",
        IsMultiRegionTrail=False,
    )
    cloudtrail.start_logging(Name=LEGACY_TRAIL_NAME)
    cloudtrail.stop_logging(Name=LEGACY_TRAIL_NAME)
    return str(trail["TrailARN"])


def create_alarms(
    clients: Clients,
    regions: list[str],
    topic_arns: dict[str, str],
    clusters: dict[str, list[str]],
) -> tuple[list[str], list[str]]:
    """Create metric filters on the trail's log group, their alarms and ElastiCache alarms."""
    home = regions[0]
    logs, cloudwatch = clients("logs", home), clients("cloudwatch", home)
    alarms: list[str] = []
    for name, (metric, pattern) in METRIC_FILTERS.items():
        transform = {"metricName": metric, "metricNamespace": METRIC_NAMESPACE, "metricValue": "1"}
        logs.put_metric_filter(
            logGroupName=TRAIL_LOG_GROUP,
            filterName=name,
            filterPattern=pattern,
            metricTransformations=[transform],
        )
        alarms.append(f"{name}-alarm")
        cloudwatch.put_metric_alarm(
            AlarmName=alarms[-1],
            MetricName=metric,
            Namespace=METRIC_NAMESPACE,
            Statistic="Sum",
            Period=300,
            EvaluationPeriods=1,
            Threshold=1.0,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            TreatMissingData="notBreaching",
            AlarmActions=[topic_arns[home]],
        )
    for region in regions:
        alarms.extend(_cache_alarms(clients, region, topic_arns, clusters[region]))
    return list(METRIC_FILTERS), alarms


def _cache_alarms(
    clients: Clients, region: str, topic_arns: dict[str, str], clusters: list[str]
) -> list[str]:
    """Create CPU, memory and replication-lag alarms on the first clusters of a region."""
    topic = topic_arns.get(region) or next(iter(topic_arns.values()))
    cloudwatch, names = clients("cloudwatch", region), []
    for cluster in clusters[:4]:
        for metric, threshold in CACHE_ALARMS:
            names.append(f"{cluster}-{metric}")
            cloudwatch.put_metric_alarm(
                AlarmName=names[-1],
                MetricName=metric,
                Namespace="AWS/ElastiCache",
                Dimensions=[{"Name": "CacheClusterId", "Value": cluster}],
                Statistic="Average",
                Period=300,
                EvaluationPeriods=3,
                Threshold=threshold,
                ComparisonOperator="GreaterThanThreshold",
                AlarmActions=[topic],
                OKActions=[topic],
            )
    return names
