"""Checks of guide step 6 over CloudTrail events (1202/1203.09aa1, 12100.09ab2, 1270.09ad1).

Each check judges one account from the ``cloudtrail_events`` frame. Where the events could not
be collected (LookupEvents or reading the S3 archive failed) or none were collected, the account
is a GAP: missing events never pass.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from evidence_lib.checks.common import (
    Frames,
    Params,
    findings,
    gap_places,
    get_frame,
    is_false,
    join_unique,
    run_time,
    scope_accounts,
)
from evidence_lib.checks.registry import register
from evidence_lib.controls import load_catalog
from evidence_lib.params import BusinessHours

EVENT_OPERATIONS = ["LookupEvents", "GetObject", "ListObjectsV2"]
ELASTICACHE = "elasticache.amazonaws.com"
CLOUDTRAIL = "cloudtrail.amazonaws.com"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
NEW_PRINCIPAL_GRACE = pd.Timedelta(days=7)

Judge = Callable[[pd.DataFrame], tuple[str, str]]


def _evidence(events: pd.DataFrame) -> str:
    return ";".join(dict.fromkeys(events["raw_path"].dropna().astype(str)))


def _per_account(
    frames: Frames, params: Params, check_id: str, judge: Judge, threshold: str = ""
) -> pd.DataFrame:
    """Judge each account's events; GAP where the events were not collected."""
    events = get_frame(frames, "cloudtrail_events")
    owner = events["recipient_account_id"].fillna(events["account_id"])
    failed = gap_places(frames, EVENT_OPERATIONS)
    rows = scope_accounts(params)
    statuses, reasons, evidence = [], [], []
    for account in rows["account_id"]:
        mine = events.loc[owner.eq(account).fillna(False)]
        gaps = failed.loc[failed["account_id"].eq(account)]
        if not gaps.empty or mine.empty:
            why = "; ".join(gaps["operations"]) if not gaps.empty else "no events in the frame"
            statuses.append("GAP")
            reasons.append(f"CloudTrail events not collected ({why})")
            evidence.append(";".join(gaps["raw_path"]))
            continue
        status, reason = judge(mine)
        statuses.append(status)
        reasons.append(reason)
        evidence.append(_evidence(mine))
    base = rows.assign(raw_path=pd.Series(evidence, index=rows.index, dtype="string"))
    status_series = pd.Series(statuses, index=rows.index, dtype="string")
    return findings(base, check_id, status_series, pd.Series(reasons, index=rows.index), threshold)


def _period(frames: Frames, events: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Return the audit period up to the collection time (the events' span when unknown)."""
    start = run_time(frames, "period_start_time") or events["event_time"].min()
    end = run_time(frames, "period_end_time") or events["event_time"].max()
    as_of = run_time(frames)
    return start, min(end, as_of) if as_of is not None else end


def _silent_days(frames: Frames, events: pd.DataFrame) -> list[str]:
    start, end = _period(frames, events)
    expected = pd.date_range(start.floor("D"), (end - pd.Timedelta(seconds=1)).floor("D"), freq="D")
    seen = set(events["event_time"].dropna().dt.floor("D"))
    return [day.strftime("%Y-%m-%d") for day in expected if day not in seen]


@register("logging_uninterrupted", frames=["cloudtrail_events"])
def evaluate_logging_uninterrupted(frames: Frames, params: Params) -> pd.DataFrame:
    """Judge whether logging ran all period: no trail stopped or narrowed, no silent day."""
    tamper = list(load_catalog().trail_tamper_actions)

    def judge(events: pd.DataFrame) -> tuple[str, str]:
        changed = events.loc[
            events["event_source"].eq(CLOUDTRAIL).fillna(False)
            & events["event_name"].isin(tamper)
            & events["error_code"].isna()
        ]
        silent = _silent_days(frames, events)
        if not changed.empty:
            when = changed["event_name"] + " " + changed["event_time"].dt.strftime("%Y-%m-%d %H:%M")
            return "FAIL", f"{len(changed)} trail change(s): {join_unique(when)}"
        if silent:
            return "FAIL", f"no events recorded on {len(silent)} day(s): {join_unique(silent)}"
        return "PASS", "events on every day of the period; no trail stopped, deleted or narrowed"

    return _per_account(frames, params, "logging_uninterrupted", judge, "every day of the period")


def _elasticache(events: pd.DataFrame) -> pd.DataFrame:
    return events.loc[events["event_source"].eq(ELASTICACHE).fillna(False)]


def _no_identity(events: pd.DataFrame) -> pd.Series:
    return (
        events["user_identity_type"].isna()
        & events["principal_arn"].isna()
        & events["principal_id"].isna()
    )


@register("audit_record_complete", frames=["cloudtrail_events"])
def evaluate_audit_record_complete(frames: Frames, params: Params) -> pd.DataFrame:
    """Judge whether every ElastiCache event carries its ID, identity, action and time."""

    def judge(events: pd.DataFrame) -> tuple[str, str]:
        ours = _elasticache(events)
        if ours.empty:
            return "FAIL", "no ElastiCache events recorded in the period"
        lacking = (
            ours["event_id"].isna()
            | ours["event_time"].isna()
            | ours["event_name"].isna()
            | _no_identity(ours)
        )
        if lacking.any():
            ids = join_unique(ours.loc[lacking, "resource_id"])
            return (
                "FAIL",
                f"{int(lacking.sum())} of {len(ours)} ElastiCache events lack a field: {ids}",
            )
        # NOTE: CloudTrail records an outcome by the presence of errorCode; absent means success.
        return (
            "PASS",
            f"all {len(ours)} ElastiCache events carry ID, identity, action, time, outcome",
        )

    return _per_account(frames, params, "audit_record_complete", judge)


@register("privileged_actions_logged", frames=["cloudtrail_events"])
def evaluate_privileged_actions_logged(frames: Frames, params: Params) -> pd.DataFrame:
    """Judge whether privileged ElastiCache actions are recorded with identity and outcome."""
    privileged = list(load_catalog().privileged_actions)

    def judge(events: pd.DataFrame) -> tuple[str, str]:
        ours = _elasticache(events)
        done = ours.loc[ours["event_name"].isin(privileged)]
        if done.empty:
            return "NOT_APPLICABLE", "no privileged ElastiCache actions recorded in the period"
        anonymous = _no_identity(done)
        if anonymous.any():
            return "FAIL", f"{int(anonymous.sum())} privileged action(s) without an identity"
        counts = done["event_name"].value_counts()
        listed = join_unique(f"{name} x{count}" for name, count in counts.items())
        failed = int(done["error_code"].notna().sum())
        return "PASS", f"{len(done)} privileged actions ({failed} failed) with identity: {listed}"

    return _per_account(frames, params, "privileged_actions_logged", judge)


def _principal(events: pd.DataFrame) -> pd.Series:
    name = events["principal_arn"].fillna(events["principal_id"]).fillna(events["user_name"])
    return name.fillna(events["user_identity_type"]).fillna("unknown").astype("string")


def _burst_principals(events: pd.DataFrame, count: int, minutes: int) -> list[str]:
    failed = events.loc[events["error_code"].notna() & events["event_time"].notna()]
    if failed.empty:
        return []
    ranked = failed.assign(who=_principal(failed), one=1.0).sort_values("event_time")
    rolling = ranked.groupby("who").rolling(f"{minutes}min", on="event_time")["one"].sum()
    peaks = rolling.groupby(level=0).max()
    return sorted(str(who) for who in peaks.index[peaks >= count])


def _off_hours(events: pd.DataFrame, hours: BusinessHours) -> pd.Series:
    days = [WEEKDAYS.index(str(day)) for day in hours.weekdays]
    start, end = hours.start, hours.end
    local = events["event_time"].dt.tz_convert(hours.timezone)
    clock = local.dt.strftime("%H:%M")
    inside = clock.ge(start) & clock.lt(end) & local.dt.day_of_week.isin(days)
    by_people = events["user_identity_type"].ne("AWSService").fillna(True)
    return is_false(events["read_only"]) & by_people & ~inside.fillna(True)


def _irregularities(frames: Frames, events: pd.DataFrame, params: Params) -> list[str]:
    limits = params.thresholds
    found: list[str] = []
    bursts = _burst_principals(events, limits.failure_burst_count, limits.failure_burst_minutes)
    if bursts:
        found.append(f"failure bursts by {join_unique(bursts)}")
    root = events.loc[events["user_identity_type"].eq("Root").fillna(False)]
    if not root.empty:
        found.append(f"{len(root)} root user event(s)")
    off = events.loc[_off_hours(events, limits.business_hours)]
    if not off.empty:
        found.append(f"{len(off)} change(s) off hours: {join_unique(off['event_name'])}")
    deleted = events.loc[
        events["event_name"].str.startswith("Delete").fillna(False) & events["error_code"].isna()
    ]
    if not deleted.empty:
        found.append(f"{len(deleted)} destructive action(s): {join_unique(deleted['event_name'])}")
    start, _ = _period(frames, events)
    first_seen = events.assign(who=_principal(events)).groupby("who")["event_time"].min()
    new = first_seen.index[first_seen > start + NEW_PRINCIPAL_GRACE]
    if len(new):
        found.append(f"{len(new)} new principal(s): {join_unique(new)}")
    return found


@register(
    "irregularity_review",
    frames=["cloudtrail_events"],
    params=[
        "thresholds.business_hours",
        "thresholds.failure_burst_count",
        "thresholds.failure_burst_minutes",
    ],
)
def evaluate_irregularity_review(frames: Frames, params: Params) -> pd.DataFrame:
    """List the period's irregularities; any found fails until reviewed."""
    limits = params.thresholds
    hours = limits.business_hours
    threshold = (
        f"{limits.failure_burst_count} failures in {limits.failure_burst_minutes} min; "
        f"business hours {hours.start}-{hours.end} {hours.timezone}"
    )

    def judge(events: pd.DataFrame) -> tuple[str, str]:
        found = _irregularities(frames, events, params)
        if found:
            return "FAIL", "to review: " + "; ".join(found)
        return "PASS", "no failure bursts, root use, off-hours changes, deletions or new principals"

    return _per_account(frames, params, "irregularity_review", judge, threshold)
