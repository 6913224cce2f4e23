"""Charts of the dashboard as SVG, drawn on the server with matplotlib."""

from __future__ import annotations

import io

from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

# The colours of the staff pages; bars pass WCAG contrast against white.
BAR = "#1d5f8a"
TEXT = "#1f2328"


def _figure(height: float) -> Figure:
    figure = Figure(figsize=(5.2, height), dpi=100)
    FigureCanvasSVG(figure)  # no pyplot: no global state shared between requests
    return figure


def _svg(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    return buffer.getvalue()


def _style(axes) -> None:
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.tick_params(colors=TEXT, labelsize=11)


def columns(labels: list[str], values: list[int], title: str) -> bytes:
    """Vertical bars, e.g. suggestions per week."""
    figure = _figure(3.0)
    axes = figure.add_subplot()
    axes.bar(range(len(values)), values, color=BAR)
    axes.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.set_title(title, color=TEXT, fontsize=13, loc="left")
    _style(axes)
    return _svg(figure)


def bars(labels: list[str], values: list[int], title: str) -> bytes:
    """Horizontal bars, largest first, e.g. suggestions per topic."""
    figure = _figure(0.6 + 0.4 * max(1, len(labels)))
    axes = figure.add_subplot()
    positions = range(len(values))
    axes.barh(positions, values, color=BAR)
    axes.set_yticks(positions, labels)
    axes.invert_yaxis()
    axes.xaxis.get_major_locator().set_params(integer=True)
    for position, value in zip(positions, values, strict=True):
        axes.annotate(
            str(value),
            (value, position),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            color=TEXT,
        )
    axes.set_title(title, color=TEXT, fontsize=13, loc="left")
    _style(axes)
    return _svg(figure)


def shares(labels: list[str], percents: list[float | None], title: str) -> bytes:
    """Columns of a share in percent; a week without ratings has no column."""
    figure = _figure(3.0)
    axes = figure.add_subplot()
    positions = [i for i, value in enumerate(percents) if value is not None]
    axes.bar(positions, [percents[i] for i in positions], color=BAR)
    axes.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    axes.set_ylim(0, 100)
    axes.yaxis.set_major_formatter(lambda value, _: f"{value:.0f} %")
    axes.set_title(title, color=TEXT, fontsize=13, loc="left")
    _style(axes)
    return _svg(figure)
