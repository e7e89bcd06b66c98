/**
 * Default collateral haircut specs per asset, as data (see ./index.ts for how a spec is applied and
 * how risk.overrides.collateral changes it).
 *
 * Sources:
 * - BTC [V]: Binance "Cross Margin collateral haircuts" FAQ (binance-cross-margin-collateral-haircuts),
 *   Example 1 table: collateral ratio 100 % for 0–100 M USDT, 97.5 % 100–120 M, 95 % 120–150 M,
 *   90 % 150–180 M, 85 % 180–200 M (marginal tiers: each slice of value at its own ratio). Worked
 *   example: 6 000 BTC at 20 000 → 119 500 000 USDT. Above 200 M the table stops; riskgrid keeps the
 *   last ratio (85 %) [U].
 * - ETH [U]: Binance's ETH table was not retrieved; riskgrid uses the BTC tiers. Override it when you
 *   know your venue's table.
 * - Stablecoins USD, USDC, USDT, DAI, USDE: weight 1 (valued at par, no haircut; riskgrid does not
 *   model de-pegs here) [riskgrid default].
 * - Any other asset (`default`): weight 1 — riskgrid publishes no haircut it cannot source. Set
 *   `risk.overrides.collateral.default` (or a per-asset entry) for your venue, e.g. { "weight": 0.8 }.
 * Liabilities (negative amounts, i.e. borrowed) count at liability_weight 1 (in full) by default.
 */
import type { CollateralSpec } from "./index.js";

export const HAIRCUTS_VERSION = "2026-01";

const BINANCE_BTC_TIERS = [
  { upTo: 100_000_000, weight: 1 },
  { upTo: 120_000_000, weight: 0.975 },
  { upTo: 150_000_000, weight: 0.95 },
  { upTo: 180_000_000, weight: 0.9 },
  { upTo: 200_000_000, weight: 0.85 },
  { upTo: null, weight: 0.85 },
];

export const DEFAULT_COLLATERAL: Record<string, CollateralSpec> = {
  BTC: { tiers: BINANCE_BTC_TIERS, source: "Binance cross-margin collateral ratio tiers (FAQ Example 1) [V]" },
  ETH: { tiers: BINANCE_BTC_TIERS, source: "BTC's Binance tiers assumed for ETH [U]" },
  USD: { weight: 1, source: "par" },
  USDC: { weight: 1, source: "stablecoin at par [riskgrid default]" },
  USDT: { weight: 1, source: "stablecoin at par [riskgrid default]" },
  DAI: { weight: 1, source: "stablecoin at par [riskgrid default]" },
  USDE: { weight: 1, source: "stablecoin at par [riskgrid default]" },
  default: { weight: 1, source: "no haircut unless overridden [riskgrid default]" },
};
