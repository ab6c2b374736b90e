"""How to cite a version of the dataset."""

from __future__ import annotations

import datetime as dt

from app.codebook import DATASET_TITLE, LICENSE


def citation_text(version: int, updated_at: dt.datetime | None, base_url: str) -> str:
    """A plain-text citation naming the version, so any figure can be reproduced."""
    day = (updated_at or dt.datetime.now(dt.UTC)).date().isoformat()
    year = day[:4]
    return (
        f"pow-exchanges contributors ({year}). {DATASET_TITLE} (version {version}, "
        f"{day}) [Data set]. {LICENSE}. {base_url}/v1/dataset?as_of_version={version}"
    )
