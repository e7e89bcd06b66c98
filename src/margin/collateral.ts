/**
 * Collateral valuation. Placeholder until haircuts land: market value, no haircut.
 */
import type { Account, Book } from "../types.js";
import { assetPriceUsd } from "../engine/account-matrix.js";

export interface CollateralLine {
  asset: string;
  amount: number;
  priceUsd: number;
  /** Fraction kept after the haircut (1 = no haircut). */
  weight: number;
  valueUsd: number;
}

export function collateralLines(book: Book, account: Account, _overrides: Record<string, unknown> = {}): CollateralLine[] {
  return Object.entries(account.collateral).map(([asset, amount]) => {
    const priceUsd = assetPriceUsd(book, asset);
    return { asset, amount, priceUsd, weight: 1, valueUsd: amount * priceUsd };
  });
}
