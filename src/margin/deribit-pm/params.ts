/**
 * Parameters of the `deribit-pm` preset, as data, named as Deribit names them in
 * `private/pme/simulate` (`model_params`). Sources (METHODOLOGIES §2.2, §3):
 *
 * - BTC, version 2024-06: the official OpenAPI example of `private/pme/simulate` (timestamp
 *   1718619740501 = 2024-06-17): price_range 0.16, volatility_range_up 0.5, volatility_range_down 0.25,
 *   short/long_term_vega_power 0.30/0.13, min_volatility_for_shock_up 0.5, extended_table_factor 1,
 *   extended_dampener 100 000, max_delta_shock 0.1, delta_total_liq_shock_threshold 20 000 000,
 *   m_inc 0.00005, annualised_move_risk 0.075, min_annualised_move 0.01, pnl_offset 0, mm_factor 0.8. [V]
 * - ETH, version 2026-02: a captured live response (2026-02-15): price_range 0.18, volatility_range_up
 *   0.4, volatility_range_down 0.25, annualised_move_risk 0.05, min_annualised_move 0.005, pnl_offset
 *   0.6, extended_dampener 200 000, max_offsetable_pnl 20 000 000, m_inc 0.000004. [V] Values that
 *   response does not show (vega powers, min_volatility_for_shock_up, extended_table_factor, delta-shock
 *   threshold and cap) are taken from the BTC set [U].
 * - Any other underlying: the BTC set [U — Deribit publishes no PM parameters for other coins here].
 *
 * riskgrid's own parameters (not Deribit names), documented where used:
 * - `buckets_count` (4): buckets per side of the ±price_range move (Deribit: 9 buckets incl. 0).
 * - `vol_shock_dte_floor_days` (1): floor on days to expiry in (30 / DTE)^power (Derive's dteFloor;
 *   Deribit's floor is not published).
 * - `mmp_margin` (0): market-maker-protection margin added to IM, in the account's currency (Deribit
 *   computes it from the account's MMP settings; give it as an override to reproduce an IM).
 * - `extended_moves` are fixed: −66 %, −33 %, +50 %, +100 %, +200 %, +300 %, +400 %, +500 % [V].
 */
import type { Params } from "../overrides.js";

export const DERIBIT_PM_VERSION = "2026-02";

export interface DeribitPmParams extends Params {
  price_range: number;
  buckets_count: number;
  volatility_range_up: number;
  volatility_range_down: number;
  short_term_vega_power: number;
  long_term_vega_power: number;
  min_volatility_for_shock_up: number;
  vol_shock_dte_floor_days: number;
  extended_table_factor: number;
  /** USD. */
  extended_dampener: number;
  max_delta_shock: number;
  /** USD. */
  delta_total_liq_shock_threshold: number;
  m_inc: number;
  annualised_move_risk: number;
  min_annualised_move: number;
  pnl_offset: number;
  /** USD. */
  max_offsetable_pnl: number;
  mm_factor: number;
  /** Account currency. */
  mmp_margin: number;
}

/** The BTC 2024-06 set; default for every underlying without its own entry. */
export const DERIBIT_PM_DEFAULTS: DeribitPmParams = {
  price_range: 0.16,
  buckets_count: 4,
  volatility_range_up: 0.5,
  volatility_range_down: 0.25,
  short_term_vega_power: 0.3,
  long_term_vega_power: 0.13,
  min_volatility_for_shock_up: 0.5,
  vol_shock_dte_floor_days: 1,
  extended_table_factor: 1,
  extended_dampener: 100_000,
  max_delta_shock: 0.1,
  delta_total_liq_shock_threshold: 20_000_000,
  m_inc: 0.00005,
  annualised_move_risk: 0.075,
  min_annualised_move: 0.01,
  pnl_offset: 0,
  max_offsetable_pnl: 20_000_000,
  mm_factor: 0.8,
  mmp_margin: 0,
};

export const DERIBIT_PM_PER_UNDERLYING: Record<string, Partial<DeribitPmParams>> = {
  // 2024-06 (official example)
  BTC: {},
  // 2026-02 (captured response)
  ETH: {
    price_range: 0.18,
    volatility_range_up: 0.4,
    volatility_range_down: 0.25,
    annualised_move_risk: 0.05,
    min_annualised_move: 0.005,
    pnl_offset: 0.6,
    extended_dampener: 200_000,
    max_offsetable_pnl: 20_000_000,
    m_inc: 0.000004,
  },
};

/** Extended-table spot moves (vol up only). */
export const EXTENDED_MOVES: readonly number[] = [-0.66, -0.33, 0.5, 1, 2, 3, 4, 5];
