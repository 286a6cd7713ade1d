"""The run's index: reports/index.json for the summary notebook, index.html for readers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from evidence_lib.reports.export import CSS_PATH
from evidence_lib.reports.notebook import scope_rows, status_counts
from evidence_lib.reports.rundata import STATUSES, RunData
from evidence_lib.reports.tables import data_table, esc, key_value_table
from evidence_lib.reports.worker import Task, TaskResult


def index_entries(
    run: RunData, tasks: list[Task], results: dict[str, TaskResult]
) -> list[dict[str, Any]]:
    """Return one entry per rendered control: counts, error and artefact paths (run-relative)."""
    entries = []
    for task in tasks:
        findings = run.findings[run.findings["control_id"] == task.control_id]
        files = {
            kind: f"reports/{task.name}.{kind}"
            for kind in ("html", "pdf", "csv", "ipynb")
            if (run.run_dir / "reports" / f"{task.name}.{kind}").is_file()
        }
        entries.append(
            {
                "control_id": task.control_id,
                "title": task.metadata.get("title", ""),
                "name": task.name,
                "counts": status_counts(findings),
                "error": results[task.control_id].error,
                "files": files,
            }
        )
    return entries


def write_index_json(run: RunData, tasks: list[Task], results: dict[str, TaskResult]) -> Path:
    """Write reports/index.json (the summary notebook reads the report states from it)."""
    path = run.run_dir / "reports" / "index.json"
    document = {"run_id": run.meta.get("run_id"), "controls": index_entries(run, tasks, results)}
    path.write_text(json.dumps(document, indent=1), encoding="utf-8")
    return path


def _control_row(entry: dict[str, Any]) -> str:
    state = "ERROR" if entry["error"] else "ok"
    counts = "".join(f"<td class='num'>{entry['counts'][s]}</td>" for s in STATUSES)
    links = " ".join(f"<a href='{esc(p)}'>{k.upper()}</a>" for k, p in entry["files"].items())
    error = f"<br><span class='note'>{esc(entry['error'])}</span>" if entry["error"] else ""
    return (
        f"<tr class='status-{'FAIL' if entry['error'] else ''}'><td>{esc(entry['control_id'])}"
        f"<br><span class='note'>file name {esc(entry['name'])}</span></td>"
        f"<td>{esc(entry['title'])}</td>{counts}<td>{state}{error}</td><td>{links}</td></tr>"
    )


def write_index_html(
    run: RunData, tasks: list[Task], results: dict[str, TaskResult], summary: TaskResult
) -> Path:
    """Write index.html: run metadata, every control with its counts, state and links, gaps."""
    entries = index_entries(run, tasks, results)
    head = "".join(f"<th>{s}</th>" for s in ["control", "title", *STATUSES, "report", "files"])
    rows = "".join(_control_row(e) for e in entries)
    summary_link = (
        "<a href='summary.pdf'>summary.pdf</a>" if not summary.error else esc(summary.error)
    )
    body = (
        f"<h1>Evidence run {esc(run.meta.get('run_id', ''))}</h1>"
        f"{key_value_table(scope_rows(run.meta))}"
        f"<p>Summary: {summary_link}; all artefacts: <a href='bundle.zip'>bundle.zip</a>; "
        f"findings: <a href='findings.csv'>findings.csv</a>.</p>"
        f"<h2>Controls</h2><table class='ev-table'><thead><tr>{head}</tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        f"<h2>Collection gaps</h2>{data_table(run.gaps, None, 500, 'gaps.csv')}"
    )
    css = CSS_PATH.read_text(encoding="utf-8")
    page = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Evidence run {esc(run.meta.get('run_id', ''))}</title><style>{css}</style>"
        f"</head><body>{body}</body></html>"
    )
    path = run.run_dir / "index.html"
    path.write_text(page, encoding="utf-8")
    return path
