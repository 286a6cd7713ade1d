"""Checks of guide step 4: encryption, authentication and keys (0808.10b2, 0903.10f1, 06c/06d)."""

from __future__ import annotations

import pandas as pd

from evidence_lib.checks.common import (
    CACHE_FRAMES,
    Frames,
    Params,
    combine,
    decide,
    decide_setting,
    evaluate_caches,
    fail_to_gap,
    findings,
    gap_findings,
    get_frame,
    is_blank,
    is_false,
    is_true,
    lookup,
    parse_versions,
    text,
)
from evidence_lib.checks.registry import register

NO_DISK = ("NOT_APPLICABLE", "Memcached: node-based clusters keep no data at rest to encrypt")
NO_AUTH = ("NOT_APPLICABLE", "Memcached: node-based clusters have no AUTH or RBAC")


@register("encryption_at_rest", frames=CACHE_FRAMES)
def evaluate_encryption_at_rest(frames: Frames, params: Params) -> pd.DataFrame:
    """Judge whether each cache encrypts its data at rest."""
    return evaluate_caches(
        frames,
        "encryption_at_rest",
        lambda c: decide_setting(c, "at_rest_encryption_enabled", "encryption at rest"),
        memcached=NO_DISK,
        serverless=("NOT_APPLICABLE", "serverless cache: always encrypted at rest by design"),
    )


@register("encryption_in_transit", frames=CACHE_FRAMES)
def evaluate_encryption_in_transit(frames: Frames, params: Params) -> pd.DataFrame:
    """Judge whether each cache requires TLS (mode ``required``, not ``preferred``)."""

    def decider(caches: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
        enabled = caches["transit_encryption_enabled"]
        mode = caches["transit_encryption_mode"].astype("string").str.lower()
        rules = [
            (enabled.isna(), "FAIL", "encryption in transit not reported"),
            (is_false(enabled), "FAIL", "encryption in transit is off"),
            (
                mode.eq("preferred"),
                "FAIL",
                "TLS mode is 'preferred': unencrypted connections are still accepted",
            ),
            # NOTE: responses from before the 'preferred' mode existed carry no mode; TLS was
            # then always required.
            (mode.isna(), "PASS", "TLS is on; no mode reported, which means required"),
            (mode.ne("required"), "FAIL", "TLS mode is '" + text(mode) + "', not 'required'"),
        ]
        return decide(caches.index, rules, ("PASS", "TLS is required"))

    return evaluate_caches(
        frames,
        "encryption_in_transit",
        decider,
        threshold="TLS mode required",
        serverless=("NOT_APPLICABLE", "serverless cache: always encrypted in transit by design"),
    )


def _auth_decision(caches: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    token = caches["auth_token_enabled"]
    groups = caches["user_group_ids"].astype("string")
    has_group = ~is_blank(groups) & groups.ne("[]").fillna(False)
    major = parse_versions(caches["engine_version"])["major"]
    rules = [
        (is_true(token), "PASS", "an AUTH token is required"),
        (has_group & (major >= 6).fillna(False), "PASS", "RBAC user group(s) " + text(groups)),
        (has_group, "FAIL", "RBAC user group on an engine before 6.0 (or version not reported)"),
        (token.isna(), "FAIL", "AUTH token not reported and no RBAC user group"),
    ]
    return decide(caches.index, rules, ("FAIL", "no AUTH token and no RBAC user group"))


def _serverless_auth(caches: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    group = caches["user_group_id"]
    rules = [(is_blank(group), "FAIL", "no user group: the default user needs no password")]
    return decide(caches.index, rules, ("PASS", "user group " + text(group)))


@register("auth_required", frames=CACHE_FRAMES)
def evaluate_auth_required(frames: Frames, params: Params) -> pd.DataFrame:
    """Judge whether clients must authenticate: an AUTH token, or RBAC on 6.0 and later."""
    return evaluate_caches(
        frames,
        "auth_required",
        _auth_decision,
        threshold="AUTH token, or RBAC user group on 6.0+",
        memcached=NO_AUTH,
        serverless=_serverless_auth,
    )


def _key_id(series: pd.Series) -> pd.Series:
    """Reduce key ARNs (``arn:...:key/<id>``) and IDs to the key ID."""
    return series.astype("string").str.replace(r"^arn:[^:]+:kms:[^:]*:\d*:key/", "", regex=True)


def _key_decision(
    caches: pd.DataFrame, keys: pd.DataFrame, required: bool
) -> tuple[pd.Series, pd.Series]:
    key = _key_id(caches["kms_key_id"])
    table = keys.assign(key_id=_key_id(keys["resource_id"]))
    probe = caches.loc[:, ["account_id", "region"]].assign(key_id=key)
    on = {"account_id": "account_id", "region": "region", "key_id": "key_id"}
    found = lookup(probe, table, on, ["key_manager", "matched"])
    manager = found["key_manager"].astype("string").str.upper()
    short, advisory = ("FAIL", "GAP") if required else ("MANUAL", "MANUAL")
    prefix = "" if required else "advisory: "
    suffix = "; policy requires one" if required else "; policy does not require one"
    at_rest = caches.get("at_rest_encryption_enabled", pd.Series(True, index=caches.index))
    rules = [
        (~is_true(at_rest), short, prefix + "not encrypted at rest, so no customer key" + suffix),
        (key.isna(), short, prefix + "AWS-owned key in use, not a customer-managed key" + suffix),
        (~found["matched"], advisory, prefix + "key " + text(key) + " not described (DescribeKey)"),
        (manager.eq("CUSTOMER"), "PASS", "customer-managed KMS key " + text(key)),
    ]
    default = prefix + "AWS-managed key " + text(key) + ", not customer-managed" + suffix
    return decide(caches.index, rules, (short, default))


@register(
    "customer_managed_key",
    frames=[*CACHE_FRAMES, "kms_keys"],
    params=["thresholds.require_customer_managed_key"],
)
def evaluate_customer_managed_key(frames: Frames, params: Params) -> pd.DataFrame:
    """Judge the KMS key of each cache; advisory (MANUAL) unless the parameters require one."""
    required = bool(params.thresholds.require_customer_managed_key)
    keys = get_frame(frames, "kms_keys")
    threshold = "customer-managed key " + ("required" if required else "advisory")

    def serverless(caches: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
        return _key_decision(caches.assign(at_rest_encryption_enabled=True), keys, required)

    return evaluate_caches(
        frames,
        "customer_managed_key",
        lambda c: _key_decision(c, keys, required),
        threshold=threshold,
        memcached=NO_DISK,
        serverless=serverless,
    )


def _snapshot_sources(frames: Frames, snapshots: pd.DataFrame) -> pd.Series:
    """At-rest encryption of each snapshot's source cache (<NA> when the source is unknown)."""
    groups = get_frame(frames, "replication_groups")
    clusters = get_frame(frames, "cache_clusters")
    column = ["at_rest_encryption_enabled"]
    base = {"account_id": "account_id", "region": "region"}
    by_group = lookup(snapshots, groups, {**base, "replication_group_id": "resource_id"}, column)
    by_cluster = lookup(snapshots, clusters, {**base, "cache_cluster_id": "resource_id"}, column)
    source = by_group["at_rest_encryption_enabled"].astype("boolean")
    return source.fillna(by_cluster["at_rest_encryption_enabled"].astype("boolean"))


@register("snapshots_encrypted", frames=["snapshots", "replication_groups", "cache_clusters"])
def evaluate_snapshots_encrypted(frames: Frames, params: Params) -> pd.DataFrame:
    """Judge whether each snapshot is encrypted (a KMS key, or a source encrypted at rest)."""
    check_id = "snapshots_encrypted"
    snapshots = get_frame(frames, "snapshots")
    source = _snapshot_sources(frames, snapshots)
    serverless = snapshots["serverless_cache_name"].notna()
    rules = [
        (serverless, "PASS", "snapshot of a serverless cache: always encrypted"),
        (
            snapshots["kms_key_id"].notna(),
            "PASS",
            "encrypted with KMS key " + text(snapshots["kms_key_id"]),
        ),
        (
            is_true(source),
            "PASS",
            "its source cache encrypts at rest, so the snapshot is encrypted",
        ),
        (
            is_false(source),
            "FAIL",
            "its source cache is not encrypted at rest, nor is the snapshot",
        ),
    ]
    status, reason = decide(
        snapshots.index, rules, ("FAIL", "encryption not reported and the source cache not found")
    )
    result = combine(
        [
            gap_findings(
                frames,
                check_id,
                ["DescribeSnapshots", "DescribeServerlessCacheSnapshots"],
                "snapshots",
            ),
            findings(snapshots, check_id, status, reason),
        ]
    )
    operations = ["DescribeReplicationGroups", "DescribeCacheClusters"]
    return fail_to_gap(result, frames, operations, "source caches")
