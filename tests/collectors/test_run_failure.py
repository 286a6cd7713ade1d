"""collect_run keeps what it wrote and marks the run incomplete when it stops."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import evidence_lib.collectors as collectors
from evidence_lib.params import load_params
from tests.fixtures_run import DEMO_PARAMS


@pytest.mark.parametrize("failure", [KeyboardInterrupt, RuntimeError], ids=["interrupt", "crash"])
def test_stopped_run_is_incomplete_and_keeps_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: type[BaseException]
) -> None:
    """A page written before an interrupt or crash stays, and run.json says incomplete."""

    def collect_then_stop(store: Any, params: Any, scopes: Any, tick: Any) -> None:
        store.write_page(
            service="elasticache",
            operation="DescribeReplicationGroups",
            account_id="123456789012",
            region="us-east-1",
            request={"MaxRecords": 100},
            response={"ReplicationGroups": []},
        )
        raise failure()

    monkeypatch.setattr(collectors, "_open_accounts", lambda ctx: None)
    monkeypatch.setattr(collectors, "collect_accounts", collect_then_stop)

    with pytest.raises(failure):
        collectors.collect_run(load_params(DEMO_PARAMS), out_dir=tmp_path, progress=False)

    [run_dir] = tmp_path.iterdir()
    meta = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    assert (meta["status"], meta["pages"], meta["gaps"]) == ("incomplete", 1, 0)
    assert meta["finished_at"]
    assert len(list((run_dir / "raw").rglob("*.json"))) == 1
    assert not (run_dir / "manifest.json").exists()


def test_collect_accepts_a_parameters_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """collect() loads a parameters file given by path and passes the Params to collect_run."""
    seen: list[Any] = []
    monkeypatch.setattr(collectors, "collect_run", lambda p, out_dir: seen.append(p) or Path("x"))

    assert collectors.collect(str(DEMO_PARAMS)) == Path("x")

    assert seen[0].run.name == "demo"
