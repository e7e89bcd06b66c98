/**
 * VaR/ES on the real Binance BTC/ETH/SOL history for a small example book (figures for the README).
 * Not assertions on values: the test checks the figures are finite and ordered (VaR ≤ ES), that the
 * backends agree, and prints them.
 *
 * The book: valued at 2026-02-21T00:00Z, the close of the last candle in the fixture, with each index
 * at that close (USDT ≈ USD). Implied vols are round illustrative numbers, not market data.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BACKENDS, makeKernel } from "./helpers/backends.js";
import { parseBook } from "../src/book/index.js";
import { parsePriceCsv } from "../src/history/csv.js";
import { computeVar, type VarOptions, type VarResult } from "../src/var/compute.js";
import { formatVarTable } from "../src/var/command.js";
import { dynamicRangeDetail } from "../src/var/dynamic.js";

const HISTORY = parsePriceCsv(
  readFileSync(new URL("./fixtures/prices/btc-eth-sol-closes-usdt-daily.csv", import.meta.url), "utf8"),
  { source: "binance-closes" },
);

export const EXAMPLE_BOOK = parseBook({
  valuationTime: "2026-02-21T00:00:00Z",
  markets: { BTC: { index: 68020.01 }, ETH: { index: 1968.88 }, SOL: { index: 84.67 } },
  instruments: [
    { id: "BTC-PERPETUAL" },
    { id: "BTC-27MAR26-60000-P", vol: 0.52 },
    { id: "BTC-27MAR26-80000-C", vol: 0.48 },
    { id: "ETH_USDC-PERPETUAL" },
    { id: "ETH_USDC-27MAR26-2200-C", vol: 0.66 },
    { id: "ETH_USDC-27MAR26-2400-C", vol: 0.68 },
    { id: "SOL_USDC-PERPETUAL" },
  ],
  accounts: [
    {
      // Short BTC strangle, delta-hedged with the inverse perpetual; ETH call spread; SOL long.
      id: "usd-options", currency: "USD", collateral: { USDC: 250000 },
      positions: {
        "BTC-27MAR26-60000-P": -10, "BTC-27MAR26-80000-C": -10, "BTC-PERPETUAL": 60000,
        "ETH_USDC-27MAR26-2200-C": 100, "ETH_USDC-27MAR26-2400-C": -100, "SOL_USDC-PERPETUAL": 500,
      },
    },
    {
      // Coin-margined BTC put seller, 2 BTC of collateral.
      id: "btc-put-seller", currency: "BTC", collateral: { BTC: 2 },
      positions: { "BTC-27MAR26-60000-P": -5, "BTC-PERPETUAL": -20000 },
    },
    {
      // Pair trade: long BTC against short ETH and SOL, same USD notional each side.
      id: "pair", currency: "USD", collateral: { USDC: 50000 },
      positions: { "BTC-PERPETUAL": 200000, "ETH_USDC-PERPETUAL": -60, "SOL_USDC-PERPETUAL": -1000 },
    },
  ],
});

const RUNS: [string, VarOptions][] = [
  ["historical", { method: "historical" }],
  ["fhs", { method: "fhs" }],
  ["mc normal", { method: "mc", paths: 20000, seed: 1 }],
  ["mc t(4)", { method: "mc", paths: 20000, seed: 1, distribution: "t", dof: 4 }],
  ["parametric", { method: "parametric" }],
  ["fhs 10d (√h)", { method: "fhs", horizon: 10 }],
  ["fhs 10d overlapping", { method: "fhs", horizon: 10, horizonScaling: "overlapping" }],
];
const COMMON: VarOptions = { confidence: 0.99, window: 1000, garch: true, paths: 20000, seed: 1 };

const fmt = (x: number) => x.toLocaleString("en-US", { maximumFractionDigits: x !== 0 && Math.abs(x) < 10 ? 4 : 0 });

function checkOrdered(r: VarResult) {
  for (const a of r.accounts) {
    for (const [v, e] of [
      [a.var, a.es], [a.parametric.deltaNormal.var, a.parametric.deltaNormal.es],
      [a.parametric.deltaGamma.var, a.parametric.deltaGamma.es],
      [a.stress!.mc!.var, a.stress!.mc!.es], [a.stress!.deltaNormal.var, a.stress!.deltaNormal.es],
    ]) {
      expect(Number.isFinite(v) && Number.isFinite(e)).toBe(true);
      expect(v).toBeLessThanOrEqual(e + 1e-9 * Math.abs(e));
    }
    expect(a.margin.initial).toBeGreaterThanOrEqual(0);
    expect(a.margin.maintenance).toBeLessThanOrEqual(a.margin.initial);
  }
}

describe("real BTC/ETH/SOL history", () => {
  const results = new Map<string, VarResult>();

  it.each(BACKENDS)("figures on %s are finite, VaR ≤ ES, and the same as js to 1e-9", (backend) => {
    const kernel = makeKernel(backend);
    for (const [name, opts] of RUNS) {
      const r = computeVar(kernel, EXAMPLE_BOOK, HISTORY, { ...COMMON, ...opts });
      checkOrdered(r);
      expect(r.historyEnd).toBe("2026-02-20");
      expect(r.historyAgeDays).toBe(1);
      const ref = results.get(name);
      if (!ref) {
        results.set(name, r);
        continue;
      }
      r.accounts.forEach((a, k) => {
        const b = ref.accounts[k];
        for (const [x, y] of [[a.var, b.var], [a.es, b.es], [a.stress!.mc!.es, b.stress!.mc!.es]]) {
          expect(Math.abs(x - y)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(y)));
        }
      });
    }
  });

  it("prints the README figures", () => {
    if (results.size === 0) return;
    const first = results.get("fhs")!;
    const lines: string[] = [];
    lines.push(`History: Binance daily closes (USDT) ${first.historyStart} → ${first.historyEnd}, window ${first.window} daily returns; 99 %; book at 2026-02-21T00:00Z.`);
    lines.push("\nVol forecasts (daily; annualised ×√365):");
    lines.push("| underlying | EWMA 1d | EWMA ann. | GARCH 1d | GARCH long-run ann. | α | β | α+β |");
    lines.push("|---|---|---|---|---|---|---|---|");
    for (const v of first.vol) {
      const g = v.garch!;
      lines.push(`| ${v.underlying} | ${(v.ewmaDaily * 100).toFixed(2)}% | ${(v.ewmaAnnualised * 100).toFixed(1)}% | ${(g.daily * 100).toFixed(2)}% | ${(g.longRunAnnualised * 100).toFixed(1)}% | ${g.alpha.toFixed(4)} | ${g.beta.toFixed(4)} | ${g.persistence.toFixed(4)} |`);
    }
    lines.push(`\nEWMA correlations: ${first.factors.map((u, i) => first.factors.slice(i + 1).map((w, j) => `${u}/${w} ${first.correlation[i][i + 1 + j].toFixed(3)}`).join(", ")).filter(Boolean).join(", ")}`);
    lines.push("\n| account (ccy) | method | VaR | ES | δ-normal VaR | δ-γ CF VaR | ρ=1 MC VaR | ρ=1 MC ES | IM (= ES) | MM | worst scenario |");
    lines.push("|---|---|---|---|---|---|---|---|---|---|---|");
    EXAMPLE_BOOK.accounts.forEach((acct, k) => {
      for (const [name] of RUNS) {
        const r = results.get(name)!;
        const a = r.accounts[k];
        lines.push(`| ${acct.id} (${acct.currency}) | ${name} | ${fmt(a.var)} | ${fmt(a.es)} | ${fmt(a.parametric.deltaNormal.var)} | ${fmt(a.parametric.deltaGamma.var)} | ${fmt(a.stress!.mc!.var)} | ${fmt(a.stress!.mc!.es)} | ${fmt(a.margin.initial)} | ${fmt(a.margin.maintenance)} | ${a.worst ? `${a.worst.scenario} (${fmt(a.worst.pnl)})` : "-"} |`);
      }
    });
    const dyn = ["BTC", "ETH", "SOL"].map((u) => {
      const e = dynamicRangeDetail(0.15, HISTORY, u, { z: 3 });
      const g = dynamicRangeDetail(0.15, HISTORY, u, { z: 3, model: "garch", horizon: 2 });
      return `${u}: EWMA 3σ·√1 = ${(e.scan * 100).toFixed(2)}% → range ${(e.range * 100).toFixed(2)}% (${e.binding}); GARCH 3σ 2d = ${(g.scan * 100).toFixed(2)}%`;
    });
    lines.push(`\nDynamic scan range, base 15 %: ${dyn.join("; ")}`);
    console.log(lines.join("\n"));
    console.log("\n" + formatVarTable(first));
  });
});
