/**
 * Helpers shared by riskgrid's own presets (standard, deribit-pm, span): positions netted per
 * instrument, settlement currencies, and conversion of amounts into an account's currency.
 *
 * Conventions (DESIGN §2): an inverse instrument settles in its underlying coin, a linear one in USD
 * (USDC/USDT count as USD). Amounts are converted at the book's marks (index prices).
 */
import { assetPriceUsd } from "../../engine/account-matrix.js";
import type { InstrumentTable } from "../../engine/instrument-table.js";
import { RiskError } from "../../errors.js";
import type { Book, Position } from "../../types.js";

/** One netted position: instrument index in the table and signed quantity in contracts. */
export interface Held {
  inst: number;
  qty: number;
}

/**
 * Positions netted per instrument (a list may name an instrument twice, e.g. a hedge added as its
 * own line), zero quantities dropped, in instrument order so every caller sums in the same order.
 */
export function netPositions(t: InstrumentTable, positions: readonly Position[]): Held[] {
  const held: Held[] = [];
  for (const p of positions) {
    const i = t.indexOf.get(p.instrument);
    if (i === undefined) {
      throw new RiskError("E_UNKNOWN_INSTRUMENT", "", `position names unknown instrument "${p.instrument}"`);
    }
    held.push({ inst: i, qty: p.qty });
  }
  // The sort is stable: an instrument's lines stay in list order and are summed in that order.
  held.sort((a, b) => a.inst - b.inst);
  let n = 0;
  for (const h of held) {
    if (n > 0 && held[n - 1].inst === h.inst) held[n - 1].qty += h.qty;
    else held[n++] = h;
  }
  held.length = n;
  return held.filter((h) => h.qty !== 0);
}

/** Positions plus one side of the open orders (buys: qty > 0, sells: qty < 0). */
export function withOrders(positions: readonly Position[], orders: readonly Position[], side: 1 | -1): Position[] {
  return [...positions, ...orders.filter((o) => Math.sign(o.qty) === side)];
}

/** Settlement currency of instrument i: its coin for inverse, "USD" for linear. */
export function settlementCurrency(t: InstrumentTable, i: number): string {
  const x = t.instruments[i];
  return x.settlement === "inverse" ? x.underlying : "USD";
}

/** USD price of a currency at the book's marks ("USD" and stablecoins at 1). */
export function currencyUsd(book: Book, currency: string): number {
  if (currency === "USD") return 1;
  try {
    return assetPriceUsd(book, currency);
  } catch {
    throw new RiskError("E_UNKNOWN_ASSET", "accounts", `currency "${currency}" has no price in the book's markets`);
  }
}

/** Converter of amounts in a currency into the account currency `acct`, at the book's marks. */
export function converter(book: Book, acct: string): (amount: number, currency: string) => number {
  const acctUsd = currencyUsd(book, acct);
  const cache = new Map<string, number>();
  return (amount, currency) => {
    if (amount === 0) return 0;
    let r = cache.get(currency);
    if (r === undefined) {
      r = currency === acct ? 1 : currencyUsd(book, currency) / acctUsd;
      cache.set(currency, r);
    }
    return amount * r;
  };
}

/** Adds `v` to `rec[key]`. */
export function addTo(rec: Record<string, number>, key: string, v: number): void {
  rec[key] = (rec[key] ?? 0) + v;
}
