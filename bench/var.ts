/**
 * VaR workload (issue 6): 2 000 days of joint BTC/ETH/SOL history × a 200-position book of 200
 * instruments (options and perpetuals on the three underlyings, 4 accounts, USD and coin margined),
 * full revaluation of every instrument under every historical day, per-account VaR/ES.
 * Target: ≤ 20 ms per historical run on the simd backend.
 *
 * `runVarBench()` returns plain timings for bench/run.ts (no printing, no files written);
 * `formatVarBench()` makes a text table of them.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { BackendName } from "../src/kernel/abi.js";
import { loadKernelSync } from "../src/kernel/select.js";
import type { PriceHistory } from "../src/history/csv.js";
import { alignReturns } from "../src/history/returns.js";
import { loadPriceHistory } from "../src/history/node-file.js";
import { computeVar, resolveVarOptions, scenarioSetFor, varContext, varMarket, type VarOptions } from "../src/var/compute.js";
import { scenarioVarEs } from "../src/var/measures.js";
import { Xoshiro128 } from "../src/var/rng.js";
import type { Account, Book, Instrument } from "../src/types.js";

export interface VarBenchOptions {
  backends?: BackendName[];
  /** Days of history = historical scenarios. Default 2000. */
  days?: number;
  /** Positions (= instruments) in the book. Default 200. */
  positions?: number;
  /** Timed repetitions per workload (after warm-up). Default 30. */
  repeats?: number;
  /** Price history with BTC, ETH, SOL columns; default: the test fixture, else a simulated one. */
  history?: PriceHistory;
}

export interface VarBenchRow {
  backend: BackendName;
  workload: string;
  scenarios: number;
  instruments: number;
  positions: number;
  accounts: number;
  medianMs: number;
  minMs: number;
  p90Ms: number;
}

export interface VarBenchBreakdown {
  backend: BackendName;
  /** Median ms of each stage of the historical run. */
  marketAndScenariosMs: number;
  kernelMs: number;
  accountsMs: number;
}

export interface VarBenchResult {
  days: number;
  positions: number;
  historySource: string;
  rows: VarBenchRow[];
  breakdown: VarBenchBreakdown[];
  /** Backends that could not be loaded here, with the reason. */
  skipped: { backend: BackendName; reason: string }[];
}

const FIXTURE = "../test/fixtures/prices/btc-eth-sol-closes-usdt-daily.csv";
const INDEX = { BTC: 68020.01, ETH: 1968.88, SOL: 84.67 } as const;
const VOL = { BTC: 0.5, ETH: 0.65, SOL: 0.8 } as const;
const VALUATION = Date.UTC(2026, 1, 21);
const DAY = 86_400_000;

function defaultHistory(days: number): PriceHistory {
  try {
    const path = fileURLToPath(new URL(FIXTURE, import.meta.url));
    if (existsSync(path)) return loadPriceHistory(path);
  } catch {
    // fall through to a simulated history
  }
  // Correlated GBM with 3.5–5 % daily vol, deterministic.
  const g = new Xoshiro128(2026);
  const n = days + 1;
  const closes = [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
  const px = [30000, 1500, 40];
  const times: number[] = [];
  for (let t = 0; t < n; t++) {
    const m = g.normal();
    [0.035, 0.045, 0.05].forEach((s, f) => {
      px[f] *= Math.exp(s * (0.9 * m + Math.sqrt(1 - 0.81) * g.normal()));
      closes[f][t] = px[f];
    });
    times.push(VALUATION - (n - t) * DAY);
  }
  return { dates: times.map((x) => new Date(x).toISOString().slice(0, 10)), times, assets: ["BTC", "ETH", "SOL"], closes, source: "simulated" };
}

/** 200 instruments: per underlying a perpetual and options over 4 expiries × strikes × call/put. */
export function benchBook(positions = 200): Book {
  const unds = ["BTC", "ETH", "SOL"] as const;
  const instruments: Instrument[] = [];
  const g = new Xoshiro128(7);
  let k = 0;
  while (instruments.length < positions) {
    const u = unds[k % 3];
    const j = Math.floor(k / 3);
    if (j === 0) {
      instruments.push({ id: `${u}-PERP-${k}`, kind: "perpetual", underlying: u, settlement: u === "BTC" ? "inverse" : "linear", contractSize: u === "BTC" ? 10 : 1 });
    } else {
      const expiry = VALUATION + [7, 28, 91, 182][j % 4] * DAY + 8 * 3_600_000;
      const strike = INDEX[u] * (0.6 + 0.8 * g.uniform());
      instruments.push({
        id: `${u}-OPT-${k}`, kind: "option", underlying: u, settlement: j % 2 ? "inverse" : "linear", contractSize: 1,
        right: g.uniform() < 0.5 ? "call" : "put", strike, expiry, vol: VOL[u] * (0.8 + 0.4 * g.uniform()),
      });
    }
    k++;
  }
  const accounts: Account[] = [0, 1, 2, 3].map((a) => ({
    id: `acct-${a}`, currency: a === 3 ? "BTC" : "USD",
    collateral: (a === 3 ? { BTC: 50 } : { USDC: 5e6 }) as Record<string, number>, orders: [],
    positions: instruments.filter((_, i) => i % 4 === a).map((x) => ({
      instrument: x.id, qty: Math.round((g.uniform() - 0.5) * 40) || 1,
    })),
  }));
  const markets: Book["markets"] = {};
  for (const u of unds) markets[u] = { underlying: u, index: INDEX[u], rate: 0, carry: 0, forwards: new Map() };
  return { valuationTime: VALUATION, markets, instruments, accounts, risk: { presets: [], overrides: {} } };
}

function stats(ms: number[]): { medianMs: number; minMs: number; p90Ms: number } {
  const s = ms.slice().sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))];
  return { medianMs: q(0.5), minMs: s[0], p90Ms: q(0.9) };
}

function time(repeats: number, fn: () => void): number[] {
  for (let w = 0; w < Math.max(3, repeats / 5); w++) fn();
  const out: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    fn();
    out.push(performance.now() - t0);
  }
  return out;
}

export function runVarBench(opts: VarBenchOptions = {}): VarBenchResult {
  const days = opts.days ?? 2000;
  const positions = opts.positions ?? 200;
  const repeats = opts.repeats ?? 30;
  const history = opts.history ?? defaultHistory(days);
  const book = benchBook(positions);
  const rows: VarBenchRow[] = [];
  const breakdown: VarBenchBreakdown[] = [];
  const skipped: VarBenchResult["skipped"] = [];
  const available = alignReturns(history, ["BTC", "ETH", "SOL"]).available;
  if (available < days) throw new Error(`bench/var: the history has ${available} common returns, fewer than ${days}`);
  const base: VarOptions = { window: days, confidence: 0.99, horizon: 1, stress: false };
  const workloads: [string, VarOptions, number][] = [
    ["historical", { ...base, method: "historical" }, days],
    ["fhs", { ...base, method: "fhs" }, days],
    ["mc 2000 paths", { ...base, method: "mc", paths: days, seed: 1 }, days],
    ["parametric", { ...base, method: "parametric" }, 1],
    ["historical + ρ=1 MC stress (2000 paths)", { ...base, method: "historical", stress: true, paths: days }, 2 * days],
  ];
  for (const backend of opts.backends ?? (["simd", "scalar", "js"] as BackendName[])) {
    let kernel;
    try {
      kernel = loadKernelSync(backend);
    } catch (e) {
      skipped.push({ backend, reason: (e as Error).message });
      continue;
    }
    for (const [name, o, scen] of workloads) {
      const ms = time(repeats, () => computeVar(kernel, book, history, o));
      rows.push({
        backend, workload: name, scenarios: scen, instruments: book.instruments.length, positions,
        accounts: book.accounts.length, ...stats(ms),
      });
    }
    // Stages of the historical run.
    const ctx = varContext(kernel, book);
    const o = resolveVarOptions(book, { ...base, method: "historical" });
    const factors = ctx.table.underlyings;
    const stage = { a: [] as number[], b: [] as number[], c: [] as number[] };
    for (let r = 0; r < repeats + 5; r++) {
      const t0 = performance.now();
      const m = varMarket(factors, history, o);
      const set = scenarioSetFor("historical", m, o, factors);
      const t1 = performance.now();
      const run = ctx.run(set);
      const t2 = performance.now();
      for (let k = 0; k < book.accounts.length; k++) scenarioVarEs(ctx.matrix(run, k).pnl, o.confidence);
      const t3 = performance.now();
      if (r >= 5) {
        stage.a.push(t1 - t0);
        stage.b.push(t2 - t1);
        stage.c.push(t3 - t2);
      }
    }
    breakdown.push({
      backend, marketAndScenariosMs: stats(stage.a).medianMs, kernelMs: stats(stage.b).medianMs,
      accountsMs: stats(stage.c).medianMs,
    });
  }
  return { days, positions, historySource: history.source, rows, breakdown, skipped };
}

export function formatVarBench(r: VarBenchResult): string {
  const lines = [
    `VaR bench: ${r.days} days × 3 underlyings × ${r.positions} positions (history: ${r.historySource})`,
    "backend  workload                                   scenarios  median ms  min ms  p90 ms",
  ];
  for (const x of r.rows) {
    lines.push(`${x.backend.padEnd(7)}  ${x.workload.padEnd(41)}  ${String(x.scenarios).padStart(9)}  ${x.medianMs.toFixed(2).padStart(9)}  ${x.minMs.toFixed(2).padStart(6)}  ${x.p90Ms.toFixed(2).padStart(6)}`);
  }
  lines.push("historical run by stage (median ms): backend  market+scenarios  kernel  accounts+VaR");
  for (const b of r.breakdown) {
    lines.push(`  ${b.backend.padEnd(7)}  ${b.marketAndScenariosMs.toFixed(2).padStart(8)}  ${b.kernelMs.toFixed(2).padStart(8)}  ${b.accountsMs.toFixed(2).padStart(8)}`);
  }
  for (const s of r.skipped) lines.push(`skipped ${s.backend}: ${s.reason}`);
  return lines.join("\n");
}
