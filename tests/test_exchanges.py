"""GET /v1/exchanges and /v1/exchanges/{id} against an independent reading of data/."""

from __future__ import annotations

import itertools

import pytest

from app.answers import ExchangeDetail, ExchangePublic, Item, MovedExchange, Page
from tests import oracle
from tests.conftest import use_database
from tests.helpers import assert_problem, walk

FILTERS: dict[str, tuple[str, object]] = {
    # parameter -> (query value, parsed value for the oracle)
    "since": ("2024-01-01", "2024-01-01"),
    "until": ("2025-06-30", "2025-06-30"),
    "kind": ("pow_exchange,mixed", ["pow_exchange", "mixed"]),
    "mediator": ("uae", ["uae"]),
    "source": ("up-2022-03-24-10for10", "up-2022-03-24-10for10"),
    "confidence": ("medium", ["medium"]),
    "min_total": ("200", 200),
    "q": ("national guard", "national guard"),
}


def test_the_17_july_2024_exchange(client):
    r = client.get("/v1/exchanges/2024-07-17")
    assert r.status_code == 200
    body = r.json()
    Item[ExchangeDetail].model_validate(body)
    e = body["data"]
    assert (e["ukraine_received"], e["russia_received"], e["total"]) == (95, 95, 190)
    assert e["mediators"] == ["uae"]
    assert e["ua_sequence_number"] == 54
    assert e["kind"] == "pow_exchange"
    assert all(isinstance(s, dict) and s["url"].startswith("http") for s in e["sources"])
    assert [s["id"] for s in e["sources"]] == next(
        x["sources"] for x in oracle.exchanges() if x["id"] == "2024-07-17"
    )
    assert body["meta"]["dataset_version"] >= 1
    assert r.headers["etag"].startswith('"r1-')


def test_unknown_exchange_is_a_404_problem(client):
    assert_problem(client.get("/v1/exchanges/2019-01-01"), 404)


def test_list_shape_and_default_order(client):
    r = client.get("/v1/exchanges")
    body = r.json()
    Page[ExchangePublic].model_validate(body)
    assert body["meta"]["count"] == len(oracle.exchanges())
    assert body["meta"]["limit"] == 50
    assert [e["id"] for e in body["data"]] == oracle.expected_ids("-date")[:50]
    assert 'rel="next"' in r.headers["link"]
    assert 'rel="cite-as"' in r.headers["link"]


def test_rows_equal_the_data_files(client):
    rows, _ = walk(client, "/v1/exchanges", limit=500, sort="date")
    want = {e["id"]: e for e in oracle.exchanges()}
    assert len(rows) == len(want)
    for row in rows:
        got = {k: row[k] for k in want[row["id"]]}
        assert got == want[row["id"]]


@pytest.mark.parametrize("sort", ["date", "-date", "total", "-total"])
@pytest.mark.parametrize("limit", [1, 7, 50])
def test_pagination_walks_every_record_once_in_order(client, sort, limit):
    rows, metas = walk(client, "/v1/exchanges", sort=sort, limit=limit)
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))
    assert ids == oracle.expected_ids(sort)
    assert all(m["limit"] == limit and m["count"] == len(ids) for m in metas)
    assert all(
        len(page) <= limit for page in [ids[i : i + limit] for i in range(0, len(ids), limit)]
    )


def test_pagination_stays_stable_when_records_are_added(fresh_client, fresh_url):
    from app import curation
    from app.db import write_session

    first = fresh_client.get("/v1/exchanges", params={"limit": 10, "sort": "date"}).json()
    # A new event that sorts before and one that sorts after the cursor.
    with use_database(fresh_url), write_session() as session:
        for rid, date in (("2022-03-02", "2022-03-02"), ("2026-06-01", "2026-06-01")):
            rec = {
                "id": rid,
                "date": date,
                "kind": "pow_exchange",
                "ukraine_received": 1,
                "russia_received": 1,
                "mediators": [],
                "ua_sequence_number": None,
                "ua_categories": [],
                "notes": "test",
                "confidence": "low",
                "sources": ["up-2022-03-24-10for10"],
            }
            curation.apply(session, [curation.Op("exchange", "create", rid, rec)], actor="test")
    ids = [e["id"] for e in first["data"]]
    rest, metas = walk(
        fresh_client, "/v1/exchanges", limit=10, sort="date", cursor=first["meta"]["next_cursor"]
    )
    ids += [e["id"] for e in rest]
    # The walk reads the snapshot it started on: each record exactly once, none half-seen.
    assert ids == oracle.expected_ids("date")
    assert all(m["dataset_version"] == first["meta"]["dataset_version"] for m in metas)
    # A new walk sees the new version, both records included and in order.
    again, metas = walk(fresh_client, "/v1/exchanges", limit=10, sort="date")
    assert [e["id"] for e in again] == sorted(
        [*oracle.expected_ids("date"), "2022-03-02", "2026-06-01"]
    )
    assert metas[0]["dataset_version"] == first["meta"]["dataset_version"] + 2  # two writes


@pytest.mark.parametrize("name", list(FILTERS))
def test_each_filter(client, name):
    value, parsed = FILTERS[name]
    rows, metas = walk(client, "/v1/exchanges", limit=500, **{name: value})
    want = oracle.expected_ids("-date", **{name: parsed})
    assert [r["id"] for r in rows] == want
    assert metas[0]["count"] == len(want)
    assert want, f"filter {name} should match something in the shipped data"


@pytest.mark.parametrize(("a", "b"), list(itertools.combinations(FILTERS, 2)))
def test_every_pair_of_filters(client, a, b):
    params = {a: FILTERS[a][0], b: FILTERS[b][0]}
    rows, metas = walk(client, "/v1/exchanges", limit=500, **params)
    want = oracle.expected_ids("-date", **{a: FILTERS[a][1], b: FILTERS[b][1]})
    assert [r["id"] for r in rows] == want
    assert metas[0]["count"] == len(want)


def test_repeated_and_comma_separated_values_agree(client):
    one = client.get("/v1/exchanges?kind=mixed&kind=civilian_release&limit=500").json()
    two = client.get("/v1/exchanges?kind=mixed,civilian_release&limit=500").json()
    assert one["data"] == two["data"]
    assert {e["kind"] for e in one["data"]} == {"mixed", "civilian_release"}


def test_filter_that_matches_nothing_is_an_empty_page(client):
    body = client.get("/v1/exchanges?since=2026-11-01").json()
    assert body["data"] == [] and body["meta"]["count"] == 0
    assert body["meta"]["next_cursor"] is None


def test_a_cursor_past_the_last_match_still_counts_every_match(client):
    from app.http import encode_cursor

    version = client.get("/v1/dataset").json()["data"]["version"]
    past = encode_cursor({"v": version, "s": "-date", "k": "2000-01-01", "id": "x"})
    body = client.get("/v1/exchanges", params={"cursor": past, "kind": "pow_exchange"}).json()
    everything = client.get("/v1/exchanges?kind=pow_exchange").json()["meta"]["count"]
    assert body["data"] == [] and body["meta"]["count"] == everything > 0


def test_a_page_statement_built_for_one_request_answers_the_next_of_its_shape(client):
    """Statements are kept per shape and run with each request's values: answers must not
    depend on which request of a shape came first."""
    from app import queries

    shapes = [
        {"since": "2024-01-01", "until": "2024-12-31", "kind": "pow_exchange", "q": "civilians"},
        {"since": "2023-03-01", "until": "2025-06-30", "kind": "mixed,bodies_repatriation",
         "q": "bodies"},
        {"mediator": "uae", "min_total": "100", "figure_status": "disputed,undisclosed",
         "sort": "-total"},
        {"mediator": "turkey", "min_total": "0", "figure_status": "disputed,undisclosed",
         "sort": "-total"},
    ]  # fmt: skip
    kept = [client.get("/v1/exchanges", params={**q, "limit": 3}).json() for q in shapes]
    for query, body in zip(shapes, kept, strict=True):
        queries._PAGES.clear()  # the same request, its statement built afresh
        again = client.get("/v1/exchanges", params={**query, "limit": 3}).json()
        assert again == body
        walked, _ = walk(client, "/v1/exchanges", **query, limit=3)
        assert [r["id"] for r in body["data"]] == [r["id"] for r in walked][:3]
    assert kept[0]["data"] != kept[1]["data"] and kept[2]["data"] != kept[3]["data"]


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=abc", "limit"),
        ("kind=prisoners", "kind"),
        ("confidence=certain", "confidence"),
        ("since=2024-13-01", "since"),
        ("sort=name", "sort"),
        ("min_total=-1", "min_total"),
        ("cursor=garbage", "cursor"),
        ("cursor=eyJ2IjoxfQ", "cursor"),
        ("format=xml", "format"),
        ("since=2025-01-01&until=2024-01-01", "since"),
        ("as_of_version=0", "as_of_version"),
        ("as_of_version=999999", "as_of_version"),
        ("q=" + "x" * 201, "q"),
        ("q=%00", "q"),
        ("mediator=UAE%27;--", "mediator"),
        ("kind=", "kind"),
        ("kind=,", "kind"),
        ("kind=%20", "kind"),
        ("kind=mixed&kind=", "kind"),
        ("confidence=", "confidence"),
        ("figure_status=", "figure_status"),
        ("mediator=", "mediator"),
    ],
)
def test_bad_parameters_are_422_naming_them(client, query, name):
    assert_problem(client.get(f"/v1/exchanges?{query}"), 422, name)


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/v1/exchanges", "kind"),
        ("/v1/statistics/summary", "kind"),
        ("/v1/statistics/timeseries", "kind"),
        ("/v1/statistics/mediators", "kind"),
        ("/v1/statistics/summary", "confidence"),
        ("/v1/sources", "kind"),
        ("/v1/sources", "language"),
        ("/v1/claims", "claimant"),
        ("/v1/claims", "figure"),
        ("/v1/statistics/reconciliation", "metric"),
        ("/v1/statistics/reconciliation", "claimant"),
    ],
)
def test_an_empty_list_filter_is_a_422_naming_it(client, path, name):
    # `kind=` names no kind: refused, rather than read as "no filter" or as "nothing".
    body = assert_problem(client.get(f"{path}?{name}="), 422, name)
    assert body["errors"] == [
        {
            "name": name,
            "location": "query",
            "message": "is empty: name a value, or leave the parameter out",
        }
    ]


def test_cursor_from_another_sort_is_refused(client):
    cursor = client.get("/v1/exchanges?limit=2&sort=date").json()["meta"]["next_cursor"]
    assert_problem(client.get(f"/v1/exchanges?limit=2&sort=total&cursor={cursor}"), 422, "cursor")


@pytest.mark.parametrize("q", ["'", '"', "%", "_", "\\", "' OR 1=1 --", "%%%", "ü" * 50, "a_b%c"])
def test_hostile_search_terms_are_harmless(client, q):
    r = client.get("/v1/exchanges", params={"q": q})
    assert r.status_code == 200
    assert [e["id"] for e in r.json()["data"]] == oracle.expected_ids("-date", q=q)[:50]


def test_csv_and_ndjson_carry_the_same_rows(client):
    import csv
    import io

    import orjson

    js = client.get("/v1/exchanges?limit=500").json()["data"]
    r = client.get("/v1/exchanges?limit=500&format=csv")
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["id"] for row in rows] == [e["id"] for e in js]
    nd = client.get("/v1/exchanges?limit=500", headers={"Accept": "application/x-ndjson"})
    assert [orjson.loads(line)["id"] for line in nd.text.splitlines()] == [e["id"] for e in js]
    for row, e in zip(rows, js, strict=True):
        assert row["sources"] == ";".join(e["sources"])
        assert row["ukraine_received"] == (
            "" if e["ukraine_received"] is None else str(e["ukraine_received"])
        )


def test_unacceptable_accept_is_406(client):
    assert_problem(client.get("/v1/exchanges", headers={"Accept": "image/png"}), 406)


def test_etag_and_304(client):
    r = client.get("/v1/exchanges?limit=5")
    etag = r.headers["etag"]
    again = client.get("/v1/exchanges?limit=5", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    other = client.get("/v1/exchanges?limit=6", headers={"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["etag"] != etag


def test_as_of_version_reproduces_an_earlier_answer(fresh_client, fresh_url):
    from app import curation
    from app.db import write_session

    before = fresh_client.get("/v1/exchanges/2024-07-17")
    listing = fresh_client.get("/v1/exchanges?limit=500")
    version = before.json()["meta"]["dataset_version"]
    with use_database(fresh_url), write_session() as session:
        live = curation.live_records(session, "exchange")["2024-07-17"][2]
        curation.apply(
            session,
            [curation.Op("exchange", "update", "2024-07-17", {**live, "notes": "edited"})],
            actor="test",
        )
    now = fresh_client.get("/v1/exchanges/2024-07-17").json()["data"]
    assert now["notes"] == "edited" and now["revision"] == 2
    then = fresh_client.get(f"/v1/exchanges/2024-07-17?as_of_version={version}")
    assert then.content == before.content
    then_list = fresh_client.get(f"/v1/exchanges?limit=500&as_of_version={version}")
    assert then_list.content == listing.content
    assert then_list.headers["cache-control"].endswith("immutable")


# ---- re-dated exchanges: the old id answers 301 to the new one -------------------------------

MOVES = [("2023-09-18", "2023-09-15"), ("2023-10-19", "2023-10-06")]


def test_the_moves_are_those_of_the_data_files():
    assert {old: m["moved_to"] for old, m in oracle.moved_exchanges().items()} == dict(MOVES)
    ids = {e["id"] for e in oracle.exchanges()}
    for old, new in MOVES:
        assert old not in ids and new in ids


def test_6_october_2023_is_64_bodies_with_the_red_cross(client):
    e = client.get("/v1/exchanges/2023-10-06").json()["data"]
    assert (e["date"], e["kind"], e["ukraine_received"], e["russia_received"]) == (
        "2023-10-06", "bodies_repatriation", 64, None,
    )  # fmt: skip
    assert e["mediators"] == ["icrc"]
    assert len(oracle.exchanges()) == 150


@pytest.mark.parametrize(("old", "new"), MOVES)
def test_a_moved_id_answers_301_with_where_it_went(client, old, new):
    r = client.get(f"/v1/exchanges/{old}", follow_redirects=False)
    assert r.status_code == 301
    assert r.headers["location"] == f"/v1/exchanges/{new}"
    body = r.json()
    Item[MovedExchange].model_validate(body)
    note = oracle.moved_exchanges()[old]["note"]
    assert body == {
        "data": {
            "id": old,
            "moved_to": new,
            "note": note,
            "updated_at": body["data"]["updated_at"],
            "revision": 1,
        },
        "meta": {"dataset_version": 1},
    }
    assert r.headers["etag"].startswith('"r1-') and r.headers["x-dataset-version"] == "1"
    assert 'rel="cite-as"' in r.headers["link"]
    # Every header the document declares for the 301 is sent.
    doc = client.get("/openapi.json").json()
    for path in ("/v1/exchanges/{exchange_id}", "/v1/exchanges/{exchange_id}/claims"):
        headers = doc["paths"][path]["get"]["responses"]["301"]["headers"]
        assert {"Location", "ETag", "X-Dataset-Version"} <= set(headers)
        assert [h for h in headers if h.lower() not in r.headers] == [], path
    # Followed, it is the exchange itself.
    followed = client.get(f"/v1/exchanges/{old}")
    assert followed.status_code == 200 and followed.json()["data"]["id"] == new
    assert followed.json() == client.get(f"/v1/exchanges/{new}").json()
    # Its claims move with it.
    claims = client.get(f"/v1/exchanges/{old}/claims", follow_redirects=False)
    assert claims.status_code == 301
    assert claims.headers["location"] == f"/v1/exchanges/{new}/claims"
    assert claims.json()["data"]["moved_to"] == new


@pytest.mark.parametrize(("old", "new"), MOVES)
def test_the_query_survives_the_redirect(client, old, new):
    r = client.get(f"/v1/exchanges/{old}?as_of_version=1&format=json", follow_redirects=False)
    assert r.status_code == 301
    assert r.headers["location"] == f"/v1/exchanges/{new}?as_of_version=1&format=json"
    r = client.get(f"/v1/exchanges/{old}/claims?format=csv&as_of_version=1", follow_redirects=False)
    assert r.status_code == 301
    assert r.headers["location"] == f"/v1/exchanges/{new}/claims?format=csv&as_of_version=1"
    followed = client.get(f"/v1/exchanges/{old}/claims?format=csv&as_of_version=1")
    assert followed.status_code == 200 and followed.headers["content-type"].startswith("text/csv")


def test_a_moved_id_is_no_list_row_and_a_conditional_read_is_304(client):
    ids = {e["id"] for e in walk(client, "/v1/exchanges", limit=500)[0]}
    assert not ids & {old for old, _ in MOVES}
    r = client.get("/v1/exchanges/2023-10-19", follow_redirects=False)
    again = client.get(
        "/v1/exchanges/2023-10-19", headers={"If-None-Match": r.headers["etag"]},
        follow_redirects=False,
    )  # fmt: skip
    assert again.status_code == 304 and again.headers["etag"] == r.headers["etag"]
    assert_problem(client.get("/v1/exchanges/2023-10-20"), 404)  # never an exchange


def test_the_next_link_under_a_root_path_names_it_once(db_url):
    """Under `uvicorn --root-path /api` the path arrives with the root path in front (as the
    test client sends it here): the next page's link, like the citation's, has it once."""
    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.main import create_app

    app = create_app(Settings(database_url=db_url, version_ttl=0.0))
    with TestClient(app, root_path="/api") as c:
        r = c.get("/api/v1/exchanges?limit=2")
        assert r.status_code == 200, r.text
        links = r.headers["link"]
        assert "<http://testserver/api/v1/dataset/citation>" in links, links
        assert "<http://testserver/api/v1/exchanges?limit=2&cursor=" in links, links
        nxt = links.split("<http://testserver")[-1].split(">")[0]
        assert c.get(nxt).json()["data"][0]["id"] != r.json()["data"][0]["id"]
