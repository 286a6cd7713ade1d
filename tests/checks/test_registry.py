"""Tests of evaluate_findings, write_findings and the run context."""

from __future__ import annotations

import pandas as pd
import pytest

from evidence_lib.checks import (
    FINDINGS_COLUMNS,
    build_run_context,
    evaluate_findings,
    register,
    write_findings,
)
from evidence_lib.errors import SchemaError
from tests.checks.helpers import frame, params


def test_findings_expand_under_every_mapped_control():
    """A check mapped to four controls reports its row under each, with the fixed columns."""
    group = frame("replication_groups", {"resource_id": "rg", "multi_az_enabled": False})
    findings = evaluate_findings(
        {"replication_groups": group}, params(), {"started_at": "2026-05-01T00:00:00Z"}
    )
    assert list(findings.columns) == FINDINGS_COLUMNS
    rows = findings.loc[
        (findings["check_id"] == "multi_az_enabled") & (findings["resource_id"] == "rg")
    ]
    assert sorted(rows["control_id"]) == ["1410.09e2", "1601.12c1", "1618.09l1", "1620.09l1"]
    assert set(rows["status"]) == {"FAIL"}
    assert set(findings["status"]) <= {"PASS", "FAIL", "GAP", "MANUAL", "NOT_APPLICABLE"}


def test_empty_run_never_passes():
    """With no frames at all, nothing passes: account checks fail or are gaps."""
    findings = evaluate_findings({}, params(), None)
    assert not findings.empty
    assert "PASS" not in set(findings["status"])


def test_write_findings_round_trips(tmp_path):
    """findings.parquet and findings.csv hold the same rows."""
    findings = evaluate_findings({}, params(), None)
    parquet, csv = write_findings(tmp_path, findings)
    assert pd.read_parquet(parquet).shape == findings.shape
    assert pd.read_csv(csv, dtype=str).shape == findings.shape


def test_write_findings_refuses_wrong_columns(tmp_path):
    """A frame that is not findings is refused."""
    with pytest.raises(SchemaError):
        write_findings(tmp_path, pd.DataFrame({"x": [1]}))


def test_run_context_reads_run_meta_and_ends_period_at_midnight():
    """The collection time comes from run.json and the period's last day is included."""
    context = build_run_context(
        params(),
        {
            "finished_at": "2026-05-02T10:00:00Z",
            "period": {"start": "2026-04-01", "end": "2026-04-30"},
        },
    )
    assert context["as_of_time"].iloc[0] == pd.Timestamp("2026-05-02T10:00:00Z")
    assert context["period_end_time"].iloc[0] == pd.Timestamp("2026-05-01T00:00:00Z")


def test_register_refuses_a_second_function_for_one_id():
    """Two functions cannot share one check ID."""
    with pytest.raises(ValueError, match="registered twice"):
        register("multi_az_enabled", frames=[])(lambda frames, params: pd.DataFrame())
