"""GET /v1/dataset: the dataset as a whole, its version and how to cite it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from app import queries
from app.citation import citation_text
from app.codebook import DATASET_NAME, DATASET_TITLE, LICENSE
from app.config import get_settings
from app.deps import ReadDep
from app.http import Format, dumps, read_response
from app.routers.responses import ERRORS
from app.schemas import DatasetInfo

router = APIRouter(prefix="/v1/dataset", tags=["dataset"])


def base_url(request: Request) -> str:
    return get_settings().public_base_url.rstrip("/") or str(request.base_url).rstrip("/")


@router.get("", operation_id="get_dataset", response_model=DatasetInfo, responses=ERRORS)
def get_dataset(request: Request, ctx: ReadDep) -> Response:
    """The dataset: name, version, licence, citation, record counts and coverage."""

    def build() -> bytes:
        info = queries.dataset_counts(ctx.session, version=ctx.at())
        return dumps(
            {
                "name": DATASET_NAME,
                "title": DATASET_TITLE,
                "version": ctx.version,
                "updated_at": ctx.updated_at,
                "license": LICENSE,
                "citation": citation_text(ctx.version, ctx.updated_at, base_url(request)),
                **info,
                "meta": {"dataset_version": ctx.version},
            }
        )

    return read_response(
        request,
        version=ctx.version,
        pinned=ctx.pinned,
        updated_at=ctx.updated_at,
        fmt=Format.json,
        build=build,
        cache_control=get_settings().cache_control,
    )
