"""The helpers the report notebooks call: one call per cell, each returning an HTML block.

A template does::

    report = open_report(run_dir, control_id, detail_row_cap=detail_row_cap)
    report.heading()
    report.scope()
    ...

Every method reads the run folder only (frames, findings, gaps, run.json, manifest).
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from evidence_lib.errors import RenderError
from evidence_lib.reports import domain
from evidence_lib.reports.charts import status_chart
from evidence_lib.reports.naming import safe_name
from evidence_lib.reports.rundata import STATUSES, ControlInfo, RunData, load_controls
from evidence_lib.reports.tables import (
    HtmlBlock,
    data_table,
    esc,
    key_value_table,
    section,
    status_badges,
)

RESULT_COLUMNS = ["account_id", "region", "resource_type", "resource_id", "status", "reason"]
# Frames each domain's checks and charts read; listed under "Evidence" in the report.
DOMAIN_FRAMES = {
    "baa": ["agreements"],
    "engine": ["replication_groups", "cache_clusters", "engine_versions", "service_updates",
               "parameter_groups", "serverless_caches"],
    "availability": ["replication_groups", "node_group_members", "cache_clusters", "subnet_groups"],
    "network": ["subnet_groups", "subnets", "security_group_rules", "cache_clusters"],
    "encryption": ["replication_groups", "cache_clusters", "serverless_caches", "snapshots",
                   "user_groups", "kms_keys"],
    "backups": ["replication_groups", "cache_clusters", "serverless_caches", "snapshots",
                "sns_topics", "buckets"],
    "logging": ["trails", "log_groups", "metric_filters", "alarms", "sns_topics", "buckets",
                "cloudtrail_events"],
}  # fmt: skip


def status_counts(findings: pd.DataFrame) -> dict[str, int]:
    """Return the number of findings per status, every status listed."""
    counts = findings["status"].value_counts()
    return {status: int(counts.get(status, 0)) for status in STATUSES}


def describe(value: Any) -> str:
    """Return a short text of a run.json value (dicts as ``key: value`` pairs)."""
    if isinstance(value, dict):
        return "; ".join(f"{k}: {describe(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(describe(v) for v in value)
    return "" if value is None else str(value)


def _identity(value: Any) -> str:
    """Return the account and ARN of a GetCallerIdentity answer (never keys or tokens)."""
    if isinstance(value, dict):
        return f"{value.get('Account', '')} {value.get('Arn', '')}".strip()
    return str(value)


def scope_rows(meta: dict[str, Any]) -> list[tuple[str, object]]:
    """Return the scope of a run as label/value pairs from its run.json."""
    scope = meta.get("scope") or {}
    identities = meta.get("caller_identities") or meta.get("caller_identity") or {}
    if isinstance(identities, dict) and "Arn" in identities:
        identities = {"caller": identities}
    callers = [_identity(v) for v in identities.values()] if isinstance(identities, dict) else []
    return [
        ("Run ID", meta.get("run_id", "")),
        ("Accounts", describe(scope.get("accounts", "")) if isinstance(scope, dict) else ""),
        ("Regions", describe(scope.get("regions", "")) if isinstance(scope, dict) else ""),
        ("Audit period", describe(meta.get("period", ""))),
        ("Collected", f"{meta.get('started_at') or ''} to {meta.get('finished_at') or ''}"),
        ("Caller identity", "; ".join(callers)),
    ]


class ControlReport:
    """The evidence of one control in one run."""

    def __init__(self, run: RunData, control: ControlInfo, detail_row_cap: int = 200) -> None:
        self.run = run
        self.control = control
        self.detail_row_cap = detail_row_cap
        self.csv_name = f"{safe_name(control.control_id)}.csv"

    @cached_property
    def findings(self) -> pd.DataFrame:
        """Findings reported under this control."""
        findings = self.run.findings
        return findings[findings["control_id"] == self.control.control_id]

    def heading(self) -> HtmlBlock:
        """Return the control ID and title."""
        c = self.control
        return HtmlBlock(
            f"<h1 class='control' data-control-id='{esc(c.control_id)}'>"
            f"<span class='control-id'>{esc(c.control_id)}</span> {esc(c.title)}</h1>"
        )

    def requirement(self) -> HtmlBlock:
        """Return what the control requires, its guide step and the checks mapped to it."""
        c = self.control
        rows = [
            ("Requirement", c.requirement),
            ("Guide step", c.guide_step),
            ("Domain", c.domain),
            ("Checks", ", ".join(c.checks)),
            ("Parameters", "; ".join(c.parameters)),
        ]
        return section("What the control requires", key_value_table(rows))

    def scope(self) -> HtmlBlock:
        """Return the run's scope: accounts, regions, period, run ID, time, caller."""
        return section("Scope", key_value_table(scope_rows(self.run.meta)))

    def verdict_summary(self) -> HtmlBlock:
        """Return the findings per status and per check."""
        body = status_badges(status_counts(self.findings))
        if not self.findings.empty:
            per_check = pd.crosstab(self.findings["check_id"], self.findings["status"])
            per_check = per_check.reindex(columns=STATUSES, fill_value=0).reset_index()
            body += data_table(per_check)
        return section("Verdict", body)

    def verdict_chart(self) -> HtmlBlock:
        """Return a chart of the findings per status."""
        return status_chart(status_counts(self.findings), f"{self.control.control_id} findings")

    def check_results(self) -> HtmlBlock:
        """Return every check's results, coloured by status, with the threshold used."""
        parts = []
        for check_id in dict.fromkeys([*self.control.checks, *self.findings["check_id"]]):
            rows = self.findings[self.findings["check_id"] == check_id]
            thresholds = ", ".join(sorted({t for t in rows["threshold"] if t})) or "none"
            head = f"<p class='threshold'>Threshold used: {esc(thresholds)}</p>"
            body = head + status_badges(status_counts(rows))
            body += data_table(rows, RESULT_COLUMNS, self.detail_row_cap, self.csv_name)
            parts.append(section(f"Check {check_id}", body, level=3).html)
        return section("Check results", "".join(parts) or "<p>No checks.</p>")

    def evidence(self) -> HtmlBlock:
        """Return the frames read and the raw files behind the findings, with sha256."""
        names = DOMAIN_FRAMES.get(self.control.domain, [])
        frames = pd.DataFrame(
            {
                "frame": names,
                "rows": [len(self.run.frame(n)) for n in names],
                "columns": [", ".join(self.run.frame(n).columns) for n in names],
            }
        )
        paths = sorted({p for e in self.findings["evidence"] for p in e.split(";") if p})
        files = pd.DataFrame({"raw file": paths, "sha256": [self.run.sha256(p) for p in paths]})
        body = "<h3>Frames read</h3>" + data_table(frames)
        body += "<h3>Raw evidence files</h3>" + data_table(files, None, self.detail_row_cap)
        return section("Evidence", body)

    def gaps(self) -> HtmlBlock:
        """Return this control's GAP findings and the run's collection gaps."""
        gap_rows = self.findings[self.findings["status"] == "GAP"]
        body = "<h3>Findings without evidence</h3>"
        body += data_table(gap_rows, RESULT_COLUMNS, self.detail_row_cap, self.csv_name)
        body += "<h3>Calls that failed during collection (gaps.csv)</h3>"
        body += data_table(self.run.gaps, None, self.detail_row_cap, "gaps.csv")
        return section("Gaps", body)

    def limitations(self) -> HtmlBlock:
        """Return the known limitations of this control's checks."""
        items = "".join(f"<li>{esc(text)}</li>" for text in self.control.limitations)
        return section("Known limitations", f"<ul>{items}</ul>" if items else "<p>None.</p>")

    def chart(self, name: str) -> HtmlBlock:
        """Return the domain chart ``name`` (see ``domain.CHARTS``)."""
        try:
            build = domain.CHARTS[name]
        except KeyError:
            raise RenderError(f"unknown chart {name!r}; known: {sorted(domain.CHARTS)}") from None
        return build(self.run)


def open_report(run_dir: str | Path, control_id: str, detail_row_cap: int = 200) -> ControlReport:
    """Open the report of one control of a run.

    Parameters
    ----------
    run_dir : str or Path
        The run folder.
    control_id : str
        A catalog control ID.
    detail_row_cap : int
        At most this many detail rows per table (all rows are in the control's CSV).

    Returns
    -------
    ControlReport
        Its methods return the report's sections.
    """
    controls = load_controls()
    if control_id not in controls:
        known = ", ".join(controls)
        raise RenderError(f"control_id {control_id!r} is not in the catalog; known: {known}")
    return ControlReport(RunData(run_dir), controls[control_id], detail_row_cap)
