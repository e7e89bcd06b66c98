/**
 * The deribit-pm reduction of a tick session (abi.ts "deribit-pm reduction"): the js backend's
 * implementation and the reference of assembly/pm-reduce.ts, which does the same operations in the
 * same order. The formulas are those of src/margin/deribit-pm (read its header), regrouped: instruments
 * are summed per underlying × settlement × (option or delta-one) by the account pass, so the extended
 * table can rescale the options part alone. Results equal the preset's up to summation order.
 *
 * Performance notes (the loop runs once per account per tick): every value is computed with the same
 * operations in the same order as the formulas, so results are bit-stable; what is saved is work whose
 * result cannot matter. A scenario's aggregated P&L only counts when it is a loss: with non-negative
 * `pnl_offset` and `max_offsetable_pnl` (the published values) a gain aggregates to ≥ 0 and can never
 * be the worst, so its offset (a division) is skipped. The options' P&L at an extended move's edge
 * depends only on the edge, so it is computed once per edge.
 */
import {
  type Dims, type KernelViews, N_GREEKS, PM_LIQ_THRESHOLD, PM_M_INC, PM_MAX_DELTA_SHOCK, PM_MAX_OFFSETABLE,
  PM_N_STD, PM_PNL_OFFSET, PM_STRIDE, type PmDims, type PmViews,
} from "./abi.js";
import { RiskError } from "../errors.js";

export function allocPmViews(d: PmDims): PmViews {
  const f = (n: number) => new Float64Array(n);
  const i = (n: number) => new Int32Array(n);
  const { nAcc: A, nFactors: U, nScen: S, nBuckets: B, nExt: E } = d;
  return {
    index: f(U), pmConst: f(U * PM_STRIDE), edge: i(U * E), extScale: f(U * E), dampUsd: f(U * E),
    bucketFactor: i(B), bucketRolls: i(B), rollRate: f(B),
    accCurrency: i(A), accCoin: f(A * U), accFixed: f(A), accCoinWeight: f(A * U), accFixedWeight: f(A),
    initial: f(A), maintenance: f(A), equity: f(A), status: i(A), pre: f(S),
  };
}

/** Order of the dimension slots at the start of the wasm pm frame (wasm-layout.ts). */
export const PM_DIM_KEYS: readonly (keyof PmDims)[] = ["nAcc", "nFactors", "nScen", "nBuckets", "nExt"];

export function checkPmDims(d: PmDims): void {
  for (const k of PM_DIM_KEYS) {
    const x = d[k];
    if (!Number.isInteger(x) || x < 0 || x > 0x7fffffff) {
      throw new RiskError("E_INTERNAL", `kernel.pmDims.${k}`, `kernel dimension ${k} must be an integer in [0, 2^31), got ${x}`);
    }
  }
}

export function samePmDims(a: PmDims | null, b: PmDims): boolean {
  return !!a && PM_DIM_KEYS.every((k) => a[k] === b[k]);
}

const bad = (what: string, message: string) => new RiskError("E_INTERNAL", `kernel.${what}`, message);

/**
 * Everything the reduction indexes with, checked before a call (the wasm builds read memory at these
 * indexes: a bad one is an error here, never a trap or a read of another column).
 */
export function checkPmReduce(kd: Dims, pd: PmDims, v: PmViews, count: number): void {
  const U = pd.nFactors;
  const S = pd.nScen;
  if (kd.nFactors !== U || kd.nGroups !== 4 * U || kd.nScen !== S || kd.nBuckets !== pd.nBuckets) {
    throw bad("pmDims", "the deribit-pm reduction needs the tick layout: nFactors, nScen and nBuckets as reserved, nGroups = 4·nFactors");
  }
  if (!Number.isInteger(count) || count < 0 || count > pd.nAcc || count > kd.nAcc) {
    throw bad("pmReduce", `the deribit-pm reduction's count ${count} is not in [0, ${Math.min(pd.nAcc, kd.nAcc)}]`);
  }
  for (let u = 0; u < U; u++) {
    const nStd = v.pmConst[u * PM_STRIDE + PM_N_STD];
    if (!Number.isInteger(nStd) || nStd < 0 || nStd + pd.nExt > S) throw bad(`pmConst[${u * PM_STRIDE}]`, `nStd ${nStd} out of range`);
    for (let e = 0; e < pd.nExt; e++) {
      const x = v.edge[u * pd.nExt + e];
      if (!(x >= 0 && x < S)) throw bad(`edge[${u * pd.nExt + e}]`, `extended-move edge ${x} is not a scenario`);
    }
  }
  for (let j = 0; j < count; j++) {
    const c = v.accCurrency[j];
    if (!(c >= -1 && c < U)) throw bad(`accCurrency[${j}]`, `account currency factor ${c} out of range`);
  }
}

/**
 * The reduction over accounts [0, count) of the last account pass (`kv` pnl/base/greeks, `kd` its
 * dimensions), into `v`'s outputs.
 */
export function pmReduceJs(kd: Dims, kv: KernelViews, pd: PmDims, v: PmViews, count: number, mmFactor: number, mmp: number): void {
  const S = kd.nScen;
  const G = kd.nGroups;
  const B = kd.nBuckets;
  const U = pd.nFactors;
  const nExt = pd.nExt;
  const index = v.index;
  const mult = kv.mult;
  const pnl = kv.pnl;
  const base = kv.base;
  const greeks = kv.greeks;
  const pmc = v.pmConst;
  const pre = v.pre;
  for (let j = 0; j < count; j++) {
    const pnlOff = j * G * S;
    const baseOff = j * G;
    const greeksOff = j * B * N_GREEKS;
    const cf = v.accCurrency[j];
    const collOff = j * U;
    const coinColl = v.accCoin;
    const pc0 = cf < 0 ? 1 : index[cf];
    // Unshocked USD value of everything, per factor.
    let totalUsd = v.accFixed[j];
    let positionsUsd = 0;
    for (let f = 0; f < U; f++) {
      const g = baseOff + 4 * f;
      const pos = base[g] + base[g + 2] + (base[g + 1] + base[g + 3]) * index[f];
      positionsUsd += pos;
      totalUsd += pos + coinColl[collOff + f] * index[f];
    }
    const positionsValue = positionsUsd / pc0;
    const base0 = totalUsd / pc0;
    let rmm = 0;
    for (let u = 0; u < U; u++) {
      const cu = u * PM_STRIDE;
      const nStd = pmc[cu + PM_N_STD];
      const eu = u * nExt;
      const Su = index[u];
      const g = baseOff + 4 * u;
      const bl = base[g], bi = base[g + 1], bol = base[g + 2], boi = base[g + 3];
      const collU = coinColl[collOff + u];
      const otherUsd = totalUsd - (bl + bol + (bi + boi) * Su + collU * Su);
      const rl = pnlOff + 4 * u * S; // linear delta-one row; +S inverse; +2S linear options; +3S inverse options
      const ri = rl + S, rol = rl + 2 * S, roi = rl + 3 * S;
      const mu = u * S;
      const acctIsU = cf === u;
      const pnlOffset = pmc[cu + PM_PNL_OFFSET];
      const maxOff = pmc[cu + PM_MAX_OFFSETABLE];
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
        const edge = v.edge[eu + e];
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
        const adj = optS * v.extScale[eu + e] * (pcS / pcE);
        const damp = Math.min(v.dampUsd[eu + e] / pcE, Math.abs(adj));
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
      for (let b = 0; b < B; b++) {
        if (v.bucketFactor[b] !== u) continue;
        const d = greeks[greeksOff + b * N_GREEKS];
        delta += d;
        if (!v.bucketRolls[b]) continue;
        roll += v.rollRate[b] * Math.abs(d);
      }
      const absDelta = Math.abs(delta);
      const shockRate = Math.min(Math.max(absDelta - pmc[cu + PM_LIQ_THRESHOLD] / Su, 0) * pmc[cu + PM_M_INC], pmc[cu + PM_MAX_DELTA_SHOCK]);
      rmm += worst + (roll + absDelta * shockRate) * (Su / pc0);
    }
    // Haircut collateral (Σ amount × price × weight) in the account currency, plus the positions.
    let usd = v.accFixed[j] * v.accFixedWeight[j];
    for (let f = 0; f < U; f++) usd += coinColl[collOff + f] * index[f] * v.accCoinWeight[collOff + f];
    const equity = usd / pc0 + positionsValue;
    const im = rmm + mmp;
    const mm = mmFactor * rmm;
    v.initial[j] = im;
    v.maintenance[j] = mm;
    v.equity[j] = equity;
    v.status[j] = equity < 0 ? 3 : equity < mm ? 2 : equity < im ? 1 : 0;
  }
}
