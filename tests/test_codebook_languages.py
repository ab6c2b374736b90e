"""GET /v1/codebook in Ukrainian, Russian and English: every definition translated, the keys
and enum values never, one strong ETag per language, and the response cache keeping the
languages apart."""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from enum import StrEnum
from typing import Any

import pytest
from babel.messages.pofile import read_po

from app import codebook
from app.deps import read_context
from app.routers.dataset import codebook_document
from app.web.i18n import LOCALES, Lang, catalog
from tests.helpers import assert_problem

TRANSLATED = (Lang.uk, Lang.ru)
PLURAL_FORMS = (
    "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
    "(n%100<10 || n%100>=20) ? 1 : 2);"
)
ENUMS: tuple[type[StrEnum], ...] = (
    codebook.Kind,
    codebook.Confidence,
    codebook.SourceKind,
    codebook.Claimant,
    codebook.Figure,
    codebook.FigureStatus,
    codebook.Qualifier,
    codebook.Metric,
    codebook.Interval,
    codebook.Sort,
)


def leaves(doc: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    """Every definition of a codebook with the keys that lead to it."""
    if isinstance(doc, str):
        yield path, doc
        return
    for key, value in doc.items():
        yield from leaves(value, (*path, str(key)))


def shape(doc: Any) -> Any:
    """The codebook's keys, nested, without the words."""
    return {str(k): shape(v) for k, v in doc.items()} if isinstance(doc, dict) else str


ENGLISH = codebook_document()
MSGIDS = {text for _, text in leaves(ENGLISH)}


def keys(doc: Any) -> Iterator[str]:
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield str(key)
            yield from keys(value)


# The ASCII words a Ukrainian or Russian definition may contain: identifiers, never English.
# From the codebook itself: its part, record and field names, every enum value (so every
# measure and field name too), the prefixes of the measure names (undisclosed_, cumulative_),
# and the query parameters every read takes (as_of_version).
TOKEN = re.compile(r"[A-Za-z_]+")
IDENTIFIERS = (
    set(keys(ENGLISH))
    | set(inspect.signature(read_context).parameters) - {"request"}
    | {word for enum in ENUMS for value in enum for word in TOKEN.findall(value)}
    | {name.split("_")[0] + "_" for name in codebook.MEASURE_FIELDS if "_" in name}
    | {codebook.CUMULATIVE_PREFIX}
)
# And by hand, the few codes and names that are written the same in every language.
CODES = {
    "ISO": "ISO 8601 weeks, ISO 639-1 languages",
    "SPDX": "the licence identifier's standard",
    "UTC": "the time zone",
    "ETag": "the HTTP header",
    "http": "URL scheme",
    "https": "URL scheme",
    "YYYY": "the date format YYYY-MM-DD",
    "MM": "the date format YYYY-MM-DD",
    "DD": "the date format YYYY-MM-DD",
    "W": "a week's label, 2024-W29",
    "Q": "a quarter's label, 2024-Q3",
    "b": "an id's suffix, -b",
    "c": "an id's suffix, -c",
    "null": "JSON",
    "false": "JSON",
    "min": "a key of figure_range",
    "max": "a key of figure_range",
    "Telegram": "a proper name",
    "X": "a proper name",
}
ALLOWED = IDENTIFIERS | set(CODES)
# What must come through a translation exactly as in the English: snake_case names, dotted
# ids, dates and labels, codes.
KEPT = re.compile(
    r"\b[a-z]+(?:_[a-z]+)+\b|\b[a-z]+_(?![a-z])|\b[a-z_]+(?:\.[a-z_]+)+\b|"
    r"\d{4}-\d{2}-\d{2}|\b\d{4}-(?:W\d{2}|Q\d|\d{2})\b|ISO [\d-]+|YYYY-MM-DD|"
    r"\b(?:SPDX|UTC|ETag|https?|null|min/max|Telegram)\b|-[bc23]\b|\b301\b"
)


def kept(text: str) -> list[str]:
    found = KEPT.findall(text)
    # Dotted words that are not the codebook's ids (i.e.) are English, not identifiers.
    return sorted(
        t for t in found if "." not in t or all(part in IDENTIFIERS for part in t.split("."))
    )


def read(lang: Lang) -> Any:
    with (LOCALES / lang.value / "codebook.po").open("rb") as fh:
        return read_po(fh, locale=lang.value)


# The catalogs ------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", TRANSLATED)
def test_each_catalog_translates_every_string_of_the_codebook_and_no_other(lang):
    po = read(lang)
    entries = {str(m.id): m for m in po if m.id}
    assert set(entries) - MSGIDS == set(), "stale msgids: the codebook no longer says these"
    assert MSGIDS - set(entries) == set(), "missing: strings of the codebook not in the catalog"
    for msgid, message in entries.items():
        assert not message.fuzzy, msgid
        assert isinstance(message.string, str) and message.string.strip(), msgid
        assert message.string != msgid, msgid
        assert message.string == message.string.strip(), msgid
    # The app reads every one of them (none dropped as fuzzy or empty).
    assert set(catalog(lang, "codebook").messages) == MSGIDS
    assert len(MSGIDS) > 100


@pytest.mark.parametrize("lang", TRANSLATED)
def test_each_catalog_has_the_header_babel_needs(lang):
    text = (LOCALES / lang.value / "codebook.po").read_text(encoding="utf-8")
    assert f'"Language: {lang.value}\\n"' in text
    assert '"Content-Type: text/plain; charset=UTF-8\\n"' in text
    assert f'"Plural-Forms: {PLURAL_FORMS}\\n"' in text
    po = read(lang)
    assert po.locale is not None and po.locale.language == lang.value
    assert po.num_plurals == 3
    header = next(m for m in po if not m.id)
    assert not header.fuzzy


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translations_keep_every_identifier_and_add_no_english(lang):
    for path, english in leaves(ENGLISH):
        text = codebook_document(lang)
        for key in path:
            text = text[key]
        assert isinstance(text, str)
        assert kept(text) == kept(english), (path, text)
        stray = [w for w in TOKEN.findall(text) if w not in ALLOWED]
        assert stray == [], (path, stray, text)
        # and each of those the English of this very definition names (null for False too).
        named = {w.lower() for w in TOKEN.findall(english)}
        assert [w for w in TOKEN.findall(text) if w.lower() not in named] == [], (path, text)
        # No Latin letter passes for its Cyrillic look-alike (i, o, c, ...) inside a word.
        assert not re.search(r"[\u0400-\u04ff][A-Za-z]|[A-Za-z][\u0400-\u04ff]", text)


def test_the_allow_list_comes_from_the_codebook():
    # Spot checks that the identifiers the definitions name are there without a hand list.
    assert {"bodies_repatriation", "people_to_ukraine", "ukraine_received", "counted_from",
            "as_of_version", "more_than", "single_source", "undisclosed_"} <= ALLOWED  # fmt: skip
    # and that the English codebook would fail the check: it is not vacuous.
    assert [w for w in TOKEN.findall(codebook.PRIVACY_RULE) if w not in ALLOWED]


def test_the_documents_have_the_same_keys_and_english_is_the_source():
    assert codebook_document(Lang.en) == ENGLISH
    assert ENGLISH["fields"] == codebook.FIELDS
    assert ENGLISH["measures"] == codebook.MEASURES
    for lang in TRANSLATED:
        doc = codebook_document(lang)
        assert shape(doc) == shape(ENGLISH)
        assert list(keys(doc)) == list(keys(ENGLISH))  # the same order too
        for enum, part in (
            (codebook.Kind, "kinds"),
            (codebook.FigureStatus, "figure_statuses"),
            (codebook.Sort, "sorts"),
            (codebook.Metric, "metrics"),
        ):
            assert list(doc[part]) == [e.value for e in enum]
        assert all(text not in MSGIDS for _, text in leaves(doc)), lang


# The route ---------------------------------------------------------------------------------


def body_of(r: Any) -> dict[str, Any]:
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


@pytest.mark.parametrize(
    ("params", "headers", "lang"),
    [
        ({"lang": "uk"}, {}, Lang.uk),
        ({}, {"Accept-Language": "uk-UA"}, Lang.uk),
        ({}, {"Accept-Language": "de-DE, ru;q=0.8, en;q=0.5"}, Lang.ru),
        ({"lang": "ru"}, {"Accept-Language": "uk"}, Lang.ru),
        ({"lang": "en"}, {"Accept-Language": "uk"}, Lang.en),
        ({}, {"Accept-Language": "de"}, Lang.en),
        ({}, {}, Lang.en),
    ],
)
def test_the_language_is_lang_then_accept_language_then_english(client, params, headers, lang):
    r = client.get("/v1/codebook", params=params, headers=headers)
    assert body_of(r) == codebook_document(lang)
    assert r.headers["content-language"] == lang.value
    assert r.headers["vary"].startswith("Accept, Accept-Language")
    assert r.json()["meta"] == {"dataset_version": 1}


def test_an_unknown_lang_is_a_422_naming_it(client):
    assert_problem(client.get("/v1/codebook?lang=de"), 422, "lang")
    assert_problem(client.get("/v1/codebook?lang=UK"), 422, "lang")


def test_the_openapi_document_names_the_languages_and_keeps_the_english(client):
    doc = client.get("/openapi.json").json()
    op = doc["paths"]["/v1/codebook"]["get"]
    lang = next(p for p in op["parameters"] if p["name"] == "lang")
    schema = lang["schema"].get("anyOf", [lang["schema"]])[0]
    if "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    assert set(schema["enum"]) == {"en", "uk", "ru"}
    assert "Content-Language" in op["responses"]["200"]["headers"]
    props = doc["components"]["schemas"]["ExchangePublic"]["properties"]
    assert props["ukraine_received"]["description"] == codebook.field(
        "exchange", "ukraine_received"
    )


def test_each_language_has_its_own_etag_and_304(client):
    tags = {}
    for lang in Lang:
        r = client.get("/v1/codebook", headers={"Accept-Language": lang.value})
        assert r.headers["content-language"] == lang.value
        tags[lang] = r.headers["etag"]
        assert tags[lang].startswith(f'"{lang.value}-')
    assert len(set(tags.values())) == 3
    for lang in Lang:
        same = client.get(
            "/v1/codebook", headers={"Accept-Language": lang.value, "If-None-Match": tags[lang]}
        )
        assert same.status_code == 304 and same.content == b""
        assert same.headers["etag"] == tags[lang]
        assert "Accept-Language" in same.headers["vary"]
        for other in Lang:
            if other is lang:
                continue
            r = client.get(
                "/v1/codebook",
                headers={"Accept-Language": lang.value, "If-None-Match": tags[other]},
            )
            assert body_of(r) == codebook_document(lang)
    # lang= is a URL of its own, with ETags of its own, that 304 the same way.
    uk = client.get("/v1/codebook?lang=uk")
    assert uk.headers["etag"].startswith('"uk-') and uk.headers["etag"] not in tags.values()
    again = client.get("/v1/codebook?lang=uk", headers={"If-None-Match": uk.headers["etag"]})
    assert again.status_code == 304


def test_the_response_cache_never_gives_one_language_the_others_body(client):
    assert client.app.front is not None, "the client fixture is meant to have the cache on"
    order = [Lang.uk, Lang.en, Lang.ru, Lang.uk, Lang.en, Lang.ru, Lang.en]
    for lang in order:  # the second round is answered from the cache
        for accept_language in (lang.value, f"{lang.value}-XX, de;q=0.9"):
            r = client.get(
                "/v1/codebook",
                headers={"Accept-Language": accept_language, "Accept-Encoding": "gzip"},
            )
            assert body_of(r) == codebook_document(lang), (lang, accept_language)
            assert r.headers["content-language"] == lang.value
            assert "Accept-Language" in r.headers["vary"]
    # With lang= in the URL, Accept-Language changes nothing, cached or not.
    for accept_language in ("en", "uk", "ru", "en", "uk", "ru"):
        r = client.get("/v1/codebook?lang=ru", headers={"Accept-Language": accept_language})
        assert body_of(r) == codebook_document(Lang.ru)
