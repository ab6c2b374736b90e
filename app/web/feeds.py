"""GET /feeds/exchanges.atom: an Atom 1.0 feed (RFC 4287) of new, changed and withdrawn
exchanges, read from the changelog, in the reader's language.

One entry per change row of an exchange (create, update, restore, delete): a version of an
event, shown with its figures, their status, its mediators and its sources exactly as they
stood at that dataset version, so an entry never changes once published. The XML is built
with ElementTree, which escapes every text and attribute; nothing is concatenated.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import orjson
from fastapi import APIRouter, Request
from sqlalchemy import Table, func, select
from starlette.responses import Response

from app.citation import AUTHOR
from app.codebook import BODIES_KINDS, DATASET_NAME, FIRST_DATE, LICENSE, Kind
from app.db import Reads
from app.deps import ReadDep
from app.http import Format, base_url, iso_utc, read_response
from app.models import Change, Claim, Mediator, Source, table_of
from app.queries import FIGURES, figure_status
from app.web import i18n
from app.web.i18n import Lang, Words

router = APIRouter(include_in_schema=False)

PATH = "/feeds/exchanges.atom"
MEDIA = "application/atom+xml; charset=utf-8"
LIMIT = 100  # the latest entries; older ones stay in /v1/dataset/changes
ATOM = "http://www.w3.org/2005/Atom"
XHTML = "http://www.w3.org/1999/xhtml"
# Entry ids are tag URIs (RFC 4151) naming the change itself: record id and dataset version
# (an exchange changes at most once per version, so the pair names one change row). Unlike a
# URL of the record, a tag does not move with the host or PUBLIC_BASE_URL, and it also names
# a deletion, which has no record to point at. The project has no domain of its own, so the
# dataset's name is the authority, with the year the feed began; never change this string:
# readers match entries by id.
TAG = f"tag:{DATASET_NAME},2026:"
FEED_ID = f"{TAG}feeds/exchanges"
# Characters XML 1.0 cannot carry at all (C0 controls but tab and line ends, lone surrogates,
# U+FFFE/U+FFFF); a changelog reason is not pattern-checked, so the feed cleans every text.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
STATUS = {"consistent": "consistent", "disputed": "disputed", "single_source": "one source"}
KIND = {
    Kind.pow_exchange: "exchange of prisoners of war",
    Kind.mixed: "exchange of prisoners of war and civilians",
    Kind.civilian_release: "release of civilians",
    Kind.bodies_repatriation: "repatriation of the bodies of the fallen",
}
EVENT = {
    Kind.pow_exchange: "Exchange of {date}",
    Kind.mixed: "Exchange of {date} (prisoners of war and civilians)",
    Kind.civilian_release: "Civilian release of {date}",
    Kind.bodies_repatriation: "Repatriation of {date}",
}
DONE = {
    "create": "New in the dataset at version {version}.",
    "update": "Updated in dataset version {version}.",
    "restore": "Restored to the dataset in version {version}.",
    "delete": "Withdrawn from the dataset in version {version}; below, the record as it "
    "stood before.",
}
FEED_TITLE = (
    "Prisoner-of-war exchanges and repatriations of the bodies of the fallen between Ukraine "
    "and Russia: new and changed records"
)
SUBTITLE = (
    "The latest {n} change to exchanges and repatriations in the dataset, newest first: one "
    "entry for each version of an event, with its figures and sources as they stood then.",
    "The latest {n} changes to exchanges and repatriations in the dataset, newest first: one "
    "entry for each version of an event, with its figures and sources as they stood then.",
)
TITLED = {
    "update": "Updated: {title}",
    "restore": "Restored: {title}",
    "delete": "Withdrawn: {title}",
}


# ---- reads ---------------------------------------------------------------------------------
# What the feed needs beyond queries.list_changes: the newest exchange rows, and the states of
# the records they cite at each row's own version. A fixed number of queries whatever the
# versions: every state up to the feed's version is read once and picked per entry here.


@dataclass(frozen=True)
class Item:
    """One change row of an exchange, with what its entry shows, read at its version."""

    version: int
    created_at: dt.datetime
    action: str
    record_id: str
    record: Mapping[str, Any]  # the state the change made (for a delete: the state it closed)
    before: Mapping[str, Any] | None
    reason: str | None
    at: int  # the version the record is shown at: the change's, or the one before a delete
    published: dt.datetime | None
    status: Mapping[str, str]
    sources: Sequence[Mapping[str, Any]]
    mediators: Sequence[str]


def _states(
    session: Reads, table: Table, columns: Sequence[str], ids: set[str], upto: int
) -> dict[str, list[Mapping[str, Any]]]:
    """Every state of these records up to version `upto`, by id."""
    out: dict[str, list[Mapping[str, Any]]] = {}
    if not ids:
        return out
    q = select(table.c.id, table.c.valid_from, table.c.valid_to, *[table.c[c] for c in columns])
    for row in session.execute(q.where(table.c.id.in_(ids), table.c.valid_from <= upto)):
        out.setdefault(row.id, []).append(dict(row._mapping))
    return out


def _is_live(state: Mapping[str, Any], version: int) -> bool:
    """The rule of curation.live_clause, for a state already read."""
    return bool(
        state["valid_from"] <= version
        and (state["valid_to"] is None or state["valid_to"] > version)
    )


def _live(states: Sequence[Mapping[str, Any]], version: int) -> Mapping[str, Any] | None:
    return next((s for s in states if _is_live(s, version)), None)


def feed_items(session: Reads, upto: int, limit: int = LIMIT) -> list[Item]:
    """The newest `limit` changes of exchanges up to version `upto`, newest first."""
    ch = table_of(Change)
    cols = ("version", "created_at", "action", "record_id", "before", "after", "reason")
    q = (
        select(*[ch.c[c] for c in cols])
        .where(ch.c.record_type == "exchange", ch.c.version <= upto)
        .order_by(ch.c.seq.desc())
        .limit(limit)
    )
    rows = [
        {
            **r._mapping,
            "before": orjson.loads(r.before) if r.before else None,
            "after": orjson.loads(r.after) if r.after else None,
        }
        for r in session.execute(q)
    ]
    if not rows:
        return []
    ids = {r["record_id"] for r in rows}
    first = dict(
        session.execute(
            select(ch.c.record_id, func.min(ch.c.created_at))
            .where(ch.c.record_type == "exchange", ch.c.action == "create")
            .where(ch.c.record_id.in_(ids), ch.c.version <= upto)
            .group_by(ch.c.record_id)
        ).all()
    )
    records = [r["before"] if r["action"] == "delete" else r["after"] for r in rows]
    c = table_of(Claim)
    claims: dict[str, list[Any]] = {}
    for claim in session.execute(
        select(c.c.exchange_id, c.c.figure, c.c.value, c.c.valid_from, c.c.valid_to).where(
            c.c.exchange_id.in_(ids), c.c.disclosed, c.c.valid_from <= upto
        )
    ):
        claims.setdefault(claim.exchange_id, []).append(claim._mapping)
    source_cols = ("url", "publisher", "title", "published", "language")
    sources = _states(
        session, table_of(Source), source_cols, {s for r in records for s in r["sources"]}, upto
    )
    mediators = _states(
        session, table_of(Mediator), ("name",), {m for r in records for m in r["mediators"]}, upto
    )
    items = []
    for row, record in zip(rows, records, strict=True):
        at = row["version"] - 1 if row["action"] == "delete" else row["version"]
        status = {}
        for fig in FIGURES:
            said = [
                cl["value"]
                for cl in claims.get(row["record_id"], [])
                if cl["figure"] == fig and _is_live(cl, at)
            ]
            status[fig] = figure_status(record[fig], said)[0]
        cited = [_live(sources.get(s, []), at) for s in record["sources"]]
        named = [_live(mediators.get(m, []), at) for m in record["mediators"]]
        items.append(
            Item(
                version=row["version"],
                created_at=row["created_at"],
                action=row["action"],
                record_id=row["record_id"],
                record=record,
                before=row["before"] if row["action"] == "update" else None,
                reason=row["reason"],
                at=at,
                published=first.get(row["record_id"]),
                status=status,
                sources=[s for s in cited if s is not None],
                mediators=[
                    m["name"] if m else mid
                    for m, mid in zip(named, record["mediators"], strict=True)
                ],
            )
        )
    return items


# ---- the document --------------------------------------------------------------------------


def _clean(text: str) -> str:
    return NOT_XML.sub("\ufffd", text)


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    """A child element; attribute names with a colon are given with `__` (xml__lang)."""
    el = ET.SubElement(parent, tag, {k.replace("__", ":"): _clean(v) for k, v in attrs.items()})
    if text is not None:
        el.text = _clean(text)
    return el


def _day(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def _bodies(record: Mapping[str, Any]) -> bool:
    return record["kind"] in BODIES_KINDS


def title(say: Words, item: Item) -> str:
    """The entry's title in the reader's language (in English: "Exchange of June 7, 2026: 185
    returned to Ukraine, 185 to Russia"); a figure that was not disclosed says so, never 0."""
    rec = item.record
    bodies = _bodies(rec)
    event = say(EVENT[Kind(rec["kind"])], date=say.date(_day(rec["date"]), "long"))
    ua, ru = rec["ukraine_received"], rec["russia_received"]
    if ua is None:
        to_ukraine = say(
            "number of bodies returned to Ukraine not disclosed"
            if bodies
            else "number returned to Ukraine not disclosed"
        )
    elif bodies:
        to_ukraine = say.plural(
            "{n} body returned to Ukraine", "{n} bodies returned to Ukraine", ua
        )
    else:
        to_ukraine = say.plural("{n} returned to Ukraine", "{n} returned to Ukraine", ua)
    to_russia = (
        say("to Russia not disclosed") if ru is None else say("{n} to Russia", n=say.number(ru))
    )
    text = say(
        "{event}: {to_ukraine}, {to_russia}",
        event=event,
        to_ukraine=to_ukraine,
        to_russia=to_russia,
    )
    return say(TITLED[item.action], title=text) if item.action in TITLED else text


def _count(say: Words, record: Mapping[str, Any], value: int | None) -> str:
    if value is None:
        return say("not disclosed")
    if _bodies(record):
        return say.plural("{n} body", "{n} bodies", value)
    return say.plural("{n} person", "{n} people", value)


def _figure(say: Words, item: Item, figure: str) -> str:
    """One side's figure, with its status and, for an update that changed it, the old one."""
    value = item.record[figure]
    notes = []
    if item.status[figure] in STATUS:
        notes.append(say(STATUS[item.status[figure]]))
    if item.before is not None and item.before.get(figure) != value:
        old = item.before.get(figure)
        shown = say("not disclosed") if old is None else say.number(old)
        notes.append(say("previously {value}", value=shown))
    text = _count(say, item.record, value)
    return f"{text} ({'; '.join(notes)})" if notes else text


def content(parent: ET.Element, say: Words, item: Item) -> None:
    """The entry's XHTML: what happened to the record, why, its figures and its sources."""
    rec = item.record
    div = _add(_add(parent, "content", type="xhtml"), "div", xmlns=XHTML)
    _add(div, "p", say(DONE[item.action], version=str(item.version)))
    if item.reason:
        _add(div, "p", say("Curators' reason: {reason}", reason=item.reason))
    facts = _add(div, "ul")
    where = ("Bodies of the fallen returned to Ukraine", "Bodies of the fallen returned to Russia")
    if not _bodies(rec):
        where = ("Returned alive to Ukraine", "Returned alive to Russia")
    mediators = ", ".join(say(name) for name in item.mediators) or say("none named")
    lines = [
        (say("Kind"), say(KIND[Kind(rec["kind"])])),
        (say("Date"), say.date(_day(rec["date"]), "long")),
        (say(where[0]), _figure(say, item, "ukraine_received")),
        (say(where[1]), _figure(say, item, "russia_received")),
        (say("Mediators"), mediators),
        (say("Confidence"), say(rec["confidence"])),
    ]
    if rec.get("notes"):
        lines.append((say("Curators' notes"), rec["notes"]))
    for label, value in lines:
        _add(facts, "li", f"{label}: {value}")
    _add(div, "p", say("Sources as they stood at dataset version {version}:", version=str(item.at)))
    cited = _add(div, "ul")
    for source in item.sources:
        li = _add(cited, "li")
        link = _add(
            li,
            "a",
            source["title"] or source["publisher"],
            href=source["url"],
            hreflang=source["language"],
            xml__lang=source["language"],
        )
        tail = [source["publisher"]] if source["title"] else []
        if source["published"] is not None:
            tail.append(say.date(source["published"], "long"))
        if tail:
            link.tail = _clean(" \N{EM DASH} " + ", ".join(tail))


def _feed_url(base: str, lang: Lang, version: int | None) -> str:
    query: dict[str, str | int] = {"lang": lang.value}
    if version is not None:
        query["as_of_version"] = version
    return f"{base}{PATH}?{urlencode(query)}"


def render(
    items: Sequence[Item],
    *,
    lang: Lang,
    base: str,
    version: int,
    pinned: bool,
    updated_at: dt.datetime | None,
) -> bytes:
    """The feed document, entries newest first."""
    say = i18n.words(lang, "feed")
    pin = version if pinned else None
    feed = ET.Element("feed", {"xmlns": ATOM, "xml:lang": lang.value})
    _add(feed, "id", FEED_ID)
    _add(feed, "title", say(FEED_TITLE))
    _add(feed, "subtitle", say.plural(*SUBTITLE, LIMIT))
    newest = items[0].created_at if items else updated_at
    _add(feed, "updated", iso_utc(newest or dt.datetime.fromisoformat(FIRST_DATE)))
    author = _add(feed, "author")
    _add(author, "name", AUTHOR)
    _add(author, "uri", f"{base}/")
    _add(
        feed,
        "rights",
        say("Data licensed under {license}: cite the dataset version.", license=LICENSE),
    )
    _add(
        feed,
        "link",
        rel="self",
        type="application/atom+xml",
        hreflang=lang.value,
        href=_feed_url(base, lang, pin),
    )
    for other in Lang:
        if other is not lang:
            _add(
                feed,
                "link",
                rel="alternate",
                type="application/atom+xml",
                hreflang=other.value,
                title=i18n.NAMES[other],
                href=_feed_url(base, other, pin),
            )
    _add(
        feed,
        "link",
        rel="alternate",
        type="text/html",
        hreflang=lang.value,
        href=f"{base}/?{urlencode({'lang': lang.value})}",
    )
    _add(
        feed,
        "link",
        rel="related",
        type="text/plain",
        title=say("How to cite this version of the dataset"),
        href=f"{base}/v1/dataset/citation?as_of_version={version}",
    )
    for item in items:
        entry = _add(feed, "entry")
        _add(entry, "id", f"{TAG}exchange/{item.record_id}/v{item.version}")
        _add(entry, "title", title(say, item), type="text")
        _add(entry, "updated", iso_utc(item.created_at))
        if item.published is not None:
            _add(entry, "published", iso_utc(item.published))
        _add(
            entry,
            "link",
            rel="alternate",
            type="application/json",
            href=f"{base}/v1/exchanges/{quote(item.record_id)}?as_of_version={item.at}",
        )
        _add(
            entry,
            "category",
            term=item.record["kind"],
            scheme=f"{base}/v1/codebook",
            label=say(KIND[Kind(item.record["kind"])]),
        )
        content(entry, say, item)
    body: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return body


@router.get(PATH)
def exchanges_feed(request: Request, ctx: ReadDep) -> Response:
    """The Atom feed of changes to exchanges, in the reader's language (lang=, else
    Accept-Language, else English; an unknown lang falls back, as on the page)."""
    lang = i18n.request_lang(request)
    base = base_url(request)

    def build() -> bytes:
        items = feed_items(ctx.session, ctx.version)
        return render(
            items,
            lang=lang,
            base=base,
            version=ctx.version,
            pinned=ctx.pinned,
            updated_at=ctx.updated_at,
        )

    response = read_response(
        request,
        version=ctx.version,
        pinned=ctx.pinned,
        updated_at=ctx.updated_at,
        fmt=Format.json,
        build=build,
        # Each language is its own representation, with its own strong ETag; on the 304 as
        # on the 200, a cache must key the answer by the language as well.
        etag_prefix=f"{lang.value}-",
        vary=("Accept-Language",),
        headers={"Content-Language": lang.value},
        media_type=MEDIA,
    )
    return response
