"""
Bar charts drawn on the server as SVG: no JavaScript, and they print as they look.

Bars are horizontal, each with its label on a line of its own above it, so that a long country name
fits on a phone; a label too long for one line at 320 pixels wraps onto more lines (SVG text does
not wrap by itself), and its row grows with it: no label is ever cut. The SVG has no viewBox: it is
as wide as the page, bar lengths are percentages of that width and heights are CSS pixels, so the
text keeps the page's font size instead of shrinking with the drawing. Every bar links to the
listing it counts, and every chart comes with a table of the same numbers
(templates/includes/bar_chart.html).

A bar's link is named by what it shows, its label and its value, so that the name a screen reader
or voice control uses holds the visible text (WCAG 2.5.3, label in name). Its ``<desc>`` child, on
every linked bar, describes it in full: "{label}, {value_text}", the label and the value with its
unit. Not a ``<title>``: in SVG that would become the link's name.
"""

import textwrap
from dataclasses import dataclass

ROW_HEIGHT = 46  # label line, bar and the gap below it, in CSS pixels (a one-line label)
LINE_HEIGHT = 16  # each further line of a wrapped label
LABEL_BASELINE = 16
BAR_OFFSET = 22
BAR_HEIGHT = 16
AXIS_HEIGHT = 24
# A label's lines are at most this long, so that a line and the value fit side by side at 320
# pixels.
MAX_LABEL_CHARS = 30


@dataclass(frozen=True)
class Datum:
    label: str
    value: int
    url: str | None = None


@dataclass(frozen=True)
class Bar:
    label: str
    lines: tuple  # the label as drawn, wrapped: every word of it
    value: int
    value_text: str  # "1 gift", "1,234 gifts": the bar's value for a screen reader
    url: str | None
    percent: float  # length, as a percentage of the chart's width
    y: int  # top of the bar's row
    height: int  # of the row: taller for a label on several lines
    label_y: int
    bar_y: int


@dataclass(frozen=True)
class Tick:
    value: int
    percent: float
    anchor: str  # text-anchor of its label: the end ticks stay inside the drawing


def nice_step(largest, target_intervals=4):
    """A whole-number step of 1, 2 or 5 times a power of ten giving about that many intervals."""
    raw = max(largest / target_intervals, 1)
    magnitude = 1
    while magnitude * 10 <= raw:
        magnitude *= 10
    for multiple in (1, 2, 5, 10):
        if multiple * magnitude >= raw:
            return multiple * magnitude
    raise AssertionError("unreachable")  # pragma: no cover


def axis(largest):
    """The scale's end and its ticks: from 0 to the first step at or above the largest value."""
    if largest <= 0:
        return 1, [Tick(0, 0.0, "start")]
    step = nice_step(largest)
    end = -(-largest // step) * step
    ticks = []
    for value in range(0, end + 1, step):
        anchor = "start" if value == 0 else "end" if value == end else "middle"
        ticks.append(Tick(value, percent(value, end), anchor))
    return end, ticks


def percent(value, end):
    return round(value * 100 / end, 2)


def wrap(label, limit=MAX_LABEL_CHARS):
    """The label's lines, at most ``limit`` characters each (a longer word is broken)."""
    return tuple(textwrap.wrap(label, limit, break_on_hyphens=False)) or ("",)


def trim(data):
    """Drop the zeros before the first and after the last non-zero value (decades, say)."""
    data = [as_datum(item) for item in data]
    nonzero = [i for i, datum in enumerate(data) if datum.value]
    return data[nonzero[0] : nonzero[-1] + 1] if nonzero else []


def as_datum(item):
    return item if isinstance(item, Datum) else Datum(*item)


def bar_chart(
    data,
    *,
    id,
    title,
    description="",
    label_heading="",
    value_heading="Gifts",
    unit=("gift", "gifts"),
    scale_to=None,
):
    """
    The template context of one bar chart (templates/includes/bar_chart.html).

    ``data`` is a sequence of Datum or (label, value, url) in the order to draw; ``unit`` names
    what is counted, singular and plural; ``scale_to`` sets the least value of a full-width bar,
    so that small multiples share one scale. A bar of zero gets no link: there is nothing to list.
    """
    data = [as_datum(item) for item in data]
    largest = max([datum.value for datum in data] + [scale_to or 0], default=0)
    end, ticks = axis(largest)
    bars = []
    y = 0
    for datum in data:
        lines = wrap(datum.label)
        extra = (len(lines) - 1) * LINE_HEIGHT
        bars.append(
            Bar(
                label=datum.label,
                lines=lines,
                value=datum.value,
                value_text=f"{datum.value:,} {unit[0] if datum.value == 1 else unit[1]}",
                url=datum.url if datum.value else None,
                percent=percent(datum.value, end),
                y=y,
                height=ROW_HEIGHT + extra,
                label_y=y + LABEL_BASELINE,
                bar_y=y + BAR_OFFSET + extra,
            )
        )
        y += ROW_HEIGHT + extra
    plot_height = y
    total = sum(datum.value for datum in data)
    if not description and bars:
        top = max(bars, key=lambda bar: bar.value)
        description = (
            f"Horizontal bar chart of {len(bars)} values adding up to {total:,}; "
            f"the largest is {top.label}, {top.value_text}."
        )
    return {
        "id": id,
        "title": title,
        "description": description,
        "label_heading": label_heading or "Value",
        "value_heading": value_heading,
        "bars": bars,
        "ticks": ticks,
        "total": total,
        "empty": not bars,
        "bar_height": BAR_HEIGHT,
        "plot_height": plot_height,
        "line_height": LINE_HEIGHT,
        "tick_label_y": plot_height + AXIS_HEIGHT - 6,
        "height": plot_height + AXIS_HEIGHT,
    }


def small_multiples(
    series, *, id, title, rows, label_heading="", value_heading="Gifts", unit=("gift", "gifts")
):
    """
    One bar chart per series on a common scale, and one table crossing rows with series.

    ``series`` is a sequence of (name, data); ``rows`` the labels of the table's rows in order
    (every label any series uses). Each chart draws only its own data, so trim it first if the
    leading and trailing zeros say nothing.
    """
    series = [(name, [as_datum(item) for item in data]) for name, data in series]
    largest = max((datum.value for _, data in series for datum in data), default=0)
    charts = [
        bar_chart(
            data,
            id=f"{id}-{number}",
            title=f"{title}: {name}",
            label_heading=label_heading,
            value_heading=value_heading,
            unit=unit,
            scale_to=largest,
        )
        | {"name": name}
        for number, (name, data) in enumerate(series, start=1)
    ]
    by_label = [{datum.label: datum for datum in data} for _, data in series]
    table_rows = [
        {
            "label": label,
            "cells": [data.get(label, Datum(label, 0)) for data in by_label],
        }
        for label in rows
    ]
    return {
        "id": id,
        "title": title,
        "label_heading": label_heading or "Value",
        "value_heading": value_heading,
        "charts": charts,
        "columns": [name for name, _ in series],
        "rows": table_rows,
        "empty": not any(data for _, data in series),
    }
