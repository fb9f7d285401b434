"""Charts of the results as PNG images, drawn on the server with matplotlib (no internet).

Each chart is registered by the name of the table it draws (a registry, like the exports),
so the web page, the DOCX and the PDF show the same pictures. Figures are made with
``matplotlib.figure.Figure`` and the Agg canvas directly: no pyplot, no global figure
state, safe in the web server's threads (the rc settings are applied under a lock). Text is
set in DejaVu Sans, which matplotlib ships and which covers every Vietnamese letter.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Sequence
from typing import Any

from results.labels import column_label, label, number, text
from results.types import LANGUAGE_GROUPS, OUTCOMES, Results, Table
from station.errors import NotFound

PALETTE = ("#1f5fa8", "#e07b1a", "#2e9e5b", "#c23b3b", "#7b5ea7", "#8c6d3f", "#d16aa8",
           "#4b5563", "#0f9fb5", "#b5a30f")
OUTCOME_COLOURS = {"on_time": "#2e9e5b", "late": "#e07b1a", "overdue": "#c23b3b",
                   "pending": "#9ca3af"}
GROUP_COLOURS = {"vi": "#c23b3b", "foreign": "#1f5fa8", "minority": "#2e9e5b"}
RC = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": "#e5e7eb",
    "axes.axisbelow": True,
}
_LOCK = threading.Lock()

Draw = Callable[[Any, Table, str], None]


def _months(table: Table, lang: str) -> list[str]:
    return [label("month", r["month"], lang, short=True) for r in table.rows]


def _x_axis(ax: Any, names: Sequence[str]) -> None:
    step = max(1, (len(names) + 23) // 24)  # at most about 24 labels
    ticks = list(range(0, len(names), step))
    rotate = len(ticks) > 8
    ax.set_xticks(ticks, [names[i] for i in ticks], rotation=45 if rotate else 0,
                  ha="right" if rotate else "center")


def _y_numbers(ax: Any, lang: str, axis: Any = None) -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    target = axis or ax.yaxis
    target.set_major_locator(MaxNLocator(integer=True, nbins=6))
    target.set_major_formatter(FuncFormatter(lambda v, _pos: number(v, lang)))


def _legend(ax: Any, **kwargs: Any) -> None:
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False,
                  **kwargs)


def _stacked(ax: Any, table: Table, keys: Sequence[str], names: Sequence[str],
             colours: Sequence[str], unit: str, lang: str) -> None:
    x = list(range(len(table.rows)))
    bottom = [0.0] * len(x)
    for key, name, colour in zip(keys, names, colours, strict=True):
        values = [float(r.get(key) or 0) for r in table.rows]
        ax.bar(x, values, bottom=bottom, label=name, color=colour, width=0.7)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    _x_axis(ax, _months(table, lang))
    ax.set_ylabel(text(unit, lang))
    _y_numbers(ax, lang)
    _legend(ax)


def _by_month(keys: Callable[[Table], list[str]], unit: str,
              colours: Callable[[str], str] | None = None) -> Draw:
    def draw(ax: Any, table: Table, lang: str) -> None:
        chosen = keys(table)
        columns = {c.key: c for c in table.columns}
        names = [column_label(columns[k], lang) for k in chosen]
        colour = [colours(k) if colours else PALETTE[i % len(PALETTE)]
                  for i, k in enumerate(chosen)]
        _stacked(ax, table, chosen, names, colour, unit, lang)

    return draw


def _series(table: Table) -> list[str]:
    """The value columns of a month table, without the month and the total."""
    return [c.key for c in table.columns[1:] if c.key != "total"]


def _ontime(ax: Any, table: Table, lang: str) -> None:
    columns = {c.key: c for c in table.columns}
    _stacked(ax, table, OUTCOMES, [column_label(columns[o], lang) for o in OUTCOMES],
             [OUTCOME_COLOURS[o] for o in OUTCOMES], "Reports", lang)
    rates = [r.get("rate") for r in table.rows]
    if any(v is not None for v in rates):
        from matplotlib.ticker import FuncFormatter

        right = ax.twinx()
        x = [i for i, v in enumerate(rates) if v is not None]
        right.plot(x, [100 * rates[i] for i in x], color="#111827", marker="o", linewidth=1.5,
                   label=text("On-time rate", lang))
        right.set_ylim(0, 105)
        right.set_ylabel(text("On-time rate", lang) + " (%)")
        right.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: number(v, lang)))
        right.grid(False)
        right.spines["right"].set_visible(True)
        handles, labels = ax.get_legend_handles_labels()
        more, more_labels = right.get_legend_handles_labels()
        ax.legend(handles + more, labels + more_labels, loc="upper left",
                  bbox_to_anchor=(1.12, 1.0), frameon=False)


def _partners(ax: Any, table: Table, lang: str) -> None:
    codes = [r["channel"] for r in table.rows]
    x = list(range(len(codes)))
    columns = {c.key: c for c in table.columns}
    width = 0.38
    for offset, key, colour in ((-width / 2, "packages", PALETTE[0]),
                                (width / 2, "downloads", PALETTE[1])):
        ax.bar([i + offset for i in x], [r.get(key) or 0 for r in table.rows], width=width,
               label=column_label(columns[key], lang), color=colour)
    ax.set_xticks(x, codes)
    _y_numbers(ax, lang)
    _legend(ax)


def _qc(ax: Any, table: Table, lang: str) -> None:
    columns = {c.key: c for c in table.columns}
    x = list(range(len(table.rows)))
    for group in LANGUAGE_GROUPS:
        ax.plot(x, [r.get(group) or 0 for r in table.rows], marker="o", linewidth=1.5,
                color=GROUP_COLOURS[group], label=column_label(columns[group], lang))
    _x_axis(ax, _months(table, lang))
    ax.set_ylabel(text("Findings", lang))
    _y_numbers(ax, lang)
    _legend(ax)


# table name -> how to draw it
CHARTS: dict[str, Draw] = {
    "produced_by_month": _by_month(_series, "Reports"),
    "ontime_by_month": _ontime,
    "subtitled_by_month": _by_month(lambda _t: list(LANGUAGE_GROUPS), "Minutes",
                                    GROUP_COLOURS.__getitem__),
    "aired_by_month": _by_month(_series, "Minutes"),
    "delivery_by_partner": _partners,
    "qc_by_month": _qc,
}


def available(results: Results) -> list[str]:
    """The charts this result can draw, in the review's order."""
    return [name for name in results.tables if name in CHARTS]


def render(table: Table, lang: str = "vi", *, width: float = 8.0, height: float = 3.2,
           dpi: int = 110) -> bytes:
    """The chart of ``table`` as PNG bytes ("no data" written on it when it is all zero)."""
    draw = CHARTS.get(table.name)
    if draw is None:
        raise NotFound("No chart for {name}", name=table.name)
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with _LOCK, matplotlib.rc_context(RC):
        figure = Figure(figsize=(width, height), dpi=dpi, layout="constrained")
        FigureCanvasAgg(figure)
        ax = figure.add_subplot()
        if table.empty or not table.rows:
            ax.set_axis_off()
            ax.text(0.5, 0.5, text("No data for this period", lang), ha="center",
                    va="center", fontsize=12, color="#6b7280", transform=ax.transAxes)
        else:
            draw(ax, table, lang)
        out = io.BytesIO()
        figure.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()


def render_all(results: Results, lang: str = "vi", **options: Any) -> dict[str, bytes]:
    """Every chart of ``results`` (for the DOCX and the PDF)."""
    return {name: render(results.tables[name], lang, **options) for name in available(results)}
