"""nbconvert exporters of the evidence reports: HTML (code hidden) and PDF (WeasyPrint).

Registered as the nbconvert exporters ``evidence-html`` and ``evidence-pdf``, so that
``jupyter nbconvert --to evidence-pdf reports/0706.10b1.ipynb`` works on any report notebook.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Any

from nbconvert.exporters import HTMLExporter
from nbformat import NotebookNode
from traitlets import default

from evidence_lib.errors import RenderError

logger = logging.getLogger(__name__)

TEMPLATE_DIR = Path(__file__).parent / "templates"
CSS_PATH = TEMPLATE_DIR / "evidence" / "evidence.css"


@functools.cache
def _font_config() -> Any:
    """Return this process's WeasyPrint font configuration, shared by every document."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def warm_up_pdf() -> None:
    """Import WeasyPrint and load the fonts now, so that the first report does not wait."""
    export_pdf_bytes("<!DOCTYPE html><html><body><p>warm-up</p></body></html>")


def export_pdf_bytes(html: str) -> bytes:
    """Return the PDF of a report's HTML, printed with its print CSS (A4 landscape).

    Parameters
    ----------
    html : str
        A complete HTML document with inlined CSS and images.

    Returns
    -------
    bytes
        The PDF document.
    """
    import weasyprint

    # Only inline data: URLs are fetched; any other URL fails the export (reports are offline).
    fetcher = weasyprint.urls.URLFetcher(allowed_protocols=["data"], fail_on_errors=True)
    document = weasyprint.HTML(string=html, url_fetcher=fetcher, media_type="print")
    pdf = document.write_pdf(font_config=_font_config())
    if pdf is None:
        raise RenderError("WeasyPrint returned no PDF")
    return bytes(pdf)


class EvidenceHTMLExporter(HTMLExporter):
    """HTML of a report: outputs only, own CSS inlined, no scripts and no external URLs."""

    export_from_notebook = "Evidence report HTML"

    @default("template_name")
    def _default_template_name(self) -> str:
        return "evidence"

    @default("extra_template_basedirs")
    def _default_extra_template_basedirs(self) -> list[str]:
        return [str(TEMPLATE_DIR)]

    @default("exclude_input")
    def _default_exclude_input(self) -> bool:
        return True

    @default("exclude_input_prompt")
    def _default_exclude_input_prompt(self) -> bool:
        return True

    @default("exclude_output_prompt")
    def _default_exclude_output_prompt(self) -> bool:
        return True

    def _init_resources(self, resources: dict[str, Any] | None) -> dict[str, Any]:
        resources = super()._init_resources(resources)
        resources["evidence_css"] = CSS_PATH.read_text(encoding="utf-8")
        return resources


class EvidencePDFExporter(EvidenceHTMLExporter):
    """PDF of a report: the evidence HTML printed by WeasyPrint."""

    export_from_notebook = "Evidence report PDF"
    output_mimetype = "application/pdf"

    @default("file_extension")
    def _default_file_extension(self) -> str:
        return ".pdf"

    @default("template_file")
    def _default_template_file(self) -> str:
        return "index.html.j2"

    def from_notebook_node(  # type: ignore[override]
        self, nb: NotebookNode, resources: dict[str, Any] | None = None, **kw: Any
    ) -> tuple[bytes, dict[str, Any]]:
        """Return the PDF bytes of ``nb`` and the nbconvert resources."""
        html, resources = super().from_notebook_node(nb, resources, **kw)
        resources["output_extension"] = ".pdf"
        return export_pdf_bytes(html), resources
