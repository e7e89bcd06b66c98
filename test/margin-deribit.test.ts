/**
 * deribit-pm against Deribit's published `private/pme/simulate` results (METHODOLOGIES §2.2), on every
 * backend, plus the mechanics the examples do not pin (extended table, pnl_offset, roll shock of dated
 * expiries, delta shock, open orders, overrides).
 *
 * The examples give positions "in BTC" for inverse contracts: Deribit's inverse futures and perpetual
 * have 1 USD of face per contract, and the simulate API sizes them in coins at the index. So a position
 * of c BTC is c × index USD of face here. The dated future's forward is set equal to the index so that
 * its coin size (face / forward) and its coin P&L q·m/(1+m) are exactly the example's conventions (the
 * example's vectors move every instrument by the same relative amount from the same level).
 */
import { describe, expect, it } from "vitest";
import { Engine } from "../src/engine/engine.js";
import { parseBook } from "../src/book/index.js";
import type { BookInput } from "../src/types.js";
import { deribitPmMargins, pmParamsFor, riskMatrixMargins } from "../src/margin/deribit-pm/index.js";
import { getPreset } from "../src/margin/registry.js";
import "../src/margin/presets.js";
import { BACKENDS, makeKernel } from "./helpers/backends.js";

const T_A = 1718619740501; // 2024-06-17, the official example's timestamp

function exampleA(overrides: Record<string, unknown> = {}): BookInput {
  const index = 65_666.19;
  return {
    valuationTime: T_A,
    markets: { BTC: { index, forwards: { "2024-06-28T08:00:00Z": index } } },
    instruments: [{ id: "BTC-PERPETUAL" }, { id: "BTC-28JUN24" }],
    accounts: [{
      id: "A", currency: "BTC", collateral: { BTC: 1 },
      positions: { "BTC-PERPETUAL": 0.314538364 * index, "BTC-28JUN24": -0.001187534 * index },
    }],
    risk: { presets: ["deribit-pm"], overrides },
  };
}

function exampleB(): BookInput {
  const index = 1_949.34;
  return {
    valuationTime: "2026-02-15T12:00:00Z",
    markets: { ETH: { index } },
    instruments: [{ id: "ETH-PERPETUAL" }],
    accounts: [{ id: "B", currency: "ETH", collateral: { ETH: 1 }, positions: { "ETH-PERPETUAL": -0.999487053 * index } }],
    risk: { presets: ["deribit-pm"] },
  };
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
/**
 * Published components are rounded at the 11th decimal; Deribit's own risk_matrix_margin differs from
 * the sum of its published components by 3.8e-10 (A) — their internal rounding — and MM/IM inherit it.
 * So components are checked to 2e-12 and the totals to 5e-10 (absolute, coin).
 */
const COMPONENT_TOL = 2e-12;
const TOTAL_TOL = 5e-10;
const abs = (a: number, b: number) => Math.abs(a - b);

for (const backend of BACKENDS) {
  describe(`deribit-pm published checks [${backend}]`, () => {
    const engine = new Engine(makeKernel(backend));

    it("(A) BTC perpetual + dated future, coin-margined: worst case, roll shock, RMM, MM", () => {
      const ctx = engine.context(parseBook(exampleA()));
      const [r] = deribitPmMargins(ctx);
      const c = r.components;
      expect(r.currency).toBe("BTC");
      expect(abs(c.worst_case, 0.05968587238)).toBeLessThan(COMPONENT_TOL);
      expect(abs(c.roll_shock, 0.00315725898)).toBeLessThan(COMPONENT_TOL);
      expect(c.delta_shock).toBe(0);
      expect(c.correlation_contingency).toBe(0);
      expect(abs(c.risk_matrix_margin, 0.06284313098)).toBeLessThan(TOTAL_TOL);
      expect(abs(r.maintenance, 0.050274504784)).toBeLessThan(TOTAL_TOL);
      // No MMP margin and no orders in the book: IM = risk-matrix margin.
      expect(r.initial).toBeCloseTo(c.risk_matrix_margin, 15);
      // Deribit reports the worst case in bucket 1 (−16 %), left side, standard table.
      expect(r.worst?.underlying).toBe("BTC");
      expect(r.worst?.label).toMatch(/^-16% vol/);
      expect(r.worst!.pnl).toBeCloseTo(-0.05968587238, 10);
    });

    it("(A) full IM with mmp_margin 0.06 as an override: 0.122861343 less the 0.000018212 open-orders margin", () => {
      const ctx = engine.context(parseBook(exampleA({ mmp_margin: 0.06 })));
      const [r] = deribitPmMargins(ctx);
      expect(r.components.mmp_margin).toBe(0.06);
      // The example's open orders are not published, only their margin: add it to compare the total.
      expect(abs(r.initial + 0.000018212, 0.122861343)).toBeLessThan(TOTAL_TOL);
    });

    it("(A) the dated future's extended entries equal its edge values, gains zeroed by pnl_offset 0", () => {
      const ctx = engine.context(parseBook(exampleA()));
      const p = pmParamsFor(ctx.overrides);
      const [d] = riskMatrixMargins(ctx, ctx.book.accounts, p, ctx.layout);
      const x = d.underlyings[0];
      const edgeDown = x.preAggregated[0]; // −16 %, vol up
      const edgeUp = x.preAggregated[24]; // +16 %, vol up
      expect(x.preAggregated.length).toBe(35);
      expect(edgeDown).toBeCloseTo((0.314538364 - 0.001187534) * (-0.16 / 0.84), 10);
      for (const e of [27, 28]) expect(x.preAggregated[e]).toBeCloseTo(edgeDown, 14); // −66 %, −33 %
      for (let e = 29; e < 35; e++) expect(x.preAggregated[e]).toBeCloseTo(edgeUp, 14); // +50 % … +500 %
      for (const v of x.aggregated) expect(v).toBeLessThanOrEqual(0);
    });

    it("(B) ETH short perpetual, pnl_offset 0.6: worst case, roll shock, IM, MM", () => {
      const ctx = engine.context(parseBook(exampleB()));
      const [r] = deribitPmMargins(ctx);
      const c = r.components;
      expect(abs(c.worst_case, 0.15246412673)).toBeLessThan(COMPONENT_TOL);
      expect(abs(c.roll_shock, 0.004997435265)).toBeLessThan(COMPONENT_TOL);
      expect(abs(r.initial, 0.157461562)).toBeLessThan(TOTAL_TOL); // published to 9 decimals
      expect(abs(c.risk_matrix_margin, 0.157461562265)).toBeLessThan(TOTAL_TOL);
      expect(abs(r.maintenance, 0.125969249812)).toBeLessThan(TOTAL_TOL);
      expect(r.worst?.label).toMatch(/^\+18% vol/);
      // Aggregated gains = 0.6 × pre-aggregated (the −18 % entry is a gain for a short).
      const [d] = riskMatrixMargins(ctx, ctx.book.accounts, pmParamsFor(ctx.overrides), ctx.layout);
      const x = d.underlyings[0];
      expect(x.preAggregated[0]).toBeCloseTo(0.999487053 * (0.18 / 0.82), 10);
      expect(x.aggregated[0]).toBeCloseTo(0.6 * x.preAggregated[0], 14);
    });

    it("is registered, evaluated by the engine and reported under its name", () => {
      expect(getPreset("deribit-pm").name).toBe("deribit-pm");
      const rep = engine.evaluate(exampleB());
      const m = rep.accounts[0].margin["deribit-pm"];
      expect(abs(m.maintenance, 0.125969249812)).toBeLessThan(TOTAL_TOL);
      expect(rep.accounts[0].margin.cross).toBeDefined();
    });
  });

  describe(`deribit-pm mechanics [${backend}]`, () => {
    const engine = new Engine(makeKernel(backend));
    const index = 60_000;
    const now = Date.UTC(2026, 0, 1, 8);
    const book = (positions: Record<string, number>, extra: Partial<BookInput> = {}, currency = "USD"): BookInput => ({
      valuationTime: now,
      markets: { BTC: { index }, ETH: { index: 3_000 } },
      instruments: [
        { id: "BTC-PERPETUAL" }, { id: "BTC_USDC-PERPETUAL" }, { id: "BTC-27MAR26" },
        { id: "BTC-27MAR26-40000-P", vol: 0.6 }, { id: "BTC_USDC-27MAR26-90000-C", vol: 0.55 },
        { id: "BTC-27MAR26-60000-C", vol: 0.5 }, { id: "ETH_USDC-PERPETUAL" },
      ],
      accounts: [{ id: "x", currency, positions }],
      risk: { presets: ["deribit-pm"] },
      ...extra,
    });
    const pm = (b: BookInput) => deribitPmMargins(engine.context(parseBook(b)))[0];

    it("roll shock of a dated expiry: (e^{amr·T} − 1) × |Δ| once above the minimum", () => {
      // 85 days at amr 0.075: e^{0.075·85/365} − 1 = 0.01762 > 0.01.
      const r = pm(book({ "BTC-27MAR26": 10 * index }));
      const T = (Date.UTC(2026, 2, 27, 8) - now) / (365 * 86_400_000);
      expect(r.components.roll_shock).toBeCloseTo((Math.exp(0.075 * T) - 1) * 10 * index, 6);
    });

    it("roll shock counts a bucket once even when its delta passes through zero within the account", () => {
      // Found by the hedge property: x, −x, x on one perpetual rolled |x| three times (the bucket was
      // listed again each time its running delta came back to 0). Perpetuals roll at min_annualised_move.
      const coins = 0.0014;
      const once = parseBook(book({ "BTC-PERPETUAL": -coins * index }));
      const thrice = parseBook(book({}));
      const leg = (q: number) => ({ instrument: "BTC-PERPETUAL", qty: q * index });
      thrice.accounts[0].positions = [leg(-coins), leg(coins), leg(0), leg(-coins)];
      const a = deribitPmMargins(engine.context(once))[0];
      const b = deribitPmMargins(engine.context(thrice))[0];
      expect(a.components.roll_shock).toBeCloseTo(0.01 * coins * index, 9);
      expect(b.components.roll_shock).toBe(a.components.roll_shock);
      expect(b.initial).toBe(a.initial);
      // Two instruments of one bucket that cancel, then a third position in it: the inverse and the
      // linear perpetual share the perpetual bucket.
      const mixed = parseBook(book({}));
      mixed.accounts[0].positions = [leg(1), { instrument: "BTC_USDC-PERPETUAL", qty: -1 }, leg(-coins)];
      const c = deribitPmMargins(engine.context(mixed))[0];
      expect(c.components.roll_shock).toBeCloseTo(0.01 * coins * index, 9);
    });

    it("delta shock above the liquidity threshold: |Δ| × min((|Δ| − thr/index)·m_inc, max_delta_shock)", () => {
      const coins = 500; // 30 M USD > 20 M
      const r = pm(book({ "BTC_USDC-PERPETUAL": coins }));
      const rate = Math.min((coins - 20e6 / index) * 0.00005, 0.1);
      expect(r.components.delta_shock).toBeCloseTo(coins * rate * index, 6);
      const capped = pm(book({ "BTC_USDC-PERPETUAL": 5000 }));
      expect(capped.components.delta_shock).toBeCloseTo(5000 * 0.1 * index, 4);
    });

    it("extended table: far-OTM short put is scaled by range/|m| and dampened; linear legs use the edge", () => {
      const positions = { "BTC-27MAR26-40000-P": -100, "BTC_USDC-PERPETUAL": 1 };
      const run = (overrides: Record<string, unknown>) => {
        const b = parseBook(book(positions, { risk: { presets: ["deribit-pm"], overrides } }));
        const ctx = engine.context(b);
        return riskMatrixMargins(ctx, b.accounts, pmParamsFor(ctx.overrides), ctx.layout)[0].underlyings[0];
      };
      const raw = run({ extended_dampener: 0 });
      const damped = run({});
      const perpEdge = 1 * index * -0.16;
      // −66 %: the puts are deep in the money; the perpetual contributes its −16 % value.
      const scaled = raw.preAggregated[27] - perpEdge; // X·0.16/0.66
      expect(scaled).toBeLessThan(-0.16 / 0.66 * 100 * 15_000);
      const d = (0.66 / 0.16 - 1) * 100_000;
      expect(damped.preAggregated[27]).toBeCloseTo(scaled + d + perpEdge, 6);
      // −33 %: a smaller dampener, (0.33/0.16 − 1) × 100 000.
      const scaled33 = raw.preAggregated[28] - perpEdge;
      expect(damped.preAggregated[28]).toBeCloseTo(scaled33 + (0.33 / 0.16 - 1) * 100_000 + perpEdge, 6);
      // A loss smaller than its dampener is dampened to zero: 1 put instead of 100.
      const one = parseBook(book({ "BTC-27MAR26-40000-P": -1 }));
      const x = riskMatrixMargins(engine.context(one), one.accounts, pmParamsFor({}))[0].underlyings[0];
      expect(x.preAggregated[27]).toBeCloseTo(0, 6);
      expect(x.preAggregated[28]).toBeCloseTo(0, 6);
    });

    it("dampener zero, factor 1: the extended entry of an option is its P&L × range/|m|", () => {
      const b = parseBook(book({ "BTC_USDC-27MAR26-90000-C": -10 }, { risk: { presets: ["deribit-pm"], overrides: { extended_dampener: 0 } } }));
      const ctx = engine.context(b);
      const x = riskMatrixMargins(ctx, b.accounts, pmParamsFor(ctx.overrides), ctx.layout)[0].underlyings[0];
      const b2 = parseBook(book({ "BTC_USDC-27MAR26-90000-C": -10 }, {
        risk: { presets: ["deribit-pm"], overrides: { extended_dampener: 0, extended_table_factor: 0.5 } },
      }));
      const ctx2 = engine.context(b2);
      const y = riskMatrixMargins(ctx2, b2.accounts, pmParamsFor(ctx2.overrides), ctx2.layout)[0].underlyings[0];
      for (let e = 27; e < 35; e++) expect(y.preAggregated[e]).toBeCloseTo(0.5 * x.preAggregated[e], 6);
      // +100 % move: a short 90 000 call loses about (120 000 − 90 000 + time value) × 10; × 0.16/1.
      expect(x.preAggregated[30]).toBeLessThan(-0.16 * 30_000 * 10);
    });

    it("coin-margined inverse option: extended P&L re-valued at the edge price", () => {
      const positions = { "BTC-27MAR26-60000-C": -5 };
      const over = { risk: { presets: ["deribit-pm"], overrides: { extended_dampener: 0 } } };
      const usdBook = parseBook(book(positions, over));
      const usd = riskMatrixMargins(engine.context(usdBook), usdBook.accounts, pmParamsFor({ extended_dampener: 0 }))[0]
        .underlyings[0];
      const coinBook = parseBook(book(positions, over, "BTC"));
      const ctx = engine.context(coinBook);
      const coin = riskMatrixMargins(ctx, coinBook.accounts, pmParamsFor({ extended_dampener: 0 }))[0].underlyings[0];
      // USD account: entry = (E(m) − E0)·r/|m|, E = USD value of the short calls.
      // Coin account: X_coin = E(m)/(index·(1+m)) − E0/index, entry = X_coin·(1+m)/(1+r)·r/|m|
      //   ⇒ entry·index·(1+r) = USD entry − E0·m·r/|m| (the premium re-valued in coin).
      const E0 = -5 * ctx.base.value[ctx.table.indexOf.get("BTC-27MAR26-60000-C")!] * index;
      const moves = [-0.66, -0.33, 0.5, 1, 2, 3, 4, 5];
      for (let e = 27; e < 35; e++) {
        const m = moves[e - 27];
        const expected = (usd.preAggregated[e] - (E0 * m * 0.16) / Math.abs(m)) / (index * (m < 0 ? 0.84 : 1.16));
        expect(coin.preAggregated[e]).toBeCloseTo(expected, 9);
      }
    });

    it("open orders: IM adds the worse side's extra risk-matrix margin; MM ignores orders", () => {
      const b = book({ "BTC_USDC-PERPETUAL": 2 });
      const plain = pm(b);
      b.accounts![0].orders = { "BTC_USDC-PERPETUAL": 1, "BTC-27MAR26-40000-P": -3 } as Record<string, number>;
      const withOrders = pm(b);
      expect(withOrders.components.open_orders_margin).toBeGreaterThan(0);
      expect(withOrders.initial).toBeCloseTo(plain.initial + withOrders.components.open_orders_margin, 8);
      expect(withOrders.maintenance).toBe(plain.maintenance);
      // The buy side alone (3 perps) is the worse side here? Compare with both filled separately.
      const buys = pm(book({ "BTC_USDC-PERPETUAL": 3 })).components.risk_matrix_margin;
      const sells = pm(book({ "BTC_USDC-PERPETUAL": 2, "BTC-27MAR26-40000-P": -3 })).components.risk_matrix_margin;
      expect(withOrders.components.open_orders_margin).toBeCloseTo(Math.max(buys, sells) - plain.components.risk_matrix_margin, 8);
    });

    it("two underlyings: worst cases add up (no cross-underlying credit), components per underlying", () => {
      const both = pm(book({ "BTC_USDC-PERPETUAL": 1, "ETH_USDC-PERPETUAL": -20 }));
      const btc = pm(book({ "BTC_USDC-PERPETUAL": 1 }));
      const eth = pm(book({ "ETH_USDC-PERPETUAL": -20 }));
      expect(both.components.worst_case).toBeCloseTo(btc.components.worst_case + eth.components.worst_case, 8);
      expect(both.components["BTC.worst_case"]).toBeCloseTo(btc.components.worst_case, 8);
      expect(both.components["ETH.worst_case"]).toBeCloseTo(eth.components.worst_case, 8);
      expect(both.components.correlation_contingency).toBe(0);
    });

    it("overrides: global and per underlying; bad values are RiskErrors", () => {
      const b = book({ "BTC_USDC-PERPETUAL": 1 }, { risk: { presets: ["deribit-pm"], overrides: { BTC: { price_range: 0.1 } } } });
      expect(pm(b).components.worst_case).toBeCloseTo(0.1 * index, 6);
      const b2 = book({ "BTC_USDC-PERPETUAL": 1 }, { risk: { presets: ["deribit-pm"], overrides: { mm_factor: 0.5 } } });
      expect(pm(b2).maintenance).toBeCloseTo(0.5 * pm(b2).components.risk_matrix_margin, 8);
      const bad = book({ "BTC_USDC-PERPETUAL": 1 }, { risk: { presets: ["deribit-pm"], overrides: { mm_factor: 1.5 } } });
      expect(() => pm(bad)).toThrowError(/mm_factor/);
      const bad2 = book({ "BTC_USDC-PERPETUAL": 1 }, { risk: { presets: ["deribit-pm"], overrides: { BTC: { buckets_count: 2.5 } } } });
      expect(() => pm(bad2)).toThrowError(/buckets_count/);
    });

    it("per-underlying bucket counts and vega powers run as separate scenario sets", () => {
      const b = book({ "BTC_USDC-PERPETUAL": 1, "ETH_USDC-PERPETUAL": 1 }, {
        risk: { presets: ["deribit-pm"], overrides: { ETH: { buckets_count: 6, short_term_vega_power: 0.5 } } },
      });
      const r = pm(b);
      expect(r.components["BTC.worst_case"]).toBeCloseTo(0.16 * index, 6);
      expect(r.components["ETH.worst_case"]).toBeCloseTo(0.18 * 3000, 6);
    });
  });
}
