"""Checks of guide step 6 over trail configuration: trails, log storage and alarms (09aa, 09ab).

The checks over CloudTrail events themselves are in ``logging_checks``.
"""

from __future__ import annotations

import pandas as pd

from evidence_lib.checks.common import (
    Decider,
    Frames,
    Params,
    combine,
    decide,
    derived,
    explode_json,
    fail_to_gap,
    findings,
    gap_findings,
    get_frame,
    in_gap,
    is_blank,
    is_false,
    is_true,
    lookup,
    scope_accounts,
    text,
)
from evidence_lib.checks.registry import register

TRAIL_OPERATIONS = ["GetTrailStatus", "GetEventSelectors"]
BUCKET_OPERATIONS = ["GetBucketLifecycleConfiguration"]


def _trails(frames: Frames) -> pd.DataFrame:
    """One row per trail: a multi-region trail listed in every region keeps its home row."""
    return derived(frames, "unique_trails", lambda: _unique_trails(frames))


def _unique_trails(frames: Frames) -> pd.DataFrame:
    trails = get_frame(frames, "trails")
    home = trails["region"].eq(trails["home_region"]).fillna(False)
    ordered = trails.assign(_home=home).sort_values("_home", ascending=False, kind="stable")
    unique = ordered.drop_duplicates(["account_id", "resource_arn"]).drop(columns="_home")
    return unique.sort_index()


def _evaluate_trails(
    frames: Frames, params: Params, check_id: str, decider: Decider, threshold: str = ""
) -> pd.DataFrame:
    """Judge every trail; an account with no trail at all fails, a failed listing is a GAP."""
    trails = _trails(frames)
    parts = [gap_findings(frames, check_id, ["DescribeTrails"], "trails", threshold)]
    failed = get_frame(frames, "collection_gaps")
    failed = failed.loc[failed["operation"].eq("DescribeTrails").fillna(False), "account_id"]
    accounts = scope_accounts(params)
    bare = accounts.loc[
        ~accounts["account_id"].isin(trails["account_id"]) & ~accounts["account_id"].isin(failed)
    ]
    parts.append(findings(bare, check_id, "FAIL", "no CloudTrail trail in this account", threshold))
    if not trails.empty:
        status, reason = decider(trails)
        parts.append(findings(trails, check_id, status, reason, threshold))
    return fail_to_gap(combine(parts), frames, TRAIL_OPERATIONS, "trail status or selectors")


def _enabled_decision(trails: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    events = trails["management_events"].astype("string")
    stopped = text(
        trails["stop_logging_time"].dt.strftime("%Y-%m-%d %H:%M UTC"), "a time not reported"
    )
    rules = [
        (trails["is_logging"].isna(), "FAIL", "logging status not reported"),
        (is_false(trails["is_logging"]), "FAIL", "the trail is stopped (since " + stopped + ")"),
        (
            ~is_true(trails["is_multi_region_trail"]),
            "FAIL",
            "not a multi-region trail (or not reported)",
        ),
        (events.isna(), "FAIL", "management events not logged (or not reported)"),
        (events.ne("All"), "FAIL", "logs only " + text(events) + " management events"),
        (
            ~is_false(trails["elasticache_excluded"]),
            "FAIL",
            "ElastiCache events excluded (or not reported)",
        ),
    ]
    passed = "logging, multi-region, all management events, ElastiCache included"
    return decide(trails.index, rules, ("PASS", passed))


@register("trail_enabled_multi_region", frames=["trails"])
def evaluate_trail_enabled_multi_region(frames: Frames, params: Params) -> pd.DataFrame:
    """Judge whether each trail logs, covers every region and all management events."""
    return _evaluate_trails(frames, params, "trail_enabled_multi_region", _enabled_decision)


@register("trail_log_file_validation", frames=["trails"])
def evaluate_trail_log_file_validation(frames: Frames, params: Params) -> pd.DataFrame:
    """Judge whether each trail writes digest files that make tampering evident."""

    def decider(trails: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
        setting = trails["log_file_validation_enabled"]
        rules = [
            (setting.isna(), "FAIL", "log file validation not reported"),
            (is_false(setting), "FAIL", "log file validation is off"),
        ]
        return decide(trails.index, rules, ("PASS", "log file validation is on"))

    return _evaluate_trails(frames, params, "trail_log_file_validation", decider)


@register("trail_encrypted", frames=["trails"])
def evaluate_trail_encrypted(frames: Frames, params: Params) -> pd.DataFrame:
    """Judge whether each trail encrypts its log files with a KMS key."""

    def decider(trails: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
        key = trails["kms_key_id"]
        rules = [
            (is_blank(key), "FAIL", "log files not encrypted with a KMS key (SSE-KMS not set)")
        ]
        return decide(
            trails.index, rules, ("PASS", "log files encrypted with KMS key " + text(key))
        )

    return _evaluate_trails(frames, params, "trail_encrypted", decider)


def _log_group_name(arns: pd.Series) -> pd.Series:
    """Return the log group name of a CloudWatch Logs ARN (``...:log-group:<name>:*``)."""
    return arns.astype("string").str.extract(r":log-group:([^:]+)", expand=False).astype("string")


def _storage(frames: Frames, trails: pd.DataFrame) -> pd.DataFrame:
    """Per trail: its bucket's lifecycle and its log group's retention."""
    buckets = get_frame(frames, "buckets")
    buckets = buckets.assign(lifecycle_gap=in_gap(buckets, frames, BUCKET_OPERATIONS))
    columns = ["lifecycle_min_expiration_days", "lifecycle_first_archive_days"]
    columns += ["lifecycle_archive_storage_class", "lifecycle_gap", "matched"]
    on = {"account_id": "account_id", "s3_bucket_name": "resource_id"}
    bucket = lookup(trails, buckets, on, columns)
    probe = trails.loc[:, ["account_id"]].assign(
        group=_log_group_name(trails["cloud_watch_logs_log_group_arn"])
    )
    group = lookup(
        probe,
        get_frame(frames, "log_groups"),
        {"account_id": "account_id", "group": "resource_id"},
        ["retention_days", "matched"],
    )
    return bucket.assign(
        bucket_known=bucket["matched"] & ~bucket["lifecycle_gap"].astype("boolean").fillna(False),
        group_known=group["matched"],
        group_days=group["retention_days"],
        group_name=probe["group"],
    )


def _storage_decision(
    frames: Frames, trails: pd.DataFrame, days: int, what: str
) -> tuple[pd.Series, pd.Series]:
    store = _storage(frames, trails)
    expiry = store["lifecycle_min_expiration_days"]
    first_archive = store["lifecycle_first_archive_days"]
    keeps = store["bucket_known"] & (expiry.isna() | (expiry >= days)).fillna(False)
    if what == "online":
        keeps &= (first_archive.isna() | (first_archive >= days)).fillna(False)
    group_keeps = store["group_known"] & (
        store["group_days"].isna() | (store["group_days"] >= days)
    ).fillna(False)
    tier = text(store["lifecycle_archive_storage_class"], "S3 Standard, no archive transition")
    bucket = text(trails["s3_bucket_name"])
    rules = [
        (keeps, "PASS", "bucket " + bucket + f" keeps log files {what} {days}+ days; tier " + tier),
        (
            group_keeps,
            "PASS",
            "log group " + text(store["group_name"]) + f" keeps events {days}+ days",
        ),
        (
            ~store["bucket_known"] & ~store["group_known"],
            "GAP",
            "lifecycle of bucket " + bucket + " not collected",
        ),
    ]
    expires = (
        "bucket " + bucket + " expires log files after " + text(expiry.astype("string")) + " days"
    )
    archived = ("; archived after " + text(first_archive.astype("string")) + " days").where(
        first_archive.notna(), ""
    )
    return decide(trails.index, rules, ("FAIL", expires + archived + f", under {days}"))


@register(
    "log_retention",
    frames=["trails", "buckets", "log_groups"],
    params=["thresholds.log_retention_days"],
)
def evaluate_log_retention(frames: Frames, params: Params) -> pd.DataFrame:
    """Judge whether each trail's logs stay online (S3 or CloudWatch Logs) the parameter's days."""
    days = int(params.thresholds.log_retention_days)
    return _evaluate_trails(
        frames,
        params,
        "log_retention",
        lambda t: _storage_decision(frames, t, days, "online"),
        f"{days} days",
    )


@register(
    "log_archive_one_year",
    frames=["trails", "buckets", "log_groups"],
    params=["thresholds.log_archive_days"],
)
def evaluate_log_archive_one_year(frames: Frames, params: Params) -> pd.DataFrame:
    """Judge whether nothing of each trail's logs expires before the parameter's days."""
    days = int(params.thresholds.log_archive_days)
    return _evaluate_trails(
        frames,
        params,
        "log_archive_one_year",
        lambda t: _storage_decision(frames, t, days, "archived"),
        f"{days} days",
    )


def _notifying_metrics(frames: Frames) -> pd.DataFrame:
    """(account, namespace, metric) of enabled alarms with an action on an existing SNS topic."""
    alarms = get_frame(frames, "alarms")
    alarms = alarms.loc[is_true(alarms["actions_enabled"])]
    actions = explode_json(alarms, "alarm_actions", "action")
    topics = get_frame(frames, "sns_topics")
    found = lookup(
        actions, topics, {"account_id": "account_id", "action": "resource_arn"}, ["exists"]
    )
    notifying = actions.loc[is_true(found["exists"])]
    return notifying.loc[:, ["account_id", "namespace", "metric_name"]].drop_duplicates()


def _alarm_decision(frames: Frames, trails: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    group = _log_group_name(trails["cloud_watch_logs_log_group_arn"])
    filters = get_frame(frames, "metric_filters")
    alarmed = filters.merge(
        _notifying_metrics(frames).rename(columns={"namespace": "metric_namespace"}),
        on=["account_id", "metric_namespace", "metric_name"],
    )
    per_group = (
        filters.groupby(["account_id", "log_group_name"]).size().rename("filters").reset_index()
    )
    names = alarmed.groupby(["account_id", "log_group_name"])["filter_name"].agg(
        lambda s: ", ".join(dict.fromkeys(s))
    )
    per_group = per_group.merge(names.rename("alarmed").reset_index(), how="left")
    probe = trails.loc[:, ["account_id"]].assign(group=group)
    found = lookup(
        probe,
        per_group,
        {"account_id": "account_id", "group": "log_group_name"},
        ["filters", "alarmed"],
    )
    rules = [
        (
            group.isna(),
            "FAIL",
            "the trail sends no events to CloudWatch Logs, so nothing can alarm",
        ),
        (found["filters"].isna(), "FAIL", "no metric filters on log group " + text(group)),
        (
            found["alarmed"].isna(),
            "FAIL",
            "no metric filter on " + text(group) + " has an alarm notifying an existing SNS topic",
        ),
    ]
    return decide(
        trails.index, rules, ("PASS", "alarms notify on metric filters " + text(found["alarmed"]))
    )


@register("alarms_on_irregularities", frames=["trails", "metric_filters", "alarms", "sns_topics"])
def evaluate_alarms_on_irregularities(frames: Frames, params: Params) -> pd.DataFrame:
    """Judge whether each trail's log group has metric filters with alarms that notify someone."""
    result = _evaluate_trails(
        frames, params, "alarms_on_irregularities", lambda t: _alarm_decision(frames, t)
    )
    operations = ["DescribeMetricFilters", "DescribeAlarms", "GetTopicAttributes"]
    return fail_to_gap(result, frames, operations, "metric filters, alarms or topics")
