"""Checks of guide step 3: Multi-AZ, failover and zone spread (1410.09e2, 1601.12c1, 09l1)."""

from __future__ import annotations

import pandas as pd

from evidence_lib.checks.common import (
    CACHE_FRAMES,
    Frames,
    Params,
    decide,
    decide_setting,
    evaluate_caches,
    get_frame,
    is_blank,
    lookup,
    text,
)
from evidence_lib.checks.registry import register

MEMCACHED = ("NOT_APPLICABLE", "Memcached: it has no replicas or failover")
SERVERLESS_MULTI_AZ = (
    "NOT_APPLICABLE",
    "serverless cache: multi-AZ by design, AWS replicates it across zones with no setting",
)
STANDALONE = "standalone cluster: a single node with no replica"


def _standalone(caches: pd.DataFrame) -> pd.Series:
    return caches["resource_type"].eq("cache_cluster")


def _setting_decision(caches: pd.DataFrame, column: str, name: str) -> tuple[pd.Series, pd.Series]:
    return decide_setting(caches, column, name, [(_standalone(caches), "FAIL", STANDALONE)])


@register("multi_az_enabled", frames=CACHE_FRAMES)
def evaluate_multi_az_enabled(frames: Frames, params: Params) -> pd.DataFrame:
    """Judge whether each replication group has Multi-AZ on."""
    return evaluate_caches(
        frames,
        "multi_az_enabled",
        lambda c: _setting_decision(c, "multi_az_enabled", "Multi-AZ"),
        memcached=MEMCACHED,
        serverless=SERVERLESS_MULTI_AZ,
    )


@register("automatic_failover_enabled", frames=CACHE_FRAMES)
def evaluate_automatic_failover_enabled(frames: Frames, params: Params) -> pd.DataFrame:
    """Judge whether each replication group fails over to a replica automatically."""
    return evaluate_caches(
        frames,
        "automatic_failover_enabled",
        lambda c: _setting_decision(c, "automatic_failover_enabled", "automatic failover"),
        memcached=MEMCACHED,
        serverless=SERVERLESS_MULTI_AZ,
    )


def _zone_spread(members: pd.DataFrame) -> pd.DataFrame:
    """Per replication group: the fewest zones of any node group, and that group's ID."""
    known = members.loc[members["preferred_availability_zone"].notna()]
    per_group = known.groupby(
        ["account_id", "region", "replication_group_id", "node_group_id"], dropna=False
    )["preferred_availability_zone"].nunique()
    per_group = per_group.rename("zones").reset_index().sort_values("zones", kind="stable")
    worst = per_group.drop_duplicates(["account_id", "region", "replication_group_id"])
    counted = members.groupby(["account_id", "region", "replication_group_id"]).size()
    counted = counted.rename("members").reset_index()
    spread = counted.merge(worst, how="left", on=["account_id", "region", "replication_group_id"])
    return spread.astype({"zones": "Int64", "node_group_id": "string"})


@register("replicas_across_azs", frames=[*CACHE_FRAMES, "node_group_members"])
def evaluate_replicas_across_azs(frames: Frames, params: Params) -> pd.DataFrame:
    """Judge whether every node group of each replication group has members in 2+ zones."""
    spread = _zone_spread(get_frame(frames, "node_group_members"))

    def decider(caches: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
        keys = {
            "account_id": "account_id",
            "region": "region",
            "resource_id": "replication_group_id",
        }
        found = lookup(caches, spread, keys, ["members", "zones", "node_group_id"])
        zones = text(found["zones"].astype("string"), "0")
        rules = [
            (_standalone(caches), "FAIL", STANDALONE),
            (found["members"].isna(), "FAIL", "no node group members reported"),
            (found["zones"].isna(), "FAIL", "availability zones of the members not reported"),
            (
                found["zones"] < 2,
                "FAIL",
                "node group "
                + text(found["node_group_id"])
                + " has all members in "
                + zones
                + " zone(s)",
            ),
        ]
        return decide(caches.index, rules, ("PASS", "every node group spans " + zones + "+ zones"))

    return evaluate_caches(
        frames,
        "replicas_across_azs",
        decider,
        threshold="2 availability zones per node group",
        memcached=MEMCACHED,
        serverless=SERVERLESS_MULTI_AZ,
    )


@register("subnet_group_multi_az", frames=[*CACHE_FRAMES, "subnet_groups"])
def evaluate_subnet_group_multi_az(frames: Frames, params: Params) -> pd.DataFrame:
    """Judge whether each cache's subnet group spans two or more availability zones."""
    groups = get_frame(frames, "subnet_groups")

    def decider(caches: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
        name = caches["cache_subnet_group_name"]
        keys = {
            "account_id": "account_id",
            "region": "region",
            "cache_subnet_group_name": "resource_id",
        }
        found = lookup(caches, groups, keys, ["az_count", "matched"])
        zones = text(found["az_count"].astype("string"))
        label = "subnet group " + text(name)
        rules = [
            (is_blank(name), "FAIL", "subnet group not reported"),
            (~found["matched"], "GAP", label + " not among the collected subnet groups"),
            (found["az_count"].isna(), "FAIL", label + ": availability zones not reported"),
            (found["az_count"] < 2, "FAIL", label + " spans " + zones + " zone(s)"),
        ]
        return decide(caches.index, rules, ("PASS", label + " spans " + zones + " zones"))

    return evaluate_caches(
        frames,
        "subnet_group_multi_az",
        decider,
        threshold="2 availability zones",
        memcached=MEMCACHED,
        serverless=SERVERLESS_MULTI_AZ,
    )
