"""Rendering runs: every template on the demo run, PDF layout, offline use and failures."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import zipfile
from html import unescape
from pathlib import Path
from typing import Any

import papermill
import pytest
from pypdf import PdfReader

from evidence_lib.controls import load_catalog
from evidence_lib.reports import render_run
from evidence_lib.reports.naming import safe_name
from evidence_lib.reports.runner import RenderResult
from evidence_lib.runfolder import evaluate_run, verify_run
from tests.reports.synthetic import make_synthetic_run

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("reports")]


@pytest.fixture(scope="session")
def rendered_demo(demo_run: Path, tmp_path_factory: pytest.TempPathFactory) -> RenderResult:
    """Evaluate a copy of the demo run and render every control of it, once per session."""
    run_dir = tmp_path_factory.mktemp("rendered") / demo_run.name
    shutil.copytree(demo_run, run_dir)
    evaluate_run(run_dir)
    return render_run(run_dir, jobs=2, progress=False)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_every_control_renders_without_error(rendered_demo: RenderResult) -> None:
    """Every catalog control of the demo run has its notebook, HTML, PDF and CSV."""
    assert rendered_demo.ok, rendered_demo.errors
    reports = rendered_demo.index_path.parent / "reports"
    for control in load_catalog().controls:
        for suffix in (".ipynb", ".html", ".pdf", ".csv"):
            assert (reports / f"{safe_name(control.id)}{suffix}").is_file(), control.id


def _detail_tables(html: str) -> list[tuple[str, set[str]]]:
    """Return (last column header, squashed long cell texts) of every detail table."""
    tables = []
    for table in re.findall(r"<table class=.ev-table detail.>(.*?)</table>", html, re.S):
        headers = re.findall(r"<th>(.*?)</th>", table.split("</thead>")[0], re.S)
        cells = re.findall(r"<td>(.*?)</td>", table.split("</thead>")[1], re.S)
        texts = {_squash(unescape(c)) for c in cells if len(unescape(c)) >= 20}
        tables.append((_squash(unescape(headers[-1])), texts))
    return tables


def _unique_needles(html: str) -> list[tuple[str, set[str]]]:
    """Keep the cell texts found nowhere else in the report (not inside other cells or text)."""
    tables = _detail_tables(html)
    other = _squash(unescape(re.sub(r"<[^>]+>", " ", html)))
    kept = []
    for header, texts in tables:
        others = [t for h, ts in tables if h != header for t in ts]
        unique = {t for t in texts if other.count(t) == 1 and not any(t in o for o in others)}
        kept.append((header, unique))
    return kept


def test_pdf_pages_carry_control_id_and_table_headers(rendered_demo: RenderResult) -> None:
    """Each PDF page names the control; a page showing a table's rows shows its last header."""
    reports = rendered_demo.index_path.parent / "reports"
    for control in load_catalog().controls:
        name = safe_name(control.id)
        tables = _unique_needles((reports / f"{name}.html").read_text("utf-8"))
        pages = PdfReader(reports / f"{name}.pdf").pages
        checked = 0
        for number, page in enumerate(pages, start=1):
            text = page.extract_text()
            assert f"Control {control.id}" in text, f"{control.id} page {number}"
            assert f"of {len(pages)}" in text, f"{control.id} page {number}"
            squashed = _squash(text)
            for header, needles in tables:
                if any(n in squashed for n in needles):
                    checked += 1
                    assert header in squashed, f"{control.id} p{number} lost header {header}"
        assert checked, f"{control.id}: no table rows recognised in the PDF"


def test_html_has_no_code_and_no_external_urls(rendered_demo: RenderResult) -> None:
    """Report HTML holds outputs only, no scripts from the network, no machine paths."""
    run_dir = rendered_demo.index_path.parent
    for path in (run_dir / "reports").glob("*.html"):
        html = re.sub(r"data:[^'\"]+", "data:", path.read_text(encoding="utf-8"))
        assert "ERROR!" not in html
        assert "jp-InputArea" not in html and 'class="input"' not in html
        assert "open_report(" not in html
        assert not re.search(r"<script[^>]+src=", html)
        assert "cdn" not in html.lower() and "http://" not in html and "https://" not in html
        assert str(run_dir) not in html and str(Path.home()) not in html


def _report_texts(run_dir: Path) -> dict[str, str]:
    """Return the text of every generated html, ipynb and pdf of a rendered run."""
    paths = [*run_dir.glob("reports/*"), run_dir / "index.html", run_dir / "summary.pdf"]
    texts = {}
    for path in paths:
        if path.suffix == ".pdf":
            texts[path.name] = "\n".join(p.extract_text() for p in PdfReader(path).pages)
        elif path.suffix in (".html", ".ipynb"):
            texts[path.name] = path.read_text(encoding="utf-8")
    return texts


def test_reports_hold_no_secrets_or_machine_paths(rendered_demo: RenderResult) -> None:
    """No report names the run folder, the repo, a home folder, credentials or signatures."""
    run_dir = rendered_demo.index_path.parent
    repo = Path(__file__).resolve().parents[2]
    secrets = {os.environ[k] for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    needles = {str(run_dir), str(repo), "/root", "/home", "AWS_SECRET", "Signature=", "X-Amz-"}
    texts = _report_texts(run_dir)
    assert len(texts) >= 3 * len(load_catalog().controls)
    for name, text in texts.items():
        for needle in needles | secrets:
            assert needle not in text, f"{name} holds {needle!r}"
            assert _squash(needle) not in _squash(text), f"{name} holds {needle!r} (wrapped)"


def test_index_bundle_and_manifest(rendered_demo: RenderResult) -> None:
    """index.html links every control, bundle.zip holds the artefacts, the manifest verifies."""
    run_dir = rendered_demo.index_path.parent
    index = rendered_demo.index_path.read_text(encoding="utf-8")
    for control in load_catalog().controls:
        assert f"reports/{safe_name(control.id)}.pdf" in index
    assert (run_dir / "summary.pdf").is_file()
    names = zipfile.ZipFile(run_dir / "bundle.zip").namelist()
    assert {"run.json", "findings.csv", "gaps.csv", "manifest.json"} <= set(names)
    assert "reports/0706.10b1.pdf" in names
    assert verify_run(run_dir).ok


def _block_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket, "create_connection", refuse)
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")


def test_render_copied_run_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A copied run folder renders with no credentials and no network."""
    source = make_synthetic_run(tmp_path / "original")
    copy = tmp_path / "copy" / source.name
    shutil.copytree(source, copy)
    shutil.rmtree(source)
    _block_network(monkeypatch)
    result = render_run(copy, controls=["164.308(b)(1)", "0808.10b2"], jobs=2, progress=False)
    assert result.ok, result.errors
    assert (copy / "reports" / "164.308-b-1.pdf").is_file()
    states = json.loads((copy / "reports" / "index.json").read_text())["controls"]
    assert [s["control_id"] for s in states] == ["164.308(b)(1)", "0808.10b2"]


def test_failing_notebook_marks_error_and_others_render(tmp_path: Path) -> None:
    """A report that fails is ERROR in the index, says why, and the others still render."""
    run = make_synthetic_run(tmp_path)
    (run / "frames" / "snapshots.parquet").write_bytes(b"not parquet")
    result = render_run(run, controls=["1616.09l1", "0706.10b1"], jobs=1, progress=False)
    assert not result.ok
    assert set(result.errors) == {"1616.09l1"}
    html = (run / "reports" / "1616.09l1.html").read_text(encoding="utf-8")
    assert "ERROR: this report did not complete" in html
    assert (run / "reports" / "0706.10b1.pdf").is_file()
    assert "ERROR" in result.index_path.read_text(encoding="utf-8")


def test_investigate_notebook_answers_who_changed(tmp_path: Path) -> None:
    """The analyst notebook runs under papermill and lists who changed a group."""
    run = make_synthetic_run(tmp_path)
    out = tmp_path / "investigate.ipynb"
    nb = papermill.execute_notebook(
        str(NOTEBOOKS / "investigate.ipynb"),
        str(out),
        parameters={"run_dir": str(run), "resource_id": "rg-bad", "end": "2026-03-02"},
        kernel_name="python3",
        progress_bar=False,
    )
    text = json.dumps(nb["cells"])
    assert "StopLogging" in text and "ModifyReplicationGroup" in text
    assert "CreateSnapshot" not in text.split("Changes to rg-bad")[1].split("Findings about")[0]


def test_nbconvert_cli_exports_evidence_pdf(tmp_path: Path) -> None:
    """``jupyter nbconvert --to evidence-pdf`` works on a rendered report notebook."""
    run = make_synthetic_run(tmp_path)
    assert render_run(run, controls=["0805.01m1"], formats=["html"], jobs=1, progress=False).ok
    notebook = run / "reports" / "0805.01m1.ipynb"
    command = [sys.executable, "-m", "jupyter", "nbconvert", "--to", "evidence-pdf", str(notebook)]
    subprocess.run(command, check=True, capture_output=True, timeout=300)
    text = PdfReader(notebook.with_suffix(".pdf")).pages[0].extract_text()
    assert "Control 0805.01m1" in text
