"""Curators' writes: /v1/admin/{exchanges,sources,claims,agreements}, bearer token only.

Every write goes through curation.write_one (validated, versioned, audited) inside one
transaction; nothing here touches the database otherwise. Answers are never cached and carry
no CORS grant.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from app import auth, curation, queries
from app.answers import CoverageRecord, Item
from app.db import write_session
from app.deps import ID_RE, engine_of
from app.http import Format, dumps, etag_value, release
from app.models import IdempotencyKey, table_of
from app.problems import BadRequest, NotFound, PayloadTooLarge, invalid
from app.routers.responses import problem
from app.schemas import Reason

MAX_BODY = 1024 * 1024
limiter = auth.FailureLimiter()
bearer = HTTPBearer(auto_error=False, description="A curator's token (see README, Curation).")
IK = table_of(IdempotencyKey)


def admin(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> str:
    """The token's name; 401 without a valid token, 429 after repeated failures."""
    settings = request.app.state.settings
    tokens = auth.parse_tokens(settings.admin_tokens)
    client = request.client.host if request.client else "unknown"
    header = request.headers.get("authorization")
    return auth.authenticate(header, tokens, limiter, client, settings.auth_failure_limit)


AdminDep = Annotated[str, Depends(admin)]
RecordId = Annotated[
    str, Path(max_length=120, pattern=f"^{ID_RE}$", description="The record's id.")
]
ReasonQ = Annotated[
    Reason | None,
    Query(
        description="Why the change was made; shown in the changelog (so, like every text "
        "field, it may not name a captive, nor start with =, +, - or @).",
    ),
]
IfMatch = Annotated[
    str | None,
    Header(description="The record's ETag as last read; a stale one gets 412 and no change."),
]
IdempotencyKeyH = Annotated[
    str | None,
    Header(
        max_length=200,
        description="Retry a create safely: the same key and body replay "
        "the first answer; the same key with another body is a 422.",
    ),
]

ADMIN_ERRORS: dict[int | str, dict[str, Any]] = {
    400: problem("The body is not valid JSON."),
    401: problem("Missing or invalid bearer token (WWW-Authenticate: Bearer)."),
    404: problem("No such record."),
    409: problem("The id exists already, or the change would leave a reference dangling."),
    412: problem("If-Match no longer matches the record's revision; nothing was changed."),
    413: problem("The body is larger than 1 MiB."),
    414: problem("The query string is longer than 8192 bytes."),
    422: problem("The record is invalid; `errors` names each field."),
    429: problem("Too many failed authentications; retry after Retry-After seconds."),
    503: problem("The database is not answering or is read-only; nothing was written."),
}


async def read_body(request: Request) -> bytes:
    """The body, refused with 413 past 1 MiB without reading further."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY:
        raise PayloadTooLarge("The body is larger than 1 MiB.")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise PayloadTooLarge("The body is larger than 1 MiB.")
        chunks.append(chunk)
    return b"".join(chunks)


def merge_patch_body(raw: bytes) -> dict[str, Any]:
    """A merge patch's body: a JSON object, or a 400/422."""
    try:
        changes = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise BadRequest("The body is not valid JSON.") from None
    if not isinstance(changes, dict):
        raise invalid("body", "must be a JSON object (a merge patch)", "body")
    return changes


def expected_revision(if_match: str | None) -> int | None:
    """The revision an If-Match names (our ETags start with r<revision>-)."""
    if if_match is None or if_match.strip() == "*":
        return None
    for tag in if_match.split(","):
        found = re.fullmatch(r'\s*(?:W/)?"r(\d+)-[0-9a-f]+"\s*', tag)
        if found:
            return int(found.group(1))
    # No ETag of ours: a revision no record has, so a missing record is still a 404 (RFC 9110
    # 13.2.1: preconditions do not apply when the answer would not be 2xx) and any other 412.
    return -1


READERS: dict[str, Callable[..., dict[str, Any] | None]] = {
    "exchange": lambda s, rid: queries.get_exchange(s, rid, version=None),
    "source": lambda s, rid: queries.get_source(s, rid, version=None),
    "claim": lambda s, rid: queries.get_claim(s, rid, version=None),
    "agreement": lambda s, rid: next(
        iter(queries.list_agreements(s, version=None, agreement_id=rid)), None
    ),
    "moved_exchange": lambda s, rid: queries.get_moved_exchange(s, rid, version=None),
    "coverage": lambda s, _rid: queries.get_coverage(s, version=None),
}
# The record types with the five routes, and the plural naming them under /v1/admin.
PLURAL = {"exchange": "exchanges", "source": "sources", "claim": "claims",
          "agreement": "agreements", "moved_exchange": "moved-exchanges"}  # fmt: skip
# Where the public reads each record (a moved exchange's old id answers 301 there).
READ_PATH = {"exchange": "/v1/exchanges/{}", "source": "/v1/sources/{}",
             "claim": "/v1/claims/{}", "agreement": "/v1/agreements/{}",
             "moved_exchange": "/v1/exchanges/{}", "coverage": "/v1/dataset/coverage"}  # fmt: skip


def answer(session: Any, type_: str, record_id: str, version: int, status: int) -> Response:
    """The record as the public read shows it, with the ETag that read will carry."""
    row = READERS[type_](session, record_id)
    assert row is not None
    path = READ_PATH[type_].format(record_id)
    etag = etag_value(version, path, [], Format.json, f"r{row['revision']}-", release())
    headers = {"ETag": etag, "Cache-Control": "no-store", "X-Dataset-Version": str(version)}
    if status == 201:
        headers["Location"] = path
    body = dumps({"data": row, "meta": {"dataset_version": version}})
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def written(request: Request, version: int) -> None:
    """This process's reads show its own writes from now on: they never answer below this
    version (a replica's reads wait until it has replayed it; see deps.ReadContext)."""
    request.app.state.highest.raise_to(version)


def _replay(session: Any, actor: str, key: str, digest: str) -> Response | None:
    from sqlalchemy import select

    found = session.execute(
        select(IK.c.request_hash, IK.c.status, IK.c.headers, IK.c.body).where(
            IK.c.actor == actor, IK.c.key == key
        )
    ).first()
    if found is None:
        return None
    if found.request_hash != digest:
        raise invalid("Idempotency-Key", "was used before with another body", "header")
    headers = {**orjson.loads(found.headers), "Idempotent-Replayed": "true"}
    return Response(
        found.body.encode(),
        status_code=found.status,
        media_type="application/json",
        headers=headers,
    )


def _remember(session: Any, actor: str, key: str, digest: str, response: Response) -> None:
    from sqlalchemy import insert

    headers = {
        k: v
        for k, v in response.headers.items()
        if k.lower() in ("etag", "location", "x-dataset-version", "cache-control")
    }
    session.execute(insert(IK).values(
        actor=actor, key=key, request_hash=digest, status=response.status_code,
        headers=orjson.dumps(headers).decode(), body=bytes(response.body).decode(),
        created_at=curation.now(),
    ))  # fmt: skip


def body_doc(model: type[Any]) -> dict[str, Any]:
    """The OpenAPI request body of a write of a whole record of `model`."""
    schema = {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}
    return {"requestBody": {"required": True, "content": {"application/json": schema}}}


MERGE_PATCH = "application/merge-patch+json"


def patch_doc(model: type[Any]) -> dict[str, Any]:
    """The OpenAPI request body of a JSON merge patch of a record of `model`."""
    schema = {"schema": {"$ref": f"#/components/schemas/{model.__name__}Patch"}}
    return {
        "requestBody": {
            "required": True,
            "description": "A JSON merge patch (RFC 7396): the fields to change; null removes "
            "an optional field. Sent as application/json or application/merge-patch+json.",
            "content": {media: schema for media in ("application/json", MERGE_PATCH)},
        }
    }


def merged_with(
    type_: str, record_id: str, changes: Any, missing: str
) -> Callable[[Any], dict[str, Any]]:
    """What a merge patch makes of the live record, read under the write lock, validated
    again whole (a patch may not leave a record that a whole write would refuse)."""

    def merged(session: Any) -> dict[str, Any]:
        live = curation.live_record(session, type_, record_id)
        if live is None:
            raise NotFound(missing)
        patched = curation.merge_patch(live[2], changes)
        return curation.validate(type_, orjson.dumps(patched), record_id=record_id)

    return merged


def make_router(plural: str, type_: str) -> APIRouter:
    """The five writes for one record type."""
    router = APIRouter(prefix=f"/v1/admin/{plural}", tags=["admin"], responses=ADMIN_ERRORS)
    model = curation.SPECS[type_].model
    one = {"model": None, "description": "The record as GET /v1/... shows it, with its ETag."}

    @router.post(
        "",
        operation_id=f"create_{type_}",
        status_code=201,
        openapi_extra=body_doc(model),
        responses={201: one},
    )
    async def create(
        request: Request,
        actor: AdminDep,
        reason: ReasonQ = None,
        idempotency_key: IdempotencyKeyH = None,
    ) -> Response:
        raw = await read_body(request)
        record = curation.validate(type_, raw)
        digest = hashlib.sha256(raw).hexdigest()

        def work() -> Response:
            with write_session(engine_of(request)) as session:
                curation.lock(session)
                if idempotency_key:
                    replay = _replay(session, actor, idempotency_key, digest)
                    if replay is not None:
                        return replay
                rid = record["id"] or curation.derive_id(session, type_, record)
                rec = {**record, "id": rid}
                result = curation.write_one(
                    session,
                    type_,
                    "create",
                    rid,
                    rec,
                    actor=actor,
                    reason=reason,
                    expected_revision=None,
                )
                assert result.version is not None
                response = answer(session, type_, rid, result.version, 201)
                if idempotency_key:
                    _remember(session, actor, idempotency_key, digest, response)
            written(request, result.version)  # committed
            return response

        return await run_in_threadpool(work)

    create.__doc__ = f"Create a {type_.replace('_', ' ')}."

    def _write(
        request: Request,
        actor: str,
        action: curation.Action,
        record_id: str,
        reason: str | None,
        revision: int | None,
        make_record: Callable[[Any], dict[str, Any] | None] = lambda _session: None,
    ) -> Response:
        """One write in one transaction; the answer is the record as reads will show it."""
        response = None
        with write_session(engine_of(request)) as session:
            curation.lock(session)
            result = curation.write_one(
                session, type_, action, record_id, make_record(session), actor=actor,
                reason=reason, expected_revision=revision,
            )  # fmt: skip
            assert result.version is not None
            if action != "delete":
                response = answer(session, type_, record_id, result.version, 200)
        written(request, result.version)  # committed
        if response is not None:
            return response
        body = {"data": {"id": record_id, "record_type": type_, "deleted": True},
                "meta": {"dataset_version": result.version}}  # fmt: skip
        return Response(dumps(body), media_type="application/json",
                        headers={"Cache-Control": "no-store",
                                 "X-Dataset-Version": str(result.version)})  # fmt: skip

    @router.put(
        "/{record_id}",
        operation_id=f"replace_{type_}",
        openapi_extra=body_doc(model),
        responses={200: one},
    )
    async def replace(
        request: Request,
        actor: AdminDep,
        record_id: RecordId,
        if_match: IfMatch = None,
        reason: ReasonQ = None,
    ) -> Response:
        record = curation.validate(type_, await read_body(request), record_id=record_id)
        revision = expected_revision(if_match)
        return await run_in_threadpool(
            _write, request, actor, "update", record_id, reason, revision, lambda _s: record
        )

    replace.__doc__ = f"Replace a {type_.replace('_', ' ')} whole."

    @router.patch(
        "/{record_id}",
        operation_id=f"update_{type_}",
        openapi_extra=patch_doc(model),
        responses={200: one},
    )
    async def patch(
        request: Request,
        actor: AdminDep,
        record_id: RecordId,
        if_match: IfMatch = None,
        reason: ReasonQ = None,
    ) -> Response:
        changes = merge_patch_body(await read_body(request))
        revision = expected_revision(if_match)
        merged = merged_with(type_, record_id, changes, f"No {type_} {record_id!r}.")
        return await run_in_threadpool(
            _write, request, actor, "update", record_id, reason, revision, merged
        )

    patch.__doc__ = f"Change some fields of a {type_.replace('_', ' ')} (JSON merge patch)."

    @router.delete(
        "/{record_id}",
        operation_id=f"delete_{type_}",
        responses={200: {"description": "Deleted; restore brings it back whole."}},
    )
    async def delete(
        request: Request,
        actor: AdminDep,
        record_id: RecordId,
        if_match: IfMatch = None,
        reason: ReasonQ = None,
    ) -> Response:
        revision = expected_revision(if_match)
        return await run_in_threadpool(
            _write, request, actor, "delete", record_id, reason, revision
        )

    delete.__doc__ = f"Delete a {type_.replace('_', ' ')} (it stays restorable)."

    @router.post("/{record_id}/restore", operation_id=f"restore_{type_}", responses={200: one})
    async def restore(
        request: Request, actor: AdminDep, record_id: RecordId, reason: ReasonQ = None
    ) -> Response:
        return await run_in_threadpool(_write, request, actor, "restore", record_id, reason, None)

    restore.__doc__ = f"Bring a deleted {type_.replace('_', ' ')} back whole."
    return router


def coverage_router() -> APIRouter:
    """PUT and PATCH /v1/admin/coverage: the dataset has one coverage, so no id and no delete
    (a load of a folder without coverage.csv is the way to unset it)."""
    router = APIRouter(prefix="/v1/admin/coverage", tags=["admin"], responses=ADMIN_ERRORS)
    type_, rid = "coverage", queries.COVERAGE_ID
    one = {"model": Item[CoverageRecord], "description": "The coverage, with its ETag."}

    def write(
        request: Request, actor: str, reason: str | None, revision: int | None,
        make_record: Callable[[Any], dict[str, Any]],
    ) -> Response:  # fmt: skip
        with write_session(engine_of(request)) as session:
            curation.lock(session)
            exists = curation.live_record(session, type_, rid) is not None
            result = curation.write_one(
                session, type_, "update" if exists else "create", rid, make_record(session),
                actor=actor, reason=reason, expected_revision=revision, recreate=True,
            )  # fmt: skip
            assert result.version is not None
            response = answer(session, type_, rid, result.version, 200 if exists else 201)
        written(request, result.version)  # committed
        return response

    @router.put(
        "",
        operation_id="replace_coverage",
        openapi_extra=body_doc(curation.SPECS[type_].model),
        responses={200: one, 201: one},
    )
    async def replace(
        request: Request, actor: AdminDep, if_match: IfMatch = None, reason: ReasonQ = None
    ) -> Response:
        """Set the coverage whole (201 the first time): each change is a dataset version."""
        record = curation.validate(type_, await read_body(request), record_id=rid)
        revision = expected_revision(if_match)
        return await run_in_threadpool(write, request, actor, reason, revision, lambda _s: record)

    @router.patch(
        "",
        operation_id="update_coverage",
        openapi_extra=patch_doc(curation.SPECS[type_].model),
        responses={200: one},
    )
    async def patch(
        request: Request, actor: AdminDep, if_match: IfMatch = None, reason: ReasonQ = None
    ) -> Response:
        """Change the coverage's end (or start, or note), as a JSON merge patch."""
        changes = merge_patch_body(await read_body(request))
        revision = expected_revision(if_match)
        missing = "No coverage is set yet: PUT /v1/admin/coverage sets it."
        merged = merged_with(type_, rid, changes, missing)
        return await run_in_threadpool(write, request, actor, reason, revision, merged)

    return router


routers = [*(make_router(plural, type_) for type_, plural in PLURAL.items()), coverage_router()]
INPUT_MODELS = [curation.SPECS[t].model for t in (*PLURAL, "coverage")]
