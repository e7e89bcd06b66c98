// @ts-check
/**
 * The page: load a book, pick an account, edit its positions, and see greeks, margins per model, the
 * scenario heat map and a pre-trade verdict, re-evaluated on every keystroke (lightly debounced).
 */
import * as rg from "./riskgrid.js";
import { efficiencyChart, heatMap } from "./charts.js";
import { fmtGreek, fmtMicros, fmtMoney, fmtPct } from "./format.js";
import { accountBook, evaluateAccount, preTrade, workingPresets } from "./risk-check.js";

const $ = (/** @type {string} */ id) => /** @type {any} */ (document.getElementById(id));
const DEBOUNCE_MS = 30;

const state = {
  /** @type {any} */ engine: null,
  /** @type {Map<string, any>} */ engines: new Map(),
  /** @type {any} */ input: null,
  /** @type {string[]} */ presets: [],
  history: "",
  accountId: "",
  /** @type {{ instrument: string, qty: number }[]} */ positions: [],
  /** @type {any} */ last: null,
  /** @type {number[]} */ times: [],
  evals: 0,
  ptSeq: 0,
};

// ---------- helpers ----------

function showError(/** @type {unknown} */ e) {
  const box = $("error");
  if (!e) {
    box.hidden = true;
    box.textContent = "";
    return;
  }
  const err = /** @type {any} */ (e);
  box.hidden = false;
  box.textContent = err && err.code ? `${err.code}: ${err.message}` : String(err?.message ?? err);
}

function debounce(/** @type {() => void} */ fn, ms = DEBOUNCE_MS) {
  /** @type {any} */ let t = 0;
  return () => {
    clearTimeout(t);
    t = setTimeout(fn, ms);
  };
}

function td(/** @type {string} */ text, cls = "") {
  const c = document.createElement("td");
  c.textContent = text;
  if (cls) c.className = cls;
  return c;
}

function median(/** @type {number[]} */ xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[s.length >> 1] : NaN;
}

function recordTime(/** @type {number} */ us, /** @type {number} */ heatUs) {
  state.times.push(us);
  if (state.times.length > 50) state.times.shift();
  $("timing").textContent = `evaluation ${fmtMicros(us)} · heat map ${fmtMicros(heatUs)} · median ${fmtMicros(median(state.times))} (${state.times.length} runs)`;
  $("timing").dataset.micros = String(us);
}

// ---------- engine ----------

async function useBackend(/** @type {string} */ choice) {
  let engine = state.engines.get(choice);
  if (!engine) {
    engine = await rg.init({ backend: /** @type {any} */ (choice) });
    state.engines.set(choice, engine);
  }
  state.engine = engine;
  $("backend-active").textContent = `${engine.backend}${choice === "auto" ? " (auto)" : ""}`;
  $("backend-active").dataset.backend = engine.backend;
}

// ---------- book ----------

function setBook(/** @type {any} */ input, /** @type {string} */ source) {
  const book = state.engine.parse(input); // throws RiskError with code and path
  state.input = input;
  state.presets = workingPresets(state.engine, rg.presetNames(), book);
  const sel = $("account");
  sel.replaceChildren(...book.accounts.map((/** @type {any} */ a) => new Option(`${a.id} (${a.currency})`, a.id)));
  $("instrument-ids").replaceChildren(...book.instruments.map((/** @type {any} */ x) => new Option(x.id)));
  $("book-info").textContent = `${source}: ${book.instruments.length} instruments, ${Object.keys(book.markets).length} markets, ` +
    `${book.accounts.length} accounts; valuation ${new Date(book.valuationTime).toISOString()}; presets: ` +
    ["standard", ...state.presets.filter((p) => p !== "standard")].join(", ") + (state.history ? `; ${state.history}` : "");
  if (!book.accounts.length) throw new Error("the book has no accounts: add one under \"accounts\"");
  selectAccount(book.accounts[0].id);
}

function selectAccount(/** @type {string} */ id) {
  state.accountId = id;
  $("account").value = id;
  const acct = state.input.accounts.find((/** @type {any} */ a) => a.id === id);
  state.positions = Object.entries(acct.positions ?? {}).map(([instrument, qty]) => ({ instrument, qty: Number(qty) }));
  const coll = Object.entries(acct.collateral ?? {}).map(([a, v]) => `${v} ${a}`).join(", ");
  $("account-info").textContent = `currency ${acct.currency ?? "USD"}; collateral ${coll || "none"}`;
  renderPositions();
  evaluateNow();
}

function renderPositions() {
  const body = $("positions").tBodies[0];
  body.replaceChildren();
  state.positions.forEach((p, i) => {
    const tr = document.createElement("tr");
    tr.dataset.instrument = p.instrument;
    const ins = document.createElement("input");
    ins.value = p.instrument;
    ins.setAttribute("list", "instrument-ids");
    ins.className = "instrument";
    ins.addEventListener("input", () => {
      p.instrument = ins.value.trim();
      tr.dataset.instrument = p.instrument;
      scheduleEvaluate();
    });
    const qty = document.createElement("input");
    qty.type = "number";
    qty.step = "any";
    qty.value = String(p.qty);
    qty.className = "qty";
    qty.addEventListener("input", () => {
      p.qty = qty.value === "" ? 0 : Number(qty.value);
      scheduleEvaluate();
    });
    const del = document.createElement("button");
    del.type = "button";
    del.textContent = "×";
    del.title = "remove this position";
    del.addEventListener("click", () => {
      state.positions.splice(i, 1);
      renderPositions();
      evaluateNow();
    });
    const c1 = document.createElement("td");
    c1.appendChild(ins);
    const c2 = document.createElement("td");
    c2.className = "num";
    c2.appendChild(qty);
    const c5 = document.createElement("td");
    c5.appendChild(del);
    tr.append(c1, c2, td("", "num mark"), td("", "num delta"), c5);
    body.appendChild(tr);
  });
}

// ---------- evaluation and rendering ----------

const scheduleEvaluate = debounce(evaluateNow);

function evaluateNow() {
  if (!state.input) return;
  try {
    const input = accountBook(state.input, state.accountId, state.positions);
    const r = evaluateAccount(state.engine, input, state.presets);
    const t0 = performance.now();
    const grid = rg.scenarioGrid(state.engine, r.book, 0);
    const heatUs = (performance.now() - t0) * 1000;
    state.last = { input, ...r, grid };
    state.evals++;
    showError(null);
    render(r.report, r.account, grid);
    recordTime(r.micros, heatUs);
    document.body.dataset.evals = String(state.evals);
    document.body.dataset.positions = JSON.stringify(state.positions);
    document.body.dataset.ready = "1";
    if (ptFilled()) runPreTrade();
  } catch (e) {
    showError(e);
  }
}

function render(/** @type {any} */ report, /** @type {any} */ a, /** @type {any} */ grid) {
  const cur = a.currency;
  const primary = a.margin[a.primaryModel];
  // summary
  const s = $("summary");
  s.replaceChildren();
  const badge = document.createElement("span");
  badge.className = `status ${a.status}`;
  badge.textContent = a.status;
  badge.dataset.testid = "status";
  const items = [
    ["equity", `${fmtMoney(a.equity)} ${cur}`],
    [`IM (${a.primaryModel})`, `${fmtMoney(primary.initial)} ${cur}`],
    [`MM (${a.primaryModel})`, `${fmtMoney(primary.maintenance)} ${cur}`],
    ["free", `${fmtMoney(a.equity - primary.initial)} ${cur}`],
    ["equity / MM", a.marginRatio === null ? "—" : a.marginRatio.toFixed(2)],
  ];
  s.appendChild(badge);
  s.dataset.equity = String(a.equity);
  s.dataset.status = a.status;
  s.dataset.primary = a.primaryModel;
  for (const [k, v] of items) {
    const d = document.createElement("div");
    d.className = "kv";
    const kk = document.createElement("span");
    kk.className = "k";
    kk.textContent = k;
    const vv = document.createElement("span");
    vv.className = "v";
    vv.textContent = v;
    d.append(kk, vv);
    s.appendChild(d);
  }

  // positions: marks and deltas in place (keeps focus while typing)
  const byId = new Map(report.instruments.map((/** @type {any} */ x) => [x.id, x]));
  for (const tr of $("positions").tBodies[0].rows) {
    const x = byId.get(tr.dataset.instrument);
    tr.querySelector(".mark").textContent = x ? fmtMoney(x.price) : "?";
    tr.querySelector(".delta").textContent = x ? fmtGreek(x.delta) : "";
    tr.classList.toggle("unknown", !x && !!tr.dataset.instrument);
  }

  // margins
  const mb = $("margins").tBodies[0];
  mb.replaceChildren();
  for (const row of a.capitalEfficiency) {
    const m = a.margin[row.model];
    const tr = document.createElement("tr");
    tr.dataset.model = row.model;
    tr.dataset.initial = String(m.initial); // full f64 (String round-trips), for tests and copy-paste
    tr.dataset.maintenance = String(m.maintenance);
    if (row.model === a.primaryModel) tr.className = "primary";
    tr.append(td(row.model + (row.model === a.primaryModel ? " ★" : "")), td(fmtMoney(m.initial), "num"), td(fmtMoney(m.maintenance), "num"),
      td(row.model === "isolated" ? "—" : `${fmtMoney(row.released)} (${fmtPct(row.releasedPct)})`, "num"));
    tr.title = `${m.version}; components: ${Object.entries(m.components).map(([k, v]) => `${k} ${fmtMoney(/** @type {number} */ (v))}`).join(", ")}`;
    mb.appendChild(tr);
  }
  efficiencyChart($("efficiency"), a.capitalEfficiency.map((/** @type {any} */ r) => ({ ...r, maintenance: a.margin[r.model].maintenance })),
    a.equity, cur, a.primaryModel);

  // greeks
  const gb = $("greeks").tBodies[0];
  gb.replaceChildren();
  const G = ["delta", "gamma", "vega", "theta", "rho"];
  for (const [u, g] of Object.entries(a.greeks.byUnderlying)) {
    const tr = document.createElement("tr");
    tr.className = "underlying";
    tr.append(td(u), ...G.map((k) => td(fmtGreek(/** @type {any} */ (g)[k]), "num")));
    gb.appendChild(tr);
    for (const [label, e] of Object.entries(a.greeks.byExpiry)) {
      const ge = /** @type {any} */ (e);
      if (ge.underlying !== u) continue;
      const r2 = document.createElement("tr");
      r2.className = "expiry";
      r2.append(td(ge.expiry === "perpetual" ? "perpetual" : ge.expiry.slice(0, 10)), ...G.map((k) => td(fmtGreek(ge[k]), "num")));
      r2.title = label;
      gb.appendChild(r2);
    }
  }
  if (!gb.rows.length) {
    const tr = document.createElement("tr");
    tr.append(td("no positions", "muted"));
    gb.appendChild(tr);
  }

  // heat map of the riskiest underlying
  const r = grid.riskiest >= 0 ? grid.riskiest : 0;
  const row = grid.rows[r];
  if (row) {
    $("heat-title").textContent = `— ${row.underlying}${grid.riskiest >= 0 ? " (riskiest underlying)" : ""}, grid ${grid.set}, ${cur}`;
    heatMap($("heatmap"), row, cur);
    $("heatmap").dataset.underlying = row.underlying;
  }
}

// ---------- pre-trade ----------

function ptOrder() {
  return {
    instrument: $("pt-instrument").value.trim(),
    side: /** @type {"buy" | "sell"} */ ($("pt-side").value),
    size: Number($("pt-size").value),
  };
}

function ptFilled() {
  const o = ptOrder();
  return !!o.instrument && o.size > 0;
}

function runPreTrade() {
  const out = $("pt-result");
  const seq = ++state.ptSeq;
  out.replaceChildren();
  out.dataset.seq = String(seq);
  const order = ptOrder();
  const x = state.last?.report.instruments.find((/** @type {any} */ i) => i.id === order.instrument);
  $("pt-unit").textContent = x ? unitOf(x) : "";
  try {
    if (!state.last) throw new Error("load a book first");
    const r = preTrade(state.engine, rg.whatIf, state.last.input, order, state.last.report);
    out.dataset.verdict = r.accept ? "accept" : "reject";
    out.dataset.rule = r.rule;
    out.dataset.model = r.model;
    out.dataset.imAfter = String(r.imAfter);
    out.dataset.equityAfter = String(r.equity);
    const v = document.createElement("div");
    v.className = `verdict ${r.accept ? "accept" : "reject"}`;
    v.dataset.testid = "verdict";
    v.textContent = r.accept ? "ACCEPT" : "REJECT";
    const d = document.createElement("div");
    d.className = "pt-detail";
    const lines = [
      `${order.side} ${order.size} ${order.instrument}` + (r.premium ? `: premium ${fmtMoney(Math.abs(r.premium))} ${r.premiumCurrency} ${r.premium > 0 ? "paid" : "received"} at mark` : ""),
      `IM (${r.model}) ${fmtMoney(r.imBefore)} → ${fmtMoney(r.imAfter)} ${r.currency}; MM after ${fmtMoney(r.mmAfter)} ${r.currency}`,
      `equity after ${fmtMoney(r.equity)} ${r.currency}; ${r.excess >= 0 ? "free" : "shortfall"} ${fmtMoney(Math.abs(r.excess))} ${r.currency}; status after: ${r.statusAfter}`,
      `rule: ${r.rule} — ${r.reason}`,
      `checked in ${fmtMicros(r.micros)}`,
    ];
    for (const l of lines) {
      const p = document.createElement("div");
      p.textContent = l;
      d.appendChild(p);
    }
    out.append(v, d);
  } catch (e) {
    out.dataset.verdict = "error";
    const err = /** @type {any} */ (e);
    const p = document.createElement("div");
    p.className = "verdict error";
    p.dataset.testid = "verdict";
    p.textContent = err?.code ? `${err.code}: ${err.message}` : String(err?.message ?? err);
    out.appendChild(p);
  }
}

function unitOf(/** @type {any} */ x) {
  if (x.kind === "option") return x.settlement === "inverse" ? "contracts of 1 coin, premium in coin" : "coins";
  return x.settlement === "inverse" ? "USD face per contract" : "coins";
}

// ---------- wiring ----------

/** The price history behind the var preset (served as prices.csv); without it var is left out. */
async function loadHistory() {
  const res = await fetch("./prices.csv");
  if (!res.ok) return;
  const h = rg.parsePriceCsv(await res.text(), { source: "prices.csv" });
  rg.setVarHistory(h);
  state.history = `var history: prices.csv`;
}

async function loadExample() {
  const res = await fetch("./book.json");
  if (!res.ok) throw new Error(`book.json: HTTP ${res.status}`);
  setBook(await res.json(), "example book");
}

function guarded(/** @type {(...a: any[]) => any} */ fn) {
  return async (/** @type {any[]} */ ...a) => {
    try {
      await fn(...a);
    } catch (e) {
      showError(e);
    }
  };
}

function parseJsonText(/** @type {string} */ text) {
  try {
    return JSON.parse(text);
  } catch (e) {
    // let the engine phrase the error (E_JSON with the position)
    return text;
  }
}

/** Evaluate the current account `n` times (report + heat map grid) and show µs per evaluation. */
function bench(n = 200) {
  if (!state.last) return;
  const input = accountBook(state.input, state.accountId, state.positions);
  const per = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = evaluateAccount(state.engine, input, state.presets);
    rg.scenarioGrid(state.engine, r.book, 0);
    per.push((performance.now() - t0) * 1000);
  }
  const mean = per.reduce((a, b) => a + b, 0) / n;
  const out = $("bench-result");
  out.textContent = `${state.engine.backend}: ${fmtMicros(mean)} mean, ${fmtMicros(median(per))} median per evaluation (${n}×)`;
  out.dataset.mean = String(mean);
  out.dataset.median = String(median(per));
}

async function main() {
  try {
    await useBackend("auto");
  } catch (e) {
    // Typically a Content-Security-Policy without 'wasm-unsafe-eval': keep working on the js backend.
    const err = /** @type {any} */ (e);
    await useBackend("js");
    $("backend").value = "js";
    $("warning").hidden = false;
    $("warning").textContent = `WebAssembly is not available here (${err?.message ?? err}); using the plain JavaScript backend. ` +
      `If this page sets a Content-Security-Policy, add 'wasm-unsafe-eval' to script-src.`;
  }
  $("bench").addEventListener("click", guarded(() => bench()));
  let current = $("backend").value;
  $("backend").addEventListener("change", guarded(async () => {
    try {
      await useBackend($("backend").value);
      current = $("backend").value;
    } catch (e) {
      $("backend").value = current;
      await useBackend(current);
      throw e;
    }
    if (state.input) setBook(state.input, "book");
  }));
  $("load-example").addEventListener("click", guarded(loadExample));
  $("upload").addEventListener("change", guarded(async () => {
    const f = $("upload").files?.[0];
    if (f) setBook(parseJsonText(await f.text()), f.name);
  }));
  $("use-paste").addEventListener("click", guarded(() => setBook(parseJsonText($("paste").value), "pasted book")));
  $("account").addEventListener("change", guarded(() => selectAccount($("account").value)));
  $("add-position").addEventListener("click", () => {
    state.positions.push({ instrument: "", qty: 0 });
    renderPositions();
    /** @type {any} */ ($("positions").tBodies[0].lastElementChild?.querySelector("input"))?.focus();
  });
  $("reset-positions").addEventListener("click", guarded(() => selectAccount(state.accountId)));
  const ptLater = debounce(() => ptFilled() && runPreTrade());
  $("pretrade").addEventListener("input", ptLater);
  $("pretrade").addEventListener("submit", (/** @type {Event} */ ev) => {
    ev.preventDefault();
    runPreTrade();
  });
  fetch("./build.json").then((r) => (r.ok ? r.json() : null)).then((b) => {
    if (b) $("build-info").textContent = `Bundle ${(b.bundleBytes / 1024).toFixed(1)} KiB (${(b.bundleGzipBytes / 1024).toFixed(1)} KiB gzip).`;
  }).catch(() => {});
  await loadHistory().catch((e) => showError(e));
  await loadExample();
}

main().catch(showError);
