/**
 * The account matrix (P&L per underlying × scenario in the account's currency) against closed forms
 * computed by hand, on every backend.
 */
import { describe, expect, it } from "vitest";
import { BACKENDS, makeKernel } from "./helpers/backends.js";
import { account, book, option, perp } from "./helpers/books.js";
import { buildInstrumentTable } from "../src/engine/instrument-table.js";
import { layoutAccounts, runGrid } from "../src/engine/grid-run.js";
import { accountMatrix } from "../src/engine/account-matrix.js";
import { defaultGrid, evenMoves, spotVolGrid } from "../src/scenarios/grid.js";
import { black76 } from "../src/kernel/black76.js";
import type { Book } from "../src/types.js";

const close = (a: number, b: number, rel = 1e-12, abs = 1e-9) =>
  expect(Math.abs(a - b)).toBeLessThanOrEqual(rel * Math.max(Math.abs(a), Math.abs(b)) + abs);

function matrices(b: Book, backend: (typeof BACKENDS)[number], set = defaultGrid(Object.keys(b.markets).sort())) {
  const t = buildInstrumentTable(b);
  const run = runGrid(makeKernel(backend), t, layoutAccounts(t, b.accounts), set);
  return { set, run, m: b.accounts.map((a, k) => accountMatrix(run, k, a)) };
}

describe.each(BACKENDS)("account matrix on %s", (backend) => {
  it("coin-margined inverse perpetual loses q·m/(1+m) coin (Deribit's linear inverse rule)", () => {
    const index = 65_666.19;
    const qCoins = 0.314538364;
    const b = book({
      markets: { BTC: index },
      instruments: [perp("BTC", "inverse")],
      accounts: [account("coin", "BTC", { "BTC-PERPETUAL": qCoins * index }, { BTC: 1 })],
    });
    const { set, m } = matrices(b, backend);
    for (let s = 0; s < set.nScen; s++) {
      const move = set.mult[s] - 1;
      close(m[0].pnl[s], (qCoins * move) / (1 + move));
    }
    close(m[0].collateralValue, 1);
    close(m[0].positionsValue, 0);
  });

  it("USD account: linear perpetual P&L is q·S·m and BTC collateral moves with BTC", () => {
    const b = book({
      markets: { BTC: 80_000, ETH: 2_500 },
      instruments: [perp("BTC", "linear"), perp("ETH", "linear")],
      accounts: [account("usd", "USD", { "BTC_USDC-PERPETUAL": -2, "ETH_USDC-PERPETUAL": 10 }, { BTC: 0.5, USDC: 1000 })],
    });
    const { set, m } = matrices(b, backend);
    const S = set.nScen;
    const [btcRow, ethRow] = [0, 1];
    expect(m[0].rows).toEqual(["BTC", "ETH"]);
    for (let s = 0; s < S; s++) {
      const mb = set.mult[0 * S + s] - 1;
      const me = set.mult[1 * S + s] - 1;
      close(m[0].pnl[btcRow * S + s], (-2 + 0.5) * 80_000 * mb);
      close(m[0].pnl[ethRow * S + s], 10 * 2_500 * me);
    }
    close(m[0].collateralValue, 0.5 * 80_000 + 1000);
  });

  it("inverse option P&L in coin equals Black-76 repriced at the shocked forward and vol, divided by it", () => {
    const opt = option("BTC", "put", 70_000, 30, 0.6);
    const b = book({ markets: { BTC: 80_000 }, instruments: [opt], accounts: [account("a", "BTC", { [opt.id]: -3 })] });
    const set = spotVolGrid({
      name: "t", factors: ["BTC"], termStructure: null,
      params: () => ({ spotMoves: evenMoves(0.2, 4), volUp: 0.5, volDown: 0.25 }),
    });
    const { m } = matrices(b, backend, set);
    const T = 30 / 365;
    const v0 = black76(-1, 80_000, 70_000, T, 1, 0.6) / 80_000;
    for (let s = 0; s < set.nScen; s++) {
      const F = 80_000 * set.mult[s];
      const sigma = 0.6 * (1 + set.volShift[s]);
      close(m[0].pnl[s], -3 * (black76(-1, F, 70_000, T, 1, sigma) / F - v0), 1e-11, 1e-12);
    }
    close(m[0].positionsValue, -3 * v0, 1e-12, 0);
  });

  it("a USD account holding an inverse option sees its coin value at the shocked index", () => {
    const opt = option("ETH", "call", 3_000, 60, 0.7);
    const b = book({ markets: { ETH: 2_500 }, instruments: [opt], accounts: [account("a", "USD", { [opt.id]: 4 })] });
    const { set, m } = matrices(b, backend);
    const T = 60 / 365;
    const fwd = 2_500;
    const v0 = black76(1, fwd, 3_000, T, 1, 0.7) / fwd;
    for (let s = 0; s < set.nScen; s++) {
      const M = set.mult[s];
      const sigma = Math.max(0, 0.7 * (1 + set.volShift[s] * Math.pow(30 / 60, 0.13)));
      const coin = black76(1, fwd * M, 3_000, T, 1, sigma) / (fwd * M);
      close(m[0].pnl[s], 4 * (coin * 2_500 * M - v0 * 2_500), 1e-11, 1e-9);
    }
  });

  it("account greeks are the position-weighted sums of instrument greeks", () => {
    const a = option("BTC", "call", 90_000, 45, 0.55);
    const p = option("BTC", "put", 75_000, 45, 0.6);
    const b = book({
      markets: { BTC: 80_000 }, instruments: [a, p, perp("BTC", "inverse")],
      accounts: [account("x", "USD", { [a.id]: 2, [p.id]: -1.5, "BTC-PERPETUAL": 10_000 })],
    });
    const { run } = matrices(b, backend);
    const t = run.table;
    const B = t.buckets.length;
    const qty = [2, -1.5, 10_000];
    const cols = [run.delta, run.gamma, run.vega, run.theta, run.rho];
    for (let k = 0; k < 5; k++) {
      const perBucket = new Array(B).fill(0);
      qty.forEach((q, i) => (perBucket[t.bucketOf[i]] += q * cols[k][i]));
      for (let bi = 0; bi < B; bi++) close(run.greeks[bi * 5 + k], perBucket[bi], 1e-12, 1e-15);
    }
    // Inverse perpetual delta: 1 USD face is worth 1/index coin of exposure.
    close(run.delta[2], 1 / 80_000);
  });
});
