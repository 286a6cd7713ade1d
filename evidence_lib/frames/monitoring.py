"""Frames of logging and monitoring: trails, log groups, metric filters, alarms, SNS topics."""

from __future__ import annotations

from typing import Any

import pandas as pd

from evidence_lib.frames.common import (
    Row,
    dig,
    epoch_ms_to_iso,
    evidence_pages,
    flag,
    json_ids,
    json_text,
    leading,
    page_items,
    to_frame,
)
from evidence_lib.rawstore import RawPage, RawStore

ELASTICACHE_SOURCE = "elasticache.amazonaws.com"


def _classic_selectors(selectors: list[dict[str, Any]]) -> tuple[str | None, bool]:
    kinds = {s.get("ReadWriteType", "All") for s in selectors if s.get("IncludeManagementEvents")}
    excluded = any(
        ELASTICACHE_SOURCE in (s.get("ExcludeManagementEventSources") or []) for s in selectors
    )
    return _combine(kinds), excluded


def _combine(kinds: set[str]) -> str | None:
    if not kinds:
        return None
    if "All" in kinds or {"ReadOnly", "WriteOnly"} <= kinds:
        return "All"
    return kinds.pop()


def _advanced_selector(selector: dict[str, Any]) -> tuple[str | None, bool]:
    """Return the management events one advanced selector logs and whether it skips ElastiCache."""
    fields = {f.get("Field"): f for f in selector.get("FieldSelectors") or []}
    if "Management" not in (dig(fields, "eventCategory", "Equals") or []):
        return None, False
    read_only = dig(fields, "readOnly", "Equals") or []
    kind = {"true": "ReadOnly", "false": "WriteOnly"}.get(read_only[0]) if read_only else "All"
    source = fields.get("eventSource") or {}
    excluded = ELASTICACHE_SOURCE in (source.get("NotEquals") or []) or any(
        ELASTICACHE_SOURCE.startswith(p) for p in source.get("NotStartsWith") or []
    )
    # NOTE: a selector that names its event sources logs only those.
    if source.get("Equals") and ELASTICACHE_SOURCE not in source["Equals"]:
        excluded = True
    return kind, excluded


def _selector_summary(response: dict[str, Any]) -> tuple[str | None, bool]:
    """Return (management_events, elasticache_excluded) from a GetEventSelectors response."""
    kind, excluded = _classic_selectors(response.get("EventSelectors") or [])
    kinds = {kind} if kind else set()
    advanced = [_advanced_selector(s) for s in response.get("AdvancedEventSelectors") or []]
    kinds |= {k for k, _ in advanced if k}
    logged = [not skip for k, skip in advanced if k] + ([not excluded] if kind else [])
    # NOTE: ElastiCache is excluded only when no selector that logs management events keeps it.
    return _combine(kinds), bool(logged) and not any(logged)


def _per_trail(store: RawStore, operation: str) -> dict[tuple[str, str], RawPage]:
    """Index per-trail pages by (account, trail name or ARN as requested), home region first."""
    index: dict[tuple[str, str], RawPage] = {}
    for page in evidence_pages(store, "cloudtrail", operation):
        name = str(page.request.get("Name") or page.request.get("TrailName") or "")
        index.setdefault((page.account_id, name), page)
        index.setdefault((page.account_id, f"{page.region}|{name}"), page)
    return index


def _lookup(index: dict[tuple[str, str], RawPage], account: str, trail: dict[str, Any]) -> Any:
    home = trail.get("HomeRegion")
    for name in (trail.get("TrailARN"), trail.get("Name")):
        page = index.get((account, f"{home}|{name}")) or index.get((account, str(name)))
        if page is not None:
            return page
    return None


def _trail_row(page: RawPage, trail: dict[str, Any], status: Any, selectors: Any) -> Row:
    reply: dict[str, Any] = status.response if status else {}
    chosen: dict[str, Any] = selectors.response if selectors else {}
    management, excluded = _selector_summary(chosen) if selectors else (None, None)
    row = leading(page, "trail", trail.get("Name"), trail.get("TrailARN"))
    row["region"] = trail.get("HomeRegion") or page.region
    row["raw_path"] = ";".join(sorted({page.path} | {p.path for p in (status, selectors) if p}))
    row.update(
        name=trail.get("Name"),
        home_region=trail.get("HomeRegion"),
        s3_bucket_name=trail.get("S3BucketName"),
        s3_key_prefix=trail.get("S3KeyPrefix"),
        is_multi_region_trail=flag(trail.get("IsMultiRegionTrail")),
        include_global_service_events=flag(trail.get("IncludeGlobalServiceEvents")),
        log_file_validation_enabled=flag(trail.get("LogFileValidationEnabled")),
        kms_key_id=trail.get("KmsKeyId"),
        cloud_watch_logs_log_group_arn=trail.get("CloudWatchLogsLogGroupArn"),
        is_organization_trail=flag(trail.get("IsOrganizationTrail")),
        is_logging=flag(reply.get("IsLogging")),
        latest_delivery_time=reply.get("LatestDeliveryTime"),
        start_logging_time=reply.get("StartLoggingTime"),
        stop_logging_time=reply.get("StopLoggingTime"),
        latest_delivery_error=reply.get("LatestDeliveryError"),
        management_events=management,
        elasticache_excluded=excluded,
        event_selectors_json=json_text(_selector_evidence(chosen)) if selectors else None,
    )
    return row


def _selector_evidence(response: dict[str, Any]) -> dict[str, Any]:
    keys = ("EventSelectors", "AdvancedEventSelectors")
    return {key: response[key] for key in keys if key in response}


def build_trails(store: RawStore) -> pd.DataFrame:
    """Build ``trails``: one row per trail, with its status and event selectors.

    Parameters
    ----------
    store : RawStore
        The raw evidence of the run.

    Returns
    -------
    pandas.DataFrame
        The ``trails`` schema: name, home_region, bucket and prefix, multi-region, global
        events, log file validation, kms_key_id, log group ARN, organization flag (from
        DescribeTrails); is_logging, delivery and start/stop times, latest_delivery_error
        (GetTrailStatus); management_events (All, ReadOnly, WriteOnly, <NA> when none),
        elasticache_excluded and event_selectors_json (GetEventSelectors; <NA> without it).
        A multi-region trail listed in several regions gives one row, in its home region.
    """
    statuses = _per_trail(store, "GetTrailStatus")
    selectors = _per_trail(store, "GetEventSelectors")
    listed = sorted(
        page_items(store, "cloudtrail", "DescribeTrails", "trailList"),
        key=lambda pair: pair[0].region != pair[1].get("HomeRegion"),
    )
    rows = [
        _trail_row(
            page,
            trail,
            _lookup(statuses, page.account_id, trail),
            _lookup(selectors, page.account_id, trail),
        )
        for page, trail in listed
    ]
    return to_frame("trails", rows)


def build_log_groups(store: RawStore) -> pd.DataFrame:
    """Build ``log_groups``: one row per CloudWatch Logs log group.

    Parameters
    ----------
    store : RawStore
        The raw evidence of the run.

    Returns
    -------
    pandas.DataFrame
        The ``log_groups`` schema: retention_days (<NA>: never expire), kms_key_id,
        stored_bytes and creation_time.
    """
    rows = []
    for page, item in page_items(store, "logs", "DescribeLogGroups", "logGroups"):
        arn = item.get("logGroupArn") or item.get("arn")
        row = leading(page, "log_group", item.get("logGroupName"), arn)
        row.update(
            retention_days=item.get("retentionInDays"),
            kms_key_id=item.get("kmsKeyId"),
            stored_bytes=item.get("storedBytes"),
            creation_time=epoch_ms_to_iso(item.get("creationTime")),
        )
        rows.append(row)
    return to_frame("log_groups", rows)


def build_metric_filters(store: RawStore) -> pd.DataFrame:
    """Build ``metric_filters``: one row per metric filter.

    Parameters
    ----------
    store : RawStore
        The raw evidence of the run.

    Returns
    -------
    pandas.DataFrame
        The ``metric_filters`` schema: filter_name, log_group_name, filter_pattern and the
        first transformation's metric_name and metric_namespace; resource_id is
        ``<logGroupName>/<filterName>``.
    """
    rows = []
    for page, item in page_items(store, "logs", "DescribeMetricFilters", "metricFilters"):
        group, name = item.get("logGroupName"), item.get("filterName")
        row = leading(page, "metric_filter", f"{group}/{name}")
        row.update(
            filter_name=name,
            log_group_name=group,
            filter_pattern=item.get("filterPattern"),
            metric_name=dig(item, "metricTransformations", 0, "metricName"),
            metric_namespace=dig(item, "metricTransformations", 0, "metricNamespace"),
        )
        rows.append(row)
    return to_frame("metric_filters", rows)


def build_alarms(store: RawStore) -> pd.DataFrame:
    """Build ``alarms``: one row per CloudWatch metric alarm.

    Parameters
    ----------
    store : RawStore
        The raw evidence of the run.

    Returns
    -------
    pandas.DataFrame
        The ``alarms`` schema: metric_name, namespace, dimensions_json (sorted by name),
        state_value, actions_enabled, alarm_actions (JSON list), comparison_operator and
        threshold.
    """
    rows = []
    for page, item in page_items(store, "cloudwatch", "DescribeAlarms", "MetricAlarms"):
        dimensions = sorted(item.get("Dimensions") or [], key=lambda d: str(d.get("Name")))
        row = leading(page, "alarm", item.get("AlarmName"), item.get("AlarmArn"))
        row.update(
            metric_name=item.get("MetricName"),
            namespace=item.get("Namespace"),
            dimensions_json=json_text(dimensions),
            state_value=item.get("StateValue"),
            actions_enabled=flag(item.get("ActionsEnabled")),
            alarm_actions=json_ids(item.get("AlarmActions") or []),
            comparison_operator=item.get("ComparisonOperator"),
            threshold=item.get("Threshold"),
        )
        rows.append(row)
    return to_frame("alarms", rows)


def _count(value: Any) -> int | None:
    return int(value) if value not in (None, "") else None


def build_sns_topics(store: RawStore) -> pd.DataFrame:
    """Build ``sns_topics``: one row per SNS topic asked about (GetTopicAttributes).

    Parameters
    ----------
    store : RawStore
        The raw evidence of the run.

    Returns
    -------
    pandas.DataFrame
        The ``sns_topics`` schema: exists (False when AWS answered NotFound), display_name,
        kms_master_key_id, subscriptions_confirmed and subscriptions_pending. resource_arn
        is the topic ARN (join caches' notification_topic_arn on it); resource_id its name.
    """
    rows = []
    for page in evidence_pages(store, "sns", "GetTopicAttributes", not_configured=True):
        arn = str(page.request.get("TopicArn"))
        attributes = dig(page.response, "Attributes") or {}
        row = leading(page, "sns_topic", arn.rsplit(":", 1)[-1], arn)
        row.update(
            exists=page.outcome == "ok",
            display_name=attributes.get("DisplayName"),
            kms_master_key_id=attributes.get("KmsMasterKeyId"),
            subscriptions_confirmed=_count(attributes.get("SubscriptionsConfirmed")),
            subscriptions_pending=_count(attributes.get("SubscriptionsPending")),
        )
        rows.append(row)
    return to_frame("sns_topics", rows)
