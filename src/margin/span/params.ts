/**
 * Parameters of the `span` preset (CME SPAN-style), as data. SPAN's own names, in snake case.
 *
 * Structure [V] (METHODOLOGIES §2.4, §9; CME/CBOT "SPAN Margin System"): 16 scenarios per combined
 * commodity — price unchanged, ±⅓, ±⅔, ±3⁄3 of the price scan range, each with the volatility scan
 * range up and down — plus ±extreme_move_multiple × the price scan range with vol unchanged, of which
 * only extreme_move_cover (35 %) counts.
 *
 * SPAN's clearing houses set the price scan range per contract in money; riskgrid takes it as a
 * fraction of the index so one parameter fits every contract size. The values below are riskgrid's
 * defaults for crypto, NOT published by any clearing house [U]: CME does not publish its risk
 * parameter files openly here, and its crypto futures' outright margins have been of the order of
 * 30–40 % of notional. Set your own through risk.overrides (`{ "BTC": { "price_scan_range": 0.25 } }`).
 * - price_scan_range: BTC 0.30, ETH 0.35, others 0.40 (fraction of the index).
 * - volatility_scan_range: 0.10 = 10 vol points up and down (volatility_scan_type 0 = absolute, as SPAN;
 *   1 = relative, σ' = σ·(1 ± range)).
 * - short_option_minimum: 0.03 of the underlying notional per short option (NSE/NSCCL's index-option
 *   value [V for NSE]; CME charges a fixed amount per short option).
 * - inter_commodity_credit_rate: 0.5 for BTC and ETH, 0 otherwise; a pair's rate is the smaller of its
 *   two legs' rates (SPAN sets one rate per spread pair; this keeps overrides per underlying).
 * - initial_to_maintenance: 1.1 (SPAN's maintenance requirement × this = initial) [U: the ratio varies
 *   by clearing house and customer class].
 */
import type { Params } from "../overrides.js";

export const SPAN_VERSION = "2026-01";

export interface SpanParams extends Params {
  price_scan_range: number;
  volatility_scan_range: number;
  volatility_scan_type: number;
  extreme_move_multiple: number;
  extreme_move_cover: number;
  short_option_minimum: number;
  inter_commodity_credit_rate: number;
  initial_to_maintenance: number;
}

export const SPAN_DEFAULTS: SpanParams = {
  price_scan_range: 0.4,
  volatility_scan_range: 0.1,
  volatility_scan_type: 0,
  extreme_move_multiple: 2,
  extreme_move_cover: 0.35,
  short_option_minimum: 0.03,
  inter_commodity_credit_rate: 0,
  initial_to_maintenance: 1.1,
};

export const SPAN_PER_UNDERLYING: Record<string, Partial<SpanParams>> = {
  BTC: { price_scan_range: 0.3, inter_commodity_credit_rate: 0.5 },
  ETH: { price_scan_range: 0.35, inter_commodity_credit_rate: 0.5 },
};

/** One SPAN scenario: price move in scan ranges, vol direction, and the fraction of the loss counted. */
export interface SpanScenario {
  /** Fraction of the price scan range (extreme moves: ±extreme_move_multiple). */
  price: number;
  /** +1 vol up, −1 vol down, 0 unchanged. */
  vol: number;
  /** true for the two extreme moves (covered at extreme_move_cover). */
  extreme: boolean;
  label: string;
}

const third = (k: number) => k / 3;

/** SPAN's standard scenario order, 1 … 16 (index 0 … 15). */
export function spanScenarios(extremeMultiple = 2): SpanScenario[] {
  const out: SpanScenario[] = [];
  const moves: [number, string][] = [[0, "unchanged"]];
  for (const k of [1, 2, 3]) {
    moves.push([third(k), `up ${k}/3`], [-third(k), `down ${k}/3`]);
  }
  for (const [price, name] of moves) {
    for (const vol of [1, -1]) {
      out.push({ price, vol, extreme: false, label: `price ${name}, vol ${vol > 0 ? "up" : "down"}` });
    }
  }
  out.push({ price: extremeMultiple, vol: 0, extreme: true, label: `price up ${extremeMultiple}× range (extreme)` });
  out.push({ price: -extremeMultiple, vol: 0, extreme: true, label: `price down ${extremeMultiple}× range (extreme)` });
  return out;
}
