// The pow-exchanges dashboard: a plain client of the public API (ES2020, no dependencies),
// doing what any third-party dashboard would do with it.
// URLs are relative, so the page also works when the app is served under a path prefix.
// Values from the data are only ever inserted as text nodes, never parsed as HTML, so none
// can become markup.
"use strict";

const PAGE_SIZE = 25;
const CSV_LIMIT = 500; // the API's largest page
const FILTERS = ["since", "until", "kind", "mediator"];
const KINDS = {
  pow_exchange: "Prisoner exchange",
  mixed: "Mixed",
  civilian_release: "Civilian release",
  bodies_repatriation: "Repatriation of bodies",
};
const STATUS = {
  consistent: "consistent",
  disputed: "disputed",
  single_source: "one source",
  undisclosed: "undisclosed",
};
const SIDES = [["ukraine", "ukraine_received"], ["russia", "russia_received"]];
// The two measures the API keeps apart (GET /v1/codebook, "measures"): never added together.
const MEASURES = {
  people: {
    title: "People returned alive, month by month",
    caption: "People returned alive to each side per month",
    note: "Bars: people returned alive in the month, prisoners of war and civilians. Lines: " +
      "the running totals. Bodies of the fallen are counted apart (the second switch): at " +
      "their scale they would drown the living.",
    unit: "person", units: "people", event: "exchange", events: "Exchanges",
  },
  bodies: {
    title: "Bodies of the fallen returned, month by month",
    caption: "Bodies of the fallen returned to each side per month",
    note: "Bars: bodies of the fallen handed over in the month, as the receiving side " +
      "announced them. Lines: the running totals. People returned alive are counted apart.",
    unit: "body", units: "bodies", event: "repatriation", events: "Repatriations",
  },
};

const number = new Intl.NumberFormat("en-US");
const compact = new Intl.NumberFormat("en-US", { notation: "compact" });
// Dates in the data are calendar days: format them in UTC so no time zone shifts them.
const dayFormat = new Intl.DateTimeFormat("en-GB", {
  day: "numeric", month: "short", year: "numeric", timeZone: "UTC",
});
const monthFormat = new Intl.DateTimeFormat("en-GB", {
  month: "short", year: "numeric", timeZone: "UTC",
});

const $ = (id) => document.getElementById(id);
const state = {
  filters: new URLSearchParams(), cursors: [], next: null, seq: 0, version: null,
  measure: "people", series: [],
};
let mediatorNames = {};
const problems = [];

// ---- small helpers ------------------------------------------------------------------------

function fill(node, attrs, children) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value !== null && value !== undefined) node.setAttribute(key, String(value));
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}
const h = (tag, attrs, ...children) => fill(document.createElement(tag), attrs, children);
const SVG_NS = "http://www.w3.org/2000/svg";
const s = (tag, attrs, ...children) => fill(document.createElementNS(SVG_NS, tag), attrs, children);

const day = (iso) => dayFormat.format(new Date(`${iso}T00:00:00Z`));
const month = (iso) => monthFormat.format(new Date(`${iso}T00:00:00Z`));
const plural = (n, word) => `${number.format(n)} ${word}${n === 1 ? "" : "s"}`;
const percent = new Intl.NumberFormat("en-US", { style: "percent", maximumFractionDigits: 1 });
const daysSince = (iso) => Math.floor((Date.now() - Date.parse(`${iso}T00:00:00Z`)) / 864e5);
const round = (v) => Math.round(v * 100) / 100;

async function getJSON(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    throw new Error(body?.detail || `${url} answered HTTP ${response.status}`);
  }
  return body;
}

function showProblem(error) {
  problems.push(error.message || String(error));
  $("problem").textContent = problems.join(" ");
  $("problem").hidden = false;
}

function clearProblems() {
  problems.length = 0;
  $("problem").hidden = true;
}

// ---- headline figures ---------------------------------------------------------------------

// A sum and, beside it, how many events did not disclose that figure: never a silent zero.
function setFigure(id, value, undisclosed, event) {
  const dd = $(id);
  dd.dataset.value = value;
  dd.dataset.undisclosed = undisclosed;
  dd.replaceChildren(h("span", { class: "value" }, number.format(value)));
  if (undisclosed) {
    dd.append(h("span", { class: "sub" }, `+ not disclosed for ${plural(undisclosed, event)}`));
  }
}

function renderCoverage(coverage) {
  const note = $("coverage-note");
  if (!coverage.until) {
    note.textContent = coverage.statement;
    return;
  }
  note.dataset.until = coverage.until;
  note.replaceChildren(
    h("strong", {}, `Records are curated up to ${day(coverage.until)}.`),
    ` No record after that date means not yet curated, not that no exchange took place.`,
  );
}

function renderSummary(body) {
  const sum = body.data;
  setFigure("fig-people-ukraine", sum.people_to_ukraine, sum.undisclosed_people_to_ukraine, "exchange");
  setFigure("fig-people-russia", sum.people_to_russia, sum.undisclosed_people_to_russia, "exchange");
  setFigure("fig-bodies-ukraine", sum.bodies_to_ukraine, sum.undisclosed_bodies_to_ukraine, "repatriation");
  setFigure("fig-bodies-russia", sum.bodies_to_russia, sum.undisclosed_bodies_to_russia, "repatriation");
  renderCoverage(body.meta.coverage);

  const last = $("fig-last");
  if (sum.last_exchange) {
    const { id, date } = sum.last_exchange;
    const days = daysSince(date);
    last.dataset.value = date;
    last.replaceChildren(
      h("a", { href: `v1/exchanges/${encodeURIComponent(id)}` }, h("time", { datetime: date }, day(date))),
      h("span", { class: "sub", id: "fig-days", "data-value": days },
        days <= 0 ? "today" : `${plural(days, "day")} ago`),
    );
  } else {
    last.textContent = "none recorded";
  }

  const notes = [];
  if (sum.exchanges || sum.repatriations) {
    notes.push(`${plural(sum.exchanges, "exchange")} of living people and
      ${plural(sum.repatriations, "repatriation")} of bodies are recorded.`);
  }
  if (sum.largest_exchange) {
    const e = sum.largest_exchange;
    notes.push(`The largest exchange, on ${day(e.date)}, returned ${number.format(e.people_to_ukraine)}
      people to Ukraine and ${number.format(e.people_to_russia)} to Russia.`);
  }
  if (sum.longest_gap) {
    notes.push(`Exchanges came a median of ${plural(sum.median_gap_days, "day")} apart; the longest
      wait ran ${plural(sum.longest_gap.days, "day")}, from ${day(sum.longest_gap.from)} to
      ${day(sum.longest_gap.to)}.`);
  }
  $("fig-note").textContent = notes.join(" ").replace(/\s+/g, " ");
  if (state.version === null) state.version = body.meta.dataset_version; // /v1/dataset may answer later
  updateLinks();
}

// Ukraine's latest official count of people returned alive, beside the dataset's own count
// from the same base (GET /v1/statistics/reconciliation): how complete the figures above are.
function renderCompleteness(rows) {
  const fig = $("fig-complete");
  const usable = rows.filter((r) => r.claimant === "ua_official" && r.qualifier === "exact" &&
    r.counted_from === null && r.within_coverage !== false && r.ratio !== null);
  const latest = usable[usable.length - 1];
  if (!latest) {
    fig.textContent = "no official count to compare";
    return;
  }
  fig.dataset.value = latest.ratio;
  fig.dataset.statement = latest.id;
  fig.replaceChildren(
    h("span", { class: "value" }, percent.format(latest.ratio)),
    h("span", { class: "sub" }, `${number.format(latest.dataset_value)} people in this dataset
      against ${number.format(latest.value)} in Ukraine's official count of ${day(latest.date)}`
      .replace(/\s+/g, " ")),
  );
}

// ---- the chart ----------------------------------------------------------------------------

// A round axis maximum that also splits into TICKS round steps (8,000 in steps of 2,000).
const TICKS = 4;
function niceMax(value) {
  const power = 10 ** Math.floor(Math.log10(Math.max(value, 10)));
  return [1, 1.2, 1.6, 2, 3, 4, 6, 8, 10].map((f) => f * power).find((v) => v >= value);
}

// "95", "not disclosed", or "95 + not disclosed for 1 exchange": an undisclosed figure must
// never read as zero.
function sideText(value, undisclosed, event = "event") {
  if (!undisclosed) return number.format(value);
  const what = `not disclosed for ${plural(undisclosed, event)}`;
  return value ? `${number.format(value)} + ${what}` : what;
}

// The series' fields of one measure (people_to_ukraine, cumulative_bodies_to_russia, ...).
const field = (measure, side, prefix = "") => `${prefix}${measure}_to_${side}`;

function monthTitle(r, measure) {
  const m = MEASURES[measure];
  const events = measure === "people" ? r.exchanges : r.repatriations;
  if (!events) return `${month(r.start)}: no ${m.event}`;
  const side = (which) =>
    sideText(r[field(measure, which)], r[field(measure, which, "undisclosed_")], m.event);
  return `${month(r.start)}: ${plural(events, m.event)}. ` +
    `${m.units[0].toUpperCase()}${m.units.slice(1)} returned to Ukraine: ${side("ukraine")}; ` +
    `to Russia: ${side("russia")}. ` +
    `Since the start: ${number.format(r[field(measure, "ukraine", "cumulative_")])} and ` +
    `${number.format(r[field(measure, "russia", "cumulative_")])}.`;
}

function showMeasure(measure) {
  state.measure = measure;
  const m = MEASURES[measure];
  for (const button of document.querySelectorAll(".switch button")) {
    button.setAttribute("aria-pressed", String(button.dataset.measure === measure));
  }
  $("chart-title").textContent = m.title;
  $("chart-note").textContent = m.note;
  $("months-caption").textContent = m.caption;
  $("months-events").textContent = m.events;
  renderChart(state.series, measure);
}

function renderChart(rows, measure) {
  const spec = MEASURES[measure];
  const key = (side, prefix) => field(measure, side, prefix);
  const W = 960, H = 360, MARK = 10;
  const m = { top: 30, right: 56, bottom: 30, left: 48 };
  const pw = W - m.left - m.right, ph = H - m.top - m.bottom;
  const band = pw / Math.max(rows.length, 1);
  const barMax = niceMax(Math.max(...rows.flatMap((r) => [r[key("ukraine")], r[key("russia")]])));
  const cumMax = niceMax(Math.max(...rows.flatMap(
    (r) => [r[key("ukraine", "cumulative_")], r[key("russia", "cumulative_")]])));
  const y = (v) => round(m.top + ph - (v / barMax) * ph);
  const yc = (v) => round(m.top + ph - (v / cumMax) * ph);
  const xMid = (i) => round(m.left + (i + 0.5) * band);

  const first = rows[0], last = rows[rows.length - 1];
  const svg = s("svg", {
    viewBox: `0 0 ${W} ${H}`, role: "img", "aria-labelledby": "chart-svg-title chart-svg-desc",
    "data-measure": measure,
  },
  s("title", { id: "chart-svg-title" }, `${spec.caption}, and in all`),
  s("desc", { id: "chart-svg-desc" }, rows.length
    ? `${rows.length} months from ${month(first.start)} to ${month(last.start)}. By the end,
      ${number.format(last[key("ukraine", "cumulative_")])} ${spec.units} had returned to Ukraine
      and ${number.format(last[key("russia", "cumulative_")])} to Russia. The table below the
      chart holds every month's figures.`.replace(/\s+/g, " ")
    : `No ${spec.event} yet.`),
  // Hatching marks an undisclosed figure: a pattern per side, so the colour still says which.
  s("defs", {}, ...SIDES.map(([side]) => s("pattern", {
    id: `hatch-${side}`, width: 6, height: 6, patternUnits: "userSpaceOnUse",
    patternTransform: "rotate(45)",
  }, s("line", { class: `hatch ${side}`, x1: 0, y1: 0, x2: 0, y2: 6 })))));

  // Axes and grid: the same ticks on the left (per month) and on the right (cumulative).
  const axes = s("g", { class: "axes", "aria-hidden": "true" },
    s("text", { x: 4, y: 14, class: "axis-title" }, "per month"),
    s("text", { x: W - 4, y: 14, class: "axis-title end" }, "since the start"));
  for (let t = 0; t <= TICKS; t++) {
    const yy = y((barMax * t) / TICKS);
    axes.append(
      s("line", { class: t ? "grid" : "baseline", x1: m.left, x2: W - m.right, y1: yy, y2: yy }),
      s("text", { x: m.left - 6, y: yy + 4, class: "tick end" }, compact.format((barMax * t) / TICKS)),
      s("text", { x: W - m.right + 6, y: yy + 4, class: "tick" }, compact.format((cumMax * t) / TICKS)),
    );
  }
  rows.forEach((r, i) => {
    if (i > 0 && !r.period.endsWith("-01")) return; // label each year where it starts
    const x = round(m.left + i * band);
    axes.append(
      s("line", { class: "year", x1: x, x2: x, y1: m.top + ph, y2: m.top + ph + 6 }),
      s("text", { x: x + 3, y: H - 8, class: "tick" }, r.start.slice(0, 4)),
    );
  });
  svg.append(axes);

  // One group per month: the bars, any undisclosed marks, and a title as its tooltip.
  const bars = s("g", { class: "bars" });
  rows.forEach((r, i) => {
    const x0 = m.left + i * band;
    const g = s("g", { class: "month", "data-period": r.period },
      s("title", {}, monthTitle(r, measure)),
      s("rect", { class: "hit", x: round(x0), y: m.top, width: round(band), height: ph }));
    SIDES.forEach(([side], k) => {
      const value = r[key(side)], hidden = r[key(side, "undisclosed_")];
      const x = round(x0 + band * (0.1 + 0.4 * k)), w = round(band * 0.4);
      if (value > 0) {
        g.append(s("rect", { class: `bar ${side}`, x, y: y(value), width: w, height: y(0) - y(value) }));
      }
      if (hidden > 0) {
        g.append(s("rect", {
          class: `mark ${side}`, x, y: y(value) - MARK, width: w, height: MARK,
          fill: `url(#hatch-${side})`, "data-undisclosed": hidden,
        }));
      }
    });
    bars.append(g);
  });
  svg.append(bars);

  // The cumulative lines, on the right-hand scale.
  for (const [side] of SIDES) {
    const points = rows.map((r, i) => `${xMid(i)},${yc(r[key(side, "cumulative_")])}`).join(" ");
    svg.append(s("polyline", { class: `line ${side}`, points }));
  }
  $("chart").replaceChildren(svg);

  $("months").tBodies[0].replaceChildren(...rows.map((r) => h("tr", {},
    h("th", { scope: "row" }, month(r.start)),
    h("td", { class: "num" }, number.format(measure === "people" ? r.exchanges : r.repatriations)),
    h("td", { class: "num" },
      sideText(r[key("ukraine")], r[key("ukraine", "undisclosed_")], spec.event)),
    h("td", { class: "num" },
      sideText(r[key("russia")], r[key("russia", "undisclosed_")], spec.event)),
    h("td", { class: "num" }, number.format(r[key("ukraine", "cumulative_")])),
    h("td", { class: "num" }, number.format(r[key("russia", "cumulative_")])),
  )));
}

// ---- the table of exchanges ---------------------------------------------------------------

function figureCell(e, key) {
  const value = e[key];
  const status = e.figure_status?.[key];
  const cell = h("td", { class: "num", "data-value": value ?? "" });
  if (value === null || value === undefined) {
    cell.append(h("span", { class: "undisclosed" }, "not disclosed"));
  } else {
    cell.append(number.format(value));
  }
  if (status && !(value == null && status === "undisclosed")) {
    cell.append(" ", h("span", { class: `status ${status}` }, STATUS[status] || status));
  }
  return cell;
}

function exchangeRow(e) {
  const sources = h("td", { class: "sources" });
  e.sources.forEach((id, i) => {
    if (i) sources.append(" ");
    sources.append(h("a", {
      href: `v1/sources/${encodeURIComponent(id)}`, title: id, "aria-label": `Source ${i + 1}: ${id}`,
    }, String(i + 1)));
  });
  return h("tr", { "data-id": e.id },
    h("th", { scope: "row" },
      h("a", { href: `v1/exchanges/${encodeURIComponent(e.id)}` },
        h("time", { datetime: e.date }, day(e.date)))),
    h("td", {}, KINDS[e.kind] || e.kind),
    figureCell(e, "ukraine_received"),
    figureCell(e, "russia_received"),
    h("td", {}, e.mediators.map((id) => mediatorNames[id] || id).join(", ") || "none named"),
    sources,
  );
}

function describeFilters(f) {
  let text = "";
  if (f.get("kind")) text += ` of kind “${KINDS[f.get("kind")] || f.get("kind")}”`;
  if (f.get("mediator")) text += ` mediated by ${mediatorNames[f.get("mediator")] || f.get("mediator")}`;
  if (f.get("since")) text += ` from ${day(f.get("since"))}`;
  if (f.get("until")) text += ` until ${day(f.get("until"))}`;
  return text;
}

async function loadTable() {
  const seq = ++state.seq; // answers to superseded requests are dropped
  const table = $("exchanges");
  const params = new URLSearchParams(state.filters);
  params.set("limit", PAGE_SIZE);
  const cursor = state.cursors[state.cursors.length - 1];
  if (cursor) params.set("cursor", cursor);
  table.setAttribute("aria-busy", "true");
  try {
    const body = await getJSON(`v1/exchanges?${params}`);
    if (seq !== state.seq) return;
    const { count, next_cursor: next } = body.meta;
    const start = state.cursors.length * PAGE_SIZE;
    table.tBodies[0].replaceChildren(...(body.data.length
      ? body.data.map(exchangeRow)
      : [h("tr", {}, h("td", { colspan: 6 }, "No exchange matches these filters."))]));
    table.caption.textContent =
      `${plural(count, "exchange")}${describeFilters(state.filters)}, newest first`;
    $("page-info").textContent = body.data.length
      ? `Rows ${number.format(start + 1)}–${number.format(start + body.data.length)} of ${number.format(count)}`
      : "";
    state.next = next;
    $("next").disabled = !next;
    $("first").disabled = !state.cursors.length;
    // A button that just got disabled loses focus: hand it to the other one.
    if (document.activeElement?.disabled) ($("next").disabled ? $("first") : $("next")).focus();
    table.dataset.query = state.filters.toString();
  } catch (error) {
    if (seq === state.seq) showProblem(error);
  } finally {
    if (seq === state.seq) table.setAttribute("aria-busy", "false");
  }
}

// ---- filters, links and the address bar ----------------------------------------------------

function updateLinks() {
  const csv = new URLSearchParams(state.filters);
  csv.set("limit", CSV_LIMIT);
  csv.set("format", "csv");
  $("csv-link").href = `v1/exchanges?${csv}`;
  if (state.version) {
    $("citation-link").href = `v1/dataset/citation?as_of_version=${state.version}`;
    $("citation-link").textContent = `How to cite version ${state.version} of the dataset`;
  }
}

// The filters live in the address bar too, so a filtered view can be bookmarked or shared.
function readAddress() {
  const query = new URLSearchParams(location.search);
  const form = $("filters");
  for (const name of FILTERS) form.elements[name].value = query.get(name) || "";
  return query;
}

function applyFilters(remember) {
  const form = $("filters");
  const filters = new URLSearchParams();
  for (const name of FILTERS) {
    if (form.elements[name].value) filters.set(name, form.elements[name].value);
  }
  clearProblems();
  if (filters.get("since") && filters.get("until") && filters.get("since") > filters.get("until")) {
    showProblem(new Error("“From” must be on or before “Until”."));
    return;
  }
  if (remember && filters.toString() !== state.filters.toString()) {
    history.pushState(null, "", filters.toString() ? `?${filters}` : location.pathname);
  }
  state.filters = filters;
  state.cursors = [];
  updateLinks();
  loadTable();
}

async function loadMediators() {
  const body = await getJSON("v1/mediators");
  mediatorNames = Object.fromEntries(body.data.map((m) => [m.id, m.name]));
  const select = $("f-mediator");
  select.append(...body.data.map((m) => h("option", { value: m.id }, `${m.name} (${m.exchanges})`)));
  select.value = state.filters.get("mediator") || ""; // options arrive after the address is read
}

function renderDataset(body) {
  const info = body.data;
  state.version = info.version;
  const updated = info.updated_at ? `, updated ${day(info.updated_at.slice(0, 10))}` : "";
  const citation = typeof info.citation === "string" ? ` Cite as: ${info.citation}` : "";
  $("dataset-info").textContent =
    `Dataset version ${info.version}${updated}, licensed ${info.license}.${citation}`;
  updateLinks();
}

function init() {
  readAddress();
  state.filters = new URLSearchParams(
    [...new URLSearchParams(location.search)].filter(([k, v]) => FILTERS.includes(k) && v));
  $("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    applyFilters(true);
  });
  // "reset" fires before the fields are cleared: read them once it has happened.
  $("filters").addEventListener("reset", () => setTimeout(() => applyFilters(true)));
  window.addEventListener("popstate", () => {
    readAddress();
    applyFilters(false);
  });
  $("next").addEventListener("click", () => {
    if (!state.next) return;
    state.cursors.push(state.next);
    loadTable();
  });
  $("first").addEventListener("click", () => {
    state.cursors = [];
    loadTable();
  });
  updateLinks();

  for (const button of document.querySelectorAll(".switch button")) {
    button.addEventListener("click", () => showMeasure(button.dataset.measure));
  }

  const mediators = loadMediators();
  const loads = [
    getJSON("v1/statistics/summary").then(renderSummary),
    getJSON("v1/statistics/timeseries?interval=month&cumulative=true").then((body) => {
      state.series = body.data;
      renderChart(state.series, state.measure);
    }),
    getJSON("v1/statistics/reconciliation?metric=people_returned_to_ukraine&claimant=ua_official")
      .then((body) => renderCompleteness(body.data)),
    getJSON("v1/dataset").then(renderDataset),
    mediators,
    // The table names mediators, so it waits for their names (but not for their failure).
    mediators.catch(() => null).then(loadTable),
  ];
  Promise.allSettled(loads.map((p) => p.catch(showProblem))).then(() => {
    document.documentElement.dataset.state = "ready";
  });
}

init();
