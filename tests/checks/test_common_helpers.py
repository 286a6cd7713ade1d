"""Tests of the shared check helpers rewritten for speed: decide, lookup, versions, dates."""

from __future__ import annotations

import pandas as pd

from evidence_lib.checks import evaluate_findings
from evidence_lib.checks.common import date_text, decide, findings, lookup, parse_versions
from evidence_lib.controls import load_catalog
from tests.checks.helpers import frame, params


def test_decide_first_matching_rule_wins_and_na_is_no_hit():
    """The first rule whose mask holds decides; a <NA> mask and a misaligned index never hit."""
    index = pd.Index([10, 20, 30, 40])
    first = pd.Series(pd.array([True, None, False, False], dtype="boolean"), index=index)
    second = pd.Series([True, True, False, True], index=[40, 30, 20, 10])
    detail = pd.Series(["a", "b", "c", None], index=index, dtype="string")
    status, reason = decide(
        index, [(first, "FAIL", "first"), (second, "GAP", detail)], ("PASS", "ok")
    )
    assert status.tolist() == ["FAIL", "PASS", "GAP", "GAP"]
    assert reason.iloc[:3].tolist() == ["first", "ok", "c"] and pd.isna(reason.iloc[3])
    assert str(status.dtype) == "string" and status.index.equals(index)


def test_lookup_takes_first_match_and_marks_misses():
    """Keys match on every column (<NA> with <NA>, as a merge); the first table row wins."""
    left = pd.DataFrame(
        {"a": pd.array(["x", "x", None, "z"], dtype="string"), "b": [1, 2, 3, 1]},
        index=[7, 8, 9, 6],
    )
    table = pd.DataFrame(
        {
            "k": pd.array(["x", "x", None], dtype="string"),
            "n": [1, 1, 3],
            "v": pd.array(["first", "second", "nan-key"], dtype="string"),
            "size": [5, 6, 7],
        }
    )
    found = lookup(left, table, {"a": "k", "b": "n"}, ["v", "size", "matched"])
    assert found.index.tolist() == [7, 8, 9, 6]
    assert found["v"].tolist()[0] == "first" and found["v"].tolist()[2] == "nan-key"
    assert found["v"].isna().tolist() == [False, True, False, True]
    assert found["matched"].tolist() == [True, False, True, False]
    assert found["size"].isna().tolist() == [False, True, False, True]


def test_parse_versions_and_dates_keep_missing_values_apart():
    """Distinct values parse once; a missing version sorts as 0 and a missing date shows '?'."""
    versions = pd.Series(["7.1.0", None, "6.x", "7.1.0", "latest"], index=[4, 3, 2, 1, 0])
    parsed = parse_versions(versions)
    assert parsed.index.tolist() == [4, 3, 2, 1, 0]
    assert parsed["sort_key"].tolist() == [7_001_000, 0, 6_000_000, 7_001_000, 0]
    assert parsed["major"].isna().tolist() == [False, True, False, False, True]
    stamps = pd.Series(
        pd.to_datetime(["2026-01-31", None, "2026-01-31"], utc=True), index=[2, 1, 0]
    )
    assert date_text(stamps).tolist() == ["2026-01-31", "?", "2026-01-31"]


def test_findings_align_status_by_index_and_blank_missing_evidence():
    """Findings rows follow the base's rows; missing raw paths become empty evidence."""
    base = frame(
        "replication_groups",
        {"resource_id": "a", "raw_path": "p"},
        {"resource_id": "b", "raw_path": None},
    )
    base.index = pd.Index([5, 6])
    status = pd.Series(["FAIL", "PASS"], index=[6, 5], dtype="string")
    rows = findings(base, "multi_az_enabled", status, "why")
    assert rows["status"].tolist() == ["PASS", "FAIL"] and rows["evidence"].tolist() == ["p", ""]
    assert rows.index.equals(pd.RangeIndex(2)) and set(rows.dtypes.astype(str)) == {"string"}


def test_findings_follow_catalog_order_of_controls_and_checks():
    """Rows come control by control, and within a control check by check, in catalog order."""
    group = frame("replication_groups", {"resource_id": "rg-1"}, {"resource_id": "rg-2"})
    out = evaluate_findings({"replication_groups": group}, params(), {"collected_at": "2026-05-01"})
    expected = [
        (control.id, check)
        for control in load_catalog().controls
        for check in control.checks
        if check in set(out["check_id"])
    ]
    seen = list(dict.fromkeys(zip(out["control_id"], out["check_id"], strict=True)))
    assert seen == expected
    per_pair = out.groupby(["control_id", "check_id"], sort=False)["resource_id"].agg(list)
    assert all(ids == sorted(ids) for ids in per_pair if set(ids) == {"rg-1", "rg-2"})
