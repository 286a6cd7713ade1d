"""Domain charts of the control reports, each built from the frames of one run."""

from __future__ import annotations

import datetime as dt
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap

from evidence_lib.checks.logging_checks import find_irregularities
from evidence_lib.cloudtrail_files import DELIVERED, NO_FILES, NOT_LISTED, delivery_days
from evidence_lib.controls import load_catalog
from evidence_lib.params import Params, parse_params
from evidence_lib.reports.charts import (
    STATUS_COLOURS,
    empty_chart,
    figure_block,
    palette,
    stacked_bars,
)
from evidence_lib.reports.rundata import RunData
from evidence_lib.reports.tables import HtmlBlock, data_table, section

WORLD = ("0.0.0.0/0", "::/0")
PRIVILEGED_COLUMNS = [
    "event_time",
    "event_name",
    "principal_arn",
    "error_code",
    "aws_region",
    "event_id",
]
IRREGULARITY_COLUMNS = [
    "kind",
    "event_time",
    "principal_arn",
    "event_name",
    "resource",
    "event_id",
    "detail",
]


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


def _run_params(run: RunData) -> Params:
    """Return the parameters recorded in run.json (defaults where run.json has none).

    Only the thresholds are read from them; a run folder without recorded parameters gets a
    placeholder run and scope so that the default thresholds apply.
    """
    data = dict(run.meta.get("parameters") or {})
    data.setdefault("run", {"name": "report", "period": {"start": "2000-01-01", "end": "today"}})
    data.setdefault("aws", {"regions": ["us-east-1"], "accounts": [{"id": "000000000000"}]})
    return parse_params(data, stored=True)


def _irregularities(run: RunData) -> pd.DataFrame:
    events = run.frame("cloudtrail_events").dropna(subset=["event_time"])
    period = ((run.meta.get("parameters") or {}).get("run") or {}).get("period") or {}
    start = pd.Timestamp(period["start"], tz="UTC") if period.get("start") else None
    return find_irregularities(events, _run_params(run), start)


def events_per_day(run: RunData) -> HtmlBlock:
    """Return CloudTrail events per day by outcome (stacked), with irregular days marked."""
    title = "CloudTrail events per day (stacked by outcome; triangles: irregularities)"
    events = run.frame("cloudtrail_events").dropna(subset=["event_time"])
    if events.empty:
        return empty_chart(title, "no CloudTrail events in this run")
    day = events["event_time"].dt.floor("D")
    failed = events["error_code"].notna()
    daily = pd.DataFrame(
        {"success": day[~failed].value_counts(), "error": day[failed].value_counts()}
    ).fillna(0)
    marks = _irregularities(run)["event_time"].dt.floor("D").value_counts()
    fig, ax = plt.subplots(figsize=(10, 3.2))
    ax.bar(daily.index, daily["success"], width=0.8, color="#90a4ae", label="success")
    ax.bar(
        daily.index,
        daily["error"],
        bottom=daily["success"],
        width=0.8,
        color=STATUS_COLOURS["FAIL"],
        label="error",
    )
    top = (daily["success"] + daily["error"]).reindex(marks.index).fillna(0)
    ax.scatter(marks.index, top + 1, marker="v", color="#6a1b9a", label="irregularity")
    ax.set_ylabel("events")
    ax.legend(fontsize=7)
    ax.set_title(title)
    fig.autofmt_xdate()
    return figure_block(fig, title)


def top_principals(run: RunData, limit: int = 12) -> HtmlBlock:
    """Return the principals with the most events, split by outcome."""
    title = f"Top {limit} principals by events"
    events = run.frame("cloudtrail_events")
    if events.empty:
        return empty_chart(title, "no CloudTrail events in this run")
    who = events["principal_arn"].fillna(events["user_identity_type"]).fillna("unknown")
    outcome = events["error_code"].notna().map({True: "error", False: "success"})
    table = pd.crosstab(who.astype("object"), outcome.astype("object"))
    table = table.reindex(columns=["success", "error"], fill_value=0)
    table = table.loc[table.sum(axis=1).sort_values(ascending=False).index[:limit]]
    colours = ["#90a4ae", STATUS_COLOURS["FAIL"]]
    return stacked_bars(table, title, "events", colours)


def privileged_actions(run: RunData, row_cap: int = 200) -> HtmlBlock:
    """Return the privileged ElastiCache actions of the period, oldest first."""
    events = run.frame("cloudtrail_events")
    names = list(load_catalog().privileged_actions)
    done = events.loc[events["event_name"].isin(names)].sort_values("event_time")
    table = data_table(done, PRIVILEGED_COLUMNS, row_cap, "the control's CSV")
    return section(f"Privileged actions ({len(done)})", table)


def irregularities(run: RunData, row_cap: int = 200) -> HtmlBlock:
    """Return the period's irregularities, one row per kind and event."""
    found = _irregularities(run)
    table = data_table(found, IRREGULARITY_COLUMNS, row_cap, "the control's CSV")
    return section(f"Irregularities to review ({len(found)})", table)


def _calendar(days: pd.DataFrame) -> pd.DataFrame:
    """Return a week x weekday grid of state codes (0 delivered, 1 no files, 2 not listed)."""
    codes = {DELIVERED: 0, NO_FILES: 1, NOT_LISTED: 2}
    worst = days.assign(code=days["state"].map(codes)).groupby("day_time")["code"].max()
    span = pd.date_range(worst.index.min(), worst.index.max(), freq="D")
    worst = worst.reindex(span, fill_value=2)
    monday = worst.index - pd.to_timedelta(worst.index.day_of_week, unit="D")
    week = monday.strftime("%Y-%m-%d")
    grid = pd.DataFrame({"week": week, "weekday": worst.index.day_of_week, "code": worst.values})
    table = grid.pivot_table(index="week", columns="weekday", values="code", aggfunc="max")
    return table.reindex(columns=range(7))


def delivery_calendar(run: RunData) -> HtmlBlock:
    """Return a calendar (week x weekday) of days with and without delivered log files."""
    title = "CloudTrail log files delivered per day (red: none delivered; grey: not listed)"
    days = delivery_days(run.frame("cloudtrail_log_files"))
    if days.empty:
        return empty_chart(title, "no trail bucket listings in this run")
    grid = _calendar(days)
    colours = ListedColormap([STATUS_COLOURS["PASS"], STATUS_COLOURS["FAIL"], "#bdbdbd"])
    fig, ax = plt.subplots(figsize=(4.5, 0.22 * len(grid) + 1.2))
    ax.imshow(grid.to_numpy(dtype=float), cmap=colours, vmin=0, vmax=2, aspect="auto")
    ax.set_xticks(range(7), ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])
    ax.set_yticks(range(len(grid)), list(grid.index), fontsize=6)
    for (y, x), code in np.ndenumerate(grid.to_numpy(dtype=float)):
        if code >= 1:
            ax.text(x, y, "x" if code == 1 else "?", ha="center", va="center", fontsize=6)
    ax.set_title(title, fontsize=8)
    return figure_block(fig, title)


CHARTS = {
    "az_placement": az_placement,
    "snapshot_timeline": snapshot_timeline,
    "encryption_coverage": encryption_coverage,
    "engine_versions": engine_versions,
    "security_group_exposure": security_group_exposure,
    "events_per_day": events_per_day,
    "top_principals": top_principals,
    "privileged_actions": privileged_actions,
    "irregularities": irregularities,
    "delivery_calendar": delivery_calendar,
}
