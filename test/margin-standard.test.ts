/**
 * standard (Deribit standard margin): the published futures tables (METHODOLOGIES §2.3), the option
 * rule (§3), isolated vs cross netting, long premiums, open orders and overrides, on every backend.
 */
import { describe, expect, it } from "vitest";
import { Engine } from "../src/engine/engine.js";
import { parseBook } from "../src/book/index.js";
import type { BookInput } from "../src/types.js";
import type { MarginResult } from "../src/margin/types.js";
import { shortOptionMargin, STANDARD_DEFAULTS } from "../src/margin/standard/index.js";
import "../src/margin/presets.js";
import { getPreset } from "../src/margin/registry.js";
import { BACKENDS, makeKernel } from "./helpers/backends.js";

const NOW = Date.UTC(2026, 0, 2, 8);

function book(markets: BookInput["markets"], positions: Record<string, number>, extra: Partial<BookInput["accounts"] extends (infer A)[] | undefined ? A : never> = {}, overrides: Record<string, unknown> = {}): BookInput {
  return {
    valuationTime: NOW,
    markets,
    instruments: [
      { id: "BTC_USDC-PERPETUAL" }, { id: "SOL_USDC-PERPETUAL" }, { id: "BTC-PERPETUAL" }, { id: "BTC-27MAR26" },
      { id: "BTC-26JUN26" }, { id: "BTC_USDC-27MAR26" }, { id: "ETH-PERPETUAL" }, { id: "XRP_USDC-PERPETUAL" },
      { id: "BTC-27MAR26-120000-C", vol: 0.55 }, { id: "BTC-27MAR26-80000-P", vol: 0.6 },
      { id: "BTC_USDC-27MAR26-95000-C", vol: 0.5 }, { id: "BTC_USDC-27MAR26-110000-P", vol: 0.5 },
      { id: "BTC_USDC", kind: "spot" },
    ],
    accounts: [{ id: "a", currency: "USD", positions, ...extra }],
    risk: { presets: ["standard"], overrides },
  };
}
const MKTS = { BTC: { index: 100_000 }, SOL: { index: 200 }, ETH: { index: 3_000 }, XRP: { index: 2 } };

for (const backend of BACKENDS) {
  describe(`standard margin [${backend}]`, () => {
    const engine = new Engine(makeKernel(backend));
    const ctxOf = (b: BookInput) => engine.context(parseBook(b));
    const std = (b: BookInput): { iso: MarginResult; cross: MarginResult } => {
      const [iso, cross] = getPreset("standard").evaluate(ctxOf(b))[0];
      return { iso, cross };
    };

    it("published: BTC_USDC perpetual at 100 000 — 25 BTC IM 53 125 / MM 28 125, 350 BTC IM 1 312 500", () => {
      const r25 = std(book(MKTS, { "BTC_USDC-PERPETUAL": 25 }));
      for (const r of [r25.iso, r25.cross]) {
        expect(r.initial).toBeCloseTo(53_125, 6);
        expect(r.maintenance).toBeCloseTo(28_125, 6);
        expect(r.worst).toBeNull();
      }
      expect(std(book(MKTS, { "BTC_USDC-PERPETUAL": 350 })).iso.initial).toBeCloseTo(1_312_500, 5);
      // Shorts are margined like longs.
      expect(std(book(MKTS, { "BTC_USDC-PERPETUAL": -350 })).cross.initial).toBeCloseTo(1_312_500, 5);
    });

    it("published: SOL_USDC at 200 — 6 000 SOL IM 84 000; 25 SOL MM 100.625", () => {
      expect(std(book(MKTS, { "SOL_USDC-PERPETUAL": 6000 })).iso.initial).toBeCloseTo(84_000, 6);
      expect(std(book(MKTS, { "SOL_USDC-PERPETUAL": 25 })).iso.maintenance).toBeCloseTo(100.625, 9);
    });

    it("inverse perpetual: size in coins = USD face / index, margin in coin (BTC account)", () => {
      const b = book(MKTS, { "BTC-PERPETUAL": 25 * 100_000 }, { currency: "BTC" });
      const { iso } = std(b);
      expect(iso.currency).toBe("BTC");
      expect(iso.initial).toBeCloseTo(25 * 0.02125, 12);
      expect(iso.maintenance).toBeCloseTo(25 * 0.01125, 12);
      // The same in a USD account, converted at the index.
      expect(std(book(MKTS, { "BTC-PERPETUAL": 25 * 100_000 })).iso.initial).toBeCloseTo(53_125, 6);
      // ETH: its own increase factor 0.0004 % per ETH: 1 000 ETH → 2.4 %.
      const eth = std(book(MKTS, { "ETH-PERPETUAL": 1000 * 3000 }, { currency: "ETH" })).iso;
      expect(eth.initial).toBeCloseTo(1000 * (0.02 + 1000 * 0.000004), 10);
    });

    it("dated inverse future: coins = face / forward (mark)", () => {
      const F = 101_000;
      const b = book({ ...MKTS, BTC: { index: 100_000, forwards: { "2026-03-27T08:00:00Z": F } } }, { "BTC-27MAR26": -F * 10 }, { currency: "BTC" });
      expect(std(b).iso.initial).toBeCloseTo(10 * (0.02 + 10 * 0.00005), 12);
    });

    it("other underlyings: riskgrid's documented default 5 % / 2.5 %, no size increase", () => {
      const r = std(book(MKTS, { "XRP_USDC-PERPETUAL": 1e6 })).iso;
      expect(r.initial).toBeCloseTo(0.05 * 2e6, 6);
      expect(r.maintenance).toBeCloseTo(0.025 * 2e6, 6);
    });

    it("cross nets futures of the same underlying and settlement before the tier formula; isolated does not", () => {
      const b = book(MKTS, { "BTC-PERPETUAL": 10 * 100_000, "BTC-26JUN26": -4 * 100_000, "BTC_USDC-PERPETUAL": 5 }, { currency: "BTC" });
      const { iso, cross } = std(b);
      // Forwards default to the index (rate 0), so coins = face / 100 000.
      const leg = (c: number) => c * (0.02 + c * 0.00005);
      const usdc = 5 * (0.02 + 5 * 0.00005) * 100_000 / 100_000; // USDC margin converted to BTC
      expect(iso.components.futures_im).toBeCloseTo(leg(10) + leg(4) + usdc, 12);
      expect(cross.components.futures_im).toBeCloseTo(leg(6) + usdc, 12);
      expect(cross.initial).toBeLessThan(iso.initial);
      // A perfect calendar spread carries no futures margin in cross.
      const cal = std(book(MKTS, { "BTC-PERPETUAL": 1e6, "BTC-26JUN26": -1e6 }));
      expect(cal.cross.initial).toBeCloseTo(0, 9);
      expect(cal.iso.initial).toBeCloseTo(2 * 10 * (0.02 + 10 * 0.00005) * 100_000, 6);
    });

    it("short options: max(0.15 − OTM/index, 0.10) × index + mark (IM), 0.075 × index + mark (MM)", () => {
      const b = book(MKTS, { "BTC_USDC-27MAR26-95000-C": -2, "BTC_USDC-27MAR26-110000-P": -1 });
      const ctx = ctxOf(b);
      const mark = (id: string) => ctx.base.value[ctx.table.indexOf.get(id)!];
      const { iso } = getPreset("standard").evaluate(ctx)[0].reduce((o, r) => ({ ...o, [r.model === "isolated" ? "iso" : "cross"]: r }), {} as { iso: MarginResult });
      const call = mark("BTC_USDC-27MAR26-95000-C"); // ITM call: OTM 0 → 15 %
      const put = mark("BTC_USDC-27MAR26-110000-P"); // ITM put: OTM 0 → 15 %
      const callIM = 0.15 * 100_000 + call;
      const callMM = 0.075 * 100_000 + call;
      const putMM = Math.max(0.075 * 100_000, 0.075 * put) + put;
      const putIM = Math.max(0.15 * 100_000 + put, putMM);
      expect(iso.components.short_options_im).toBeCloseTo(2 * callIM + putIM, 6);
      expect(iso.components.short_options_mm).toBeCloseTo(2 * callMM + putMM, 6);
      expect(iso.initial).toBeCloseTo(2 * callIM + putIM, 6);
    });

    it("inverse short options in coin: OTM call floored at 10 %, OTM put 15 % − OTM/index", () => {
      const b = book(MKTS, { "BTC-27MAR26-120000-C": -1, "BTC-27MAR26-80000-P": -3 }, { currency: "BTC" });
      const ctx = ctxOf(b);
      const mark = (id: string) => ctx.base.value[ctx.table.indexOf.get(id)!];
      const [iso] = getPreset("standard").evaluate(ctx)[0];
      const c = mark("BTC-27MAR26-120000-C");
      const p = mark("BTC-27MAR26-80000-P");
      const callIM = Math.max(0.15 - 20_000 / 100_000, 0.1) + c; // 0.10 floor
      const putIM = Math.max(0.15 - 20_000 / 100_000, 0.1) + p;
      const putMM = Math.max(0.075, 0.075 * p) + p;
      expect(iso.components.short_options_im).toBeCloseTo(callIM + 3 * Math.max(putIM, putMM), 12);
      expect(iso.components.short_options_mm).toBeCloseTo(0.075 + c + 3 * putMM, 12);
    });

    it("the short put MM floor: a deep-ITM inverse put (mark > 1 coin) uses 0.075 × mark", () => {
      const m = shortOptionMargin(STANDARD_DEFAULTS, "put", true, 40_000, 100_000, 1.5);
      expect(m.mm).toBeCloseTo(0.075 * 1.5 + 1.5, 12);
      expect(m.im).toBeCloseTo(Math.max(0.15 + 1.5, m.mm), 12);
    });

    it("long options and long spot: IM = MM = their mark value (no margin beyond the premium)", () => {
      const b = book(MKTS, { "BTC-27MAR26-120000-C": 4, "BTC_USDC": 0.5 });
      const ctx = ctxOf(b);
      const prem = 4 * ctx.base.value[ctx.table.indexOf.get("BTC-27MAR26-120000-C")!] * 100_000;
      const [iso, cross] = getPreset("standard").evaluate(ctx)[0];
      for (const r of [iso, cross]) {
        expect(r.components.long_options_premium).toBeCloseTo(prem, 6);
        expect(r.components.long_spot_value).toBeCloseTo(50_000, 6);
        expect(r.initial).toBeCloseTo(prem + 50_000, 6);
        expect(r.maintenance).toBeCloseTo(prem + 50_000, 6);
      }
    });

    it("open orders: IM with the worse side filled; MM unchanged", () => {
      const b = book(MKTS, { "BTC_USDC-PERPETUAL": 25 }, { orders: { "BTC_USDC-PERPETUAL": -5, "BTC_USDC-27MAR26-95000-C": -1 } });
      const ctx = ctxOf(b);
      const [iso] = getPreset("standard").evaluate(ctx)[0];
      const base = std(book(MKTS, { "BTC_USDC-PERPETUAL": 25 })).iso;
      // Sells: perp 20 and a short call; buys: none. The sell side here lowers the futures margin.
      const sells = std(book(MKTS, { "BTC_USDC-PERPETUAL": 20, "BTC_USDC-27MAR26-95000-C": -1 })).iso;
      expect(iso.components.open_orders_im).toBeCloseTo(Math.max(0, sells.initial - base.initial), 6);
      expect(iso.initial).toBeCloseTo(Math.max(base.initial, sells.initial), 6);
      expect(iso.maintenance).toBeCloseTo(base.maintenance, 9);
    });

    it("overrides: global and per underlying", () => {
      const b = book(MKTS, { "BTC_USDC-PERPETUAL": 25, "SOL_USDC-PERPETUAL": 25 }, {}, {
        BTC: { futures_increase_factor: 0 }, option_initial_margin: 0.2,
      });
      const r = std(b).iso;
      expect(r.components.futures_im).toBeCloseTo(0.02 * 2.5e6 + (0.04 + 25 * 0.000005) * 5000, 6);
      expect(() => std(book(MKTS, {}, {}, { futures_initial_margin: "x" }))).toThrowError(/futures_initial_margin/);
    });

    it("the engine always reports isolated and cross, with the capital-efficiency comparison", () => {
      const rep = engine.evaluate(book(MKTS, { "BTC-PERPETUAL": 1e6, "BTC-26JUN26": -1e6 }));
      const a = rep.accounts[0];
      expect(a.margin.isolated.initial).toBeGreaterThan(0);
      expect(a.margin.cross.initial).toBeCloseTo(0, 9);
      const row = a.capitalEfficiency.find((r) => r.model === "cross")!;
      expect(row.releasedPct).toBeCloseTo(1, 9);
    });
  });
}
