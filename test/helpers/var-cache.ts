/**
 * For the tests of the history cache behind the `var` preset (src/var/history-cache.ts): the example
 * books, a fresh price history per call, and a bit-exact fingerprint of a result to compare with.
 */
import { readFileSync } from "node:fs";
import { parseBook } from "../../src/book/index.js";
import { parsePriceCsv, type PriceHistory } from "../../src/history/csv.js";
import type { Book, BookInput } from "../../src/types.js";

const CSV = readFileSync(new URL("../fixtures/prices/btc-eth-sol-closes-usdt-daily.csv", import.meta.url), "utf8");
const read = (name: string): BookInput & { accounts: { id: string }[] } =>
  JSON.parse(readFileSync(new URL(`../../examples/${name}`, import.meta.url), "utf8"));

/** A new history object (BTC, ETH, SOL daily closes, 2 243 rows) on every call: nothing cached for it yet. */
export function freshHistory(): PriceHistory {
  return parsePriceCsv(CSV, { source: "fixture" });
}

/** A deep copy of `h` (a new object, so nothing is cached for it): what a fresh engine would see. */
export function copyHistory(h: PriceHistory): PriceHistory {
  return { ...h, dates: h.dates.slice(), times: h.times.slice(), assets: h.assets.slice(), closes: h.closes.map((c) => c.slice()) };
}

/** The web page's account: `delta-hedged-book` of examples/book.json alone in its book (BTC, ETH). */
export function pageBook(overrides: Record<string, unknown> = {}): Book {
  const input = read("book.json");
  return parseBook({
    ...input, accounts: input.accounts.filter((a) => a.id === "delta-hedged-book"),
    risk: { ...input.risk, overrides },
  });
}

/** examples/var-book.json: three accounts (USD and BTC margined) on BTC, ETH and SOL. */
export function varBook(overrides: Record<string, unknown> = {}): Book {
  const input = read("var-book.json");
  return parseBook({ ...input, risk: { ...input.risk, overrides } });
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/**
 * Every leaf of `x` with its path: numbers as the hex of their IEEE-754 bits (so −0 ≠ +0 and each
 * NaN payload counts), strings, booleans and null as they are. Equal lists = the same bits.
 */
export function bits(x: unknown, path = ""): string[] {
  if (typeof x === "number") {
    f64[0] = x;
    return [`${path}=${u32[1].toString(16)}:${u32[0].toString(16)}`];
  }
  if (typeof x !== "object" || x === null) return [`${path}=${String(x)}`];
  if (ArrayBuffer.isView(x)) return bits(Array.from(x as unknown as ArrayLike<number>), path);
  return Object.entries(x).flatMap(([k, v]) => bits(v, `${path}.${k}`));
}
