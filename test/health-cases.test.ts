/**
 * Account health on hand-built books with known answers, on every backend: the pre-trade verdict's
 * three branches, the partial-liquidation plan against a hand solution, Derive's auction fraction
 * (exact when margin is linear in the portfolio), hedges kept by the plan, explain's allocations,
 * max size for an account below IM, and the errors users can cause.
 */
import { describe, expect, it } from "vitest";
import { BACKENDS, makeKernel } from "./helpers/backends.js";
import { account, book, DAY, option, perp, T0 } from "./helpers/books.js";
import { Engine } from "../src/engine/engine.js";
import {
  accountHealth, explain, liquidationPlan, liquidationPrice, maxOrderSize, whatIf,
} from "../src/health/index.js";
import { RiskError } from "../src/errors.js";
import { stepSizer } from "../src/health/probe.js";
import type { Instrument } from "../src/types.js";

const S = 80_000;
const linFuture: Instrument = {
  id: "BTC_USDC-fut-90d", kind: "future", underlying: "BTC", settlement: "linear", contractSize: 1, expiry: T0 + 90 * DAY,
};
const expectCode = (fn: () => unknown, code: string, path?: string) => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(RiskError);
    expect((e as RiskError).code).toBe(code);
    if (path !== undefined) expect((e as RiskError).path).toBe(path);
    return;
  }
  throw new Error(`expected ${code}`);
};

describe.each(BACKENDS)("health cases on %s", (backend) => {
  const engine = new Engine(makeKernel(backend));

  describe("what-if verdict", () => {
    const put = option("BTC", "put", 70_000, 30, 0.6, "linear");
    // short 5 puts: IM ≈ 5·(0.15·S − OTM + mark) ≈ 5·(2000 + mark); MM ≈ 5·(6000 + mark)
    const mk = (cash: number) => book({
      markets: { BTC: S }, instruments: [put, perp("BTC", "linear")],
      accounts: [account("a", "USD", { [put.id]: -5 }, { USDC: cash })],
    });

    it("accepts when equity covers IM after the order (im-covered)", () => {
      const r = whatIf(engine, mk(1_000_000), "a", [{ instrument: "BTC_USDC-PERPETUAL", qty: 1 }]);
      expect(r.verdict).toMatchObject({ accept: true, rule: "im-covered" });
      expect(r.after.initial).toBeGreaterThan(r.before.initial);
      expect(r.after.greeks.BTC.delta - r.before.greeks.BTC.delta).toBeCloseTo(1, 12);
      expect(r.positions).toEqual([{ instrument: "BTC_USDC-PERPETUAL", before: 0, change: 1, after: 1 }]);
    });

    it("accepts a reducing order below IM when it lowers IM (risk-reducing), rejects one that adds risk", () => {
      const b = mk(40_000);
      const h = accountHealth(engine, b, "a");
      expect(h.equity).toBeLessThan(h.initial);
      const buyBack = whatIf(engine, b, "a", [{ instrument: put.id, qty: 1 }]);
      expect(buyBack.reducesOnly).toBe(true);
      expect(buyBack.verdict).toMatchObject({ accept: true, rule: "risk-reducing" });
      const more = whatIf(engine, b, "a", [{ instrument: put.id, qty: -1 }]);
      expect(more.verdict).toMatchObject({ accept: false, rule: "rejected" });
      expect(more.verdict.reason).toContain("exceeds equity");
      // flipping through zero is not a reduction
      expect(whatIf(engine, b, "a", [{ instrument: put.id, qty: 6 }]).reducesOnly).toBe(false);
    });

    it("rejects closing one leg of a hedge when below IM: it reduces a position but raises IM", () => {
      // cross nets the perpetual with the dated future of the same coin and settlement
      const b = book({
        markets: { BTC: S }, instruments: [put, perp("BTC", "linear"), linFuture],
        accounts: [account("a", "USD", { [put.id]: -5, "BTC_USDC-PERPETUAL": 10, [linFuture.id]: -10 }, { USDC: 40_000 })],
      });
      const r = whatIf(engine, b, "a", [{ instrument: "BTC_USDC-PERPETUAL", qty: -10 }], { model: "cross" });
      expect(r.reducesOnly).toBe(true);
      expect(r.after.initial).toBeGreaterThan(r.before.initial);
      expect(r.verdict.accept).toBe(false);
      expect(r.verdict.reason).toContain("do not lower IM");
    });

    it("buying an option at mark leaves equity unchanged: the premium moves from cash to the position", () => {
      const call = option("BTC", "call", 90_000, 30, 0.55, "inverse");
      const b = book({ markets: { BTC: S }, instruments: [call], accounts: [account("a", "USD", {}, { USDC: 100_000 })] });
      const r = whatIf(engine, b, "a", [{ instrument: call.id, qty: 3 }], { model: "isolated" });
      expect(r.after.equity).toBeCloseTo(r.before.equity, 8);
      // standard margin of a long option is its premium
      expect(r.after.initial).toBeGreaterThan(0);
      expect(r.verdict.rule).toBe("im-covered");
    });
  });

  describe("liquidation plan", () => {
    it("one linear perpetual: the least reduction solves C − cost = 1.15·MM(q − r) on the step grid", () => {
      const q = 5;
      const C = 4_000;
      const b = book({ markets: { BTC: S }, instruments: [perp("BTC", "linear")], accounts: [account("a", "USD", { "BTC_USDC-PERPETUAL": q }, { USDC: C })] });
      const cost = { halfSpread: 0.001, slippage: 0.002, depthUsd: 1_000_000 };
      const plan = liquidationPlan(engine, b, "a", { cost });
      const mm = (x: number) => (0.01 + 0.00005 * x) * x * S;
      const fee = (r: number) => r * S * (cost.halfSpread + (cost.slippage * r * S) / cost.depthUsd);
      const ok = (r: number) => C - fee(r) >= 1.15 * mm(q - r);
      expect(ok(0)).toBe(false);
      let n = 0;
      while (!ok(n * 0.0001)) n++;
      expect(plan.saveable).toBe(true);
      expect(plan.steps).toHaveLength(1);
      expect(plan.steps[0].qty).toBeCloseTo(-n * 0.0001, 10);
      expect(plan.steps[0].cost).toBeCloseTo(fee(n * 0.0001), 6);
      expect(plan.after.maintenance).toBeCloseTo(mm(q - n * 0.0001), 6);
      // Drift's first-order sizing lands within a few steps of the exact answer for a perpetual
      const d = plan.comparisons!.drift[0];
      expect(d.exact).toBeCloseTo(n * 0.0001, 10);
      expect(Math.abs(d.estimate! - n * 0.0001) / (n * 0.0001)).toBeLessThan(0.02);
    });

    it("Derive's fraction f = BM/(BM − MtM·d) is the least uniform cut when margin is linear and costs are proportional", () => {
      // XRP takes riskgrid's default standard tiers (5 % / 2.5 %, no size increase): MM is linear in the book
      const b = book({
        markets: { BTC: S, XRP: 2 }, instruments: [perp("XRP", "linear"), perp("BTC", "linear")],
        accounts: [account("a", "USD", { "XRP_USDC-PERPETUAL": 400_000, "BTC_USDC-PERPETUAL": 0.0001 }, { USDC: 20_000 })],
      });
      const plan = liquidationPlan(engine, b, "a", { cost: { halfSpread: 0.002, slippage: 0 } });
      const c = plan.comparisons!;
      const E = plan.before.equity;
      const MM = plan.before.maintenance;
      expect(c.derive.bufferMargin).toBeCloseTo(E - 1.15 * MM, 8);
      const f = c.derive.bufferMargin / (c.derive.bufferMargin - E * c.derive.discount);
      expect(c.derive.cut.fraction).toBeCloseTo(f, 12);
      expect(c.derive.cut.reaches).toBe(true);
      expect(Math.abs(c.uniform!.fraction - f)).toBeLessThan(2e-4);
      // by hand: slack(f) = BM + f·(1.15·MM − notional·halfSpread) = 0
      const notional = 400_000 * 2 + 0.0001 * S;
      expect(f).toBeCloseTo(-c.derive.bufferMargin / (1.15 * MM - notional * 0.002), 10);
    });

    it("keeps a hedged perpetual/future pair and cuts the short put (cross)", () => {
      const put = option("BTC", "put", 70_000, 30, 0.6, "linear");
      const b = book({
        markets: { BTC: S }, instruments: [put, perp("BTC", "linear"), linFuture],
        accounts: [account("a", "USD", { [put.id]: -5, "BTC_USDC-PERPETUAL": 10, [linFuture.id]: -10 }, { USDC: 25_000 })],
      });
      const plan = liquidationPlan(engine, b, "a", { model: "cross" });
      expect(plan.needed).toBe(true);
      expect(plan.saveable).toBe(true);
      expect(plan.steps.map((s) => s.instrument)).toEqual([put.id]);
      expect(plan.slackAfter).toBeGreaterThanOrEqual(0);
      // the uniform cut sells the hedge too
      expect(plan.comparisons!.uniform!.notionalUsd).toBeGreaterThan(plan.totalNotionalUsd);
    });

    it("reports a bankrupt account as unsaveable and an account short of cost as unsaveable", () => {
      const b = book({ markets: { BTC: S }, instruments: [perp("BTC", "linear")], accounts: [account("a", "USD", { "BTC_USDC-PERPETUAL": 1 }, { USDC: -10 })] });
      const p = liquidationPlan(engine, b, "a");
      expect(p.before.status).toBe("bankrupt");
      expect(p.saveable).toBe(false);
      expect(p.reason).toContain("bankrupt");
      expect(p.steps.map((s) => s.positionAfter)).toEqual([0]);
      const c = book({ markets: { BTC: S }, instruments: [perp("BTC", "linear")], accounts: [account("a", "USD", { "BTC_USDC-PERPETUAL": 1 }, { USDC: 30 })] });
      const q = liquidationPlan(engine, c, "a", { cost: { halfSpread: 0.001 } }); // closing costs 80 > 30
      expect(q.saveable).toBe(false);
      expect(q.reason).toContain("after closing every position");
    });

    it("nothing to do for a healthy account", () => {
      const b = book({ markets: { BTC: S }, instruments: [perp("BTC", "linear")], accounts: [account("a", "USD", { "BTC_USDC-PERPETUAL": 1 }, { USDC: 50_000 })] });
      const p = liquidationPlan(engine, b, "a");
      expect(p).toMatchObject({ needed: false, saveable: true, steps: [], comparisons: null });
    });
  });

  describe("explain", () => {
    it("isolated: each position's own margin; cross: the netted futures margin shared by signed notional", () => {
      const put = option("BTC", "put", 70_000, 30, 0.6, "linear");
      const b = book({
        markets: { BTC: S }, instruments: [put, perp("BTC", "linear"), linFuture],
        accounts: [account("a", "USD", { [put.id]: -2, "BTC_USDC-PERPETUAL": 3, [linFuture.id]: -1 }, { USDC: 500_000 })],
      });
      const iso = explain(engine, b, "a", { model: "isolated" });
      const perpIm = (0.02 + 0.00005 * 3) * 3 * S;
      expect(iso.margin.find((c) => c.item === "BTC_USDC-PERPETUAL")!.initial).toBeCloseTo(perpIm, 8);
      const cross = explain(engine, b, "a", { model: "cross" });
      const perpC = cross.margin.find((c) => c.item === "BTC_USDC-PERPETUAL")!;
      const futC = cross.margin.find((c) => c.item === linFuture.id)!;
      expect(futC.initial).toBeLessThan(0); // the hedging leg releases margin
      const F = S; // rate 0 and no carry: the future's forward is the index
      const net = (0.02 + 0.00005 * 2) * 2 * F;
      expect(perpC.initial + futC.initial).toBeCloseTo(net, 8);
      expect(perpC.initial / futC.initial).toBeCloseTo(-3, 10);
      // the put is margined the same way in both
      expect(cross.margin.find((c) => c.item === put.id)!.initial).toBeCloseTo(iso.margin.find((c) => c.item === put.id)!.initial, 10);
    });

    it("worst scenario: a USD account's BTC collateral shows as its own line", () => {
      const b = book({
        markets: { BTC: S }, instruments: [perp("BTC", "linear")],
        accounts: [account("a", "USD", { "BTC_USDC-PERPETUAL": -1 }, { BTC: 3, USDC: 1_000 })],
      });
      const e = explain(engine, b, "a", { model: "cross" });
      const w = e.worst[0];
      expect(w.label).toBe("-50% vol up");
      const coll = w.contributions.find((c) => c.item === "collateral:BTC")!;
      expect(coll.pnl).toBeCloseTo(-0.5 * 3 * S, 8);
      expect(w.contributions.find((c) => c.item === "BTC_USDC-PERPETUAL")!.pnl).toBeCloseTo(0.5 * S, 8);
    });
  });

  describe("max order size and liquidation price edge cases", () => {
    it("an account below IM: the largest sell of a long perpetual is found past the close-out", () => {
      const q0 = 10;
      const C = 10_000;
      const b = book({ markets: { BTC: S }, instruments: [perp("BTC", "linear")], accounts: [account("a", "USD", { "BTC_USDC-PERPETUAL": q0 }, { USDC: C })] });
      expect(accountHealth(engine, b, "a").status).not.toBe("healthy");
      const im = (net: number) => (0.02 + 0.00005 * Math.abs(net)) * Math.abs(net) * S;
      const root = (-0.02 * S + Math.sqrt((0.02 * S) ** 2 + 4 * 0.00005 * S * C)) / (2 * 0.00005 * S);
      const r = maxOrderSize(engine, b, "a", "BTC_USDC-PERPETUAL", "sell", { step: 0.01 });
      const n = Math.floor((q0 + root) / 0.01);
      expect(im(q0 - n * 0.01)).toBeLessThanOrEqual(C);
      expect(r.size).toBeCloseTo(n * 0.01, 10);
      expect(maxOrderSize(engine, b, "a", "BTC_USDC-PERPETUAL", "buy", { step: 0.01 }).size).toBeNull();
    });

    it("sizes are the decimals a trader types: whole steps of 0.001 print with at most 3 decimals", () => {
      // C chosen so the answer is not a round number of steps.
      const b = book({ markets: { BTC: S }, instruments: [perp("BTC", "linear")], accounts: [account("a", "USD", {}, { USDC: 1_234.567 })] });
      const r = maxOrderSize(engine, b, "a", "BTC_USDC-PERPETUAL", "buy", { step: 0.001 });
      for (const size of [r.size!, r.at!.size, r.next!.size, ...r.checkedAbove]) {
        expect(String(size)).toMatch(/^\d+(\.\d{1,3})?$/);
      }
      expect(r.next!.size).toBe(Number((r.size! + 0.001).toFixed(3)));
      expect(stepSizer(0.001)(582)).toBe(0.582);
      expect(stepSizer(2.5)(3)).toBe(7.5);
      expect(stepSizer(1 / 3)(3)).toBe(1);
    });

    it("an account already below MM: the levels where it recovers", () => {
      const b = book({ markets: { BTC: S }, instruments: [perp("BTC", "linear")], accounts: [account("a", "USD", { "BTC_USDC-PERPETUAL": 10 }, { USDC: 5_000 })] });
      const lp = liquidationPrice(engine, b, "a", "BTC");
      expect(lp.belowMaintenance).toBe(true);
      expect(lp.above!.crossing).toBe("recovers");
      const r = 0.01 + 0.00005 * 10;
      expect(lp.above!.index).toBeCloseTo((10 * S - 5_000) / (10 * (1 - r)), 3);
      expect(lp.below).toBeNull();
    });
  });

  describe("errors", () => {
    const b = book({ markets: { BTC: S }, instruments: [perp("BTC", "linear")], accounts: [account("a", "USD", {}, { USDC: 1 }), account("b", "USD", {})] });
    it("names the field", () => {
      expectCode(() => whatIf(engine, b, "a", [{ instrument: "NOPE", qty: 1 }]), "E_UNKNOWN_INSTRUMENT", "orders[0].instrument");
      expectCode(() => whatIf(engine, b, "a", [{ instrument: "BTC_USDC-PERPETUAL", qty: 0 }]), "E_RANGE", "orders[0].qty");
      expectCode(() => whatIf(engine, b, "a", [{ instrument: "BTC_USDC-PERPETUAL", qty: NaN }]), "E_NOT_FINITE", "orders[0].qty");
      expectCode(() => accountHealth(engine, b, "zz"), "E_UNKNOWN_ACCOUNT", "accountId");
      expectCode(() => accountHealth(engine, b, undefined), "E_REQUIRED", "accountId");
      expectCode(() => accountHealth(engine, b, "a", { model: "nope" }), "E_PRESET", "model");
      expectCode(() => liquidationPrice(engine, b, "a", "DOGE"), "E_UNKNOWN_MARKET", "underlying");
      expectCode(() => maxOrderSize(engine, b, "a", "BTC_USDC-PERPETUAL", "long" as "buy"), "E_RANGE", "side");
      expectCode(() => maxOrderSize(engine, b, "a", "BTC_USDC-PERPETUAL", "buy", { step: -1 }), "E_RANGE", "step");
      expectCode(() => liquidationPlan(engine, b, "a", { buffer: -0.1 }), "E_RANGE", "buffer");
      expectCode(() => accountHealth(engine, "{ nope", "a"), "E_JSON");
      // the engine stays usable
      expect(accountHealth(engine, b, "a").status).toBe("healthy");
    });
  });
});
