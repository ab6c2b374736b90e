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


class Claimant(StrEnum):
    ua_official = "ua_official"
    ru_official = "ru_official"
    mediator = "mediator"
    media = "media"
    other = "other"


class Figure(StrEnum):
    ukraine_received = "ukraine_received"
    russia_received = "russia_received"


class FigureStatus(StrEnum):
    consistent = "consistent"
    disputed = "disputed"
    single_source = "single_source"
    undisclosed = "undisclosed"


class Qualifier(StrEnum):
    exact = "exact"
    more_than = "more_than"
    about = "about"


class Metric(StrEnum):
    people_returned_to_ukraine = "people_returned_to_ukraine"
    bodies_returned_to_ukraine = "bodies_returned_to_ukraine"
    exchanges_count = "exchanges_count"
    mediator_total = "mediator_total"
    other = "other"


class Interval(StrEnum):
    week = "week"
    month = "month"
    quarter = "quarter"
    year = "year"


class Sort(StrEnum):
    date = "date"
    date_desc = "-date"
    total = "total"
    total_desc = "-total"


KINDS: Final[dict[str, str]] = {
    Kind.pow_exchange: "A handover of prisoners of war (service members), possibly with a few "
    "civilians, counted in people.",
    Kind.bodies_repatriation: "A repatriation of the remains of the fallen; figures count bodies "
    "as the receiving side announced them (not identified people), never living people.",
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

CLAIMANTS: Final[dict[str, str]] = {
    Claimant.ua_official: "A Ukrainian official body or official (Coordination Headquarters, "
    "ombudsman, President, ministries).",
    Claimant.ru_official: "A Russian official body or official (Ministry of Defence, "
    "ombudsman, negotiators).",
    Claimant.mediator: "A mediating state or organisation (for example the UAE).",
    Claimant.media: "A news outlet's own figure, where no official is named.",
    Claimant.other: "Anyone else (experts, local authorities).",
}

FIGURES: Final[dict[str, str]] = {
    Figure.ukraine_received: "People (or bodies) returned to Ukraine.",
    Figure.russia_received: "People (or bodies) returned to Russia.",
}

# The two measures. A record has one kind, so its own figures count one of them; statistics
# count each apart and never add one to the other.
PEOPLE_KINDS: Final = (Kind.pow_exchange, Kind.mixed, Kind.civilian_release)
BODIES_KINDS: Final = (Kind.bodies_repatriation,)
# The field that counts the events of each measure.
EVENTS_OF: Final = {"people": "exchanges", "bodies": "repatriations"}

PEOPLE: Final = (
    "people: persons returned alive, i.e. the stated figures of events of kind pow_exchange, "
    "mixed and civilian_release (prisoners of war and civilians together)"
)
BODIES: Final = (
    "bodies: bodies of the fallen handed over in events of kind bodies_repatriation, as the "
    "receiving side announced them; not identified people (since mid-2025 Ukraine announces "
    "the bodies it receives as those which, according to the Russian side, belong to "
    "Ukrainian servicemen), and never added to people"
)
_SUM = (
    "Sum of the stated figures; events whose figure was not disclosed add nothing here "
    "and are counted in the matching undisclosed_ field."
)
_UNDISCLOSED = "How many events left this figure undisclosed (never counted as zero)."

# Every numeric field of the statistics, by name: JSON and CSV alike. A cumulative series
# adds the same fields prefixed with cumulative_ (running sums from the first period).
MEASURES: Final[dict[str, str]] = {
    "exchanges": "Events in which living people were returned (kinds pow_exchange, mixed, "
    "civilian_release), whatever their figures.",
    "repatriations": "Events in which bodies of the fallen were returned (kind "
    "bodies_repatriation), whatever their figures.",
    "people_to_ukraine": f"People returned alive to Ukraine. {_SUM}",
    "people_to_russia": f"People returned alive to Russia. {_SUM}",
    "bodies_to_ukraine": f"Bodies of the fallen returned to Ukraine. {_SUM}",
    "bodies_to_russia": f"Bodies of the fallen returned to Russia. {_SUM}",
    "undisclosed_people_to_ukraine": f"Exchanges of living people that did not disclose how many "
    f"returned to Ukraine. {_UNDISCLOSED}",
    "undisclosed_people_to_russia": f"Exchanges of living people that did not disclose how many "
    f"returned to Russia. {_UNDISCLOSED}",
    "undisclosed_bodies_to_ukraine": f"Repatriations that did not disclose how many bodies "
    f"returned to Ukraine. {_UNDISCLOSED}",
    "undisclosed_bodies_to_russia": f"Repatriations that did not disclose how many bodies "
    f"returned to Russia. {_UNDISCLOSED}",
}
MEASURE_FIELDS: Final = tuple(MEASURES)
CUMULATIVE_PREFIX: Final = "cumulative_"
MEASURES_RULE: Final = (
    f"Two measures, never added together: {PEOPLE}; {BODIES}. Every numeric field of the "
    "statistics names its measure and side (people_to_ukraine, bodies_to_russia, ...); "
    "exchanges counts events with living people and repatriations events with bodies."
)
COVERAGE_RULE: Final = (
    "The dataset's coverage runs from coverage.from to coverage.until, the last day the "
    "curators vouch for. No record after coverage.until means not yet curated, never no "
    "exchanges."
)

FIGURE_STATUSES: Final[dict[str, str]] = {
    FigureStatus.consistent: "Two or more claims give a figure and all agree with the best value.",
    FigureStatus.disputed: "Claims differ from one another or from the best value; the range "
    "of claims is shown as min/max.",
    FigureStatus.single_source: "The best value rests on one claim, or on the curators' reading "
    "of the sources when no claim is recorded.",
    FigureStatus.undisclosed: "The best value is null: the side did not publicly state it. Any "
    "claims (including refusals to give a number) are still listed.",
}

BEST_VALUE_RULE: Final = (
    "The exchange's own figure is the curators' best value: by default the receiving side's own "
    "official figure (Ukraine's for ukraine_received, Russia's for russia_received); where that "
    "side gave none, the other side's or a mediator's figure, as the notes say; null when no one "
    "stated it. Claims are the evidence and never overwrite it."
)

QUALIFIERS: Final[dict[str, str]] = {
    Qualifier.exact: "The statement gives an exact number.",
    Qualifier.more_than: 'The statement says "more than" the number.',
    Qualifier.about: "The statement gives an approximate number.",
}

METRICS: Final[dict[str, str]] = {
    Metric.people_returned_to_ukraine: "Living people returned to Ukraine. The dataset counts it "
    "as ukraine_received summed over every kind except bodies_repatriation.",
    Metric.bodies_returned_to_ukraine: "Bodies of the fallen returned to Ukraine; the dataset "
    "counts ukraine_received over bodies_repatriation events. Officials keep several series "
    "with different bases (since 24 February 2022, since the Missing Persons Commissioner's "
    "appointment on 20 May 2022, one year or one deal only): counted_from carries the base, "
    "and the dataset counts from the same day.",
    Metric.exchanges_count: "Number of exchanges of living people; the dataset counts events of "
    "every kind except bodies_repatriation.",
    Metric.mediator_total: "Captives of both sides released through one mediator's good offices "
    "(both directions, that mediator's swaps only); never compared with people returned to "
    "Ukraine, and not counted by the dataset.",
    Metric.other: "Any other figure stated (returns outside exchanges, yearly counts by "
    "category); not counted by the dataset.",
}

INTERVALS: Final[dict[str, str]] = {
    Interval.week: "ISO 8601 weeks, Monday to Sunday, labelled 2024-W29.",
    Interval.month: "Calendar months, labelled 2024-07.",
    Interval.quarter: "Calendar quarters, labelled 2024-Q3.",
    Interval.year: "Calendar years, labelled 2024.",
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
        "figure_status": "Per side, how the figure stands against the claims: consistent, "
        "disputed, single_source or undisclosed.",
        "figure_range": "Per side, the smallest and largest figure among the claims and the best "
        "value (null when no figure is known).",
        "agreements": "Ids of the staged agreements this exchange delivered a stage of.",
        "claims": "Every claimant's figure for this exchange (single-exchange view).",
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
    "claim": {
        "id": "Stable id of the claim: exchange.figure.claimant, with -2, -3 for further "
        "statements by the same claimant.",
        "exchange": "Id of the exchange the claim is about.",
        "claimant": "Who made the claim; see the claimants.",
        "figure": "Which figure it is about: ukraine_received or russia_received.",
        "value": "The number the claimant gave; null when disclosed is false.",
        "disclosed": "False when the claimant said it would not give a number (never zero).",
        "sources": "Ids of the publications that report the claim.",
        "note": "How the figure was given (for example parts that were added up).",
        "updated_at": "When this record last changed (UTC).",
        "revision": "Bumps by one on every change of this record.",
    },
    "agreement": {
        "id": "Stable slug of the agreement.",
        "name": "Its name as reported.",
        "agreed_on": "The day it was agreed; null where not seen.",
        "agreed_ukraine_received": "How many were to return to Ukraine; null when agreed by "
        "category rather than number.",
        "agreed_russia_received": "How many were to return to Russia; null likewise.",
        "stages": "Ids of the exchanges that delivered it, in order.",
        "sources": "Ids of the publications that report it.",
        "note": "The curators' summary.",
        "updated_at": "When this record last changed (UTC).",
        "revision": "Bumps by one on every change of this record.",
    },
    "official_total": {
        "id": "Stable id: date.claimant.metric, with -2, -3 for further statements that day.",
        "date": "The day the total was stated.",
        "claimant": "Who stated it; see the claimants.",
        "metric": "What it counts; see the metrics.",
        "value": "The number stated.",
        "qualifier": "exact, more_than or about.",
        "counted_from": "The first day the statement counts from, where it counts from a later "
        "day than 2022-02-24 (for example a calendar year, or since a deal); null otherwise.",
        "sources": "Ids of the publications that report it.",
        "note": "What exactly the statement counts, in the curators' words.",
        "updated_at": "When this record last changed (UTC).",
        "revision": "Bumps by one on every change of this record.",
    },
    "coverage": {
        "id": "Always dataset: the dataset has one coverage.",
        "from": "The first day the curators vouch for (2022-02-24, the full-scale invasion).",
        "until": "The last day the curators vouch for: every event they know of up to this "
        "day is recorded. No record after it means not yet curated, never no exchanges; "
        "records are never dated after it, and the time series end with its period.",
        "note": "What the curators searched up to that day, in their own words.",
        "updated_at": "When the coverage last changed (UTC).",
        "revision": "Bumps by one on every change of the coverage.",
    },
    "moved_exchange": {
        "id": "An exchange id that no longer exists because the event was re-dated (an "
        "exchange's id is its date); reading it answers 301 to the new id.",
        "moved_to": "The id the event has now.",
        "note": "Why it moved, in the curators' words.",
        "updated_at": "When this record last changed (UTC).",
        "revision": "Bumps by one on every change of this record.",
    },
    "dataset": {
        "name": "The dataset's name.",
        "version": "An integer: 1 after the first load, increased by exactly one by every "
        "accepted write. Pass it as as_of_version to reproduce any answer.",
        "updated_at": "When the current version was written (UTC).",
        "license": "SPDX identifier of the data licence.",
        "citation": "How to cite this version, as plain text.",
        "coverage": "The days the curators vouch for (from, until) and their note; see the "
        "coverage rule.",
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
