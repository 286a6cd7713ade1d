"""Whole runs: collect, evaluate and render (``evidence run``), and the demo (``evidence demo``)."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from evidence_lib.errors import RunFolderError
from evidence_lib.reports.runner import RenderResult

logger = logging.getLogger(__name__)

DEMO_PARAMS = Path(__file__).resolve().parent.parent / "parameters" / "demo.yaml"
# Fake credentials for the embedded endpoint only; moto accepts any.
DEMO_ENV = {
    "AWS_ACCESS_KEY_ID": "demo",
    "AWS_SECRET_ACCESS_KEY": "demo",
    "AWS_DEFAULT_REGION": "us-east-1",
}
DEMO_UNSET = ("AWS_SESSION_TOKEN", "AWS_PROFILE")


def run_all(
    params_path: str | os.PathLike[str], out_dir: str | os.PathLike[str], progress: bool = True
) -> RenderResult:
    """Collect, evaluate and render one run.

    Parameters
    ----------
    params_path : path
        The parameters YAML file (validated before any AWS call).
    out_dir : path
        Parent folder of the new run folder.
    progress : bool
        Show progress bars.

    Returns
    -------
    RenderResult
        ``ok``, ``index_path``, ``errors`` and ``run_dir`` of the rendered run.
    """
    from evidence_lib.collectors import collect_run
    from evidence_lib.params import load_params
    from evidence_lib.reports.runner import render_run
    from evidence_lib.runfolder import evaluate_run

    params = load_params(params_path)
    run_dir = Path(collect_run(params, out_dir=out_dir, progress=progress))
    evaluate_run(run_dir)
    render = params.render
    return render_run(
        run_dir,
        controls=None if render.controls == "all" else list(render.controls),
        formats=list(render.formats),
        jobs=render.jobs,
        progress=progress,
    )


@contextmanager
def _demo_environment(url: str) -> Iterator[None]:
    """Point boto3 at ``url`` with fake credentials for the duration, then restore."""
    saved = {k: os.environ.get(k) for k in [*DEMO_ENV, *DEMO_UNSET, "AWS_ENDPOINT_URL"]}
    os.environ.update({**DEMO_ENV, "AWS_ENDPOINT_URL": url})
    for key in DEMO_UNSET:
        os.environ.pop(key, None)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_demo(out_dir: str | os.PathLike[str] = "output", progress: bool = True) -> RenderResult:
    """Run everything against the embedded, seeded AWS endpoint.

    Parameters
    ----------
    out_dir : path
        Parent folder of the demo run folder.
    progress : bool
        Show progress bars.

    Returns
    -------
    RenderResult
        The rendered demo run; ``index_path`` is its index.html.
    """
    from evidence_lib.demo import seed_demo
    from evidence_lib.demo.server import DemoEndpoint

    if not DEMO_PARAMS.is_file():
        raise RunFolderError(f"demo parameters not found at {DEMO_PARAMS}")
    with DemoEndpoint() as endpoint, _demo_environment(endpoint.url):
        seed_demo(endpoint.url)
        result = run_all(DEMO_PARAMS, out_dir=out_dir, progress=progress)
    logger.info("demo run rendered: %s", result.index_path)
    return result
