"""The checks over the collected demo run: the seeded weaknesses are found by name."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from evidence_lib.checks import evaluate_findings
from evidence_lib.frames import build_frames
from evidence_lib.runfolder import open_run

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_findings(demo_run) -> pd.DataFrame:
    """Evaluate the demo run's frames into findings, leaving the run folder untouched."""
    meta = json.loads((demo_run / "run.json").read_text(encoding="utf-8"))
    return evaluate_findings(build_frames(demo_run), open_run(demo_run).params, meta)


def _status(findings: pd.DataFrame, check_id: str, resource_id: str) -> str:
    rows = findings.loc[
        (findings["check_id"] == check_id) & (findings["resource_id"] == resource_id)
    ]
    assert not rows.empty, f"no {check_id} row for {resource_id}"
    return str(rows["status"].iloc[0])


@pytest.mark.parametrize(
    ("check_id", "resource_id", "status"),
    [
        ("replicas_across_azs", "nwh-scheduling-cache", "FAIL"),
        ("automatic_failover_enabled", "nwh-scheduling-cache", "PASS"),
        ("encryption_in_transit", "nwh-provider-directory", "FAIL"),
        ("security_groups_restricted", "nwh-claims-cache-legacy", "FAIL"),
        ("security_groups_restricted", "nwh-provider-directory", "FAIL"),
        ("recent_backup_exists", "nwh-scheduling-cache", "FAIL"),
        ("backup_notifications", "nwh-telehealth-valkey", "FAIL"),
        ("trail_enabled_multi_region", "nwh-legacy-trail", "FAIL"),
    ],
)
def test_demo_weaknesses_are_found(demo_findings, check_id, resource_id, status):
    """Each weakness seeded in the demo fleet shows as the expected status on its resource."""
    assert _status(demo_findings, check_id, resource_id) == status


def test_demo_overdue_security_update_fails(demo_findings):
    """The legacy group's overdue security update fails service_updates_applied."""
    rows = demo_findings.loc[
        (demo_findings["check_id"] == "service_updates_applied")
        & demo_findings["resource_id"].str.endswith("/nwh-claims-cache-legacy")
    ]
    assert "FAIL" in set(rows["status"])


def test_demo_findings_cover_every_control(demo_findings):
    """Every control of the catalog has findings in the demo run."""
    from evidence_lib.controls import control_ids

    assert set(control_ids()) <= set(demo_findings["control_id"])
