/**
 * Random books for the margin property tests (fast-check): BTC and ETH at random levels and vols, a
 * handful of inverse and linear futures, perpetuals and options, positions on a 1e-4 contract step.
 */
import fc from "fast-check";
import { parseBook } from "../../src/book/index.js";
import type { Account, Book, BookInput, Position } from "../../src/types.js";

export const INSTRUMENTS = [
  "BTC-PERPETUAL", "BTC_USDC-PERPETUAL", "BTC-27MAR26", "BTC-26JUN26-100000-C", "BTC-27MAR26-60000-P",
  "BTC_USDC-27MAR26-90000-C", "BTC_USDC-26JUN26-70000-P", "BTC-30JAN26-80000-C",
  "ETH-PERPETUAL", "ETH_USDC-27MAR26-3000-C", "ETH-27MAR26-2500-P",
];
export const INVERSE_DELTA_ONE = new Set(["BTC-PERPETUAL", "BTC-27MAR26", "ETH-PERPETUAL"]);

export interface Gen {
  btc: number;
  eth: number;
  vols: number[];
  currency: string;
  positions: [number, number][];
}

// Quantities on a 1e-4 contract step, as exchanges trade: arbitrary doubles (5e-12 next to 1e-312) make
// "a position plus its exact opposite" inexact in floating point (q + h − h ≠ q once h absorbs q).
export const arbPositions = fc.array(
  fc.tuple(
    fc.integer({ min: 0, max: INSTRUMENTS.length - 1 }),
    fc.integer({ min: -400_000, max: 400_000 }).map((steps) => steps / 10_000),
  ),
  { minLength: 1, maxLength: 8 },
);
export const arbGen: fc.Arbitrary<Gen> = fc.record({
  btc: fc.double({ min: 25_000, max: 140_000, noNaN: true }),
  eth: fc.double({ min: 1_200, max: 6_000, noNaN: true }),
  vols: fc.array(fc.double({ min: 0.2, max: 1.4, noNaN: true }), { minLength: INSTRUMENTS.length, maxLength: INSTRUMENTS.length }),
  currency: fc.constantFrom("USD", "BTC", "USDC"),
  positions: arbPositions,
});

/**
 * Market and instruments from the generator (listed in `order`, a permutation of INSTRUMENTS' indexes,
 * when given); accounts are set by each property.
 */
export function baseBook(g: Gen, overrides: Record<string, unknown> = {}, order?: readonly number[]): Book {
  const listed = order ?? INSTRUMENTS.map((_, i) => i);
  const input: BookInput = {
    valuationTime: "2026-01-02T08:00:00Z",
    markets: { BTC: { index: g.btc, rate: 0.02 }, ETH: { index: g.eth } },
    instruments: listed.map((i) => INSTRUMENTS[i]).map((id, k) => (/-[CP]$/.test(id) ? { id, vol: g.vols[listed[k]] } : { id })),
    risk: { presets: ["deribit-pm", "span"], overrides },
  };
  return parseBook(input);
}

/** Positions in contracts: inverse futures/perpetuals in USD face (coins × index). */
export function positionsOf(g: Gen, list: [number, number][], k = 1): Position[] {
  return list.map(([i, q]) => {
    const id = INSTRUMENTS[i];
    const face = INVERSE_DELTA_ONE.has(id) ? (id.startsWith("ETH") ? g.eth : g.btc) : 1;
    return { instrument: id, qty: k * q * face };
  });
}
export const account = (id: string, currency: string, positions: Position[]): Account => ({
  id, currency, collateral: { [currency]: currency === "BTC" ? 2 : 100_000 }, positions, orders: [],
});
export const neg = (ps: Position[]) => ps.map((p) => ({ instrument: p.instrument, qty: -p.qty }));
/** Scale of an account's money amounts, for relative tolerances. */
export const scale = (g: Gen, ps: Position[], currency: string) => {
  const usd = ps.reduce((s, p) => s + Math.abs(p.qty) * (INVERSE_DELTA_ONE.has(p.instrument) ? 1 : p.instrument.startsWith("ETH") ? g.eth : g.btc), 0);
  return (1 + usd) / (currency === "BTC" ? g.btc : 1);
};
