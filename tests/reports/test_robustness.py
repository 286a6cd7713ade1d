"""Render robustness: timed-out cells, template lookup and the packaged templates."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell

from evidence_lib.errors import RenderError
from evidence_lib.reports import render_run
from evidence_lib.reports.runner import (
    PACKAGED_TEMPLATE_DIR,
    TEMPLATE_DIR,
    find_template,
    template_dirs,
)
from tests.reports.synthetic import make_synthetic_run

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("reports")]
DOMAINS = ["baa", "engine", "availability", "network", "encryption", "backups", "logging"]


def _templates_with_sleep(target: Path, domain: str) -> Path:
    """Copy the real templates to ``target`` and append a sleeping cell to one of them."""
    shutil.copytree(TEMPLATE_DIR, target)
    path = target / f"{domain}.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(new_code_cell("import time\ntime.sleep(120)"))
    nbformat.write(nb, path)
    return target


def test_timed_out_cell_marks_error_and_others_render(tmp_path: Path) -> None:
    """A cell past its timeout makes that report ERROR; the other report still renders."""
    run = make_synthetic_run(tmp_path / "run")
    templates = _templates_with_sleep(tmp_path / "templates", "network")
    result = render_run(
        run,
        controls=["0805.01m1", "164.308(b)(1)"],
        jobs=1,
        progress=False,
        template_dir=templates,
        timeout_seconds=3,
    )
    assert not result.ok
    assert set(result.errors) == {"0805.01m1"}
    assert "timed out" in result.errors["0805.01m1"].lower()
    assert result.timings["0805.01m1"].seconds < 100
    index = result.index_path.read_text(encoding="utf-8")
    row = index.split("<td>0805.01m1")[1].split("</tr>")[0]
    assert "<td>ERROR<br>" in row and "timed out" in row
    assert "ERROR" not in index.split("<td>164.308(b)(1)")[1].split("</tr>")[0]
    html = (run / "reports" / "0805.01m1.html").read_text(encoding="utf-8")
    assert "ERROR: this report did not complete" in html
    assert (run / "reports" / "164.308-b-1.pdf").stat().st_size > 1000
    assert (run / "summary.pdf").is_file()


def test_find_template_names_every_folder_searched(tmp_path: Path) -> None:
    """A missing template is a RenderError naming the template and where it looked."""
    with pytest.raises(RenderError, match="nowhere.ipynb not found; looked in: ") as raised:
        find_template("nowhere")
    assert str(TEMPLATE_DIR) in str(raised.value)
    assert str(PACKAGED_TEMPLATE_DIR) in str(raised.value)
    with pytest.raises(RenderError, match=str(tmp_path)):
        find_template("engine", tmp_path)


def test_template_dir_overrides_the_defaults(tmp_path: Path) -> None:
    """An explicit template folder is the only one searched."""
    shutil.copy(TEMPLATE_DIR / "baa.ipynb", tmp_path / "baa.ipynb")
    assert template_dirs(tmp_path) == [tmp_path.resolve()]
    assert find_template("baa", tmp_path) == tmp_path.resolve() / "baa.ipynb"


@pytest.mark.parametrize("name", [*DOMAINS, "summary"])
def test_packaged_templates_match_the_source(name: str) -> None:
    """The package's template folder serves the same notebooks as <repo>/notebooks."""
    packaged = PACKAGED_TEMPLATE_DIR / f"{name}.ipynb"
    assert packaged.read_bytes() == (TEMPLATE_DIR / f"{name}.ipynb").read_bytes()
