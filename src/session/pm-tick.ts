/**
 * deribit-pm for every account from the account pass's group sums, without per-account objects: the
 * tick path's reduction. The same formulas as src/margin/deribit-pm (read its header), regrouped:
 * instruments are summed per underlying × settlement × (option or delta-one) by the kernel, so the
 * extended table can rescale the options part alone. Results equal the preset's up to summation order.
 */
import { EXTENDED_MOVES, type DeribitPmParams } from "../margin/deribit-pm/params.js";
import { edgeIndex, pmShape } from "../margin/deribit-pm/index.js";
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
  params: DeribitPmParams[];
  buckets: readonly GreekBucket[];
  /** Underlying (factor) of each bucket. */
  bucketFactor: Int32Array;
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
 */
export function pmTickAccount(
  m: TickMarket,
  acct: TickAccount,
  pnl: Float64Array, pnlOff: number,
  base: Float64Array, baseOff: number,
  greeks: Float64Array, greeksOff: number,
  out: PmTickResult,
): void {
  const U = m.index.length;
  const S = m.nScen;
  const cf = acct.currencyFactor;
  const pc0 = cf < 0 ? 1 : m.index[cf];
  // Unshocked USD value of everything, per factor.
  let totalUsd = acct.fixedCollateralUsd;
  let positionsUsd = 0;
  for (let f = 0; f < U; f++) {
    const g = baseOff + 4 * f;
    const pos = base[g] + base[g + 2] + (base[g + 1] + base[g + 3]) * m.index[f];
    positionsUsd += pos;
    totalUsd += pos + acct.coinCollateral[f] * m.index[f];
  }
  out.positionsValue = positionsUsd / pc0;
  const base0 = totalUsd / pc0;
  let rmm = 0;
  if (scratch.pre.length < S) scratch.pre = new Float64Array(S);
  const pre = scratch.pre;
  for (let u = 0; u < U; u++) {
    const p = m.params[u];
    const sh = pmShape(p.buckets_count);
    const Su = m.index[u];
    const g = baseOff + 4 * u;
    const bl = base[g], bi = base[g + 1], bol = base[g + 2], boi = base[g + 3];
    const collU = acct.coinCollateral[u];
    const otherUsd = totalUsd - (bl + bol + (bi + boi) * Su + collU * Su);
    const row = pnlOff + 4 * u * S;
    const acctIsU = cf === u;
    const opt0 = (bol + boi * Su) / pc0;
    const hasOptions = bol !== 0 || boi !== 0 || pnl[row + 2 * S] !== 0 || pnl[row + 3 * S] !== 0;
    const pc = (s: number) => (acctIsU ? Su * m.mult[u * S + s] : pc0);
    const optionsPnl = (s: number): number => {
      if (!hasOptions) return 0;
      const Sx = Su * m.mult[u * S + s];
      return (bol + pnl[row + 2 * S + s] + (boi + pnl[row + 3 * S + s]) * Sx) / pc(s) - opt0;
    };
    for (let s = 0; s < sh.nStd; s++) {
      const Sx = Su * m.mult[u * S + s];
      const usd = otherUsd + bl + pnl[row + s] + bol + pnl[row + 2 * S + s]
        + (bi + pnl[row + S + s] + boi + pnl[row + 3 * S + s] + collU) * Sx;
      pre[s] = usd / pc(s) - base0;
    }
    for (let e = 0; e < EXTENDED_MOVES.length; e++) {
      const s = sh.nStd + e;
      const move = EXTENDED_MOVES[e];
      const edge = edgeIndex(p, move);
      const rest = pre[edge] - optionsPnl(edge);
      const adj = optionsPnl(s) * p.extended_table_factor * (p.price_range / Math.abs(move)) * (pc(s) / pc(edge));
      const damp = Math.min((Math.max(Math.abs(move) / p.price_range, 1) - 1) * (p.extended_dampener / pc(edge)), Math.abs(adj));
      pre[s] = adj - Math.sign(adj) * damp + rest;
    }
    let worst = 0;
    for (let s = 0; s < sh.nScen; s++) {
      const x = pre[s];
      const agg = x < 0 ? x : Math.min(p.pnl_offset * x, p.max_offsetable_pnl / pc(s));
      if (-agg > worst) worst = -agg;
    }
    let roll = 0;
    let delta = 0;
    for (let b = 0; b < m.buckets.length; b++) {
      if (m.bucketFactor[b] !== u) continue;
      const d = greeks[greeksOff + b * 5];
      delta += d;
      if (m.buckets[b].spot) continue;
      roll += Math.max(p.min_annualised_move, Math.exp(p.annualised_move_risk * m.buckets[b].tau) - 1) * Math.abs(d);
    }
    const absDelta = Math.abs(delta);
    const shockRate = Math.min(Math.max(absDelta - p.delta_total_liq_shock_threshold / Su, 0) * p.m_inc, p.max_delta_shock);
    rmm += worst + (roll + absDelta * shockRate) * (Su / pc0);
  }
  out.riskMatrixMargin = rmm;
}
