"""Time the whole render of a demo run against the naive one-report-at-a-time pipeline.

Ours: ``render_run`` (worker processes with warm kernels, PDF export in the same workers).
Naive: for each control, ``papermill`` CLI, then ``jupyter nbconvert --to html``, then
WeasyPrint on that HTML, one report at a time. Prints both times and the ratio.

Usage: ``python bench/render.py [RUN_DIR] [--controls N]``; without RUN_DIR the demo endpoint
is seeded and collected first (not timed).
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
from evidence_lib.reports.runner import TEMPLATE_DIR, render_run

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


def naive_render(run_dir: Path, control_ids: list[str]) -> float:
    """Render one report at a time with the stock command-line tools; return seconds."""
    controls = load_controls()
    out = run_dir / "naive"
    out.mkdir(exist_ok=True)
    start = time.perf_counter()
    for control_id in control_ids:
        name = safe_name(control_id)
        template = TEMPLATE_DIR / f"{controls[control_id].domain}.ipynb"
        notebook = out / f"{name}.ipynb"
        papermill = [str(BIN / "papermill"), str(template), str(notebook), "-k", "python3"]
        params = [
            "-r",
            "run_dir",
            str(run_dir),
            "-r",
            "control_id",
            control_id,
            "--no-progress-bar",
        ]
        subprocess.run([*papermill, *params], check=True, capture_output=True)
        html = [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(notebook)]
        subprocess.run(html, check=True, capture_output=True)
        pdf = [
            str(BIN / "weasyprint"),
            str(notebook.with_suffix(".html")),
            str(out / f"{name}.pdf"),
        ]
        subprocess.run(pdf, check=True, capture_output=True)
    return time.perf_counter() - start


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
    naive = naive_render(naive_dir, control_ids)

    print(f"reports: {len(control_ids)} (ours ok: {result.ok})")
    print(f"ours (warm kernels, {args.jobs} workers, html+pdf+index+bundle): {ours:.1f} s")
    print(f"naive (papermill CLI, nbconvert --to html, weasyprint): {naive:.1f} s")
    print(f"ratio ours/naive: {ours / naive:.2f} (target <= 0.33)")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
