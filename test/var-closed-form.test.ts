/**
 * VaR/ES against closed forms and independent computations, through the kernel on every backend:
 * - historical VaR/ES of one perpetual = the empirical quantile of its price returns × notional;
 * - Monte Carlo VaR/ES of a linear book under normal returns = z·σ_P and σ_P·φ(z)/(1 − c) within the
 *   estimator's standard error; parametric delta-normal exactly;
 * - the correlation-one stress, delta-gamma cumulants, coin-margined exposure, FHS and horizon rules.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BACKENDS, makeKernel } from "./helpers/backends.js";
import { account, book, option, perp, T0 } from "./helpers/books.js";
import { parsePriceCsv, type PriceHistory } from "../src/history/csv.js";
import { alignReturns } from "../src/history/returns.js";
import { computeVar } from "../src/var/compute.js";
import { scenarioVarEs } from "../src/var/measures.js";
import { accountExposure, deltaGammaCornishFisher, deltaNormal } from "../src/var/parametric.js";
import { historicalScenarioSet } from "../src/var/scenarios.js";
import { buildInstrumentTable } from "../src/engine/instrument-table.js";
import { layoutAccounts, runGrid } from "../src/engine/grid-run.js";
import { accountMatrix } from "../src/engine/account-matrix.js";
import { emptyScenarioSet } from "../src/scenarios/scenario-set.js";
import { RiskError } from "../src/errors.js";
import { Xoshiro128 } from "../src/var/rng.js";

const CSV = readFileSync(new URL("./fixtures/prices/btc-eth-sol-closes-usdt-daily.csv", import.meta.url), "utf8");
const HISTORY = parsePriceCsv(CSV);

// --- independent helpers (written for the test, not taken from src/) -------------------------------

/** The raw CSV column of an asset as numbers, parsed by hand. */
function csvColumn(asset: string): { dates: string[]; px: number[] } {
  const lines = CSV.trim().split("\n");
  const j = lines[0].split(",").indexOf(asset.toLowerCase());
  const rows = lines.slice(1).map((l) => l.split(",")).filter((c) => c[j] !== "");
  return { dates: rows.map((c) => c[0]), px: rows.map((c) => Number(c[j])) };
}

/** Standard normal quantile by bisection on an erf-free Φ (Simpson integration of φ): independent of src. */
function phi(x: number): number {
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}
function Phi(x: number): number {
  // Φ(x) = ½ + ∫_0^x φ, composite Simpson with 20 000 panels (error ≪ 1e-13 for |x| < 6).
  const n = 20_000;
  const h = x / n;
  let s = phi(0) + phi(x);
  for (let k = 1; k < n; k++) s += (k % 2 ? 4 : 2) * phi(k * h);
  return 0.5 + (s * h) / 3;
}
function zOf(confidence: number): number {
  let lo = 0, hi = 8;
  for (let it = 0; it < 200; it++) {
    const mid = 0.5 * (lo + hi);
    if (Phi(mid) < confidence) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/** ES by its integral definition (1/(1−c))∫_c^1 q(u)du on the empirical distribution of `losses`. */
function esByIntegral(losses: number[], c: number): number {
  const L = losses.slice().sort((a, b) => a - b);
  const N = L.length;
  let s = 0;
  for (let j = 1; j <= N; j++) {
    const lo = Math.max(c, (j - 1) / N);
    const w = j / N - lo;
    if (w > 0) s += w * L[j - 1];
  }
  return s / (1 - c);
}

/** EWMA covariance by the textbook recursion (seed: mean of the first 30 cross products). */
function ewmaCovByHand(r: number[][], lambda = 0.94): number[][] {
  const n = r[0].length;
  return r.map((ri) => r.map((rj) => {
    let x = 0;
    for (let t = 0; t < 30; t++) x += ri[t] * rj[t];
    x /= 30;
    for (let t = 0; t < n; t++) x = lambda * x + (1 - lambda) * ri[t] * rj[t];
    return x;
  }));
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-300);

// A book at the last close of the fixture (2026-02-20) so the history ends on the valuation day.
const LAST = { BTC: 68020.01, ETH: 1968.88, SOL: 84.67 };
const VAL = Date.UTC(2026, 1, 20, 0, 0, 0);

function linearBook(q: Record<string, number>, extra: { collateral?: Record<string, number>; currency?: string } = {}) {
  const markets = Object.fromEntries(Object.keys(q).map((u) => [u, LAST[u as keyof typeof LAST]]));
  const b = book({
    markets,
    instruments: Object.keys(q).map((u) => perp(u, "linear")),
    accounts: [account("acct", extra.currency ?? "USD",
      Object.fromEntries(Object.entries(q).map(([u, x]) => [`${u}_USDC-PERPETUAL`, x])), extra.collateral ?? { USDC: 1e6 })],
  });
  b.valuationTime = VAL;
  return b;
}

describe("VaR conventions", () => {
  it("VaR = L_(⌈cN⌉), ES = (1/(1−c))∫_c^1 VaR_u du (hand-made losses)", () => {
    const pnl = Array.from({ length: 100 }, (_, k) => -((k * 37) % 100 + 1)); // losses 1…100, shuffled
    const a = scenarioVarEs(pnl, 0.95);
    expect(a.var).toBe(95);
    expect(a.es).toBe(98); // mean of 96…100
    const b = scenarioVarEs(pnl, 0.975);
    expect(b.var).toBe(98); // ⌈97.5⌉ = 98
    expect(b.es).toBeCloseTo((0.5 * 98 + 99 + 100) / 2.5, 12);
    expect(b.worstLoss).toBe(100);
    expect(pnl[b.worstScenario]).toBe(-100);
    expect(pnl[b.varScenario]).toBe(-98);
    for (const c of [0.9, 0.95, 0.975, 0.99, 0.995]) {
      const losses = pnl.map((x) => -x);
      expect(Math.abs(scenarioVarEs(pnl, c).es - esByIntegral(losses, c))).toBeLessThan(1e-12);
    }
  });
});

describe.each(BACKENDS)("VaR closed forms on %s", (backend) => {
  const kernel = makeKernel(backend);

  it("historical VaR/ES of one BTC perpetual = empirical quantile of its returns × notional (exactly)", () => {
    const q = 2.5;
    const b = linearBook({ BTC: q });
    const { px } = csvColumn("btc");
    for (const [window, c] of [[500, 0.99], [500, 0.975], [1000, 0.99], [250, 0.95]] as const) {
      const res = computeVar(kernel, b, HISTORY, { method: "historical", confidence: c, window, stress: false });
      // Independent: the last `window` one-day price returns, P&L = q·S·(P_t/P_{t−1} − 1).
      const losses: number[] = [];
      for (let t = px.length - window; t < px.length; t++) losses.push(-q * LAST.BTC * (px[t] / px[t - 1] - 1));
      const sorted = losses.slice().sort((x, y) => x - y);
      const k = Math.ceil(Math.round(c * window * 1e6) / 1e6);
      expect(rel(res.accounts[0].var, sorted[k - 1])).toBeLessThan(1e-12);
      expect(rel(res.accounts[0].es, esByIntegral(losses, c))).toBeLessThan(1e-12);
      expect(res.nScenarios).toBe(window);
      expect(res.window).toBe(window);
    }
  });

  it("Monte Carlo VaR/ES of a linear book under normal (arithmetic) shocks: closed form within 4 standard errors", () => {
    const q = { BTC: 3, ETH: -40, SOL: 900 };
    const b = linearBook(q);
    const c = 0.99;
    const n = 50_000;
    const res = computeVar(kernel, b, HISTORY, { method: "mc", shocks: "arithmetic", paths: n, seed: 2024, confidence: c, window: 1000, stress: false });
    const N = [q.BTC * LAST.BTC, q.ETH * LAST.ETH, q.SOL * LAST.SOL];
    const cov = res.covariance;
    let v = 0;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) v += N[i] * cov[i][j] * N[j];
    const sd = Math.sqrt(v);
    const z = zOf(c);
    const varCf = z * sd;
    const lam = phi(z) / (1 - c);
    const esCf = sd * lam;
    const seVar = (sd * Math.sqrt(c * (1 - c) / n)) / phi(z);
    const seEs = sd * Math.sqrt((1 + z * lam - lam * lam + c * (lam - z) ** 2) / (n * (1 - c)));
    const a = res.accounts[0];
    expect(Math.abs(a.var - varCf)).toBeLessThan(4 * seVar);
    expect(Math.abs(a.es - esCf)).toBeLessThan(4 * seEs);
    // Parametric delta-normal on the same covariance: exactly the closed form.
    expect(rel(a.parametric.deltaNormal.var, varCf)).toBeLessThan(1e-12);
    expect(rel(a.parametric.deltaNormal.es, esCf)).toBeLessThan(1e-12);
    // A linear book has no gamma: Cornish–Fisher reduces to the normal.
    expect(rel(a.parametric.deltaGamma.var, varCf)).toBeLessThan(1e-12);
  });

  it("Monte Carlo with log shocks, one asset: VaR = N(1 − e^{−zσ}), ES = N(1 − e^{σ²/2}Φ(−z−σ)/(1−c))", () => {
    const q = 10;
    const b = linearBook({ ETH: q });
    const c = 0.99;
    const n = 50_000;
    const res = computeVar(kernel, b, HISTORY, { method: "mc", paths: n, seed: 77, confidence: c, horizon: 5, window: 750, stress: false });
    const s = Math.sqrt(res.covariance[0][0]);
    const N = q * LAST.ETH;
    const z = zOf(c);
    const varCf = N * (1 - Math.exp(-z * s));
    const esCf = N * (1 - (Math.exp(0.5 * s * s) * (1 - Phi(z + s))) / (1 - c));
    const seVar = (N * Math.exp(-z * s) * s * Math.sqrt(c * (1 - c) / n)) / phi(z);
    expect(Math.abs(res.accounts[0].var - varCf)).toBeLessThan(4 * seVar);
    // ES standard error: the normal formula on the dollar scale N·σ (the loss is nearly linear in x).
    const lam = phi(z) / (1 - c);
    const seEs = N * s * Math.sqrt((1 + z * lam - lam * lam + c * (lam - z) ** 2) / (n * (1 - c)));
    expect(Math.abs(res.accounts[0].es - esCf)).toBeLessThan(4 * seEs);
  });

  it("parametric VaR equals z·√(NᵀΣ_h N) with Σ from a hand EWMA of the CSV's log returns (h = 10)", () => {
    const q = { BTC: -1.5, ETH: 25, SOL: 300 };
    const b = linearBook(q);
    const res = computeVar(kernel, b, HISTORY, { method: "parametric", confidence: 0.975, horizon: 10, window: 600, stress: false });
    const r = ["btc", "eth", "sol"].map((a) => {
      const { px } = csvColumn(a);
      return Array.from({ length: 600 }, (_, k) => Math.log(px[px.length - 600 + k] / px[px.length - 601 + k]));
    });
    const cov = ewmaCovByHand(r);
    const N = [q.BTC * LAST.BTC, q.ETH * LAST.ETH, q.SOL * LAST.SOL];
    let v = 0;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) v += N[i] * cov[i][j] * N[j] * 10;
    const z = zOf(0.975);
    expect(rel(res.accounts[0].var, z * Math.sqrt(v))).toBeLessThan(1e-10);
    expect(rel(res.accounts[0].es, (Math.sqrt(v) * phi(z)) / 0.025)).toBeLessThan(1e-10);
    expect(res.nScenarios).toBe(0);
    expect(res.accounts[0].worst).toBeNull();
  });

  it("correlation-one stress: δ-normal VaR = z·|Σ N_f σ_f|, MC under it within its standard error", () => {
    const q = { BTC: 2, ETH: 30, SOL: -200 };
    const b = linearBook(q);
    const c = 0.99;
    const n = 40_000;
    const res = computeVar(kernel, b, HISTORY, { method: "historical", shocks: "arithmetic", paths: n, seed: 5, confidence: c, window: 1000 });
    const N = [q.BTC * LAST.BTC, q.ETH * LAST.ETH, q.SOL * LAST.SOL];
    const sdStress = Math.abs(N.reduce((s, x, f) => s + x * Math.sqrt(res.covariance[f][f]), 0));
    const z = zOf(c);
    const st = res.accounts[0].stress!;
    expect(rel(st.deltaNormal.var, z * sdStress)).toBeLessThan(1e-12);
    expect(Math.abs(st.mc!.var - z * sdStress)).toBeLessThan((4 * sdStress * Math.sqrt(c * (1 - c) / n)) / phi(z));
    expect(st.marginBasis).toBe("mc");
    expect(st.margin.initial).toBe(Math.max(0, st.mc!.es));
    expect(st.margin.maintenance).toBeCloseTo(0.8 * st.margin.initial, 9);
  });

  it("FHS rescales each day's return by σ_now/σ_t (hand EWMA) and √h-scales the log return", () => {
    const b = linearBook({ SOL: 100 });
    const { px, dates } = csvColumn("sol");
    const W = 300;
    const r = Array.from({ length: W }, (_, k) => Math.log(px[px.length - W + k] / px[px.length - W - 1 + k]));
    let v = r.slice(0, 30).reduce((s, x) => s + x * x, 0) / 30;
    const sig = [Math.sqrt(v)];
    for (const x of r) {
      v = 0.94 * v + 0.06 * x * x;
      sig.push(Math.sqrt(v));
    }
    const res = computeVar(kernel, b, HISTORY, { method: "fhs", window: W, horizon: 4, confidence: 0.99, stress: false });
    const losses = r.map((x, t) => -100 * LAST.SOL * (Math.exp(2 * x * (sig[W] / sig[t])) - 1));
    const sorted = losses.slice().sort((x, y) => x - y);
    expect(rel(res.accounts[0].var, sorted[Math.ceil(0.99 * W) - 1])).toBeLessThan(1e-10);
    expect(rel(res.accounts[0].es, esByIntegral(losses, 0.99))).toBeLessThan(1e-10);
    expect(res.accounts[0].worst!.scenario).toBe(dates[dates.length - W + losses.indexOf(sorted[W - 1])]);
  });
});

describe("historical scenario sets", () => {
  const win = alignReturns(HISTORY, ["BTC", "ETH"], { window: 200 });

  it("overlapping h-day scenarios are the h-day price ratios; labels give the span", () => {
    const set = historicalScenarioSet(win, { horizon: 5, horizonScaling: "overlapping" });
    expect(set.nScen).toBe(196);
    expect(set.joint).toBe(true);
    const { px, dates } = csvColumn("eth");
    const end = px.length - 1;
    // Last scenario: the 5 returns ending on the last day → P_end / P_{end−5}.
    expect(rel(set.mult[1 * 196 + 195], px[end] / px[end - 5])).toBeLessThan(1e-14);
    expect(set.label[195]).toBe(`${dates[end - 4]}→${dates[end]}`);
  });

  it("vol shocks 'ewma' are the relative change of the EWMA vol over the scenario's day", () => {
    const set = historicalScenarioSet(win, { volShocks: "ewma" });
    const r = Array.from(win.logReturns[0]);
    let v = r.slice(0, 30).reduce((s, x) => s + x * x, 0) / 30;
    for (let t = 0; t < 50; t++) {
      const next = 0.94 * v + 0.06 * r[t] * r[t];
      expect(Math.abs(set.volShift[t] - (Math.sqrt(next / v) - 1))).toBeLessThan(1e-14);
      v = next;
    }
    expect(Array.from(historicalScenarioSet(win).volShift).every((x) => x === 0)).toBe(true);
  });
});

describe.each(BACKENDS)("parametric exposures on %s", (backend) => {
  const kernel = makeKernel(backend);

  it("delta-gamma cumulants of a pure-gamma position are those of a scaled χ²₁", () => {
    const G = 5e6;
    const s2 = 4e-4;
    const f = deltaGammaCornishFisher({ delta: [0], gamma: [[G]] }, [[s2]], 0.99);
    expect(rel(f.mean, 0.5 * G * s2)).toBeLessThan(1e-14);
    expect(rel(f.sd, Math.sqrt(0.5) * G * s2)).toBeLessThan(1e-14);
    expect(rel(f.skew, Math.sqrt(8))).toBeLessThan(1e-14);
    expect(rel(f.excessKurtosis, 12)).toBeLessThan(1e-14);
  });

  it("delta-gamma cumulants match a simulation of Q = Dᵀr + ½rᵀGr (full G, correlated r)", () => {
    const D = [1000, -500];
    const Gm = [[-4e4, 1e4], [1e4, 2e4]];
    const cov = [[4e-4, 1.5e-4], [1.5e-4, 9e-4]];
    const f = deltaGammaCornishFisher({ delta: D, gamma: Gm }, cov, 0.99);
    const g = new Xoshiro128(99);
    const l00 = Math.sqrt(cov[0][0]), l10 = cov[1][0] / l00, l11 = Math.sqrt(cov[1][1] - l10 * l10);
    const n = 400_000;
    const qs = new Float64Array(n);
    let m = 0;
    for (let k = 0; k < n; k++) {
      const z0 = g.normal(), z1 = g.normal();
      const r0 = l00 * z0, r1 = l10 * z0 + l11 * z1;
      qs[k] = D[0] * r0 + D[1] * r1 + 0.5 * (Gm[0][0] * r0 * r0 + 2 * Gm[0][1] * r0 * r1 + Gm[1][1] * r1 * r1);
      m += qs[k];
    }
    m /= n;
    let m2 = 0, m3 = 0;
    for (const x of qs) {
      m2 += (x - m) ** 2;
      m3 += (x - m) ** 3;
    }
    m2 /= n;
    m3 /= n;
    expect(Math.abs(f.mean - m)).toBeLessThan(4 * f.sd / Math.sqrt(n));
    expect(rel(f.sd, Math.sqrt(m2))).toBeLessThan(0.01);
    expect(Math.abs(f.skew - m3 / m2 ** 1.5)).toBeLessThan(0.05);
  });

  it("coin-margined account: exposure is the second-order expansion of equity / S (USDC collateral: D = −E/S, G = 2E/S)", () => {
    const b = linearBook({ BTC: 0 }, { currency: "BTC", collateral: { USDC: 50_000 } });
    const t = buildInstrumentTable(b);
    const run = runGrid(kernel, t, layoutAccounts(t, b.accounts), emptyScenarioSet("n", t.underlyings, 1, true));
    const e = accountExposure(run, 0, b.accounts[0], accountMatrix(run, 0, b.accounts[0]));
    expect(rel(e.delta[0], -50_000 / LAST.BTC)).toBeLessThan(1e-14);
    expect(rel(e.gamma[0][0], (2 * 50_000) / LAST.BTC)).toBeLessThan(1e-14);
    // BTC collateral in a BTC account: no risk at all.
    const b2 = linearBook({ BTC: 0 }, { currency: "BTC", collateral: { BTC: 3 } });
    const t2 = buildInstrumentTable(b2);
    const run2 = runGrid(kernel, t2, layoutAccounts(t2, b2.accounts), emptyScenarioSet("n", t2.underlyings, 1, true));
    const e2 = accountExposure(run2, 0, b2.accounts[0], accountMatrix(run2, 0, b2.accounts[0]));
    expect(Math.abs(e2.delta[0])).toBeLessThan(1e-9);
    expect(Math.abs(e2.gamma[0][0])).toBeLessThan(1e-9);
  });

  it("an option book's delta-gamma P&L matches full revaluation to second order (small joint moves)", () => {
    const b = book({
      markets: { BTC: 68_000, ETH: 2_000 },
      instruments: [option("BTC", "call", 70_000, 30, 0.55), option("ETH", "put", 1_900, 14, 0.7, "linear"), perp("BTC", "inverse")],
      accounts: [account("eth-coin", "ETH", { "BTC-inverse-30d-70000-call": -4, "ETH-linear-14d-1900-put": 50, "BTC-PERPETUAL": 20_000 }, { ETH: 30, USDC: 1e4 })],
    });
    b.valuationTime = T0;
    const t = buildInstrumentTable(b);
    const set = emptyScenarioSet("small", t.underlyings, 4, true);
    const moves = [[0.002, -0.003], [-0.004, 0.001], [0.003, 0.003], [-0.001, -0.004]];
    moves.forEach(([a, c], s) => {
      set.mult[s] = 1 + a;
      set.mult[4 + s] = 1 + c;
    });
    const run = runGrid(kernel, t, layoutAccounts(t, b.accounts), set);
    const m = accountMatrix(run, 0, b.accounts[0]);
    const e = accountExposure(run, 0, b.accounts[0], m);
    moves.forEach((r, s) => {
      const quad = e.delta[0] * r[0] + e.delta[1] * r[1] +
        0.5 * (e.gamma[0][0] * r[0] ** 2 + 2 * e.gamma[0][1] * r[0] * r[1] + e.gamma[1][1] * r[1] ** 2);
      const lin = e.delta[0] * r[0] + e.delta[1] * r[1];
      // Third-order remainder: far smaller than the second-order term it corrects.
      expect(Math.abs(m.pnl[s] - quad)).toBeLessThan(0.05 * Math.abs(m.pnl[s] - lin) + 1e-9 * Math.abs(m.pnl[s]));
    });
  });
});

describe("option validation", () => {
  const kernel = makeKernel("js");
  const b = linearBook({ BTC: 1 });
  const code = (opts: object) => {
    try {
      computeVar(kernel, b, HISTORY, opts);
    } catch (e) {
      expect(e).toBeInstanceOf(RiskError);
      return `${(e as RiskError).code} ${(e as RiskError).path}`;
    }
    return "ok";
  };

  it("refuses bad options with E_RANGE and the option's name", () => {
    expect(code({ confidence: 1 })).toBe("E_RANGE confidence");
    expect(code({ confidence: 0.3 })).toBe("E_RANGE confidence");
    expect(code({ horizon: 0 })).toBe("E_RANGE horizon");
    expect(code({ horizon: 1.5 })).toBe("E_RANGE horizon");
    expect(code({ window: 5 })).toBe("E_RANGE window");
    expect(code({ method: "magic" })).toBe("E_RANGE method");
    expect(code({ paths: 10 })).toBe("E_RANGE paths");
    expect(code({ seed: -1 })).toBe("E_RANGE seed");
    expect(code({ distribution: "t", dof: 2 })).toBe("E_RANGE dof");
    expect(code({ lambda: 1 })).toBe("E_RANGE lambda");
  });

  it("refuses a history without the book's underlying", () => {
    const h: PriceHistory = parsePriceCsv("date,eth\n" + Array.from({ length: 40 }, (_, k) => `${new Date(Date.UTC(2024, 0, 1 + k)).toISOString().slice(0, 10)},${100 + k}`).join("\n"));
    expect(() => computeVar(kernel, b, h)).toThrow(/no column for BTC/);
  });
});
