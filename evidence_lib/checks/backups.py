"""Checks of guide step 5: backups, windows, notifications, archive (1616/1618/1620.09l1)."""

from __future__ import annotations

import pandas as pd

from evidence_lib.checks.common import (
    CACHE_FRAMES,
    Frames,
    Params,
    decide,
    evaluate_caches,
    fail_to_gap,
    findings,
    get_frame,
    in_gap,
    is_blank,
    is_false,
    lookup,
    run_time,
    scope_accounts,
    text,
)
from evidence_lib.checks.registry import register

NO_BACKUPS = ("NOT_APPLICABLE", "Memcached: node-based clusters have no backups")
NO_WINDOW = ("NOT_APPLICABLE", "Memcached: outside the guide's Redis OSS/Valkey scope")
SNAPSHOT_OPERATIONS = ["DescribeSnapshots", "DescribeServerlessCacheSnapshots"]


def _retention(rows: pd.DataFrame, minimum: int) -> tuple[pd.Series, pd.Series]:
    days = rows["snapshot_retention_limit_days"]
    shown = text(days.astype("string"))
    rules = [
        (days.isna(), "FAIL", "snapshot retention not reported"),
        (days.eq(0), "FAIL", "automatic backups are off (retention 0 days)"),
        (days < minimum, "FAIL", "snapshots kept " + shown + f" days, under {minimum}"),
    ]
    return decide(rows.index, rules, ("PASS", "snapshots kept " + shown + " days"))


@register("automatic_backups_enabled", frames=CACHE_FRAMES)
def evaluate_automatic_backups_enabled(frames: Frames, params: Params) -> pd.DataFrame:
    """Judge whether each cache takes automatic snapshots (retention of 1 day or more)."""
    return evaluate_caches(
        frames,
        "automatic_backups_enabled",
        lambda c: _retention(c, 1),
        threshold="retention >= 1 day",
        memcached=NO_BACKUPS,
        serverless=lambda s: _retention(s, 1),
    )


@register(
    "backup_retention_sufficient",
    frames=CACHE_FRAMES,
    params=["thresholds.backup_retention_days"],
)
def evaluate_backup_retention_sufficient(frames: Frames, params: Params) -> pd.DataFrame:
    """Judge whether each cache keeps automatic snapshots at least the parameter's days."""
    minimum = int(params.thresholds.backup_retention_days)
    return evaluate_caches(
        frames,
        "backup_retention_sufficient",
        lambda c: _retention(c, minimum),
        threshold=f"{minimum} days",
        memcached=NO_BACKUPS,
        serverless=lambda s: _retention(s, minimum),
    )


def _newest_snapshots(snapshots: pd.DataFrame) -> pd.DataFrame:
    """Return the newest available snapshot per source (replication group, cluster, serverless)."""
    status = snapshots["snapshot_status"].astype("string").str.lower()
    usable = snapshots.loc[
        status.eq("available").fillna(False) & snapshots["snapshot_time"].notna()
    ]
    source = usable["replication_group_id"].fillna(usable["cache_cluster_id"])
    source = source.fillna(usable["serverless_cache_name"])
    keyed = usable.loc[:, ["account_id", "region", "snapshot_time", "resource_id"]].assign(
        source=source
    )
    keyed = keyed.sort_values("snapshot_time", ascending=False, kind="stable")
    return keyed.drop_duplicates(["account_id", "region", "source"])


def _recent_decision(
    rows: pd.DataFrame, newest: pd.DataFrame, as_of: pd.Timestamp | None, hours: int
) -> tuple[pd.Series, pd.Series]:
    on = {"account_id": "account_id", "region": "region", "resource_id": "source"}
    found = lookup(
        rows, newest.rename(columns={"resource_id": "snapshot"}), on, ["snapshot_time", "snapshot"]
    )
    if as_of is None:
        age = pd.Series(pd.NA, index=rows.index, dtype="Float64")
    else:
        age = ((as_of - found["snapshot_time"]).dt.total_seconds() / 3600).astype("Float64")
    age_text = text(age.round(1).astype("string"))
    rules = [
        (found["snapshot_time"].isna(), "FAIL", "no available snapshot found"),
        (age.isna(), "GAP", "collection time unknown; cannot age the newest snapshot"),
        (
            age > hours,
            "FAIL",
            "newest snapshot " + text(found["snapshot"]) + " is " + age_text + " hours old",
        ),
    ]
    passed = "newest snapshot " + text(found["snapshot"]) + " is " + age_text + " hours old"
    return decide(rows.index, rules, ("PASS", passed))


@register(
    "recent_backup_exists",
    frames=[*CACHE_FRAMES, "snapshots"],
    params=["thresholds.recent_backup_max_age_hours"],
)
def evaluate_recent_backup_exists(frames: Frames, params: Params) -> pd.DataFrame:
    """Judge whether each cache's newest snapshot is younger than the parameter's hours."""
    hours = int(params.thresholds.recent_backup_max_age_hours)
    newest = _newest_snapshots(get_frame(frames, "snapshots"))
    as_of = run_time(frames)
    result = evaluate_caches(
        frames,
        "recent_backup_exists",
        lambda c: _recent_decision(c, newest, as_of, hours),
        threshold=f"{hours} hours",
        memcached=NO_BACKUPS,
        serverless=lambda s: _recent_decision(s, newest, as_of, hours),
    )
    return fail_to_gap(result, frames, SNAPSHOT_OPERATIONS, "snapshots")


def _window(rows: pd.DataFrame, column: str, name: str) -> tuple[pd.Series, pd.Series]:
    window = rows[column]
    rules = [(is_blank(window), "FAIL", f"{name} not set (not reported)")]
    return decide(rows.index, rules, ("PASS", f"{name} " + text(window)))


@register("backup_window_set", frames=CACHE_FRAMES)
def evaluate_backup_window_set(frames: Frames, params: Params) -> pd.DataFrame:
    """Judge whether each cache has a daily snapshot window."""
    return evaluate_caches(
        frames,
        "backup_window_set",
        lambda c: _window(c, "snapshot_window", "backup window"),
        memcached=NO_BACKUPS,
        serverless=lambda s: _window(s, "daily_snapshot_time", "daily snapshot time"),
    )


@register("maintenance_window_set", frames=CACHE_FRAMES)
def evaluate_maintenance_window_set(frames: Frames, params: Params) -> pd.DataFrame:
    """Judge whether each cache has a weekly maintenance window."""
    return evaluate_caches(
        frames,
        "maintenance_window_set",
        lambda c: _window(c, "preferred_maintenance_window", "maintenance window"),
        memcached=NO_WINDOW,
        serverless=(
            "NOT_APPLICABLE",
            "serverless cache: AWS maintains it without downtime and no window",
        ),
    )


def _topic_decision(caches: pd.DataFrame, topics: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    arn = caches["notification_topic_arn"]
    on = {"account_id": "account_id", "notification_topic_arn": "resource_arn"}
    found = lookup(caches, topics, on, ["exists", "matched"])
    state = caches["notification_topic_status"].astype("string").str.lower()
    label = "SNS topic " + text(arn)
    rules = [
        (is_blank(arn), "FAIL", "no SNS topic set (not reported)"),
        (state.ne("active").fillna(False), "FAIL", label + " is " + text(state)),
        (~found["matched"], "GAP", label + " not described (GetTopicAttributes)"),
        (is_false(found["exists"]), "FAIL", label + " does not exist"),
        (found["exists"].isna(), "FAIL", label + ": existence not reported"),
        (state.isna(), "FAIL", label + ": notification status not reported"),
    ]
    return decide(caches.index, rules, ("PASS", label + " is active and exists"))


@register("backup_notifications", frames=[*CACHE_FRAMES, "sns_topics"])
def evaluate_backup_notifications(frames: Frames, params: Params) -> pd.DataFrame:
    """Judge whether each cache notifies an SNS topic that exists and is active."""
    topics = get_frame(frames, "sns_topics")
    return evaluate_caches(
        frames,
        "backup_notifications",
        lambda c: _topic_decision(c, topics),
        memcached=NO_WINDOW,
        serverless=(
            "NOT_APPLICABLE",
            "serverless cache: it has no SNS topic setting; its events go to EventBridge",
        ),
    )


@register(
    "long_term_archive",
    frames=["buckets"],
    params=["backups.archive_bucket", "thresholds.long_term_archive_days"],
)
def evaluate_long_term_archive(frames: Frames, params: Params) -> pd.DataFrame:
    """Judge whether the archive bucket keeps snapshot exports for the parameter's days."""
    check_id = "long_term_archive"
    days = int(params.thresholds.long_term_archive_days)
    bucket = params.backups.archive_bucket
    threshold = f"{days} days"
    if not bucket:
        accounts = scope_accounts(params)
        return findings(
            accounts, check_id, "FAIL", "no archive bucket named in parameters", threshold
        )
    buckets = get_frame(frames, "buckets")
    rows = buckets.loc[buckets["resource_id"].eq(bucket).fillna(False)]
    if rows.empty:
        accounts = scope_accounts(params).assign(resource_type="bucket", resource_id=bucket)
        return findings(
            accounts, check_id, "GAP", f"archive bucket {bucket} not described", threshold
        )
    expiry = rows["lifecycle_min_expiration_days"]
    locked = rows["object_lock_retention_days"]
    tier = text(rows["lifecycle_archive_storage_class"], "S3 Standard")
    operations = ["GetBucketLifecycleConfiguration", "GetObjectLockConfiguration"]
    rules = [
        (
            (locked >= days).fillna(False),
            "PASS",
            "object lock keeps exports " + text(locked.astype("string")) + " days",
        ),
        (in_gap(rows, frames, operations), "GAP", "bucket lifecycle or object lock not collected"),
        (expiry.isna(), "PASS", "no lifecycle expiration; exports kept, archive tier " + tier),
        (
            expiry >= days,
            "PASS",
            "exports expire after " + text(expiry.astype("string")) + " days, archive tier " + tier,
        ),
    ]
    fail = "exports expire after " + text(expiry.astype("string")) + f" days, under {days}"
    status, reason = decide(rows.index, rules, ("FAIL", fail))
    return findings(rows, check_id, status, reason, threshold)
