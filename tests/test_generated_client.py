"""A client generated from /openapi.json by openapi-python-client works unmodified."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import oracle
from tests.conftest import drop_database, new_database
from tests.servers import running_server


@pytest.fixture(scope="module")
def generated(tmp_path_factory, client) -> Path:
    out = tmp_path_factory.mktemp("client")
    (out / "openapi.json").write_text(json.dumps(client.get("/openapi.json").json()))
    # The export is a zip; the generator reads any binary body as a File when told so.
    (out / "config.yml").write_text(
        "content_type_overrides:\n  application/zip: application/octet-stream\n"
    )
    bin_dir = str(Path(sys.executable).parent)  # its post-generation hook runs ruff
    run = subprocess.run(
        [sys.executable, "-m", "openapi_python_client", "generate", "--path", "openapi.json",
         "--output-path", "pow_client", "--meta", "none", "--config", "config.yml"],
        cwd=out, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"},
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert "WARNING" not in run.stdout + run.stderr, run.stdout + run.stderr
    return out


def test_generated_client_lists_filters_pages_and_reads(generated, tmp_root, template_url):
    sys.path.insert(0, str(generated))
    try:
        pkg = importlib.import_module("pow_client")
        list_exchanges = importlib.import_module("pow_client.api.exchanges.list_exchanges")
        get_exchange = importlib.import_module("pow_client.api.exchanges.get_exchange")
        summary = importlib.import_module("pow_client.api.statistics.exchange_summary")
        timeseries = importlib.import_module("pow_client.api.statistics.exchange_timeseries")
        models = importlib.import_module("pow_client.models")
        db = new_database(tmp_root, template_url)
        try:
            with running_server(db, tmp_root) as (base, _log):
                api = pkg.Client(base_url=base, raise_on_unexpected_status=True)
                page = list_exchanges.sync(client=api, mediator=["uae"], limit=5)
                ids = [e.id for e in page.data]
                assert ids == oracle.expected_ids("-date", mediator=["uae"])[:5]
                assert page.meta.count == len(oracle.expected_ids("-date", mediator=["uae"]))
                nxt = list_exchanges.sync(
                    client=api, mediator=["uae"], limit=5, cursor=page.meta.next_cursor
                )
                assert [e.id for e in nxt.data] == oracle.expected_ids("-date", mediator=["uae"])[
                    5:10
                ]
                one = get_exchange.sync(client=api, exchange_id="2024-07-17")
                assert (one.data.ukraine_received, one.data.ua_sequence_number) == (95, 54)
                assert one.data.sources[0].url.startswith("http")
                missing = get_exchange.sync_detailed(client=api, exchange_id="1999-01-01")
                assert missing.status_code == 404
                assert missing.parsed.status == 404 and missing.parsed.title == "Not Found"
                # Closed vocabularies are enums: a typo fails before any request is sent.
                pows = [e for e in oracle.exchanges() if e["kind"] == "pow_exchange"]
                kind = models.ExchangeSummaryKindType0Item.POW_EXCHANGE
                answer = summary.sync(client=api, kind=[kind])
                assert answer.meta.dataset_version == 1
                measures = oracle.measures(pows)
                assert answer.data.exchanges == measures["exchanges"] == len(pows)
                assert answer.data.people_to_ukraine == measures["people_to_ukraine"]
                assert answer.data.bodies_to_ukraine == 0
                assert answer.meta.coverage.until.isoformat() == oracle.coverage()["until"]
                whole = summary.sync(client=api)
                assert (
                    whole.data.bodies_to_ukraine
                    == oracle.measures(oracle.exchanges())["bodies_to_ukraine"]
                )
                series = timeseries.sync(client=api, interval=models.Interval.YEAR)
                assert series.meta.interval == models.Interval.YEAR
                assert [p.period for p in series.data][-1] == "2026"
                by_year = {p.period: p for p in series.data}
                assert by_year["2024"].people_to_ukraine == 1358
                # A re-dated exchange's old id: the 301 is typed too.
                moved = get_exchange.sync_detailed(client=api, exchange_id="2023-10-19")
                assert moved.status_code == 301
                assert moved.headers["location"] == "/v1/exchanges/2023-10-06"
                assert moved.parsed.data.moved_to == "2023-10-06"
        finally:
            drop_database(db)
    finally:
        sys.path.remove(str(generated))
