"""Bring the translation catalogs in line with the English source text.

    uv run python scripts/catalogs.py

Extracts the messages of the dashboard (app/web/templates and app/web/static/app.js: `_()`,
`ngettext()` and `N_()` calls) with Babel, then updates app/web/locales/<lang>/dashboard.po:
new messages are added untranslated, translations kept, messages no longer used dropped. The
other domains (embeds, feed, codebook) keep their catalogs by hand or their own generator;
tests/test_i18n.py checks every domain is complete.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
WEB = ROOT / "app" / "web"
METHODS = [("templates/**.html", "jinja2"), ("static/**.js", "javascript")]
OPTIONS = {
    "templates/**.html": {"extensions": ""},
    "static/**.js": {"parse_template_string": "true", "jsx": "false"},
}
KEYWORDS = {"_": None, "ngettext": (1, 2), "N_": None}
LANGS = ("uk", "ru")
PLURALS = (
    "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
    "(n%100<10 || n%100>=20) ? 1 : 2);"
)


def template() -> Catalog:
    """Every message the dashboard's template and script use, with where it is used."""
    pot = Catalog(project="pow-exchanges", domain="dashboard")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(WEB), METHODS, OPTIONS, keywords=KEYWORDS, strip_comment_tags=True
    ):
        pot.add(message, locations=[(filename, lineno)], auto_comments=comments, context=context)
    return pot


def update(lang: str, pot: Catalog) -> Catalog:
    path = WEB / "locales" / lang / "dashboard.po"
    if path.exists():
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=lang, domain="dashboard")
    else:
        catalog = Catalog(locale=lang, domain="dashboard", project="pow-exchanges")
    created = catalog.creation_date  # kept, so a run that changes nothing changes no byte
    catalog.update(pot, no_fuzzy_matching=True)
    if path.exists():
        catalog.creation_date = created
    catalog.obsolete.clear()
    catalog.fuzzy = False
    catalog.project, catalog.version = "pow-exchanges", "1"
    catalog.copyright_holder = "pow-exchanges contributors"
    catalog.msgid_bugs_address = ""
    catalog.last_translator = "pow-exchanges curators"
    catalog.language_team = f"pow-exchanges ({lang})"
    catalog.header_comment = (
        f"# The dashboard's words in {lang}: see app/web/locales/GLOSSARY.md for the terms.\n"
        "# Updated by scripts/catalogs.py; translations are written by hand."
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(fh, catalog, width=100, omit_header=False, sort_output=True)
    return catalog


def main() -> None:
    pot = template()
    for lang in LANGS:
        catalog = update(lang, pot)
        missing = [m.id for m in catalog if m.id and not m.string]
        print(f"{lang}: {len(catalog)} messages, {len(missing)} untranslated")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
