"""Render a run folder: one report per control, the summary, index.html and bundle.zip."""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evidence_lib import __version__
from evidence_lib.errors import ParameterError, RenderError
from evidence_lib.reports.bundle import write_bundle
from evidence_lib.reports.index import write_index_html, write_index_json
from evidence_lib.reports.naming import safe_name
from evidence_lib.reports.rundata import ControlInfo, RunData, load_controls
from evidence_lib.reports.worker import Task, TaskResult, WorkerPool
from evidence_lib.runfolder import write_manifest

logger = logging.getLogger(__name__)

FORMATS = ("html", "pdf")
# The templates' source is <repo>/notebooks; an installed package carries the copy below.
TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "notebooks"
PACKAGED_TEMPLATE_DIR = Path(__file__).resolve().parent / "notebooks"


@dataclass(frozen=True)
class RenderResult:
    """Outcome of ``render_run``.

    ``errors`` maps control IDs to what went wrong; ``timings`` holds each report's result
    with its seconds per phase (``execute``, ``html``, ``pdf``), the summary included.
    """

    ok: bool
    index_path: Path
    errors: dict[str, str] = field(default_factory=dict)
    run_dir: Path | None = None
    timings: dict[str, TaskResult] = field(default_factory=dict)


def _settings(meta: dict[str, Any]) -> dict[str, Any]:
    params = meta.get("parameters") or {}
    return dict(params.get("render") or {}) if isinstance(params, dict) else {}


def _select(catalog: dict[str, ControlInfo], wanted: Any) -> list[ControlInfo]:
    if wanted in (None, "all", ["all"]):
        return list(catalog.values())
    unknown = [c for c in wanted if c not in catalog]
    if unknown:
        raise ParameterError("controls", unknown, "IDs of the catalog: " + ", ".join(catalog))
    return [catalog[c] for c in wanted]


def _formats(wanted: list[str] | None) -> tuple[str, ...]:
    chosen = tuple(wanted or FORMATS)
    bad = [f for f in chosen if f not in FORMATS]
    if bad:
        raise ParameterError("formats", bad, ", ".join(FORMATS))
    return chosen


def template_dirs(template_dir: Path | None = None) -> list[Path]:
    """Return the folders searched for report templates, in order.

    Parameters
    ----------
    template_dir : Path, optional
        A folder of templates to use instead of the defaults.

    Returns
    -------
    list of Path
        ``template_dir`` alone when given; else ``<repo>/notebooks`` (the source of the
        templates), then the copy installed with the package.
    """
    if template_dir is not None:
        return [Path(template_dir).resolve()]
    return [TEMPLATE_DIR, PACKAGED_TEMPLATE_DIR]


def find_template(name: str, template_dir: Path | None = None) -> Path:
    """Return the template ``<name>.ipynb``; RenderError names every folder searched."""
    searched = template_dirs(template_dir)
    for folder in searched:
        path = folder / f"{name}.ipynb"
        if path.is_file():
            return path
    where = ", ".join(str(folder) for folder in searched)
    raise RenderError(f"report template {name}.ipynb not found; looked in: {where}")


def _write_detail_csv(run: RunData, control: ControlInfo) -> None:
    """Write every finding row of ``control`` to reports/<name>.csv."""
    rows = run.findings[run.findings["control_id"] == control.control_id]
    rows.to_csv(run.run_dir / "reports" / f"{safe_name(control.control_id)}.csv", index=False)


def _tasks(
    run: RunData, controls: list[ControlInfo], formats: tuple[str, ...], settings: dict[str, Any]
) -> list[Task]:
    """Return one task per control; ``settings`` holds the render parameters and overrides."""
    generated = dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    common = {"run_id": str(run.meta.get("run_id", run.run_dir.name)), "generated_at": generated,
              "version": __version__}  # fmt: skip
    timeout = int(settings.get("timeout_seconds") or 300)
    cap = int(settings.get("detail_row_cap") or 200)
    return [
        Task(
            control_id=c.control_id,
            name=safe_name(c.control_id),
            template=str(find_template(c.domain, settings.get("template_dir"))),
            run_dir=str(run.run_dir),
            formats=formats,
            timeout_seconds=timeout,
            parameters={"run_dir": "..", "control_id": c.control_id, "detail_row_cap": cap},
            metadata={**common, "control_id": c.control_id, "title": c.title},
        )
        for c in controls
    ]


def _summary_task(template_task: Task, template_dir: Path | None) -> Task:
    return Task(
        control_id="summary",
        name="summary",
        template=str(find_template("summary", template_dir)),
        run_dir=template_task.run_dir,
        formats=("html", "pdf"),
        timeout_seconds=template_task.timeout_seconds,
        parameters={"run_dir": ".."},
        metadata={**template_task.metadata, "control_id": "Summary", "title": "Summary"},
    )


def _execute(
    tasks: list[Task], run: RunData, jobs: int, progress: bool, template_dir: Path | None
) -> tuple[dict[str, TaskResult], TaskResult]:
    """Execute the control tasks, write index.json, then execute the summary on the same pool."""
    stall = max(task.timeout_seconds for task in tasks) * 4 + 120
    pool = WorkerPool(jobs)
    try:
        results = pool.run(tasks, progress, stall)
        write_index_json(run, tasks, results)
        summary = pool.run([_summary_task(tasks[0], template_dir)], False, stall)["summary"]
    finally:
        pool.close()
    return results, summary


def render_run(
    run_dir: Path,
    controls: list[str] | None = None,
    formats: list[str] | None = None,
    jobs: int | None = None,
    progress: bool = True,
    template_dir: Path | None = None,
    timeout_seconds: int | None = None,
) -> RenderResult:
    """Render every selected control's report, the summary, index.html and bundle.zip.

    Parameters
    ----------
    run_dir : Path
        A run folder with frames and findings.
    controls : list of str, optional
        Control IDs (default: the run's ``render.controls`` parameter, else all).
    formats : list of str, optional
        ``html`` and/or ``pdf`` (default: the run's ``render.formats``, else both).
    jobs : int, optional
        Worker processes, each with one warm kernel (default: ``render.jobs``, else CPUs).
    progress : bool
        Show a progress bar over the reports.
    template_dir : Path, optional
        Folder of the report templates (default: see ``template_dirs``).
    timeout_seconds : int, optional
        Longest a notebook cell may run (default: ``render.timeout_seconds``, else 300).

    Returns
    -------
    RenderResult
        ``ok`` False when any report failed or timed out; those controls are ERROR in the
        index and ``errors`` says why. The manifest is rewritten last.
    """
    start = time.perf_counter()
    run = RunData(run_dir)
    settings = _settings(run.meta)
    settings["template_dir"] = template_dir
    settings["timeout_seconds"] = timeout_seconds or settings.get("timeout_seconds")
    selected = _select(load_controls(), controls or settings.get("controls"))
    chosen = _formats(formats or settings.get("formats"))
    workers = max(1, min(jobs or settings.get("jobs") or os.cpu_count() or 1, len(selected)))

    # Detail CSVs come from findings directly; notebooks only display.
    (run.run_dir / "reports").mkdir(exist_ok=True)
    for control in selected:
        _write_detail_csv(run, control)
    tasks = _tasks(run, selected, chosen, settings)
    results, summary = _execute(tasks, run, workers, progress, template_dir)

    # Index, summary PDF and bundle; the manifest is written last.
    summary_pdf = run.run_dir / "reports" / "summary.pdf"
    if summary_pdf.is_file():
        summary_pdf.replace(run.run_dir / "summary.pdf")
    index_path = write_index_html(run, tasks, results, summary)
    write_bundle(run.run_dir)
    write_manifest(run.run_dir)
    timings = {**results, "summary": summary}
    errors = {cid: r.error for cid, r in timings.items() if r.error}
    logger.info("rendered %s reports in %.1fs, %s errors; seconds per phase: %s", len(tasks),
                time.perf_counter() - start, len(errors), phase_totals(timings))  # fmt: skip
    return RenderResult(not errors, index_path, errors, run.run_dir, timings)


def phase_totals(timings: dict[str, TaskResult]) -> dict[str, float]:
    """Return the seconds spent per phase (``execute``, ``html``, ``pdf``) over all reports."""
    totals: dict[str, float] = {}
    for result in timings.values():
        for phase, seconds in result.phases.items():
            totals[phase] = round(totals.get(phase, 0.0) + seconds, 2)
    return totals
