"""HTML blocks and tables the report notebooks display (offline, no scripts)."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

# Rows of a detail table printed in the PDF; the CSS hides the rest (see evidence.css).
PDF_ROW_CAP = 40


@dataclass(frozen=True)
class HtmlBlock:
    """A piece of report HTML; Jupyter displays it through ``_repr_html_``."""

    html: str

    def _repr_html_(self) -> str:
        return self.html

    def __str__(self) -> str:
        return self.html


def join_blocks(blocks: Iterable[HtmlBlock]) -> HtmlBlock:
    """Return one block holding ``blocks`` in order."""
    return HtmlBlock("\n".join(block.html for block in blocks))


def esc(value: object) -> str:
    """Return ``value`` as escaped HTML text (``<NA>`` and None as an empty string)."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return html.escape(str(value))


def section(title: str, body: str, level: int = 2) -> HtmlBlock:
    """Return a titled section."""
    return HtmlBlock(f"<section><h{level}>{esc(title)}</h{level}>{body}</section>")


def key_value_table(rows: Sequence[tuple[str, object]]) -> str:
    """Return a two-column table of labels and values."""
    body = "".join(f"<tr><th scope='row'>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
    return f"<table class='ev-table kv'><tbody>{body}</tbody></table>"


def data_table(
    frame: pd.DataFrame,
    columns: Sequence[str] | None = None,
    row_cap: int | None = None,
    csv_name: str = "",
) -> str:
    """Return an HTML table of ``frame``, rows coloured by a ``status`` column if present.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows to show.
    columns : sequence of str, optional
        Columns to show, in order (default: all).
    row_cap : int, optional
        Show at most this many rows, with a note that says so.
    csv_name : str
        Name of the CSV holding every row, named in the notes.

    Returns
    -------
    str
        ``<table class="ev-table detail">`` with a repeated ``thead``; the PDF prints at most
        ``PDF_ROW_CAP`` rows and a note pointing at the CSV.
    """
    columns = list(columns or frame.columns)
    shown = frame if row_cap is None else frame.head(row_cap)
    head = "".join(f"<th>{esc(c)}</th>" for c in columns)
    rows = []
    for record in shown.loc[:, columns].itertuples(index=False):
        status = esc(getattr(record, "status", "")) if "status" in columns else ""
        cells = "".join(f"<td>{esc(v)}</td>" for v in record)
        rows.append(f"<tr class='status-{status}'>{cells}</tr>")
    table = (
        f"<table class='ev-table detail'><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    return table + _cap_notes(len(frame), len(shown), csv_name)


def _cap_notes(total: int, shown: int, csv_name: str) -> str:
    where = f" in {esc(csv_name)}" if csv_name else ""
    notes = []
    if shown < total:
        notes.append(f"<p class='note'>Showing {shown} of {total} rows; all rows are{where}.</p>")
    if shown > PDF_ROW_CAP:
        notes.append(
            f"<p class='note print-only'>The PDF lists the first {PDF_ROW_CAP} of these "
            f"rows; all rows are{where}.</p>"
        )
    if total == 0:
        notes.append("<p class='note'>No rows.</p>")
    return "".join(notes)


def status_badges(counts: dict[str, int]) -> str:
    """Return one coloured badge per status with its count."""
    badges = "".join(
        f"<span class='badge status-{esc(status)}'>{esc(status)}: {count}</span>"
        for status, count in counts.items()
    )
    return f"<p class='badges'>{badges}</p>"
