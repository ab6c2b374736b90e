"""Request ids, JSON logs, Prometheus metrics, security headers and no server banner."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import re
import socket
import threading
import time

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.exc import OperationalError
from starlette.responses import Response

from app import observability
from app.config import get_settings
from tests.conftest import make_client, use_database
from tests.helpers import assert_problem
from tests.test_admin import AUTH, DIGEST, NEW, TOKEN, admin_env  # noqa: F401 (a fixture)

ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
DATA_CSP = "default-src 'none'; frame-ancestors 'none'"


@pytest.fixture(scope="module")
def probe(db_url):
    """The real app plus three routes that fail or log, to watch what the app does then."""
    with use_database(db_url), make_client(db_url) as c:
        app = c.app

        @app.get("/test/boom")
        def boom() -> None:
            raise RuntimeError("secret internals")

        @app.get("/test/db-down")
        def db_down() -> None:
            raise OperationalError("SELECT 1", {}, Exception("connection refused"))

        @app.get("/test/logs")
        def logs() -> dict[str, str]:  # a sync route: runs in the thread pool
            logging.getLogger("app.test").warning("inside the request")
            return {"ok": "yes"}

        @app.get("/test/banner")
        def banner() -> Response:
            return Response(b"{}", media_type="application/json", headers={"Server": "evil/1.0"})

        yield c


def log_lines(capsys) -> list[dict]:
    """The JSON log lines written to stderr so far, less the test client's own (httpx logs
    the URLs it requests)."""
    err = capsys.readouterr().err
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    return [x for x in lines if x["logger"] != "httpx"]


def access_lines(lines: list[dict], request_id: str) -> list[dict]:
    return [x for x in lines if x["logger"] == "app.access" and x.get("request_id") == request_id]


def scrape(c) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    r = c.get("/metrics")
    assert r.status_code == 200
    out = {}
    for family in text_string_to_metric_families(r.text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


# ---- request ids ----------------------------------------------------------------------------


def test_every_answer_carries_a_fresh_request_id_cache_hits_included(client):
    url = "/v1/mediators?format=csv"
    seen = [client.get(url) for _ in range(3)]  # a miss, then hits
    seen += [client.head(url), client.get("/v1/exchanges/nope"), client.options(url)]
    ids = [r.headers["x-request-id"] for r in seen]
    assert all(ID.match(i) for i in ids), ids
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize(
    "sent", ["abc", "A.b_c-9", "x" * 64, "0c6f2a3e-5d1b-4c1e-9f3a-7d2e1b0a9c8d"]
)
def test_a_sane_incoming_request_id_is_echoed(client, sent):
    for _ in range(2):  # a miss and a hit
        r = client.get("/v1/agreements", headers={"X-Request-ID": sent})
        assert r.headers["x-request-id"] == sent


@pytest.mark.parametrize(
    "sent", ["", "x" * 65, "has space", "semi;colon", "../../etc/passwd", "<script>", "a,b", "é"]
)
def test_a_hostile_request_id_is_replaced(client, sent):
    r = client.get("/v1/agreements", headers={"X-Request-ID": sent.encode()})
    got = r.headers["x-request-id"]
    assert got != sent and ID.match(got)


def test_an_error_answer_carries_the_id_too(probe):
    r = probe.get("/test/boom", headers={"X-Request-ID": "boom-1"})
    assert_problem(r, 500)
    assert r.headers["x-request-id"] == "boom-1"
    assert r.headers["x-content-type-options"] == "nosniff"


# ---- logs -----------------------------------------------------------------------------------


def test_one_json_access_line_per_request_with_its_id(client, capsys):
    capsys.readouterr()
    client.get("/v1/sources?limit=3&language=uk", headers={"X-Request-ID": "trace-1"})
    client.get("/v1/sources?language=uk&limit=3", headers={"X-Request-ID": "trace-2"})
    lines = log_lines(capsys)
    (miss,) = access_lines(lines, "trace-1")
    (hit,) = access_lines(lines, "trace-2")
    for line in (miss, hit):
        assert line["message"] == "request" and line["level"] == "INFO"
        assert line["method"] == "GET" and line["path"] == "/v1/sources"
        assert line["status"] == 200 and line["route"] == "/v1/sources"
        assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
        assert line["client"] == "testclient" and line["time"].endswith("+00:00")
    assert miss["query"] == "limit=3&language=uk" and "cache" not in miss
    assert hit["cache"] == "hit"


def test_lines_written_during_a_request_carry_its_id(probe, capsys):
    capsys.readouterr()
    probe.get("/test/logs", headers={"X-Request-ID": "in-thread"})
    probe.get("/test/boom", headers={"X-Request-ID": "in-handler"})
    lines = log_lines(capsys)
    inside = [x for x in lines if x["message"] == "inside the request"]
    assert [x["request_id"] for x in inside] == ["in-thread"]
    crash = [x for x in lines if x["logger"] == "app.problems"]
    assert crash and all(x["request_id"] == "in-handler" for x in crash)
    assert "RuntimeError" in crash[0]["exc_info"]  # the trace is logged, not answered
    (access,) = access_lines(lines, "in-handler")
    assert access["status"] == 500 and access["level"] == "WARNING"
    logging.getLogger("app.test").warning("outside")
    (outside,) = [x for x in log_lines(capsys) if x["message"] == "outside"]
    assert "request_id" not in outside


@pytest.fixture
def admin_api(fresh_url, admin_env):  # noqa: F811
    with use_database(fresh_url), make_client(fresh_url) as c:
        yield c


def test_tokens_and_admin_queries_never_reach_the_logs_or_metrics(admin_api, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    capsys.readouterr()
    answers = [
        admin_api.post(f"/v1/admin/exchanges?reason={TOKEN}x", json=NEW, headers=AUTH),
        admin_api.post(
            "/v1/admin/exchanges", json=NEW, headers={"Authorization": "Bearer " + TOKEN[:-1]}
        ),
        admin_api.patch(
            "/v1/admin/exchanges/2024-07-17?reason=why", json={"notes": "n"}, headers=AUTH
        ),
        admin_api.get("/v1/exchanges", headers=AUTH),
    ]
    assert [r.status_code for r in answers] == [201, 401, 200, 200]
    lines = log_lines(capsys)
    admin = [x for x in lines if x["logger"] == "app.access" and x["path"].startswith("/v1/admin")]
    assert len(admin) == 3 and all("query" not in x for x in admin)
    assert [x["status"] for x in admin] == [201, 401, 200]
    ours = [r for r in caplog.records if r.name != "httpx"]  # the test client logs its URLs
    text = json.dumps(lines) + "".join(str(r.__dict__) for r in ours)
    text += admin_api.get("/metrics").text
    for secret in (TOKEN, TOKEN[:-1], DIGEST, "Bearer", "reason=why"):
        assert secret not in text, secret
    assert "authorization" not in text.lower()


def test_access_records_are_whole_log_records(client, caplog):
    caplog.set_level(logging.INFO, logger="app.access")
    before = time.time()
    client.get("/v1/codebook", headers={"X-Request-ID": "whole-1"})
    client.get("/v1/codebook", headers={"X-Request-ID": "whole-2"})  # a hit
    records = [r for r in caplog.records if r.name == "app.access"]
    assert [r.request_id for r in records] == ["whole-1", "whole-2"]
    every = logging.Formatter(
        "%(asctime)s %(msecs)d %(relativeCreated)d %(levelname)s %(levelno)d %(name)s "
        "%(pathname)s %(filename)s %(module)s %(funcName)s %(lineno)d %(process)d "
        "%(processName)s %(thread)d %(threadName)s %(message)s"
    )
    for r in records:
        assert every.format(r).endswith(" request")
        assert before - 1 <= r.created <= time.time() and r.levelname == "INFO"
        assert r.access.path == "/v1/codebook" and r.exc_info is None and r.args is None
        names = {t.ident: t.name for t in threading.enumerate()}
        assert names.get(r.thread, r.threadName) == r.threadName  # the thread that served it


def test_the_direct_path_writes_the_same_line_as_the_logging_chain(client, capsys, monkeypatch):
    """In production our handler is the only one, and the access line skips the LogRecord and
    the handler chain; in tests pytest's capture handlers make it take the chain."""
    ours = next(h for h in logging.root.handlers if isinstance(h, observability.JsonStderrHandler))
    assert observability.sole_handler(logging.INFO) is None  # pytest's handlers are there
    capsys.readouterr()
    client.get("/v1/codebook", headers={"X-Request-ID": "chain"})
    monkeypatch.setattr(logging.root, "handlers", [ours])
    assert observability.sole_handler(logging.INFO) is ours
    client.get("/v1/codebook", headers={"X-Request-ID": "direct"})
    logging.getLogger("app.access").addFilter(lambda r: True)
    try:
        assert observability.sole_handler(logging.INFO) is None  # a filter needs the chain
    finally:
        logging.getLogger("app.access").filters.clear()
    observability.flush_access_log()  # the direct path keeps its lines a moment (FLUSH_AFTER)
    lines = log_lines(capsys)
    (chain,) = access_lines(lines, "chain")
    (direct,) = access_lines(lines, "direct")
    assert list(chain) == list(direct)  # the same fields in the same order
    assert {k: v for k, v in chain.items() if k not in ("request_id", "time", "duration_ms")} == {
        k: v for k, v in direct.items() if k not in ("request_id", "time", "duration_ms")
    }


def test_configure_logging_is_idempotent():
    root = logging.getLogger()
    for level in ("info", "warning", "info"):
        observability.configure_logging(level)
    assert sum(isinstance(h, observability.JsonStderrHandler) for h in root.handlers) == 1
    assert root.level == logging.INFO
    with pytest.raises(ValueError, match="unknown log level"):
        observability.configure_logging("loud")


# ---- metrics --------------------------------------------------------------------------------


def test_metrics_count_requests_by_route_status_and_cache(client):
    before = scrape(client)
    for _ in range(3):  # one miss, two hits
        assert client.get("/v1/statistics/mediators?format=csv").status_code == 200
    client.head("/v1/statistics/mediators?format=csv")  # a hit
    client.get("/v1/sources/does-not-exist")  # 404 through a route template
    client.get("/v2/nothing/here/at/all")  # no route at all
    client.request("BREW", "/v1/exchanges")  # a method nobody knows
    after = scrape(client)

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    route = "/v1/statistics/mediators"
    assert delta("http_requests_total", method="GET", route=route, status="2xx") == 3
    assert delta("http_requests_total", method="HEAD", route=route, status="2xx") == 1
    assert delta("http_request_duration_seconds_count", route=route) == 4
    assert delta("http_request_duration_seconds_bucket", route=route, le="+Inf") == 4
    assert delta("http_request_duration_seconds_sum", route=route) > 0
    assert delta("response_cache_requests_total", result="hit") >= 3
    assert delta("response_cache_requests_total", result="miss") >= 1
    assert (
        delta("http_requests_total", method="GET", route="/v1/sources/{source_id}", status="4xx")
        == 1
    )
    assert delta("http_requests_total", method="GET", route="unmatched", status="4xx") == 1
    assert delta("http_requests_total", method="other", route="/v1/exchanges", status="4xx") == 1
    assert ("database_errors_total", (("error", "OperationalError"),)) in after
    assert value(after, "process_resident_memory_bytes") > 0
    labels = {dict(k[1]).get("route") for k in after if k[0] == "http_requests_total"}
    assert not any(r and "nothing" in r for r in labels)  # raw paths never become labels


def test_the_tally_says_what_prometheus_client_itself_would():
    from prometheus_client import CollectorRegistry, generate_latest

    tally = observability.RequestTally()
    library = CollectorRegistry()
    shared = observability.SharedTally(library)  # the library's own metrics, as with workers
    durations = [0, 0.0005, 0.00051, 0.001, 0.3, 2.5, 9.99, 10, 10.01, 1e6, 0.024999]
    for i, seconds in enumerate(durations):
        for t in (tally, shared):
            t.count(["GET", "POST", "other"][i % 3], f"/r{i % 2}", 200 + 100 * (i % 4), seconds)
            t.hit("hit" if i % 2 else "miss")
    ours = CollectorRegistry()
    ours.register(tally)
    assert sorted(generate_latest(ours).splitlines()) == sorted(
        line for line in generate_latest(library).splitlines() if b"_created" not in line
    )


def test_metrics_are_plain_text_never_cached_and_documented(client):
    first = client.get("/metrics", headers={"Accept-Encoding": "identity"})
    assert first.headers["content-type"].startswith("text/plain")
    assert first.headers["cache-control"] == "no-store"
    assert "etag" not in first.headers
    assert "# TYPE http_requests_total counter" in first.text
    again = scrape(client)
    assert value(again, "http_requests_total", method="GET", route="/metrics", status="2xx") >= 2
    op = client.get("/openapi.json").json()["paths"]["/metrics"]["get"]
    assert op["operationId"] == "metrics"
    assert op["responses"]["200"]["content"]["text/plain"]["schema"] == {"type": "string"}


def test_database_and_unexpected_errors_are_counted(probe):
    before = scrape(probe)
    r = probe.get("/test/db-down")
    assert_problem(r, 503)
    assert r.headers["retry-after"] == "5"
    assert_problem(probe.get("/test/boom"), 500)
    after = scrape(probe)
    assert (
        value(after, "database_errors_total", error="OperationalError")
        - value(before, "database_errors_total", error="OperationalError")
        == 1
    )
    assert value(after, "unhandled_errors_total") - value(before, "unhandled_errors_total") == 1
    assert (
        value(after, "http_requests_total", method="GET", route="/test/db-down", status="5xx") >= 1
    )


def test_with_several_workers_metrics_add_up_across_them(db_url, tmp_path):
    from tests.servers import running_server

    shared = tmp_path / "prometheus"
    shared.mkdir()
    env = {"PROMETHEUS_MULTIPROC_DIR": str(shared)}
    with running_server(db_url, tmp_path, env=env, workers=2) as (base, _log):
        for _ in range(30):  # a new connection each: either worker may answer
            assert httpx.get(f"{base}/v1/mediators", timeout=10).status_code == 200
        seen = set()
        for _ in range(4):
            with httpx.Client(base_url=base, timeout=10) as h:
                samples = scrape(h)
            seen.add(value(samples, "http_requests_total", method="GET", route="/v1/mediators",
                           status="2xx"))  # fmt: skip
    assert seen == {30.0}  # whichever worker answers the scrape reports both
    assert len({p.name.rsplit("_", 1)[1] for p in shared.glob("counter_*.db")}) >= 2


# ---- security headers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/v1/exchanges?limit=2", "/v1/exchanges/nope", "/v1/exchanges?limit=0", "/healthz",
            "/metrics", "/openapi.json", "/v1/exchanges?format=csv&limit=2"],
)  # fmt: skip
def test_data_answers_carry_the_security_headers(client, url):
    for _ in range(2):  # a miss and, where cacheable, a hit
        r = client.get(url)
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
        assert r.headers["content-security-policy"] == DATA_CSP
        assert "server" not in r.headers
    etag = client.get("/v1/exchanges?limit=2").headers["etag"]
    r = client.get("/v1/exchanges?limit=2", headers={"If-None-Match": etag})
    assert r.status_code == 304 and r.headers["x-content-type-options"] == "nosniff"


def test_the_dashboard_keeps_its_own_policy_and_is_never_framed(client):
    from app.web import pages as page

    for _ in range(2):
        r = client.get("/")
        assert r.headers["content-security-policy"] == page.CSP
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["x-content-type-options"] == "nosniff"  # once, not twice
        assert r.headers["referrer-policy"] == "no-referrer"


def inline_script_hashes(html: str) -> list[str]:
    bodies = re.findall(r"<script>(.*?)</script>", html, re.S)
    return ["'sha256-" + base64.b64encode(hashlib.sha256(b.encode()).digest()).decode() + "'"
            for b in bodies]  # fmt: skip


@pytest.mark.parametrize("url", ["/docs", "/redoc"])
def test_docs_pages_get_a_strict_policy_that_lets_them_work(client, url):
    r = client.get(url)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    policy = dict(d.partition(" ")[::2] for d in r.headers["content-security-policy"].split("; "))
    assert policy["frame-ancestors"] == "'none'" and policy["default-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["connect-src"] == "'self'"
    scripts = policy["script-src"].split()
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    assert sorted(scripts) == sorted(["'self'", *inline_script_hashes(r.text)])
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    for asset in re.findall(r'(?:src|href)="(/[^"]+)"', r.text):  # served here, not from a CDN
        assert client.get(asset).status_code == 200, asset


def test_a_page_loading_from_a_cdn_would_still_be_allowed_what_it_names():
    from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html

    swagger = get_swagger_ui_html(openapi_url="/openapi.json", title="t").body
    policy = observability.page_csp(bytes(swagger)).decode()
    assert "https://cdn.jsdelivr.net" in policy and "'unsafe-inline'" in policy  # styles only
    script_src = next(d for d in policy.split("; ") if d.startswith("script-src "))
    assert "'unsafe-inline'" not in script_src
    assert inline_script_hashes(bytes(swagger).decode())[0] in script_src
    redoc = observability.page_csp(bytes(get_redoc_html(openapi_url="/o", title="t").body))
    assert b"https://fonts.gstatic.com" in redoc and b"https://fonts.googleapis.com" in redoc
    hostile = (
        b'<script src="https://a.example;script-src *"></script><img src="//b.example:8443/x">'
    )
    policy = observability.page_csp(hostile).decode()
    assert "script-src *" not in policy and "//b.example:8443" in policy


def test_gzipped_html_gets_its_policy_from_the_decompressed_page(db_url):
    from starlette.responses import HTMLResponse

    script = "document.title = 'x';" + " " * 2000
    with make_client(db_url, response_cache=False) as c:

        @c.app.get("/test/page")
        def big_page() -> HTMLResponse:
            return HTMLResponse(f"<html><body><script>{script}</script></body></html>")

        r = c.get("/test/page", headers={"Accept-Encoding": "gzip"})
        assert r.headers["content-encoding"] == "gzip"
        assert inline_script_hashes(r.text)[0] in r.headers["content-security-policy"]


# ---- no server banner -----------------------------------------------------------------------


def test_the_app_never_names_its_server(probe):
    r = probe.get("/test/banner")
    assert r.status_code == 200 and "server" not in r.headers
    assert r.headers["x-content-type-options"] == "nosniff"


def test_serve_turns_the_server_banner_off_and_uvicorn_obeys(db_url, monkeypatch):
    import uvicorn
    from typer.testing import CliRunner

    from app.cli import cli
    from app.main import create_app

    captured: dict = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: captured.update(kwargs))
    assert CliRunner().invoke(cli, ["serve", "--no-setup"]).exit_code == 0
    assert captured["server_header"] is False and captured["access_log"] is False

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with use_database(db_url):
        app = create_app()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, server_header=False, log_config=None)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        r = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
        assert r.status_code == 200 and "server" not in r.headers
        assert ID.match(r.headers["x-request-id"])
    finally:
        server.should_exit = True
        thread.join(10)
    get_settings.cache_clear()


def test_a_plain_test_client_app_sees_headers_too():
    # No database needed: /healthz does not touch it.
    from app.main import create_app

    with TestClient(create_app()) as c:
        r = c.get("/healthz")
    assert r.headers["content-security-policy"] == DATA_CSP and ID.match(r.headers["x-request-id"])


@contextlib.contextmanager
def sole_handler_client(db_url, monkeypatch):
    """A test client of an app whose log goes only to our handler, as in production (the
    direct path: lines kept and written together), with no timer (FLUSH_AFTER 60 s); yields
    the client and the handler."""
    monkeypatch.setattr(observability, "FLUSH_AFTER", 60.0)
    # The test client's own log record (httpx, one per request) would write them out too.
    monkeypatch.setattr(logging.getLogger("httpx"), "level", logging.WARNING)
    with make_client(db_url) as c:  # creating the app set our handler up
        ours = next(
            h for h in logging.root.handlers if isinstance(h, observability.JsonStderrHandler)
        )
        monkeypatch.setattr(logging.root, "handlers", [ours])
        yield c, ours


def test_kept_access_lines_are_written_in_order_and_at_shutdown(db_url, capsys, monkeypatch):
    """The direct path keeps its lines a moment and writes them together; another record
    writes them first (the log keeps its order); a clean shutdown writes what is left."""
    with sole_handler_client(db_url, monkeypatch) as (c, _):
        capsys.readouterr()
        c.get("/v1/codebook", headers={"X-Request-ID": "kept-1"})
        c.get("/v1/codebook", headers={"X-Request-ID": "kept-2"})
        assert access_lines(log_lines(capsys), "kept-1") == []  # kept, not yet written
        logging.getLogger("app.test").warning("another record")
        lines = log_lines(capsys)
        assert [line.get("request_id") or line["message"] for line in lines][-3:] == [
            "kept-1", "kept-2", "another record",
        ]  # fmt: skip
        c.get("/v1/codebook", headers={"X-Request-ID": "kept-3"})
    # Leaving the client ran the app's shutdown: the last line is out.
    assert len(access_lines(log_lines(capsys), "kept-3")) == 1


def test_kept_access_lines_are_written_once_enough_are_kept(db_url, capsys, monkeypatch):
    """Lines are formatted and written together every FLUSH_LINES requests, not only on the
    timer; an admin path's query is neither kept nor written."""
    monkeypatch.setattr(observability, "FLUSH_LINES", 3)
    with sole_handler_client(db_url, monkeypatch) as (c, ours):
        capsys.readouterr()
        c.get("/v1/codebook?lang=uk", headers={"X-Request-ID": "batch-1"})
        c.get("/v1/admin/changes?reason=secret", headers={"X-Request-ID": "batch-2"})
        assert log_lines(capsys) == []  # two kept
        assert [raw[6] for _, raw, _, _ in ours._pending] == [b"lang=uk", None]
        c.get("/v1/codebook", headers={"X-Request-ID": "batch-3"})
        lines = log_lines(capsys)
        assert [x["request_id"] for x in lines] == ["batch-1", "batch-2", "batch-3"]
        assert lines[0]["query"] == "lang=uk" and "query" not in lines[1]
        assert ours._pending == []


def test_a_clean_shutdown_writes_every_access_line(tmp_path, db_url):
    """Access lines wait up to observability.FLUSH_AFTER to be written together; SIGTERM right
    after a burst of requests (sooner than that) must still leave every one of them in the log,
    in order (written by uvicorn's own shutdown lines, the app's lifespan or atexit)."""
    env = {"LOG_LEVEL": "info", "ACCESS_LOG": "1"}
    from tests.servers import access_lines, running_server

    with running_server(db_url, tmp_path, env, serve=True) as (base, log), httpx.Client() as c:
        for n in range(40):
            c.get(f"{base}/v1/codebook", headers={"X-Request-ID": f"burst-{n}"})
        # running_server sends SIGTERM on leaving, within milliseconds of the last answer.
    ids = [x.get("request_id") for x in access_lines(log, lambda lines: False, timeout=0)]
    assert [i for i in ids if i and i.startswith("burst-")] == [f"burst-{n}" for n in range(40)]
