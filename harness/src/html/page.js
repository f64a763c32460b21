// Renders the report from the JSON in #data: the matrix (cases down,
// handlers across), per-handler counts, filters, a trial's details on click,
// the gate's findings and the bench figures. Text goes in with textContent;
// only the bench's SVG charts, made by crashsuite, go in as markup.
"use strict";
const DATA = JSON.parse(document.getElementById("data").textContent);
const RULES = new Map(DATA.rules.map((r) => [r.id, r]));
const multiPlatform = new Set(DATA.runs.map((r) => `${r.platform.os}-${r.platform.arch}`)).size > 1;

// Columns: one per (handler, platform); cells keyed by column and case.
const columns = [];
const cells = new Map();
const cases = [];
for (const run of DATA.runs) {
  const platform = `${run.platform.os}-${run.platform.arch}`;
  for (const trial of run.trials) {
    const column = multiPlatform ? `${trial.handler} · ${platform}` : trial.handler;
    if (!columns.includes(column)) columns.push(column);
    if (!cases.includes(trial.case)) cases.push(trial.case);
    cells.set(`${column}\u0000${trial.case}`, { column, platform, trial });
  }
}
cases.sort();

// Gate findings, by trial name.
const gateMarks = new Map();
if (DATA.gate) {
  for (const line of DATA.gate.broken) mark(line.split(" ")[0], "broken");
  for (const line of DATA.gate.new_failures) mark(line.split(" ")[0], "broken");
  for (const line of DATA.gate.newly_ignored) mark(line.split(": ")[0], "broken");
  for (const line of DATA.gate.fixed) mark(line.split(" ")[0], "fixed");
}
function mark(trial, kind) {
  if (gateMarks.get(trial) !== "broken") gateMarks.set(trial, kind);
}

const filter = { hidden: new Set(), stream: "", level: "", onlyFailures: false };
let selected = null;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) {
      node.append(child instanceof Node ? child : String(child));
    }
  }
  return node;
}

function visible(verdict) {
  const rule = RULES.get(verdict.id);
  if (filter.level && verdict.level !== filter.level) return false;
  if (filter.stream && (!rule || rule.stream !== filter.stream)) return false;
  return true;
}

// The cell's outcome class under the current filters, and a short label.
// A wrong fact fails the trial at any level; a missing one at MUST only,
// and is a coverage gap at SHOULD and MAY.
const failsTrial = (v) => v.verdict === "fail" || (v.verdict === "missing" && v.level === "Must");

function outcome(trial) {
  if (trial.outcome === "not_run") return ["not-run", "not run"];
  if (trial.outcome === "error") return ["wrong", "error"];
  const [kind, label] = graded(trial);
  return trial.outcome === "hung" ? [kind, `${label} · hung`] : [kind, label];
}

function graded(trial) {
  const grade = trial.grade;
  if (!grade || grade.error) return ["wrong", "not graded"];
  const shown = grade.verdicts.filter(visible);
  const count = (pred) => shown.filter(pred).length;
  const wrong = count((v) => v.verdict === "fail");
  if (wrong) return ["wrong", `✗ ${wrong} wrong`];
  const required = count((v) => v.verdict === "missing" && v.level === "Must");
  if (required) return ["required-missing", `✗ ${required} required missing`];
  const known = count((v) => v.verdict === "deviation");
  if (known) return ["deviation", `≈ ${known} known`];
  const gaps = count((v) => v.verdict === "missing");
  if (gaps) return ["gap", `○ ${gaps} not covered`];
  return ["pass", `✓ ${count((v) => v.verdict === "pass")} pass`];
}

const failing = (kind) => kind === "wrong" || kind === "required-missing";

function renderMeta() {
  const runs = DATA.runs.map((r) => {
    const when = new Date(r.started_unix * 1000).toISOString().replace("T", " ").slice(0, 16);
    return `${r.platform.os}-${r.platform.arch}, ${when} UTC, crashsuite ${r.suite.version} (${r.suite.commit}), ${r.trials.length} trials in ${(r.wall_ms / 1000).toFixed(1)} s`;
  });
  document.getElementById("meta").textContent = runs.join("; ");
}

function renderGate() {
  const section = document.getElementById("gate");
  section.replaceChildren();
  if (!DATA.gate) return;
  const g = DATA.gate;
  const regressed = g.broken.length + g.new_failures.length + g.newly_ignored.length
    + g.newly_skipped.length + g.vanished.length > 0;
  section.append(
    el("h2", { class: regressed ? "gate-regressed" : "gate-ok" },
      `Gate against the baseline: ${regressed ? "regressed" : "no regression"}`),
  );
  for (const [title, lines] of [["broken", g.broken], ["new failures", g.new_failures],
    ["newly not run", g.newly_ignored], ["newly skipped", g.newly_skipped],
    ["vanished from the run", g.vanished], ["fixed", g.fixed]]) {
    if (!lines.length) continue;
    section.append(el("h3", {}, `${title} (${lines.length})`),
      el("ul", {}, ...lines.map((line) => el("li", {}, el("code", {}, line)))));
  }
}

function renderSummary() {
  const table = el("table", { id: "summary-table" },
    el("tr", {}, el("th", {}, "handler"), el("th", {}, "trials graded"), el("th", {}, "not run"),
      el("th", {}, "rules passed"), el("th", {}, "wrong facts"), el("th", {}, "required facts missing"),
      el("th", {}, "coverage gaps"), el("th", {}, "known deviations")));
  for (const column of columns) {
    let graded = 0, notRun = 0, passed = 0, wrong = 0, required = 0, gaps = 0, known = 0;
    for (const [, cell] of cells) {
      if (cell.column !== column) continue;
      const grade = cell.trial.grade;
      if (!grade) { notRun += 1; continue; }
      graded += 1;
      for (const v of grade.verdicts.filter(visible)) {
        if (v.verdict === "pass") passed += 1;
        else if (v.verdict === "fail") wrong += 1;
        else if (v.verdict === "missing" && v.level === "Must") required += 1;
        else if (v.verdict === "missing") gaps += 1;
        else if (v.verdict === "deviation") known += 1;
      }
    }
    table.append(el("tr", { "data-column": column }, el("th", {}, column),
      ...[graded, notRun, passed, wrong, required, gaps, known].map((n) => el("td", { class: "num" }, n))));
  }
  document.getElementById("summary").replaceChildren(el("h2", {}, "Handlers"), table);
}

function renderFilters() {
  const streams = [...new Set(DATA.rules.map((r) => r.stream))].sort();
  const levels = ["Must", "Should", "May"];
  const handlers = el("fieldset", { id: "filter-handlers" }, el("legend", {}, "handlers"),
    ...columns.map((column) => el("label", {},
      el("input", { type: "checkbox", checked: "", "data-column": column, onchange: (e) => {
        if (e.target.checked) filter.hidden.delete(column); else filter.hidden.add(column);
        renderMatrix();
      } }), ` ${column}`)));
  const select = (id, label, options, key) => el("label", {}, `${label} `,
    el("select", { id, onchange: (e) => { filter[key] = e.target.value; render(); } },
      el("option", { value: "" }, "all"), ...options.map((o) => el("option", { value: o }, o))));
  const only = el("label", {}, el("input", { type: "checkbox", id: "only-failures", onchange: (e) => {
    filter.onlyFailures = e.target.checked; render();
  } }), " only failures");
  document.getElementById("filters").replaceChildren(handlers,
    select("filter-stream", "stream", streams, "stream"),
    select("filter-level", "level", levels, "level"), only);
}

function renderMatrix() {
  const shown = columns.filter((c) => !filter.hidden.has(c));
  const table = document.getElementById("matrix");
  table.replaceChildren(el("tr", {}, el("th", {}, "case"), ...shown.map((c) => el("th", {}, c))));
  for (const id of cases) {
    const row = el("tr", { "data-case": id }, el("th", {}, id));
    let anyFailing = false;
    for (const column of shown) {
      const cell = cells.get(`${column}\u0000${id}`);
      if (!cell) { row.append(el("td", { class: "absent" }, "—")); continue; }
      const [kind, label] = outcome(cell.trial);
      anyFailing ||= failing(kind);
      const name = `${cell.trial.handler}::${id}`;
      const gate = gateMarks.get(name);
      const td = el("td", {
        class: ["cell", kind, gate || "", selected === cell ? "selected" : ""].join(" ").trim(),
        "data-trial": name, "data-column": column, "data-outcome": kind,
        title: cell.trial.not_run_reason || name,
        onclick: () => { selected = cell; renderMatrix(); renderDetail(); },
      }, label, gate ? el("span", { class: `badge ${gate}` }, gate) : null);
      row.append(td);
    }
    if (filter.onlyFailures && !anyFailing) row.hidden = true;
    table.append(row);
  }
}

function verdictTable(verdicts) {
  const table = el("table", { class: "verdicts" }, el("tr", {}, ...["rule", "level", "stream",
    "title", "verdict", "observed", "expected", "reason"].map((h) => el("th", {}, h))));
  for (const v of verdicts) {
    const rule = RULES.get(v.id) || {};
    table.append(el("tr", { class: `verdict-${v.verdict}`, "data-rule": v.id },
      el("td", {}, v.id), el("td", {}, v.level), el("td", {}, rule.stream || ""),
      el("td", {}, rule.title || ""), el("td", { class: "verdict" }, v.verdict),
      el("td", {}, v.observed ?? ""), el("td", {}, v.expected ?? ""), el("td", {}, v.reason ?? "")));
  }
  return table;
}

function renderDetail() {
  const section = document.getElementById("detail");
  if (!selected) { section.hidden = true; return; }
  section.hidden = false;
  const { trial, column } = selected;
  const name = `${trial.handler}::${trial.case}`;
  const grade = trial.grade;
  const parts = [
    el("h2", {}, `${name}`, multiPlatform ? ` (${selected.platform})` : ""),
    el("p", {}, "Reproduce: ", el("code", {}, `cargo nextest run --workspace -E 'test(=${name})'`),
      " or ", el("code", {}, `crashsuite run --handler ${trial.handler} --case ${trial.case} -v --keep`)),
    el("p", { class: "muted" }, [
      trial.wall_ms !== null && trial.wall_ms !== undefined ? `case start to dump found ${trial.wall_ms} ms` : null,
      trial.latency_ms !== null && trial.latency_ms !== undefined ? `crash to dump final ${trial.latency_ms.toFixed(2)} ms` : null,
      trial.verify_ms !== null && trial.verify_ms !== undefined ? `graded in ${trial.verify_ms.toFixed(1)} ms` : null,
    ].filter(Boolean).join(" · ")),
  ];
  if (trial.not_run_reason) parts.push(el("p", {}, `Not run: ${trial.not_run_reason}`));
  if (grade) {
    if (grade.error) parts.push(el("p", { class: "gate-regressed" }, `Not graded: ${grade.error}`));
    if (grade.case_note) parts.push(el("p", {}, `Case: ${grade.case_note}`));
    const shown = grade.verdicts.filter(visible)
      .filter((v) => !filter.onlyFailures || failsTrial(v));
    parts.push(el("h3", {}, `Rules (${shown.length} shown of ${grade.verdicts.length})`), verdictTable(shown));
    parts.push(el("h3", {}, "Crashing thread"),
      el("pre", { id: "stack" }, grade.crashing_stack.length ? grade.crashing_stack.join("\n") : "(no walk)"));
    if (trial.hang) parts.push(hangView(trial.hang));
    const streams = grade.streams || {};
    parts.push(el("h3", {}, `Streams (${Object.keys(streams).length})`),
      el("table", { id: "streams" }, ...Object.entries(streams).map(([s, line]) =>
        el("tr", {}, el("th", {}, s), el("td", {}, line)))));
    parts.push(compareWith(selected, column));
    if (grade.digest) parts.push(el("h3", {}, "Digest"), el("pre", { id: "digest" }, grade.digest));
  }
  section.replaceChildren(...parts);
}

// A hung trial: each process, dumped from outside, and where its threads waited.
function hangView(hang) {
  const text = hang.processes.map((p) => [`process ${p.pid}${p.error ? ` (${p.error})` : ""}`,
    ...p.stacks.map((t) => `  thread ${t.tid}${t.name ? ` (${t.name})` : ""}\n` +
      t.frames.slice(0, 16).map((f) => `    ${f}`).join("\n"))].join("\n")).join("\n");
  return el("div", {}, el("h3", {}, `Hung: still for ${hang.quiet_ms} ms, then dumped from outside`),
    el("pre", { id: "hang" }, text));
}

// The same case under another handler: streams and rules that differ.
function compareWith(cell, column) {
  const others = columns.filter((c) => c !== column && cells.get(`${c}\u0000${cell.trial.case}`)?.trial.grade);
  const box = el("div", { id: "compare" });
  if (!others.length || !cell.trial.grade) return box;
  const out = el("div");
  const pick = el("select", { id: "compare-with", onchange: () => show(pick.value) },
    el("option", { value: "" }, "—"), ...others.map((c) => el("option", { value: c }, c)));
  function show(other) {
    out.replaceChildren();
    if (!other) return;
    const mine = cell.trial.grade;
    const theirs = cells.get(`${other}\u0000${cell.trial.case}`).trial.grade;
    const a = mine.streams || {}, b = theirs.streams || {};
    const names = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()
      .filter((s) => a[s] !== b[s]);
    out.append(el("table", { id: "stream-diff" },
      el("tr", {}, el("th", {}, "stream"), el("th", {}, column), el("th", {}, other)),
      ...names.map((s) => el("tr", {}, el("th", {}, s), el("td", {}, a[s] ?? "—"), el("td", {}, b[s] ?? "—")))));
    const theirVerdicts = new Map(theirs.verdicts.map((v) => [v.id, v.verdict]));
    const differing = mine.verdicts.filter((v) => theirVerdicts.get(v.id) !== v.verdict);
    out.append(el("h4", {}, `Rules graded differently (${differing.length})`),
      el("ul", {}, ...differing.map((v) => el("li", {}, `${v.id}: ${v.verdict} here, ${theirVerdicts.get(v.id) ?? "absent"} there`))));
  }
  box.append(el("h3", {}, "Compare with the same case under "), pick, out);
  return box;
}

function renderBench() {
  const section = document.getElementById("bench");
  section.replaceChildren();
  if (!DATA.bench) return;
  section.append(el("h2", {}, "Speed"));
  const spread = (s) => (s ? `${s.p50.toFixed(2)} / ${s.p90.toFixed(2)}` : "—");
  const table = el("table", { id: "bench-table" }, el("tr", {}, ...["handler", "case", "runs ok",
    "crash→dump ms p50 / p90", "crash→gone ms p50 / p90", "dump KiB", "verify ms", "ref ÷ this"]
    .map((h) => el("th", {}, h))));
  for (const r of DATA.bench.rows) {
    table.append(el("tr", {}, el("td", {}, r.handler), el("td", {}, r.case), el("td", {}, `${r.passed}/${r.runs}`),
      el("td", {}, spread(r.latency_ms)), el("td", {}, spread(r.gone_ms)),
      el("td", {}, r.dump_bytes ? (r.dump_bytes.p50 / 1024).toFixed(0) : "—"),
      el("td", {}, r.verify_ms ? r.verify_ms.p50.toFixed(1) : "—"),
      el("td", {}, r.reference_ratio ? r.reference_ratio.toFixed(2) : "—")));
  }
  section.append(table);
  for (const chart of DATA.bench.charts) {
    const figure = el("figure", {}, el("figcaption", {}, chart.title));
    figure.insertAdjacentHTML("beforeend", chart.svg);
    section.append(figure);
  }
}

function render() {
  renderSummary();
  renderMatrix();
  renderDetail();
}

renderMeta();
renderGate();
renderFilters();
render();
renderBench();
