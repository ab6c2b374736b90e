"""Bounds on what one request may cost: the query string's length and each statement's time."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.conftest import is_postgres, make_client
from tests.helpers import assert_problem


@pytest.mark.parametrize("path", ["/v1/exchanges", "/v1/admin/exchanges", "/healthz"])
def test_a_query_string_past_8_kib_is_a_414_problem(client, path):
    origin = {"Origin": "https://newsroom.example"}
    r = client.get(path, params={"mediator": ",".join(["uae"] * 3000)}, headers=origin)
    body = assert_problem(r, 414)
    assert "8192 bytes" in body["detail"]
    # A browser may read the reason on reads, as on every other read answer; never on admin.
    grant = r.headers.get("access-control-allow-origin")
    assert grant == (None if path.startswith("/v1/admin") else "*")

    # Just under the limit it is read as usual (a long but valid query: 700 repeats).
    query = "&".join(["kind=mixed"] * 700)
    assert 7000 < len(query) <= 8192
    ok = client.get(f"/v1/exchanges?{query}")
    assert ok.status_code == 200, ok.text


@pytest.mark.skipif(is_postgres(), reason="PostgreSQL may finish within its 1 ms minimum")
def test_a_statement_past_the_query_timeout_is_stopped_with_a_503(db_url):
    # A limit no statement can meet: every read is stopped, the answer says why, nothing hangs.
    with make_client(db_url, query_timeout=1e-6) as c:
        r = c.get("/v1/statistics/timeseries", params={"interval": "week"})
        body = assert_problem(r, 503)
        assert "ran longer than" in body["detail"] and r.headers["retry-after"]
    # The same request within the default limit.
    with make_client(db_url) as c:
        assert c.get("/v1/statistics/timeseries", params={"interval": "week"}).status_code == 200


@pytest.mark.skipif(is_postgres(), reason="the SQLite progress handler")
def test_the_deadline_is_per_statement(db_url):
    import time

    from sqlalchemy.exc import OperationalError

    from app.db import make_engine

    # ~100,000 steps of SQLite's machine: well over the handler's interval, well under 0.5 s.
    busy = text(
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 100000) "
        "SELECT count(*) FROM n"
    )
    engine = make_engine(db_url, query_timeout=0.5)
    with engine.connect() as conn:
        assert conn.execute(busy).scalar_one() == 100_000
        time.sleep(0.6)  # past the first statement's deadline: the next one has its own
        assert conn.execute(busy).scalar_one() == 100_000
    engine.dispose()
    # And a deadline that has passed does stop that statement.
    engine = make_engine(db_url, query_timeout=1e-6)
    with engine.connect() as conn, pytest.raises(OperationalError, match="interrupted"):
        conn.execute(busy).scalar_one()
    engine.dispose()


@pytest.mark.skipif(not is_postgres(), reason="PostgreSQL's statement_timeout")
def test_postgres_connections_carry_the_statement_timeout(db_url):
    from sqlalchemy.exc import OperationalError

    from app.db import is_timeout, make_engine

    engine = make_engine(db_url, query_timeout=0.2)
    with engine.connect() as conn:
        assert conn.execute(text("SHOW statement_timeout")).scalar_one() == "200ms"
        with pytest.raises(OperationalError) as info:
            conn.execute(text("SELECT pg_sleep(2)"))
        assert is_timeout(info.value)
    engine.dispose()
