"""Checks of guide step 3, network segregation: subnets and security groups (0805.01m1)."""

from __future__ import annotations

import pandas as pd

from evidence_lib.checks.common import (
    CACHE_FRAMES,
    Frames,
    Params,
    decide,
    evaluate_caches,
    explode_json,
    get_frame,
    is_blank,
    is_true,
    lookup,
    text,
)
from evidence_lib.checks.registry import register

WORLD = ("0.0.0.0/0", "::/0")
_KEYS = {"account_id": "account_id", "region": "region"}


def _per_cache(pairs: pd.DataFrame, index: pd.Index, flag: str, label: str) -> pd.Series:
    """Join the ``label`` of the exploded rows where ``flag`` holds, per original row."""
    hits = pairs.loc[pairs[flag], label].astype(str)
    joined = hits.groupby(level=0).agg(lambda s: ", ".join(dict.fromkeys(s)))
    return joined.reindex(index).astype("string")


@register("default_subnet_group_not_used", frames=[*CACHE_FRAMES, "subnet_groups"])
def evaluate_default_subnet_group_not_used(frames: Frames, params: Params) -> pd.DataFrame:
    """Judge whether each cache sits in a subnet group of its own rather than 'default'."""
    groups = get_frame(frames, "subnet_groups")

    def decider(caches: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
        name = caches["cache_subnet_group_name"]
        keys = {**_KEYS, "cache_subnet_group_name": "resource_id"}
        flagged = lookup(caches, groups, keys, ["is_default"])["is_default"]
        rules = [
            (is_blank(name), "FAIL", "subnet group not reported"),
            (
                text(name).str.lower().eq("default") | is_true(flagged),
                "FAIL",
                "uses the default subnet group " + text(name),
            ),
        ]
        return decide(caches.index, rules, ("PASS", "uses the subnet group " + text(name)))

    return evaluate_caches(
        frames,
        "default_subnet_group_not_used",
        decider,
        serverless=("NOT_APPLICABLE", "serverless cache: it uses chosen subnets, no subnet group"),
    )


def _exposure(rows: pd.DataFrame, subnet_lists: pd.Series, subnets: pd.DataFrame) -> pd.DataFrame:
    """Per row: public subnet IDs and subnet IDs with no route evidence, as text."""
    listed = rows.loc[:, ["account_id", "region"]].assign(subnet_ids=subnet_lists)
    pairs = explode_json(listed, "subnet_ids", "subnet_id")
    found = lookup(pairs, subnets, {**_KEYS, "subnet_id": "resource_id"}, ["public"])
    pairs = pairs.assign(
        is_public=is_true(found["public"]),
        unknown=found["public"].isna(),
        subnet=pairs["subnet_id"],
    )
    return pd.DataFrame(
        {
            "count": pairs.groupby(level=0).size().reindex(rows.index).fillna(0),
            "public": _per_cache(pairs, rows.index, "is_public", "subnet"),
            "unknown": _per_cache(pairs, rows.index, "unknown", "subnet"),
        },
        index=rows.index,
    )


def _public_decision(
    rows: pd.DataFrame, subnet_lists: pd.Series, subnets: pd.DataFrame, missing: str
) -> tuple[pd.Series, pd.Series]:
    seen = _exposure(rows, subnet_lists, subnets)
    rules = [
        (subnet_lists.isna(), "GAP", missing),
        (seen["public"].notna(), "FAIL", "public subnet(s) " + text(seen["public"])),
        (seen["count"].eq(0), "GAP", "no subnets listed for it"),
        (
            seen["unknown"].notna(),
            "GAP",
            "routes of subnet(s) not collected: " + text(seen["unknown"]),
        ),
    ]
    return decide(
        rows.index, rules, ("PASS", "all subnets are private (no internet gateway route)")
    )


@register("no_public_subnet", frames=[*CACHE_FRAMES, "subnet_groups", "subnets"])
def evaluate_no_public_subnet(frames: Frames, params: Params) -> pd.DataFrame:
    """Judge whether each cache avoids subnets that route to an internet gateway."""
    groups = get_frame(frames, "subnet_groups")
    subnets = get_frame(frames, "subnets")

    def decider(caches: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
        keys = {**_KEYS, "cache_subnet_group_name": "resource_id"}
        lists = lookup(caches, groups, keys, ["subnet_ids"])["subnet_ids"]
        status, reason = _public_decision(
            caches, lists, subnets, "subnets of its subnet group not collected"
        )
        unnamed = is_blank(caches["cache_subnet_group_name"])
        return status.mask(unnamed, "FAIL"), reason.mask(unnamed, "subnet group not reported")

    return evaluate_caches(
        frames,
        "no_public_subnet",
        decider,
        threshold="no route to an internet gateway",
        serverless=lambda s: _public_decision(s, s["subnet_ids"], subnets, "subnets not reported"),
    )


def _world_rules(rules: pd.DataFrame) -> pd.DataFrame:
    ingress = rules["direction"].astype("string").str.lower().eq("ingress").fillna(False)
    return rules.loc[ingress & rules["cidr"].isin(WORLD)]


def _open_decision(rows: pd.DataFrame, rules: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    listed = rows.loc[:, ["account_id", "region", "security_group_ids", "port"]]
    pairs = explode_json(listed, "security_group_ids", "group_id")
    collected = lookup(pairs, rules, {**_KEYS, "group_id": "resource_id"}, ["matched"])
    pairs = pairs.assign(unknown=~collected["matched"])

    # Pair each (cache, group) with the group's world-open ingress rules, keeping the cache row.
    world = _world_rules(rules).loc[
        :, ["account_id", "region", "resource_id", "ip_protocol", "from_port", "to_port", "cidr"]
    ]
    joined = pairs.reset_index(names="row").merge(
        world.rename(columns={"resource_id": "group_id"}),
        how="inner",
        on=["account_id", "region", "group_id"],
    )
    port = joined["port"]
    covers = (
        joined["ip_protocol"].astype("string").eq("-1").fillna(False)
        | port.isna()
        | joined["from_port"].isna()
        | ((joined["from_port"] <= port) & (port <= joined["to_port"])).fillna(False)
    )
    joined = joined.assign(open=covers.astype(bool)).set_index("row")
    joined["rule"] = (
        text(joined["group_id"])
        + " "
        + text(joined["ip_protocol"])
        + " "
        + text(joined["from_port"].astype("string"), "all")
        + "-"
        + text(joined["to_port"].astype("string"), "all")
        + " from "
        + text(joined["cidr"])
    )
    opened = _per_cache(joined, rows.index, "open", "rule")
    unknown = _per_cache(pairs, rows.index, "unknown", "group_id")
    port_text = text(rows["port"].astype("string"), "(not reported)")
    checks = [
        (
            is_blank(rows["security_group_ids"]) | rows["security_group_ids"].eq("[]"),
            "FAIL",
            "security groups not reported",
        ),
        (opened.notna(), "FAIL", "open to the internet on the cache port: " + text(opened)),
        (unknown.notna(), "GAP", "rules of security group(s) not collected: " + text(unknown)),
    ]
    passed = "no ingress from 0.0.0.0/0 or ::/0 reaches port " + port_text
    return decide(rows.index, checks, ("PASS", passed))


@register("security_groups_restricted", frames=[*CACHE_FRAMES, "security_group_rules"])
def evaluate_security_groups_restricted(frames: Frames, params: Params) -> pd.DataFrame:
    """Judge whether any security group of each cache lets the internet reach its port."""
    rules = get_frame(frames, "security_group_rules")
    return evaluate_caches(
        frames,
        "security_groups_restricted",
        lambda c: _open_decision(c, rules),
        threshold="no ingress from 0.0.0.0/0 or ::/0 to the cache port",
        serverless=lambda s: _open_decision(s, rules),
    )
