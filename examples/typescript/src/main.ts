// What a newsroom dashboard reads, typed from the API's own OpenAPI document.
import createClient from "openapi-fetch";
import type { paths } from "./api.js";

const baseUrl = "http://127.0.0.1:8000";
// Reads answer JSON (and errors RFC 9457 problem documents) unless asked for CSV or NDJSON:
// the second type argument says which media types this client reads, so that `data` is the
// JSON answer's type and `error` the problem's.
const api = createClient<paths, "application/json" | "application/problem+json">({ baseUrl });

// UAE-mediated prisoner exchanges since 2024, largest first, five a page
const { data: page, error } = await api.GET("/v1/exchanges", {
  params: {
    query: { mediator: ["uae"], kind: ["pow_exchange"], since: "2024-01-01", sort: "-total", limit: 5 },
  },
});
if (error) throw new Error(`${error.status}: ${error.detail}`);
for (const e of page.data) console.log(`${e.id}: ${e.ukraine_received ?? "undisclosed"} to Ukraine`);
console.log(`${page.meta.count} events; next page: ${page.meta.next_cursor ? "yes" : "no"}`);

// People returned alive, never added to bodies of the fallen; undisclosed figures counted apart
const { data: summary, response } = await api.GET("/v1/statistics/summary");
if (!summary) throw new Error(`summary: ${response.status}`);
const s = summary.data;
console.log(`people returned to Ukraine: ${s.people_to_ukraine} (${s.undisclosed_people_to_ukraine} undisclosed)`);
console.log(`curated up to ${summary.meta.coverage.until}`);

// The monthly series for a chart: every month up to the end of the coverage, empty ones as 0
const { data: series } = await api.GET("/v1/statistics/timeseries", {
  params: { query: { interval: "month" } },
});
if (!series) throw new Error("timeseries");
const last = series.data[series.data.length - 1];
console.log(`${series.data.length} months; ${last?.period}: ${last?.people_to_ukraine} people to Ukraine`);

// Poll cheaply: send the ETag back; 304 (no body) means nothing changed
const etag = response.headers.get("ETag") ?? "";
const again = await api.GET("/v1/statistics/summary", { headers: { "If-None-Match": etag } });
console.log(`summary unchanged: ${again.response.status === 304}`);
