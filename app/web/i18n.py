"""Ukrainian, Russian and English for what serves people (the dashboard, embeds, feeds) and
for the codebook's definitions.

The words live in gettext catalogs, `app/web/locales/<lang>/<domain>.po` (one domain per
part: dashboard, embeds, feed, codebook), read with Babel; English is the source text and
needs no catalog. Dates and numbers are formatted by Babel from the CLDR data of each
language, never by hand. Field names and enum values in the JSON never change: only words do.

A request's language is `lang=` when it names one we have, else the best of its
`Accept-Language`, else English.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from starlette.requests import Request

from app.http import accepted

LOCALES = Path(__file__).resolve().parent / "locales"


class Lang(StrEnum):
    en = "en"
    uk = "uk"
    ru = "ru"


DEFAULT = Lang.en
# What each language calls itself, for the switch on the page.
NAMES: Mapping[Lang, str] = {Lang.en: "English", Lang.uk: "Українська", Lang.ru: "Русский"}


def negotiate(asked: str | None, accept_language: str | None) -> Lang:
    """`lang=` when it names a language we have, else Accept-Language's best match, else
    English. `uk-UA`, `ru-RU` and `en-GB` match by their primary subtag."""
    if asked is not None and asked in Lang.__members__:
        return Lang(asked)
    for tag in accepted(accept_language):
        primary = tag.split("-")[0]
        if primary in Lang.__members__:
            return Lang(primary)
        if tag == "*":
            break
    return DEFAULT


def request_lang(request: Request) -> Lang:
    """The language a request asks for, by `lang=` or Accept-Language (see negotiate)."""
    return negotiate(request.query_params.get("lang"), request.headers.get("accept-language"))


@dataclass(frozen=True)
class Catalog:
    """One catalog: msgid -> translation (a string, or the tuple of plural forms), and the
    function from a count to the index of its plural form (the catalog's Plural-Forms)."""

    messages: Mapping[str, Any]
    plural_index: Callable[[int], int]


def _english_plural(n: int) -> int:
    return 0 if n == 1 else 1


@functools.cache
def catalog(lang: Lang, domain: str) -> Catalog:
    """A catalog as read from its .po file; empty for English and for a catalog not written
    yet. Untranslated and fuzzy entries are left out, so they fall back to English (and the
    catalog tests catch them)."""
    path = LOCALES / lang.value / f"{domain}.po"
    if lang is DEFAULT or not path.exists():
        return Catalog({}, _english_plural)
    with path.open("rb") as fh:
        po = read_po(fh, locale=lang.value)
    out: dict[str, Any] = {}
    for message in po:
        if not message.id or message.fuzzy:
            continue
        key = str(message.id[0] if isinstance(message.id, tuple | list) else message.id)
        value = message.string
        if (isinstance(value, tuple) and all(value)) or (isinstance(value, str) and value):
            out[key] = value
    # gettext compiles the C-like Plural-Forms expression of the catalog's header safely.
    return Catalog(out, gettext.c2py(po.plural_expr))


@dataclass(frozen=True)
class Words:
    """The words and formats of one language in one domain."""

    lang: Lang
    domain: str

    def __call__(self, message: str, **values: Any) -> str:
        """The translation of `message`, with `{name}` filled from `values`."""
        found = catalog(self.lang, self.domain).messages.get(message, message)
        text = found if isinstance(found, str) else found[0]
        return text.format(**values) if values else text

    def plural(self, singular: str, plural: str, n: int, **values: Any) -> str:
        """The form of `singular`/`plural` for the count `n` ({n} is filled, formatted)."""
        cat = catalog(self.lang, self.domain)
        forms = cat.messages.get(singular)
        text: str = singular if n == 1 else plural
        if isinstance(forms, tuple):
            text = forms[min(cat.plural_index(n), len(forms) - 1)]
        return text.format(n=self.number(n), **values)

    def number(self, value: float) -> str:
        return str(format_decimal(value, locale=self.lang.value))

    def percent(self, value: float) -> str:
        # The language's own percent pattern ("#,##0 %" in Russian), with one decimal.
        pattern = Locale.parse(self.lang.value).percent_formats[None].pattern
        one_decimal = pattern.replace("#,##0", "#,##0.0", 1)
        return str(format_percent(value, format=one_decimal, locale=self.lang.value))

    def date(self, value: dt.date, form: str = "medium") -> str:
        return str(format_date(value, format=form, locale=self.lang.value))


def words(lang: Lang, domain: str) -> Words:
    return Words(lang, domain)


# A count that falls in each CLDR plural category, to find its form in a gettext catalog.
# "other" in Ukrainian and Russian holds fractions (1.5), which take the "few" form's case.
_SAMPLES = {"zero": 0, "one": 1, "two": 2, "few": 2, "many": 5, "other": 2}


def plural_forms(lang: Lang, domain: str) -> dict[str, dict[str, str]]:
    """Each plural message of a catalog as {CLDR category: text}, for the browser's
    Intl.PluralRules (one, few, many, other); English gives its own two."""
    cat = catalog(lang, domain)
    categories = Locale.parse(lang.value).plural_form.tags | {"other"}
    out: dict[str, dict[str, str]] = {}
    for key, forms in cat.messages.items():
        if isinstance(forms, tuple):
            out[key] = {
                c: forms[min(cat.plural_index(_SAMPLES[c]), len(forms) - 1)] for c in categories
            }
    return out
