/**
 * The deribit-pm tick (abi.ts "deribit-pm tick"): the js backend's implementation and the reference of
 * assembly/pm-tick.ts, which does the same operations in the same order. Per account: the account
 * pass's sums (qty·cube rows per group, qty·value per group, qty·delta per bucket, in the order of its
 * positions) into scratch, then the reduction. The formulas are those of src/margin/deribit-pm (read its
 * header), regrouped: instruments are summed per underlying × settlement × (option or delta-one), so the
 * extended table can rescale the options part alone. Results equal the preset's up to summation order.
 *
 * Performance notes (the loop runs once per account per tick): every value is computed with the same
 * operations in the same order as the formulas, so results are bit-stable; what is saved is work whose
 * result cannot matter. A scenario's aggregated P&L only counts when it is a loss: with non-negative
 * `pnl_offset` and `max_offsetable_pnl` (the published values) a gain aggregates to ≥ 0 and can never
 * be the worst, so its offset (a division) is skipped; for the same reason a factor the account has
 * no position on, no coin collateral in and does not keep its accounts in adds exactly 0 and is skipped.
 * The options' P&L at an extended move's edge depends only on the edge, so it is computed once per edge.
 */
import {
  type Dims, type KernelViews, PM_LIQ_THRESHOLD, PM_M_INC, PM_MAX_DELTA_SHOCK, PM_MAX_OFFSETABLE, PM_N_STD,
  PM_PNL_OFFSET, PM_STRIDE, type PmDims, type PmViews,
} from "./abi.js";
import { RiskError } from "../errors.js";

export function allocPmViews(d: PmDims): PmViews {
  const f = (n: number) => new Float64Array(n);
  const i = (n: number) => new Int32Array(n);
  const { nAcc: A, nPos: P, nFactors: U, nScen: S, nBuckets: B, nExt: E } = d;
  return {
    index: f(U), pmConst: f(U * PM_STRIDE), edge: i(U * E), extScale: f(U * E), dampUsd: f(U * E),
    bucketFactor: i(B), bucketRolls: i(B), rollRate: f(B),
    posStart: i(A), posLen: i(A), posInst: i(P), posQty: f(P),
    accCurrency: i(A), accCoin: f(A * U), accFixed: f(A), accCoinWeight: f(A * U), accFixedWeight: f(A),
    initial: f(A), maintenance: f(A), equity: f(A), status: i(A),
    rows: f((4 * U + 1) * (S + (S & 1))), groupBase: f(4 * U), touched: i(4 * U), bucketDelta: f(B), pre: f(S),
    marketSx: f(U * S), marketRatio: f(U * E), marketDamp: f(U * E), sums: f(2 * S),
    factorBuckets: i(U + 1 + B), factorDirty: i(U), cacheOk: i(A), keptWorstUsd: f(A * U), keptRoll: f(A * U),
    keptValue: f(A * U),
    factorFresh: i(U),
  };
}

/** Order of the dimension slots at the start of the wasm pm frame (wasm-layout.ts). */
export const PM_DIM_KEYS: readonly (keyof PmDims)[] = ["nAcc", "nPos", "nFactors", "nScen", "nBuckets", "nExt"];

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
 * The market inputs and the range of a call, checked before it (the wasm builds read memory at these
 * indexes: a bad one is an error here, never a trap or a read of another column). Accounts and
 * positions are checked by the tick itself as it reaches them (tickFault names what it found).
 */
export function checkPmTick(kd: Dims, pd: PmDims, v: PmViews, from: number, count: number): void {
  const U = pd.nFactors;
  const S = pd.nScen;
  if (kd.nFactors !== U || kd.nGroups !== 4 * U || kd.nScen !== S || kd.nBuckets !== pd.nBuckets) {
    throw bad("pmDims", "the deribit-pm tick needs the tick layout: nFactors, nScen and nBuckets as reserved, nGroups = 4·nFactors");
  }
  if (!Number.isInteger(from) || !Number.isInteger(count) || from < 0 || count < 0 || from + count > pd.nAcc) {
    throw bad("pmTick", `the deribit-pm tick's accounts [${from}, ${from} + ${count}) are not in [0, ${pd.nAcc})`);
  }
  for (let u = 0; u < U; u++) {
    const nStd = v.pmConst[u * PM_STRIDE + PM_N_STD];
    if (!Number.isInteger(nStd) || nStd < 0 || nStd + pd.nExt > S) throw bad(`pmConst[${u * PM_STRIDE}]`, `nStd ${nStd} out of range`);
    for (let e = 0; e < pd.nExt; e++) {
      const x = v.edge[u * pd.nExt + e];
      if (!(x >= 0 && x < S)) throw bad(`edge[${u * pd.nExt + e}]`, `extended-move edge ${x} is not a scenario`);
    }
  }
}

/** What the tick found out of range (assembly/pm-tick.ts returns the same codes), as an error. */
export const TICK_FAULTS = ["", "posStart", "accCurrency", "posInst", "group", "bucket"] as const;
export const FAULT_POS_START = 1;
export const FAULT_CURRENCY = 2;
export const FAULT_POS_INST = 3;
export const FAULT_GROUP = 4;
export const FAULT_BUCKET = 5;

export function tickFault(code: number, row: number): RiskError {
  const name = TICK_FAULTS[code] ?? `status ${code}`;
  return bad(`${name}[${row}]`, `kernel input ${name}[${row}] is out of range`);
}

/**
 * The tick over accounts [from, from + count): the instrument pass's outputs in `kv`, the rest in `v`.
 * Returns the first account whose IM, MM or equity is not finite, or −1.
 */
export function pmTickJs(
  kd: Dims, kv: KernelViews, pd: PmDims, v: PmViews, from: number, count: number, mmFactor: number, mmp: number,
): number {
  let firstNonFinite = -1;
  const S = kd.nScen;
  const G = kd.nGroups;
  const B = kd.nBuckets;
  const nInst = kd.nInst;
  const U = pd.nFactors;
  const nExt = pd.nExt;
  const { index, pmConst: pmc, pre, rows, groupBase: base, touched, bucketDelta, posInst, posQty } = v;
  const { mult, cube, value, delta: instDelta, group, bucket } = kv;
  const coinColl = v.accCoin;
  for (let a = from; a < from + count; a++) {
    // The account pass's sums for this account, in the order of its positions.
    const p0 = v.posStart[a];
    const n = v.posLen[a];
    if (!(p0 >= 0 && n >= 0 && p0 <= pd.nPos - n)) throw tickFault(FAULT_POS_START, a);
    const cf = v.accCurrency[a];
    if (!(cf >= -1 && cf < U)) throw tickFault(FAULT_CURRENCY, a);
    rows.fill(0, 0, G * S);
    base.fill(0);
    touched.fill(0);
    bucketDelta.fill(0);
    for (let p = p0; p < p0 + n; p++) {
      const i = posInst[p];
      if (!(i >= 0 && i < nInst)) throw tickFault(FAULT_POS_INST, p);
      const g = group[i];
      const b = bucket[i];
      if (!(g >= 0 && g < G)) throw tickFault(FAULT_GROUP, i);
      if (!(b >= 0 && b < B)) throw tickFault(FAULT_BUCKET, i);
      const q = posQty[p];
      touched[g] = 1;
      base[g] += q * value[i];
      for (let s = 0; s < S; s++) rows[g * S + s] += q * cube[i * S + s];
      bucketDelta[b] += q * instDelta[i];
    }
    const collOff = a * U;
    const pc0 = cf < 0 ? 1 : index[cf];
    // Unshocked USD value of everything, per factor.
    let totalUsd = v.accFixed[a];
    let positionsUsd = 0;
    for (let f = 0; f < U; f++) {
      const g = 4 * f;
      const pos = base[g] + base[g + 2] + (base[g + 1] + base[g + 3]) * index[f];
      positionsUsd += pos;
      totalUsd += pos + coinColl[collOff + f] * index[f];
    }
    const positionsValue = positionsUsd / pc0;
    const base0 = totalUsd / pc0;
    let rmm = 0;
    for (let u = 0; u < U; u++) {
      const cu = u * PM_STRIDE;
      const pnlOffset = pmc[cu + PM_PNL_OFFSET];
      const maxOff = pmc[cu + PM_MAX_OFFSETABLE];
      const gainsCount = !(pnlOffset >= 0 && maxOff >= 0); // else a gain never sets the worst loss
      const g = 4 * u;
      const collU = coinColl[collOff + u];
      const acctIsU = cf === u;
      const Su = index[u];
      if (!gainsCount && !acctIsU && collU === 0 && !touched[g] && !touched[g + 1] && !touched[g + 2] && !touched[g + 3]) {
        rmm += 0 / pc0 + 0 * (Su / pc0); // nothing, added as the kernel adds its kept zeros
        continue;
      }
      const nStd = pmc[cu + PM_N_STD];
      const eu = u * nExt;
      const bl = base[g], bi = base[g + 1], bol = base[g + 2], boi = base[g + 3];
      const rl = g * S; // linear delta-one row; +S inverse; +2S linear options; +3S inverse options
      const ri = rl + S, rol = rl + 2 * S, roi = rl + 3 * S;
      const tl = touched[g], ti = touched[g + 1], tol = touched[g + 2], toi = touched[g + 3];
      const mu = u * S;
      // usd[s] = (a + lin[s]) + (c + inv[s])·Sx, lin and inv being the linear and inverse rows' sum
      // (the touched one alone when only one is touched). An account kept in this coin (acctIsU) counts
      // in coins: usd is everything's USD value and the P&L x = usd / Sx − base0. Any other account
      // counts this factor in USD: usd is the factor's own value and x = usd − ownB, converted at pc0
      // once at the end; so the factor's worst loss in USD depends on its own inputs only (the kernel
      // keeps it between ticks).
      const ownB = bl + bol + (bi + boi + collU) * Su;
      const a = acctIsU ? totalUsd - (bl + bol + (bi + boi) * Su + collU * Su) + bl + bol : bl + bol;
      const c = bi + boi + collU;
      let worst = 0;
      for (let s = 0; s < nStd; s++) {
        const Sx = Su * mult[mu + s];
        const lin = tl && tol ? rows[rl + s] + rows[rol + s] : tl ? rows[rl + s] : rows[rol + s];
        const inv = ti && toi ? rows[ri + s] + rows[roi + s] : ti ? rows[ri + s] : rows[roi + s];
        const usd = a + lin + (c + inv) * Sx;
        const x = acctIsU ? usd / Sx - base0 : usd - ownB;
        pre[s] = x;
        if (x < 0) {
          if (-x > worst) worst = -x;
        } else if (gainsCount) {
          const agg = Math.min(pnlOffset * x, acctIsU ? maxOff / Sx : maxOff);
          if (-agg > worst) worst = -agg;
        }
      }
      const hasOptions = tol === 1 || toi === 1;
      // Without options (and gains not counting) an extended move's P&L is its edge's, a standard
      // scenario's already seen: nothing to add (the kernel skips the loop; the bits are the same).
      const extNeeded = hasOptions || gainsCount;
      // The options' own value at the index (coins for acctIsU, where it is converted, else USD).
      const opt0 = acctIsU ? (bol + boi * Su) / pc0 : bol + boi * Su;
      let lastEdge = -1;
      let optE = 0;
      for (let e = 0; e < (extNeeded ? nExt : 0); e++) {
        const s = nStd + e;
        const edge = v.edge[eu + e];
        if (edge !== lastEdge) {
          lastEdge = edge;
          const Se = Su * mult[mu + edge];
          const valE = bol + rows[rol + edge] + (boi + rows[roi + edge]) * Se;
          optE = hasOptions ? (acctIsU ? valE / Se : valE) - opt0 : 0;
        }
        const Sx = Su * mult[mu + s];
        // Options' P&L at the extended move and at the same-side edge.
        const val = bol + rows[rol + s] + (boi + rows[roi + s]) * Sx;
        const optS = hasOptions ? (acctIsU ? val / Sx : val) - opt0 : 0;
        const rest = pre[edge] - optE;
        // pcS / pcE and the damper in coins at the edge's price (acctIsU), else 1 and USD.
        const ratio = acctIsU ? Sx / (Su * mult[mu + edge]) : 1;
        const adj = optS * v.extScale[eu + e] * ratio;
        const damp = Math.min(acctIsU ? v.dampUsd[eu + e] / (Su * mult[mu + edge]) : v.dampUsd[eu + e], Math.abs(adj));
        const x = (adj > 0 ? adj - damp : adj < 0 ? adj + damp : adj) + rest;
        if (x < 0) {
          if (-x > worst) worst = -x;
        } else if (gainsCount) {
          const agg = Math.min(pnlOffset * x, acctIsU ? maxOff / Sx : maxOff);
          if (-agg > worst) worst = -agg;
        }
      }
      let roll = 0;
      let delta = 0;
      for (let b = 0; b < B; b++) {
        if (v.bucketFactor[b] !== u) continue;
        const d = bucketDelta[b];
        delta += d;
        if (!v.bucketRolls[b]) continue;
        roll += v.rollRate[b] * Math.abs(d);
      }
      const absDelta = Math.abs(delta);
      const shockRate = Math.min(Math.max(absDelta - pmc[cu + PM_LIQ_THRESHOLD] / Su, 0) * pmc[cu + PM_M_INC], pmc[cu + PM_MAX_DELTA_SHOCK]);
      const rollTerm = roll + absDelta * shockRate;
      rmm += (acctIsU ? worst : worst / pc0) + rollTerm * (Su / pc0);
    }
    // Haircut collateral (Σ amount × price × weight) in the account currency, plus the positions.
    let usd = v.accFixed[a] * v.accFixedWeight[a];
    for (let f = 0; f < U; f++) usd += coinColl[collOff + f] * index[f] * v.accCoinWeight[collOff + f];
    const equity = usd / pc0 + positionsValue;
    const im = rmm + mmp;
    const mm = mmFactor * rmm;
    v.initial[a] = im;
    v.maintenance[a] = mm;
    v.equity[a] = equity;
    v.status[a] = equity < 0 ? 3 : equity < mm ? 2 : equity < im ? 1 : 0;
    if (firstNonFinite < 0 && !(im - im === 0 && mm - mm === 0 && equity - equity === 0)) firstNonFinite = a;
  }
  return firstNonFinite;
}
