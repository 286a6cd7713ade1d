"""The irregularities planted among the demo's CloudTrail records.

Each planted finding is a list of records under a stable name; ``plant_irregularities``
returns the records and, per name, their event IDs so that tests and reports can find them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from evidence_lib.demo import activity_records as rec
from evidence_lib.demo.activity_plan import Event, Planner, at, previous_weekday

BURST_SIZE = 25
CLOUDTRAIL = "cloudtrail.amazonaws.com"


def _denied(planner: Planner, name: str, resource_arn: str) -> tuple[str, str]:
    user = f"arn:aws:iam::{planner.account_id}:user/{rec.PRINCIPALS['backup_audit'].name}"
    message = (
        f"User: {user} is not authorized to perform: elasticache:{name} on resource: "
        f"{resource_arn} because no identity-based policy allows the elasticache:{name} action"
    )
    return ("AccessDenied", message)


def _access_denied_burst(planner: Planner, today: dt.date, region: str) -> list[Event]:
    """Plant twenty-five denied changes by one principal within 45 minutes."""
    day = previous_weekday(today - dt.timedelta(days=40), planner.timeline.missing_day)
    group = planner.names[region].rg[0]
    arn = f"arn:aws:elasticache:{region}:{planner.account_id}:replicationgroup:{group}"
    names = ["ModifyReplicationGroup", "CreateSnapshot", "ModifyUserGroup"]
    events = []
    for i in range(BURST_SIZE):
        name = names[i % len(names)]
        moment = at(day, 10, 5) + dt.timedelta(seconds=105 * i)
        call = (rec.ELASTICACHE, name, False)
        error = _denied(planner, name, arn)
        event = planner.event(
            "backup_audit", moment, region, call, kind="rg", value=group, error=error
        )
        events.append(event)
    return events


def _root_activity(planner: Planner, today: dt.date, region: str) -> list[Event]:
    """Plant the root user looking at the caches and taking a snapshot."""
    day = previous_weekday(today - dt.timedelta(days=33), planner.timeline.missing_day)
    group = planner.names[region].rg[0]
    calls = [("DescribeReplicationGroups", True), ("DescribeCacheClusters", True)]
    calls.append(("CreateSnapshot", False))
    return [
        planner.event(
            "root",
            at(day, 14, 10 + 3 * i),
            region,
            (rec.ELASTICACHE, name, ro),
            kind="rg",
            value=group,
        )
        for i, (name, ro) in enumerate(calls)
    ]


def _off_hours_delete(planner: Planner, today: dt.date, region: str) -> list[Event]:
    """Plant a snapshot deleted at 02:13 UTC on a Saturday."""
    day = today - dt.timedelta(days=26)
    while day.weekday() != 5:
        day -= dt.timedelta(days=1)
    snapshot = f"{planner.names[region].rg[0]}-manual"
    call = (rec.ELASTICACHE, "DeleteSnapshot", False)
    request = {"snapshotName": snapshot}
    event = planner.event(
        "priya", at(day, 2, 13), region, call, kind="snapshot", value=snapshot, request=request
    )
    event[2]["responseElements"] = {"snapshotName": snapshot, "snapshotStatus": "deleting"}
    return [event]


def _auth_disabled(planner: Planner, today: dt.date, region: str) -> list[Event]:
    """Plant a ModifyReplicationGroup removing AUTH (authTokenUpdateStrategy DELETE)."""
    day = previous_weekday(today - dt.timedelta(days=20), planner.timeline.missing_day)
    group = planner.names[region].rg[0]
    request = {
        "replicationGroupId": group,
        "authTokenUpdateStrategy": "DELETE",
        "applyImmediately": True,
    }
    call = (rec.ELASTICACHE, "ModifyReplicationGroup", False)
    event = planner.event(
        "alex", at(day, 15, 30), region, call, kind="rg", value=group, request=request
    )
    return [event]


def _logging_stopped(planner: Planner, region: str, trail_arn: str) -> list[Event]:
    """Plant StopLogging of the main trail, then StartLogging 42 minutes later."""
    resources = [
        {"accountId": planner.account_id, "type": "AWS::CloudTrail::Trail", "ARN": trail_arn}
    ]
    events = []
    for name, moment in zip(("StopLogging", "StartLogging"), planner.timeline.gap, strict=True):
        call = (CLOUDTRAIL, name, False)
        event = planner.event("alex", moment, region, call, request={"name": trail_arn})
        event[2]["resources"] = resources
        events.append(event)
    return events


def _new_principal(planner: Planner, today: dt.date, region: str) -> list[Event]:
    """Plant a never-seen principal making changes six days before the end."""
    day = previous_weekday(today - dt.timedelta(days=6), planner.timeline.missing_day)
    names = planner.names[region]
    calls: list[tuple[str, str | None, str]] = [
        ("DescribeUsers", None, ""),
        ("CreateUser", "user", "contractor-migration"),
        ("ModifyUserGroup", "ug", names.ug[0]),
        ("ModifyCacheParameterGroup", "pg", names.pg[0]),
    ]
    return [
        planner.event(
            "contractor",
            at(day, 9, 20 + 4 * i),
            region,
            (rec.ELASTICACHE, name, name.startswith("Describe")),
            kind=kind,
            value=value,
        )
        for i, (name, kind, value) in enumerate(calls)
    ]


def plant_irregularities(
    planner: Planner, trail_arn: str
) -> tuple[list[Event], dict[str, list[str]]]:
    """Return the planted records and, per irregularity name, their event IDs."""
    region = planner.regions[0]
    today = planner.timeline.now.astimezone(dt.UTC).date()
    planted: dict[str, list[Event]] = {
        "access_denied_burst": _access_denied_burst(planner, today, region),
        "root_activity": _root_activity(planner, today, region),
        "off_hours_delete": _off_hours_delete(planner, today, region),
        "auth_disabled": _auth_disabled(planner, today, region),
        "logging_stopped": _logging_stopped(planner, region, trail_arn),
        "new_principal": _new_principal(planner, today, region),
    }
    ids: dict[str, list[str]] = {}
    events: list[Event] = []
    for name, group in planted.items():
        ids[name] = [_event_id(e[2]) for e in group]
        events.extend(group)
    return events, ids


def _event_id(record: dict[str, Any]) -> str:
    return str(record["eventID"])
