/**
 * span: risk-array assembly against McMillan, Options as a Strategic Investment, ch. 34 (pp. 669–670;
 * METHODOLOGIES §2.4), the engine's own arrays against an independent Black-76, and the SPAN
 * aggregation (short option minimum, inter-commodity credit, IM/MM), on every backend.
 *
 * McMillan's arrays are P&L per contract (gain positive), in SPAN's scenario order; the option array
 * came from the clearing house's own pricing, so it is used here as an *input* to the assembly (scan
 * risk, covered write = sum of arrays). The future's array is reproduced by the engine: an S&P 500
 * future (multiplier 500, at 400 → notional 200 000) with a price scan range of 5 % = 10 000 USD.
 */
import { describe, expect, it } from "vitest";
import { Engine } from "../src/engine/engine.js";
import { parseBook } from "../src/book/index.js";
import type { BookInput } from "../src/types.js";
import { combineArrays, riskArray, scanRisk, spanMargins, spanParamsFor, spanScenarios } from "../src/margin/span/index.js";
import "../src/margin/presets.js";
import { BACKENDS, makeKernel } from "./helpers/backends.js";

// McMillan ch. 34, in SPAN order 1 … 16.
const MCMILLAN_FUTURE = [0, 0, 3330, 3330, -3330, -3330, 6670, 6670, -6670, -6670, 10000, 10000, -10000, -10000, 7000, -7000];
const MCMILLAN_CALL_410 = [460, -610, 2640, 1730, -1270, -2340, 5210, 4540, -2540, -3430, 8060, 7640, -3380, -3990, 3130, -1500];

// ── independent Black-76 (not the kernel's code): erf by series / continued fraction ──
function erfc(z: number): number {
  if (z < 0) return 2 - erfc(-z);
  if (z < 2.5) {
    let term = z;
    let sum = z;
    for (let n = 1; n < 200; n++) {
      term *= (-z * z) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-18) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(z) = e^{−z²}/√π · 1/(z + 1/2/(z + 1/(z + 3/2/(z + …)))) evaluated bottom-up
  let f = z;
  for (let n = 60; n >= 1; n--) f = z + n / 2 / f;
  return Math.exp(-z * z) / Math.sqrt(Math.PI) / f;
}
const Phi = (x: number) => 0.5 * erfc(-x / Math.SQRT2);
function b76(call: boolean, F: number, K: number, T: number, sigma: number, r = 0): number {
  const sd = sigma * Math.sqrt(T);
  const d1 = Math.log(F / K) / sd + sd / 2;
  const d2 = d1 - sd;
  const df = Math.exp(-r * T);
  return call ? df * (F * Phi(d1) - K * Phi(d2)) : df * (K * Phi(-d2) - F * Phi(-d1));
}

const NOW = Date.UTC(2026, 0, 2, 8);
const DEC = "2026-12-18T14:30:00Z";
function spxBook(positions: Record<string, number>, overrides: Record<string, unknown> = {}): BookInput {
  return {
    valuationTime: NOW,
    markets: { SPX: { index: 400, forwards: { [DEC]: 400 } } },
    instruments: [
      { id: "SP-DEC", kind: "future", underlying: "SPX", settlement: "linear", contractSize: 500, expiry: DEC },
      { id: "SP-DEC-410-C", kind: "option", underlying: "SPX", right: "call", strike: 410, expiry: DEC,
        settlement: "linear", contractSize: 500, vol: 0.2 },
      { id: "SP-DEC-380-P", kind: "option", underlying: "SPX", right: "put", strike: 380, expiry: DEC,
        settlement: "linear", contractSize: 500, vol: 0.22 },
    ],
    accounts: [{ id: "a", currency: "USD", positions }],
    risk: { presets: ["span"], overrides: { SPX: { price_scan_range: 0.05, volatility_scan_range: 0.03 }, ...overrides } },
  };
}

describe("span: scenario order and assembly (McMillan ch. 34 arrays as inputs)", () => {
  it("SPAN's order: unchanged, ±⅓, ±⅔, ±3⁄3 each vol up then down; then ±2× at 35 %", () => {
    const sc = spanScenarios();
    expect(sc.map((s) => s.price)).toEqual([0, 0, 1 / 3, 1 / 3, -1 / 3, -1 / 3, 2 / 3, 2 / 3, -2 / 3, -2 / 3, 1, 1, -1, -1, 2, -2]);
    expect(sc.map((s) => s.vol)).toEqual([1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 0, 0]);
    expect(sc.map((s) => s.extreme)).toEqual([...new Array(14).fill(false), true, true]);
  });

  it("35 % cover of the extreme moves: a 20 000 move of the future counts 7 000", () => {
    const raw = [0, 0, 3330, 3330, -3330, -3330, 6670, 6670, -6670, -6670, 10000, 10000, -10000, -10000, 20000, -20000];
    expect(riskArray(raw)).toEqual(MCMILLAN_FUTURE);
  });

  it("long Dec 410 call: scan risk 3 990 (futures down 3/3, vol down)", () => {
    const r = scanRisk(MCMILLAN_CALL_410);
    expect(r.risk).toBe(3990);
    expect(r.scenario).toBe(13); // scenario 14
    expect(spanScenarios()[r.scenario].label).toBe("price down 3/3, vol down");
  });

  it("covered write (long future, short call) = sum of arrays: worst −6 620 (futures down 3/3, vol up)", () => {
    const cw = combineArrays([MCMILLAN_FUTURE, MCMILLAN_CALL_410], [1, -1]);
    expect(cw[12]).toBe(-6620);
    const r = scanRisk(cw);
    expect(r.risk).toBe(6620);
    expect(r.scenario).toBe(12); // scenario 13
    expect(spanScenarios()[12].label).toBe("price down 3/3, vol up");
  });
});

for (const backend of BACKENDS) {
  describe(`span on the engine [${backend}]`, () => {
    const engine = new Engine(makeKernel(backend));
    const detail = (b: BookInput) => {
      const book = parseBook(b);
      const ctx = engine.context(book);
      return spanMargins(ctx, book.accounts, ctx.layout, spanParamsFor(ctx.overrides))[0];
    };
    const spx = (b: BookInput) => detail(b).underlyings.find((x) => x.underlying === "SPX")!;

    it("reproduces McMillan's S&P 500 future array (±3 330 / ±6 670 / ±10 000, extremes ±7 000)", () => {
      const x = spx(spxBook({ "SP-DEC": 1 }));
      // McMillan rounds to tens: ⅓ × 10 000 = 3 333.33 prints as 3 330.
      x.riskArray.forEach((v, s) => expect(Math.abs(v - MCMILLAN_FUTURE[s])).toBeLessThan(5));
      expect(x.riskArray[10]).toBeCloseTo(10_000, 9);
      expect(x.riskArray[14]).toBeCloseTo(7_000, 9);
      expect(x.scanRisk).toBeCloseTo(10_000, 9);
    });

    it("engine option arrays equal an independent Black-76 (absolute vol scan: σ ± 3 points)", () => {
      const T = (Date.parse(DEC) - NOW) / (365 * 86_400_000);
      for (const [id, call, K, vol, qty] of [["SP-DEC-410-C", true, 410, 0.2, 1], ["SP-DEC-380-P", false, 380, 0.22, -2]] as const) {
        const x = spx(spxBook({ [id]: qty }));
        const base = b76(call, 400, K, T, vol);
        spanScenarios().forEach((sc, s) => {
          const F = 400 * (1 + sc.price * 0.05);
          const v = b76(call, F, K, T, vol + sc.vol * 0.03);
          const expected = qty * 500 * (v - base) * (sc.extreme ? 0.35 : 1);
          expect(Math.abs(x.riskArray[s] - expected)).toBeLessThan(1e-6);
        });
      }
    });

    it("relative vol scan (volatility_scan_type 1): σ·(1 ± range)", () => {
      const T = (Date.parse(DEC) - NOW) / (365 * 86_400_000);
      const x = spx(spxBook({ "SP-DEC-410-C": 1 }, { SPX: { price_scan_range: 0.05, volatility_scan_range: 0.25, volatility_scan_type: 1 } }));
      const base = b76(true, 400, 410, T, 0.2);
      expect(x.riskArray[0]).toBeCloseTo(500 * (b76(true, 400, 410, T, 0.25) - base), 7);
      expect(x.riskArray[1]).toBeCloseTo(500 * (b76(true, 400, 410, T, 0.15) - base), 7);
    });

    it("engine covered write: scan risk = largest loss of the summed arrays", () => {
      const fut = spx(spxBook({ "SP-DEC": 1 })).riskArray;
      const call = spx(spxBook({ "SP-DEC-410-C": 1 })).riskArray;
      const cw = spx(spxBook({ "SP-DEC": 1, "SP-DEC-410-C": -1 }));
      const sum = combineArrays([fut, call], [1, -1]);
      cw.riskArray.forEach((v, s) => expect(v).toBeCloseTo(sum[s], 7));
      expect(cw.scanRisk).toBeCloseTo(scanRisk(sum).risk, 7);
      // Worst scenario of a covered write: futures down 3/3 with vol up (as McMillan's).
      expect(cw.scenario).toBe(12);
    });

    it("short option minimum applies when scan risk is smaller; IM = 1.1 × MM", () => {
      // A far-OTM short put with a tiny scan range: scan risk below 3 % × 400 × 500 × 2.
      const d = detail(spxBook({ "SP-DEC-380-P": -2 }, { SPX: { price_scan_range: 0.001, volatility_scan_range: 0.001 } }));
      const x = d.underlyings[0];
      expect(x.shortOptionMinimum).toBeCloseTo(0.03 * 400 * 500 * 2, 9);
      expect(x.scanRisk).toBeLessThan(x.shortOptionMinimum);
      expect(d.maintenance).toBeCloseTo(x.shortOptionMinimum, 9);
      expect(d.initial).toBeCloseTo(1.1 * d.maintenance, 9);
    });

    const cryptoBook = (positions: Record<string, number>, overrides: Record<string, unknown> = {}): BookInput => ({
      valuationTime: NOW,
      markets: { BTC: { index: 60_000 }, ETH: { index: 3_000 }, SOL: { index: 150 } },
      instruments: [{ id: "BTC_USDC-PERPETUAL" }, { id: "ETH_USDC-PERPETUAL" }, { id: "SOL_USDC-PERPETUAL" }],
      accounts: [{ id: "a", currency: "USD", positions }],
      risk: { presets: ["span"], overrides },
    });

    it("inter-commodity credit: long BTC / short ETH of equal USD delta gets rate × scan risk on both legs", () => {
      const d = detail(cryptoBook({ "BTC_USDC-PERPETUAL": 1, "ETH_USDC-PERPETUAL": -20 }));
      const [btc, eth] = d.underlyings;
      expect(btc.scanRisk).toBeCloseTo(0.3 * 60_000, 6); // scan 3/3 (> 35 % × 2×)
      expect(eth.scanRisk).toBeCloseTo(0.35 * 60_000, 6);
      expect(btc.credit).toBeCloseTo(0.5 * btc.scanRisk, 6);
      expect(eth.credit).toBeCloseTo(0.5 * eth.scanRisk, 6);
      expect(d.maintenance).toBeCloseTo(0.5 * (btc.scanRisk + eth.scanRisk), 6);
    });

    it("inter-commodity credit: only the spread part of the delta, none for same-sign deltas or rate 0", () => {
      const half = detail(cryptoBook({ "BTC_USDC-PERPETUAL": 1, "ETH_USDC-PERPETUAL": -10 }));
      expect(half.underlyings[0].credit).toBeCloseTo(0.5 * half.underlyings[0].scanRisk * 0.5, 6);
      expect(half.underlyings[1].credit).toBeCloseTo(0.5 * half.underlyings[1].scanRisk, 6);
      const same = detail(cryptoBook({ "BTC_USDC-PERPETUAL": 1, "ETH_USDC-PERPETUAL": 20 }));
      expect(same.underlyings.every((x) => x.credit === 0)).toBe(true);
      const sol = detail(cryptoBook({ "BTC_USDC-PERPETUAL": 1, "SOL_USDC-PERPETUAL": -400 }));
      expect(sol.underlyings.every((x) => x.credit === 0)).toBe(true);
      const solOn = detail(cryptoBook({ "BTC_USDC-PERPETUAL": 1, "SOL_USDC-PERPETUAL": -400 }, { SOL: { inter_commodity_credit_rate: 0.2 } }));
      expect(solOn.underlyings[0].credit).toBeCloseTo(0.2 * solOn.underlyings[0].scanRisk, 6);
    });

    it("evaluated by the engine under its name, with the worst scenario", () => {
      const rep = engine.evaluate(spxBook({ "SP-DEC": 1, "SP-DEC-410-C": -1 }));
      const m = rep.accounts[0].margin.span;
      expect(m.model).toBe("span");
      expect(m.maintenance).toBeGreaterThan(0);
      expect(m.initial).toBeCloseTo(1.1 * m.maintenance, 9);
      expect(m.worst?.label).toBe("price down 3/3, vol up");
      expect(m.components.scan_risk).toBeCloseTo(-m.worst!.pnl, 9);
    });

    it("bad overrides are RiskErrors", () => {
      expect(() => detail(spxBook({ "SP-DEC": 1 }, { SPX: { price_scan_range: 0.6 } }))).toThrowError(/price_scan_range/);
      expect(() => detail(spxBook({ "SP-DEC": 1 }, { volatility_scan_type: 2 }))).toThrowError(/volatility_scan_type/);
    });
  });
}
