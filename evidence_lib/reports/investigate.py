"""Helpers of ``notebooks/investigate.ipynb``: questions an analyst asks of a run folder."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

import pandas as pd

from evidence_lib.cloudtrail_parse import parse_record
from evidence_lib.frames.schema import SCHEMAS
from evidence_lib.reports.notebook import scope_rows
from evidence_lib.reports.rundata import RunData
from evidence_lib.reports.tables import HtmlBlock, data_table, key_value_table, section

logger = logging.getLogger(__name__)

EVENT_COLUMNS = [
    "event_time",
    "event_name",
    "user_identity_type",
    "principal_arn",
    "source_ip",
    "error_code",
    "aws_region",
    "event_id",
]


def run_overview(run_dir: str | Path) -> HtmlBlock:
    """Return the scope of a run folder."""
    return section("Run", key_value_table(scope_rows(RunData(run_dir).meta)))


def list_frames(run_dir: str | Path) -> HtmlBlock:
    """Return the frames of a run folder with their row counts and columns."""
    run = RunData(run_dir)
    names = run.frame_names()
    table = pd.DataFrame(
        {
            "frame": names,
            "rows": [len(run.frame(n)) for n in names],
            "columns": [", ".join(run.frame(n).columns) for n in names],
        }
    )
    return section("Frames", data_table(table))


def changes_to(
    run_dir: str | Path, resource_id: str, start: str = "", end: str = ""
) -> pd.DataFrame:
    """Return the write events that name ``resource_id`` between ``start`` and ``end``.

    Parameters
    ----------
    run_dir : str or Path
        The run folder.
    resource_id : str
        An identifier as it appears in the events (ReplicationGroupId, CacheClusterId, ...).
    start, end : str
        ISO dates or times, UTC; empty means unbounded. ``end`` given as a date includes
        that whole day.

    Returns
    -------
    pandas.DataFrame
        The ``cloudtrail_events`` rows, oldest first: write events (``read_only`` not True)
        whose request parameters, response elements or resources mention ``resource_id``.
    """
    events = RunData(run_dir).frame("cloudtrail_events")
    text = (
        events["request_parameters"].fillna("")
        + events["response_elements"].fillna("")
        + events["resources"].fillna("")
    )
    mask = text.str.contains(resource_id, regex=False) & ~events["read_only"].fillna(False)
    if start:
        mask &= events["event_time"] >= pd.Timestamp(start, tz="UTC")
    if end:
        upper = pd.Timestamp(end, tz="UTC")
        if len(end) <= 10:
            upper += pd.Timedelta(days=1)
        mask &= events["event_time"] < upper
    return events[mask.fillna(False)].sort_values("event_time")


def who_changed(
    run_dir: str | Path, resource_id: str, start: str = "", end: str = "", row_cap: int = 200
) -> HtmlBlock:
    """Return who changed ``resource_id`` between ``start`` and ``end`` (see ``changes_to``)."""
    if not resource_id:
        return HtmlBlock("<p class='note'>Set resource_id to ask who changed it.</p>")
    changes = changes_to(run_dir, resource_id, start, end)
    period = f"{start or 'start of the run'} to {end or 'end of the run'}"
    title = f"Changes to {resource_id}, {period}"
    return section(title, data_table(changes, EVENT_COLUMNS, row_cap))


def resource_findings(run_dir: str | Path, resource_id: str, row_cap: int = 200) -> HtmlBlock:
    """Return the findings about ``resource_id`` across every control."""
    findings = RunData(run_dir).findings
    mine = findings[findings["resource_id"] == resource_id] if resource_id else findings.head(0)
    return section(
        f"Findings about {resource_id or '(no resource set)'}", data_table(mine, None, row_cap)
    )


def live_caches(endpoint_url: str, region: str = "us-east-1") -> HtmlBlock:
    """Return the replication groups an endpoint reports now (skipped when no endpoint).

    Parameters
    ----------
    endpoint_url : str
        An AWS-compatible endpoint, e.g. the embedded demo server; empty skips the call.
    region : str
        The region to ask.

    Returns
    -------
    HtmlBlock
        Replication group ID, status, engine version and Multi-AZ of each group.
    """
    if not endpoint_url:
        return HtmlBlock("<p class='note'>No endpoint_url set: live query skipped.</p>")
    import boto3

    client = boto3.client("elasticache", region_name=region, endpoint_url=endpoint_url)
    groups = []
    for page in client.get_paginator("describe_replication_groups").paginate():
        groups.extend(page["ReplicationGroups"])
    logger.info("live endpoint reported %s replication groups", len(groups))
    table = pd.DataFrame(
        {
            "replication_group_id": [g.get("ReplicationGroupId") for g in groups],
            "status": [g.get("Status") for g in groups],
            "multi_az": [g.get("MultiAZ") for g in groups],
            "automatic_failover": [g.get("AutomaticFailover") for g in groups],
        }
    )
    return section(f"Replication groups now ({region})", data_table(table))


def _bounds(start: str, end: str) -> dict[str, dt.datetime]:
    """Return LookupEvents' StartTime/EndTime for ISO dates or times (``end`` date inclusive)."""
    bounds: dict[str, dt.datetime] = {}
    if start:
        bounds["StartTime"] = pd.Timestamp(start, tz="UTC").to_pydatetime()
    if end:
        upper = pd.Timestamp(end, tz="UTC")
        bounds["EndTime"] = (upper + pd.Timedelta(days=1 if len(end) <= 10 else 0)).to_pydatetime()
    return bounds


def lookup_changes(
    endpoint_url: str, resource_id: str, start: str = "", end: str = "", region: str = "us-east-1"
) -> pd.DataFrame:
    """Return the write events CloudTrail LookupEvents reports now for ``resource_id``.

    Parameters
    ----------
    endpoint_url : str
        An AWS-compatible endpoint (empty: AWS itself, with the usual credentials).
    resource_id : str
        The resource name LookupEvents matches (``LookupAttributes`` ``ResourceName``).
    start, end : str
        ISO dates or times, UTC; empty means unbounded; ``end`` as a date includes that day.
    region : str
        The region to ask.

    Returns
    -------
    pandas.DataFrame
        The ``cloudtrail_events`` columns (``source`` ``lookup_events``, ``raw_path`` <NA>),
        write events only (``read_only`` not True), oldest first.
    """
    import boto3

    client = boto3.client("cloudtrail", region_name=region, endpoint_url=endpoint_url or None)
    request: dict[str, Any] = {
        "LookupAttributes": [{"AttributeKey": "ResourceName", "AttributeValue": resource_id}],
        **_bounds(start, end),
    }
    rows = []
    for page in client.get_paginator("lookup_events").paginate(**request):
        rows += [parse_record(item) for item in page.get("Events") or []]
    logger.info("LookupEvents returned %s event(s) for %s", len(rows), resource_id)
    return _lookup_frame([r for r in rows if r is not None])


def _lookup_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    schema = SCHEMAS["cloudtrail_events"]
    if not rows:
        return schema.empty()
    frame = pd.DataFrame(rows)
    frame = frame.assign(
        account_id=frame.get("account_id", frame.get("recipient_account_id")),
        region=frame.get("aws_region"),
        resource_type="event",
        resource_id=frame["event_id"],
        resource_arn=None,
        source="lookup_events",
        source_object=None,
        raw_path=None,
    )
    for column in schema.all_columns:
        if column not in frame:
            frame[column] = None
    events = schema.coerce(frame)
    events = events.loc[~events["read_only"].fillna(False).astype(bool)]
    return events.sort_values("event_time").reset_index(drop=True)


def who_changed_live(
    live_endpoint_url: str,
    resource_id: str,
    start: str = "",
    end: str = "",
    region: str = "us-east-1",
    row_cap: int = 200,
) -> HtmlBlock:
    """Return who changed ``resource_id``, asked live of CloudTrail (skipped when no endpoint)."""
    if not live_endpoint_url or not resource_id:
        return HtmlBlock("<p class='note'>No live_endpoint_url or resource_id: skipped.</p>")
    changes = lookup_changes(live_endpoint_url, resource_id, start, end, region)
    title = f"Changes to {resource_id} reported live by LookupEvents ({region})"
    return section(title, data_table(changes, EVENT_COLUMNS, row_cap))
