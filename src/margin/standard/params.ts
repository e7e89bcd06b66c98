/**
 * Parameters of the `standard` preset (Deribit standard margin), as data.
 *
 * Futures and perpetuals (inverse and linear), Deribit's published tier formula:
 *   IM rate = futures_initial_margin     + size_in_coins × futures_increase_factor
 *   MM rate = futures_maintenance_margin + size_in_coins × futures_increase_factor
 *   margin  = rate × notional (USD for linear, coin for inverse = USD face / mark price)
 * Sources [V]:
 *   - BTC: support.deribit.com "Linear Perpetual" (25944738177565): IM 2 % + size × 0.005 %, MM 1 % + size ×
 *     0.005 %; worked table at 100 000: 25 BTC → IM 53 125, MM 28 125 USDC; 350 BTC → IM 1 312 500 USDC.
 *     Same figures for inverse futures in the 11-January-2022 change note (25944826427293).
 *   - ETH: same change note: base 2 % / 1 %, increase factor 0.0004 % per ETH.
 *   - SOL: "Linear Perpetual": IM 4 % + size × 0.0005 %, MM 2 % + size × 0.0005 % (6 000 SOL at 200 → 84 000).
 *   - Any other underlying: riskgrid's own default, NOT a Deribit figure: 5 % / 2.5 % with no size
 *     increase (a per-coin increase factor has no meaning across coins of very different prices).
 *
 * Options (short), per coin of underlying, the third-party restatement of Deribit's rule [S]
 * (METHODOLOGIES §3; Aevo uses the same structure):
 *   short call IM = max(option_initial_margin − OTM/index, option_min_initial_margin) × index + mark
 *   short call MM = option_maintenance_margin × index + mark
 *   short put  MM = max(option_maintenance_margin × index, option_maintenance_margin × mark) + mark
 *   short put  IM = max(max(option_initial_margin − OTM/index, option_min_initial_margin) × index + mark, MM)
 * For inverse (coin-settled) options the same in coin: rates without "× index", mark in coin.
 * Long options and long spot: their premium / value (see index.ts).
 *
 * Names are riskgrid's (Deribit publishes the numbers, not parameter names), chosen after Deribit's
 * wording ("initial margin", "maintenance margin", "increase factor").
 */
import type { Params } from "../overrides.js";

export const STANDARD_VERSION = "2022-01";

export interface StandardParams extends Params {
  futures_initial_margin: number;
  futures_maintenance_margin: number;
  /** Added to both rates per coin of position size (0.00005 = 0.005 % per BTC). */
  futures_increase_factor: number;
  option_initial_margin: number;
  option_min_initial_margin: number;
  option_maintenance_margin: number;
}

/** Defaults for underlyings without their own entry (riskgrid's choice, documented above). */
export const STANDARD_DEFAULTS: StandardParams = {
  futures_initial_margin: 0.05,
  futures_maintenance_margin: 0.025,
  futures_increase_factor: 0,
  option_initial_margin: 0.15,
  option_min_initial_margin: 0.1,
  option_maintenance_margin: 0.075,
};

/** Deribit's published values per underlying. */
export const STANDARD_PER_UNDERLYING: Record<string, Partial<StandardParams>> = {
  BTC: { futures_initial_margin: 0.02, futures_maintenance_margin: 0.01, futures_increase_factor: 0.00005 },
  ETH: { futures_initial_margin: 0.02, futures_maintenance_margin: 0.01, futures_increase_factor: 0.000004 },
  SOL: { futures_initial_margin: 0.04, futures_maintenance_margin: 0.02, futures_increase_factor: 0.000005 },
};
