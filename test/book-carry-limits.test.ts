/**
 * The parser's limits on prices, contract sizes, horizons, forwards and discount factors
 * (src/book/parse.ts): random markets (index, rate, carry, quoted forwards), expiries, strikes and
 * contract sizes from 1e-320 to 1e307 either parse to a book whose evaluation has only finite numbers,
 * or are refused by the parser with a RiskError on a book field. A book the parser accepts never
 * fails in evaluate with E_RANGE. The limits are generous: real books parse.
 */
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseBook } from "../src/book/index.js";
import { initSync } from "../src/index.js";
import { MS_PER_YEAR } from "../src/types.js";
import { attempt, describeError, fcParams, knownBook, nonFinite, userErrorProblem } from "./helpers/fuzz.js";

const VALUATION = Date.parse("2026-08-22T15:33:51Z");

/** m × 10^e, m in [1, 10): every magnitude in [10^lo, 10^(hi+1)) equally likely. */
const magnitude = (lo: number, hi: number): fc.Arbitrary<number> =>
  fc.tuple(fc.integer({ min: lo, max: hi }), fc.double({ min: 1, max: 9.99, noNaN: true })).map(([e, m]) => m * 10 ** e);

/** Mostly a plausible price, often near the limits (1e±20), sometimes anywhere a double reaches. */
const price = fc.oneof(
  { weight: 8, arbitrary: magnitude(-6, 5) },
  { weight: 3, arbitrary: magnitude(-24, 23) },
  { weight: 1, arbitrary: magnitude(-320, 307) },
);

const signed = (a: fc.Arbitrary<number>): fc.Arbitrary<number> => fc.tuple(a, fc.boolean()).map(([x, neg]) => (neg ? -x : x));

/** Years to expiry, log-uniform pieces: a millisecond to 100 years, 100 to 1000 years (the limit), up to 250 000 years. */
const expiry = fc.oneof(
  { weight: 3, arbitrary: fc.double({ min: -10, max: 2, noNaN: true }) },
  { weight: 2, arbitrary: fc.double({ min: 2, max: 3, noNaN: true }) },
  { weight: 1, arbitrary: fc.double({ min: 3, max: 5.4, noNaN: true }) },
).map((u) => VALUATION + Math.max(1, Math.round(10 ** u * MS_PER_YEAR)));

const market = fc.record({
  index: price,
  rate: fc.option(fc.oneof(fc.double({ min: -1, max: 1, noNaN: true }), fc.constantFrom(-1, -0.8, 0.05, 1)), { nil: undefined }),
  carry: fc.option(fc.oneof(
    { weight: 3, arbitrary: fc.double({ min: -2, max: 2, noNaN: true }) },
    { weight: 1, arbitrary: signed(magnitude(-3, 5)) },
    { weight: 1, arbitrary: fc.constant("rate" as const) }, // forward = index at any horizon; only e^{−rT} moves
  ), { nil: undefined }),
  /** Which of the book's random expiries get a quoted forward, and its price. */
  quoted: fc.array(fc.tuple(fc.nat({ max: 3 }), price), { maxLength: 2 }),
});

const instruments = fc.record({
  expiries: fc.array(expiry, { minLength: 4, maxLength: 4 }),
  strike: price,
  putStrike: price,
  sizes: fc.array(fc.oneof(
    { weight: 6, arbitrary: fc.constant(1) },
    { weight: 2, arbitrary: magnitude(-24, 23) },
    { weight: 1, arbitrary: magnitude(-320, 307) },
  ), { minLength: 3, maxLength: 3 }),
  vol: fc.double({ min: 0.01, max: 3, noNaN: true }),
});

/**
 * The known book (every kind and settlement, USD and coin accounts) with its markets replaced and
 * four dated instruments at random expiries, strikes and sizes, held by its accounts.
 */
const carryBook = fc.record({ btc: market, eth: market, x: instruments }).map(({ btc, eth, x }) => {
  const b = knownBook() as unknown as {
    markets: Record<string, unknown>;
    instruments: Record<string, unknown>[];
    accounts: { positions: Record<string, number> }[];
  };
  // Epoch ms: ISO-8601 text stops at the year 9999.
  const at = (k: number): number => x.expiries[k]!;
  const toMarket = (m: typeof btc): Record<string, unknown> => {
    const out: Record<string, unknown> = { index: m.index };
    if (m.rate !== undefined) out.rate = m.rate;
    if (m.carry !== undefined) out.carry = m.carry === "rate" ? m.rate ?? 0 : m.carry;
    if (m.quoted.length > 0) out.forwards = Object.fromEntries(m.quoted.map(([k, f]) => [at(k), f]));
    return out;
  };
  b.markets = { BTC: toMarket(btc), ETH: toMarket(eth) };
  Object.assign(b.instruments[9]!, { expiry: at(0), strike: x.strike, contractSize: x.sizes[0] });
  b.instruments.push(
    { id: "x-future", kind: "future", underlying: "BTC", settlement: "linear", expiry: at(1), contractSize: x.sizes[1] },
    { id: "x-inverse-future", kind: "future", underlying: "ETH", settlement: "inverse", expiry: at(2), contractSize: x.sizes[2] },
    { id: "x-put", kind: "option", underlying: "ETH", settlement: "inverse", right: "put", strike: x.putStrike, expiry: at(3), vol: x.vol },
  );
  b.accounts[0]!.positions["x-future"] = 3;
  b.accounts[1]!.positions["x-inverse-future"] = -50000;
  b.accounts[2]!.positions["x-put"] = 5;
  return b;
});

describe("random markets, expiries, strikes and sizes", () => {
  const engine = initSync({ backend: "js" });

  it("parse to a book that evaluates to finite numbers, or are refused by the parser", () => {
    let parsed = 0;
    let refused = 0;
    fc.assert(
      fc.property(carryBook, (input) => {
        const p = attempt(() => parseBook(input));
        if (!p.ok) {
          expect(userErrorProblem(p.error), describeError(p.error)).toBeNull();
          refused++;
          return;
        }
        parsed++;
        const r = attempt(() => engine.evaluate(p.value));
        expect(r.ok, `the parser accepted the book, evaluate refused it: ${r.ok ? "" : describeError(r.error)}`).toBe(true);
        expect(nonFinite(r.ok && r.value)).toEqual([]);
      }),
      fcParams(4401, 1000),
    );
    // both sides of the limits are reached
    expect(parsed).toBeGreaterThan(10);
    expect(refused).toBeGreaterThan(10);
  });
});

describe("the limits are generous", () => {
  const read = (path: string): Record<string, any> => JSON.parse(readFileSync(new URL(`../${path}`, import.meta.url), "utf8"));

  it("the example books parse, also with rates and carry instead of quoted forwards", () => {
    for (const path of ["examples/book.json", "examples/var-book.json"]) {
      const b = read(path);
      expect(() => parseBook(b), path).not.toThrow();
      for (const [u, m] of Object.entries(b.markets as Record<string, Record<string, unknown>>)) {
        delete m.forwards;
        Object.assign(m, u === "BTC" ? { rate: 0.0431, carry: -0.0123 } : { rate: 0.0377, carry: 0.011 });
      }
      expect(() => parseBook(b), `${path} with rates and carry`).not.toThrow();
    }
  });

  it("extreme but possible markets parse and evaluate: a 1e-9 USD coin, rates of ±100 %, a 300 % carry, a 30-year option", () => {
    const b = knownBook() as unknown as { markets: Record<string, Record<string, unknown>>; instruments: Record<string, unknown>[] };
    b.markets.ETH = { index: 1e-9, rate: 1, carry: -3 };
    b.markets.BTC!.rate = -1;
    Object.assign(b.instruments[9]!, { expiry: "2056-08-22T08:00:00Z", strike: 1e6, contractSize: 1e9 });
    expect(nonFinite(initSync({ backend: "js" }).evaluate(b))).toEqual([]);
  });
});
