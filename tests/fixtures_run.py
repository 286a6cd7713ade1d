"""Fixtures of collected demo runs: the demo endpoint collected once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidence_lib.collectors import collect_run
from evidence_lib.params import load_params
from tests.fixtures_demo import DEMO_NOW, SeededEndpoint

DEMO_PARAMS = Path(__file__).resolve().parent.parent / "parameters" / "demo.yaml"


def collect_demo(endpoint: SeededEndpoint, out_dir: Path) -> Path:
    """Collect ``endpoint`` with parameters/demo.yaml at the demo's present; return the run."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ENDPOINT_URL", endpoint.url)
        params = load_params(DEMO_PARAMS, now=DEMO_NOW)
        return collect_run(params, out_dir=out_dir, progress=False, now=DEMO_NOW)


@pytest.fixture(scope="session")
def demo_run(demo_endpoint: SeededEndpoint, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Collect the seeded demo endpoint once per session and return the run folder."""
    return collect_demo(demo_endpoint, tmp_path_factory.mktemp("demo-run"))
