/**
 * The `dynamic` option of the grid presets: each scan range becomes max(preset range, z·σ·√h) with σ the
 * EWMA forecast of the history (checked against dynamicRange itself and a hand recursion), so margins
 * never fall and rise when the forecast passes the preset's range.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BACKENDS } from "./helpers/backends.js";
import { initSync, parsePriceCsv, RiskError } from "../src/index.js";
import { withDynamicRanges } from "../src/margin/dynamic-ranges.js";
import { parseBook } from "../src/book/index.js";

const history = parsePriceCsv(readFileSync(new URL("../examples/data/prices-btc-eth-sol.csv", import.meta.url), "utf8"));
const bookText = readFileSync(new URL("../examples/var-book.json", import.meta.url), "utf8");

/** EWMA (λ 0.94) daily vol of the last 1000 log returns, seeded with the mean square of the first 30. */
function ewmaVol(asset: string): number {
  const a = history.assets.indexOf(asset);
  const c = history.closes[a].filter((x) => Number.isFinite(x));
  const r = c.slice(1).map((x, i) => Math.log(x / c[i])).slice(-1000);
  let v = r.slice(0, 30).reduce((s, x) => s + x * x, 0) / 30;
  for (const x of r) v = 0.94 * v + 0.06 * x * x;
  return Math.sqrt(v);
}

describe("dynamic scan ranges", () => {
  it("price_range and price_scan_range become max(preset, z·σ·√h) per underlying", () => {
    const book = parseBook(bookText);
    const z = 5;
    const out = withDynamicRanges(book, history, { z, horizon: 2 });
    for (const u of ["BTC", "ETH", "SOL"]) {
      const o = out.risk.overrides[u] as Record<string, number>;
      const scan = z * ewmaVol(u) * Math.sqrt(2);
      // deribit-pm: BTC 0.16 / ETH 0.18 (others BTC's); span: BTC 0.30 / ETH 0.35 / others 0.40.
      const pmBase = u === "ETH" ? 0.18 : 0.16;
      const spanBase = u === "BTC" ? 0.3 : u === "ETH" ? 0.35 : 0.4;
      expect(o.price_range).toBeCloseTo(Math.max(pmBase, scan), 3);
      expect(o.price_scan_range).toBeCloseTo(Math.max(spanBase, scan), 3);
    }
  });

  it.each(BACKENDS)("margins never fall and rise with z on %s", (backend) => {
    const engine = initSync({ backend });
    const im = (opts: object) => engine.evaluate(bookText, { presets: ["deribit-pm", "span"], history, ...opts })
      .accounts.map((a) => [a.margin["deribit-pm"].initial, a.margin.span.initial]).flat();
    const base = im({});
    const low = im({ dynamic: { z: 0.1 } });
    const high = im({ dynamic: { z: 8 } });
    low.forEach((x, i) => expect(x).toBe(base[i])); // a tiny z never binds
    high.forEach((x, i) => expect(x).toBeGreaterThanOrEqual(base[i]));
    expect(high.some((x, i) => x > base[i] * 1.05)).toBe(true);
  });

  it("without a history the option is E_REQUIRED at history", () => {
    const engine = initSync({ backend: "js" });
    try {
      engine.evaluate(bookText, { dynamic: true });
      expect.fail("accepted dynamic without history");
    } catch (e) {
      expect((e as RiskError).code).toBe("E_REQUIRED");
      expect((e as RiskError).path).toBe("history");
    }
  });
});
