"""The logging report and the investigate helpers on the collected demo run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import papermill
import pytest

from evidence_lib.reports import investigate
from evidence_lib.reports.rundata import RunData
from evidence_lib.runfolder import evaluate_run

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("reports")]


@pytest.fixture(scope="module")
def evaluated_demo(demo_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return an evaluated copy of the demo run (frames include cloudtrail_log_files)."""
    run_dir = tmp_path_factory.mktemp("logging-report") / demo_run.name
    shutil.copytree(demo_run, run_dir)
    evaluate_run(run_dir)
    return run_dir


def test_logging_notebook_shows_calendar_and_irregularities(evaluated_demo: Path) -> None:
    """The logging template renders the delivery calendar and the planted AUTH-off change."""
    nb = papermill.execute_notebook(
        str(NOTEBOOKS / "logging.ipynb"),
        str(evaluated_demo / "logging-1203.ipynb"),
        parameters={"run_dir": str(evaluated_demo), "control_id": "1203.09aa1"},
        kernel_name="python3",
        progress_bar=False,
    )
    text = json.dumps(nb["cells"])
    assert "CloudTrail log files delivered per day" in text and "data:image/png;base64" in text
    assert "security_weakening" in text and "authTokenUpdateStrategy DELETE" in text
    assert "Privileged actions (" in text and "no log files delivered on" in text


def _auth_off_group(evaluated_demo: Path, event_id: str) -> str:
    events = RunData(evaluated_demo).frame("cloudtrail_events")
    text = events.loc[events["event_id"].eq(event_id), "request_parameters"].iloc[0]
    return str(json.loads(text)["replicationGroupId"])


def test_who_changed_names_the_auth_off_change(demo_endpoint, evaluated_demo: Path) -> None:
    """changes_to on the demo run lists the planted ModifyReplicationGroup of its group."""
    planted = demo_endpoint.fleet.activity.irregularities["auth_disabled"][0]
    changes = investigate.changes_to(evaluated_demo, _auth_off_group(evaluated_demo, planted))
    assert planted in set(changes["event_id"])
    assert not changes["read_only"].fillna(False).any()


def test_live_lookup_returns_event_columns(demo_env, evaluated_demo: Path) -> None:
    """lookup_changes asks LookupEvents by resource name and returns the frame's columns."""
    planted = demo_env.fleet.activity.irregularities["auth_disabled"][0]
    group = _auth_off_group(evaluated_demo, planted)
    live = investigate.lookup_changes(demo_env.url, group)
    stored = investigate.changes_to(evaluated_demo, group)
    assert list(live.columns) == list(stored.columns)
    assert not live.empty and set(live["source"]) == {"lookup_events"}
    block = investigate.who_changed_live("", group)
    assert "skipped" in block.html
