"""Property-based API testing with schemathesis, from the app's own OpenAPI document.

Every operation in /openapi.json is run in-process against the ASGI app with every check
schemathesis offers: the reads against a read-only copy of the shipped dataset, the admin
writes with a test token against a fresh database of their own, and a stateful run that walks
create -> read -> update -> delete -> restore through the admin routes.

Two things widen what counts as acceptable, and nothing else does:

* schemathesis.toml lists the inputs a schema cannot express (an opaque cursor never issued,
  a reference to a record that does not exist, ...). The check `InexpressibleRejections`
  (tests/schemathesis_hooks.py, which the command line loads too) fails any 422 on
  schema-valid input that names something else.
* KNOWN_BUGS below: failures of app bugs this run has found. Each is pinned by a strict-xfail
  regression test at the end of this file; when the bug is fixed that test XPASSes, which
  fails the suite until the entry and the xfail mark are removed together.
"""

from __future__ import annotations

import collections
import copy
import datetime as dt
import hashlib
import re
import shutil
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import hypothesis
import jsonschema_rs
import pytest
import schemathesis
from hypothesis import HealthCheck
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from tests.conftest import ROOT, drop_database, is_postgres, make_client, new_database
from tests.schemathesis_hooks import KNOWN_REJECTIONS, TOLERATED

TOKEN = "schemathesis-curator-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ADMIN_TOKENS = f"fuzz:{hashlib.sha256(TOKEN.encode()).hexdigest()}"

MAX_EXAMPLES = 30  # per operation, fuzzing phase (examples and coverage phases come on top)
STATEFUL_SCENARIOS = 40
STATEFUL_STEPS = 8
MAX_RESPONSE_SECONDS = 5.0

# Per-run tallies, printed when the module finishes (TOLERATED is the hooks module's).
CASES: collections.Counter[str] = collections.Counter()
STEPS: collections.Counter[str] = collections.Counter()


# ---- known app bugs -----------------------------------------------------------------------


@dataclass(frozen=True)
class KnownBug:
    """A bug this run finds, tolerated here and pinned by the strict-xfail `regression_test`."""

    regression_test: str
    # A 422 error on schema-valid input, ({name, location, message}, case), the bug explains.
    rejects: Callable[[dict[str, str], Any], bool] | None = None
    # A failure of a built-in check, (failure, case, response), that the bug explains.
    fails: Callable[[Exception, Any, Any], bool] | None = None


# Every earlier bug this run found is fixed, and its regression test below now passes. A new
# one is added here together with a strict-xfail regression test until it is fixed.
KNOWN_BUGS: list[KnownBug] = []


def known_rejection(error: dict[str, str], case: Any) -> str | None:
    for bug in KNOWN_BUGS:
        if bug.rejects is not None and bug.rejects(error, case):
            return bug.regression_test
    return None


# ---- the check that keeps schemathesis.toml honest: tests/schemathesis_hooks.py ----------

KNOWN_REJECTIONS.append(known_rejection)


# ---- schemas, config and apps ---------------------------------------------------------------


def build_app(url: str, **settings: Any) -> Any:
    from app.config import Settings
    from app.main import create_app

    settings.setdefault("version_ttl", 0.0)
    return create_app(Settings(database_url=url, **settings))


def config(mode: str = "all", **phases: Any) -> schemathesis.Config:
    data = tomllib.loads((ROOT / "schemathesis.toml").read_text(encoding="utf-8"))
    data["generation"] = {
        "max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none", "mode": mode,
    }  # fmt: skip
    data["auth"] = {"openapi": {"HTTPBearer": {"bearer": TOKEN}}}
    # max_response_time, the one check that needs a number: generous, for a slow CI machine.
    data.setdefault("checks", {})["max_response_time"] = MAX_RESPONSE_SECONDS
    if phases:
        data["phases"] = phases
    return schemathesis.Config.from_dict(data)


class DocumentOnly:
    """Serves /openapi.json and nothing else. Each test sends its requests to an app of its
    own; a request that reaches this one instead fails loudly (500) rather than quietly testing
    an empty database."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] != "/openapi.json":
            await send({"type": "http.response.start", "status": 500, "headers": []})
            await send({"type": "http.response.body", "body": b"sent to the document-only app"})
            return
        await self.app(scope, receive, send)


# The app's own document, fetched from /openapi.json through its whole stack.
DOCUMENT_APP = DocumentOnly(build_app("sqlite://"))
SCHEMA = schemathesis.openapi.from_asgi("/openapi.json", DOCUMENT_APP, config=config())
DOCUMENT = copy.deepcopy(SCHEMA.raw_schema)
READS = SCHEMA.exclude(tag="admin")
ADMIN = SCHEMA.include(tag="admin")


def negation_lost_on_the_wire(failure: Exception, case: Any, response: Any) -> bool:
    """schemathesis' own false positive: a query value "negated" by type (false for an array of
    strings) that is a valid value once written into the query string ("false")."""
    if type(failure).__name__ != "AcceptedNegativeData":
        return False
    text = str(failure)
    if "Invalid component: parameter" not in text or " in query" not in text:
        return False
    names = re.findall(r"`([^`]+)`", text.split("Invalid component:", 1)[1].split(" in query")[0])
    sent = parse_qs(urlsplit(str(response.request.url)).query, keep_blank_values=True)
    params = {p["name"]: p["schema"] for p in case.operation.definition.raw.get("parameters", [])}
    for name in names:
        schema = params.get(name)
        if schema is None or name not in sent:
            return False
        values = sent[name]
        if not (accepts(schema, values) or (len(values) == 1 and accepts(schema, values[0]))):
            return False
    return bool(names)


@SCHEMA.hook
def filter_failure(context: Any, failure: Exception, case: Any, response: Any) -> bool:
    for bug in KNOWN_BUGS:
        if bug.fails is not None and bug.fails(failure, case, response):
            TOLERATED[bug.regression_test] += 1
            return False
    if negation_lost_on_the_wire(failure, case, response):
        TOLERATED["schemathesis false positive: a negated value valid as sent"] += 1
        return False
    return True


class AsServed:
    """The app as a server runs it: Starlette answers an unhandled error with a 500 and then
    re-raises it for the server to log; a server logs it and carries on, and so does this,
    so the 500 reaches schemathesis' checks (not_a_server_error) like any answer."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.state = app.state

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        started = False

        async def tracked(message: Any) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception:
            if scope["type"] != "http" or not started:
                raise


def postgres_admin(statement: str) -> None:
    from tests.conftest import _admin_url

    engine = create_engine(_admin_url(), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(statement))
    engine.dispose()


def read_only(url: str, engine: Any) -> None:
    """Every session on the database (PostgreSQL) or from the engine (SQLite) refuses writes."""
    if is_postgres():
        name = make_url(url).database
        postgres_admin(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
        return

    @event.listens_for(engine, "connect")
    def _(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute("PRAGMA query_only = ON")


@pytest.fixture(scope="module")
def read_app(tmp_root, template_url):  # type: ignore[no-untyped-def]
    url = new_database(tmp_root, template_url)
    app = build_app(url)
    read_only(url, app.state.engine)
    yield AsServed(app)
    drop_database(url)


@pytest.fixture
def admin_db(tmp_root, template_url, monkeypatch):  # type: ignore[no-untyped-def]
    """A fresh copy of the dataset for writes (admin_app_for raises AUTH_FAILURE_LIMIT: the
    ignored_auth check sends many requests with a wrong token, and the failure limiter, tested
    in test_admin.py, would soon answer every request 429)."""
    from app.routers import admin

    monkeypatch.setattr(admin, "limiter", admin.auth.FailureLimiter())
    url = new_database(tmp_root, template_url)
    yield url
    drop_database(url)


def admin_app_for(url: str) -> AsServed:
    return AsServed(build_app(url, admin_tokens=ADMIN_TOKENS, auth_failure_limit=1_000_000))


def retire(app: AsServed) -> None:
    """Close what an app holds open on its database."""
    app.state.engine.dispose()
    versions = getattr(app.state, "versions", None)
    if versions is not None:
        versions.close()


def reset_database(url: str, template: str) -> None:
    """Put `url` back to the template's content, keeping its name (no connection may be open)."""
    if is_postgres():
        name, source = make_url(url).database, make_url(template).database
        postgres_admin(f'DROP DATABASE "{name}" WITH (FORCE)')
        postgres_admin(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
        return
    path = Path(make_url(url).database or "")
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    shutil.copyfile(make_url(template).database or "", path)


@pytest.fixture
def admin_app(admin_db):  # type: ignore[no-untyped-def]
    app = admin_app_for(admin_db)
    yield app
    retire(app)


@pytest.fixture(scope="module", autouse=True)
def summary(request):  # type: ignore[no-untyped-def]
    yield
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if reporter is None or capture is None or not (CASES or STEPS):
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line("")
        reporter.write_line(
            f"schemathesis: {sum(CASES.values())} cases over {len(CASES)} operations; "
            f"stateful: {STEPS['steps']} steps ({STEPS['writes']} accepted writes) in "
            f"{STEPS['scenarios']} scenarios"
        )
        for what, n in sorted(TOLERATED.items()):
            reporter.write_line(f"  tolerated {n}x: {what}")


# ---- the runs --------------------------------------------------------------------------------


def test_the_read_copy_refuses_writes(read_app):
    from sqlalchemy.exc import DBAPIError

    with pytest.raises(DBAPIError), read_app.state.engine.begin() as conn:
        conn.execute(text("UPDATE dataset_meta SET version = version + 1"))


@READS.parametrize()
def test_read_operations(case, read_app):  # type: ignore[no-untyped-def]
    CASES[case.operation.label] += 1
    case.call_and_validate(app=read_app)


@ADMIN.parametrize()
@hypothesis.settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_admin_operations(case, admin_app):  # type: ignore[no-untyped-def]
    """One fresh database per operation, shared by that operation's examples (on purpose:
    later examples meet the records earlier ones created)."""
    CASES[case.operation.label] += 1
    case.call_and_validate(app=admin_app)


# ---- stateful: create -> read -> update -> delete -> restore ---------------------------------

PLURALS = {"exchanges": "exchange_id", "sources": "source_id", "claims": "claim_id",
           "agreements": "agreement_id"}  # fmt: skip
SOURCE = "up-2022-03-24-10for10"  # a source of the shipped dataset
EXCHANGE = "2024-07-17"  # an exchange of the shipped dataset


def with_links(document: dict[str, Any]) -> dict[str, Any]:
    """The document plus OpenAPI links between each record type's admin and read operations."""
    doc = copy.deepcopy(document)
    paths = doc["paths"]

    def ref(path: str, method: str) -> str:
        return "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method

    for plural, read_param in PLURALS.items():
        admin_one = f"/v1/admin/{plural}/{{record_id}}"
        read_one = f"/v1/{plural}/{{{read_param}}}"

        def links(source: str) -> dict[str, Any]:
            params = {"path.record_id": source, "header.if-match": "$response.header.ETag"}
            return {
                "Read": {"operationRef": ref(read_one, "get"),
                         "parameters": {f"path.{read_param}": source}},
                "Update": {"operationRef": ref(admin_one, "patch"), "parameters": params},
                "Replace": {"operationRef": ref(admin_one, "put"), "parameters": params},
                "Delete": {"operationRef": ref(admin_one, "delete"), "parameters": params},
            }  # fmt: skip

        written = "$response.body#/data/id"
        paths[f"/v1/admin/{plural}"]["post"]["responses"]["201"]["links"] = links(written)
        for method in ("put", "patch"):
            paths[admin_one][method]["responses"]["200"]["links"] = links(written)
        paths[f"{admin_one}/restore"]["post"]["responses"]["200"]["links"] = links(written)
        deleted = "$response.body#/data/id"  # a delete answers {data: {id, ...}, meta}
        paths[admin_one]["delete"]["responses"]["200"]["links"] = {
            "ReadGone": {"operationRef": ref(read_one, "get"),
                         "parameters": {f"path.{read_param}": deleted}},
            "Restore": {"operationRef": ref(f"{admin_one}/restore", "post"),
                        "parameters": {"path.record_id": deleted}},
        }  # fmt: skip
    return doc


_STATEFUL = schemathesis.openapi.from_dict(
    with_links(DOCUMENT),
    # Only the links above, no links inferred from names or responses; schema-valid input only
    # (map_body below steers it), as invalid input is what the per-operation runs are for.
    config=config(
        "positive", stateful={"inference": {"algorithms": []}, "max-steps": STATEFUL_STEPS}
    ),
)
_STATEFUL.app = DOCUMENT_APP  # the ASGI transport; requests go to the test's app
STATEFUL = _STATEFUL.include(path_regex=r"^/v1/(admin/)?(exchanges|sources|claims|agreements)/?")


def _clean(value: Any, default: str) -> str:
    text = value if isinstance(value, str) else ""
    text = re.sub(r"[\x00-\x1f\x7f;]", "", text).strip()
    text = re.sub(r"^[\s=+\-@]+", "", text)  # no formula (schemas.TEXT)
    return text or default


@STATEFUL.hook
def map_body(context: Any, body: Any) -> Any:
    """Steer creates and replaces towards records the API accepts.

    Input validation is what the per-operation runs above are for; this run exists to walk
    sequences of writes, and random references (sources, exchanges) almost never exist.
    """
    op = context.operation
    if op is None or op.method.upper() not in ("POST", "PUT") or not isinstance(body, dict):
        return body
    plural = op.path.split("/")[3]
    today = dt.datetime.now(dt.UTC).date()
    if plural == "exchanges":
        spread = int.from_bytes(hashlib.blake2b(repr(body).encode(), digest_size=4).digest())
        day = dt.date(2022, 3, 1) + dt.timedelta(days=spread % 900)
        return {
            **{k: body[k] for k in ("kind", "confidence") if k in body},
            "date": min(day, today).isoformat(),
            "ukraine_received": 5,
            "russia_received": 6,
            "notes": _clean(body.get("notes"), "Stateful run."),
            "sources": [SOURCE],
        }
    if plural == "sources":
        slug = body.get("id") if isinstance(body.get("id"), str) else "stateful-source"
        return {**{k: body[k] for k in ("kind",) if k in body}, "id": slug,
                "url": f"https://example.org/{slug}", "publisher": "Example", "language": "en"}  # fmt: skip
    if plural == "claims":
        return {
            **{k: body[k] for k in ("claimant", "figure") if k in body},
            "exchange": EXCHANGE,
            "value": 7,
            "sources": [SOURCE],
            "note": _clean(body.get("note"), ""),
        }
    if plural == "agreements":
        slug = body.get("id") if isinstance(body.get("id"), str) else "stateful-deal"
        return {"id": slug, "name": _clean(body.get("name"), "Deal"), "stages": [EXCHANGE],
                "sources": [SOURCE], "agreed_ukraine_received": 100}  # fmt: skip
    return body


def test_stateful_admin_sequences(admin_db, template_url):  # type: ignore[no-untyped-def]
    """Each scenario starts from the shipped dataset with a new app (and so an empty response
    cache): Hypothesis replays scenarios, and a replay must meet the state the first run met."""
    apps: list[AsServed] = []

    class Sequences(STATEFUL.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            STEPS["scenarios"] += 1
            if apps:
                retire(apps[-1])
            reset_database(admin_db, template_url)
            apps.append(admin_app_for(admin_db))

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            STEPS["steps"] += 1
            return {"app": apps[-1]}

        def after_call(self, response: Any, case: Any) -> None:
            super().after_call(response, case)
            if response.status_code < 300 and case.method != "GET":
                STEPS["writes"] += 1

    try:
        Sequences.run(
            settings=hypothesis.settings(
                max_examples=STATEFUL_SCENARIOS,
                stateful_step_count=STATEFUL_STEPS,
                derandomize=True,
                database=None,
                deadline=None,
                suppress_health_check=list(HealthCheck),
            )
        )
    finally:
        if apps:
            retire(apps[-1])


# ---- regression tests for the bugs found (strict xfail: remove the mark and the KNOWN_BUGS entry
# together once fixed) ---------------------------------------------------------------------------


def accepts(schema: dict[str, Any], instance: Any) -> bool:
    """Does the published document's `schema` accept `instance`?"""
    root = {**schema, "components": DOCUMENT["components"]}
    validator = jsonschema_rs.Draft202012Validator(root, validate_formats=True)
    return bool(validator.is_valid(instance))


def body_schema(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def parameter_schema(path: str, name: str) -> dict[str, Any]:
    op = DOCUMENT["paths"][path]["get"]
    return next(p["schema"] for p in op["parameters"] if p["name"] == name)


@pytest.fixture
def admin_client(tmp_root, template_url, monkeypatch):  # type: ignore[no-untyped-def]
    from app.routers import admin

    monkeypatch.setattr(admin, "limiter", admin.auth.FailureLimiter())
    url = new_database(tmp_root, template_url)
    with make_client(url, admin_tokens=ADMIN_TOKENS) as c:
        yield c
    drop_database(url)


NEW_EXCHANGE = {
    "date": "2024-06-01",
    "kind": "pow_exchange",
    "ukraine_received": 12,
    "russia_received": 10,
    "confidence": "medium",
    "sources": [SOURCE],
}


@pytest.mark.parametrize("value", ["0", "1704067200", "2024-01-01T00:00:00Z"])
def test_bug_dates_accept_timestamps_and_date_times(client, value):
    # The document says format: date; pydantic's lax date parsing reads "0" as 1970-01-01.
    for path in ("/v1/exchanges", "/v1/statistics/summary", "/v1/statistics/reconciliation"):
        r = client.get(path, params={"until": value})
        assert r.status_code == 422, (path, r.status_code)
        assert any(e["name"] == "until" for e in r.json()["errors"])


def test_bug_mediator_statistics_by_mediator(client):
    # exchange_conditions' EXISTS over exchange_mediator is auto-correlated away inside a
    # query that already selects from exchange_mediator: "returned no FROM clauses".
    whole = {m["id"]: m for m in client.get("/v1/statistics/mediators").json()["data"]}
    r = client.get("/v1/statistics/mediators", params={"mediator": "uae"})
    assert r.status_code == 200, r.text
    assert {m["id"]: m for m in r.json()["data"]}["uae"] == whole["uae"]


def test_bug_openapi_documents_the_merge_patch():
    # A merge patch of a record has the record's fields, each optional (null removes it), and
    # no others; the document says {"type": "object"}, so a generated client may send anything.
    body = DOCUMENT["paths"]["/v1/admin/exchanges/{record_id}"]["patch"]["requestBody"]
    for media in body["content"].values():
        assert not accepts(media["schema"], {"no_such_field": 1})
        assert not accepts(media["schema"], {"ukraine_received": "many"})


def test_bug_405_allow_names_every_method(admin_client):
    r = admin_client.options("/v1/admin/exchanges/2024-07-17")  # 405: OPTIONS is not routed
    allowed = {m.strip() for m in r.headers.get("allow", "").split(",")}
    assert {"PUT", "PATCH", "DELETE"} <= allowed


def test_bug_openapi_declares_the_control_character_rule(admin_client):
    body = {**NEW_EXCHANGE, "notes": "a\x01b"}
    r = admin_client.post("/v1/admin/exchanges", json=body, headers=AUTH)
    assert r.status_code == 422
    assert not accepts(body_schema("ExchangeIn"), body)


def test_bug_openapi_declares_unique_list_items(admin_client):
    body = {**NEW_EXCHANGE, "sources": [SOURCE, SOURCE]}
    r = admin_client.post("/v1/admin/exchanges", json=body, headers=AUTH)
    assert r.status_code == 422
    assert not accepts(body_schema("ExchangeIn"), body)


def test_bug_openapi_keeps_the_url_and_category_patterns():
    source = {"id": "x-1", "url": "not a url", "publisher": "P", "kind": "media", "language": "en"}
    assert not accepts(body_schema("SourceIn"), source)
    assert not accepts(body_schema("ExchangeIn"), {**NEW_EXCHANGE, "ua_categories": ["a;b"]})


def test_bug_integral_json_numbers_are_integers(admin_client):
    # JSON Schema counts 12.0 as an integer, so a client may send it; the strict model does not.
    body = {**NEW_EXCHANGE, "ukraine_received": 12.0}
    assert accepts(body_schema("ExchangeIn"), body)
    r = admin_client.post("/v1/admin/exchanges", json=body, headers=AUTH)
    assert r.status_code == 201, r.text


def test_bug_openapi_declares_the_disclosed_rule():
    claim = {"exchange": EXCHANGE, "claimant": "media", "figure": "russia_received",
             "sources": [SOURCE]}  # fmt: skip
    assert not accepts(body_schema("ClaimIn"), {**claim, "disclosed": True, "value": None})
    assert not accepts(body_schema("ClaimIn"), {**claim, "disclosed": False, "value": 3})


@pytest.mark.parametrize(
    ("path", "name", "value"),
    [
        ("/v1/exchanges", "kind", "prisoners"),
        ("/v1/exchanges", "confidence", "certain"),
        ("/v1/exchanges", "figure_status", "maybe"),
        ("/v1/exchanges", "mediator", "UAE"),
        ("/v1/sources", "language", "english"),
        ("/v1/claims", "claimant", "nobody"),
        ("/v1/statistics/reconciliation", "metric", "everything"),
    ],
)
def test_bug_openapi_declares_the_filter_values(client, path, name, value):
    assert client.get(path, params={name: value}).status_code == 422
    assert not accepts(parameter_schema(path, name), [value])


@pytest.mark.parametrize("q", ["a\x01b", " ".join("abcdefghijk")])
def test_bug_openapi_declares_the_rules_of_q(client, q):
    assert client.get("/v1/exchanges", params={"q": q}).status_code == 422
    assert not accepts(parameter_schema("/v1/exchanges", "q"), q)


def test_bug_repeated_parameters_keep_their_order(db_url):
    # FastAPI reads the last of a repeated single-valued parameter, so limit=3&limit=2 asks
    # for 2 rows; both the cache key and the ETag sort the pairs and mix it up with 3 rows.
    with make_client(db_url) as cached, make_client(db_url, response_cache=False) as plain:
        first = cached.get("/v1/exchanges?limit=2&limit=3")
        second = cached.get("/v1/exchanges?limit=3&limit=2")
        direct = plain.get("/v1/exchanges?limit=3&limit=2")
        assert second.content == direct.content
        # Two different answers never share an ETag (If-None-Match would 304 the wrong one).
        assert first.content == direct.content or first.headers.get("etag") != direct.headers.get(
            "etag"
        )


@pytest.mark.parametrize("method", ["DELETE", "PATCH"])
def test_bug_missing_record_is_404_whatever_if_match_says(admin_client, method):
    # RFC 9110 13.2.1: preconditions are ignored when the answer without them is not 2xx.
    r = admin_client.request(
        method,
        "/v1/admin/exchanges/1999-01-01",
        json={} if method == "PATCH" else None,
        headers={**AUTH, "If-Match": '"not-an-etag-of-ours"'},
    )
    assert r.status_code == 404, r.text


@pytest.mark.parametrize(
    ("path", "name"), [("/v1/exchanges", "mediator"), ("/v1/sources", "language")]
)
@pytest.mark.parametrize("value", ["", ",", " "])
def test_an_open_list_filter_is_never_empty(client, path, name, value):
    # The server refuses `mediator=` (a filter that names nothing); the document must too.
    assert client.get(path, params={name: value}).status_code == 422
    assert not accepts(parameter_schema(path, name), [value])
