"""Domain charts of the control reports, each built from the frames of one run."""

from __future__ import annotations

import datetime as dt
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd

from evidence_lib.reports.charts import (
    STATUS_COLOURS,
    empty_chart,
    figure_block,
    palette,
    stacked_bars,
)
from evidence_lib.reports.rundata import RunData
from evidence_lib.reports.tables import HtmlBlock

WORLD = ("0.0.0.0/0", "::/0")
# Event names that remove evidence, weaken logging or destroy caches: marked on the timeline.
IRREGULAR_EVENTS = frozenset(
    {
        "StopLogging",
        "DeleteTrail",
        "UpdateTrail",
        "PutEventSelectors",
        "DeleteReplicationGroup",
        "DeleteCacheCluster",
        "DeleteSnapshot",
        "DeleteServerlessCache",
        "ModifyReplicationGroup",
    }
)


def collected_time(run: RunData) -> pd.Timestamp:
    """Return the run's collection time (``collected_at``/``finished_at``), else now."""
    for key in ("collected_at", "finished_at", "ended_at", "started_at"):
        value = run.meta.get(key)
        if value:
            return pd.Timestamp(value).tz_convert("UTC")
    return pd.Timestamp(dt.datetime.now(dt.UTC))


def thresholds(run: RunData) -> dict[str, Any]:
    """Return the thresholds of the parameters recorded in run.json (empty if absent)."""
    params = run.meta.get("parameters") or run.meta.get("params") or {}
    return dict(params.get("thresholds") or {}) if isinstance(params, dict) else {}


def az_placement(run: RunData) -> HtmlBlock:
    """Return nodes per availability zone for each replication group."""
    members = run.frame("node_group_members")
    if members.empty:
        members = run.frame("cache_clusters").dropna(subset=["replication_group_id"])
    table = pd.crosstab(
        members["replication_group_id"].astype("object"),
        members["preferred_availability_zone"].fillna("not reported").astype("object"),
    )
    return stacked_bars(
        table, "Node placement by availability zone", "nodes", palette(len(table.columns))
    )


def _snapshot_owner(snapshots: pd.DataFrame) -> pd.Series:
    owner = snapshots["replication_group_id"].fillna(snapshots["cache_cluster_id"])
    return owner.fillna(snapshots["serverless_cache_name"]).fillna("unknown").astype("object")


def _retention_by_owner(run: RunData) -> dict[str, int]:
    retention: dict[str, int] = {}
    for name in ("cache_clusters", "serverless_caches", "replication_groups"):
        frame = run.frame(name).dropna(subset=["snapshot_retention_limit_days"])
        for row in frame.itertuples(index=False):
            retention[str(row.resource_id)] = int(row.snapshot_retention_limit_days)
    return retention


def snapshot_timeline(run: RunData) -> HtmlBlock:
    """Return each group's snapshots on a timeline, against its retention window."""
    title = "Snapshots per cache against its retention window"
    snapshots = run.frame("snapshots").dropna(subset=["snapshot_time"])
    if snapshots.empty:
        return empty_chart(title, "no snapshots in this run")
    owners = _snapshot_owner(snapshots)
    names = sorted(owners.unique())
    retention, end = _retention_by_owner(run), collected_time(run)
    fig, ax = plt.subplots(figsize=(9, 0.4 * len(names) + 1.4))
    for y, name in enumerate(names):
        days = retention.get(name, 0)
        if days:
            start = end - pd.Timedelta(days=days)
            ax.barh(y, days, left=start, height=0.6, color="#c8e6c9", edgecolor="#2e7d32")
        times = snapshots.loc[owners == name, "snapshot_time"]
        ax.scatter(times, [y] * len(times), color="#1565c0", s=14, zorder=3)
    ax.set_yticks(range(len(names)), names)
    ax.invert_yaxis()
    ax.set_title(title + " (green: retention window up to collection time)")
    fig.autofmt_xdate()
    return figure_block(fig, title)


def _coverage_row(values: pd.Series) -> dict[str, int]:
    return {
        "enabled": int((values == True).sum()),  # noqa: E712
        "not enabled": int((values == False).sum()),  # noqa: E712
        "not reported": int(values.isna().sum()),
    }


def encryption_coverage(run: RunData) -> HtmlBlock:
    """Return how many caches and snapshots have each encryption setting."""
    groups = run.frame("replication_groups")
    clusters = run.frame("cache_clusters")
    standalone = clusters[clusters["replication_group_id"].isna()]
    caches = pd.concat([groups, standalone], ignore_index=True)
    required = caches["transit_encryption_enabled"].astype("boolean") & caches[
        "transit_encryption_mode"
    ].fillna("required").eq("required")
    snapshots = run.frame("snapshots")
    rows = {
        "at rest (node-based caches)": _coverage_row(caches["at_rest_encryption_enabled"]),
        "in transit, required": _coverage_row(required),
        "AUTH token": _coverage_row(caches["auth_token_enabled"]),
        "snapshots with KMS key": _coverage_row(snapshots["kms_key_id"].notna().astype("boolean")),
    }
    table = pd.DataFrame(rows).T
    colours = [STATUS_COLOURS["PASS"], STATUS_COLOURS["FAIL"], STATUS_COLOURS["GAP"]]
    return stacked_bars(table, "Encryption coverage", "resources", colours)


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def engine_versions(run: RunData) -> HtmlBlock:
    """Return the caches per engine version, below or at/above the minimum supported."""
    minimums = thresholds(run).get("min_engine_version") or {}
    frames = [run.frame("cache_clusters"), run.frame("replication_groups")]
    caches = pd.concat([f[["engine", "engine_version"]] for f in frames], ignore_index=True)
    caches = caches.dropna()
    labels = caches["engine"].astype("object") + " " + caches["engine_version"].astype("object")
    table = pd.DataFrame({"label": labels, "engine": caches["engine"].astype("object")})
    table["below minimum"] = [
        _version_key(v) < _version_key(str(minimums.get(e, "0")))
        for e, v in zip(caches["engine"], caches["engine_version"], strict=True)
    ]
    counts = pd.crosstab(table["label"], table["below minimum"])
    counts = counts.rename(columns={True: "below minimum", False: "supported"})
    counts = counts.reindex(columns=["supported", "below minimum"], fill_value=0)
    title = f"Caches by engine version (minimum: {minimums or 'not set'})"
    colours = [STATUS_COLOURS["PASS"], STATUS_COLOURS["FAIL"]]
    return stacked_bars(counts, title, "caches and nodes", colours)


def security_group_exposure(run: RunData) -> HtmlBlock:
    """Return each security group's ingress rules, open to the world or restricted."""
    rules = run.frame("security_group_rules")
    ingress = rules[rules["direction"].eq("ingress").fillna(False)]
    open_world = (
        ingress["cidr"].isin(WORLD).map({True: "open to the internet", False: "restricted"})
    )
    table = pd.crosstab(ingress["resource_id"].astype("object"), open_world.astype("object"))
    table = table.reindex(columns=["restricted", "open to the internet"], fill_value=0)
    colours = [STATUS_COLOURS["PASS"], STATUS_COLOURS["FAIL"]]
    return stacked_bars(table, "Ingress rules by security group", "rules", colours)


def events_per_day(run: RunData) -> HtmlBlock:
    """Return CloudTrail events per day, with failed calls and irregular events marked."""
    title = "CloudTrail events per day (red: errors; triangles: irregular events)"
    events = run.frame("cloudtrail_events").dropna(subset=["event_time"])
    if events.empty:
        return empty_chart(title, "no CloudTrail events in this run")
    day = events["event_time"].dt.floor("D")
    irregular = events["event_name"].isin(IRREGULAR_EVENTS) | events["user_identity_type"].eq(
        "Root"
    ).fillna(False)
    daily = pd.DataFrame(
        {
            "events": day.value_counts(),
            "errors": day[events["error_code"].notna()].value_counts(),
            "irregular": day[irregular.fillna(False)].value_counts(),
        }
    ).fillna(0)
    fig, ax = plt.subplots(figsize=(10, 3.2))
    ax.bar(daily.index, daily["events"], width=0.8, color="#90a4ae", label="events")
    ax.bar(daily.index, daily["errors"], width=0.8, color=STATUS_COLOURS["FAIL"], label="errors")
    marked = daily[daily["irregular"] > 0]
    ax.scatter(marked.index, marked["events"] + 0.5, marker="v", color="#6a1b9a", label="irregular")
    ax.legend(fontsize=7)
    ax.set_title(title)
    fig.autofmt_xdate()
    return figure_block(fig, title)


CHARTS = {
    "az_placement": az_placement,
    "snapshot_timeline": snapshot_timeline,
    "encryption_coverage": encryption_coverage,
    "engine_versions": engine_versions,
    "security_group_exposure": security_group_exposure,
    "events_per_day": events_per_day,
}
