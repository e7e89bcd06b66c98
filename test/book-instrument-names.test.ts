/** Deribit instrument names → fields, checked on hand-picked forms and on real exchange chains. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseInstrumentName } from "../src/book/index.js";

const utc = (y: number, m: number, d: number): number => Date.UTC(y, m - 1, d, 8); // Deribit expiry: 08:00 UTC

describe("parseInstrumentName: each name form", () => {
  it("inverse option (put and call)", () => {
    expect(parseInstrumentName("BTC-25SEP26-120000-P")).toEqual({
      kind: "option", underlying: "BTC", settlement: "inverse", contractSize: 1,
      right: "put", strike: 120000, expiry: utc(2026, 9, 25),
    });
    expect(parseInstrumentName("ETH-27DEC26-4000-C")).toMatchObject({ right: "call", strike: 4000, underlying: "ETH" });
  });

  it("inverse perpetual: 1 USD face per contract", () => {
    expect(parseInstrumentName("BTC-PERPETUAL")).toEqual({
      kind: "perpetual", underlying: "BTC", settlement: "inverse", contractSize: 1,
    });
  });

  it("inverse future expiring at 08:00 UTC", () => {
    expect(parseInstrumentName("BTC-27DEC26")).toEqual({
      kind: "future", underlying: "BTC", settlement: "inverse", contractSize: 1, expiry: utc(2026, 12, 27),
    });
  });

  it("_USDC and _USDT names are linear", () => {
    expect(parseInstrumentName("BTC_USDC-PERPETUAL")).toEqual({
      kind: "perpetual", underlying: "BTC", settlement: "linear", contractSize: 1,
    });
    expect(parseInstrumentName("ETH_USDC-27DEC26")).toEqual({
      kind: "future", underlying: "ETH", settlement: "linear", contractSize: 1, expiry: utc(2026, 12, 27),
    });
    expect(parseInstrumentName("BTC_USDC-25SEP26-120000-C")).toEqual({
      kind: "option", underlying: "BTC", settlement: "linear", contractSize: 1,
      right: "call", strike: 120000, expiry: utc(2026, 9, 25),
    });
    expect(parseInstrumentName("SOL_USDT-PERPETUAL")).toMatchObject({ underlying: "SOL", settlement: "linear" });
  });

  it("decimal strikes written with d", () => {
    expect(parseInstrumentName("XRP_USDC-27DEC26-0d625-C")).toMatchObject({ strike: 0.625, right: "call", underlying: "XRP" });
    expect(parseInstrumentName("DOGE_USDC-27DEC26-0d1-P")?.strike).toBe(0.1);
  });

  it("spot pairs are linear spot", () => {
    expect(parseInstrumentName("BTC_USDC")).toEqual({ kind: "spot", underlying: "BTC", settlement: "linear", contractSize: 1 });
    expect(parseInstrumentName("ETH_USDT")).toMatchObject({ kind: "spot", underlying: "ETH" });
  });

  it("one- and two-digit days", () => {
    expect(parseInstrumentName("BTC-5JUN20-6750-P")?.expiry).toBe(utc(2020, 6, 5));
    expect(parseInstrumentName("BTC-05JUN20")?.expiry).toBe(utc(2020, 6, 5));
    expect(parseInstrumentName("BTC-29FEB28")?.expiry).toBe(utc(2028, 2, 29)); // leap year
  });

  it.each([
    "my-call", "", "BTC", "btc-perpetual", "BTC-PERP", "BTC-31APR26", "BTC-29FEB27", "BTC-0JAN26",
    "BTC-25XYZ26", "BTC-25SEP26-0-C", "BTC-25SEP26-120000-X", "BTC-25SEP26-120000", "BTC-25SEP26-12.5-C",
    "BTC-25SEP26-1d-C", "ETH_BTC", "BTC_USDC-", "BTC-25SEP26-120000-P-extra", "-PERPETUAL",
  ])("%j is not a Deribit name → null", (id) => {
    expect(parseInstrumentName(id)).toBeNull();
  });

  it("non-strings give null rather than throwing", () => {
    expect(parseInstrumentName(42 as unknown as string)).toBeNull();
    expect(parseInstrumentName(undefined as unknown as string)).toBeNull();
  });
});

/** Rows of a simple CSV (no quoted commas in the columns read here). */
function readCsv(path: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(path, "utf8").trim().split("\n");
  const cols = head!.split(",");
  return lines.map((line) => {
    const cells = line.split(",");
    return Object.fromEntries(cols.map((c, i) => [c, cells[i] ?? ""]));
  });
}

/** Every k-th row, so a few dozen names per file spread over all expiries and strikes. */
function sample<T>(rows: T[], n: number): T[] {
  const step = Math.max(1, Math.floor(rows.length / n));
  return rows.filter((_, i) => i % step === 0);
}

// The project's copies of the chains (columns cut; see test/fixtures/deribit/README.md).
const DATA = new URL("./fixtures/deribit", import.meta.url).pathname;

describe("parseInstrumentName: real Deribit chains agree with their own columns", () => {
  it.each([
    "deribit-btc-eth-options-20260105T092511Z.csv",
    "deribit-btc-eth-options-20260822T153351Z.csv",
  ])("%s (expiry_datetime, strike, option_type)", (file) => {
    const rows = sample(readCsv(`${DATA}/${file}`), 40);
    expect(rows.length).toBeGreaterThanOrEqual(30);
    for (const r of rows) {
      const p = parseInstrumentName(r.instrument_name!);
      expect(p, r.instrument_name).not.toBeNull();
      expect(p!.kind).toBe("option");
      expect(p!.settlement).toBe("inverse");
      expect(p!.underlying).toBe(r.currency);
      expect(p!.strike).toBe(Number(r.strike));
      expect(p!.right).toBe(r.option_type);
      expect(p!.expiry).toBe(Date.parse(r.expiry_datetime!));
    }
  });

  it.each([
    "deribit-btc-options-20200514T0541Z.csv",
    "deribit-btc-options-20200521T2319Z.csv",
  ])("%s (expiration_timestamp, strike, option_type)", (file) => {
    const all = readCsv(`${DATA}/${file}`);
    // Plus every name with a one-digit day (BTC-5JUN20-6750-P), the rarer form.
    const rows = [...sample(all, 40), ...all.filter((r) => /^BTC-\d[A-Z]/.test(r.instrument_name!))];
    expect(rows.length).toBeGreaterThanOrEqual(30);
    for (const r of rows) {
      const p = parseInstrumentName(r.instrument_name!);
      expect(p, r.instrument_name).not.toBeNull();
      expect(p!.strike).toBe(Number(r.strike));
      expect(p!.right).toBe(r.option_type);
      expect(p!.expiry).toBe(Number(r.expiration_timestamp));
    }
  });

  it("every name in every chain parses", () => {
    for (const file of ["deribit-btc-eth-options-20260105T092511Z.csv", "deribit-btc-options-20200521T2319Z.csv"]) {
      for (const r of readCsv(`${DATA}/${file}`)) {
        expect(parseInstrumentName(r.instrument_name!), r.instrument_name).not.toBeNull();
      }
    }
  });
});
