"""Tests of the trail, log group, metric filter, alarm and SNS topic frames."""

from __future__ import annotations

import json

import pandas as pd

from evidence_lib.frames.monitoring import (
    build_alarms,
    build_log_groups,
    build_metric_filters,
    build_sns_topics,
    build_trails,
)
from evidence_lib.frames.schema import SCHEMAS
from evidence_lib.rawstore import RawStore

from .helpers import WritePage, row_of, tri

TRAIL_ARN = "arn:aws:cloudtrail:us-east-1:111122223333:trail/org-audit"
TRAIL = {
    "Name": "org-audit",
    "TrailARN": TRAIL_ARN,
    "HomeRegion": "us-east-1",
    "S3BucketName": "audit-trail-logs",
    "IsMultiRegionTrail": True,
    "IncludeGlobalServiceEvents": True,
    "LogFileValidationEnabled": True,
    "KmsKeyId": "arn:aws:kms:us-east-1:1:key/trail",
    "IsOrganizationTrail": False,
}


def _trail(write: WritePage, selectors: dict) -> None:
    write("cloudtrail", "DescribeTrails", {"trailList": [TRAIL]}, region="us-west-2")
    write("cloudtrail", "DescribeTrails", {"trailList": [TRAIL]})
    write(
        "cloudtrail",
        "GetTrailStatus",
        {"IsLogging": True, "LatestDeliveryTime": "2026-12-01T00:05:00Z"},
        request={"Name": TRAIL_ARN},
    )
    write("cloudtrail", "GetEventSelectors", selectors, request={"TrailName": TRAIL_ARN})


def test_trail_joins_status_and_classic_selectors(store: RawStore, write: WritePage) -> None:
    """A multi-region trail is one row in its home region with status and selectors."""
    selectors = {
        "TrailARN": TRAIL_ARN,
        "EventSelectors": [{"ReadWriteType": "All", "IncludeManagementEvents": True}],
    }
    _trail(write, selectors)
    frame = build_trails(store)
    SCHEMAS["trails"].validate(frame)
    assert len(frame) == 1
    row = row_of(frame, "org-audit")
    assert row["region"] == "us-east-1"
    assert tri(row["is_logging"]) is True
    assert row["latest_delivery_time"] == pd.Timestamp("2026-12-01T00:05:00Z")
    assert row["management_events"] == "All"
    assert tri(row["elasticache_excluded"]) is False
    assert len(row["raw_path"].split(";")) == 3
    assert "EventSelectors" in json.loads(row["event_selectors_json"])


def test_trail_classic_exclusion(store: RawStore, write: WritePage) -> None:
    """ExcludeManagementEventSources naming ElastiCache marks it excluded."""
    selectors = {
        "EventSelectors": [
            {
                "ReadWriteType": "WriteOnly",
                "IncludeManagementEvents": True,
                "ExcludeManagementEventSources": ["elasticache.amazonaws.com"],
            }
        ]
    }
    _trail(write, selectors)
    row = row_of(build_trails(store), "org-audit")
    assert row["management_events"] == "WriteOnly"
    assert tri(row["elasticache_excluded"]) is True


def test_trail_advanced_selectors(store: RawStore, write: WritePage) -> None:
    """Advanced selectors: read-only plus write-only management events make All."""
    management = {"Field": "eventCategory", "Equals": ["Management"]}
    selectors = {
        "AdvancedEventSelectors": [
            {"FieldSelectors": [management, {"Field": "readOnly", "Equals": ["true"]}]},
            {"FieldSelectors": [management, {"Field": "readOnly", "Equals": ["false"]}]},
            {"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]}]},
        ]
    }
    _trail(write, selectors)
    row = row_of(build_trails(store), "org-audit")
    assert row["management_events"] == "All"
    assert tri(row["elasticache_excluded"]) is False


def test_trail_advanced_exclusion(store: RawStore, write: WritePage) -> None:
    """An advanced selector with eventSource NotEquals ElastiCache excludes it."""
    source = {"Field": "eventSource", "NotEquals": ["elasticache.amazonaws.com"]}
    selectors = {
        "AdvancedEventSelectors": [
            {"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}, source]}
        ]
    }
    _trail(write, selectors)
    assert tri(row_of(build_trails(store), "org-audit")["elasticache_excluded"]) is True


def test_trail_without_status_evidence(store: RawStore, write: WritePage) -> None:
    """A trail whose status and selector calls failed has <NA> status and selectors."""
    write("cloudtrail", "DescribeTrails", {"trailList": [TRAIL]})
    write(
        "cloudtrail",
        "GetTrailStatus",
        None,
        request={"Name": TRAIL_ARN},
        outcome="error",
        error={"code": "AccessDeniedException", "message": "no"},
    )
    row = row_of(build_trails(store), "org-audit")
    assert tri(row["is_logging"]) is None
    assert row["management_events"] is pd.NA
    assert tri(row["elasticache_excluded"]) is None
    assert tri(row["log_file_validation_enabled"]) is True


def test_log_groups_and_metric_filters(store: RawStore, write: WritePage) -> None:
    """Log group epoch-millisecond times become UTC; absent retention is <NA>."""
    groups = [
        {
            "logGroupName": "/aws/cloudtrail",
            "retentionInDays": 400,
            "creationTime": 1735689600000,
            "arn": "arn:aws:logs:us-east-1:1:log-group:/aws/cloudtrail:*",
            "storedBytes": 10,
        },
        {"logGroupName": "/app/forever", "creationTime": 1735689600000},
    ]
    write("logs", "DescribeLogGroups", {"logGroups": groups})
    filters = [
        {
            "filterName": "elasticache-changes",
            "logGroupName": "/aws/cloudtrail",
            "filterPattern": '{ $.eventSource = "elasticache.amazonaws.com" }',
            "metricTransformations": [{"metricName": "CacheChanges", "metricNamespace": "Audit"}],
        }
    ]
    write("logs", "DescribeMetricFilters", {"metricFilters": filters})
    frame = build_log_groups(store)
    SCHEMAS["log_groups"].validate(frame)
    assert row_of(frame, "/aws/cloudtrail")["retention_days"] == 400
    assert row_of(frame, "/aws/cloudtrail")["creation_time"] == pd.Timestamp("2025-01-01", tz="UTC")
    assert row_of(frame, "/app/forever")["retention_days"] is pd.NA
    metric = row_of(build_metric_filters(store), "/aws/cloudtrail/elasticache-changes")
    assert metric["metric_name"] == "CacheChanges"
    assert metric["metric_namespace"] == "Audit"


def test_alarms(store: RawStore, write: WritePage) -> None:
    """Alarms keep sorted actions and dimensions and a float threshold."""
    alarm = {
        "AlarmName": "cache-changes",
        "AlarmArn": "arn:aws:cloudwatch:us-east-1:1:alarm:cache-changes",
        "MetricName": "CacheChanges",
        "Namespace": "Audit",
        "Dimensions": [{"Name": "b", "Value": "2"}, {"Name": "a", "Value": "1"}],
        "StateValue": "OK",
        "ActionsEnabled": True,
        "AlarmActions": ["arn:aws:sns:us-east-1:1:sec", "arn:aws:sns:us-east-1:1:ops"],
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Threshold": 1,
    }
    write("cloudwatch", "DescribeAlarms", {"MetricAlarms": [alarm], "CompositeAlarms": []})
    frame = build_alarms(store)
    SCHEMAS["alarms"].validate(frame)
    row = row_of(frame, "cache-changes")
    assert json.loads(row["alarm_actions"])[0] == "arn:aws:sns:us-east-1:1:ops"
    assert [d["Name"] for d in json.loads(row["dimensions_json"])] == ["a", "b"]
    assert row["threshold"] == 1.0
    assert tri(row["actions_enabled"]) is True


def test_sns_topics_exist_or_not(store: RawStore, write: WritePage) -> None:
    """A NotFound answer (not_configured) is a topic that does not exist; errors give no row."""
    ops = "arn:aws:sns:us-east-1:111122223333:ops"
    attributes = {"TopicArn": ops, "SubscriptionsConfirmed": "2", "SubscriptionsPending": "0"}
    write("sns", "GetTopicAttributes", {"Attributes": attributes}, request={"TopicArn": ops})
    write(
        "sns",
        "GetTopicAttributes",
        None,
        request={"TopicArn": "arn:aws:sns:us-east-1:111122223333:gone"},
        outcome="not_configured",
        error={"code": "NotFound", "message": "Topic does not exist"},
    )
    write(
        "sns",
        "GetTopicAttributes",
        None,
        request={"TopicArn": "arn:aws:sns:us-east-1:111122223333:hidden"},
        outcome="error",
        error={"code": "AuthorizationError", "message": "denied"},
    )
    frame = build_sns_topics(store)
    SCHEMAS["sns_topics"].validate(frame)
    assert sorted(frame["resource_id"]) == ["gone", "ops"]
    assert tri(row_of(frame, "ops")["exists"]) is True
    assert row_of(frame, "ops")["subscriptions_confirmed"] == 2
    assert row_of(frame, "ops")["resource_arn"] == ops
    assert tri(row_of(frame, "gone")["exists"]) is False
    assert row_of(frame, "gone")["subscriptions_confirmed"] is pd.NA
