"""Checks of guide step 6 over CloudTrail events (1202/1203.09aa1, 12100.09ab2, 1270.09ad1).

Each check judges one account from the ``cloudtrail_events`` frame. Where the events could not
be collected (LookupEvents or reading the S3 archive failed) or none were collected, the account
is a GAP: missing events never pass.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

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
from evidence_lib.cloudtrail_files import DELIVERED, NO_FILES, NOT_LISTED, delivery_days
from evidence_lib.controls import load_catalog
from evidence_lib.params import BusinessHours

EVENT_OPERATIONS = ["LookupEvents", "GetObject", "ListObjectsV2"]
ELASTICACHE = "elasticache.amazonaws.com"
CLOUDTRAIL = "cloudtrail.amazonaws.com"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
NEW_PRINCIPAL_GRACE = pd.Timedelta(days=7)
# Changes whose request can switch off AUTH or encryption in transit.
WEAKENING_MODIFY = ("ModifyReplicationGroup", "ModifyCacheCluster", "ModifyServerlessCache")
KIND_LABELS = {
    "failure_burst": "failure bursts",
    "root_activity": "root user events",
    "off_hours": "changes off hours",
    "destructive": "destructive actions",
    "security_weakening": "security-weakening changes",
    "trail_change": "trail changes",
    "new_principal": "new principal first events",
}
RESOURCE_KEYS = (
    "replicationGroupId",
    "cacheClusterId",
    "serverlessCacheName",
    "snapshotName",
    "userGroupId",
    "userId",
    "cacheParameterGroupName",
    "name",
)

# A judge returns (status, reason) or (status, reason, evidence paths).
Judge = Callable[[pd.DataFrame], tuple[str, ...]]
NO_IRREGULARITIES = (
    "no failure bursts, root use, off-hours changes, deletions, weakened security, "
    "trail changes or new principals"
)


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
        verdict = judge(mine)
        statuses.append(verdict[0])
        reasons.append(verdict[1])
        evidence.append(verdict[2] if len(verdict) > 2 else _evidence(mine))
    base = rows.assign(raw_path=pd.Series(evidence, index=rows.index, dtype="string"))
    status_series = pd.Series(statuses, index=rows.index, dtype="string")
    return findings(base, check_id, status_series, pd.Series(reasons, index=rows.index), threshold)


def _period(frames: Frames, events: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Return the audit period up to the collection time (the events' span when unknown)."""
    start = run_time(frames, "period_start_time") or events["event_time"].min()
    end = run_time(frames, "period_end_time") or events["event_time"].max()
    as_of = run_time(frames)
    return start, min(end, as_of) if as_of is not None else end


def _period_days(frames: Frames, days: pd.DataFrame) -> pd.DatetimeIndex:
    start = run_time(frames, "period_start_time") or days["day_time"].min()
    end = run_time(frames, "period_end_time") or days["day_time"].max() + pd.Timedelta(days=1)
    as_of = run_time(frames)
    end = min(end, as_of) if as_of is not None else end
    return pd.date_range(start.floor("D"), (end - pd.Timedelta(seconds=1)).floor("D"), freq="D")


def _delivery(frames: Frames, account: str) -> tuple[list[str], list[str], str]:
    """Return (days without files, days not listed, evidence) of one account's log delivery."""
    log_files = get_frame(frames, "cloudtrail_log_files")
    days = delivery_days(log_files.loc[log_files["account_id"].eq(account).fillna(False)])
    if days.empty:
        return [], [], ""
    expected = _period_days(frames, days)
    missing, unlisted = set(), set()
    for region, mine in days.groupby("region"):
        state = mine.set_index("day_time")["state"].reindex(expected, fill_value=NOT_LISTED)
        missing |= {f"{d:%Y-%m-%d} ({region})" for d in state.index[state.eq(NO_FILES)]}
        unlisted |= {f"{d:%Y-%m-%d} ({region})" for d in state.index[state.eq(NOT_LISTED)]}
    flagged = days.loc[days["state"].ne(DELIVERED)]
    evidence = flagged if not flagged.empty else days.head(1)
    return sorted(missing), sorted(unlisted), ";".join(evidence["raw_path"].astype(str))


def _trail_changes(events: pd.DataFrame) -> list[str]:
    """Describe each successful trail change with who and when; a stop with its restart."""
    tamper = list(load_catalog().trail_tamper_actions)
    ok = events.loc[
        events["event_source"].eq(CLOUDTRAIL).fillna(False) & events["error_code"].isna()
    ]
    starts = ok.loc[ok["event_name"].eq("StartLogging"), "event_time"].sort_values()
    out = []
    for row in ok.loc[ok["event_name"].isin(tamper)].itertuples(index=False):
        text = f"{row.event_name} by {_who(row)} at {row.event_time:%Y-%m-%d %H:%M}"
        if row.event_name == "StopLogging":
            later = starts[starts > row.event_time]
            gap = (later.iloc[0] - row.event_time) if not later.empty else None
            text += f" (restarted after {_span(gap)})" if gap is not None else " (not restarted)"
        out.append(text)
    return out


def _who(row: Any) -> str:
    for name in ("principal_arn", "principal_id", "user_name", "user_identity_type"):
        value = getattr(row, name)
        if not pd.isna(value):
            return str(value)
    return "unknown"


def _span(gap: pd.Timedelta) -> str:
    minutes = int(gap.total_seconds() // 60)
    return f"{minutes} min" if minutes < 120 else f"{minutes / 60:.1f} h"


def _uninterrupted(frames: Frames, account: str, events: pd.DataFrame) -> tuple[str, str, str]:
    missing, unlisted, evidence = _delivery(frames, account)
    changes = _trail_changes(events) if not events.empty else []
    problems = [f"{len(changes)} trail change(s): " + "; ".join(changes)] if changes else []
    if missing:
        problems.append(f"no log files delivered on {len(missing)} day(s): {join_unique(missing)}")
    if problems:
        return "FAIL", "; ".join(problems), evidence
    lacking = [] if not events.empty else ["CloudTrail events not collected"]
    if not evidence:
        lacking.append("log file delivery not collected (no archive listing)")
    if unlisted:
        lacking.append(f"{len(unlisted)} day(s) not listed: {join_unique(unlisted)}")
    if lacking:
        return "GAP", "; ".join(lacking), evidence
    reason = "log files delivered every day of the period; no trail stopped, deleted or narrowed"
    return "PASS", reason, evidence


@register("logging_uninterrupted", frames=["cloudtrail_events", "cloudtrail_log_files"])
def evaluate_logging_uninterrupted(frames: Frames, params: Params) -> pd.DataFrame:
    """Judge whether logging ran all period: no trail stopped or narrowed, files every day."""
    events = get_frame(frames, "cloudtrail_events")
    owner = events["recipient_account_id"].fillna(events["account_id"])
    failed = gap_places(frames, ["LookupEvents", "GetObject"])
    rows = scope_accounts(params)
    results = []
    for account in rows["account_id"]:
        gaps = failed.loc[failed["account_id"].eq(account)]
        mine = events.loc[owner.eq(account).fillna(False)]
        status, reason, evidence = _uninterrupted(frames, account, mine)
        if status != "FAIL" and not gaps.empty:
            why = f"CloudTrail events not fully collected ({'; '.join(gaps['operations'])})"
            status, reason = "GAP", why if status == "PASS" else f"{why}; {reason}"
            evidence = ";".join([evidence, *gaps["raw_path"]]).strip(";")
        results.append((status, reason, evidence or _evidence(mine)))
    statuses, reasons, evidence_paths = zip(*results, strict=True) if results else ((), (), ())
    base = rows.assign(raw_path=pd.Series(evidence_paths, index=rows.index, dtype="string"))
    status = pd.Series(statuses, index=rows.index, dtype="string")
    reason = pd.Series(reasons, index=rows.index, dtype="string")
    return findings(base, "logging_uninterrupted", status, reason, "every day of the period")


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


def _burst_rows(events: pd.DataFrame, count: int, minutes: int) -> pd.Series:
    """Return True on each failed call inside a window where its principal reached ``count``."""
    failed = events.loc[events["error_code"].notna() & events["event_time"].notna()]
    hit = pd.Series(False, index=events.index)
    window = pd.Timedelta(minutes=minutes)
    for _, mine in failed.assign(who=_principal(failed)).groupby("who"):
        times = mine["event_time"].sort_values()
        counts = times.searchsorted(times, side="right") - times.searchsorted(times - window)
        for peak in times[counts >= count]:
            hit.loc[times.index[(times >= peak - window) & (times <= peak)]] = True
    return hit


def _off_hours(events: pd.DataFrame, hours: BusinessHours) -> pd.Series:
    days = [WEEKDAYS.index(str(day)) for day in hours.weekdays]
    start, end = hours.start, hours.end
    local = events["event_time"].dt.tz_convert(hours.timezone)
    clock = local.dt.strftime("%H:%M")
    inside = clock.ge(start) & clock.lt(end) & local.dt.day_of_week.isin(days)
    by_people = events["user_identity_type"].ne("AWSService").fillna(True)
    return is_false(events["read_only"]) & by_people & ~inside.fillna(True)


def _request(text: Any) -> dict[str, Any]:
    try:
        value = json.loads(text) if isinstance(text, str) else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _weakening(name: str, request: dict[str, Any]) -> str:
    """Return how a successful change weakens a cache's security ('' when it does not)."""
    if name in ("DeleteUser", "DeleteUserGroup"):
        return "RBAC user or user group deleted"
    if name == "ModifyUserGroup" and request.get("userIdsToRemove"):
        return f"users removed from the user group: {request['userIdsToRemove']}"
    if name not in WEAKENING_MODIFY:
        return ""
    said = []
    if str(request.get("authTokenUpdateStrategy", "")).upper() == "DELETE":
        said.append("AUTH token removed (authTokenUpdateStrategy DELETE)")
    if request.get("transitEncryptionEnabled") is False:
        said.append("encryption in transit turned off")
    if str(request.get("transitEncryptionMode", "")).lower() == "preferred":
        said.append("encryption in transit set to preferred")
    return "; ".join(said)


def _kinds(events: pd.DataFrame, params: Params, start: pd.Timestamp | None) -> pd.DataFrame:
    """Return (index, kind, detail) rows of every irregular event."""
    limits = params.thresholds
    ok = events["error_code"].isna()
    parts: list[tuple[pd.Index, str, str]] = []
    burst = _burst_rows(events, limits.failure_burst_count, limits.failure_burst_minutes)
    detail = f">= {limits.failure_burst_count} failures in {limits.failure_burst_minutes} min"
    parts.append((events.index[burst], "failure_burst", detail))
    root = events["user_identity_type"].eq("Root").fillna(False)
    parts.append((events.index[root], "root_activity", "root user"))
    parts.append((events.index[_off_hours(events, limits.business_hours)], "off_hours", "change"))
    deleted = events["event_name"].str.startswith("Delete").fillna(False) & ok
    parts.append((events.index[deleted], "destructive", "deletion"))
    tamper = [*load_catalog().trail_tamper_actions, "StartLogging"]
    trail = events["event_source"].eq(CLOUDTRAIL).fillna(False) & events["event_name"].isin(tamper)
    parts.append((events.index[trail & ok], "trail_change", "audit trail changed"))
    if start is not None:
        first = events.assign(who=_principal(events)).sort_values("event_time")
        first = first.drop_duplicates("who")
        new = first.index[first["event_time"] > start + NEW_PRINCIPAL_GRACE]
        parts.append((new, "new_principal", "first event of a principal new in the period"))
    rows = [(i, kind, text) for index, kind, text in parts for i in index]
    return pd.DataFrame(rows, columns=["row", "kind", "detail"])


def _weakening_rows(events: pd.DataFrame) -> pd.DataFrame:
    names = ["DeleteUser", "DeleteUserGroup", "ModifyUserGroup", *WEAKENING_MODIFY]
    candidates = events.loc[events["event_name"].isin(names) & events["error_code"].isna()]
    said = [
        _weakening(str(name), _request(text))
        for name, text in zip(
            candidates["event_name"], candidates["request_parameters"], strict=True
        )
    ]
    rows = [
        (i, "security_weakening", text)
        for i, text in zip(candidates.index, said, strict=True)
        if text
    ]
    return pd.DataFrame(rows, columns=["row", "kind", "detail"])


def _resource(text: Any) -> str | None:
    request = _request(text)
    for key in RESOURCE_KEYS:
        if request.get(key):
            return str(request[key])
    return None


def find_irregularities(
    events: pd.DataFrame, params: Params, period_start: pd.Timestamp | None = None
) -> pd.DataFrame:
    """Return every irregular event of the period, one row per (kind, event).

    Parameters
    ----------
    events : pandas.DataFrame
        The ``cloudtrail_events`` frame (or part of it).
    params : Params
        The run's parameters (business hours, failure burst thresholds).
    period_start : pandas.Timestamp, optional
        Start of the audit period; principals first seen after its first week are new.
        None skips the new-principal kind.

    Returns
    -------
    pandas.DataFrame
        Columns ``kind`` (failure_burst, root_activity, off_hours, destructive,
        security_weakening, trail_change, new_principal), ``event_time``, ``principal_arn``
        (the ARN, else principal ID, user name or identity type), ``event_name``,
        ``resource`` (from the request parameters), ``event_id``, ``detail``,
        ``account_id`` and ``raw_path``; sorted by time then kind.
    """
    columns = ["kind", "event_time", "principal_arn", "event_name", "resource", "event_id"]
    columns += ["detail", "account_id", "raw_path"]
    events = events.loc[events["event_time"].notna()].reset_index(drop=True)
    marks = pd.concat([_kinds(events, params, period_start), _weakening_rows(events)])
    picked = events.loc[marks["row"].to_numpy()].reset_index(drop=True)
    out = pd.DataFrame(
        {
            "kind": marks["kind"].to_numpy(),
            "event_time": picked["event_time"],
            "principal_arn": _principal(picked),
            "event_name": picked["event_name"],
            "resource": picked["request_parameters"].map(_resource).astype("string"),
            "event_id": picked["event_id"],
            "detail": pd.array(marks["detail"].to_numpy(dtype=object), dtype="string"),
            "account_id": picked["recipient_account_id"].fillna(picked["account_id"]),
            "raw_path": picked["raw_path"],
        }
    )
    return out.sort_values(["event_time", "kind"], kind="stable").reset_index(drop=True)[columns]


def _summary(found: pd.DataFrame) -> str:
    parts = []
    for kind, rows in found.groupby("kind", sort=False):
        who = join_unique(rows["principal_arn"], limit=3)
        what = join_unique(rows["event_name"], limit=3)
        parts.append(f"{KIND_LABELS.get(str(kind), kind)} x{len(rows)} ({what}; by {who})")
    return "to review: " + "; ".join(parts)


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

    def judge(events: pd.DataFrame) -> tuple[str, ...]:
        start, _ = _period(frames, events)
        found = find_irregularities(events, params, start)
        if found.empty:
            return "PASS", NO_IRREGULARITIES
        return "FAIL", _summary(found), _evidence(found)

    return _per_account(frames, params, "irregularity_review", judge, threshold)
