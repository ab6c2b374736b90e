"""GET /v1/dataset and its parts: version, changelog, citation, codebook."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from app import codebook, queries
from app.answers import ChangePublic, Codebook, CoverageRecord, DatasetInfo, Item, Page
from app.citation import citation_bibtex, citation_csl, citation_text
from app.codebook import DATASET_NAME, DATASET_TITLE, LICENSE
from app.db import Reads
from app.deps import CursorQ, LangDep, LimitQ, ReadDep, StreamQ
from app.http import Format, base_url, dumps, read_response
from app.problems import NotFound, invalid
from app.routers import common
from app.routers.responses import ERRORS
from app.web import i18n
from app.web.i18n import Lang

router = APIRouter(prefix="/v1", tags=["dataset"])


@router.get(
    "/dataset", operation_id="get_dataset", response_model=Item[DatasetInfo], responses=ERRORS
)
def get_dataset(request: Request, ctx: ReadDep) -> Response:
    """The dataset: name, version, licence, citation, record counts and coverage."""

    def build() -> bytes:
        info = queries.dataset_counts(ctx.session, version=ctx.at())
        cov = ctx.coverage()
        coverage = {"from": None, "until": None, "note": None}
        if cov is not None:
            coverage = {k: cov[k] for k in coverage}
        data = {
            "name": DATASET_NAME,
            "title": DATASET_TITLE,
            "version": ctx.version,
            "updated_at": ctx.updated_at,
            "license": LICENSE,
            "citation": citation_text(ctx.version, ctx.updated_at, base_url(request)),
            "counts": info["counts"],
            "coverage": coverage,
            "records": info["records"],
        }
        return common.envelope(data, {"dataset_version": ctx.version})

    return common.document(request, ctx, build)


@router.get(
    "/dataset/coverage",
    operation_id="get_coverage",
    response_model=Item[CoverageRecord],
    responses=ERRORS,
)
def get_coverage(request: Request, ctx: ReadDep) -> Response:
    """The days the curators vouch for; no record after `until` means not yet curated. Its
    ETag is the If-Match of PUT/PATCH /v1/admin/coverage."""
    row = ctx.coverage()
    if row is None:
        raise NotFound(f"No coverage is set at dataset version {ctx.version}.")
    return common.one(request, ctx, row)


@router.get(
    "/dataset/changes",
    operation_id="list_changes",
    response_model=Page[ChangePublic],
    responses=ERRORS,
)
def list_changes(
    request: Request,
    ctx: ReadDep,
    since_version: Annotated[
        int | None, Query(ge=0, description="Only changes made after this dataset version.")
    ] = None,
    limit: LimitQ = 50,
    cursor: CursorQ = None,
    stream: StreamQ = False,
) -> Response:
    """The public changelog, oldest first: every accepted change, deletions included."""

    def fetch(session: Reads, _at: int | None, after: dict[str, Any] | None, n: int) -> Any:
        seq = None if after is None else after.get("seq")
        if after is not None and (not isinstance(seq, int) or isinstance(seq, bool)):
            raise invalid("cursor", "is not a cursor this API issued")
        return queries.list_changes(
            session, upto=ctx.version, since_version=since_version, limit=n, after=seq
        )

    return common.page(
        request,
        ctx,
        fmt=Format.json,
        cursor=cursor,
        limit=limit,
        stream=stream,
        fetch=fetch,
        key=lambda row: {"seq": row["seq"]},
        columns=queries.CHANGE_COLUMNS,
        filename="changes",
    )


CITATION_MEDIA = {
    "text": "text/plain; charset=utf-8",
    "bibtex": "application/x-bibtex; charset=utf-8",
    "csl-json": "application/vnd.citationstyles.csl+json",
}


@router.get(
    "/dataset/citation",
    operation_id="get_citation",
    response_class=Response,
    responses={
        200: {
            "description": "The citation in the format asked for.",
            "content": {
                "text/plain": {"schema": {"type": "string"}},
                "application/x-bibtex": {"schema": {"type": "string"}},
                "application/vnd.citationstyles.csl+json": {"schema": {"type": "object"}},
            },
        },
        **ERRORS,
    },
)
def get_citation(
    request: Request,
    ctx: ReadDep,
    format: Annotated[
        Literal["text", "bibtex", "csl-json"], Query(description="text, bibtex or csl-json.")
    ] = "text",
) -> Response:
    """How to cite this version of the dataset."""
    base = base_url(request)

    def build() -> bytes:
        if format == "bibtex":
            return citation_bibtex(ctx.version, ctx.updated_at, base).encode()
        if format == "csl-json":
            return dumps(citation_csl(ctx.version, ctx.updated_at, base))
        return (citation_text(ctx.version, ctx.updated_at, base) + "\n").encode()

    return common.document(request, ctx, build, media_type=CITATION_MEDIA[format])


def codebook_document(lang: Lang = Lang.en) -> dict[str, Any]:
    """Every enum, measure and field in words: the same text the OpenAPI descriptions use,
    in English (the source text), or translated by the `codebook` catalog of `lang`. Only
    the definitions are translated: every key (enum value, measure, field) stays as it is."""
    english: dict[str, Any] = {
        "kinds": codebook.KINDS,
        "confidences": codebook.CONFIDENCES,
        "source_kinds": codebook.SOURCE_KINDS,
        "claimants": codebook.CLAIMANTS,
        "figures": codebook.FIGURES,
        "figure_statuses": codebook.FIGURE_STATUSES,
        "qualifiers": codebook.QUALIFIERS,
        "metrics": codebook.METRICS,
        "intervals": codebook.INTERVALS,
        "sorts": codebook.SORTS,
        "measures": codebook.MEASURES,
        "fields": codebook.FIELDS,
        "rules": {
            "measures": codebook.MEASURES_RULE,
            "coverage": codebook.COVERAGE_RULE,
            "best_value": codebook.BEST_VALUE_RULE,
            "undisclosed": codebook.UNDISCLOSED_RULE,
            "privacy": codebook.PRIVACY_RULE,
        },
    }
    if lang is Lang.en:
        return english
    say = i18n.words(lang, "codebook")

    def translated(value: Any) -> Any:
        if isinstance(value, str):
            return say(value)
        return {str(key): translated(text) for key, text in value.items()}

    return {part: translated(value) for part, value in english.items()}


@router.get(
    "/codebook",
    operation_id="get_codebook",
    response_model=Item[Codebook],
    responses={
        200: {
            "description": "The codebook in the language asked for.",
            "headers": {
                "Content-Language": {
                    "description": "The language of the definitions: en, uk or ru.",
                    "schema": {"type": "string", "enum": [lang.value for lang in Lang]},
                }
            },
        },
        **ERRORS,
    },
)
def get_codebook(request: Request, ctx: ReadDep, lang: LangDep) -> Response:
    """Every enum value, measure and field, defined in words: in English, Ukrainian or
    Russian (lang=, else Accept-Language, else English). Keys and enum values never change."""
    return read_response(
        request,
        version=ctx.version,
        pinned=ctx.pinned,
        updated_at=ctx.updated_at,
        fmt=Format.json,
        build=lambda: common.envelope(codebook_document(lang), {"dataset_version": ctx.version}),
        # Each language is its own representation, with its own strong ETag, whether the
        # language came from lang= or from Accept-Language.
        etag_prefix=f"{lang.value}-",
        # On the 304 as on the 200: a cache must key the answer by the language as well.
        vary=("Accept-Language",),
        headers={"Content-Language": lang.value},
    )


@router.get(
    "/dataset/export",
    operation_id="export_dataset",
    response_class=Response,
    responses={
        200: {
            "description": "A zip of every record type as CSV (the format of the curated data "
            "files) with a Frictionless datapackage.json: the same bytes as "
            "`pow-exchanges export` for the same version.",
            "content": {
                "application/zip": {
                    "schema": {"type": "string", "format": "binary"},
                    # A zip cannot be written inline: the example is the live file.
                    "examples": {
                        "current": {
                            "summary": "The export of the current version",
                            "externalValue": "/v1/dataset/export",
                        }
                    },
                }
            },
        },
        **ERRORS,
    },
)
def export_dataset(request: Request, ctx: ReadDep) -> Response:
    """The whole dataset at one version as a zip of CSV files and a Frictionless Data Package."""
    from app.export import build_export, filename

    return common.document(
        request,
        ctx,
        lambda: build_export(ctx.session, ctx.at(), base_url=base_url(request)),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{filename(ctx.version)}"'},
    )
