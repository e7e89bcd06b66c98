/**
 * Collateral valuation with haircuts (DESIGN §5): equity = Σ collateral × price × weight + mark value
 * of positions. Weights come from ./haircuts (tiered by USD amount, Binance style; size-scaled, Drift
 * style; liabilities at ≥ 1), with defaults per asset in ./haircuts/defaults.ts and the override shape
 *
 *   "risk": { "overrides": { "collateral": {
 *     "BTC": { "tiers": [{ "upTo": 100000000, "weight": 1 }, { "upTo": null, "weight": 0.975 }] },
 *     "SOL": { "weight": 0.8, "imf": 0.002 },
 *     "default": { "weight": 0.9 }
 *   } } }
 *
 * described in ./haircuts/index.ts.
 */
import type { Account, Book } from "../types.js";
import { assetPriceUsd } from "../engine/account-matrix.js";
import { collateralSpec, collateralWeight } from "./haircuts/index.js";

export interface CollateralLine {
  asset: string;
  amount: number;
  priceUsd: number;
  /** Fraction kept after the haircut (1 = no haircut; ≥ 1 for liabilities). */
  weight: number;
  /** Market value before the haircut, USD (amount × price). */
  valueUsd: number;
  /** Value counted as collateral, USD (valueUsd × weight). */
  collateralValueUsd: number;
  /** How the weight was set. */
  method: "flat" | "tiered" | "size-scaled" | "liability";
}

export function collateralLines(book: Book, account: Account, overrides: Record<string, unknown> = {}): CollateralLine[] {
  return Object.entries(account.collateral).map(([asset, amount]) => {
    const priceUsd = assetPriceUsd(book, asset);
    const valueUsd = amount * priceUsd;
    const { weight, method } = collateralWeight(collateralSpec(asset, overrides), amount, priceUsd);
    return { asset, amount, priceUsd, weight, valueUsd, collateralValueUsd: valueUsd * weight, method };
  });
}
