"""Unit tests of report naming, error detection, investigation helpers and HTML blocks."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from evidence_lib.errors import RenderError
from evidence_lib.reports.investigate import changes_to
from evidence_lib.reports.naming import safe_name
from evidence_lib.reports.notebook import open_report
from evidence_lib.reports.worker import notebook_error
from tests.reports.synthetic import make_synthetic_run


@pytest.mark.parametrize(
    ("control_id", "expected"),
    [
        pytest.param("164.308(b)(1)", "164.308-b-1", id="hipaa"),
        pytest.param("0706.10b1", "0706.10b1", id="hitrust"),
        pytest.param("a/b\\c:d", "a-b-c-d", id="separators"),
    ],
)
def test_safe_name(control_id: str, expected: str) -> None:
    """Control IDs map to portable, readable file names."""
    assert safe_name(control_id) == expected


def _executed(*cells: nbformat.NotebookNode) -> nbformat.NotebookNode:
    return new_notebook(cells=list(cells))


def test_notebook_error_none_when_complete() -> None:
    """A notebook whose cells all ran without error has no error."""
    cell = new_code_cell("1", execution_count=1)
    cell.metadata["papermill"] = {"status": "completed"}
    assert notebook_error(_executed(cell)) is None


def test_notebook_error_reports_raised_cell() -> None:
    """An error output is reported with its cell, name and message."""
    cell = new_code_cell("x", execution_count=1)
    cell.outputs = [new_output("error", ename="KeyError", evalue="'x'", traceback=[])]
    assert notebook_error(_executed(cell)) == "cell 0: KeyError: 'x'"


def test_notebook_error_reports_cell_that_never_finished() -> None:
    """A timed-out cell leaves no error output but is still reported."""
    done = new_code_cell("1", execution_count=1)
    hung = new_code_cell("import time; time.sleep(999)", execution_count=None)
    hung.metadata["papermill"] = {"status": "running"}
    assert "cell 1 did not complete" in str(notebook_error(_executed(done, hung)))


def test_changes_to_filters_resource_and_dates(tmp_path: Path) -> None:
    """Only write events naming the resource inside the period are returned."""
    run = make_synthetic_run(tmp_path)
    changes = changes_to(run, "rg-bad", "2026-03-02", "2026-03-03")
    assert list(changes["event_name"]) == ["StopLogging", "CreateSnapshot"]
    assert changes_to(run, "rg-other").empty


def test_open_report_refuses_unknown_control(tmp_path: Path) -> None:
    """An unknown control ID fails with the known IDs listed."""
    run = make_synthetic_run(tmp_path)
    with pytest.raises(RenderError, match="0706.10b1"):
        open_report(run, "9999.99z9")


def test_check_results_colour_rows_and_show_threshold(tmp_path: Path) -> None:
    """Check results colour every row by status and print the threshold used."""
    run = make_synthetic_run(tmp_path)
    html = open_report(run, "1616.09l1").check_results().html
    assert "class='status-FAIL'" in html or "class='status-PASS'" in html
    assert "Threshold used: 35" in html
    assert "<thead>" in html
