"""The seeded CloudTrail side of the demo endpoint, read with stock boto3 over HTTP."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import re
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from evidence_lib.demo.activity import ActivitySummary
from tests.fixtures_demo import DEMO_NOW, SeededEndpoint

NOW = DEMO_NOW
ACCOUNT = "123456789012"
REGIONS = ["us-east-1", "us-west-2"]
RECORDS = 20_000
LOG_KEY = re.compile(
    r"AWSLogs/123456789012/CloudTrail/(?P<region>[a-z0-9-]+)/\d{4}/\d{2}/\d{2}/"
    r"123456789012_CloudTrail_(?P=region)_\d{8}T\d{4}Z_[A-Za-z0-9]{16}\.json\.gz"
)
RECORD_FIELDS = {
    "eventVersion",
    "userIdentity",
    "eventTime",
    "eventSource",
    "eventName",
    "awsRegion",
    "sourceIPAddress",
    "userAgent",
    "requestParameters",
    "responseElements",
    "requestID",
    "eventID",
    "readOnly",
    "eventType",
    "managementEvent",
    "recipientAccountId",
    "eventCategory",
}


@pytest.fixture(scope="module")
def endpoint(demo_endpoint: SeededEndpoint) -> str:
    """Return the session's demo endpoint (moto's state is per process: seed it once)."""
    return demo_endpoint.url


@pytest.fixture(scope="module")
def seeded(demo_endpoint: SeededEndpoint) -> ActivitySummary:
    """Return what the demo fleet's activity seeding planted."""
    return demo_endpoint.fleet.activity


def client(endpoint: str, service: str, region: str = "us-east-1") -> Any:
    return boto3.client(service, region_name=region, endpoint_url=endpoint)


def day_prefix(kind: str, region: str, day: dt.date) -> str:
    return f"AWSLogs/{ACCOUNT}/{kind}/{region}/{day:%Y/%m/%d}/"


def list_keys(s3: Any, bucket: str, prefix: str) -> list[dict[str, Any]]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return [item for page in pages for item in page.get("Contents", [])]


def read_json_gz(s3: Any, bucket: str, key: str) -> tuple[bytes, Any]:
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    text = gzip.decompress(body)
    return body, json.loads(text)


def lookup_all(ct: Any, **kwargs: Any) -> list[dict[str, Any]]:
    events, token = [], None
    while True:
        page = ct.lookup_events(MaxResults=50, **kwargs, **({"NextToken": token} if token else {}))
        assert len(page["Events"]) <= 50
        events.extend(page["Events"])
        token = page.get("NextToken")
        if not token:
            return events


def lookup_one(ct: Any, event_id: str) -> dict[str, Any]:
    attribute = [{"AttributeKey": "EventId", "AttributeValue": event_id}]
    events = ct.lookup_events(LookupAttributes=attribute)["Events"]
    assert len(events) == 1
    return json.loads(events[0]["CloudTrailEvent"])


def business_day(seeded: ActivitySummary, days_back: int) -> dt.date:
    day = NOW.date() - dt.timedelta(days=days_back)
    while day.weekday() >= 5 or day == seeded.missing_day:
        day -= dt.timedelta(days=1)
    return day


def test_main_trail_logs_all_regions_with_validation_and_kms(
    endpoint: str, seeded: ActivitySummary
) -> None:
    """The main trail is multi-region, validated, encrypted, sent to CloudWatch Logs."""
    ct = client(endpoint, "cloudtrail")
    trails = {t["Name"]: t for t in ct.describe_trails()["trailList"]}
    main = trails[seeded.trail_name]
    assert main["IsMultiRegionTrail"] and main["LogFileValidationEnabled"]
    assert main["KmsKeyId"] == seeded.kms_key_arn
    assert main["S3BucketName"] == seeded.bucket
    assert main["CloudWatchLogsLogGroupArn"].startswith("arn:aws:logs:us-east-1:")
    assert main["HasCustomEventSelectors"] is True
    assert trails[seeded.legacy_trail_name]["IsMultiRegionTrail"] is False
    west = client(endpoint, "cloudtrail", "us-west-2").describe_trails()["trailList"]
    assert [t["HomeRegion"] for t in west if t["Name"] == seeded.trail_name] == ["us-east-1"]


def test_trail_status_tells_the_stop_and_restart(endpoint: str, seeded: ActivitySummary) -> None:
    """GetTrailStatus reports logging, the planted stop/start times and recent delivery."""
    ct = client(endpoint, "cloudtrail")
    status = ct.get_trail_status(Name=seeded.trail_name)
    stop, start = seeded.logging_gap
    assert status["IsLogging"] is True
    assert status["StopLoggingTime"] == stop and status["StartLoggingTime"] == start
    assert NOW - dt.timedelta(hours=1) <= status["LatestDeliveryTime"] <= NOW
    assert status["LatestDigestDeliveryTime"] <= NOW
    legacy = ct.get_trail_status(Name=seeded.legacy_trail_name)
    assert legacy["IsLogging"] is False
    assert legacy["StopLoggingTime"] < seeded.period_start


def test_event_selectors_log_read_and_write_management_events(
    endpoint: str, seeded: ActivitySummary
) -> None:
    """Both trails log all management events; only basic selectors are returned."""
    ct = client(endpoint, "cloudtrail")
    for name in (seeded.trail_name, seeded.legacy_trail_name):
        answer = ct.get_event_selectors(TrailName=name)
        assert "AdvancedEventSelectors" not in answer
        [selector] = answer["EventSelectors"]
        assert selector["ReadWriteType"] == "All"
        assert selector["IncludeManagementEvents"] is True
        assert selector["ExcludeManagementEventSources"] == []


def test_bucket_is_versioned_archived_private_and_encrypted(
    endpoint: str, seeded: ActivitySummary
) -> None:
    """The trail bucket has versioning, Glacier at 90 days, expiry at 400, no public access."""
    s3 = client(endpoint, "s3")
    assert s3.get_bucket_versioning(Bucket=seeded.bucket)["Status"] == "Enabled"
    [rule] = s3.get_bucket_lifecycle_configuration(Bucket=seeded.bucket)["Rules"]
    assert rule["Status"] == "Enabled"
    assert rule["Transitions"] == [{"Days": 90, "StorageClass": "GLACIER"}]
    assert rule["Expiration"] == {"Days": 400}
    block = s3.get_public_access_block(Bucket=seeded.bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values()) and len(block) == 4
    encryption = s3.get_bucket_encryption(Bucket=seeded.bucket)
    default = encryption["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert default["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"


def test_log_files_are_listed_by_date_prefix(endpoint: str, seeded: ActivitySummary) -> None:
    """A business day's prefix lists log files with the real key layout, ETag and size."""
    s3 = client(endpoint, "s3")
    day = business_day(seeded, 10)
    for region in REGIONS:
        listed = list_keys(s3, seeded.bucket, day_prefix("CloudTrail", region, day))
        assert listed
        assert all(LOG_KEY.fullmatch(item["Key"]) for item in listed)
    item = listed[0]
    body = s3.get_object(Bucket=seeded.bucket, Key=item["Key"])["Body"].read()
    assert item["Size"] == len(body)
    assert item["ETag"] == f'"{hashlib.md5(body).hexdigest()}"'


def test_archive_records_carry_cloudtrail_fields(endpoint: str, seeded: ActivitySummary) -> None:
    """Log files are gzip JSON {"Records": [...]} with the fields real records have."""
    s3 = client(endpoint, "s3")
    records: list[dict[str, Any]] = []
    for days_back in (3, 4):
        prefix = day_prefix("CloudTrail", "us-east-1", business_day(seeded, days_back))
        for item in list_keys(s3, seeded.bucket, prefix):
            _, document = read_json_gz(s3, seeded.bucket, item["Key"])
            assert list(document) == ["Records"]
            records.extend(document["Records"])
    assert all(RECORD_FIELDS <= set(r) for r in records)
    assert {r["userIdentity"]["type"] for r in records} >= {"IAMUser", "AssumedRole", "AWSService"}
    assumed = next(r for r in records if r["userIdentity"]["type"] == "AssumedRole")
    assert assumed["userIdentity"]["sessionContext"]["sessionIssuer"]["type"] == "Role"
    assert any("tlsDetails" in r and "resources" in r for r in records)
    assert all(
        r["eventType"] == "AwsApiCall" and r["recipientAccountId"] == ACCOUNT for r in records
    )
    sources = {r["eventSource"] for r in records}
    assert "elasticache.amazonaws.com" in sources and len(sources) >= 4


def test_digests_list_each_log_file_with_its_hash(endpoint: str, seeded: ActivitySummary) -> None:
    """Hourly digest files chain to each other and hash the log files they list."""
    s3 = client(endpoint, "s3")
    day = business_day(seeded, 10)
    digests = list_keys(s3, seeded.bucket, day_prefix("CloudTrail-Digest", "us-east-1", day))
    assert len(digests) == 24
    assert (
        digests[0]["Key"]
        .split("/")[-1]
        .startswith(f"{ACCOUNT}_CloudTrail-Digest_us-east-1_{seeded.trail_name}_us-east-1_")
    )
    _, digest = read_json_gz(s3, seeded.bucket, digests[12]["Key"])
    assert digest["digestS3Object"] == digests[12]["Key"]
    assert digest["previousDigestS3Object"] == digests[11]["Key"]
    for log_file in digest["logFiles"]:
        body = s3.get_object(Bucket=seeded.bucket, Key=log_file["s3Object"])["Body"].read()
        assert hashlib.sha256(gzip.decompress(body)).hexdigest() == log_file["hashValue"]
    head = s3.head_object(Bucket=seeded.bucket, Key=digests[12]["Key"])
    assert head["Metadata"]["signature-algorithm"] == "SHA256withRSA"


def test_missing_day_has_no_files(endpoint: str, seeded: ActivitySummary) -> None:
    """The day without delivery has no log or digest files; the days around it have both."""
    s3 = client(endpoint, "s3")
    assert seeded.period_start.date() < seeded.missing_day < NOW.date() - dt.timedelta(days=45)
    for region in REGIONS:
        for kind in ("CloudTrail", "CloudTrail-Digest"):
            prefix = day_prefix(kind, region, seeded.missing_day)
            assert list_keys(s3, seeded.bucket, prefix) == []
            after = day_prefix(kind, region, seeded.missing_day + dt.timedelta(days=1))
            assert list_keys(s3, seeded.bucket, after)


def test_lookup_events_pages_newest_first_like_the_archive(
    endpoint: str, seeded: ActivitySummary
) -> None:
    """LookupEvents pages 50 at a time, newest first, and serves the archive's records."""
    ct, s3 = client(endpoint, "cloudtrail"), client(endpoint, "s3")
    first = business_day(seeded, 8)
    days = [first + dt.timedelta(days=i) for i in range(3)]
    start = dt.datetime(first.year, first.month, first.day, tzinfo=dt.UTC)
    end = start + dt.timedelta(days=3)
    events = lookup_all(ct, StartTime=start, EndTime=end - dt.timedelta(seconds=1))
    times = [e["EventTime"] for e in events]
    assert len(events) > 50 and times == sorted(times, reverse=True)
    assert all(start <= t < end for t in times)
    archived = {}
    for day in days:
        for item in list_keys(s3, seeded.bucket, day_prefix("CloudTrail", "us-east-1", day)):
            for record in read_json_gz(s3, seeded.bucket, item["Key"])[1]["Records"]:
                archived[record["eventID"]] = record
    assert {e["EventId"] for e in events} == set(archived)
    sample = events[7]
    assert json.loads(sample["CloudTrailEvent"]) == archived[sample["EventId"]]
    assert sample["ReadOnly"] in ("true", "false") and sample["EventSource"].endswith(".com")


def test_lookup_events_filters_by_attribute(endpoint: str, seeded: ActivitySummary) -> None:
    """A LookupAttributes filter returns only matching events, with their resources."""
    ct = client(endpoint, "cloudtrail")
    attribute = [{"AttributeKey": "EventName", "AttributeValue": "DeleteSnapshot"}]
    events = lookup_all(ct, LookupAttributes=attribute)
    assert [e["EventId"] for e in events] == seeded.irregularities["off_hours_delete"]
    assert events[0]["Resources"][0]["ResourceType"] == "AWS::ElastiCache::Snapshot"
    root = lookup_all(ct, LookupAttributes=[{"AttributeKey": "Username", "AttributeValue": "root"}])
    assert {e["EventId"] for e in root} == set(seeded.irregularities["root_activity"])
    reads = ct.lookup_events(
        LookupAttributes=[{"AttributeKey": "ReadOnly", "AttributeValue": "true"}]
    )
    assert reads["Events"] and all(e["ReadOnly"] == "true" for e in reads["Events"])


def test_lookup_events_serves_only_the_last_90_days(endpoint: str, seeded: ActivitySummary) -> None:
    """Nothing older than 90 days comes back, although the archive holds it."""
    ct = client(endpoint, "cloudtrail")
    old = ct.lookup_events(EndTime=NOW - dt.timedelta(days=91))
    assert old["Events"] == [] and "NextToken" not in old
    boundary = NOW - dt.timedelta(days=90)
    window = lookup_all(
        ct, StartTime=NOW - dt.timedelta(days=120), EndTime=boundary + dt.timedelta(hours=12)
    )
    assert all(e["EventTime"] >= boundary for e in window)
    s3 = client(endpoint, "s3")
    older_day = (NOW - dt.timedelta(days=100)).date()
    assert list_keys(s3, seeded.bucket, day_prefix("CloudTrail", "us-east-1", older_day))


def test_lookup_events_refuses_invalid_requests(endpoint: str, seeded: ActivitySummary) -> None:
    """Bad time ranges, two attributes and foreign tokens are refused with AWS's errors."""
    ct = client(endpoint, "cloudtrail")
    cases = [
        ({"StartTime": NOW, "EndTime": NOW - dt.timedelta(days=1)}, "InvalidTimeRangeException"),
        (
            {
                "LookupAttributes": [
                    {"AttributeKey": "EventName", "AttributeValue": "CreateSnapshot"},
                    {"AttributeKey": "Username", "AttributeValue": "root"},
                ]
            },
            "InvalidLookupAttributesException",
        ),
        ({"NextToken": "bm90LWEtdG9rZW4="}, "InvalidNextTokenException"),
        ({"MaxResults": 51}, "InvalidMaxResultsException"),
    ]
    for kwargs, code in cases:
        with pytest.raises(ClientError) as caught:
            ct.lookup_events(**kwargs)
        assert caught.value.response["Error"]["Code"] == code


def test_planted_irregularities_are_in_the_records(endpoint: str, seeded: ActivitySummary) -> None:
    """Each planted irregularity is there, with the shape a check will look for."""
    ct = client(endpoint, "cloudtrail")
    planted = {k: [lookup_one(ct, i) for i in ids] for k, ids in seeded.irregularities.items()}
    burst = planted["access_denied_burst"]
    times = sorted(dt.datetime.fromisoformat(r["eventTime"]) for r in burst)
    assert len(burst) >= 25 and times[-1] - times[0] < dt.timedelta(hours=1)
    assert {r["errorCode"] for r in burst} == {"AccessDenied"}
    assert len({r["userIdentity"]["arn"] for r in burst}) == 1
    assert {r["userIdentity"]["type"] for r in planted["root_activity"]} == {"Root"}
    [delete] = planted["off_hours_delete"]
    moment = dt.datetime.fromisoformat(delete["eventTime"])
    assert moment.weekday() >= 5 or not 7 <= moment.hour < 19
    [auth] = planted["auth_disabled"]
    assert auth["requestParameters"]["authTokenUpdateStrategy"] == "DELETE"
    stop, start = planted["logging_stopped"]
    assert (stop["eventName"], start["eventName"]) == ("StopLogging", "StartLogging")
    assert stop["requestParameters"]["name"] == seeded.trail_arn
    newcomer = planted["new_principal"]
    assert any(not r["readOnly"] for r in newcomer)
    user = newcomer[0]["userIdentity"]["userName"]
    seen = lookup_all(ct, LookupAttributes=[{"AttributeKey": "Username", "AttributeValue": user}])
    first = min(e["EventTime"] for e in seen)
    assert first > NOW - dt.timedelta(days=10) and len(seen) == len(newcomer)


def test_routine_activity_flags_nothing(endpoint: str, seeded: ActivitySummary) -> None:
    """Outside the planted events: no deletes, no root, no logging changes, no denials."""
    ct = client(endpoint, "cloudtrail")
    planted = {i for ids in seeded.irregularities.values() for i in ids}
    routine = [
        json.loads(e["CloudTrailEvent"]) for e in lookup_all(ct) if e["EventId"] not in planted
    ]
    assert len(routine) > 1_000
    for record in routine:
        assert not record["eventName"].startswith(("Delete", "StopLogging"))
        assert record["userIdentity"]["type"] != "Root"
        assert record.get("errorCode") != "AccessDenied"
        moment = dt.datetime.fromisoformat(record["eventTime"])
        if not record["readOnly"]:
            assert moment.weekday() < 5 and 7 <= moment.hour < 19
    assert sum(seeded.records_by_region.values()) == seeded.records_total >= RECORDS


def test_log_groups_metric_filters_and_alarms(endpoint: str, seeded: ActivitySummary) -> None:
    """Log groups keep 90 and 30 days; metric filters have alarms that notify SNS."""
    logs, cloudwatch = client(endpoint, "logs"), client(endpoint, "cloudwatch")
    retention = {
        g["logGroupName"]: g.get("retentionInDays") for g in logs.describe_log_groups()["logGroups"]
    }
    assert retention == seeded.log_groups and sorted(retention.values()) == [30, 90]
    filters = logs.describe_metric_filters(logGroupName="/aws/cloudtrail/nwh-org-audit")
    metrics = {f["metricTransformations"][0]["metricName"] for f in filters["metricFilters"]}
    assert {
        "UnauthorizedAPICalls",
        "ElastiCacheConfigChanges",
        "CloudTrailConfigChanges",
    } <= metrics
    alarms = cloudwatch.describe_alarms()["MetricAlarms"]
    by_metric = {a["MetricName"]: a for a in alarms}
    assert metrics <= set(by_metric)
    assert all(a["AlarmActions"][0].startswith("arn:aws:sns:") for a in alarms)
    cache = [a for a in alarms if a["Namespace"] == "AWS/ElastiCache"]
    assert {a["MetricName"] for a in cache} == {
        "CPUUtilization",
        "DatabaseMemoryUsagePercentage",
        "ReplicationLag",
    }
    assert all(a["Dimensions"][0]["Name"] == "CacheClusterId" for a in cache)
    west = client(endpoint, "logs", "us-west-2").describe_log_groups()["logGroups"]
    assert [g["retentionInDays"] for g in west] == [30]
