"""The drawing of the embeddable charts (/embed/): statistics in, an SVG element tree out.

Pure functions of the rows app.statistics answers and the reader's words (app.web.i18n); HTTP,
caching and the HTML page live in app.web.embeds. Built with xml.etree.ElementTree, so every
text and attribute is escaped. Nothing refers outside the drawing but the link back to the
records: no fonts (the reader's own sans-serif), no images, no scripts. Colours are set as
presentation attributes (light, with a background of the chart's own, so the bare SVG reads the
same on any page); each mark also has a class, which the HTML page's stylesheet recolours for a
dark theme (a stylesheet rule outranks a presentation attribute).

The visual language is the dashboard's: blue for Ukraine, orange for Russia (distinct for the
common colour-vision deficiencies, and outlined so that each mark has 3:1 contrast against the
background), a dashed line for Russia so that colour is never the only cue, and hatching where a
figure was not disclosed, which is never drawn as 0.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from babel.dates import format_date, format_interval, format_skeleton

from app.codebook import CUMULATIVE_PREFIX, EVENTS_OF, MEASURE_FIELDS
from app.web.i18n import Words

SVG_NS = "http://www.w3.org/2000/svg"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'DejaVu Sans', sans-serif"
SIDES = ("ukraine", "russia")

# Light is drawn; DARK is what app.web.embeds' stylesheet sets for the same classes.
LIGHT: Mapping[str, str] = {
    "bg": "#ffffff", "fg": "#1a1a1a", "muted": "#5b5b5b", "grid": "#d6d6d6", "link": "#0b57a4",
    "ukraine": "#2a6fb8", "ukraine-line": "#0d3d70",
    "russia": "#e08a1e", "russia-line": "#8a4a00",
}  # fmt: skip
DARK: Mapping[str, str] = {
    "bg": "#121417", "fg": "#e8e8e8", "muted": "#a8acb2", "grid": "#3a3f45", "link": "#8cc4ff",
    "ukraine": "#5b9be0", "ukraine-line": "#b9dbff",
    "russia": "#f0a040", "russia-line": "#ffd9a8",
}  # fmt: skip

TITLE_SIZE, TEXT_SIZE, TICK_SIZE, SMALL_SIZE = 19, 13, 12, 11
PAD = 16
MARK = 9  # the height of a hatched "not disclosed" mark
CHAR = 0.58  # average glyph width in em of a sans-serif (Cyrillic a little wider than Latin)


@dataclass(frozen=True)
class Size:
    """A nominal width: every font is at least 11 px when the SVG is drawn at it."""

    name: str
    width: int
    plot_height: int


WIDE = Size("wide", 760, 250)
NARROW = Size("narrow", 400, 230)
SIZES = {s.name: s for s in (WIDE, NARROW)}


@dataclass(frozen=True)
class Frame:
    """The words around a chart. The bare SVG draws them all; the HTML page sets the heading
    and the small print as text of its own (it wraps better) and draws the rest."""

    title: str
    subtitle: str
    desc: str
    small_print: tuple[str, ...]
    link_href: str
    link_text: str


def N_(message: str) -> str:
    """Marks a message for the catalogs where it is translated later (by `t(...)`)."""
    return message


# ---- words ----------------------------------------------------------------------------------

TITLES = {
    ("people", False): N_("People returned alive to Ukraine and to Russia"),
    ("bodies", False): N_("Bodies of the fallen returned to Ukraine and to Russia"),
    ("people", True): N_("People returned alive, by mediator"),
    ("bodies", True): N_("Bodies of the fallen returned, by mediator"),
}
PER = {
    ("week", False): N_("By week: {range}"),
    ("month", False): N_("By month: {range}"),
    ("quarter", False): N_("By quarter: {range}"),
    ("year", False): N_("By year: {range}"),
    ("week", True): N_("Running total, by week: {range}"),
    ("month", True): N_("Running total, by month: {range}"),
    ("quarter", True): N_("Running total, by quarter: {range}"),
    ("year", True): N_("Running total, by year: {range}"),
}
# Mediators in the reader's language: the same words as the dashboard and the feed.
MEDIATOR_NAMES = {
    "belarus": N_("Belarus"),
    "icrc": N_("International Committee of the Red Cross"),
    "qatar": N_("Qatar"),
    "saudi-arabia": N_("Saudi Arabia"),
    "turkey": N_("Türkiye"),
    "uae": N_("United Arab Emirates"),
    "usa": N_("United States"),
    "vatican": N_("Holy See (Vatican)"),
}


def title(measure: str, *, mediators: bool, t: Words) -> str:
    return t(TITLES[(measure, mediators)])


def mediator_name(slug: str, name: str, t: Words) -> str:
    """A mediator's name in the reader's language; the dataset's own (English) name for one
    not known here."""
    return t(MEDIATOR_NAMES[slug]) if slug in MEDIATOR_NAMES else name


def amount(measure: str, n: int, t: Words) -> str:
    if measure == "people":
        return t.plural("{n} person", "{n} people", n)
    return t.plural("{n} body", "{n} bodies", n)


def events(measure: str, n: int, t: Words) -> str:
    if measure == "people":
        return t.plural("{n} exchange", "{n} exchanges", n)
    return t.plural("{n} repatriation", "{n} repatriations", n)


def side_text(measure: str, value: int, undisclosed: int, t: Words) -> str:
    """One side's figure: "95 people", or "95 people (not disclosed: 1 exchange)", so that an
    unknown figure never reads as 0."""
    text = amount(measure, value, t)
    if undisclosed:
        return t("{value} (not disclosed: {events})", value=text,
                 events=events(measure, undisclosed, t))  # fmt: skip
    return text


def figures_text(what: str, measure: str, figures: Mapping[str, int], t: Words) -> str:
    """One sentence of figures: events, and what each side received."""
    sides = {
        side[:2]: side_text(measure, figures[f"{measure}_to_{side}"],
                            figures[f"undisclosed_{measure}_to_{side}"], t)
        for side in SIDES
    }  # fmt: skip
    n = figures[EVENTS_OF[measure]]
    return t("{what}: {events}; returned to Ukraine: {uk}; to Russia: {ru}.", what=what,
             events=events(measure, n, t), **sides)  # fmt: skip


def date_range(lo: dt.date, hi: dt.date, t: Words) -> str:
    return str(format_interval(lo, hi, "yMMMd", locale=t.lang.value))


def period_name(start: dt.date, interval: str, t: Words) -> str:
    """A period as a reader names it: the week of 4 Mar 2024, March 2024, Q1 2024, 2024."""
    locale = t.lang.value
    if interval == "week":
        return t("Week of {date}", date=format_skeleton("yMMMd", start, locale=locale))
    if interval == "month":
        return str(format_skeleton("yMMMM", start, locale=locale))
    if interval == "quarter":
        return f"{format_date(start, 'QQQ', locale=locale)} {start.year}"
    return str(start.year)


def series_frame(
    rows: Sequence[Mapping[str, Any]], *, measure: str, interval: str, cumulative: bool,
    window: tuple[dt.date, dt.date] | None, t: Words, small_print: tuple[str, ...],
    link: tuple[str, str], coverage_until: dt.date | None,
) -> Frame:  # fmt: skip
    """The words of a time series: its title, its period, and in the description the totals
    (equal to the last running totals, and to the summary under the same filters)."""
    head = title(measure, mediators=False, t=t)
    span = date_range(*window, t) if window else t("no dates")
    sub = t(PER[(interval, cumulative)], range=span)
    if not rows:
        summary = t("No events in this selection.")
    else:
        totals = {k: sum(int(r[k]) for r in rows) for k in MEASURE_FIELDS}
        summary = figures_text(t("In all"), measure, totals, t)
    desc = f"{head}. {sub}. {summary} {_curated(coverage_until, t)}"
    return Frame(head, tidy(sub), tidy(desc), small_print, *link)


def mediators_frame(
    rows: Sequence[Mapping[str, Any]], *, measure: str, window: tuple[dt.date, dt.date] | None,
    t: Words, small_print: tuple[str, ...], link: tuple[str, str],
    coverage_until: dt.date | None,
) -> Frame:  # fmt: skip
    """The words of the per-mediator chart: each mediator's figures in the description."""
    head = title(measure, mediators=True, t=t)
    span = date_range(*window, t) if window else t("no dates")
    sub = t("Events that name a mediator: {range}. An event with several mediators counts for "
            "each of them.", range=span)  # fmt: skip
    lines = [figures_text(r["label"], measure, r, t) for r in rows]
    summary = " ".join(lines) if lines else t("No events in this selection.")
    desc = f"{head}. {sub} {summary} {_curated(coverage_until, t)}"
    return Frame(head, tidy(sub), tidy(desc), small_print, *link)


def tidy(text: str) -> str:
    """One full stop where a date ending in an abbreviation (the year, in Ukrainian and Russian)
    ends a sentence."""
    return re.sub(r"(?<!\.)\.\.(?!\.)", ".", text)


def _curated(until: dt.date | None, t: Words) -> str:
    if until is None:
        return t("The curators have not set the coverage yet.")
    return t("Curated up to {date}.", date=t.date(until, "long"))


# ---- drawing helpers ------------------------------------------------------------------------


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.1f}".removesuffix(".0")
    return str(value)


def el(parent: ET.Element | None, tag: str, text: str | None = None, **attrs: Any) -> ET.Element:
    """An element; `class_` is `class`, other underscores are hyphens, None is left out."""
    names = {k: k.rstrip("_").replace("_", "-") for k in attrs}
    values = {names[k]: _fmt(v) for k, v in attrs.items() if v is not None}
    node = ET.Element(tag, values) if parent is None else ET.SubElement(parent, tag, values)
    if text is not None:
        node.text = text
    return node


def text_width(text: str, size: float) -> float:
    return len(text) * size * CHAR


def wrap(text: str, size: float, width: float) -> list[str]:
    per = max(int(width / (size * CHAR)), 12)
    return textwrap.wrap(text, per, break_on_hyphens=False) or [""]


def nice_max(value: float) -> float:
    """A round axis maximum that splits into 4 round steps (8,000 in steps of 2,000)."""
    power = 10.0 ** math.floor(math.log10(max(value, 10)))
    return float(next(f * power for f in (1, 1.2, 1.6, 2, 3, 4, 6, 8, 10) if f * power >= value))


def _root(size: Size, frame: Frame, ids: str, chart: str, standalone: bool) -> ET.Element:
    svg = el(None, "svg", xmlns=SVG_NS, role="img", class_=f"pe-chart pe-{size.name}",
             aria_labelledby=f"{ids}title {ids}desc", font_family=FONT, data_chart=chart,
             data_size=size.name)  # fmt: skip
    el(svg, "title", frame.title, id=f"{ids}title")
    el(svg, "desc", frame.desc, id=f"{ids}desc")
    defs = el(svg, "defs")
    for side in SIDES:  # hatching: a pattern per side, so the colour still says which side
        pattern = el(defs, "pattern", id=f"{ids}hatch-{side}", width=6, height=6,
                     patternUnits="userSpaceOnUse", patternTransform="rotate(45)")  # fmt: skip
        el(pattern, "line", x1=0, y1=0, x2=0, y2=6, stroke=LIGHT[side], stroke_width=3,
           class_=f"pe-hatch-{side}")  # fmt: skip
    el(svg, "rect", class_="pe-bg", x=0, y=0, width="100%", height="100%", fill=LIGHT["bg"])
    return svg


def _lines(
    parent: ET.Element, lines: Sequence[str], x: float, y: float, size: float, role: str,
    **attrs: Any,
) -> float:  # fmt: skip
    """Lines of text from baseline `y`; returns the y below them."""
    for line in lines:
        el(parent, "text", line, x=x, y=y, font_size=size, fill=LIGHT[role], class_=f"pe-{role}",
           **attrs)  # fmt: skip
        y += size * 1.35
    return y


def _heading(svg: ET.Element, frame: Frame, width: int, y: float) -> float:
    g = el(svg, "g", class_="pe-heading")
    y = _lines(g, wrap(frame.title, TITLE_SIZE, width - 2 * PAD), PAD, y + TITLE_SIZE, TITLE_SIZE,
               "fg", font_weight="bold")  # fmt: skip
    return _lines(g, wrap(frame.subtitle, TEXT_SIZE, width - 2 * PAD), PAD, y + 2, TEXT_SIZE,
                  "muted") - TEXT_SIZE * 0.35  # fmt: skip


def _swatch(g: ET.Element, kind: str, side: str, x: float, y: float, ids: str) -> None:
    if kind == "bar":
        el(g, "rect", x=x, y=y - 10, width=14, height=10, fill=LIGHT[side],
           stroke=LIGHT[f"{side}-line"], class_=f"pe-bar-{side}")  # fmt: skip
    elif kind == "line":
        el(g, "line", x1=x, y1=y - 5, x2=x + 14, y2=y - 5, stroke=LIGHT[f"{side}-line"],
           stroke_width=2.5, stroke_dasharray="6 3" if side == "russia" else None,
           class_=f"pe-line-{side}")  # fmt: skip
    else:
        el(g, "rect", x=x, y=y - 10, width=14, height=10, fill=f"url(#{ids}hatch-{side})",
           stroke=LIGHT[f"{side}-line"], stroke_width=0.8, class_=f"pe-mark-{side}")  # fmt: skip


def _legend(
    svg: ET.Element, items: Sequence[tuple[str, str, str]], width: int, y: float, ids: str
) -> float:
    """Swatches and their words, wrapped onto as many rows as the width needs."""
    g = el(svg, "g", class_="pe-legend")
    x: float = PAD
    y += TEXT_SIZE + 10
    for kind, side, label in items:
        w = 20 + text_width(label, TEXT_SIZE) + 16
        if x > PAD and x + w > width - PAD:
            x, y = PAD, y + TEXT_SIZE + 8
        _swatch(g, kind, side, x, y, ids)
        el(g, "text", label, x=x + 20, y=y, font_size=TEXT_SIZE, fill=LIGHT["fg"], class_="pe-fg")
        x += w
    return y + 6


def _legend_items(kind: str, undisclosed: bool, t: Words) -> list[tuple[str, str, str]]:
    items = [(kind, "ukraine", t("Returned to Ukraine")), (kind, "russia", t("Returned to Russia"))]
    if undisclosed:
        items.append(("mark", "ukraine", t("Not disclosed (not counted as 0)")))
    return items


def _small_print(svg: ET.Element, frame: Frame, width: int, y: float) -> float:
    g = el(svg, "g", class_="pe-small-print")
    y += SMALL_SIZE + 6
    for paragraph in frame.small_print:
        y = _lines(g, wrap(paragraph, SMALL_SIZE, width - 2 * PAD), PAD, y, SMALL_SIZE, "muted")
    a = el(g, "a", href=frame.link_href, target="_blank", rel="noopener", class_="pe-records")
    el(a, "text", f"{frame.link_text} \u2197", x=PAD, y=y + 4, font_size=TEXT_SIZE,
       fill=LIGHT["link"], text_decoration="underline", class_="pe-link")  # fmt: skip
    return y + 4 + TEXT_SIZE


def _finish(svg: ET.Element, size: Size, height: float, standalone: bool) -> ET.Element:
    h = math.ceil(height)
    svg.set("viewBox", f"0 0 {size.width} {h}")
    if standalone:  # a nominal size for an <img> without one; CSS may scale it
        svg.set("width", str(size.width))
        svg.set("height", str(h))
    return svg


def _empty(svg: ET.Element, size: Size, y: float, t: Words) -> float:
    el(svg, "text", t("No events in this selection."), x=size.width / 2, y=y + 60,
       font_size=TEXT_SIZE, fill=LIGHT["muted"], class_="pe-muted",
       text_anchor="middle")  # fmt: skip
    return y + 100


# ---- the time series ------------------------------------------------------------------------

FINE = {"week": "MMMd", "month": "MMM", "quarter": "QQQ"}
STEPS = {"week": (1, 2, 4), "month": (1, 2, 3, 6), "quarter": (1, 2), "year": (1, 2, 5, 10)}


def _x_labels(
    starts: Sequence[dt.date], interval: str, band: float, t: Words
) -> list[tuple[int, str, str]]:
    """(index, label under the bar, year under that) for the periods that get a label: each
    period (or every 2nd, 3rd...) while their labels fit, else the years alone."""
    locale = t.lang.value
    n = len(starts)
    new_year = [i for i in range(n) if i == 0 or starts[i].year != starts[i - 1].year]
    if interval == "year":
        step = next((s for s in STEPS["year"] if s * band >= text_width("2024", TICK_SIZE) + 8), 20)
        return [(i, str(starts[i].year), "") for i in range(0, n, step)]
    if interval == "quarter":
        fine = [f"{format_date(d, 'QQQ', locale=locale)}" for d in starts]
    else:
        fine = [str(format_skeleton(FINE[interval], d, locale=locale)) for d in starts]
    widest = max(text_width(s, TICK_SIZE) for s in fine) + 8
    every = next((s for s in STEPS[interval] if s * band >= widest), None)
    if every is not None:
        if interval == "month":
            chosen = [i for i in range(n) if (starts[i].month - 1) % every == 0]
        else:
            chosen = list(range(0, n, every))
        return [(i, fine[i], str(starts[i].year) if i in new_year or i == chosen[0] else "")
                for i in chosen]  # fmt: skip
    out: list[tuple[int, str, str]] = []
    room = text_width("2024", TICK_SIZE) + 8
    for i in new_year:
        if out and (i - out[-1][0]) * band < room:
            continue
        if i == 0 and len(new_year) > 1 and new_year[1] * band < room:
            continue  # the first, partial year would run into the next one's label
        out.append((i, str(starts[i].year), ""))
    return out


def draw_series(
    rows: Sequence[Mapping[str, Any]], *, measure: str, interval: str, cumulative: bool,
    t: Words, size: Size, frame: Frame, standalone: bool, ids: str = "pe-",
) -> ET.Element:  # fmt: skip
    """Bars per period and side (or, cumulative, the running totals as two lines), hatched
    marks where a figure was not disclosed, a y axis on the left, periods below."""
    svg = _root(size, frame, ids, measure, standalone)
    W = size.width
    y = PAD if standalone else 4.0
    if standalone:
        y = _heading(svg, frame, W, y)
    key = {s: f"{CUMULATIVE_PREFIX if cumulative else ''}{measure}_to_{s}" for s in SIDES}
    hidden = {s: f"undisclosed_{measure}_to_{s}" for s in SIDES}
    any_hidden = any(r[hidden[s]] for r in rows for s in SIDES)
    y = _legend(svg, _legend_items("line" if cumulative else "bar", any_hidden, t), W, y, ids)
    if not rows:
        y = _empty(svg, size, y, t)
        if standalone:
            y = _small_print(svg, frame, W, y) + PAD
        return _finish(svg, size, y, standalone)
    top = y + 38
    ph = size.plot_height
    peak = nice_max(max(int(r[key[s]]) for r in rows for s in SIDES))
    ticks = [peak * i / 4 for i in range(5)]
    tick_text = [t.number(int(v)) for v in ticks]
    left = PAD + max(text_width(s, TICK_SIZE) for s in tick_text) + 8
    finals = [t.number(int(rows[-1][key[s]])) for s in SIDES]
    right = W - PAD - (max(text_width(s, TICK_SIZE) for s in finals) + 8 if cumulative else 0)
    band = (right - left) / len(rows)

    def yv(v: float) -> float:
        return round(top + ph - v / peak * ph, 1)

    axes = el(svg, "g", class_="pe-axes", aria_hidden="true")
    el(axes, "text", t("people") if measure == "people" else t("bodies"), x=PAD, y=top - 16,
       font_size=TICK_SIZE, fill=LIGHT["muted"], class_="pe-muted")  # fmt: skip
    for v, label in zip(ticks, tick_text, strict=True):
        role = "muted" if v == 0 else "grid"
        el(axes, "line", x1=left, x2=right, y1=yv(v), y2=yv(v), stroke=LIGHT[role],
           stroke_dasharray=None if v == 0 else "2 3", class_=f"pe-{role}-stroke")  # fmt: skip
        el(axes, "text", label, x=left - 6, y=yv(v) + 4, font_size=TICK_SIZE,
           fill=LIGHT["muted"], class_="pe-muted", text_anchor="end")  # fmt: skip
    starts = [r["start"] for r in rows]
    for i, fine, year in _x_labels(starts, interval, band, t):
        x = left + i * band
        el(axes, "line", x1=round(x, 1), x2=round(x, 1), y1=top + ph, y2=top + ph + 5,
           stroke=LIGHT["muted"], class_="pe-muted-stroke")  # fmt: skip
        el(axes, "text", fine, x=round(x + 2, 1), y=top + ph + 18, font_size=TICK_SIZE,
           fill=LIGHT["muted"], class_="pe-muted")  # fmt: skip
        if year:
            el(axes, "text", year, x=round(x + 2, 1), y=top + ph + 33, font_size=TICK_SIZE,
               fill=LIGHT["muted"], class_="pe-muted")  # fmt: skip

    # The lines first, so that the marks of undisclosed figures are drawn over them.
    if cumulative:
        lines = el(svg, "g", class_="pe-lines")
        ends = [yv(int(rows[-1][key[s]])) for s in SIDES]
        if abs(ends[0] - ends[1]) < TICK_SIZE + 2:  # keep the two end labels apart
            mid, half = (ends[0] + ends[1]) / 2, (TICK_SIZE + 2) / 2
            ends = [mid - half, mid + half] if ends[0] <= ends[1] else [mid + half, mid - half]
        for side, end_y, label in zip(SIDES, ends, finals, strict=True):
            points = " ".join(
                f"{_fmt(round(left + (i + 0.5) * band, 1))},{_fmt(yv(int(r[key[side]])))}"
                for i, r in enumerate(rows)
            )
            el(lines, "polyline", points=points, fill="none", stroke=LIGHT[f"{side}-line"],
               stroke_width=2.5, stroke_linejoin="round", class_=f"pe-line-{side}",
               stroke_dasharray="6 3" if side == "russia" else None, data_side=side)  # fmt: skip
            el(lines, "text", label, x=right + 6, y=round(end_y + 4, 1), font_size=TICK_SIZE,
               fill=LIGHT[f"{side}-line"], class_=f"pe-line-{side}-text")  # fmt: skip
    marks = el(svg, "g", class_="pe-periods")
    for i, r in enumerate(rows):
        x0 = left + i * band
        g = el(marks, "g", class_="pe-period", data_period=r["period"])
        el(g, "title", _period_title(r, measure, interval, cumulative, t))
        el(g, "rect", x=round(x0, 1), y=top, width=round(band, 2), height=ph, fill="#000",
           fill_opacity=0)  # fmt: skip
        for k, side in enumerate(SIDES):
            value = int(r[key[side]])
            if cumulative:
                cx, cy, w = x0 + band / 2, yv(value), float(MARK)
            else:
                w = band * 0.4
                cx, cy = x0 + band * (0.1 + 0.4 * k) + w / 2, yv(value)
                if value > 0:
                    el(g, "rect", x=round(cx - w / 2, 2), y=cy, width=round(w, 2),
                       height=round(top + ph - cy, 1), fill=LIGHT[side],
                       stroke=LIGHT[f"{side}-line"] if w >= 3 else None, stroke_width=0.8,
                       class_=f"pe-bar-{side}", data_side=side, data_value=value)  # fmt: skip
                cy -= MARK / 2
            if r[hidden[side]]:
                mw = max(w, 4.0)
                el(g, "rect", x=round(cx - mw / 2, 2), y=round(cy - MARK / 2, 1),
                   width=round(mw, 2), height=MARK, fill=f"url(#{ids}hatch-{side})",
                   stroke=LIGHT[f"{side}-line"], stroke_width=0.8,
                   class_=f"pe-mark-{side} pe-undisclosed", data_side=side,
                   data_period=r["period"], data_undisclosed=int(r[hidden[side]]))  # fmt: skip
    y = top + ph + 40
    if standalone:
        y = _small_print(svg, frame, W, y) + PAD
    return _finish(svg, size, y, standalone)


def _period_title(
    r: Mapping[str, Any], measure: str, interval: str, cumulative: bool, t: Words
) -> str:
    text = figures_text(period_name(r["start"], interval, t), measure, r, t)
    if cumulative:
        ua, ru = (amount(measure, int(r[f"{CUMULATIVE_PREFIX}{measure}_to_{s}"]), t) for s in SIDES)
        text += " " + t("Running total: {uk} to Ukraine, {ru} to Russia.", uk=ua, ru=ru)
    return text


# ---- per mediator ---------------------------------------------------------------------------

BAR = 14


def draw_mediators(
    rows: Sequence[Mapping[str, Any]], *, measure: str, t: Words, size: Size, frame: Frame,
    standalone: bool, ids: str = "pe-",
) -> ET.Element:  # fmt: skip
    """For each mediator (that took part in an event of this measure), its name, then a bar
    per side with its figure, and a hatched mark where some event's figure was not disclosed.
    `rows` carry `label` (the name in the reader's language) and the measures."""
    svg = _root(size, frame, ids, f"mediators-{measure}", standalone)
    W = size.width
    y = PAD if standalone else 4.0
    if standalone:
        y = _heading(svg, frame, W, y)
    hidden = {s: f"undisclosed_{measure}_to_{s}" for s in SIDES}
    any_hidden = any(r[hidden[s]] for r in rows for s in SIDES)
    y = _legend(svg, _legend_items("bar", any_hidden, t), W, y, ids)
    if not rows:
        y = _empty(svg, size, y, t)
    else:
        peak = nice_max(max(int(r[f"{measure}_to_{s}"]) for r in rows for s in SIDES))
        room = max(text_width(t.number(int(r[f"{measure}_to_{s}"])), TICK_SIZE)
                   for r in rows for s in SIDES) + MARK + 24  # fmt: skip
        if any(r[hidden[s]] and not r[f"{measure}_to_{s}"] for r in rows for s in SIDES):
            room = max(room, text_width(t("not disclosed"), TICK_SIZE) + MARK + 24)
        # Wide: the names in a column left of the bars; narrow: each name above its bars.
        beside = size.width >= WIDE.width
        column = 0.0
        if beside:
            widest = max(text_width(r["label"], TEXT_SIZE * 1.05) for r in rows)
            column = min(widest, W * 0.3) + 12
        x0 = PAD + column
        span = W - PAD - x0 - room
        group = el(svg, "g", class_="pe-mediators")
        y += 10
        for r in rows:
            g = el(group, "g", class_="pe-mediator", data_mediator=r["id"])
            el(g, "title", figures_text(r["label"], measure, r, t))
            n = int(r[EVENTS_OF[measure]])
            count = events(measure, n, t)
            if beside:
                names = wrap(r["label"], TEXT_SIZE * 1.05, column - 12)
                height = max(2 * BAR + 3, (len(names) + 1) * (TEXT_SIZE + 3))
                ty = y + TEXT_SIZE
                for line in names:
                    el(g, "text", line, x=PAD, y=ty, font_size=TEXT_SIZE, fill=LIGHT["fg"],
                       class_="pe-fg", font_weight="bold")  # fmt: skip
                    ty += TEXT_SIZE + 3
                el(g, "text", count, x=PAD, y=ty, font_size=TICK_SIZE, fill=LIGHT["muted"],
                   class_="pe-muted")  # fmt: skip
                by = y + (height - (2 * BAR + 3)) / 2
                y += height
            else:
                y += TEXT_SIZE + 4
                one_line = text_width(f"{r['label']}  {count}", TEXT_SIZE * 1.05) <= W - 2 * PAD
                for line in wrap(r["label"], TEXT_SIZE * 1.05, W - 2 * PAD):
                    name = el(g, "text", line, x=PAD, y=y, font_size=TEXT_SIZE,
                              fill=LIGHT["fg"], class_="pe-fg", font_weight="bold")  # fmt: skip
                    y += TEXT_SIZE + 3
                y -= TEXT_SIZE + 3
                if one_line:
                    el(name, "tspan", f"  {count}", fill=LIGHT["muted"], class_="pe-muted",
                       font_weight="normal")  # fmt: skip
                else:
                    y += TEXT_SIZE + 3
                    el(g, "text", count, x=PAD, y=y, font_size=TICK_SIZE, fill=LIGHT["muted"],
                       class_="pe-muted")  # fmt: skip
                by = y + 6
                y = by + 2 * BAR + 3
            for side in SIDES:
                _mediator_bar(g, r, measure, side, x0, by, peak, span, t, ids)
                by += BAR + 3
            y += 12
    y += 8
    if standalone:
        y = _small_print(svg, frame, W, y) + PAD
    return _finish(svg, size, y, standalone)


def _mediator_bar(
    g: ET.Element, r: Mapping[str, Any], measure: str, side: str, x0: float, y: float,
    peak: float, span: float, t: Words, ids: str,
) -> None:  # fmt: skip
    """One side's bar, its figure, and after it a hatched mark when some event's figure was
    not disclosed (with the words alone when no figure was: never a 0)."""
    value = int(r[f"{measure}_to_{side}"])
    undisclosed = int(r[f"undisclosed_{measure}_to_{side}"])
    w = value / peak * span
    if value > 0:
        el(g, "rect", x=round(x0, 1), y=round(y, 1), width=round(max(w, 1.0), 1), height=BAR,
           fill=LIGHT[side], stroke=LIGHT[f"{side}-line"], stroke_width=0.8,
           class_=f"pe-bar-{side}", data_side=side, data_value=value)  # fmt: skip
    x = x0 + w + 4
    baseline = round(y + BAR - 2.5, 1)
    if value or not undisclosed:
        label = t.number(value)
        el(g, "text", label, x=round(x, 1), y=baseline, font_size=TICK_SIZE, fill=LIGHT["fg"],
           class_="pe-fg")  # fmt: skip
        x += text_width(label, TICK_SIZE) + 4
    if undisclosed:
        el(g, "rect", x=round(x, 1), y=round(y + (BAR - MARK) / 2, 1), width=MARK + 3,
           height=MARK, fill=f"url(#{ids}hatch-{side})", stroke=LIGHT[f"{side}-line"],
           stroke_width=0.8, class_=f"pe-mark-{side} pe-undisclosed", data_side=side,
           data_undisclosed=undisclosed)  # fmt: skip
        if not value:
            el(g, "text", t("not disclosed"), x=round(x + MARK + 7, 1), y=baseline,
               font_size=TICK_SIZE, fill=LIGHT["muted"], class_="pe-muted")  # fmt: skip


def dark_css(prefix: str = "") -> str:
    """The stylesheet rules that recolour the marks' classes for a dark theme."""
    d = DARK
    rules = [
        f".pe-bg{{fill:{d['bg']}}}", f".pe-fg{{fill:{d['fg']}}}",
        f".pe-muted{{fill:{d['muted']}}}", f".pe-muted-stroke{{stroke:{d['muted']}}}",
        f".pe-grid-stroke{{stroke:{d['grid']}}}", f".pe-link{{fill:{d['link']}}}",
    ]  # fmt: skip
    for side in SIDES:
        c, line = d[side], d[f"{side}-line"]
        rules += [
            f".pe-bar-{side}{{fill:{c};stroke:{line}}}", f".pe-hatch-{side}{{stroke:{c}}}",
            f".pe-mark-{side}{{stroke:{line}}}", f".pe-line-{side}{{stroke:{line}}}",
            f".pe-line-{side}-text{{fill:{line}}}",
        ]  # fmt: skip
    return "\n".join(prefix + r for r in rules)


def tostring(svg: ET.Element) -> str:
    return ET.tostring(svg, encoding="unicode")
