/**
 * Account health against answers solved by hand, on every backend and for the standard models
 * (isolated, cross) and deribit-pm where a closed form exists:
 * - the largest perpetual order under Deribit's tier formula IM = (2 % + size·0.005 %)·notional,
 *   a quadratic in the size solved in closed form and floored to the contract step;
 * - liquidation prices of a perpetual (linear in a USD account, inverse in a BTC account) in closed
 *   form, and of a short put under standard margin solved here by Newton's method with the analytic
 *   derivative (a different root finder from the engine's bracketing and bisection).
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { BACKENDS, makeKernel } from "./helpers/backends.js";
import { account, book, option, perp } from "./helpers/books.js";
import { Engine } from "../src/engine/engine.js";
import { liquidationPrice, maxOrderSize, whatIf } from "../src/health/index.js";
import { presetNames } from "../src/margin/registry.js";
import { pmParamsFor } from "../src/margin/deribit-pm/index.js";
import { ncdf } from "../src/kernel/normal.js";
import type { Book } from "../src/types.js";

const S = 80_000;
const STD_MODELS = ["isolated", "cross"] as const;
const relClose = (a: number, b: number, rel: number) =>
  expect(Math.abs(a - b)).toBeLessThanOrEqual(rel * Math.max(Math.abs(a), Math.abs(b)));

/** Largest n with IM(n·step) ≤ equity, from the closed-form root, checked on the hand formula. */
function floorToStep(root: number, step: number, im: (q: number) => number, equity: number): number | null {
  const n = Math.floor(root / step);
  for (const m of [n - 1, n, n + 1]) {
    if (im(m * step) <= equity && im((m + 1) * step) > equity) {
      // skip draws where the hand formula itself is within rounding of the boundary
      const tight = Math.min(Math.abs(im(m * step) - equity), Math.abs(im((m + 1) * step) - equity));
      return tight > 1e-9 * equity ? m : null;
    }
  }
  throw new Error(`no step boundary near the root ${root}`);
}

/** n steps of a decimal step, rounded to the step's decimals (what maxOrderSize reports). */
const decimal = (n: number, step: number) => Number((n * step).toFixed(Math.max(0, -Math.floor(Math.log10(step)))));

describe.each(BACKENDS)("health closed forms on %s", (backend) => {
  const engine = new Engine(makeKernel(backend));

  describe.each(STD_MODELS)("standard %s", (model) => {
    it("max buy of a linear perpetual solves (2 % + q·0.005 %)·q·S = equity", () => {
      fc.assert(fc.property(fc.double({ min: 1_000, max: 5_000_000, noNaN: true }), (C) => {
        const b = book({ markets: { BTC: S }, instruments: [perp("BTC", "linear")], accounts: [account("a", "USD", {}, { USDC: C })] });
        const im = (q: number) => (0.02 + 0.00005 * q) * q * S;
        const root = (-0.02 * S + Math.sqrt((0.02 * S) ** 2 + 4 * 0.00005 * S * C)) / (2 * 0.00005 * S);
        const n = floorToStep(root, 0.0001, im, C);
        if (n === null) return;
        for (const side of ["buy", "sell"] as const) {
          const r = maxOrderSize(engine, b, "a", "BTC_USDC-PERPETUAL", side, { model });
          expect(r.size).toBe(decimal(n, 0.0001)); // n steps as the decimal a trader types
          expect(r.monotone).toBe("shown");
          expect(r.at!.pass).toBe(true);
          expect(r.next!.pass).toBe(false);
          relClose(r.at!.initial, im(n * 0.0001), 1e-12);
        }
      }), { numRuns: 12 });
    });

    it("selling against a long position: max = position + the flat-account root", () => {
      const C = 250_000;
      const q0 = 2;
      const b = book({
        markets: { BTC: S }, instruments: [perp("BTC", "linear")],
        accounts: [account("a", "USD", { "BTC_USDC-PERPETUAL": q0 }, { USDC: C })],
      });
      const im = (net: number) => (0.02 + 0.00005 * Math.abs(net)) * Math.abs(net) * S;
      const root = (-0.02 * S + Math.sqrt((0.02 * S) ** 2 + 4 * 0.00005 * S * C)) / (2 * 0.00005 * S);
      const step = 0.0001;
      const n = floorToStep(q0 + root, step, (q) => im(q0 - q), C)!;
      const r = maxOrderSize(engine, b, "a", "BTC_USDC-PERPETUAL", "sell", { model, step });
      expect(r.size).toBe(decimal(n, step));
      const buy = maxOrderSize(engine, b, "a", "BTC_USDC-PERPETUAL", "buy", { model, step });
      expect(buy.size).toBe(decimal(floorToStep(root - q0, step, (q) => im(q0 + q), C)!, step));
    });

    it("max buy of an inverse perpetual in a BTC account: coins = N/S, IM coin = (2 % + coins·0.005 %)·coins", () => {
      fc.assert(fc.property(fc.double({ min: 0.05, max: 50, noNaN: true }), (c) => {
        const b = book({ markets: { BTC: S }, instruments: [perp("BTC", "inverse")], accounts: [account("a", "BTC", {}, { BTC: c })] });
        const im = (N: number) => (0.02 + 0.00005 * (N / S)) * (N / S);
        const coins = (-0.02 + Math.sqrt(0.02 ** 2 + 4 * 0.00005 * c)) / (2 * 0.00005);
        const n = floorToStep(coins * S, 10, im, c);
        if (n === null) return;
        const r = maxOrderSize(engine, b, "a", "BTC-PERPETUAL", "buy", { model });
        expect(r.step).toBe(10);
        expect(r.size).toBe(n * 10);
        // the answer passes and one more step fails, seen through what-if too
        expect(whatIf(engine, b, "a", [{ instrument: "BTC-PERPETUAL", qty: r.size! }], { model }).verdict.rule).toBe("im-covered");
        expect(whatIf(engine, b, "a", [{ instrument: "BTC-PERPETUAL", qty: r.size! + 10 }], { model }).verdict.accept).toBe(false);
      }), { numRuns: 8 });
    });

    it("liquidation price of a long linear perpetual: C + q(X − S) = (1 % + q·0.005 %)·q·X", () => {
      const C = 30_000;
      const q = 4;
      const b = book({ markets: { BTC: S }, instruments: [perp("BTC", "linear")], accounts: [account("a", "USD", { "BTC_USDC-PERPETUAL": q }, { USDC: C })] });
      const r = 0.01 + 0.00005 * q;
      const X = (q * S - C) / (q * (1 - r));
      const lp = liquidationPrice(engine, b, "a", "BTC", { model });
      relClose(lp.below!.index, X, 1e-8);
      expect(lp.below!.crossing).toBe("liquidates");
      expect(lp.below!.bracket[0]).toBeLessThanOrEqual(X * (1 + 1e-12));
      expect(lp.below!.bracket[1]).toBeGreaterThanOrEqual(X * (1 - 1e-12));
      expect(lp.above).toBeNull();
    });

    it("liquidation price of a long inverse perpetual in a BTC account (quadratic in 1/X)", () => {
      const c = 0.5;
      const N = 150_000; // USD face
      const b = book({ markets: { BTC: S }, instruments: [perp("BTC", "inverse")], accounts: [account("a", "BTC", { "BTC-PERPETUAL": N }, { BTC: c })] });
      // c + N(1/S − y) = (0.01 + 0.00005·N·y)·N·y, y = 1/X
      const A = 0.00005 * N * N;
      const B = 1.01 * N;
      const K = c + N / S;
      const y = (-B + Math.sqrt(B * B + 4 * A * K)) / (2 * A);
      const lp = liquidationPrice(engine, b, "a", "BTC", { model });
      relClose(lp.below!.index, 1 / y, 1e-8);
      expect(lp.above).toBeNull();
    });

    it("short put liquidation prices (standard MM) agree with Newton's method on the hand-written equation", () => {
      const put = option("BTC", "put", 70_000, 30, 0.6, "linear");
      const n = 5;
      const C = 100_000;
      const b = book({ markets: { BTC: S }, instruments: [put], accounts: [account("a", "USD", { [put.id]: -n }, { USDC: C })] });
      const T = 30 / 365;
      const sd = 0.6 * Math.sqrt(T);
      // Black-76 put on F = X (rate 0) and its derivative
      const P = (X: number) => {
        const d1 = Math.log(X / 70_000) / sd + 0.5 * sd;
        return 70_000 * ncdf(-(d1 - sd)) - X * ncdf(-d1);
      };
      const dP = (X: number) => -ncdf(-(Math.log(X / 70_000) / sd + 0.5 * sd));
      // equity − MM = C − n·P − n·(max(0.075·X, 0.075·P) + P)
      const g = (X: number) => C - n * P(X) - n * (Math.max(0.075 * X, 0.075 * P(X)) + P(X));
      const dg = (X: number) => -2 * n * dP(X) - n * (0.075 * X >= 0.075 * P(X) ? 0.075 : 0.075 * dP(X));
      const newton = (x0: number) => {
        let x = x0;
        for (let k = 0; k < 100; k++) {
          const step = g(x) / dg(x);
          x -= step;
          if (Math.abs(step) < 1e-13 * x) break;
        }
        return x;
      };
      expect(g(S)).toBeGreaterThan(0);
      const below = newton(60_000);
      const above = newton(600_000);
      expect(Math.abs(g(below))).toBeLessThan(1e-6);
      expect(Math.abs(g(above))).toBeLessThan(1e-6);
      expect(below).toBeLessThan(S);
      expect(above).toBeGreaterThan(S);
      const lp = liquidationPrice(engine, b, "a", "BTC", { model });
      relClose(lp.below!.index, below, 2e-8);
      relClose(lp.above!.index, above, 2e-8);
      expect(lp.below!.gap[0] * lp.below!.gap[1]).toBeLessThanOrEqual(0);
    });
  });

  it.runIf(presetNames().includes("deribit-pm"))("deribit-pm: max buy of a linear perpetual = equity / (S·(price_range + min_annualised_move))", () => {
    const p = pmParamsFor({})("BTC");
    const C = 400_000;
    const b = book({ markets: { BTC: S }, instruments: [perp("BTC", "linear")], accounts: [account("a", "USD", {}, { USDC: C })], presets: ["deribit-pm"] });
    const rate = p.price_range + p.min_annualised_move;
    const im = (q: number) => q * S * rate;
    expect(C / rate).toBeLessThan(p.delta_total_liq_shock_threshold); // notional below the delta-shock threshold
    const n = floorToStep(C / (S * rate), 0.0001, im, C)!;
    const r = maxOrderSize(engine, b as Book, "a", "BTC_USDC-PERPETUAL", "buy");
    expect(r.model).toBe("deribit-pm");
    expect(r.monotone).toBe("assumed");
    expect(r.size).toBe(decimal(n, 0.0001)); // n steps as the decimal a trader types
    expect(r.checkedAbove.length).toBeGreaterThan(0);
  });
});
