"""Plotly figures built server-side with plotly's Python API, handed to the page as JSON.

The page embeds a figure with ``json_script`` and ``static/js/charts.js`` draws it with the
local ``plotly.min.js``. Backgrounds are transparent and colours are named by role in each
trace's ``meta`` ("consumption", "solar", "battery", "grid"): charts.js fills in the CSS variables,
so one figure reads well in the light and the dark palette. Times on the x axis are the
home's wall-clock times (ISO strings without offset), so plotly shows local time as is.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import plotly.graph_objects as go
import plotly.io as pio

from analytics.selectors import BalancePoint, HomeShape

BASE_LAYOUT = {
    "paper_bgcolor": "rgba(0,0,0,0)",
    "plot_bgcolor": "rgba(0,0,0,0)",
    "margin": {"l": 56, "r": 16, "t": 16, "b": 40},
    "legend": {"orientation": "h", "y": -0.18, "x": 0},
    "hovermode": "x unified",
    "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12},
}


def as_json_data(figure: go.Figure) -> dict:
    """The figure as plain JSON data (what ``json_script`` embeds)."""
    return json.loads(pio.to_json(figure, validate=False))


def balance_figure(points: Sequence[BalancePoint], shape: HomeShape) -> dict:
    """24-hour power of the home: consumption, solar, battery and grid lines (W), local time.

    Each trace's ``meta`` is its stable id, which the live script extends and charts.js colours by:
    "consumption", "solar", "battery", "grid".
    """
    x = [p.time_local for p in points]
    series = [
        ("consumption", "Consumption", shape.shows_consumption, [p.consumption_w for p in points]),
        ("solar", "Solar", shape.has_solar, [p.solar_w for p in points]),
        ("battery", "Battery (+ charging)", shape.has_battery, [p.battery_w for p in points]),
        ("grid", "Grid (+ import)", shape.has_meter, [p.grid_w for p in points]),
    ]
    figure = go.Figure()
    for uid, label, present, values in series:
        if not present:
            continue
        figure.add_trace(
            go.Scatter(
                x=x,
                y=[round(v, 1) if v is not None else None for v in values],
                name=label,
                meta=uid,
                mode="lines",
                line={"width": 2, "shape": "spline", "smoothing": 0.4},
                fill="tozeroy" if uid == "consumption" else None,
                hovertemplate="%{y:,.0f} W<extra>" + label + "</extra>",
            )
        )
    figure.update_layout(
        **BASE_LAYOUT,
        height=300,
        yaxis={"title": {"text": "Power (W)"}, "zeroline": True, "tickformat": ",.0f"},
        xaxis={"type": "date"},
    )
    return as_json_data(figure)


def energy_bars_figure(
    buckets: Sequence[str],
    groups: Sequence[tuple[str, Sequence[float | None]]],
    *,
    x_title: str,
    x_type: str = "category",
) -> dict:
    """Stacked bars of energy (kWh): one trace per group, one bar per bucket label.

    ``groups`` is ``[(label, kwh per bucket), ...]``; negative values (export, discharge) stack
    below zero ("relative" bar mode); None (no data) stays None: a gap, not a zero bar.
    """
    figure = go.Figure()
    for label, values in groups:
        figure.add_trace(
            go.Bar(
                x=list(buckets),
                y=[round(v, 3) if v is not None else None for v in values],
                name=label,
                hovertemplate="%{y:,.2f} kWh<extra>" + label.replace("<", "&lt;") + "</extra>",
            )
        )
    figure.update_layout(
        **BASE_LAYOUT,
        barmode="relative",
        height=380,
        yaxis={"title": {"text": "Energy (kWh)"}, "tickformat": ",.2f"},
        xaxis={"type": x_type, "title": {"text": x_title}},
    )
    return as_json_data(figure)


def power_lines_figure(
    times_local: Sequence[str], groups: Sequence[tuple[str, Sequence[float | None]]], *, height: int = 380
) -> dict:
    """Power curves (W): one line per group over local times."""
    figure = go.Figure()
    for label, values in groups:
        figure.add_trace(
            go.Scatter(
                x=list(times_local),
                y=[round(v, 1) if v is not None else None for v in values],
                name=label,
                mode="lines",
                line={"width": 2},
                connectgaps=False,
                hovertemplate="%{y:,.0f} W<extra>" + label.replace("<", "&lt;") + "</extra>",
            )
        )
    figure.update_layout(
        **BASE_LAYOUT,
        height=height,
        yaxis={"title": {"text": "Power (W)"}, "tickformat": ",.0f"},
        xaxis={"type": "date", "title": {"text": "Local time"}},
    )
    return as_json_data(figure)


FLOW_COLOURS = {
    "Solar": "#d99a00",
    "Battery": "#7c4dcc",
    "Grid (import)": "#3b6fd1",
    "Grid (export)": "#17a2b8",
    "Home": "#0f9d76",
}


def flow_sankey_figure(links: Sequence[tuple[str, str, float]]) -> dict:
    """A Sankey of energy flows ``(source, target, Wh)``: production → home / battery / grid, grid → home.

    Values are kWh (3 decimals), the same figures the page's table lists.
    """
    nodes = list(dict.fromkeys(name for source, target, _ in links for name in (source, target)))
    index = {name: i for i, name in enumerate(nodes)}
    figure = go.Figure(
        go.Sankey(
            valueformat=",.2f",
            valuesuffix=" kWh",
            node={
                "label": nodes,
                "color": [FLOW_COLOURS.get(n, "#78909c") for n in nodes],
                "pad": 24,
                "thickness": 18,
            },
            link={
                "source": [index[s] for s, _, _ in links],
                "target": [index[t] for _, t, _ in links],
                "value": [round(wh / 1000, 3) for _, _, wh in links],
                "color": [FLOW_COLOURS.get(s, "#78909c") + "55" for s, _, _ in links],
            },
        )
    )
    layout = {k: v for k, v in BASE_LAYOUT.items() if k != "hovermode"}
    figure.update_layout(**layout, height=360)
    return as_json_data(figure)


def self_sufficiency_figure(
    x: Sequence[str],
    values: Sequence[float | None],
    *,
    x_type: str = "date",
    soc: Sequence[float | None] = (),
) -> dict:
    """Self-sufficiency (%) per step: a bar per local hour or day; None (no consumption) leaves a gap.

    ``soc``, when given, adds the battery's state of charge (%) at each step's end as a line on
    the same 0-100 % axis.
    """
    figure = go.Figure(
        go.Bar(
            x=list(x),
            y=[round(v, 1) if v is not None else None for v in values],
            name="Self-sufficiency",
            meta="solar",
            hovertemplate="%{y:.0f} %<extra>Self-sufficiency</extra>",
        )
    )
    if any(v is not None for v in soc):
        figure.add_trace(
            go.Scatter(
                x=list(x),
                y=[round(v, 1) if v is not None else None for v in soc],
                name="Battery charge",
                meta="battery",
                mode="lines+markers",
                connectgaps=False,
                hovertemplate="%{y:.0f} %<extra>Battery charge</extra>",
            )
        )
    figure.update_layout(
        **BASE_LAYOUT,
        height=280,
        yaxis={"title": {"text": "Self-sufficiency (%)"}, "range": [0, 100], "ticksuffix": " %"},
        xaxis={"type": x_type},
    )
    return as_json_data(figure)
