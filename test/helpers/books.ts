/** Hand-built validated books for engine tests (no parser involved). */
import type { Account, Book, Instrument } from "../../src/types.js";

export const T0 = Date.UTC(2026, 7, 22, 8, 0, 0);
export const DAY = 86_400_000;

export function book(opts: {
  markets?: Record<string, number>;
  instruments: Instrument[];
  accounts: Account[];
  presets?: string[];
  overrides?: Record<string, unknown>;
}): Book {
  const markets: Book["markets"] = {};
  for (const [u, index] of Object.entries(opts.markets ?? { BTC: 80_000, ETH: 2_500 })) {
    markets[u] = { underlying: u, index, rate: 0, carry: 0, forwards: new Map() };
  }
  return {
    valuationTime: T0, markets, instruments: opts.instruments, accounts: opts.accounts,
    risk: { presets: opts.presets ?? ["standard"], overrides: opts.overrides ?? {} },
  };
}

export const perp = (u: string, settlement: "linear" | "inverse"): Instrument => ({
  id: settlement === "inverse" ? `${u}-PERPETUAL` : `${u}_USDC-PERPETUAL`,
  kind: "perpetual", underlying: u, settlement, contractSize: 1,
});

export const option = (u: string, right: "call" | "put", strike: number, days: number, vol: number,
  settlement: "linear" | "inverse" = "inverse"): Instrument => ({
  id: `${u}-${settlement}-${days}d-${strike}-${right}`, kind: "option", underlying: u, settlement, contractSize: 1,
  right, strike, expiry: T0 + days * DAY, vol,
});

export const account = (id: string, currency: string, positions: Record<string, number>,
  collateral: Record<string, number> = {}): Account => ({
  id, currency, collateral, orders: [],
  positions: Object.entries(positions).map(([instrument, qty]) => ({ instrument, qty })),
});
