"""The languages: negotiation, Babel's formats, and the dashboard's catalogs complete and in
step with the page (the feed, the embeds and the codebook test their own catalogs)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import re

import pytest
from babel.messages.pofile import read_po

from app.web import i18n
from app.web.i18n import Lang
from tests.conftest import ROOT

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def extracted() -> dict[str, tuple[str, ...]]:
    """The dashboard's messages as scripts/catalogs.py extracts them from the page."""
    spec = importlib.util.spec_from_file_location("catalogs", ROOT / "scripts" / "catalogs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = {}
    for message in module.template():
        if message.id:
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            out[ids[0]] = ids
    return out


@pytest.mark.parametrize("lang", ["uk", "ru"])
def test_the_dashboard_catalog_is_complete_and_in_step_with_the_page(lang):
    with (ROOT / "app" / "web" / "locales" / lang / "dashboard.po").open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    messages = {(m.id[0] if isinstance(m.id, tuple) else m.id): m for m in catalog if m.id}
    page = extracted()
    # Every message the page uses is in the catalog, and nothing stale is left there.
    assert sorted(messages) == sorted(page)
    for key, message in messages.items():
        assert not message.fuzzy, key
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"untranslated: {key!r}"
        if isinstance(message.id, tuple):
            assert len(strings) == 3, key  # one, few, many
        # The same placeholders in every form: a translation never drops a figure.
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) <= set(PLACEHOLDER.findall(" ".join(page[key])))
            assert set(PLACEHOLDER.findall(key)) <= set(PLACEHOLDER.findall(text)) | {"n"}


@pytest.mark.parametrize(
    ("asked", "header", "want"),
    [
        ("uk", "ru", Lang.uk),
        (None, "ru-RU,ru;q=0.9,en;q=0.8", Lang.ru),
        (None, "de-DE, uk;q=0.5, en;q=0.4", Lang.uk),
        (None, "en-GB;q=0.2, ru;q=0", Lang.en),
        (None, "fr, de", Lang.en),
        ("de", "uk-UA", Lang.uk),  # an unknown lang= falls back to the header
        (None, None, Lang.en),
        (None, "*", Lang.en),
    ],
)
def test_negotiation(asked, header, want):
    assert i18n.negotiate(asked, header) == want


def test_babel_formats_each_language_as_it_writes_itself():
    day = dt.date(2026, 6, 7)
    uk, ru, en = (i18n.words(lang, "dashboard") for lang in (Lang.uk, Lang.ru, Lang.en))

    def spaced(text: str) -> str:  # CLDR writes no-break spaces of two widths
        return re.sub("[\u00a0\u202f]", " ", text)

    assert spaced(uk.date(day, "long")) == "7 червня 2026 р."
    assert spaced(ru.date(day, "long")) == "7 июня 2026 г."
    assert en.date(day, "long") == "June 7, 2026"
    assert spaced(uk.number(6922)) == "6 922"
    assert en.number(6922) == "6,922"
    assert spaced(ru.percent(0.9921)) == "99,2 %"


def test_plural_forms_follow_each_language():
    uk = i18n.words(Lang.uk, "dashboard")
    forms = [uk.plural("{n} exchange", "{n} exchanges", n) for n in (1, 3, 5, 11, 21, 1234)]
    assert forms == ["1 обмін", "3 обміни", "5 обмінів", "11 обмінів", "21 обмін",
                     "1\xa0234 обміни"]  # fmt: skip
    en = i18n.words(Lang.en, "dashboard")
    assert en.plural("{n} exchange", "{n} exchanges", 1) == "1 exchange"
    assert en.plural("{n} exchange", "{n} exchanges", 2) == "2 exchanges"
    # For the browser: one text per CLDR category.
    assert i18n.plural_forms(Lang.ru, "dashboard")["{n} day"] == {
        "one": "{n} день", "few": "{n} дня", "many": "{n} дней", "other": "{n} дня",
    }  # fmt: skip


@pytest.mark.parametrize("lang", ["uk", "ru"])
def test_each_mediator_has_one_name_in_each_language(lang):
    """The dashboard, the feed and the embeds name a mediator with the same words."""
    import csv

    from app.web.charts import MEDIATOR_NAMES

    with (ROOT / "data" / "mediators.csv").open(newline="", encoding="utf-8") as fh:
        mediators = {row["id"]: row["name"] for row in csv.DictReader(fh)}
    assert {slug: str(name) for slug, name in MEDIATOR_NAMES.items()} == mediators
    said = {}
    for domain in ("dashboard", "feed", "embeds"):
        with (ROOT / "app" / "web" / "locales" / lang / f"{domain}.po").open("rb") as fh:
            po = {m.id: m.string for m in read_po(fh, locale=lang) if m.id}
        said[domain] = {name: po.get(name) for name in mediators.values()}
    assert all(said["dashboard"].values())
    assert said["dashboard"] == said["feed"] == said["embeds"]
