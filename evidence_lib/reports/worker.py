"""Worker processes: each holds one warm kernel, executes report notebooks and exports them.

The parent puts ``Task`` objects on a queue; a worker executes each with papermill on its warm
kernel, checks the executed notebook for errors and timeouts, writes the notebook, its HTML
and its PDF, and answers with a ``TaskResult``. A failed notebook gets a fresh kernel.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import queue
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import nbformat
from tqdm import tqdm

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Task:
    """One notebook to execute and export; paths are absolute, metadata is JSON."""

    control_id: str
    name: str
    template: str
    run_dir: str
    formats: tuple[str, ...]
    timeout_seconds: int
    parameters: dict[str, Any]
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TaskResult:
    """What became of a task: ``error`` is None when the report completed."""

    control_id: str
    error: str | None
    seconds: float
    phases: dict[str, float] = field(default_factory=dict)


def notebook_error(nb: nbformat.NotebookNode) -> str | None:
    """Return the first error of an executed notebook, or None when every cell completed.

    A cell that raised, or a code cell that never ran (papermill stops at the first error and
    a timed-out cell may leave no error output), counts as an error.
    """
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return f"cell {index}: {output.get('ename')}: {output.get('evalue')}"
        status = cell.metadata.get("papermill", {}).get("status", "completed")
        if cell.get("execution_count") is None or status != "completed":
            return f"cell {index} did not complete (status {status})"
    return None


def _scrub(nb: nbformat.NotebookNode, task: Task) -> None:
    """Replace absolute paths of this machine in the notebook by run-relative ones."""
    prefixes = [task.run_dir, str(Path(task.template).parent.parent), sys.prefix, str(Path.home())]
    text = nbformat.writes(nb)
    for prefix, label in zip(prefixes, ["<run>", "<repo>", "<python>", "<home>"], strict=True):
        text = text.replace(prefix, label)
    scrubbed = nbformat.reads(text, as_version=4)
    nb.cells, nb.metadata = scrubbed.cells, scrubbed.metadata
    nb.metadata.setdefault("papermill", {})
    nb.metadata["papermill"]["input_path"] = f"notebooks/{Path(task.template).name}"
    nb.metadata["papermill"]["output_path"] = f"reports/{task.name}.ipynb"


def _execute(task: Task, kernel: Any, out: Path) -> tuple[nbformat.NotebookNode, str | None]:
    import papermill

    from evidence_lib.reports.kernels import ENGINE_NAME, KERNEL_NAME

    kernel.reset(out.parent)
    failure = None
    try:
        papermill.execute_notebook(
            task.template,
            str(out),
            parameters=task.parameters,
            engine_name=ENGINE_NAME,
            kernel_name=KERNEL_NAME,
            progress_bar=False,
            execution_timeout=task.timeout_seconds,
        )
    except Exception as exc:  # noqa: BLE001 - any failure of one report marks it ERROR
        # The first line says what happened (a timeout's later lines preview the cell).
        lines = [line for line in str(exc).splitlines() if line.strip()] or [""]
        failure = f"{type(exc).__name__}: {lines[0].strip()[:300]}"
    nb = nbformat.read(out, as_version=4)
    return nb, notebook_error(nb) or failure


def export_task(
    task: Task, nb: nbformat.NotebookNode, error: str | None, exporter: Any
) -> dict[str, Any]:
    """Write the executed notebook, its HTML and its PDF; return the error and phase seconds."""
    from evidence_lib.reports.export import export_pdf_bytes

    phases: dict[str, float] = {}
    out = Path(task.run_dir) / "reports" / f"{task.name}.ipynb"

    # Record the outcome in the artefact itself, then export what there is.
    start = time.perf_counter()
    _scrub(nb, task)
    nb.metadata["evidence"] = {**task.metadata, "error": error}
    nbformat.write(nb, out)
    try:
        html, _ = exporter.from_notebook_node(nb)
        if "html" in task.formats:
            out.with_suffix(".html").write_text(html, encoding="utf-8")
        phases["html"] = time.perf_counter() - start
        if "pdf" in task.formats:
            start = time.perf_counter()
            out.with_suffix(".pdf").write_bytes(export_pdf_bytes(html))
            phases["pdf"] = time.perf_counter() - start
    except Exception as exc:  # noqa: BLE001 - an export failure marks the report ERROR
        logger.exception("export of %s failed", task.control_id)
        error = error or f"export failed: {type(exc).__name__}: {exc}"
    return {"error": error, "phases": phases}


def _export_and_answer(
    task: Task, nb: nbformat.NotebookNode, error: str | None, timing: tuple[float, float], ctx: Any
) -> None:
    """Export one executed report (on the export thread) and put its result on the queue."""
    started, executed = timing
    try:
        exported = export_task(task, nb, error, ctx["exporter"])
    except Exception as exc:  # noqa: BLE001 - the parent must get an answer for every task
        logger.exception("writing %s failed", task.control_id)
        exported = {"error": error or f"write failed: {type(exc).__name__}: {exc}", "phases": {}}
    phases = {"execute": executed, **exported["phases"]}
    seconds = time.perf_counter() - started
    ctx["results"].put(TaskResult(task.control_id, exported["error"], seconds, phases))


def _warm_exporters() -> Any:
    """Import nbconvert and WeasyPrint and load the fonts once, while the kernel starts."""
    from evidence_lib.reports.export import EvidenceHTMLExporter, warm_up_pdf

    warm_up_pdf()
    return EvidenceHTMLExporter()


def worker_main(tasks: Any, results: Any, startup_timeout: float) -> None:
    """Serve tasks from ``tasks`` until a ``None`` arrives, on one warm kernel.

    Export (HTML and PDF) runs on one thread of its own, so that the PDF of one report is
    printed while the kernel executes the next.
    """
    from evidence_lib.reports.kernels import WarmKernel, WarmKernelEngine

    kernel = WarmKernel(startup_timeout)
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="export")
    try:
        warming = pool.submit(_warm_exporters)
        kernel.start()
        WarmKernelEngine.kernel = kernel
        ctx = {"exporter": warming.result(), "results": results}
        while (task := tasks.get()) is not None:
            started = time.perf_counter()
            out = Path(task.run_dir) / "reports" / f"{task.name}.ipynb"
            nb, error = _execute(task, kernel, out)
            timing = (started, time.perf_counter() - started)
            pool.submit(_export_and_answer, task, nb, error, timing, ctx)
            if error:
                kernel.restart()
    finally:
        pool.shutdown(wait=True)
        kernel.stop()


class WorkerPool:
    """``jobs`` worker processes (spawned), each with its own warm kernel."""

    def __init__(self, jobs: int, startup_timeout: float = 60) -> None:
        context = mp.get_context("spawn")
        self.tasks: Any = context.Queue()
        self.results: Any = context.Queue()
        self.processes: list[BaseProcess] = [
            context.Process(target=worker_main, args=(self.tasks, self.results, startup_timeout))
            for _ in range(jobs)
        ]
        for process in self.processes:
            process.start()

    def run(self, tasks: list[Task], progress: bool, stall_seconds: float) -> dict[str, TaskResult]:
        """Execute ``tasks``; a task without an answer after ``stall_seconds`` is an error."""
        for task in tasks:
            self.tasks.put(task)
        results: dict[str, TaskResult] = {}
        last = time.monotonic()
        with tqdm(total=len(tasks), disable=not progress, desc="reports", unit="report") as bar:
            while len(results) < len(tasks) and time.monotonic() - last < stall_seconds:
                if not any(p.is_alive() for p in self.processes):
                    break
                try:
                    result = self.results.get(timeout=2)
                except queue.Empty:
                    continue
                results[result.control_id] = result
                last = time.monotonic()
                bar.update()
        for task in tasks:
            if task.control_id not in results:
                message = "no result: the worker stopped or the report hung"
                results[task.control_id] = TaskResult(task.control_id, message, stall_seconds)
        return results

    def close(self) -> None:
        """Stop every worker (and its kernel)."""
        for _ in self.processes:
            self.tasks.put(None)
        for process in self.processes:
            process.join(timeout=60)
            if process.is_alive():
                process.terminate()
                process.join(timeout=10)
