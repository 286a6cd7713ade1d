"""Checks of guide step 2: engine version, patches, updates and base settings (0706.10b1)."""

from __future__ import annotations

import functools

import pandas as pd

from evidence_lib.checks.common import (
    CACHE_FRAMES,
    Frames,
    Params,
    combine,
    date_text,
    decide,
    decide_setting,
    evaluate_caches,
    findings,
    gap_findings,
    get_frame,
    is_blank,
    is_true,
    lookup,
    node_caches,
    parse_versions,
    places_with,
    run_time,
    text,
)
from evidence_lib.checks.registry import register
from evidence_lib.controls import load_engine_support

MEMCACHED = ("NOT_APPLICABLE", "Memcached: the guide's engine settings apply to Redis OSS/Valkey")
SERVERLESS_PATCHED = (
    "NOT_APPLICABLE",
    "serverless cache: AWS applies minor and patch versions itself, with no setting to change",
)
DEFAULT_PORT = 6379


@functools.cache
def _support_table() -> pd.DataFrame:
    """Return the bundled end-of-support table (shared: never modify it in place)."""
    _, entries = load_engine_support()
    return pd.DataFrame(
        {
            "engine": pd.Series([e.engine for e in entries], dtype="string"),
            "major": pd.Series([e.major for e in entries], dtype="Int64"),
            "end_time": pd.to_datetime(
                [e.end_of_standard_support for e in entries], utc=True
            ).astype("datetime64[ns, UTC]"),
        }
    )


def _version_decision(
    caches: pd.DataFrame, version: pd.Series, minimums: dict[str, str], as_of: pd.Timestamp | None
) -> tuple[pd.Series, pd.Series]:
    engine = caches["engine_name"].astype("string").str.lower()
    parsed = parse_versions(version)
    minimum_text = engine.map(minimums).astype("string")
    minimum_key = parse_versions(minimum_text)["sort_key"].where(minimum_text.notna())
    keyed = pd.DataFrame({"engine": engine, "major": parsed["major"]}, index=caches.index)
    end = lookup(keyed, _support_table(), {"engine": "engine", "major": "major"}, ["end_time"])
    end_time = end["end_time"]
    source, _ = load_engine_support()
    label = text(engine) + " " + text(version)

    if as_of is None:
        past_end = pd.Series(False, index=caches.index)
    else:
        past_end = (end_time <= as_of).fillna(False)
    until = ("standard support until " + date_text(end_time)).where(
        end_time.notna(), "no end of standard support announced"
    )
    rules = [
        (version.isna(), "FAIL", "engine version not reported"),
        (minimum_text.isna(), "FAIL", label + ": no minimum version for this engine in thresholds"),
        (parsed["sort_key"] < minimum_key, "FAIL", label + " is below the minimum " + minimum_text),
        (
            end_time.notna() & pd.Series(as_of is None, index=caches.index),
            "GAP",
            label + ": collection time unknown, cannot compare with end of support",
        ),
        (
            past_end,
            "FAIL",
            label + " is past end of standard support on " + date_text(end_time) + f" ({source})",
        ),
    ]
    return decide(caches.index, rules, ("PASS", label + " meets the minimum; " + until))


@register(
    "engine_version_supported",
    frames=CACHE_FRAMES,
    params=["thresholds.min_engine_version"],
)
def evaluate_engine_version_supported(frames: Frames, params: Params) -> pd.DataFrame:
    """Judge each cache's engine version against the minimum and the end-of-support table."""
    minimums = {
        str(k).lower(): str(v) for k, v in dict(params.thresholds.min_engine_version).items()
    }
    as_of = run_time(frames)
    threshold = ", ".join(f"{k} >= {v}" for k, v in minimums.items()) + "; supported on run date"

    def serverless(caches: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
        version = caches["full_engine_version"].fillna(caches["major_engine_version"])
        named = caches.assign(engine_name=caches["engine"].astype("string").str.lower())
        return _version_decision(named, version, minimums, as_of)

    return evaluate_caches(
        frames,
        "engine_version_supported",
        lambda c: _version_decision(c, c["engine_version"], minimums, as_of),
        threshold=threshold,
        memcached=MEMCACHED,
        serverless=serverless,
    )


def _latest_per_major(versions: pd.DataFrame) -> pd.DataFrame:
    parsed = parse_versions(versions["engine_version"])
    table = pd.DataFrame(
        {
            "account_id": versions["account_id"].astype("string"),
            "region": versions["region"].astype("string"),
            "engine": versions["engine"].astype("string").str.lower(),
            "major": parsed["major"],
            "sort_key": parsed["sort_key"],
            "latest": versions["engine_version"].astype("string"),
        }
    )
    table = table.sort_values("sort_key", ascending=False, kind="stable")
    return table.drop_duplicates(["account_id", "region", "engine", "major"])


@register("engine_latest_patch", frames=[*CACHE_FRAMES, "engine_versions"])
def evaluate_engine_latest_patch(frames: Frames, params: Params) -> pd.DataFrame:
    """Judge whether each cache runs the latest version AWS offers within its major version."""
    versions = get_frame(frames, "engine_versions")
    latest = _latest_per_major(versions)

    def decider(caches: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
        parsed = parse_versions(caches["engine_version"])
        keyed = caches.loc[:, ["account_id", "region"]].astype("string")
        keyed = keyed.assign(engine=caches["engine_name"], major=parsed["major"])
        keys = {k: k for k in ["account_id", "region", "engine", "major"]}
        found = lookup(keyed, latest, keys, ["sort_key", "latest"])
        label = text(caches["engine_name"]) + " " + text(caches["engine_version"])
        major = text(parsed["major"].astype("string"))
        rules = [
            (caches["engine_version"].isna(), "FAIL", "engine version not reported"),
            (
                ~places_with(versions, caches),
                "GAP",
                "engine versions on offer not collected (DescribeCacheEngineVersions)",
            ),
            (found["latest"].isna(), "FAIL", label + ": AWS no longer offers major " + major),
            (
                parsed["sort_key"] < found["sort_key"],
                "FAIL",
                label + " is behind " + text(found["latest"]) + ", the latest of major " + major,
            ),
        ]
        return decide(caches.index, rules, ("PASS", label + " is the latest of major " + major))

    return evaluate_caches(
        frames,
        "engine_latest_patch",
        decider,
        threshold="latest version of the same major",
        memcached=MEMCACHED,
        serverless=SERVERLESS_PATCHED,
    )


@register("auto_minor_version_upgrade", frames=CACHE_FRAMES)
def evaluate_auto_minor_version_upgrade(frames: Frames, params: Params) -> pd.DataFrame:
    """Judge whether each cache takes minor engine upgrades automatically."""
    return evaluate_caches(
        frames,
        "auto_minor_version_upgrade",
        lambda c: decide_setting(c, "auto_minor_version_upgrade", "auto minor version upgrade"),
        memcached=MEMCACHED,
        serverless=SERVERLESS_PATCHED,
    )


def _update_decision(
    updates: pd.DataFrame, as_of: pd.Timestamp | None
) -> tuple[pd.Series, pd.Series]:
    action = updates["update_action_status"].astype("string").str.lower()
    kind = updates["service_update_type"].astype("string").str.lower()
    due = updates["service_update_recommended_apply_by_time"]
    name = text(updates["service_update_name"]) + " (" + text(kind) + ")"
    overdue = due < as_of if as_of is not None else pd.Series(False, index=updates.index)
    rules = [
        (action.eq("complete"), "PASS", name + " applied"),
        (action.eq("not-applicable"), "NOT_APPLICABLE", name + " does not apply to this cache"),
        (kind.ne("security-update"), "PASS", name + ": not a security update, optional"),
        (due.isna(), "FAIL", name + ": recommended apply-by date not reported"),
        (
            pd.Series(as_of is None, index=updates.index),
            "GAP",
            name + ": collection time unknown, cannot tell whether it is overdue",
        ),
        (
            overdue,
            "FAIL",
            name + " was due by " + date_text(due) + " and is " + text(action, "not reported"),
        ),
    ]
    return decide(updates.index, rules, ("PASS", name + " is due by " + date_text(due)))


@register("service_updates_applied", frames=["service_updates", *CACHE_FRAMES])
def evaluate_service_updates_applied(frames: Frames, params: Params) -> pd.DataFrame:
    """Judge each update action: no security update may be past its recommended apply-by date."""
    check_id = "service_updates_applied"
    updates = get_frame(frames, "service_updates")
    status, reason = _update_decision(updates, run_time(frames))

    # Caches with no update action at all are up to date, where the call succeeded.
    caches = node_caches(frames)
    targets = updates["replication_group_id"].fillna(updates["cache_cluster_id"])
    quiet = caches.loc[~caches["resource_id"].isin(targets.dropna())]
    failed = gap_findings(frames, check_id, ["DescribeUpdateActions"], "update actions")
    quiet = quiet.loc[~places_with(failed, quiet)]
    return combine(
        [
            gap_findings(
                frames, check_id, ["DescribeReplicationGroups", "DescribeCacheClusters"], "caches"
            ),
            failed,
            findings(updates, check_id, status, reason, "recommended apply-by date"),
            findings(quiet, check_id, "PASS", "no outstanding update actions reported"),
        ]
    )


@register("non_default_port", frames=CACHE_FRAMES)
def evaluate_non_default_port(frames: Frames, params: Params) -> pd.DataFrame:
    """Judge whether each cache listens on a port other than the default 6379."""

    def decider(caches: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
        port = caches["port"]
        rules = [
            (port.isna(), "FAIL", "port not reported"),
            (port.eq(DEFAULT_PORT), "FAIL", f"listens on the default port {DEFAULT_PORT}"),
        ]
        return decide(
            caches.index, rules, ("PASS", "listens on port " + text(port.astype("string")))
        )

    return evaluate_caches(
        frames,
        "non_default_port",
        decider,
        threshold=f"not {DEFAULT_PORT}",
        memcached=MEMCACHED,
        serverless=(
            "NOT_APPLICABLE",
            "serverless cache: AWS fixes its ports (6379, 6380 for reads)",
        ),
    )


@register("custom_parameter_group", frames=[*CACHE_FRAMES, "parameter_groups"])
def evaluate_custom_parameter_group(frames: Frames, params: Params) -> pd.DataFrame:
    """Judge whether each cache uses a parameter group of its own rather than a default one."""
    groups = get_frame(frames, "parameter_groups")

    def decider(caches: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
        name = caches["cache_parameter_group_name"]
        keys = {
            "account_id": "account_id",
            "region": "region",
            "cache_parameter_group_name": "resource_id",
        }
        flagged = lookup(caches, groups, keys, ["is_default"])["is_default"]
        rules = [
            (is_blank(name), "FAIL", "parameter group not reported"),
            (
                text(name).str.startswith("default.") | is_true(flagged),
                "FAIL",
                "uses the default parameter group " + text(name),
            ),
        ]
        return decide(
            caches.index, rules, ("PASS", "uses the custom parameter group " + text(name))
        )

    return evaluate_caches(
        frames,
        "custom_parameter_group",
        decider,
        memcached=MEMCACHED,
        serverless=("NOT_APPLICABLE", "serverless cache: it has no parameter group"),
    )
