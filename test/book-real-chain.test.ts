/**
 * A book built from a real Deribit snapshot (BTC and ETH option chains of 2026-08-22, with index,
 * forwards and mark IVs) parses: every option with the strike, expiry and vol of its row.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { bookToJSON, parseBook } from "../src/book/index.js";

// The project's copy of the snapshot (columns cut; source and cuts in test/fixtures/deribit/README.md).
const CHAIN = new URL("./fixtures/deribit/deribit-btc-eth-options-20260822T153351Z.csv", import.meta.url);
const SNAPSHOT_TIME = "2026-08-22T15:33:51Z"; // the collector's timestamp, one per file

function readCsv(path: URL): Record<string, string>[] {
  const [head, ...lines] = readFileSync(path, "utf8").trim().split("\n");
  const cols = head!.split(",");
  return lines.map((line) => Object.fromEntries(line.split(",").map((c, i) => [cols[i], c])));
}

describe("a book from the 2026-08-22 Deribit chain", () => {
  const rows = readCsv(CHAIN);
  const markets: Record<string, { index: number; forwards: Record<string, number> }> = {};
  for (const r of rows) {
    const m = (markets[r.currency!] ??= { index: Number(r.index_price), forwards: {} });
    // Keys with "+00:00" offsets, as the file writes them; rows of one expiry differ in the last digits
    // (quotes taken moments apart): the first row's forward is kept.
    m.forwards[r.expiry_datetime!] ??= Number(r.underlying);
  }
  const input = {
    valuationTime: SNAPSHOT_TIME,
    markets,
    instruments: [
      { id: "BTC-PERPETUAL" }, { id: "ETH-PERPETUAL" },
      ...rows.map((r) => ({ id: r.instrument_name!, vol: Number(r.implied_volatility) })),
    ],
    accounts: [{
      id: "desk",
      collateral: { BTC: 10, USDC: 1e6 },
      positions: Object.fromEntries(rows.slice(0, 300).map((r, i) => [r.instrument_name!, (i % 7) - 3])),
    }],
  };

  it("parses every option with its row's strike, expiry and vol", () => {
    const book = parseBook(input);
    expect(book.valuationTime).toBe(Date.UTC(2026, 7, 22, 15, 33, 51));
    expect(book.instruments).toHaveLength(rows.length + 2);
    rows.forEach((r, k) => {
      const ins = book.instruments[k + 2]!;
      expect(ins).toMatchObject({
        kind: "option", settlement: "inverse", underlying: r.currency, right: r.option_type,
        strike: Number(r.strike), expiry: Date.parse(r.expiry_datetime!), vol: Number(r.implied_volatility), contractSize: 1,
      });
      expect(book.markets[r.currency!]!.forwards.get(ins.expiry!)).toBe(markets[r.currency!]!.forwards[r.expiry_datetime!]);
    });
    // Zero quantities are dropped: 300 rows, i % 7 === 3 gives 0 for 43 of them.
    expect(book.accounts[0]!.positions).toHaveLength(300 - 43);
    expect(parseBook(JSON.stringify(bookToJSON(book)))).toStrictEqual(book);
  });
});
