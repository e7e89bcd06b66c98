/**
 * From the account pass's group sums (settlement currency) to the account matrix: P&L per
 * underlying × scenario in the account's currency (DESIGN §4–5).
 *
 * Values are converted through USD at each scenario's prices: an inverse (coin) amount of underlying v
 * is worth amount × index_v', a coin-margined account's equity is its USD equity / index_c'. So a
 * coin-margined account holding inverse contracts sees the contracts' coin P&L at the shocked price
 * (Deribit: q·m/(1+m) for a linear inverse contract), and non-stable collateral moves with its market.
 * In a per-underlying grid, row u moves only u's prices; in a joint set every factor moves (one row).
 */
import type { Account, Book } from "../types.js";
import { STABLECOINS } from "../types.js";
import type { GridRun } from "./grid-run.js";

export interface AccountMatrix {
  accountId: string;
  currency: string;
  /** Row names: the book's underlyings, or ["ALL"] for a joint scenario set. */
  rows: string[];
  nScen: number;
  /** [r·S + s], account currency. */
  pnl: Float64Array;
  /** Mark value of the positions, account currency. */
  positionsValue: number;
  /** Collateral at market prices before haircuts, account currency. */
  collateralValue: number;
}

/** USD price of an asset at the book's marks (stablecoins 1 unless they have a market). */
export function assetPriceUsd(book: Book, asset: string): number {
  const m = book.markets[asset];
  if (m) return m.index;
  if (STABLECOINS.has(asset)) return 1;
  throw new Error(`no price for ${asset}`);
}

export function accountMatrix(run: GridRun, accountIndex: number, account: Account): AccountMatrix {
  const { set, table, nGroups: G } = run;
  const book = table.book;
  const S = set.nScen;
  const U = table.underlyings.length;
  const index = table.underlyings.map((u) => book.markets[u].index);
  const rows = set.joint ? ["ALL"] : table.underlyings.slice();
  const pnl = new Float64Array(rows.length * S);
  const baseG = run.base.subarray(accountIndex * G, (accountIndex + 1) * G);
  const pnlA = run.pnl.subarray(accountIndex * G * S, (accountIndex + 1) * G * S);
  // Each collateral asset and the account currency resolved once: the factor it moves with, or (-1) its
  // fixed USD price (looking them up per scenario was most of this function's time).
  const collateral = Object.entries(account.collateral);
  const cAmt = collateral.map(([, amt]) => amt);
  const cFactor = collateral.map(([asset]) => table.underlyings.indexOf(asset));
  const cUsd = collateral.map(([asset], j) => (cFactor[j] < 0 ? assetPriceUsd(book, asset) : 0));
  const acctFactor = table.underlyings.indexOf(account.currency);
  const acctUsd = acctFactor < 0 ? assetPriceUsd(book, account.currency) : 0;

  // USD price of each factor's coin in the scenario being summed.
  const px = index.slice();
  // Equity in row r, scenario s (s < 0: unshocked), account currency.
  const equity = (r: number, s: number, positionsOnly: boolean): number => {
    let e = 0;
    for (let f = 0; f < U; f++) {
      const moves = s >= 0 && (set.joint || f === r);
      px[f] = moves ? index[f] * set.mult[f * S + s] : index[f];
      const lin = baseG[2 * f] + (moves ? pnlA[2 * f * S + s] : 0);
      const inv = baseG[2 * f + 1] + (moves ? pnlA[(2 * f + 1) * S + s] : 0);
      e += lin + inv * px[f];
    }
    if (!positionsOnly) for (let j = 0; j < cAmt.length; j++) e += cAmt[j] * (cFactor[j] < 0 ? cUsd[j] : px[cFactor[j]]);
    return e / (acctFactor < 0 ? acctUsd : px[acctFactor]);
  };

  const baseEquity = equity(0, -1, false);
  const positionsValue = equity(0, -1, true);
  for (let r = 0; r < rows.length; r++) {
    for (let s = 0; s < S; s++) pnl[r * S + s] = equity(r, s, false) - baseEquity;
  }
  return {
    accountId: account.id, currency: account.currency, rows, nScen: S, pnl,
    positionsValue, collateralValue: baseEquity - positionsValue,
  };
}
