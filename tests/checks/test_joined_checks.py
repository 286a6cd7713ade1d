"""PASS, FAIL and GAP cases of the checks that join caches with other frames."""

from __future__ import annotations

import pandas as pd
import pytest

from evidence_lib.checks import evaluate_check
from tests.checks.helpers import (
    ACCOUNT,
    AS_OF,
    context,
    frame,
    frames,
    gaps,
    params,
    row,
    status_of,
)

TOPIC = "arn:aws:sns:us-east-1:123456789012:ops"


def _groups(*rows):
    return frame("replication_groups", *rows)


def test_engine_latest_patch_pass_fail_gap():
    """Behind the latest of its major fails, latest passes, no version list is a GAP."""
    groups = _groups(
        {"resource_id": "new", "engine": "valkey", "engine_version": "8.1.0"},
        {"resource_id": "old", "engine": "valkey", "engine_version": "8.0.1"},
    )
    versions = frame("engine_versions", {"engine": "valkey", "engine_version": "8.1.0"})
    result = evaluate_check(
        "engine_latest_patch", frames(replication_groups=groups, engine_versions=versions), params()
    )
    assert (status_of(result, "new"), status_of(result, "old")) == ("PASS", "FAIL")
    result = evaluate_check(
        "engine_latest_patch",
        frames(replication_groups=groups, collection_gaps=gaps("DescribeCacheEngineVersions")),
        params(),
    )
    assert status_of(result, "new") == "GAP"


def test_engine_past_end_of_support_fails_even_above_minimum():
    """Redis 6.2 meets a 6.0 minimum but fails once its standard support has ended."""
    groups = _groups({"resource_id": "rg", "engine": "redis", "engine_version": "6.2.6"})
    low = params(thresholds={"min_engine_version": {"redis": "6.0"}})
    result = evaluate_check("engine_version_supported", frames(replication_groups=groups), low)
    assert status_of(result, "rg") == "PASS"
    later = frames(replication_groups=groups, run_context=context(AS_OF + pd.Timedelta(days=400)))
    result = evaluate_check("engine_version_supported", later, low)
    assert status_of(result, "rg") == "FAIL"
    assert "end of standard support" in row(result, "rg")["reason"]


@pytest.mark.parametrize(
    ("status", "due", "kind", "expected"),
    [
        ("not-applied", "2026-01-01T00:00:00Z", "security-update", "FAIL"),
        ("not-applied", "2026-12-01T00:00:00Z", "security-update", "PASS"),
        ("complete", "2026-01-01T00:00:00Z", "security-update", "PASS"),
        ("not-applicable", "2026-01-01T00:00:00Z", "security-update", "NOT_APPLICABLE"),
        ("not-applied", None, "security-update", "FAIL"),
    ],
)
def test_service_updates_applied(status, due, kind, expected):
    """An unapplied security update past its apply-by date (at collection time) fails."""
    updates = frame(
        "service_updates",
        {
            "resource_id": "u1/rg",
            "service_update_name": "u1",
            "service_update_type": kind,
            "update_action_status": status,
            "replication_group_id": "rg",
            "service_update_recommended_apply_by_time": due,
        },
    )
    result = evaluate_check("service_updates_applied", frames(service_updates=updates), params())
    assert status_of(result, "u1/rg") == expected


def test_service_updates_gap_and_quiet_caches():
    """A failed DescribeUpdateActions is a GAP; caches with no action pass where it answered."""
    groups = _groups({"resource_id": "rg"})
    result = evaluate_check("service_updates_applied", frames(replication_groups=groups), params())
    assert status_of(result, "rg") == "PASS"
    failed = frames(replication_groups=groups, collection_gaps=gaps("DescribeUpdateActions"))
    result = evaluate_check("service_updates_applied", failed, params())
    assert status_of(result, ACCOUNT) == "GAP" and "rg" not in set(result["resource_id"])


def _members(group, *zones):
    return [
        {"resource_id": f"{group}-{i}", "replication_group_id": group, "node_group_id": "0001",
         "preferred_availability_zone": zone}
        for i, zone in enumerate(zones)
    ]  # fmt: skip


def test_replicas_across_azs():
    """A node group in one zone fails, two zones pass, unknown zones fail as not reported."""
    groups = _groups({"resource_id": "one"}, {"resource_id": "two"}, {"resource_id": "na"})
    members = frame(
        "node_group_members",
        *_members("one", "us-east-1a", "us-east-1a"),
        *_members("two", "us-east-1a", "us-east-1b"),
        *_members("na", None),
    )
    result = evaluate_check(
        "replicas_across_azs",
        frames(replication_groups=groups, node_group_members=members),
        params(),
    )
    assert [status_of(result, g) for g in ("one", "two", "na")] == ["FAIL", "PASS", "FAIL"]
    assert "not reported" in row(result, "na")["reason"]


def test_subnet_group_checks():
    """Subnet groups: one zone fails, default fails, unknown group is a GAP, private passes."""
    groups = _groups(
        {"resource_id": "good", "cache_subnet_group_name": "private"},
        {"resource_id": "dflt", "cache_subnet_group_name": "default"},
        {"resource_id": "lost", "cache_subnet_group_name": "missing"},
        {"resource_id": "pub", "cache_subnet_group_name": "public"},
    )
    subnet_groups = frame(
        "subnet_groups",
        {
            "resource_id": "private",
            "az_count": 2,
            "subnet_ids": '["s-a", "s-b"]',
            "is_default": False,
        },
        {"resource_id": "default", "az_count": 1, "subnet_ids": '["s-a"]', "is_default": True},
        {"resource_id": "public", "az_count": 2, "subnet_ids": '["s-a", "s-p", "s-x"]'},
    )
    subnets = frame(
        "subnets", {"resource_id": "s-a", "public": False}, {"resource_id": "s-b", "public": False},
        {"resource_id": "s-p", "public": True}, {"resource_id": "s-x", "public": None},
    )  # fmt: skip
    named = frames(replication_groups=groups, subnet_groups=subnet_groups, subnets=subnets)
    multi = evaluate_check("subnet_group_multi_az", named, params())
    assert [status_of(multi, g) for g in ("good", "dflt", "lost")] == ["PASS", "FAIL", "GAP"]
    default = evaluate_check("default_subnet_group_not_used", named, params())
    assert [status_of(default, g) for g in ("good", "dflt")] == ["PASS", "FAIL"]
    public = evaluate_check("no_public_subnet", named, params())
    assert [status_of(public, g) for g in ("good", "pub", "lost")] == ["PASS", "FAIL", "GAP"]
    assert "s-p" in row(public, "pub")["reason"]


def test_no_public_subnet_unknown_route_is_never_pass():
    """A subnet whose route evidence is missing makes the cache a GAP, not a PASS."""
    groups = _groups({"resource_id": "rg", "cache_subnet_group_name": "g"})
    subnet_groups = frame("subnet_groups", {"resource_id": "g", "subnet_ids": '["s-a", "s-x"]'})
    subnets = frame("subnets", {"resource_id": "s-a", "public": False}, {"resource_id": "s-x"})
    result = evaluate_check(
        "no_public_subnet",
        frames(replication_groups=groups, subnet_groups=subnet_groups, subnets=subnets),
        params(),
    )
    assert status_of(result, "rg") == "GAP"


@pytest.mark.parametrize(
    ("protocol", "low", "high", "cidr", "expected"),
    [
        ("tcp", 6379, 6379, "0.0.0.0/0", "FAIL"),
        ("-1", None, None, "::/0", "FAIL"),
        ("tcp", 22, 22, "0.0.0.0/0", "PASS"),
        ("tcp", 6379, 6379, "10.0.0.0/8", "PASS"),
    ],
)
def test_security_groups_restricted(protocol, low, high, cidr, expected):
    """Only world-open ingress reaching the cache port (or all protocols) fails."""
    groups = _groups({"resource_id": "rg", "port": 6379, "security_group_ids": '["sg-1"]'})
    rules = frame(
        "security_group_rules",
        {"resource_id": "sg-1", "direction": "ingress", "ip_protocol": protocol, "from_port": low,
         "to_port": high, "cidr": cidr},
    )  # fmt: skip
    result = evaluate_check(
        "security_groups_restricted",
        frames(replication_groups=groups, security_group_rules=rules),
        params(),
    )
    assert status_of(result, "rg") == expected


def test_security_group_not_collected_is_a_gap():
    """A security group with no collected rules is a GAP."""
    groups = _groups({"resource_id": "rg", "port": 6379, "security_group_ids": '["sg-9"]'})
    result = evaluate_check(
        "security_groups_restricted", frames(replication_groups=groups), params()
    )
    assert status_of(result, "rg") == "GAP"


@pytest.mark.parametrize(
    ("required", "key", "manager", "expected"),
    [
        (False, "arn:aws:kms:us-east-1:123456789012:key/k1", "CUSTOMER", "PASS"),
        (False, None, None, "MANUAL"),
        (True, None, None, "FAIL"),
        (True, "k1", "AWS", "FAIL"),
        (True, "k2", None, "GAP"),
    ],
)
def test_customer_managed_key(required, key, manager, expected):
    """A customer key passes; otherwise advisory MANUAL, or FAIL/GAP when policy requires one."""
    groups = _groups({"resource_id": "rg", "at_rest_encryption_enabled": True, "kms_key_id": key})
    keys = frame("kms_keys", {"resource_id": "k1", "key_manager": manager or "AWS"})
    chosen = params(thresholds={"require_customer_managed_key": required})
    result = evaluate_check(
        "customer_managed_key", frames(replication_groups=groups, kms_keys=keys), chosen
    )
    assert status_of(result, "rg") == expected


def test_snapshots_encrypted():
    """Snapshots inherit their source's encryption; unknown source fails; a failed list is a GAP."""
    groups = _groups(
        {"resource_id": "enc", "at_rest_encryption_enabled": True},
        {"resource_id": "plain", "at_rest_encryption_enabled": False},
    )
    snaps = frame(
        "snapshots", {"resource_id": "s1", "replication_group_id": "enc"},
        {"resource_id": "s2", "replication_group_id": "plain"},
        {"resource_id": "s3", "replication_group_id": "gone"},
    )  # fmt: skip
    both = frames(
        replication_groups=groups,
        snapshots=snaps,
        collection_gaps=gaps("DescribeSnapshots", region="eu-west-1"),
    )
    result = evaluate_check("snapshots_encrypted", both, params())
    assert [status_of(result, s) for s in ("s1", "s2", "s3")] == ["PASS", "FAIL", "FAIL"]
    assert status_of(result, ACCOUNT) == "GAP"


def _snapshot(name, group, time):
    return {
        "resource_id": name,
        "replication_group_id": group,
        "snapshot_status": "available",
        "snapshot_time": time,
    }


def test_recent_backup_exists():
    """The newest snapshot counts; a 9-day-old newest fails; none fails; failed listing is GAP."""
    groups = _groups({"resource_id": "fresh"}, {"resource_id": "stale"}, {"resource_id": "none"})
    snaps = frame(
        "snapshots",
        _snapshot("a", "fresh", "2026-05-01T00:00:00Z"),
        _snapshot("b", "fresh", "2026-05-15T00:00:00Z"),
        _snapshot("c", "stale", "2026-05-06T12:00:00Z"),
    )
    result = evaluate_check(
        "recent_backup_exists", frames(replication_groups=groups, snapshots=snaps), params()
    )
    assert [status_of(result, g) for g in ("fresh", "stale", "none")] == ["PASS", "FAIL", "FAIL"]
    assert row(result, "stale")["threshold"] == "48 hours"
    failed = frames(
        replication_groups=groups, snapshots=snaps, collection_gaps=gaps("DescribeSnapshots")
    )
    assert status_of(evaluate_check("recent_backup_exists", failed, params()), "none") == "GAP"


def test_backup_notifications():
    """An active, existing topic passes; a missing topic fails; an undescribed one is a GAP."""
    groups = _groups(
        {
            "resource_id": "ok",
            "notification_topic_arn": TOPIC,
            "notification_topic_status": "active",
        },
        {
            "resource_id": "gone",
            "notification_topic_arn": TOPIC + "-x",
            "notification_topic_status": "active",
        },
        {
            "resource_id": "unk",
            "notification_topic_arn": TOPIC + "-y",
            "notification_topic_status": "active",
        },
        {"resource_id": "unset"},
    )
    topics = frame(
        "sns_topics", {"resource_id": "ops", "resource_arn": TOPIC, "exists": True},
        {"resource_id": "ops-x", "resource_arn": TOPIC + "-x", "exists": False},
    )  # fmt: skip
    result = evaluate_check(
        "backup_notifications", frames(replication_groups=groups, sns_topics=topics), params()
    )
    assert [status_of(result, g) for g in ("ok", "gone", "unk", "unset")] == [
        "PASS",
        "FAIL",
        "GAP",
        "FAIL",
    ]


@pytest.mark.parametrize(
    ("bucket", "expiry", "lock", "expected"),
    [
        (None, None, None, "FAIL"),
        ("arch", None, None, "PASS"),
        ("arch", 365, None, "FAIL"),
        ("arch", 365, 2190, "PASS"),
        ("other", None, None, "GAP"),
    ],
)
def test_long_term_archive(bucket, expiry, lock, expected):
    """The archive bucket must keep exports 2190 days; no bucket named fails, unseen is a GAP."""
    buckets = frame(
        "buckets",
        {
            "resource_id": "arch",
            "lifecycle_min_expiration_days": expiry,
            "object_lock_retention_days": lock,
        },
    )
    result = evaluate_check(
        "long_term_archive", frames(buckets=buckets), params(backups={"archive_bucket": bucket})
    )
    assert set(result["status"]) == {expected}


def test_long_term_archive_lifecycle_gap_is_not_pass():
    """A bucket whose lifecycle could not be read is a GAP, not a PASS."""
    buckets = frame("buckets", {"resource_id": "arch"})
    failed = frames(buckets=buckets, collection_gaps=gaps("GetBucketLifecycleConfiguration"))
    result = evaluate_check("long_term_archive", failed, params(backups={"archive_bucket": "arch"}))
    assert status_of(result, "arch") == "GAP"


BAA = {"reference": "signed in Artifact", "accepted_on": "2024-01-15", "accepted_by": "J. Reyes"}


@pytest.mark.parametrize(
    ("agreement", "gap", "attested", "expected"),
    [
        (True, False, False, "PASS"),
        (False, False, False, "FAIL"),
        (False, True, False, "GAP"),
        (False, True, True, "MANUAL"),
    ],
)
def test_baa_in_place(agreement, gap, attested, expected):
    """Artifact's active BAA passes; otherwise the attestation is MANUAL; a failed call is a GAP."""
    named = {}
    if agreement:
        named["agreements"] = frame(
            "agreements",
            {"resource_id": "a", "name": "AWS Business Associate Addendum", "state": "active"},
        )
    if gap:
        named["collection_gaps"] = gaps("ListCustomerAgreements", region="global")
    chosen = params(attestations={"baa": BAA}) if attested else params()
    result = evaluate_check("baa_in_place", frames(**named), chosen)
    assert status_of(result, ACCOUNT) == expected
