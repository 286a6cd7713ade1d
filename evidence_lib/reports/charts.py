"""Static matplotlib charts (Agg backend), inlined into the report as PNG images."""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from evidence_lib.reports.tables import HtmlBlock, esc  # noqa: E402

STATUS_COLOURS = {
    "PASS": "#2e7d32",
    "FAIL": "#c62828",
    "GAP": "#ef6c00",
    "MANUAL": "#1565c0",
    "NOT_APPLICABLE": "#9e9e9e",
    "ERROR": "#6a1b9a",
}
matplotlib.rcParams.update({"font.size": 9})


def figure_block(fig: Figure, alt: str) -> HtmlBlock:
    """Return ``fig`` as an inline PNG ``<img>`` and close it.

    PNG rather than SVG: WeasyPrint lays out a matplotlib SVG several times slower.
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return HtmlBlock(
        f"<figure class='chart'><img alt='{esc(alt)}' src='data:image/png;base64,{data}'/>"
        f"<figcaption>{esc(alt)}</figcaption></figure>"
    )


def empty_chart(title: str, message: str) -> HtmlBlock:
    """Return a note in place of a chart that has nothing to show."""
    return HtmlBlock(f"<p class='note'>{esc(title)}: {esc(message)}</p>")


def status_chart(counts: Mapping[str, int], title: str) -> HtmlBlock:
    """Return a horizontal bar chart of finding counts by status."""
    if not any(counts.values()):
        return empty_chart(title, "no findings")
    labels = list(counts)
    fig, ax = plt.subplots(figsize=(7, 0.4 * len(labels) + 0.8))
    ax.barh(labels, [counts[s] for s in labels], color=[STATUS_COLOURS[s] for s in labels])
    ax.invert_yaxis()
    ax.set_xlabel("findings")
    ax.set_title(title)
    return figure_block(fig, title)


def stacked_bars(table: pd.DataFrame, title: str, xlabel: str, colours: list[str]) -> HtmlBlock:
    """Return a horizontal stacked bar chart: one bar per index label, one colour per column."""
    if table.empty:
        return empty_chart(title, "no data in this run")
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(table) + 1.2))
    left = pd.Series(0.0, index=table.index)
    for column, colour in zip(table.columns, colours, strict=False):
        values = table[column].astype("float64")
        ax.barh([str(i) for i in table.index], values, left=left, color=colour, label=str(column))
        left = left + values
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=7)
    return figure_block(fig, title)


def palette(count: int) -> list[str]:
    """Return ``count`` distinct colours."""
    cmap = plt.get_cmap("tab10")
    return [matplotlib.colors.to_hex(cmap(i % 10)) for i in range(count)]
