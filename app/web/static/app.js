// The pow-exchanges dashboard: a plain client of the public API (ES2020, no dependencies),
// doing what any third-party dashboard would do with it.
// URLs are relative, so the page also works when the app is served under a path prefix.
// Values from the data are only ever inserted as text nodes, never parsed as HTML, so none
// can become markup.
// Words come from the page's catalog (a JSON data block the server writes in the reader's
// language; English is the source text); dates and numbers from the browser's Intl (CLDR).
"use strict";

const PAGE_SIZE = 25;
const CSV_LIMIT = 500; // the API's largest page
const FILTERS = ["since", "until", "kind", "mediator"];

// ---- words --------------------------------------------------------------------------------

const LANG = document.documentElement.lang || "en";
const STRINGS = JSON.parse(document.getElementById("strings")?.textContent || "{}");
const pluralRules = new Intl.PluralRules(LANG);

const fillIn = (text, values) =>
  text.replace(/\{(\w+)\}/g, (all, name) => (name in (values || {}) ? String(values[name]) : all));
// The translation of an English message, with {name} filled in.
function _(message, values) {
  const found = STRINGS[message];
  return fillIn(typeof found === "string" ? found : message, values);
}
// The form of a message for the count n ({n} is filled in, formatted).
function ngettext(singular, plural, n, values) {
  const forms = STRINGS[singular];
  const category = pluralRules.select(n);
  const text = forms && typeof forms === "object"
    ? forms[category] || forms.other
    : (n === 1 ? singular : plural);
  return fillIn(text, { ...values, n: number.format(n) });
}
// Marks a message for the catalog without translating it yet (it is translated where used).
const N_ = (message) => message;

const KINDS = {
  pow_exchange: N_("Prisoner exchange"),
  mixed: N_("Mixed: prisoners of war and civilians"),
  civilian_release: N_("Civilian release"),
  bodies_repatriation: N_("Repatriation of bodies"),
};
const STATUS = {
  consistent: N_("consistent"),
  disputed: N_("disputed"),
  single_source: N_("one source"),
  undisclosed: N_("not disclosed"),
};
// The mediators' names as the API gives them (English), for the catalog.
N_("United Arab Emirates"); N_("Türkiye"); N_("Saudi Arabia"); N_("Qatar");
N_("Holy See (Vatican)"); N_("United States"); N_("International Committee of the Red Cross");
N_("Belarus");
const SIDES = ["ukraine", "russia"];
// The two measures the API keeps apart (GET /v1/codebook, "measures"): never added together.
const MEASURES = {
  people: {
    title: N_("People returned alive, month by month"),
    caption: N_("People returned alive to each side per month"),
    note: N_("Bars: people returned alive in the month, prisoners of war and civilians. Lines: the running totals. Bodies of the fallen are counted apart (the second switch): at their scale they would drown the living."),
    events: N_("Exchanges"),
    embed: "people",
  },
  bodies: {
    title: N_("Bodies of the fallen returned, month by month"),
    caption: N_("Bodies of the fallen returned to each side per month"),
    note: N_("Bars: bodies of the fallen handed over in the month, as the receiving side announced them. Lines: the running totals. People returned alive are counted apart."),
    events: N_("Repatriations"),
    embed: "bodies",
  },
};

const locale = LANG === "en" ? "en-GB" : LANG;
const number = new Intl.NumberFormat(locale);
const compact = new Intl.NumberFormat(locale, { notation: "compact" });
const percent = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1 });
// Dates in the data are calendar days: format them in UTC so no time zone shifts them.
const dayFormat = new Intl.DateTimeFormat(locale, {
  day: "numeric", month: "short", year: "numeric", timeZone: "UTC",
});
const monthFormat = new Intl.DateTimeFormat(locale, {
  month: "short", year: "numeric", timeZone: "UTC",
});

const $ = (id) => document.getElementById(id);
const state = {
  filters: new URLSearchParams(), cursors: [], next: null, seq: 0, version: null,
  measure: "people", series: [], width: 0,
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
const round = (v) => Math.round(v * 100) / 100;
const daysSince = (iso) => Math.floor((Date.now() - Date.parse(`${iso}T00:00:00Z`)) / 864e5);
const kindName = (kind) => (KINDS[kind] ? _(KINDS[kind]) : kind);
const mediatorName = (id) => (mediatorNames[id] ? _(mediatorNames[id]) : id);
// The page's own address keeps lang= (the reader chose it) beside the filters.
const withLang = (params) => {
  const query = new URLSearchParams(params);
  const asked = new URLSearchParams(location.search).get("lang");
  if (asked) query.set("lang", asked);
  return query;
};

async function getJSON(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    throw new Error(body?.detail || _("{url} answered HTTP {status}", { url, status: response.status }));
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
function setFigure(id, value, undisclosed, measure) {
  const dd = $(id);
  dd.dataset.value = value;
  dd.dataset.undisclosed = undisclosed;
  dd.replaceChildren(h("span", { class: "value" }, number.format(value)));
  if (undisclosed) {
    const text = measure === "people"
      ? ngettext("+ not disclosed for {n} exchange", "+ not disclosed for {n} exchanges", undisclosed)
      : ngettext("+ not disclosed for {n} repatriation", "+ not disclosed for {n} repatriations", undisclosed);
    dd.append(h("span", { class: "sub" }, text));
  }
}

function renderCoverage(coverage) {
  const note = $("coverage-note");
  if (!coverage.until) {
    note.textContent = _("The curators have not set the coverage yet: no date is vouched for.");
    return;
  }
  note.dataset.until = coverage.until;
  note.replaceChildren(
    h("strong", {}, _("Records are curated up to {date}.", { date: day(coverage.until) })),
    " ",
    _("No record after that date means not yet curated, not that no exchange took place."),
  );
}

function renderSummary(body) {
  const sum = body.data;
  for (const measure of ["people", "bodies"]) {
    for (const side of SIDES) {
      const key = `${measure}_to_${side}`;
      setFigure(`fig-${measure}-${side}`, sum[key], sum[`undisclosed_${key}`], measure);
    }
  }
  renderCoverage(body.meta.coverage);

  const last = $("fig-last");
  if (sum.last_exchange) {
    const { id, date } = sum.last_exchange;
    const days = daysSince(date);
    last.dataset.value = date;
    last.replaceChildren(
      h("a", { href: `v1/exchanges/${encodeURIComponent(id)}` }, h("time", { datetime: date }, day(date))),
      h("span", { class: "sub", id: "fig-days", "data-value": days },
        days <= 0 ? _("today") : ngettext("{n} day ago", "{n} days ago", days)),
    );
  } else {
    last.textContent = _("none recorded");
  }

  const notes = [];
  // (Counts are worded first, then placed: the catalog's extractor reads one call at a time.)
  if (sum.exchanges || sum.repatriations) {
    const exchanges = ngettext("{n} exchange", "{n} exchanges", sum.exchanges);
    const repatriations = ngettext("{n} repatriation", "{n} repatriations", sum.repatriations);
    notes.push(_("Recorded: {exchanges} of living people and {repatriations} of bodies.",
      { exchanges, repatriations }));
  }
  if (sum.largest_exchange) {
    const e = sum.largest_exchange;
    notes.push(_("The largest exchange, on {date}, returned {ukraine} people to Ukraine and {russia} to Russia.", {
      date: day(e.date), ukraine: number.format(e.people_to_ukraine), russia: number.format(e.people_to_russia),
    }));
  }
  if (sum.longest_gap) {
    const median = ngettext("{n} day", "{n} days", sum.median_gap_days);
    const longest = ngettext("{n} day", "{n} days", sum.longest_gap.days);
    notes.push(_("Exchanges came a median of {median} apart; the longest wait ran {longest}, from {from} to {to}.", {
      median, longest, from: day(sum.longest_gap.from), to: day(sum.longest_gap.to),
    }));
  }
  $("fig-note").textContent = notes.join(" ");
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
    fig.textContent = _("no official count to compare");
    return;
  }
  fig.dataset.value = latest.ratio;
  fig.dataset.statement = latest.id;
  fig.replaceChildren(
    h("span", { class: "value" }, percent.format(latest.ratio)),
    h("span", { class: "sub" }, _("{dataset} people in this dataset against {official} in Ukraine's official count of {date}", {
      dataset: number.format(latest.dataset_value), official: number.format(latest.value), date: day(latest.date),
    })),
  );
}

// ---- the chart ----------------------------------------------------------------------------

// A round axis maximum that also splits into TICKS round steps (8,000 in steps of 2,000).
const TICKS = 4;
function niceMax(value) {
  const power = 10 ** Math.floor(Math.log10(Math.max(value, 10)));
  return [1, 1.2, 1.6, 2, 3, 4, 6, 8, 10].map((f) => f * power).find((v) => v >= value);
}

// "95", "not disclosed", or "95 + not disclosed for 1 event": an undisclosed figure must
// never read as zero.
function sideText(value, undisclosed) {
  if (!undisclosed) return number.format(value);
  const what = ngettext("not disclosed for {n} event", "not disclosed for {n} events", undisclosed);
  return value ? _("{value} + {undisclosed}", { value: number.format(value), undisclosed: what }) : what;
}

// The series' fields of one measure (people_to_ukraine, cumulative_bodies_to_russia, ...).
const field = (measure, side, prefix = "") => `${prefix}${measure}_to_${side}`;

function monthTitle(r, measure) {
  const events = measure === "people" ? r.exchanges : r.repatriations;
  const value = (side, prefix) => r[field(measure, side, prefix)];
  const side = (which) => sideText(value(which), value(which, "undisclosed_"));
  if (!events) {
    return measure === "people"
      ? _("{month}: no exchange", { month: month(r.start) })
      : _("{month}: no repatriation", { month: month(r.start) });
  }
  const values = {
    month: month(r.start), ukraine: side("ukraine"), russia: side("russia"),
    total_ukraine: number.format(value("ukraine", "cumulative_")),
    total_russia: number.format(value("russia", "cumulative_")),
  };
  if (measure === "people") {
    values.events = ngettext("{n} exchange", "{n} exchanges", events);
    return _("{month}: {events}. People returned to Ukraine: {ukraine}; to Russia: {russia}. Since the start: {total_ukraine} and {total_russia}.", values);
  }
  values.events = ngettext("{n} repatriation", "{n} repatriations", events);
  return _("{month}: {events}. Bodies returned to Ukraine: {ukraine}; to Russia: {russia}. Since the start: {total_ukraine} and {total_russia}.", values);
}

function showMeasure(measure) {
  state.measure = measure;
  const m = MEASURES[measure];
  for (const button of document.querySelectorAll(".switch button")) {
    button.setAttribute("aria-pressed", String(button.dataset.measure === measure));
  }
  $("chart-title").textContent = _(m.title);
  $("chart-note").textContent = _(m.note);
  $("months-caption").textContent = _(m.caption);
  $("months-events").textContent = _(m.events);
  renderChart(state.series, measure);
  updateLinks();
}

// Drawn for the width it has: on a phone, fewer ticks and the same 12 px labels (the SVG's
// units are CSS pixels), both axes inside the box and no sideways scrolling.
function renderChart(rows, measure) {
  const spec = MEASURES[measure];
  const key = (side, prefix) => field(measure, side, prefix);
  const W = Math.max(300, Math.round($("chart").getBoundingClientRect().width || 960));
  state.width = W;
  const narrow = W < 560;
  const H = narrow ? Math.round(W * 0.8) : Math.round(Math.min(380, W * 0.4));
  const MARK = narrow ? 6 : 10;
  const ticks = narrow ? 2 : TICKS;
  const barMax = niceMax(Math.max(...rows.flatMap((r) => [r[key("ukraine")], r[key("russia")]])));
  const cumMax = niceMax(Math.max(...rows.flatMap(
    (r) => [r[key("ukraine", "cumulative_")], r[key("russia", "cumulative_")]])));
  const tickLabels = (max) => Array.from({ length: ticks + 1 }, (_unused, t) => compact.format((max * t) / ticks));
  const leftLabels = tickLabels(barMax), rightLabels = tickLabels(cumMax);
  // Room for the longest tick label on each side ("1,6 тис." is wider than "1.6K"): about
  // 7 px a character at 12 px, so both axes stay inside the box in every language.
  const room = (labels) => Math.ceil(Math.max(...labels.map((l) => l.length)) * 7) + 10;
  const m = { top: 28, right: room(rightLabels), bottom: 28, left: room(leftLabels) };
  const pw = W - m.left - m.right, ph = H - m.top - m.bottom;
  const band = pw / Math.max(rows.length, 1);
  const y = (v) => round(m.top + ph - (v / barMax) * ph);
  const yc = (v) => round(m.top + ph - (v / cumMax) * ph);
  const xMid = (i) => round(m.left + (i + 0.5) * band);

  const first = rows[0], last = rows[rows.length - 1];
  const months = ngettext("{n} month", "{n} months", rows.length);
  const description = rows.length
    ? _("{count} from {first} to {last}. By the end, {ukraine} had returned to Ukraine and {russia} to Russia. The table below the chart holds every month's figures.", {
      count: months,
      first: month(first.start), last: month(last.start),
      ukraine: number.format(last[key("ukraine", "cumulative_")]),
      russia: number.format(last[key("russia", "cumulative_")]),
    })
    : _("Nothing recorded yet.");
  const svg = s("svg", {
    viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img",
    "aria-labelledby": "chart-svg-title chart-svg-desc", "data-measure": measure,
  },
  s("title", { id: "chart-svg-title" }, _(spec.caption)),
  s("desc", { id: "chart-svg-desc" }, description),
  // Hatching marks an undisclosed figure: a pattern per side, so the colour still says which.
  s("defs", {}, ...SIDES.map((side) => s("pattern", {
    id: `hatch-${side}`, width: 6, height: 6, patternUnits: "userSpaceOnUse",
    patternTransform: "rotate(45)",
  }, s("line", { class: `hatch ${side}`, x1: 0, y1: 0, x2: 0, y2: 6 })))));

  // Axes and grid: the same ticks on the left (per month) and on the right (cumulative).
  const axes = s("g", { class: "axes", "aria-hidden": "true" },
    s("text", { x: 2, y: 14, class: "axis-title" }, _("per month")),
    s("text", { x: W - 2, y: 14, class: "axis-title end" }, _("since the start")));
  for (let t = 0; t <= ticks; t++) {
    const yy = y((barMax * t) / ticks);
    axes.append(
      s("line", { class: t ? "grid" : "baseline", x1: m.left, x2: W - m.right, y1: yy, y2: yy }),
      s("text", { x: m.left - 5, y: yy + 4, class: "tick end" }, leftLabels[t]),
      s("text", { x: W - m.right + 5, y: yy + 4, class: "tick" }, rightLabels[t]),
    );
  }
  rows.forEach((r, i) => {
    if (i > 0 && !r.period.endsWith("-01")) return; // label each year where it starts
    const x = round(m.left + i * band);
    const label = narrow ? `’${r.start.slice(2, 4)}` : r.start.slice(0, 4);
    axes.append(
      s("line", { class: "year", x1: x, x2: x, y1: m.top + ph, y2: m.top + ph + 6 }),
      s("text", { x: x + 3, y: H - 8, class: "tick" }, label),
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
    SIDES.forEach((side, k) => {
      const value = r[key(side)], hidden = r[key(side, "undisclosed_")];
      const x = round(x0 + band * (0.1 + 0.4 * k)), w = Math.max(round(band * 0.4), 1);
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
  for (const side of SIDES) {
    const points = rows.map((r, i) => `${xMid(i)},${yc(r[key(side, "cumulative_")])}`).join(" ");
    svg.append(s("polyline", { class: `line ${side}`, points }));
  }
  $("chart").replaceChildren(svg);

  $("months").tBodies[0].replaceChildren(...rows.map((r) => h("tr", {},
    h("th", { scope: "row" }, month(r.start)),
    h("td", { class: "num" }, number.format(measure === "people" ? r.exchanges : r.repatriations)),
    h("td", { class: "num" }, sideText(r[key("ukraine")], r[key("ukraine", "undisclosed_")])),
    h("td", { class: "num" }, sideText(r[key("russia")], r[key("russia", "undisclosed_")])),
    h("td", { class: "num" }, number.format(r[key("ukraine", "cumulative_")])),
    h("td", { class: "num" }, number.format(r[key("russia", "cumulative_")])),
  )));
}

// ---- the exchanges: a table on wide screens, one card per event on a phone ------------------

function figure(e, key) {
  const value = e[key];
  const status = e.figure_status?.[key];
  const parts = [];
  if (value === null || value === undefined) {
    parts.push(h("span", { class: "undisclosed" }, _("not disclosed")));
  } else {
    parts.push(number.format(value));
  }
  if (status && !(value == null && status === "undisclosed")) {
    parts.push(" ", h("span", { class: `status ${status}` }, STATUS[status] ? _(STATUS[status]) : status));
  }
  return parts;
}

function sourceLinks(e) {
  return e.sources.flatMap((id, i) => [i ? " " : null, h("a", {
    href: `v1/sources/${encodeURIComponent(id)}`, title: id,
    "aria-label": _("Source {number}: {id}", { number: i + 1, id }),
  }, String(i + 1))]).filter(Boolean);
}

const mediatorsText = (e) => e.mediators.map(mediatorName).join(", ") || _("none named");
const dateLink = (e) => h("a", { href: `v1/exchanges/${encodeURIComponent(e.id)}` },
  h("time", { datetime: e.date }, day(e.date)));

function exchangeRow(e) {
  return h("tr", { "data-id": e.id },
    h("th", { scope: "row" }, dateLink(e)),
    h("td", {}, kindName(e.kind)),
    h("td", { class: "num", "data-value": e.ukraine_received ?? "" }, ...figure(e, "ukraine_received")),
    h("td", { class: "num", "data-value": e.russia_received ?? "" }, ...figure(e, "russia_received")),
    h("td", {}, mediatorsText(e)),
    h("td", { class: "sources" }, ...sourceLinks(e)),
  );
}

function exchangeCard(e) {
  const people = e.kind !== "bodies_repatriation";
  return h("li", { class: "card", "data-id": e.id },
    h("h3", {}, dateLink(e)),
    h("p", { class: "kind" }, kindName(e.kind)),
    h("dl", {},
      h("dt", {}, people ? _("People returned to Ukraine") : _("Bodies returned to Ukraine")),
      h("dd", { "data-value": e.ukraine_received ?? "" }, ...figure(e, "ukraine_received")),
      h("dt", {}, people ? _("People returned to Russia") : _("Bodies returned to Russia")),
      h("dd", { "data-value": e.russia_received ?? "" }, ...figure(e, "russia_received")),
      h("dt", {}, _("Mediators")),
      h("dd", {}, mediatorsText(e)),
      h("dt", {}, _("Sources")),
      h("dd", { class: "sources" }, ...sourceLinks(e)),
    ),
  );
}

function describeFilters(f, count) {
  const parts = [ngettext("{n} exchange", "{n} exchanges", count)];
  const kind = f.get("kind") ? kindName(f.get("kind")) : null;
  if (kind) parts.push(_("of kind “{kind}”", { kind }));
  if (f.get("mediator")) parts.push(_("mediated by {mediator}", { mediator: mediatorName(f.get("mediator")) }));
  if (f.get("since")) parts.push(_("from {date}", { date: day(f.get("since")) }));
  if (f.get("until")) parts.push(_("until {date}", { date: day(f.get("until")) }));
  return _("{selection}, newest first", { selection: parts.join(" ") });
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
    const none = _("No exchange matches these filters.");
    table.tBodies[0].replaceChildren(...(body.data.length
      ? body.data.map(exchangeRow)
      : [h("tr", {}, h("td", { colspan: 6 }, none))]));
    $("cards").replaceChildren(...(body.data.length
      ? body.data.map(exchangeCard)
      : [h("li", { class: "card" }, none)]));
    const caption = describeFilters(state.filters, count);
    table.caption.textContent = caption;
    $("exchanges-summary").textContent = caption;
    $("page-info").textContent = body.data.length
      ? _("Rows {first}–{last} of {count}", {
        first: number.format(start + 1), last: number.format(start + body.data.length),
        count: number.format(count),
      })
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
    $("citation-link").textContent = _("How to cite version {version} of the dataset", { version: state.version });
  }
  // The chart as the reader sees it, pinned to this version so a published page never moves.
  const embed = new URLSearchParams(state.filters);
  embed.set("lang", LANG);
  if (state.version) embed.set("as_of_version", String(state.version));
  const path = `embed/${MEASURES[state.measure].embed}?${embed}`;
  const absolute = new URL(path, location.href).href;
  $("embed-preview").href = path;
  // The same code as app.web.embeds.iframe_code writes (a test holds the two together):
  // as wide as its column, never too short to read, sandboxed (the chart needs no script).
  const title = _(MEASURES[state.measure].caption).replace(/&/g, "&amp;").replace(/"/g, "&quot;");
  $("embed-code").value = `<iframe src="${absolute.replace(/&/g, "&amp;")}" title="${title}" ` +
    `style="width:100%;aspect-ratio:16/10;min-height:36rem;border:0" loading="lazy" ` +
    `sandbox="allow-popups allow-popups-to-escape-sandbox"></iframe>`;
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
    showProblem(new Error(_("“From” must be on or before “Until”.")));
    return;
  }
  if (remember && filters.toString() !== state.filters.toString()) {
    const address = withLang(filters);
    history.pushState(null, "", address.toString() ? `?${address}` : location.pathname);
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
  select.append(...body.data.map((m) => h("option", { value: m.id },
    _("{name} ({count})", { name: mediatorName(m.id), count: number.format(m.exchanges) }))));
  select.value = state.filters.get("mediator") || ""; // options arrive after the address is read
}

function renderDataset(body) {
  const info = body.data;
  state.version = info.version;
  const parts = [_("Dataset version {version}", { version: info.version })];
  if (info.updated_at) parts.push(_("updated {date}", { date: day(info.updated_at.slice(0, 10)) }));
  parts.push(_("licensed {license}", { license: info.license }));
  const citation = typeof info.citation === "string" ? ` ${_("Cite as:")} ${info.citation}` : "";
  $("dataset-info").textContent = `${parts.join(", ")}.${citation}`;
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
  for (const button of document.querySelectorAll(".switch button")) {
    button.addEventListener("click", () => showMeasure(button.dataset.measure));
  }
  // Redraw the chart for its new width (a phone turned, a window resized).
  new ResizeObserver(() => {
    const width = Math.round($("chart").getBoundingClientRect().width);
    if (state.series.length && Math.abs(width - state.width) > 8) renderChart(state.series, state.measure);
  }).observe($("chart"));
  $("chart-note").textContent = _(MEASURES.people.note);
  $("months-caption").textContent = _(MEASURES.people.caption);
  updateLinks();

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
