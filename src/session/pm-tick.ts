/**
 * deribit-pm for every account from the account pass's group sums, without per-account objects: the
 * tick path's reduction. The same formulas as src/margin/deribit-pm (read its header), regrouped:
 * instruments are summed per underlying × settlement × (option or delta-one) by the kernel, so the
 * extended table can rescale the options part alone. Results equal the preset's up to summation order.
 */
import { EXTENDED_MOVES, type DeribitPmParams } from "../margin/deribit-pm/params.js";
import { edgeIndex } from "../margin/deribit-pm/index.js";
import type { GreekBucket } from "../engine/instrument-table.js";

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

export interface TickAccount {
  /** Factor index of the account currency, or −1 for USD/stablecoins. */
  currencyFactor: number;
  /** Per factor: collateral amount held in that coin (unhaircut; moves with the factor). */
  coinCollateral: Float64Array;
  /** Collateral that does not move in any scenario, in USD. */
  fixedCollateralUsd: number;
}

export interface PmTickResult {
  riskMatrixMargin: number;
  /** Σ qty × value in the account currency (mark value of positions). */
  positionsValue: number;
}

const scratch = { pre: new Float64Array(64) };

/**
 * One account: `pnl` [(g·S) + s] and `base` [g] are its rows of the account pass (G = 4·U groups),
 * `delta` [b] its delta per greek bucket.
 *
 * Performance notes (the loop runs once per account per tick): every value is computed with the same
 * operations in the same order as the formulas above, so results are bit-stable; what is saved is
 * work whose result cannot matter. A scenario's aggregated P&L only counts when it is a loss: with
 * non-negative `pnl_offset` and `max_offsetable_pnl` (the published values) a gain aggregates to
 * ≥ 0 and can never be the worst, so its offset (a division) is skipped. The options' P&L at an
 * extended move's edge depends only on the edge, so it is computed once per edge.
 */
export function pmTickAccount(
  m: TickMarket,
  acct: TickAccount,
  pnl: Float64Array, pnlOff: number,
  base: Float64Array, baseOff: number,
  greeks: Float64Array, greeksOff: number,
  out: PmTickResult,
): void {
  const index = m.index;
  const mult = m.mult;
  const U = index.length;
  const S = m.nScen;
  const cf = acct.currencyFactor;
  const coinColl = acct.coinCollateral;
  const pc0 = cf < 0 ? 1 : index[cf];
  // Unshocked USD value of everything, per factor.
  let totalUsd = acct.fixedCollateralUsd;
  let positionsUsd = 0;
  for (let f = 0; f < U; f++) {
    const g = baseOff + 4 * f;
    const pos = base[g] + base[g + 2] + (base[g + 1] + base[g + 3]) * index[f];
    positionsUsd += pos;
    totalUsd += pos + coinColl[f] * index[f];
  }
  out.positionsValue = positionsUsd / pc0;
  const base0 = totalUsd / pc0;
  let rmm = 0;
  if (scratch.pre.length < S) scratch.pre = new Float64Array(S);
  const pre = scratch.pre;
  const nBuckets = m.bucketFactor.length;
  for (let u = 0; u < U; u++) {
    const c = m.pm[u];
    const nStd = c.nStd;
    const nExt = c.edge.length;
    const Su = index[u];
    const g = baseOff + 4 * u;
    const bl = base[g], bi = base[g + 1], bol = base[g + 2], boi = base[g + 3];
    const collU = coinColl[u];
    const otherUsd = totalUsd - (bl + bol + (bi + boi) * Su + collU * Su);
    const rl = pnlOff + 4 * u * S; // linear delta-one row; +S inverse; +2S linear options; +3S inverse options
    const ri = rl + S, rol = rl + 2 * S, roi = rl + 3 * S;
    const mu = u * S;
    const acctIsU = cf === u;
    const pnlOffset = c.pnlOffset;
    const maxOff = c.maxOffsetableUsd;
    const gainsCount = !(pnlOffset >= 0 && maxOff >= 0); // else a gain never sets the worst loss
    let worst = 0;
    for (let s = 0; s < nStd; s++) {
      const Sx = Su * mult[mu + s];
      const usd = otherUsd + bl + pnl[rl + s] + bol + pnl[rol + s] + (bi + pnl[ri + s] + boi + pnl[roi + s] + collU) * Sx;
      const x = usd / (acctIsU ? Sx : pc0) - base0;
      pre[s] = x;
      if (x < 0) {
        if (-x > worst) worst = -x;
      } else if (gainsCount) {
        const agg = Math.min(pnlOffset * x, maxOff / (acctIsU ? Sx : pc0));
        if (-agg > worst) worst = -agg;
      }
    }
    const hasOptions = bol !== 0 || boi !== 0 || pnl[rol] !== 0 || pnl[roi] !== 0;
    const opt0 = (bol + boi * Su) / pc0;
    let lastEdge = -1;
    let optE = 0;
    let Se = 0;
    let pcE = 0;
    for (let e = 0; e < nExt; e++) {
      const s = nStd + e;
      const edge = c.edge[e];
      if (edge !== lastEdge) {
        lastEdge = edge;
        Se = Su * mult[mu + edge];
        pcE = acctIsU ? Se : pc0;
        optE = hasOptions ? (bol + pnl[rol + edge] + (boi + pnl[roi + edge]) * Se) / pcE - opt0 : 0;
      }
      const Sx = Su * mult[mu + s];
      const pcS = acctIsU ? Sx : pc0;
      // Options' P&L at the extended move and at the same-side edge, account currency.
      const optS = hasOptions ? (bol + pnl[rol + s] + (boi + pnl[roi + s]) * Sx) / pcS - opt0 : 0;
      const rest = pre[edge] - optE;
      const adj = optS * c.extScale[e] * (pcS / pcE);
      const damp = Math.min(c.dampUsd[e] / pcE, Math.abs(adj));
      const x = (adj > 0 ? adj - damp : adj < 0 ? adj + damp : adj) + rest;
      if (x < 0) {
        if (-x > worst) worst = -x;
      } else if (gainsCount) {
        const agg = Math.min(pnlOffset * x, maxOff / pcS);
        if (-agg > worst) worst = -agg;
      }
    }
    let roll = 0;
    let delta = 0;
    for (let b = 0; b < nBuckets; b++) {
      if (m.bucketFactor[b] !== u) continue;
      const d = greeks[greeksOff + b * 5];
      delta += d;
      if (!m.bucketRolls[b]) continue;
      roll += m.rollRate[b] * Math.abs(d);
    }
    const absDelta = Math.abs(delta);
    const shockRate = Math.min(Math.max(absDelta - c.liqThresholdUsd / Su, 0) * c.mInc, c.maxDeltaShock);
    rmm += worst + (roll + absDelta * shockRate) * (Su / pc0);
  }
  out.riskMatrixMargin = rmm;
}
