"""Claims, figure status, agreements, the codebook, the changelog and the citation."""

from __future__ import annotations

import csv
import io

from app import codebook
from app.answers import ChangePublic, ClaimPublic, Page
from tests import oracle
from tests.helpers import assert_problem, walk

# The research notes list these nine exchanges whose claimants disagree.
DISAGREEMENTS = {
    "2022-09-21",
    "2022-10-29",
    "2022-11-23",
    "2024-01-31",
    "2024-12-30",
    "2025-03-19",
    "2025-10-02",
    "2025-12-19",
    "2026-03-06",
}


def test_claims_list_and_filters(client):
    rows, metas = walk(client, "/v1/claims", limit=40)
    Page[ClaimPublic].model_validate({"data": rows, "meta": metas[0]})
    assert len(rows) == metas[0]["count"] == len(oracle.claims()) == 156
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)
    undisclosed = [r for r in rows if not r["disclosed"]]
    assert len(undisclosed) == sum(not c["disclosed"] for c in oracle.claims()) == 16
    assert all(r["value"] is None for r in undisclosed)
    ru, _ = walk(client, "/v1/claims", limit=500, claimant="ru_official", figure="ukraine_received")
    assert ru and all(
        r["claimant"] == "ru_official" and r["figure"] == "ukraine_received" for r in ru
    )
    assert_problem(client.get("/v1/claims?claimant=kremlin"), 422, "claimant")


def test_every_listed_disagreement_is_disputed(client):
    rows, _ = walk(client, "/v1/exchanges", limit=500, figure_status="disputed")
    ids = {r["id"] for r in rows}
    assert ids == oracle.disputed_exchanges() >= DISAGREEMENTS
    # Since the research update of 2026-12, 24 Aug 2025 keeps 146 for Ukraine (the Russian MoD
    # and Fakty; Kyiv gave no total), which every stated figure agrees with: no longer disputed.
    assert ids == DISAGREEMENTS
    e = client.get("/v1/exchanges/2025-08-24").json()["data"]
    assert (e["ukraine_received"], e["russia_received"]) == (146, 154)
    assert e["figure_status"] == {
        "ukraine_received": "consistent",
        "russia_received": "single_source",
    }
    for r in rows:
        sides = [
            f
            for f in ("ukraine_received", "russia_received")
            if r["figure_status"][f] == "disputed"
        ]
        assert sides
        for f in sides:
            span = r["figure_range"][f]
            assert span["min"] < span["max"]
            assert span["min"] <= r[f] <= span["max"]


def test_disputed_claims_filter_matches_the_exchanges(client):
    claims, _ = walk(client, "/v1/claims", limit=500, disputed="true")
    assert {c["exchange"] for c in claims} == oracle.disputed_exchanges() == DISAGREEMENTS
    others, _ = walk(client, "/v1/claims", limit=500, disputed="false")
    assert len(claims) + len(others) == len(oracle.claims())


def test_the_single_exchange_view_embeds_claims(client):
    e = client.get("/v1/exchanges/2024-01-31").json()["data"]
    assert {(c["claimant"], c["figure"], c["value"]) for c in e["claims"]} == {
        ("ua_official", "ukraine_received", 207),
        ("ru_official", "ukraine_received", 195),
        ("ru_official", "russia_received", 195),
    }
    assert e["figure_status"]["ukraine_received"] == "disputed"
    assert e["figure_range"]["ukraine_received"] == {"min": 195, "max": 207}
    same = client.get("/v1/exchanges/2024-01-31/claims").json()["data"]
    assert same == e["claims"]
    assert_problem(client.get("/v1/exchanges/1999-01-01/claims"), 404)


def test_undisclosed_claims_are_listed_on_undisclosed_figures(client):
    # 2025-07-23: Kyiv gave no number; the row keeps both figures unknown.
    e = client.get("/v1/exchanges/2025-07-23").json()["data"]
    assert e["figure_status"] == {
        "ukraine_received": "undisclosed",
        "russia_received": "undisclosed",
    }
    assert any(not c["disclosed"] for c in e["claims"])


def test_agreements(client):
    body = client.get("/v1/agreements").json()
    assert body["meta"]["count"] == 6
    deal = client.get("/v1/agreements/istanbul-2025-05-16-1000").json()["data"]
    assert deal["agreed_ukraine_received"] == 1000
    assert [s["id"] for s in deal["stages"]] == ["2025-05-23", "2025-05-24", "2025-05-25"]
    assert deal["delivered"]["ukraine_received"] == 1000  # 390 + 307 + 303
    assert deal["delivered"]["ukraine_received_share_of_agreed"] == 1.0
    prisoners = client.get("/v1/agreements/istanbul-2025-06-02-pows").json()["data"]
    assert prisoners["agreed_ukraine_received"] is None  # agreed by category, not number
    assert prisoners["delivered"]["ukraine_received_share_of_agreed"] is None
    assert prisoners["delivered"]["undisclosed_ukraine_received"] > 0
    for stage in ("2025-05-23", "2025-05-24", "2025-05-25"):
        ex = client.get(f"/v1/exchanges/{stage}").json()["data"]
        assert ex["agreements"] == ["istanbul-2025-05-16-1000"]
    assert_problem(client.get("/v1/agreements/nope"), 404)
    r = client.get("/v1/agreements?format=csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 6 and "delivered_ukraine_received" in rows[0]


def test_codebook_and_openapi_say_the_same(client):
    body = client.get("/v1/codebook").json()
    assert set(body) == {"data", "meta"}
    book = body["data"]
    assert set(book["kinds"]) == {
        "pow_exchange",
        "bodies_repatriation",
        "civilian_release",
        "mixed",
    }
    assert set(book["figure_statuses"]) == {
        "consistent",
        "disputed",
        "single_source",
        "undisclosed",
    }
    assert "personal names" in book["rules"]["privacy"]
    assert "receiving side's own official figure" in book["rules"]["best_value"]
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    for record, schema in (
        ("exchange", "ExchangePublic"),
        ("source", "SourcePublic"),
        ("claim", "ClaimPublic"),
        ("agreement", "AgreementPublic"),
        ("coverage", "CoverageRecord"),
        ("moved_exchange", "MovedExchange"),
    ):
        props = schemas[schema]["properties"]
        for name, text in book["fields"][record].items():
            if name in props:
                assert props[name].get("description") == text, (schema, name)
    assert book["fields"] == codebook.FIELDS
    # Every measure the statistics give is defined, in the words OpenAPI uses for it.
    assert tuple(book["measures"]) == oracle.MEASURES
    summary = schemas["Summary"]["properties"]
    for name, text in book["measures"].items():
        assert summary[name]["description"] == text, name


def test_changelog_pages_oldest_first(client):
    rows, metas = walk(client, "/v1/dataset/changes", limit=200)
    for r in rows[:3]:
        ChangePublic.model_validate(r)
    assert len(rows) == metas[0]["count"]
    assert [r["seq"] for r in rows] == sorted(r["seq"] for r in rows)
    assert {r["action"] for r in rows} == {"create"} and {r["version"] for r in rows} == {1}
    assert all(r["actor"] == "loader" for r in rows)
    none = client.get("/v1/dataset/changes?since_version=1").json()
    assert none["data"] == [] and none["meta"]["count"] == 0


def test_citation_formats(client):
    text = client.get("/v1/dataset/citation")
    assert text.headers["content-type"].startswith("text/plain")
    assert "version 1" in text.text and "CC-BY-4.0" in text.text
    bib = client.get("/v1/dataset/citation?format=bibtex").text
    assert bib.startswith("@misc{") and "version = {1}" in bib
    csl = client.get("/v1/dataset/citation?format=csl-json").json()
    assert csl["type"] == "dataset" and csl["version"] == "1"
    assert_problem(client.get("/v1/dataset/citation?format=apa"), 422, "format")
