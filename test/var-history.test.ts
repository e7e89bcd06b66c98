/** Price-history CSV parsing and return alignment (src/history). */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { mergeHistories, parsePriceCsv } from "../src/history/csv.js";
import { alignReturns } from "../src/history/returns.js";
import { loadPriceHistory } from "../src/history/node-file.js";
import { RiskError } from "../src/errors.js";

const FIXTURE = new URL("./fixtures/prices/btc-eth-sol-closes-usdt-daily.csv", import.meta.url);

function riskError(fn: () => unknown): RiskError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(RiskError);
    return e as RiskError;
  }
  throw new Error("expected a RiskError");
}

describe("parsePriceCsv", () => {
  it("reads the wide fixture: 2243 rows, BTC/ETH/SOL, SOL empty before its listing", () => {
    const h = parsePriceCsv(readFileSync(FIXTURE, "utf8"), { source: "fixture" });
    expect(h.assets).toEqual(["BTC", "ETH", "SOL"]);
    expect(h.dates.length).toBe(2243);
    expect(h.dates[0]).toBe("2020-01-01");
    expect(h.dates[2242]).toBe("2026-02-20");
    expect(h.closes[0][0]).toBe(7200.85);
    expect(h.closes[2][0]).toBeNaN();
    const firstSol = h.closes[2].findIndex((x) => x === x);
    expect(h.dates[firstSol]).toBe("2020-08-11");
    expect(h.closes[2][2242]).toBe(84.67);
  });

  it("reads a single-asset OHLCV file (close column) with its asset name; CRLF, comments and blank lines", () => {
    const text = "# comment\r\ndate,open,high,low,close,volume\r\n2024-01-01,1,2,0.5,10,5\r\n\r\n2024-01-02,1,2,0.5,11,5\r\n";
    const h = parsePriceCsv(text, { asset: "btc" });
    expect(h.assets).toEqual(["BTC"]);
    expect(Array.from(h.closes[0])).toEqual([10, 11]);
    expect(riskError(() => parsePriceCsv(text)).code).toBe("E_REQUIRED");
  });

  it("accepts epoch-ms and ISO time stamps", () => {
    const h = parsePriceCsv(`time,btc\n${Date.UTC(2024, 0, 1)},1\n2024-01-02T00:00:00Z,2\n`);
    expect(h.dates).toEqual(["2024-01-01", "2024-01-02"]);
  });

  it("rejects bad input with a code and the line", () => {
    expect(riskError(() => parsePriceCsv("")).code).toBe("E_REQUIRED");
    expect(riskError(() => parsePriceCsv("price,btc\n2024-01-01,1\n")).code).toBe("E_REQUIRED");
    const bad = riskError(() => parsePriceCsv("date,btc\n2024-01-01,1\n2024-01-02,abc\n"));
    expect(bad.code).toBe("E_NOT_FINITE");
    expect(bad.path).toBe("history:line 3.btc");
    expect(riskError(() => parsePriceCsv("date,btc\n2024-01-01,-5\n")).code).toBe("E_NEGATIVE_PRICE");
    expect(riskError(() => parsePriceCsv("date,btc\n2024-01-02,1\n2024-01-01,1\n")).code).toBe("E_TIME");
    expect(riskError(() => parsePriceCsv("date,btc\n2024-01-01,1\n2024-01-01,1\n")).code).toBe("E_TIME");
    expect(riskError(() => parsePriceCsv("date,btc\nyesterday,1\n")).code).toBe("E_TIME");
    expect(riskError(() => parsePriceCsv("date,btc,btc\n2024-01-01,1,2\n")).code).toBe("E_DUPLICATE_ID");
    expect(riskError(() => parsePriceCsv("date,btc\n")).code).toBe("E_REQUIRED");
  });

  it("merges histories on dates", () => {
    const a = parsePriceCsv("date,btc\n2024-01-01,1\n2024-01-02,2\n");
    const b = parsePriceCsv("date,eth\n2024-01-02,20\n2024-01-03,30\n");
    const m = mergeHistories([a, b]);
    expect(m.dates).toEqual(["2024-01-01", "2024-01-02", "2024-01-03"]);
    expect(Array.from(m.closes[0])).toEqual([1, 2, NaN]);
    expect(Array.from(m.closes[1])).toEqual([NaN, 20, 30]);
  });

  it("loads files in Node (wide file, or per-asset OHLCV files named by asset)", () => {
    const h = loadPriceHistory(FIXTURE.pathname);
    expect(h.assets).toEqual(["BTC", "ETH", "SOL"]);
    expect(riskError(() => loadPriceHistory("/nonexistent/prices.csv")).code).toBe("E_REQUIRED");
  });
});

describe("alignReturns", () => {
  const h = parsePriceCsv(readFileSync(FIXTURE, "utf8"));

  it("takes the trailing run where every factor has a price, newest `window` returns", () => {
    const w = alignReturns(h, ["BTC", "SOL"]);
    expect(w.available).toBe(2019); // SOL listed 2020-08-11: 2020 closes → 2019 returns
    expect(w.startDate).toBe("2020-08-11");
    const w2 = alignReturns(h, ["SOL", "BTC"], { window: 500 });
    expect(w2.dates.length).toBe(500);
    expect(w2.endDate).toBe("2026-02-20");
    expect(w2.factors).toEqual(["SOL", "BTC"]);
    const last = h.closes[0][2242] / h.closes[0][2241];
    expect(w2.relatives[1][499]).toBe(last);
    expect(Math.abs(w2.logReturns[1][499] - Math.log(last))).toBeLessThan(1e-17);
    expect(w2.lastPrices).toEqual([84.67, 68020.01]);
  });

  it("honours asOf and is case-insensitive in asset names", () => {
    const w = alignReturns(h, ["btc"], { window: 10, asOf: "2024-01-10" });
    expect(w.endDate).toBe("2024-01-10");
    expect(w.dates[0]).toBe("2024-01-01");
    expect(w.startDate).toBe("2023-12-31");
  });

  it("refuses a missing asset or too short a history", () => {
    expect(riskError(() => alignReturns(h, ["DOGE"])).code).toBe("E_REQUIRED");
    expect(riskError(() => alignReturns(h, ["SOL"], { asOf: "2020-08-20" })).code).toBe("E_RANGE");
  });
});
