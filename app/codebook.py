"""The codebook: every enum value and field defined in words, the one text behind the docs."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

FIRST_DATE: Final = "2022-02-24"
LICENSE: Final = "CC-BY-4.0"
DATASET_NAME: Final = "pow-exchanges"
DATASET_TITLE: Final = "Prisoner-of-war exchanges between Ukraine and Russia since 24 February 2022"


class Kind(StrEnum):
    pow_exchange = "pow_exchange"
    bodies_repatriation = "bodies_repatriation"
    civilian_release = "civilian_release"
    mixed = "mixed"


class Confidence(StrEnum):
    high = "high"
    medium = "medium"
    low = "low"


class SourceKind(StrEnum):
    official = "official"
    media = "media"
    social = "social"
    ngo = "ngo"
    dataset = "dataset"


class Sort(StrEnum):
    date = "date"
    date_desc = "-date"
    total = "total"
    total_desc = "-total"


KINDS: Final[dict[str, str]] = {
    Kind.pow_exchange: "A handover of prisoners of war (service members), possibly with a few "
    "civilians, counted in people.",
    Kind.bodies_repatriation: "A repatriation of the remains of the fallen; figures count bodies, "
    "not living people.",
    Kind.civilian_release: "A release of civilians only, counted in people.",
    Kind.mixed: "One handover that returned both prisoners of war and a substantial number of "
    "civilians, counted in people.",
}

CONFIDENCES: Final[dict[str, str]] = {
    Confidence.high: "Two or more independent reports agree on the event and its figures, or an "
    "official statement of the receiving side gives them.",
    Confidence.medium: "A single report, or figures that appear only as background in a report "
    "about something else.",
    Confidence.low: "The event is reported but its date or figures are unverified.",
}

SOURCE_KINDS: Final[dict[str, str]] = {
    SourceKind.official: "A statement published by a government body or official.",
    SourceKind.media: "A news report (agency, newspaper, broadcaster, online outlet).",
    SourceKind.social: "A post on a social network (Telegram, X) by an official or outlet.",
    SourceKind.ngo: "A report by a non-governmental or international organisation.",
    SourceKind.dataset: "A published research dataset.",
}

SORTS: Final[dict[str, str]] = {
    Sort.date: "Oldest first, then by id.",
    Sort.date_desc: "Newest first, then by id descending (the default).",
    Sort.total: "Smallest total first; events whose total is unknown come first.",
    Sort.total_desc: "Largest total first; events whose total is unknown come last.",
}

# Field definitions, keyed by record then field. The OpenAPI schema reads its descriptions
# from here, and GET /v1/codebook serves the same text, so the two cannot disagree.
FIELDS: Final[dict[str, dict[str, str]]] = {
    "exchange": {
        "id": "Stable slug: the date of the handover, plus -b, -c where a day had several events.",
        "date": "The day of the handover (YYYY-MM-DD).",
        "kind": "What was handed over; see the kinds.",
        "ukraine_received": "People (or, for bodies_repatriation, bodies) returned to Ukraine, "
        "by Ukraine's official figure where one exists; null when not publicly stated, never "
        "zero. Foreign nationals and bodies returned alongside are not counted, except where "
        "the notes say so.",
        "russia_received": "People (or bodies) returned to Russia, by the Russian official figure "
        "where one exists; null when not publicly stated, never zero.",
        "total": "ukraine_received + russia_received; null when either side is unknown.",
        "mediators": "Slugs of the states or organisations a source names as mediator or host.",
        "ua_sequence_number": "Ukraine's official running number of the exchange "
        '("the 54th exchange") where a source states it; null otherwise, never inferred.',
        "ua_categories": "Who returned to Ukraine, where stated (Armed Forces, National Guard, "
        "civilians, ...). Categories only: no personal names are ever stored or served.",
        "notes": "One or two sentences in the curators' own words.",
        "confidence": "How well the event and its figures are attested; see the grades.",
        "sources": "Ids of the publications that report the event (embedded objects in the "
        "single-exchange view).",
        "updated_at": "When this record last changed (UTC).",
        "revision": "Bumps by one on every change of this record; the record's ETag derives "
        "from it.",
    },
    "source": {
        "id": "Stable slug of the publication.",
        "url": "Where the publication was read (http or https).",
        "publisher": "The outlet or body that published it.",
        "title": "Its headline, where recorded; null otherwise.",
        "published": "Its publication date; null where only a month or nothing was recorded.",
        "kind": "What sort of publication it is; see the source kinds.",
        "language": "Its language, ISO 639-1.",
        "exchanges": "Ids of the exchanges it reports (single-source view).",
        "updated_at": "When this record last changed (UTC).",
        "revision": "Bumps by one on every change of this record.",
    },
    "mediator": {
        "id": "Slug of the mediating state or organisation.",
        "name": "Its name in English.",
        "exchanges": "How many exchanges it brokered or hosted (in the requested view).",
    },
    "dataset": {
        "name": "The dataset's name.",
        "version": "An integer: 1 after the first load, increased by exactly one by every "
        "accepted write. Pass it as as_of_version to reproduce any answer.",
        "updated_at": "When the current version was written (UTC).",
        "license": "SPDX identifier of the data licence.",
        "citation": "How to cite this version, as plain text.",
    },
}

PRIVACY_RULE: Final = (
    "No personal names of captives are ever stored or served: counts and categories only."
)
UNDISCLOSED_RULE: Final = (
    "A null figure means the side did not publicly state it. It is never zero: sums count only "
    "known figures and report the events with an unknown figure apart."
)


def field(record: str, name: str) -> str:
    """The definition of one field, for schema descriptions."""
    return FIELDS[record][name]
