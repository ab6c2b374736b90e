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
const state = { filters: new URLSearchParams(), cursors: [], next: null, seq: 0, version: null };
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

function setFigure(id, value) {
  $(id).dataset.value = value;
  $(id).replaceChildren(h("span", { class: "value" }, number.format(value)));
}

function renderSummary(sum) {
  setFigure("fig-ukraine", sum.ukraine_received);
  setFigure("fig-russia", sum.russia_received);
  setFigure("fig-exchanges", sum.exchanges);
  const last = $("fig-last");
  if (sum.last_date) {
    const days = Math.floor((Date.now() - Date.parse(`${sum.last_date}T00:00:00Z`)) / 864e5);
    last.dataset.value = sum.last_date;
    last.replaceChildren(
      h("time", { datetime: sum.last_date }, day(sum.last_date)),
      h("span", { class: "sub", id: "fig-days", "data-value": days },
        days <= 0 ? "today" : `${plural(days, "day")} ago`),
    );
  } else {
    last.textContent = "none yet";
  }

  // Most of those returned are the bodies of the fallen: say so right under each total.
  const bodies = sum.by_kind?.bodies_repatriation;
  for (const [side, key] of SIDES) {
    if (bodies?.[key]) {
      $(`fig-${side}`).append(h("span", { class: "sub" }, `including ${number.format(bodies[key])} bodies of the fallen`));
    }
  }
  // The totals need their caveats next to them: what they cannot count.
  const notes = [];
  const ua = sum.undisclosed_ukraine_received || 0;
  const ru = sum.undisclosed_russia_received || 0;
  if (ua || ru) {
    notes.push(`The totals add up stated figures only: ${plural(ua, "exchange")} did not disclose how many
      returned to Ukraine, and ${plural(ru, "exchange")} how many returned to Russia.`);
  }
  if (sum.largest) {
    notes.push(`The largest single event, on ${day(sum.largest.date)}, returned
      ${number.format(sum.largest.total)} people in all.`);
  }
  if (sum.first_date) notes.push(`First recorded: ${day(sum.first_date)}.`);
  $("fig-note").textContent = notes.join(" ").replace(/\s+/g, " ");
  if (state.version === null) state.version = sum.dataset_version; // /v1/dataset may answer later
  updateLinks();
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
function sideText(value, undisclosed) {
  if (!undisclosed) return number.format(value);
  const what = `not disclosed for ${plural(undisclosed, "exchange")}`;
  return value ? `${number.format(value)} + ${what}` : what;
}

function monthTitle(r) {
  if (!r.exchanges) return `${month(r.start)}: no exchange`;
  return `${month(r.start)}: ${plural(r.exchanges, "exchange")}. ` +
    `Returned to Ukraine: ${sideText(r.ukraine_received, r.undisclosed_ukraine_received)}; ` +
    `to Russia: ${sideText(r.russia_received, r.undisclosed_russia_received)}. ` +
    `Since the start: ${number.format(r.cumulative_ukraine_received)} and ` +
    `${number.format(r.cumulative_russia_received)}.`;
}

function renderChart(rows) {
  const W = 960, H = 360, MARK = 10;
  const m = { top: 30, right: 56, bottom: 30, left: 48 };
  const pw = W - m.left - m.right, ph = H - m.top - m.bottom;
  const band = pw / Math.max(rows.length, 1);
  const barMax = niceMax(Math.max(...rows.flatMap((r) => [r.ukraine_received, r.russia_received])));
  const cumMax = niceMax(Math.max(...rows.flatMap(
    (r) => [r.cumulative_ukraine_received, r.cumulative_russia_received])));
  const y = (v) => round(m.top + ph - (v / barMax) * ph);
  const yc = (v) => round(m.top + ph - (v / cumMax) * ph);
  const xMid = (i) => round(m.left + (i + 0.5) * band);

  const first = rows[0], last = rows[rows.length - 1];
  const svg = s("svg", {
    viewBox: `0 0 ${W} ${H}`, role: "img", "aria-labelledby": "chart-svg-title chart-svg-desc",
  },
  s("title", { id: "chart-svg-title" }, "People returned to each side per month, and in all"),
  s("desc", { id: "chart-svg-desc" }, rows.length
    ? `${rows.length} months from ${month(first.start)} to ${month(last.start)}. By the end,
      ${number.format(last.cumulative_ukraine_received)} people had returned to Ukraine and
      ${number.format(last.cumulative_russia_received)} to Russia. The table below the chart
      holds every month's figures.`.replace(/\s+/g, " ")
    : "No exchange yet."),
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
      s("title", {}, monthTitle(r)),
      s("rect", { class: "hit", x: round(x0), y: m.top, width: round(band), height: ph }));
    SIDES.forEach(([side, key], k) => {
      const value = r[key], hidden = r[`undisclosed_${key}`];
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
  for (const [side, key] of SIDES) {
    const points = rows.map((r, i) => `${xMid(i)},${yc(r[`cumulative_${key}`])}`).join(" ");
    svg.append(s("polyline", { class: `line ${side}`, points }));
  }
  $("chart").replaceChildren(svg);

  $("months").tBodies[0].replaceChildren(...rows.map((r) => h("tr", {},
    h("th", { scope: "row" }, month(r.start)),
    h("td", { class: "num" }, number.format(r.exchanges)),
    h("td", { class: "num" }, sideText(r.ukraine_received, r.undisclosed_ukraine_received)),
    h("td", { class: "num" }, sideText(r.russia_received, r.undisclosed_russia_received)),
    h("td", { class: "num" }, number.format(r.cumulative_ukraine_received)),
    h("td", { class: "num" }, number.format(r.cumulative_russia_received)),
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

function renderDataset(info) {
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

  const mediators = loadMediators();
  const loads = [
    getJSON("v1/statistics/summary").then(renderSummary),
    getJSON("v1/statistics/timeseries?interval=month&cumulative=true")
      .then((body) => renderChart(body.data)),
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
