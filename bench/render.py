"""Time the whole render of a demo run against the naive one-report-at-a-time pipeline.

Ours: ``render_run`` (worker processes with warm kernels, PDF export in the same workers).
Naive: for each control, ``papermill`` CLI, then ``jupyter nbconvert --to html``, then
WeasyPrint on that HTML, one report at a time. Prints both times and the ratio.

Usage: ``python bench/render.py [RUN_DIR] [--controls N]``; without RUN_DIR the demo endpoint
is seeded and collected first (not timed). Prints per-report seconds of both pipelines
and per-phase totals.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from evidence_lib.reports.naming import safe_name
from evidence_lib.reports.rundata import load_controls
from evidence_lib.reports.runner import TEMPLATE_DIR, RenderResult, phase_totals, render_run

BIN = Path(sys.executable).parent


def make_demo_run(parent: Path) -> Path:
    """Seed the embedded endpoint, collect and evaluate a demo run (untimed)."""
    from evidence_lib.collectors import collect_run
    from evidence_lib.demo import seed_demo
    from evidence_lib.demo.server import DemoEndpoint
    from evidence_lib.params import load_params
    from evidence_lib.pipeline import DEMO_PARAMS, _demo_environment
    from evidence_lib.runfolder import evaluate_run

    with DemoEndpoint() as endpoint, _demo_environment(endpoint.url):
        seed_demo(endpoint.url)
        run_dir = Path(collect_run(load_params(DEMO_PARAMS), out_dir=parent, progress=False))
    evaluate_run(run_dir)
    return run_dir


def _naive_one(run_dir: Path, out: Path, control_id: str, domain: str) -> dict[str, float]:
    """Render one report with the three stock CLIs; return seconds per step."""
    name = safe_name(control_id)
    notebook = out / f"{name}.ipynb"
    papermill = [str(BIN / "papermill"), str(TEMPLATE_DIR / f"{domain}.ipynb"), str(notebook)]
    params = ["-k", "python3", "-r", "run_dir", str(run_dir), "-r", "control_id", control_id]
    html = [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(notebook)]
    pdf = [str(BIN / "weasyprint"), str(notebook.with_suffix(".html")), str(out / f"{name}.pdf")]
    steps = {"papermill": [*papermill, *params, "--no-progress-bar"], "nbconvert": html, "pdf": pdf}
    seconds = {}
    for step, command in steps.items():
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        seconds[step] = time.perf_counter() - start
    return seconds


def naive_render(run_dir: Path, control_ids: list[str]) -> dict[str, dict[str, float]]:
    """Render one report at a time with the stock command-line tools; seconds per report."""
    controls = load_controls()
    out = run_dir / "naive"
    out.mkdir(exist_ok=True)
    seconds = {}
    for control_id in control_ids:
        seconds[control_id] = steps = _naive_one(
            run_dir, out, control_id, controls[control_id].domain
        )
        line = " ".join(f"{step} {value:.1f}" for step, value in steps.items())
        print(f"naive {control_id:<16}{line}  total {sum(steps.values()):.1f} s", flush=True)
    return seconds


def _print_reports(ours: RenderResult, naive: dict[str, dict[str, float]]) -> None:
    """Print one line per report: our phases (overlapping in time) and the naive steps."""
    print(f"{'report':<16}{'ours exec/html/pdf (s)':>26}{'naive pm/nbc/pdf (s)':>26}{'naive':>8}")
    for control_id, result in ours.timings.items():
        mine = "/".join(f"{result.phases.get(p, 0):.1f}" for p in ("execute", "html", "pdf"))
        steps = naive.get(control_id, {})
        theirs = "/".join(f"{v:.1f}" for v in steps.values()) or "-"
        total = f"{sum(steps.values()):.1f}" if steps else "-"
        print(f"{control_id:<16}{mine:>26}{theirs:>26}{total:>8}")


def _print_totals(ours: RenderResult, naive: dict[str, dict[str, float]]) -> None:
    """Print per-phase totals of both pipelines."""
    print(f"ours per-phase totals (s, summed over workers): {phase_totals(ours.timings)}")
    naive_totals: dict[str, float] = {}
    for steps in naive.values():
        for step, seconds in steps.items():
            naive_totals[step] = round(naive_totals.get(step, 0.0) + seconds, 1)
    print(f"naive per-step totals (s): {naive_totals}")


def main() -> None:
    """Run both pipelines on copies of one run and print the times and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", nargs="?", help="an evaluated run folder (default: demo)")
    parser.add_argument("--controls", type=int, default=0, help="first N controls (0: all)")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-render-"))
    source = Path(args.run_dir) if args.run_dir else make_demo_run(work / "demo")
    control_ids = list(load_controls())[: args.controls or None]

    # Ours first, on its own copy, then the naive pipeline on another copy.
    ours_dir, naive_dir = work / "ours", work / "naive"
    shutil.copytree(source, ours_dir)
    shutil.copytree(source, naive_dir)
    start = time.perf_counter()
    result = render_run(ours_dir, controls=control_ids, jobs=args.jobs, progress=False)
    ours = time.perf_counter() - start
    print(f"ours: {ours:.1f} s; per-phase {phase_totals(result.timings)}", flush=True)
    start = time.perf_counter()
    steps = naive_render(naive_dir, control_ids)
    naive = time.perf_counter() - start

    _print_reports(result, steps)
    _print_totals(result, steps)
    print(f"reports: {len(control_ids)} (ours ok: {result.ok}; ours adds the summary)")
    print(f"ours (warm kernels, {args.jobs} workers, html+pdf+index+bundle): {ours:.1f} s")
    print(f"naive (papermill CLI, nbconvert --to html, weasyprint): {naive:.1f} s")
    print(f"ratio ours/naive: {ours / naive:.2f} (target <= 0.33)")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
