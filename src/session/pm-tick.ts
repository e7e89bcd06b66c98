/**
 * deribit-pm for every account from the account pass's group sums: the tick path's market and account
 * inputs, pre-digested into numbers for the kernel's tick (Kernel.pmTick; the reference is
 * src/kernel/pm-reduce.ts). The same formulas as src/margin/deribit-pm (read its header), regrouped:
 * instruments are summed per underlying × settlement × (option or delta-one) by the kernel, so the
 * extended table can rescale the options part alone. Results equal the preset's up to summation order.
 */
import { EXTENDED_MOVES, type DeribitPmParams } from "../margin/deribit-pm/params.js";
import { edgeIndex } from "../margin/deribit-pm/index.js";
import type { GreekBucket } from "../engine/instrument-table.js";
import {
  PM_LIQ_THRESHOLD, PM_M_INC, PM_MAX_DELTA_SHOCK, PM_MAX_OFFSETABLE, PM_N_STD, PM_PNL_OFFSET, PM_STRIDE, type PmViews,
} from "../kernel/abi.js";

/** Group of an instrument in the tick layout. */
export const tickGroup = (underlying: number, inverse: boolean, option: boolean): number =>
  underlying * 4 + (inverse ? 1 : 0) + (option ? 2 : 0);

export interface TickMarket {
  /** USD index per underlying (factor order). */
  index: Float64Array;
  /** Scenario multipliers [f·S + s]. */
  mult: Float64Array;
  nScen: number;
  /** Per underlying, the deribit-pm constants the reduction needs (see pmConstants). */
  pm: PmConstants[];
  buckets: readonly GreekBucket[];
  /** Underlying (factor) of each bucket. */
  bucketFactor: Int32Array;
  /** 1 when the bucket rolls (not spot). */
  bucketRolls: Uint8Array;
  /** Roll-shock rate per bucket: max(min_annualised_move, e^{annualised_move_risk·T} − 1). */
  rollRate: Float64Array;
}

/** deribit-pm parameters of one underlying, pre-digested into numbers for the per-account loop. */
export interface PmConstants {
  nStd: number;
  /** Per extended move e: its standard-table edge scenario. */
  edge: Int32Array;
  /** extended_table_factor × price_range / |move|. */
  extScale: Float64Array;
  /** (max(|move|/price_range, 1) − 1) × extended_dampener (USD). */
  dampUsd: Float64Array;
  pnlOffset: number;
  maxOffsetableUsd: number;
  /** delta_total_liq_shock_threshold (USD). */
  liqThresholdUsd: number;
  mInc: number;
  maxDeltaShock: number;
}

export function pmConstants(p: DeribitPmParams): PmConstants {
  const nStd = (2 * p.buckets_count + 1) * 3;
  return {
    nStd,
    edge: Int32Array.from(EXTENDED_MOVES, (m) => edgeIndex(p, m)),
    extScale: Float64Array.from(EXTENDED_MOVES, (m) => p.extended_table_factor * (p.price_range / Math.abs(m))),
    dampUsd: Float64Array.from(EXTENDED_MOVES, (m) => (Math.max(Math.abs(m) / p.price_range, 1) - 1) * p.extended_dampener),
    pnlOffset: p.pnl_offset, maxOffsetableUsd: p.max_offsetable_pnl, liqThresholdUsd: p.delta_total_liq_shock_threshold,
    mInc: p.m_inc, maxDeltaShock: p.max_delta_shock,
  };
}

/** Writes the market part of the reduction's inputs (abi.ts PmViews): index, constants, buckets. */
export function writePmMarket(v: PmViews, m: TickMarket): void {
  const U = m.index.length;
  v.index.set(m.index);
  for (let u = 0; u < U; u++) {
    const c = m.pm[u];
    const at = u * PM_STRIDE;
    v.pmConst[at + PM_N_STD] = c.nStd;
    v.pmConst[at + PM_PNL_OFFSET] = c.pnlOffset;
    v.pmConst[at + PM_MAX_OFFSETABLE] = c.maxOffsetableUsd;
    v.pmConst[at + PM_LIQ_THRESHOLD] = c.liqThresholdUsd;
    v.pmConst[at + PM_M_INC] = c.mInc;
    v.pmConst[at + PM_MAX_DELTA_SHOCK] = c.maxDeltaShock;
    const E = c.edge.length;
    v.edge.set(c.edge, u * E);
    v.extScale.set(c.extScale, u * E);
    v.dampUsd.set(c.dampUsd, u * E);
  }
  // Buckets past the book's (a bucket-less book still reserves one) belong to no factor.
  v.bucketFactor.fill(-1);
  v.bucketRolls.fill(0);
  v.rollRate.fill(0);
  v.bucketFactor.set(m.bucketFactor);
  v.bucketRolls.set(m.bucketRolls);
  v.rollRate.set(m.rollRate);
}
