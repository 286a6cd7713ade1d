"""Helpers of the summary notebook: every control of a run with its verdict counts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from evidence_lib.reports.charts import STATUS_COLOURS, stacked_bars
from evidence_lib.reports.notebook import scope_rows
from evidence_lib.reports.rundata import STATUSES, RunData, load_controls
from evidence_lib.reports.tables import HtmlBlock, data_table, esc, key_value_table, section

INDEX_JSON = "reports/index.json"


def control_rows(run: RunData) -> pd.DataFrame:
    """Return one row per control: status counts, report state and title.

    Returns
    -------
    pandas.DataFrame
        Columns ``control_id``, ``title``, one column per status, ``report`` (``ok`` or
        ``ERROR``, from reports/index.json when the runner wrote it).
    """
    states = _report_states(run.run_dir)
    findings = run.findings
    rows = []
    for control in load_controls().values():
        mine = findings[findings["control_id"] == control.control_id]["status"].value_counts()
        counts = {status: int(mine.get(status, 0)) for status in STATUSES}
        state = states.get(control.control_id, "not rendered")
        rows.append({"control_id": control.control_id, "title": control.title, **counts,
                     "report": state})  # fmt: skip
    return pd.DataFrame(rows)


def _report_states(run_dir: Path) -> dict[str, str]:
    path = run_dir / INDEX_JSON
    if not path.is_file():
        return {}
    entries: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["controls"]
    return {e["control_id"]: "ERROR" if e.get("error") else "ok" for e in entries}


class SummaryReport:
    """The summary of one run across every control."""

    def __init__(self, run: RunData) -> None:
        self.run = run
        self.rows = control_rows(run)

    def heading(self) -> HtmlBlock:
        """Return the summary title."""
        run_id = esc(self.run.meta.get("run_id", ""))
        return HtmlBlock(
            f"<h1 class='control' data-control-id='summary'><span class='control-id'>"
            f"Summary</span> run {run_id}</h1>"
        )

    def scope(self) -> HtmlBlock:
        """Return the run's scope."""
        return section("Scope", key_value_table(scope_rows(self.run.meta)))

    def controls(self) -> HtmlBlock:
        """Return every control's status counts and report state."""
        return section("Controls", data_table(self.rows))

    def status_chart(self) -> HtmlBlock:
        """Return a stacked bar chart of the status counts per control."""
        table = self.rows.set_index("control_id")[STATUSES]
        colours = [STATUS_COLOURS[s] for s in STATUSES]
        return stacked_bars(table, "Findings per control", "findings", colours)

    def gaps(self) -> HtmlBlock:
        """Return the run's collection gaps."""
        return section("Collection gaps", data_table(self.run.gaps, None, 200, "gaps.csv"))


def open_summary(run_dir: str | Path) -> SummaryReport:
    """Open the summary of a run.

    Parameters
    ----------
    run_dir : str or Path
        The run folder.

    Returns
    -------
    SummaryReport
        Its methods return the summary's sections.
    """
    return SummaryReport(RunData(run_dir))
