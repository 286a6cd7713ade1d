"""The demo's CloudTrail and logging side: trails, their bucket, log groups, alarms, records.

``seed_activity`` sets up, with a stock boto3 client over HTTP, what a compliance engineer
expects around an ElastiCache fleet: a multi-region trail ``nwh-org-audit`` (logging, log
file validation, KMS, CloudWatch Logs) writing to a versioned, encrypted, non-public bucket
with a lifecycle rule (Glacier after 90 days, expiry after 400); a stopped single-region
trail ``nwh-legacy-trail``; log groups (trail 90 days, ElastiCache slow log 30 days); metric
filters with alarms that notify an SNS topic; ElastiCache metric alarms. It then writes a
last full quarter and the current one of CloudTrail log files and digests into the bucket
(``activity_archive``) and feeds LookupEvents from the same records
(``moto_gaps.cloudtrail``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import time
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.exceptions import ClientError

from evidence_lib.demo import activity_records as rec
from evidence_lib.demo.activity_archive import ArchiveWriter
from evidence_lib.demo.activity_plan import Planner, Timeline
from evidence_lib.demo.activity_plants import plant_irregularities
from evidence_lib.demo.moto_gaps.cloudtrail import set_trail_status

logger = logging.getLogger(__name__)

TRAIL_NAME = "nwh-org-audit"
LEGACY_TRAIL_NAME = "nwh-legacy-trail"
TRAIL_LOG_GROUP = f"/aws/cloudtrail/{TRAIL_NAME}"
SLOW_LOG_GROUP = "/aws/elasticache/nwh-slow-log"
METRIC_NAMESPACE = "NWH/CloudTrailMetrics"
SEED = 20_240_115
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


@dataclass(frozen=True)
class ActivitySummary:
    """What ``seed_activity`` created: names, the planted irregularities, counts."""

    account_id: str
    home_region: str
    regions: list[str]
    trail_name: str
    trail_arn: str
    legacy_trail_name: str
    bucket: str
    kms_key_arn: str
    log_groups: dict[str, int]
    metric_filters: list[str]
    alarms: list[str]
    period_start: dt.datetime
    period_end: dt.datetime
    missing_day: dt.date
    logging_gap: tuple[dt.datetime, dt.datetime]
    irregularities: dict[str, list[str]]
    records_total: int
    records_by_region: dict[str, int]
    log_files: int
    digest_files: int


class _Clients:
    """Stock boto3 clients for the endpoint, one per (service, region)."""

    def __init__(self, endpoint_url: str) -> None:
        self.endpoint_url = endpoint_url
        self._cache: dict[tuple[str, str], Any] = {}

    def __call__(self, service: str, region: str) -> Any:
        key = (service, region)
        if key not in self._cache:
            self._cache[key] = boto3.client(
                service, region_name=region, endpoint_url=self.endpoint_url
            )
        return self._cache[key]


def _discover(clients: _Clients, region: str) -> dict[str, list[str]]:
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


def _create_keys(clients: _Clients, regions: list[str]) -> dict[str, str]:
    """Create a customer-managed KMS key per region for logs and at-rest encryption."""
    keys = {}
    for region in regions:
        key = clients("kms", region).create_key(
            Description="Northwind Health audit logs and cache encryption"
        )["KeyMetadata"]
        keys[region] = key["Arn"]
    return keys


def _create_bucket(clients: _Clients, bucket: str, region: str, key_arn: str) -> None:
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


def _create_log_groups(
    clients: _Clients, regions: list[str], keys: dict[str, str]
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


def _create_trails(
    clients: _Clients, *, home: str, bucket: str, key_arn: str, log_group_arn: str
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


def _create_alarms(
    clients: _Clients,
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
    clients: _Clients, region: str, topic_arns: dict[str, str], clusters: list[str]
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


def _names(
    clients: _Clients, regions: list[str], account_id: str, bucket: str, keys: dict[str, str]
) -> dict[str, rec.Names]:
    """Return, per region, the resource names the records refer to."""
    names = {}
    for region in regions:
        found = _discover(clients, region)
        names[region] = rec.Names(
            **found,
            trail=[TRAIL_NAME],
            bucket=[bucket],
            kms_key_arn=keys[region],
            region=region,
            account_id=account_id,
        )
    return names


def seed_activity(
    endpoint_url: str,
    *,
    now: dt.datetime,
    account_id: str,
    regions: list[str],
    records: int = 20_000,
    topic_arns: dict[str, str],
) -> ActivitySummary:
    """Seed trails, their bucket, log groups, alarms and CloudTrail records.

    Parameters
    ----------
    endpoint_url : str
        URL of a moto server running in this process, with ``moto_gaps.cloudtrail.install()``
        called before it started (records are written and indexed in-process).
    now : datetime
        The demo's present (tz-aware); the records cover the last full quarter and the
        current one up to 15 minutes before it.
    account_id : str
        The account the records and resources belong to.
    regions : list of str
        Regions covered by the multi-region trail; the first is its home region.
    records : int
        At least this many CloudTrail records are written (routine plus planted).
    topic_arns : dict
        Region to SNS topic ARN that alarms notify.

    Returns
    -------
    ActivitySummary
        Names of what was created, the planted irregularities with their event IDs, counts.
    """
    started = time.perf_counter()
    now = now.astimezone(dt.UTC)
    clients, home = _Clients(endpoint_url), regions[0]

    # Keys, bucket, log groups, trails, filters and alarms, over HTTP.
    keys = _create_keys(clients, regions)
    bucket = f"nwh-cloudtrail-{account_id}"
    _create_bucket(clients, bucket, home, keys[home])
    log_groups, log_group_arn = _create_log_groups(clients, regions, keys)
    trail_arn = _create_trails(
        clients, home=home, bucket=bucket, key_arn=keys[home], log_group_arn=log_group_arn
    )
    names = _names(clients, regions, account_id, bucket, keys)
    filters, alarms = _create_alarms(
        clients, regions, topic_arns, {r: n.cc for r, n in names.items()}
    )

    # Records: planted irregularities first, routine activity up to ``records``.
    timeline = Timeline(now=now)
    rng = random.Random(SEED)
    planner = Planner(rng=rng, account_id=account_id, names=names, timeline=timeline)
    planted, irregularities = plant_irregularities(planner, trail_arn)
    events = planted + planner.routine(records - len(planted))

    # The archive in S3 (in-process) and the trail status it implies.
    writer = ArchiveWriter(
        account_id=account_id,
        bucket=bucket,
        trail_name=TRAIL_NAME,
        home_region=home,
        timeline=timeline,
        rng=rng,
        window_minutes=60 if records < 100_000 else 15,
    )
    result = writer.write(events)
    _set_statuses(account_id, home, timeline, result.latest_delivery, result.latest_digest)
    logger.info(
        "seeded %s CloudTrail records in %s log files in %.1f s",
        len(events),
        sum(len(f) for f in result.log_files.values()),
        time.perf_counter() - started,
    )
    return ActivitySummary(
        account_id=account_id,
        home_region=home,
        regions=list(regions),
        trail_name=TRAIL_NAME,
        trail_arn=trail_arn,
        legacy_trail_name=LEGACY_TRAIL_NAME,
        bucket=bucket,
        kms_key_arn=keys[home],
        log_groups=log_groups,
        metric_filters=filters,
        alarms=alarms,
        period_start=timeline.start,
        period_end=timeline.end,
        missing_day=timeline.missing_day,
        logging_gap=timeline.gap,
        irregularities=irregularities,
        records_total=len(events),
        records_by_region=dict(result.records_by_region),
        log_files=sum(len(f) for f in result.log_files.values()),
        digest_files=len(result.digest_keys),
    )


def _set_statuses(
    account_id: str,
    home: str,
    timeline: Timeline,
    delivery: dt.datetime | None,
    digest: dt.datetime | None,
) -> None:
    """Make GetTrailStatus tell the seeded history (moto knows only the seeding calls)."""
    stop, start = timeline.gap
    set_trail_status(
        account_id,
        home,
        TRAIL_NAME,
        start=start,
        stop=stop,
        delivery=delivery,
        digest=digest,
        cloudwatch=delivery,
    )
    legacy_stop = timeline.start - dt.timedelta(days=200)
    set_trail_status(
        account_id,
        home,
        LEGACY_TRAIL_NAME,
        start=legacy_stop - dt.timedelta(days=400),
        stop=legacy_stop,
        delivery=legacy_stop,
    )
