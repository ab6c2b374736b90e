"""How to cite a version of the dataset: plain text, BibTeX and CSL-JSON."""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.codebook import DATASET_NAME, DATASET_TITLE, LICENSE

AUTHOR = "pow-exchanges contributors"


def _day(updated_at: dt.datetime | None) -> dt.date:
    return (updated_at or dt.datetime.now(dt.UTC)).date()


def version_url(base_url: str, version: int) -> str:
    return f"{base_url}/v1/dataset?as_of_version={version}"


def citation_text(version: int, updated_at: dt.datetime | None, base_url: str) -> str:
    """A plain-text citation naming the version, so any figure can be reproduced."""
    day = _day(updated_at)
    return (
        f"{AUTHOR} ({day.year}). {DATASET_TITLE} (version {version}, {day.isoformat()}) "
        f"[Data set]. {LICENSE}. {version_url(base_url, version)}"
    )


def citation_bibtex(version: int, updated_at: dt.datetime | None, base_url: str) -> str:
    day = _day(updated_at)
    return (
        f"@misc{{{DATASET_NAME.replace('-', '_')}_v{version},\n"
        f"  author = {{{{{AUTHOR}}}}},\n"
        f"  title = {{{{{DATASET_TITLE}}}}},\n"
        f"  year = {{{day.year}}},\n"
        f"  month = {{{day.month}}},\n"
        f"  version = {{{version}}},\n"
        f"  howpublished = {{\\url{{{version_url(base_url, version)}}}}},\n"
        f"  note = {{Data set, licence {LICENSE}}}\n"
        f"}}\n"
    )


def citation_csl(version: int, updated_at: dt.datetime | None, base_url: str) -> dict[str, Any]:
    day = _day(updated_at)
    return {
        "id": f"{DATASET_NAME}-v{version}",
        "type": "dataset",
        "title": DATASET_TITLE,
        "author": [{"literal": AUTHOR}],
        "issued": {"date-parts": [[day.year, day.month, day.day]]},
        "version": str(version),
        "URL": version_url(base_url, version),
        "license": LICENSE,
    }
