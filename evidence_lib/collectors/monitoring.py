"""Monitoring collectors: CloudWatch alarms, CloudWatch Logs groups and filters, SNS topics."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from evidence_lib.collectors.context import CollectContext, Response, call_pages, items

ALARM_ACTION_KEYS = ("AlarmActions", "OKActions", "InsufficientDataActions")


def arn_region(arn: str, default: str) -> str:
    """Return the region field of an ARN, or ``default`` when ``arn`` is not a regional ARN."""
    parts = arn.split(":")
    return parts[3] if len(parts) > 5 and parts[0] == "arn" and parts[3] else default


def collect_describe_alarms(ctx: CollectContext) -> list[Response]:
    """Store every DescribeAlarms page (metric and composite); return all alarms."""
    request = {"AlarmTypes": ["MetricAlarm", "CompositeAlarm"], "MaxRecords": 100}
    pages = call_pages(ctx, "cloudwatch", "DescribeAlarms", request)
    return items(pages, "MetricAlarms") + items(pages, "CompositeAlarms")


def collect_describe_log_groups(ctx: CollectContext) -> list[Response]:
    """Store every DescribeLogGroups page; return the log groups."""
    return items(call_pages(ctx, "logs", "DescribeLogGroups"), "logGroups")


def collect_describe_metric_filters(ctx: CollectContext) -> list[Response]:
    """Store every DescribeMetricFilters page; return the metric filters."""
    return items(call_pages(ctx, "logs", "DescribeMetricFilters"), "metricFilters")


def collect_get_topic_attributes(ctx: CollectContext, topic_arn: str) -> Response | None:
    """Store GetTopicAttributes of one topic, in the topic's region; return its attributes.

    SNS has no batch call, so this is one call per topic; NotFound is stored as
    ``not_configured`` (the topic does not exist) and returns None.
    """
    region = arn_region(topic_arn, ctx.region)
    request = {"TopicArn": topic_arn}
    pages = call_pages(
        ctx, "sns", "GetTopicAttributes", request, client_region=region, storage_region=region
    )
    return pages[0].get("Attributes") if pages else None


def alarm_topic_arns(alarms: Iterable[Response]) -> set[str]:
    """SNS topics the alarms notify."""
    actions = (a for alarm in alarms for key in ALARM_ACTION_KEYS for a in alarm.get(key) or [])
    return {a for a in actions if a.split(":")[2:3] == ["sns"]}


def collect_monitoring(ctx: CollectContext, tick: Callable[[], None]) -> list[Response]:
    """Collect the alarms, log groups and metric filters of one account and region.

    Parameters
    ----------
    ctx : CollectContext
        Store, account, region and client factory.
    tick : callable
        Called once after each operation (progress).

    Returns
    -------
    list of dict
        The alarms (their actions name the SNS topics to describe).
    """
    alarms = collect_describe_alarms(ctx)
    tick()
    collect_describe_log_groups(ctx)
    tick()
    collect_describe_metric_filters(ctx)
    tick()
    return alarms


MONITORING_STEPS = 3
"""Progress ticks of :func:`collect_monitoring`."""
