"""GET /embed/...: the statistics as charts to embed in a newsroom's page.

For each chart, a bare SVG (`/embed/{chart}.svg`, for an <img> or a download) and an HTML page
to put in an iframe (`/embed/{chart}`), which sizes itself to the frame, framable by any origin
(`frame-ancestors *`) and otherwise as strict as the dashboard: no script, nothing from
elsewhere, its one stylesheet from here. Charts:

- `people`, `bodies`: the time series of that measure (GET /v1/statistics/timeseries): bars per
  period and side, or with `cumulative=true` the running totals as lines; `interval=`.
- `mediators`: per mediator (GET /v1/statistics/mediators), `measure=people|bodies`.

They take every filter of the API through the API's own dependencies (FiltersDep, ReadDep), so
a bad filter is the same 422 problem, and answer through app.http.read_response: the API's
ETags (dataset version and canonical request, the language and this code's release in the
prefix), 304, Cache-Control, and `as_of_version` to pin a published chart. Words follow `lang=`,
else Accept-Language, else English (app.web.i18n, catalog `embeds`).
"""

from __future__ import annotations

import datetime as dt
import html
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from app import statistics
from app.codebook import (
    BODIES_KINDS,
    DATASET_TITLE,
    EVENTS_OF,
    LICENSE,
    PEOPLE_KINDS,
    Interval,
    Kind,
)
from app.deps import ExchangeFilterQuery, FiltersDep, ReadContext, ReadDep
from app.http import Format, base_url, read_response
from app.queries import ExchangeFilters
from app.web import charts
from app.web.assets import Asset, serve
from app.web.charts import Frame, Size
from app.web.i18n import Lang, Words, request_lang, words

router = APIRouter(include_in_schema=False)


class Chart(StrEnum):
    people = "people"
    bodies = "bodies"
    mediators = "mediators"


class Measure(StrEnum):
    people = "people"
    bodies = "bodies"


class SizeName(StrEnum):
    wide = "wide"
    narrow = "narrow"


# The filters of GET /v1/exchanges, which the link back to the records carries over.
RECORD_FILTERS = (*ExchangeFilterQuery.model_fields, "as_of_version")
KINDS = {  # in Kind's order, as a link back to the records names them
    "people": ",".join(k.value for k in Kind if k in PEOPLE_KINDS),
    "bodies": ",".join(k.value for k in Kind if k in BODIES_KINDS),
}
SVG_MEDIA = "image/svg+xml; charset=utf-8"
HTML_MEDIA = "text/html; charset=utf-8"
# Framable by any origin (that is what an embed is for); nothing else allowed but our stylesheet.
PAGE_CSP = (
    "default-src 'none'; style-src 'self'; frame-ancestors *; base-uri 'none'; form-action 'none'"
)
SVG_CSP = "default-src 'none'; frame-ancestors *"
NARROW_BELOW = 640  # px of frame width under which the page shows the narrow drawing

RATIOS = range(2, 61)  # a drawing's height / width, in twentieths: 0.1 to 3


def _floors(padding: int) -> str:
    return "\n".join(
        f".pe-r{r * 5} {{ min-height: calc({r * 0.04:.2f} * (100vw - {padding}px)); }}"
        for r in RATIOS
    )


STYLE = f"""/* The embed page (app/web/embeds.py): the chart fills the frame's width, its height by
   its proportions; in a frame too short for it, it shrinks to fit (keeping them). */
html, body {{ margin: 0; height: 100%; }}
body {{ font: 14px/1.4 {charts.FONT}; color: {charts.LIGHT["fg"]};
  background: {charts.LIGHT["bg"]}; }}
figure {{ margin: 0; padding: 10px 12px; box-sizing: border-box; min-height: 100%;
  height: 100%; display: flex; flex-direction: column; gap: 4px; }}
h1 {{ font-size: clamp(17px, 1.7vw, 26px); line-height: 1.25; margin: 0; }}
.sub {{ margin: 0; font-size: clamp(13px, 1.15vw, 17px); color: {charts.LIGHT["muted"]}; }}
/* Shrinks into a short frame, but not below four fifths of its height at the frame's width
   (the page scrolls then), so that its words stay legible: a pe-rNN class per proportion
   (height / width, in hundredths). */
.pe-chart {{ display: block; width: 100%; height: auto; flex: 0 1 auto; }}
.pe-narrow {{ display: none; }}
{_floors(24)}
@media (max-width: {NARROW_BELOW - 0.02}px) {{
  figure {{ padding: 8px; }}
  .pe-wide {{ display: none; }}
  .pe-narrow {{ display: block; }}
{_floors(16)}
}}
figcaption {{ font-size: clamp(12px, 1vw, 15px); color: {charts.LIGHT["muted"]}; }}
figcaption p {{ margin: 0.15em 0; }}
a {{ color: {charts.LIGHT["link"]}; }}
@media (prefers-color-scheme: dark) {{
  body {{ color: {charts.DARK["fg"]}; background: {charts.DARK["bg"]}; }}
  .sub, figcaption {{ color: {charts.DARK["muted"]}; }}
  a {{ color: {charts.DARK["link"]}; }}
{charts.dark_css("  ")}
}}
"""
STYLE_SHEET = Asset(STYLE.encode(), "text/css; charset=utf-8", for_good=True)
STYLE_VERSION = STYLE_SHEET.version
IntervalQ = Annotated[
    Interval, Query(description="week (ISO), month (default), quarter or year.")
]  # fmt: skip
CumulativeQ = Annotated[
    bool, Query(description="Draw the running totals from the first period, as lines.")
]
MeasureQ = Annotated[
    Measure, Query(description="people (default) or bodies: two measures, never added.")
]
SizeQ = Annotated[
    SizeName,
    Query(description="wide (760 px nominal, the default) or narrow (400 px, for phones)."),
]


# ---- routes ---------------------------------------------------------------------------------


@router.get("/embed/people.svg")
def people_svg(
    request: Request, ctx: ReadDep, filters: FiltersDep, interval: IntervalQ = Interval.month,
    cumulative: CumulativeQ = False, size: SizeQ = SizeName.wide,
) -> Response:  # fmt: skip
    """People returned alive to each side, per period or running, as an SVG image."""
    return _series(request, ctx, filters, "people", interval, cumulative, charts.SIZES[size])


@router.get("/embed/people")
def people_page(
    request: Request, ctx: ReadDep, filters: FiltersDep, interval: IntervalQ = Interval.month,
    cumulative: CumulativeQ = False,
) -> Response:  # fmt: skip
    """The people chart as an HTML page for an iframe."""
    return _series(request, ctx, filters, "people", interval, cumulative, None)


@router.get("/embed/bodies.svg")
def bodies_svg(
    request: Request, ctx: ReadDep, filters: FiltersDep, interval: IntervalQ = Interval.month,
    cumulative: CumulativeQ = False, size: SizeQ = SizeName.wide,
) -> Response:  # fmt: skip
    """Bodies of the fallen returned to each side, per period or running, as an SVG image."""
    return _series(request, ctx, filters, "bodies", interval, cumulative, charts.SIZES[size])


@router.get("/embed/bodies")
def bodies_page(
    request: Request, ctx: ReadDep, filters: FiltersDep, interval: IntervalQ = Interval.month,
    cumulative: CumulativeQ = False,
) -> Response:  # fmt: skip
    """The bodies chart as an HTML page for an iframe."""
    return _series(request, ctx, filters, "bodies", interval, cumulative, None)


@router.get("/embed/mediators.svg")
def mediators_svg(
    request: Request, ctx: ReadDep, filters: FiltersDep, measure: MeasureQ = Measure.people,
    size: SizeQ = SizeName.wide,
) -> Response:  # fmt: skip
    """What each mediator's events returned to each side, one measure, as an SVG image."""
    return _mediators(request, ctx, filters, measure.value, charts.SIZES[size])


@router.get("/embed/mediators")
def mediators_page(
    request: Request, ctx: ReadDep, filters: FiltersDep, measure: MeasureQ = Measure.people
) -> Response:
    """The per-mediator chart as an HTML page for an iframe."""
    return _mediators(request, ctx, filters, measure.value, None)


@router.get("/embed/embed.css")
def stylesheet(request: Request) -> Response:
    """The embed page's one stylesheet; for good under the address the page names."""
    return serve(request, STYLE_SHEET)


# ---- the answers ----------------------------------------------------------------------------


def language(request: Request) -> Lang:
    """lang= when it names one of ours, else Accept-Language, else English (an unknown lang
    falls back, as on the dashboard, instead of failing)."""
    return request_lang(request)


def _series(
    request: Request, ctx: ReadContext, filters: ExchangeFilters, measure: str, interval: Interval,
    cumulative: bool, size: Size | None,
) -> Response:  # fmt: skip
    lang = language(request)
    t = words(lang, "embeds")

    def build() -> bytes:
        cov = ctx.coverage()
        rows = statistics.timeseries(
            ctx.session, version=ctx.at(), filters=filters, interval=interval.value,
            cumulative=True, coverage=cov,
        )  # fmt: skip
        window = statistics.series_window(filters, cov, [r["start"] for r in rows])
        frame = charts.series_frame(
            rows, measure=measure, interval=interval.value, cumulative=cumulative,
            window=window, t=t, small_print=small_print(request, ctx, cov, t),
            link=(records_url(request, kinds=KINDS[measure]), t("The records behind this chart")),
            coverage_until=cov["until"] if cov else None,
        )  # fmt: skip

        def draw(s: Size, standalone: bool, ids: str) -> ET.Element:
            return charts.draw_series(
                rows, measure=measure, interval=interval.value, cumulative=cumulative, t=t,
                size=s, frame=frame, standalone=standalone, ids=ids,
            )  # fmt: skip

        return _body(frame, draw, size, lang)

    return _answer(request, ctx, lang, build, svg=size is not None)


def _mediators(
    request: Request, ctx: ReadContext, filters: ExchangeFilters, measure: str, size: Size | None
) -> Response:
    lang = language(request)
    t = words(lang, "embeds")
    events = EVENTS_OF[measure]

    def build() -> bytes:
        cov = ctx.coverage()
        found = statistics.mediators(ctx.session, version=ctx.at(), filters=filters)
        rows = sorted(
            ({**r, "label": charts.mediator_name(r["id"], r["name"], t)} for r in found
             if r[events]),
            key=lambda r: -int(r[events]),
        )  # fmt: skip
        days = [d for r in rows for d in (r["first_date"], r["last_date"]) if d]
        window = statistics.series_window(filters, cov, days)
        link = records_url(request, kinds=KINDS[measure], mediators=[r["id"] for r in rows])
        frame = charts.mediators_frame(
            rows, measure=measure, window=window, t=t,
            small_print=small_print(request, ctx, cov, t),
            link=(link, t("The records behind this chart")),
            coverage_until=cov["until"] if cov else None,
        )  # fmt: skip

        def draw(s: Size, standalone: bool, ids: str) -> ET.Element:
            return charts.draw_mediators(
                rows, measure=measure, t=t, size=s, frame=frame, standalone=standalone, ids=ids
            )  # fmt: skip

        return _body(frame, draw, size, lang)

    return _answer(request, ctx, lang, build, svg=size is not None)


def _body(frame: Frame, draw: Callable[[Size, bool, str], ET.Element], size: Size | None,
          lang: Lang) -> bytes:  # fmt: skip
    if size is not None:
        drawn = charts.tostring(draw(size, True, "pe-"))
        return ('<?xml version="1.0" encoding="UTF-8"?>\n' + drawn).encode()
    inline = []
    for s, ids in ((charts.WIDE, "pe-w-"), (charts.NARROW, "pe-n-")):
        svg = draw(s, False, ids)
        _, _, width, height = (float(v) for v in svg.get("viewBox", "0 0 1 1").split())
        svg.set("class", f"{svg.get('class')} {ratio_class(height / width)}")
        inline.append(charts.tostring(svg))
    wide, narrow = inline
    return page(frame, wide, narrow, lang).encode()


def ratio_class(ratio: float) -> str:
    """The class that keeps a drawing of these proportions from shrinking below four fifths
    of its height at the frame's width (STYLE's RATIOS rules)."""
    step = min(max(round(ratio * 20), RATIOS[0]), RATIOS[-1])
    return f"pe-r{step * 5}"


def _answer(
    request: Request, ctx: ReadContext, lang: Lang, build: Callable[[], bytes], *, svg: bool
) -> Response:
    """Through read_response (the API's ETag, 304, caching, citation headers), then our type,
    language and policy, on a 304 too (app.observability adds the other security headers to
    every answer)."""
    policy = SVG_CSP if svg else PAGE_CSP
    headers = {"Content-Language": lang.value, "Content-Security-Policy": policy}
    return read_response(
        request, version=ctx.version, pinned=ctx.pinned, updated_at=ctx.updated_at,
        fmt=Format.json, build=build, etag_prefix=f"{lang.value}-",
        vary=("Accept-Language",), headers=headers, media_type=SVG_MEDIA if svg else HTML_MEDIA,
    )  # fmt: skip


def page(frame: Frame, wide: str, narrow: str, lang: Lang) -> str:
    """The iframe's page: heading, the drawing (wide or narrow by the frame's width), the
    small print and the link back to the records, which opens outside the frame."""
    e = html.escape
    notes = "".join(f"<p>{e(p)}</p>" for p in frame.small_print)
    return (
        f'<!DOCTYPE html>\n<html lang="{lang.value}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="color-scheme" content="light dark">\n'
        f"<title>{e(frame.title)}</title>\n"
        f'<link rel="stylesheet" href="{STYLE_SHEET.url("embed.css")}">\n</head>\n<body>\n'
        f'<figure>\n<h1>{e(frame.title)}</h1>\n<p class="sub">{e(frame.subtitle)}</p>\n'
        f'{wide}\n{narrow}\n<figcaption>{notes}<p><a href="{e(frame.link_href)}" '
        f'target="_blank" rel="noopener">{e(frame.link_text)}</a></p></figcaption>\n'
        "</figure>\n</body>\n</html>\n"
    )


# ---- the words around the chart --------------------------------------------------------------


def small_print(
    request: Request, ctx: ReadContext, cov: Mapping[str, Any] | None, t: Words
) -> tuple[str, ...]:
    """The dataset version, what the curators vouch for, and how to cite."""
    updated: dt.datetime | None = ctx.updated_at
    if updated is None:
        version = t("Dataset version {version}.", version=ctx.version)
    else:
        version = t("Dataset version {version} of {date}.", version=ctx.version,
                    date=t.date(updated.date(), "long"))  # fmt: skip
    if cov is None:
        covered = t("The curators have not set the coverage yet: no date is vouched for.")
    else:
        covered = t("Curated up to {date}: no record after it means not yet curated, not that "
                    "no exchange took place.", date=t.date(cov["until"], "long"))  # fmt: skip
    cite = citation(ctx.version, updated, base_url(request), t)
    return (charts.tidy(f"{version} {covered}"), t("Cite as: {citation}", citation=cite))


def citation(version: int, updated_at: dt.datetime | None, base: str, t: Words) -> str:
    """app.citation.citation_text in the reader's language (in English, exactly that text):
    the author, the title and the address are names and stay as they are."""
    from app.citation import AUTHOR, version_url

    day = (updated_at or dt.datetime.now(dt.UTC)).date()
    return t("{author} ({year}). {title} (version {version}, {date}) [Data set]. {license}. "
             "{url}", author=AUTHOR, year=day.year, title=DATASET_TITLE, version=version,
             date=day.isoformat(), license=LICENSE, url=version_url(base, version))  # fmt: skip


def records_url(request: Request, *, kinds: str, mediators: Iterable[str] = ()) -> str:
    """GET /v1/exchanges under the chart's filters (as the reader spelled them), narrowed to
    the kinds the measure counts and, for the mediators chart, to the mediators drawn."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k in RECORD_FILTERS]
    named = {k for k, _ in params}
    if "kind" not in named:
        params.append(("kind", kinds))
    chosen = list(mediators)
    if chosen and "mediator" not in named and len(chosen) <= 50:
        params.append(("mediator", ",".join(chosen)))
    return f"{base_url(request)}/v1/exchanges?{urlencode(params)}"


# ---- for the dashboard's "Embed this chart" box --------------------------------------------


def embed_url(
    base: str,
    chart: str,
    params: Iterable[tuple[str, str]] | Mapping[str, str] = (),
    *,
    version: int | None = None,
    lang: Lang | str | None = None,
    svg: bool = False,
) -> str:
    """The address of a chart: `params` are the API's filters (and interval, cumulative,
    measure); `version` pins it (as_of_version), so a published chart never moves."""
    pairs = list(params.items() if isinstance(params, Mapping) else params)
    pairs = [(k, v) for k, v in pairs if k not in ("as_of_version", "lang") and v != ""]
    if lang is not None:
        pairs.append(("lang", str(Lang(lang).value)))
    if version is not None:
        pairs.append(("as_of_version", str(version)))
    query = urlencode(pairs)
    path = f"{base.rstrip('/')}/embed/{Chart(chart).value}{'.svg' if svg else ''}"
    return f"{path}?{query}" if query else path


def iframe_code(
    base: str,
    chart: str,
    params: Iterable[tuple[str, str]] | Mapping[str, str] = (),
    *,
    version: int | None = None,
    lang: Lang | str = Lang.en,
) -> str:
    """The HTML a newsroom pastes: the chart's page in a frame as wide as its column, titled
    for screen readers, sandboxed (no script is needed; its link opens a new tab)."""
    pairs = list(params.items() if isinstance(params, Mapping) else params)
    language_ = Lang(lang)
    measure = dict(pairs).get("measure", "people") if chart == "mediators" else chart
    name = charts.title(
        measure if measure in KINDS else "people",
        mediators=chart == "mediators",
        t=words(language_, "embeds"),
    )
    src = embed_url(base, chart, pairs, version=version, lang=language_)
    return (
        f'<iframe src="{html.escape(src)}" title="{html.escape(name)}" '
        'style="width:100%;aspect-ratio:16/10;min-height:36rem;border:0" loading="lazy" '
        'sandbox="allow-popups allow-popups-to-escape-sandbox"></iframe>'
    )
