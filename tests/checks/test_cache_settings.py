"""PASS, FAIL, GAP and NOT_APPLICABLE cases of the per-cache setting checks."""

from __future__ import annotations

import pytest

from evidence_lib.checks import evaluate_check
from tests.checks.helpers import ACCOUNT, frame, frames, gaps, params, row, status_of

GOOD = {
    "resource_id": "rg-good",
    "engine": "redis",
    "engine_version": "7.1.0",
    "port": 6390,
    "auto_minor_version_upgrade": True,
    "cache_parameter_group_name": "phi-redis7",
    "multi_az_enabled": True,
    "automatic_failover_enabled": True,
    "at_rest_encryption_enabled": True,
    "transit_encryption_enabled": True,
    "transit_encryption_mode": "required",
    "auth_token_enabled": True,
    "snapshot_retention_limit_days": 35,
    "snapshot_window": "03:00-04:00",
    "preferred_maintenance_window": "sun:05:00-sun:06:00",
    "cache_subnet_group_name": "private",
}

CASES = [
    ("engine_version_supported", {"engine_version": "6.0.5"}, "FAIL", "below the minimum"),
    ("engine_version_supported", {"engine_version": None}, "FAIL", "not reported"),
    ("auto_minor_version_upgrade", {"auto_minor_version_upgrade": False}, "FAIL", "off"),
    ("auto_minor_version_upgrade", {"auto_minor_version_upgrade": None}, "FAIL", "not reported"),
    ("non_default_port", {"port": 6379}, "FAIL", "default port"),
    ("non_default_port", {"port": None}, "FAIL", "not reported"),
    ("custom_parameter_group", {"cache_parameter_group_name": "default.redis7"}, "FAIL", "default"),
    ("custom_parameter_group", {"cache_parameter_group_name": None}, "FAIL", "not reported"),
    ("multi_az_enabled", {"multi_az_enabled": False}, "FAIL", "off"),
    ("multi_az_enabled", {"multi_az_enabled": None}, "FAIL", "not reported"),
    ("automatic_failover_enabled", {"automatic_failover_enabled": False}, "FAIL", "off"),
    ("automatic_failover_enabled", {"automatic_failover_enabled": None}, "FAIL", "not reported"),
    ("encryption_at_rest", {"at_rest_encryption_enabled": False}, "FAIL", "off"),
    ("encryption_at_rest", {"at_rest_encryption_enabled": None}, "FAIL", "not reported"),
    ("encryption_in_transit", {"transit_encryption_mode": "preferred"}, "FAIL", "preferred"),
    ("encryption_in_transit", {"transit_encryption_enabled": None}, "FAIL", "not reported"),
    ("encryption_in_transit", {"transit_encryption_mode": None}, "PASS", "means required"),
    ("auth_required", {"auth_token_enabled": False}, "FAIL", "no AUTH token"),
    ("auth_required", {"auth_token_enabled": None}, "FAIL", "not reported"),
    ("auth_required", {"auth_token_enabled": None, "user_group_ids": '["ug"]'}, "PASS", "RBAC"),
    (
        "auth_required",
        {"auth_token_enabled": None, "user_group_ids": '["ug"]', "engine_version": "5.0.6"},
        "FAIL",
        "before 6.0",
    ),
    ("automatic_backups_enabled", {"snapshot_retention_limit_days": 0}, "FAIL", "off"),
    ("automatic_backups_enabled", {"snapshot_retention_limit_days": None}, "FAIL", "not reported"),
    ("backup_retention_sufficient", {"snapshot_retention_limit_days": 15}, "FAIL", "under 35"),
    ("backup_window_set", {"snapshot_window": None}, "FAIL", "not reported"),
    ("maintenance_window_set", {"preferred_maintenance_window": None}, "FAIL", "not reported"),
]
SETTING_CHECKS = sorted({case[0] for case in CASES})


@pytest.mark.parametrize("check_id", SETTING_CHECKS)
def test_good_replication_group_passes(check_id):
    """A replication group with every recommended setting passes each setting check."""
    result = evaluate_check(
        check_id, frames(replication_groups=frame("replication_groups", GOOD)), params()
    )
    assert status_of(result, "rg-good") == "PASS", row(result, "rg-good")["reason"]


@pytest.mark.parametrize(("check_id", "change", "status", "words"), CASES)
def test_setting_outcomes(check_id, change, status, words):
    """A weak or unreported setting fails with a reason naming it; old responses read as meant."""
    group = frame("replication_groups", {**GOOD, **change})
    result = evaluate_check(check_id, frames(replication_groups=group), params())
    assert status_of(result, "rg-good") == status
    assert words in row(result, "rg-good")["reason"]


@pytest.mark.parametrize("check_id", SETTING_CHECKS)
def test_failed_listing_is_a_gap(check_id):
    """When DescribeReplicationGroups failed, the account and region is a GAP, never a PASS."""
    result = evaluate_check(
        check_id, frames(collection_gaps=gaps("DescribeReplicationGroups")), params()
    )
    gap = row(result, ACCOUNT)
    assert (gap["status"], gap["resource_type"]) == ("GAP", "account")
    assert "DescribeReplicationGroups" in gap["reason"]
    assert gap["evidence"].endswith("0001.json")


@pytest.mark.parametrize("check_id", SETTING_CHECKS)
def test_memcached_and_serverless_are_reported(check_id):
    """Memcached clusters and serverless caches each get a row; none is silently skipped."""
    clusters = frame("cache_clusters", {"resource_id": "mc", "engine": "memcached"})
    serverless = frame("serverless_caches", {"resource_id": "sv", "engine": "valkey"})
    result = evaluate_check(
        check_id, frames(cache_clusters=clusters, serverless_caches=serverless), params()
    )
    assert status_of(result, "sv") in {"PASS", "FAIL", "NOT_APPLICABLE"}
    if check_id not in {"encryption_in_transit"}:
        assert status_of(result, "mc") == "NOT_APPLICABLE"


def test_serverless_multi_az_and_transit_are_not_applicable_by_design():
    """Serverless caches have no Multi-AZ or TLS setting: not applicable, with the reason."""
    serverless = frames(serverless_caches=frame("serverless_caches", {"resource_id": "sv"}))
    multi_az = row(evaluate_check("multi_az_enabled", serverless, params()), "sv")
    transit = row(evaluate_check("encryption_in_transit", serverless, params()), "sv")
    assert multi_az["status"] == transit["status"] == "NOT_APPLICABLE"
    assert "multi-AZ by design" in multi_az["reason"]
    assert "encrypted in transit by design" in transit["reason"]


def test_standalone_cluster_fails_multi_az():
    """A standalone Redis cluster has no replica, so Multi-AZ and failover fail."""
    clusters = frame("cache_clusters", {"resource_id": "solo", "engine": "redis"})
    for check_id in ("multi_az_enabled", "automatic_failover_enabled", "replicas_across_azs"):
        result = evaluate_check(check_id, frames(cache_clusters=clusters), params())
        assert status_of(result, "solo") == "FAIL"


def test_member_clusters_are_not_judged_twice():
    """Member clusters of a replication group are judged through their group only."""
    clusters = frame(
        "cache_clusters", {"resource_id": "rg-good-001", "replication_group_id": "rg-good"}
    )
    group = frame("replication_groups", GOOD)
    result = evaluate_check(
        "encryption_at_rest", frames(replication_groups=group, cache_clusters=clusters), params()
    )
    assert list(result["resource_id"]) == ["rg-good"]
