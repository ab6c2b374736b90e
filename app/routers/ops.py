"""Operational endpoints: liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import text
from starlette.responses import Response

from app.db import read_session
from app.deps import engine_of
from app.http import dumps
from app.problems import problem_response
from app.queries import dataset_state
from app.resources import head_revision
from app.routers.responses import problem

router = APIRouter(tags=["operations"])


@router.get("/healthz", operation_id="healthz")
def healthz(request: Request) -> Response:
    """The process is alive (it does not touch the database)."""
    # The one envelope of every JSON read. This probe never touches the database, so it
    # gives the last dataset version this process saw (null before it saw one).
    versions = getattr(request.app.state, "versions", None)
    seen = versions.last if versions is not None else None
    return Response(
        dumps({"data": {"status": "ok"}, "meta": {"dataset_version": seen}}),
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


@router.get("/readyz", operation_id="readyz", responses={503: problem("Not ready.")})
def readyz(request: Request) -> Response:
    """The database answers and its schema is at the newest migration."""
    head = head_revision()
    try:
        with read_session(engine_of(request)) as session:
            current = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
            version = dataset_state(session)[0] if current == head else None
    except Exception:
        return problem_response(
            503,
            "The database is not answering.",
            headers={"Retry-After": "5", "Cache-Control": "no-store"},
        )
    if current != head:
        return problem_response(
            503,
            f"The database schema is at {current}, not at the newest migration {head}.",
            headers={"Retry-After": "30", "Cache-Control": "no-store"},
        )
    return Response(
        dumps(
            {"data": {"status": "ready", "migration": head}, "meta": {"dataset_version": version}}
        ),
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )
