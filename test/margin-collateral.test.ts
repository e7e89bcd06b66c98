/**
 * Collateral haircuts: Binance's published tiered example (METHODOLOGIES §2.5), Drift's size-scaled
 * weight (§12), liabilities, the override shape, and the engine's equity, on every backend.
 */
import { describe, expect, it } from "vitest";
import { Engine } from "../src/engine/engine.js";
import { parseBook } from "../src/book/index.js";
import type { BookInput } from "../src/types.js";
import { collateralLines } from "../src/margin/collateral.js";
import {
  collateralSpec,
  collateralWeight,
  DEFAULT_COLLATERAL,
  sizeDiscountedWeight,
  sizePremiumLiabilityWeight,
  tieredValue,
} from "../src/margin/haircuts/index.js";
import { BACKENDS, makeKernel } from "./helpers/backends.js";

const bookWith = (collateral: Record<string, number>, overrides: Record<string, unknown> = {}, btc = 20_000): BookInput => ({
  valuationTime: "2026-01-02T08:00:00Z",
  markets: { BTC: { index: btc }, ETH: { index: 3_000 }, SOL: { index: 150 } },
  instruments: [{ id: "BTC-PERPETUAL" }],
  accounts: [{ id: "a", currency: "USD", collateral }],
  risk: { presets: ["standard"], overrides },
});
const counted = (b: BookInput) => {
  const book = parseBook(b);
  return collateralLines(book, book.accounts[0], book.risk.overrides);
};

describe("collateral haircuts", () => {
  it("Binance example: 6 000 BTC at 20 000 → 100 M × 100 % + 20 M × 97.5 % = 119 500 000 USDT", () => {
    const [l] = counted(bookWith({ BTC: 6000 }));
    expect(l.valueUsd).toBe(120_000_000);
    expect(l.collateralValueUsd).toBeCloseTo(119_500_000, 4);
    expect(l.valueUsd * l.weight).toBeCloseTo(119_500_000, 4);
    expect(l.method).toBe("tiered");
    expect(tieredValue(120_000_000, DEFAULT_COLLATERAL.BTC.tiers!)).toBe(119_500_000);
  });

  it("marginal tiers across every published bound, and beyond the last bound at the last ratio", () => {
    const t = DEFAULT_COLLATERAL.BTC.tiers!;
    expect(tieredValue(50e6, t)).toBe(50e6);
    expect(tieredValue(200e6, t)).toBeCloseTo(100e6 + 20e6 * 0.975 + 30e6 * 0.95 + 30e6 * 0.9 + 20e6 * 0.85, 3);
    expect(tieredValue(250e6, t)).toBeCloseTo(tieredValue(200e6, t) + 50e6 * 0.85, 3);
    // A tier list with a finite last bound continues at its last weight.
    expect(tieredValue(30, [{ upTo: 10, weight: 1 }, { upTo: 20, weight: 0.5 }])).toBe(10 + 5 + 5);
  });

  it("small holdings and stablecoins keep their full value; liabilities count in full", () => {
    const lines = counted(bookWith({ BTC: 1.2, USDC: 250_000, USDT: -1000 }));
    const by = Object.fromEntries(lines.map((l) => [l.asset, l]));
    expect(by.BTC.weight).toBe(1);
    expect(by.USDC.weight).toBe(1);
    expect(by.USDT.weight).toBe(1);
    expect(by.USDT.method).toBe("liability");
    expect(by.USDT.collateralValueUsd).toBe(-1000);
  });

  it("Drift size discount: weight = min(w0, 1.1 / (1 + imf·√size))", () => {
    expect(sizeDiscountedWeight(0.8, 0.001, 100)).toBe(0.8); // 1.1/1.01 > 0.8
    expect(sizeDiscountedWeight(0.8, 0.001, 1e6)).toBeCloseTo(1.1 / 2, 15); // √1e6 = 1000
    expect(sizeDiscountedWeight(0.8, 0, 1e12)).toBe(0.8);
    expect(sizePremiumLiabilityWeight(1.2, 0.001, 1e6)).toBeCloseTo(Math.max(1.2, 0.96 + 1), 15);
    const w = collateralWeight({ weight: 0.8, imf: 0.001 }, 1e6, 150);
    expect(w.weight).toBeCloseTo(0.55, 15);
    expect(w.method).toBe("size-scaled");
  });

  it("overrides: per asset (flat or tiers), `default` for assets without their own spec, imf on top", () => {
    const over = {
      collateral: {
        BTC: { weight: 0.95 },
        SOL: { weight: 0.8, imf: 0.001 },
        default: { weight: 0.5 },
        ETH: { tiers: [{ upTo: 1_000_000, weight: 0.9 }, { upTo: null, weight: 0.5 }] },
      },
    };
    const by = Object.fromEntries(counted(bookWith({ BTC: 10, SOL: 1e6, ETH: 1000, USDC: 100 }, over)).map((l) => [l.asset, l]));
    expect(by.BTC.weight).toBe(0.95); // weight without tiers makes BTC flat
    expect(by.BTC.method).toBe("flat");
    expect(by.SOL.weight).toBeCloseTo(0.55, 15);
    expect(by.ETH.collateralValueUsd).toBeCloseTo(1e6 * 0.9 + 2e6 * 0.5, 6);
    expect(by.USDC.weight).toBe(1); // stables have their own spec: `default` does not touch them
    expect(collateralSpec("DOGE", over).weight).toBe(0.5);
    expect(collateralSpec("DOGE").weight).toBe(1);
  });

  it("bad override specs are RiskErrors with the JSON path", () => {
    const bad = (collateral: unknown) => () => collateralSpec("BTC", { collateral });
    expect(bad({ BTC: { weight: 1.5 } })).toThrowError(/risk\.overrides\.collateral\.BTC\.weight/);
    expect(bad({ BTC: { tiers: [{ upTo: 10, weight: 1 }, { upTo: 5, weight: 0.9 }] } })).toThrowError(/tiers\[1\]\.upTo/);
    expect(bad({ BTC: { tiers: [{ upTo: null, weight: 1 }, { upTo: 5, weight: 0.9 }] } })).toThrowError(/tiers\[0\]\.upTo/);
    expect(bad({ BTC: { haircut: 0.1 } })).toThrowError(/unknown collateral field/);
    expect(bad([1, 2])).toThrowError(/risk\.overrides\.collateral/);
    expect(bad({ BTC: { liability_weight: 0.5 } })).toThrowError(/liability_weight/);
    expect(bad({ BTC: { weight: -1 } })).toThrowError(expect.objectContaining({ code: "E_PRESET" }));
  });
});

for (const backend of BACKENDS) {
  describe(`collateral in the engine's equity [${backend}]`, () => {
    const engine = new Engine(makeKernel(backend));
    it("equity = haircut collateral + mark value of positions (Binance example)", () => {
      const rep = engine.evaluate(bookWith({ BTC: 6000 }));
      expect(rep.accounts[0].collateralValue).toBeCloseTo(119_500_000, 3);
      expect(rep.accounts[0].equity).toBeCloseTo(119_500_000, 3);
    });
    it("an override changes equity", () => {
      const rep = engine.evaluate(bookWith({ BTC: 10, USDC: 1000 }, { collateral: { BTC: { weight: 0.9 } } }));
      expect(rep.accounts[0].collateralValue).toBeCloseTo(10 * 20_000 * 0.9 + 1000, 6);
    });
  });
}
