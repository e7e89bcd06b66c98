// deribit-pm tick of a tick session: per account, from its resident positions, the account pass's
// sums (qty·cube rows per group, qty·value per group, qty·delta per bucket, in the order of its
// positions) into scratch that stays in cache, then the risk-matrix margin, IM, MM, equity and status.
// The reference is src/kernel/pm-reduce.ts (pmTickJs): the same operations in the same order, so the
// simd and scalar builds give the same bits, and the js backend's too (IEEE f64 arithmetic, min/max/abs
// with the same NaN and ±0 rules). The market inputs are checked by the TS layer (checkPmTick) before
// the call; accounts and positions are checked here as they are reached (a fault code and badRow).
// Per account and factor it keeps the numbers a tick did not move (abi.ts "deribit-pm tick": factorDirty,
// cacheOk, kept*): recomputing them gives the same bits, which is what the js reference does.
import {
  col, dim, F_BUCKET, F_CUBE, F_DELTA, F_GROUP, F_MULT, F_N_BUCKETS, F_N_GROUPS, F_N_INST, F_N_SCEN, F_VALUE,
} from "./frame";
import { inRange, setBadRow } from "./checks";

// The pm frame (src/kernel/wasm-layout.ts PM_DIM_KEYS, then PM_COLUMNS in order).
export const P_N_ACC = 0;
export const P_N_POS = 1;
export const P_N_FACTORS = 2;
export const P_N_SCEN = 3;
export const P_N_BUCKETS = 4;
export const P_N_EXT = 5;
export const P_INDEX = 6;
export const P_CONST = 7;
export const P_EDGE = 8;
export const P_EXT_SCALE = 9;
export const P_DAMP = 10;
export const P_BUCKET_FACTOR = 11;
export const P_BUCKET_ROLLS = 12;
export const P_ROLL_RATE = 13;
export const P_POS_START = 14;
export const P_POS_LEN = 15;
export const P_POS_INST = 16;
export const P_POS_QTY = 17;
export const P_ACC_CURRENCY = 18;
export const P_ACC_COIN = 19;
export const P_ACC_FIXED = 20;
export const P_ACC_COIN_WEIGHT = 21;
export const P_ACC_FIXED_WEIGHT = 22;
export const P_INITIAL = 23;
export const P_MAINTENANCE = 24;
export const P_EQUITY = 25;
export const P_STATUS = 26;
export const P_ROWS = 27;
export const P_GROUP_BASE = 28;
export const P_TOUCHED = 29;
export const P_BUCKET_DELTA = 30;
export const P_PRE = 31;
export const P_MARKET_SX = 32;
export const P_MARKET_RATIO = 33;
export const P_MARKET_DAMP = 34;
export const P_SUMS = 35;
export const P_FACTOR_BUCKETS = 36;
export const P_FACTOR_DIRTY = 37;
export const P_CACHE_OK = 38;
export const P_KEPT_WORST_USD = 39;
export const P_KEPT_ROLL = 40;
export const P_KEPT_VALUE = 41;
export const P_FACTOR_FRESH = 42;
export const PM_FRAME_SLOTS = 43;

/** First account of the last pmTick whose IM, MM or equity is not finite, −1 if none. */
export let firstNonFinite: i32 = -1;

// Fault codes (src/kernel/pm-reduce.ts TICK_FAULTS).
const FAULT_POS_START = 1;
const FAULT_CURRENCY = 2;
const FAULT_POS_INST = 3;
const FAULT_GROUP = 4;
const FAULT_BUCKET = 5;

// pmConst per factor (abi.ts PM_*).
const PM_N_STD = 0;
const PM_PNL_OFFSET = 1;
const PM_MAX_OFFSETABLE = 2;
const PM_LIQ_THRESHOLD = 3;
const PM_M_INC = 4;
const PM_MAX_DELTA_SHOCK = 5;
const PM_STRIDE = 6;

@inline function ld(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}

@inline function ldi(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}

@inline function st(p: usize, i: i32, x: f64): void {
  store<f64>(p + (<usize>i << 3), x);
}

/** out[s] = x[s] + y[s] for s < n; returns out. */
@inline function addRows(out: usize, x: usize, y: usize, n: i32): usize {
  let off: usize = 0;
  const end = <usize>n << 3;
  if (ASC_FEATURE_SIMD) {
    for (; off + 16 <= end; off += 16) v128.store(out + off, f64x2.add(v128.load(x + off), v128.load(y + off)));
  }
  for (; off < end; off += 8) store<f64>(out + off, load<f64>(x + off) + load<f64>(y + off));
  return out;
}

/**
 * An extended move's `rest`: the P&L x at its edge (standard scenario `edge`, from pre[]) minus the
 * options' part there: in coins for an account kept in this coin (pcE = the edge's price), else in USD.
 */
@inline function edgeRest(
  edge: i32, sx: usize, rol: usize, roi: usize, pre: usize, acctIsU: bool, hasOptions: bool,
  pc0: f64, ownB: f64, bol: f64, boi: f64, opt0: f64,
): f64 {
  const Se = ld(sx, edge);
  const val = bol + ld(rol, edge) + (boi + ld(roi, edge)) * Se;
  const optE = hasOptions ? (acctIsU ? val / Se : val) - opt0 : 0;
  return (acctIsU ? ld(pre, edge) : ld(pre, edge) - ownB) - optE;
}

/**
 * Position r of a run of group g ending before p1: its instrument when it continues the run; −1 when
 * the run ends there; −1 − a fault code (badRow set) when its instrument or group is out of range.
 */
@inline function nextOfRun(posInst: usize, group: usize, nInst: i32, G: i32, r: i32, p1: i32, g: i32): i32 {
  if (r >= p1) return -1;
  const i = ldi(posInst, r);
  if (!inRange(i, nInst)) {
    setBadRow(r);
    return -1 - FAULT_POS_INST;
  }
  const gr = ldi(group, i);
  if (!inRange(gr, G)) {
    setBadRow(i);
    return -1 - FAULT_GROUP;
  }
  return gr == g ? i : -1;
}

/**
 * Zeroes `bytes` (a multiple of 4) at p. For the few dozen bytes of an account's scratch: V8 runs
 * memory.fill as a call out of wasm, which cost more than the stores.
 */
@inline function zero(p: usize, bytes: usize): void {
  let off: usize = 0;
  if (ASC_FEATURE_SIMD) {
    const z = i64x2.splat(0);
    for (; off + 16 <= bytes; off += 16) v128.store(p + off, z);
  }
  for (; off + 8 <= bytes; off += 8) store<u64>(p + off, 0);
  if (off < bytes) store<u32>(p + off, 0);
}

@inline function addTo(p: usize, x: f64): void {
  store<f64>(p, load<f64>(p) + x);
}

/**
 * row[0..n) = (fresh ? 0 : row) + Σ q_k·cube[inst_k][0..n) for positions k ∈ [k0, k1) in order, each a
 * multiply then an add (as the js reference): a run of positions of one group accumulates in
 * registers, 18 scenarios at a time (9 accumulators: enough independent adds to hide their latency),
 * and the row is stored once per run. `n` is the scratch row's even length (nScen rounded up): with an
 * odd nScen the last lane reads the next cube row's first value (or the column's slack) into the
 * scratch row's padding, which nothing reads — cheaper than a scalar pass for one scenario.
 */
@inline function addRun(row: usize, cube: usize, cubeRowBytes: usize, n: i32, posInst: usize, posQty: usize, k0: i32, k1: i32, fresh: bool): void {
  const bytes = <usize>n << 3;
  let off: usize = 0;
  if (ASC_FEATURE_SIMD) {
    const z = f64x2.splat(0);
    for (; off + 144 <= bytes; off += 144) {
      const r = row + off;
      let a0 = fresh ? z : v128.load(r);
      let a1 = fresh ? z : v128.load(r, 16);
      let a2 = fresh ? z : v128.load(r, 32);
      let a3 = fresh ? z : v128.load(r, 48);
      let a4 = fresh ? z : v128.load(r, 64);
      let a5 = fresh ? z : v128.load(r, 80);
      let a6 = fresh ? z : v128.load(r, 96);
      let a7 = fresh ? z : v128.load(r, 112);
      let a8 = fresh ? z : v128.load(r, 128);
      for (let k = k0; k < k1; k++) {
        const c = cube + <usize>ldi(posInst, k) * cubeRowBytes + off;
        const q = f64x2.splat(ld(posQty, k));
        a0 = f64x2.add(a0, f64x2.mul(q, v128.load(c)));
        a1 = f64x2.add(a1, f64x2.mul(q, v128.load(c, 16)));
        a2 = f64x2.add(a2, f64x2.mul(q, v128.load(c, 32)));
        a3 = f64x2.add(a3, f64x2.mul(q, v128.load(c, 48)));
        a4 = f64x2.add(a4, f64x2.mul(q, v128.load(c, 64)));
        a5 = f64x2.add(a5, f64x2.mul(q, v128.load(c, 80)));
        a6 = f64x2.add(a6, f64x2.mul(q, v128.load(c, 96)));
        a7 = f64x2.add(a7, f64x2.mul(q, v128.load(c, 112)));
        a8 = f64x2.add(a8, f64x2.mul(q, v128.load(c, 128)));
      }
      v128.store(r, a0);
      v128.store(r, a1, 16);
      v128.store(r, a2, 32);
      v128.store(r, a3, 48);
      v128.store(r, a4, 64);
      v128.store(r, a5, 80);
      v128.store(r, a6, 96);
      v128.store(r, a7, 112);
      v128.store(r, a8, 128);
    }
    for (; off < bytes; off += 16) {
      const r = row + off;
      let a = fresh ? z : v128.load(r);
      for (let k = k0; k < k1; k++) {
        a = f64x2.add(a, f64x2.mul(f64x2.splat(ld(posQty, k)), v128.load(cube + <usize>ldi(posInst, k) * cubeRowBytes + off)));
      }
      v128.store(r, a);
    }
    return;
  }
  for (; off + 72 <= bytes; off += 72) {
    const r = row + off;
    let a0 = fresh ? 0.0 : load<f64>(r);
    let a1 = fresh ? 0.0 : load<f64>(r, 8);
    let a2 = fresh ? 0.0 : load<f64>(r, 16);
    let a3 = fresh ? 0.0 : load<f64>(r, 24);
    let a4 = fresh ? 0.0 : load<f64>(r, 32);
    let a5 = fresh ? 0.0 : load<f64>(r, 40);
    let a6 = fresh ? 0.0 : load<f64>(r, 48);
    let a7 = fresh ? 0.0 : load<f64>(r, 56);
    let a8 = fresh ? 0.0 : load<f64>(r, 64);
    for (let k = k0; k < k1; k++) {
      const c = cube + <usize>ldi(posInst, k) * cubeRowBytes + off;
      const q = ld(posQty, k);
      a0 += q * load<f64>(c);
      a1 += q * load<f64>(c, 8);
      a2 += q * load<f64>(c, 16);
      a3 += q * load<f64>(c, 24);
      a4 += q * load<f64>(c, 32);
      a5 += q * load<f64>(c, 40);
      a6 += q * load<f64>(c, 48);
      a7 += q * load<f64>(c, 56);
      a8 += q * load<f64>(c, 64);
    }
    store<f64>(r, a0);
    store<f64>(r, a1, 8);
    store<f64>(r, a2, 16);
    store<f64>(r, a3, 24);
    store<f64>(r, a4, 32);
    store<f64>(r, a5, 40);
    store<f64>(r, a6, 48);
    store<f64>(r, a7, 56);
    store<f64>(r, a8, 64);
  }
  for (; off < bytes; off += 8) {
    const r = row + off;
    let a = fresh ? 0.0 : load<f64>(r);
    for (let k = k0; k < k1; k++) a += ld(posQty, k) * load<f64>(cube + <usize>ldi(posInst, k) * cubeRowBytes + off);
    store<f64>(r, a);
  }
}

/**
 * Accounts [from, from + count) → pmFrame's outputs; 0, or a fault code with badRow set (accounts
 * before the faulty one have their outputs).
 */
export function pmTick(frame: usize, pmFrame: usize, from: i32, count: i32, mmFactor: f64, mmp: f64): i32 {
  const nInst = dim(frame, F_N_INST);
  const S = dim(frame, F_N_SCEN);
  const G = dim(frame, F_N_GROUPS);
  const B = dim(frame, F_N_BUCKETS);
  const mult = col(frame, F_MULT);
  const cube = col(frame, F_CUBE);
  const value = col(frame, F_VALUE);
  const instDelta = col(frame, F_DELTA);
  const group = col(frame, F_GROUP);
  const bucket = col(frame, F_BUCKET);
  const U = dim(pmFrame, P_N_FACTORS);
  const nPos = dim(pmFrame, P_N_POS);
  const nExt = dim(pmFrame, P_N_EXT);
  const index = col(pmFrame, P_INDEX);
  const pmc = col(pmFrame, P_CONST);
  const edges = col(pmFrame, P_EDGE);
  const extScale = col(pmFrame, P_EXT_SCALE);
  const dampUsd = col(pmFrame, P_DAMP);
  const bucketFactor = col(pmFrame, P_BUCKET_FACTOR);
  const bucketRolls = col(pmFrame, P_BUCKET_ROLLS);
  const rollRate = col(pmFrame, P_ROLL_RATE);
  const posStart = col(pmFrame, P_POS_START);
  const posLen = col(pmFrame, P_POS_LEN);
  const posInst = col(pmFrame, P_POS_INST);
  const posQty = col(pmFrame, P_POS_QTY);
  const accCurrency = col(pmFrame, P_ACC_CURRENCY);
  const coinColl = col(pmFrame, P_ACC_COIN);
  const accFixed = col(pmFrame, P_ACC_FIXED);
  const coinWeight = col(pmFrame, P_ACC_COIN_WEIGHT);
  const fixedWeight = col(pmFrame, P_ACC_FIXED_WEIGHT);
  const outIm = col(pmFrame, P_INITIAL);
  const outMm = col(pmFrame, P_MAINTENANCE);
  const outEquity = col(pmFrame, P_EQUITY);
  const outStatus = col(pmFrame, P_STATUS);
  const rows = col(pmFrame, P_ROWS);
  const base = col(pmFrame, P_GROUP_BASE);
  const touched = col(pmFrame, P_TOUCHED);
  const bucketDelta = col(pmFrame, P_BUCKET_DELTA);
  const pre = col(pmFrame, P_PRE);
  const marketSx = col(pmFrame, P_MARKET_SX);
  const marketRatio = col(pmFrame, P_MARKET_RATIO);
  const marketDamp = col(pmFrame, P_MARKET_DAMP);
  const linSum = col(pmFrame, P_SUMS);
  const factorBuckets = col(pmFrame, P_FACTOR_BUCKETS);
  const factorDirty = col(pmFrame, P_FACTOR_DIRTY);
  const cacheOk = col(pmFrame, P_CACHE_OK);
  const keptWorstUsd = col(pmFrame, P_KEPT_WORST_USD);
  const keptRoll = col(pmFrame, P_KEPT_ROLL);
  const keptValue = col(pmFrame, P_KEPT_VALUE);
  const fresh = col(pmFrame, P_FACTOR_FRESH);
  const invSum = linSum + (<usize>S << 3);
  const rowLen = S + (S & 1); // scratch rows: even length (see addRun)
  const rowBytes = <usize>rowLen << 3;
  const cubeRowBytes = <usize>S << 3;
  // The row every untouched group reads: zeros.
  const zeroRow = rows + <usize>G * rowBytes;
  memory.fill(zeroRow, 0, rowBytes);
  // Market-level numbers every account reuses: Su·mult per scenario, and per extended move the
  // ratio pcS / pcE and the damper dampUsd / pcE of accounts kept in that coin (pc = the move's price).
  for (let u = 0; u < U; u++) {
    const Su = ld(index, u);
    for (let s = 0; s < S; s++) st(marketSx, u * S + s, Su * ld(mult, u * S + s));
    const nStd = <i32>ld(pmc, u * PM_STRIDE + PM_N_STD);
    for (let e = 0; e < nExt; e++) {
      const Se = ld(marketSx, u * S + ldi(edges, u * nExt + e));
      st(marketRatio, u * nExt + e, ld(marketSx, u * S + nStd + e) / Se);
      st(marketDamp, u * nExt + e, ld(dampUsd, u * nExt + e) / Se);
    }
  }

  // The buckets of each factor, in bucket order: [starts (U + 1), then bucket indexes].
  let nb = 0;
  for (let u = 0; u < U; u++) {
    store<i32>(factorBuckets + (<usize>u << 2), nb);
    for (let b = 0; b < B; b++) {
      if (ldi(bucketFactor, b) == u) store<i32>(factorBuckets + (<usize>(U + 1 + nb++) << 2), b);
    }
  }
  store<i32>(factorBuckets + (<usize>U << 2), nb);

  firstNonFinite = -1;
  for (let j = from; j < from + count; j++) {
    // The account pass's sums for this account, in the order of its positions. A group's row starts
    // from 0 with its first run; untouched groups read the zero row.
    const p0 = ldi(posStart, j);
    const n = ldi(posLen, j);
    setBadRow(j);
    if (p0 < 0 || n < 0 || p0 > nPos - n) return FAULT_POS_START;
    const cf = ldi(accCurrency, j);
    if (cf < -1 || cf >= U) return FAULT_CURRENCY;
    // Which factors to compute: a factor's worst loss in USD, roll term and positions' value depend
    // on its own positions, coin collateral and market only (converted at pc0 when added up), so they
    // are kept per account while none of that changed (factorDirty: its market; cacheOk: the account).
    // The factor an account is kept in moves everything it holds: computed every time.
    const ok = ldi(cacheOk, j) != 0;
    for (let u = 0; u < U; u++) {
      store<i32>(fresh + (<usize>u << 2), !ok || cf == u || ldi(factorDirty, u) != 0 ? 1 : 0);
    }
    zero(base, <usize>G << 3);
    zero(touched, <usize>G << 2);
    zero(bucketDelta, <usize>B << 3);
    // Runs of consecutive positions of one group (a session keeps each account's positions grouped,
    // so a group is usually one run). Each position is checked as it is reached, in the reference's
    // order (instrument, group, bucket); values and deltas are summed one by one, cube rows per run.
    const p1 = p0 + n;
    for (let p = p0; p < p1;) {
      const i = ldi(posInst, p);
      if (!inRange(i, nInst)) {
        setBadRow(p);
        return FAULT_POS_INST;
      }
      const g = ldi(group, i);
      if (!inRange(g, G)) {
        setBadRow(i);
        return FAULT_GROUP;
      }
      let r = p + 1;
      let next: i32;
      if (ldi(fresh, g >> 2) == 0) {
        // A factor kept from the last call: only the run's extent (positions checked as everywhere).
        while ((next = nextOfRun(posInst, group, nInst, G, r, p1, g)) >= 0) r++;
        if (next < -1) return -1 - next;
        p = r;
        continue;
      }
      const gBase = base + (<usize>g << 3);
      // The group's value in a register through the run (the same additions in the same order as
      // adding into memory position by position, without a store-to-load chain).
      let gValue = load<f64>(gBase);
      let ir = i;
      while (true) {
        const b = ldi(bucket, ir);
        if (!inRange(b, B)) {
          store<f64>(gBase, gValue);
          setBadRow(ir);
          return FAULT_BUCKET;
        }
        const q = ld(posQty, r - 1);
        gValue += q * ld(value, ir);
        addTo(bucketDelta + (<usize>b << 3), q * ld(instDelta, ir));
        next = nextOfRun(posInst, group, nInst, G, r, p1, g);
        if (next < 0) break;
        ir = next;
        r++;
      }
      store<f64>(gBase, gValue);
      if (next < -1) return -1 - next;
      const t = touched + (<usize>g << 2);
      addRun(rows + <usize>g * rowBytes, cube, cubeRowBytes, rowLen, posInst, posQty, p, r, load<i32>(t) == 0);
      store<i32>(t, 1);
      p = r;
    }
    const collOff = j * U;
    const pc0: f64 = cf < 0 ? 1.0 : ld(index, cf);
    // Unshocked USD value of everything, per factor.
    let totalUsd = ld(accFixed, j);
    let positionsUsd: f64 = 0;
    for (let f = 0; f < U; f++) {
      const g = 4 * f;
      const kept = <usize>(collOff + f) << 3;
      let pos: f64;
      if (ldi(fresh, f) != 0) {
        pos = ld(base, g) + ld(base, g + 2) + (ld(base, g + 1) + ld(base, g + 3)) * ld(index, f);
        store<f64>(keptValue + kept, pos);
      } else pos = load<f64>(keptValue + kept);
      positionsUsd += pos;
      totalUsd += pos + ld(coinColl, collOff + f) * ld(index, f);
    }
    const positionsValue = positionsUsd / pc0;
    const base0 = totalUsd / pc0;
    let rmm: f64 = 0;
    for (let u = 0; u < U; u++) {
      const cu = u * PM_STRIDE;
      const pnlOffset = ld(pmc, cu + PM_PNL_OFFSET);
      const maxOff = ld(pmc, cu + PM_MAX_OFFSETABLE);
      const gainsCount = !(pnlOffset >= 0 && maxOff >= 0); // else a gain never sets the worst loss
      const g = 4 * u;
      const collU = ld(coinColl, collOff + u);
      const acctIsU = cf == u;
      const t = touched + (<usize>g << 2);
      const Su = ld(index, u);
      const keptWorst = keptWorstUsd + (<usize>(collOff + u) << 3);
      const keptRollAt = keptRoll + (<usize>(collOff + u) << 3);
      if (ldi(fresh, u) == 0) {
        rmm += load<f64>(keptWorst) / pc0 + load<f64>(keptRollAt) * (Su / pc0);
        continue;
      }
      if (!gainsCount && !acctIsU && collU == 0 && (load<i32>(t) | load<i32>(t, 4) | load<i32>(t, 8) | load<i32>(t, 12)) == 0) {
        store<f64>(keptWorst, 0);
        store<f64>(keptRollAt, 0);
        rmm += 0 / pc0 + 0 * (Su / pc0); // what keeping it gives, as the reference
        continue;
      }
      const nStd = <i32>ld(pmc, cu + PM_N_STD);
      const eu = u * nExt;
      const bl = ld(base, g);
      const bi = ld(base, g + 1);
      const bol = ld(base, g + 2);
      const boi = ld(base, g + 3);
      // Rows (byte addresses): linear delta-one, inverse delta-one, linear options, inverse options;
      // untouched ones read the zero row. A scenario's USD value needs the linear and the inverse sums
      // only: the touched row, or both added into scratch when both are touched.
      const tl = load<i32>(t) != 0;
      const ti = load<i32>(t, 4) != 0;
      const tol = load<i32>(t, 8) != 0;
      const toi = load<i32>(t, 12) != 0;
      const rl = tl ? rows + <usize>g * rowBytes : zeroRow;
      const ri = ti ? rows + <usize>(g + 1) * rowBytes : zeroRow;
      const rol = tol ? rows + <usize>(g + 2) * rowBytes : zeroRow;
      const roi = toi ? rows + <usize>(g + 3) * rowBytes : zeroRow;
      const lin = tl && tol ? addRows(linSum, rl, rol, nStd) : tl ? rl : rol;
      const inv = ti && toi ? addRows(invSum, ri, roi, nStd) : ti ? ri : roi;
      const mu = u * S;
      const sx = marketSx + (<usize>mu << 3); // Su·mult, per scenario
      // usd[s] = (a + lin[s]) + (c + inv[s])·Sx. An account kept in this coin (acctIsU) counts in coins:
      // usd is everything's USD value and the P&L x = usd / Sx − base0. Any other account counts this
      // factor in USD: usd is the factor's own value, its P&L usd − ownB, converted at pc0 once, at the
      // end; so the factor's worst loss in USD depends on its own inputs only and is kept between ticks.
      const ownB = bl + bol + (bi + boi + collU) * Su;
      const a = acctIsU ? totalUsd - (bl + bol + (bi + boi) * Su + collU * Su) + bl + bol : bl + bol;
      const c = bi + boi + collU;
      // pre[s]: x (acctIsU) or usd (others) of standard scenario s.
      let worst: f64 = 0;
      let lo = Infinity; // gains not counting: the lowest x (acctIsU) or usd; NaN never passes
      let s0 = 0;
      if (ASC_FEATURE_SIMD && !gainsCount) {
        // Two scenarios per step, each lane with the scalar loop's operations in its order; the lowest
        // is a running pmin (the scalar loop's select), which does not depend on the order the scenarios
        // are seen in: the same bits as the scalar build.
        const va = f64x2.splat(a);
        const vc = f64x2.splat(c);
        const vbase0 = f64x2.splat(base0);
        // Two running minima (four scenarios a step): one would chain every step on pmin's latency.
        let vlo = f64x2.splat(Infinity);
        let vlo2 = vlo;
        for (; s0 + 3 < nStd; s0 += 4) {
          const o = <usize>s0 << 3;
          const Sx = v128.load(sx + o);
          const Sx2 = v128.load(sx + o, 16);
          const usd = f64x2.add(f64x2.add(va, v128.load(lin + o)), f64x2.mul(f64x2.add(vc, v128.load(inv + o)), Sx));
          const usd2 = f64x2.add(f64x2.add(va, v128.load(lin + o, 16)), f64x2.mul(f64x2.add(vc, v128.load(inv + o, 16)), Sx2));
          const y = acctIsU ? f64x2.sub(f64x2.div(usd, Sx), vbase0) : usd;
          const y2 = acctIsU ? f64x2.sub(f64x2.div(usd2, Sx2), vbase0) : usd2;
          v128.store(pre + o, y);
          v128.store(pre + o, y2, 16);
          vlo = f64x2.pmin(vlo, y);
          vlo2 = f64x2.pmin(vlo2, y2);
        }
        for (; s0 + 1 < nStd; s0 += 2) {
          const o = <usize>s0 << 3;
          const Sx = v128.load(sx + o);
          const usd = f64x2.add(f64x2.add(va, v128.load(lin + o)), f64x2.mul(f64x2.add(vc, v128.load(inv + o)), Sx));
          const y = acctIsU ? f64x2.sub(f64x2.div(usd, Sx), vbase0) : usd;
          v128.store(pre + o, y);
          vlo = f64x2.pmin(vlo, y);
        }
        vlo = f64x2.pmin(vlo, vlo2);
        const l0 = f64x2.extract_lane(vlo, 0);
        const l1 = f64x2.extract_lane(vlo, 1);
        lo = l1 < l0 ? l1 : l0;
      }
      if (!ASC_FEATURE_SIMD && !gainsCount) {
        // The scalar build: two scenarios a step into two running minima (one select chain per
        // scenario would bound the loop); the lowest does not depend on the order (see above).
        let lo2 = Infinity;
        for (; s0 + 1 < nStd; s0 += 2) {
          const Sx = ld(sx, s0);
          const Sx2 = ld(sx, s0 + 1);
          const usd = a + ld(lin, s0) + (c + ld(inv, s0)) * Sx;
          const usd2 = a + ld(lin, s0 + 1) + (c + ld(inv, s0 + 1)) * Sx2;
          const y = acctIsU ? usd / Sx - base0 : usd;
          const y2 = acctIsU ? usd2 / Sx2 - base0 : usd2;
          st(pre, s0, y);
          st(pre, s0 + 1, y2);
          lo = y < lo ? y : lo;
          lo2 = y2 < lo2 ? y2 : lo2;
        }
        lo = lo2 < lo ? lo2 : lo;
      }
      for (let s = s0; s < nStd; s++) {
        const Sx = ld(sx, s);
        const usd = a + ld(lin, s) + (c + ld(inv, s)) * Sx;
        const y = acctIsU ? usd / Sx - base0 : usd;
        st(pre, s, y);
        if (!gainsCount) {
          lo = y < lo ? y : lo;
          continue;
        }
        const x = acctIsU ? y : y - ownB;
        const nx = -x;
        worst = nx > worst ? nx : worst;
        if (!(x < 0)) {
          const agg = Math.min(pnlOffset * x, acctIsU ? maxOff / Sx : maxOff);
          if (-agg > worst) worst = -agg;
        }
      }
      if (!gainsCount) {
        // The worst loss −x is the lowest x's (x = usd − ownB for others: monotone in usd).
        const nx = acctIsU ? -lo : -(lo - ownB);
        worst = nx > 0 ? nx : 0;
      }
      const hasOptions = tol || toi;
      // Without options (and gains not counting) an extended move's P&L is its edge's, a standard
      // scenario's already seen: nothing to add.
      if (hasOptions || gainsCount) {
        // The options' own value at the index (coins for acctIsU, where it is converted, else USD).
        const opt0 = acctIsU ? (bol + boi * Su) / pc0 : bol + boi * Su;
        let lastEdge = -1;
        let rest: f64 = 0; // x at lastEdge minus the options' part there
        let e0 = 0;
        if (ASC_FEATURE_SIMD && !gainsCount) {
          // Two moves per step, as in the scalar loop below; the worst loss again a running pmax.
          const vzero = f64x2.splat(0);
          const vone = f64x2.splat(1);
          const vbol = f64x2.splat(bol);
          const vboi = f64x2.splat(boi);
          const vopt0 = f64x2.splat(opt0);
          const vsign = f64x2.splat(-0.0);
          let vworst = f64x2.splat(worst);
          for (; e0 + 1 < nExt; e0 += 2) {
            const o = <usize>(nStd + e0) << 3;
            const om = <usize>(eu + e0) << 3;
            const ea = ldi(edges, eu + e0);
            if (ea != lastEdge) {
              lastEdge = ea;
              rest = edgeRest(ea, sx, rol, roi, pre, acctIsU, hasOptions, pc0, ownB, bol, boi, opt0);
            }
            const restA = rest;
            const eb = ldi(edges, eu + e0 + 1);
            if (eb != lastEdge) {
              lastEdge = eb;
              rest = edgeRest(eb, sx, rol, roi, pre, acctIsU, hasOptions, pc0, ownB, bol, boi, opt0);
            }
            const Sx = v128.load(sx + o);
            let optS = vzero;
            if (hasOptions) {
              const val = f64x2.add(f64x2.add(vbol, v128.load(rol + o)), f64x2.mul(f64x2.add(vboi, v128.load(roi + o)), Sx));
              optS = f64x2.sub(acctIsU ? f64x2.div(val, Sx) : val, vopt0);
            }
            const ratio = acctIsU ? v128.load(marketRatio + om) : vone;
            const adj = f64x2.mul(f64x2.mul(optS, v128.load(extScale + om)), ratio);
            const dampE = v128.load((acctIsU ? marketDamp : dampUsd) + om);
            // adj shrunk towards 0 by min(damp, |adj|): max(|adj| − damp, 0) with adj's sign. The
            // scalar loop's numbers (−a − d rounds to −(a + d)); only a zero's sign can differ, and a
            // zero never sets the worst loss. pmax (x < 0 ? 0 : x) keeps a NaN, as the scalar loop.
            const shrunk = v128.or(f64x2.pmax(f64x2.sub(f64x2.abs(adj), dampE), vzero), v128.and(adj, vsign));
            const vrest = f64x2.replace_lane(f64x2.splat(restA), 1, rest);
            vworst = f64x2.pmax(vworst, f64x2.neg(f64x2.add(shrunk, vrest)));
          }
          const w0 = f64x2.extract_lane(vworst, 0);
          const w1 = f64x2.extract_lane(vworst, 1);
          worst = w1 > w0 ? w1 : w0;
        }
        for (let e = e0; e < nExt; e++) {
          const s = nStd + e;
          const edge = ldi(edges, eu + e);
          if (edge != lastEdge) {
            lastEdge = edge;
            rest = edgeRest(edge, sx, rol, roi, pre, acctIsU, hasOptions, pc0, ownB, bol, boi, opt0);
          }
          const Sx = ld(sx, s);
          // Options' P&L at the extended move.
          const val = bol + ld(rol, s) + (boi + ld(roi, s)) * Sx;
          const optS = hasOptions ? (acctIsU ? val / Sx : val) - opt0 : 0;
          const ratio = acctIsU ? ld(marketRatio, eu + e) : 1.0;
          const adj = optS * ld(extScale, eu + e) * ratio;
          const damp = Math.min(acctIsU ? ld(marketDamp, eu + e) : ld(dampUsd, eu + e), Math.abs(adj));
          const x = (adj > 0 ? adj - damp : adj < 0 ? adj + damp : adj) + rest;
          const nx = -x;
          worst = nx > worst ? nx : worst;
          if (gainsCount && !(x < 0)) {
            const agg = Math.min(pnlOffset * x, acctIsU ? maxOff / Sx : maxOff);
            if (-agg > worst) worst = -agg;
          }
        }
      }
      let roll: f64 = 0;
      let delta: f64 = 0;
      for (let k = ldi(factorBuckets, u); k < ldi(factorBuckets, u + 1); k++) {
        const b = ldi(factorBuckets, U + 1 + k);
        const d = ld(bucketDelta, b);
        delta += d;
        if (ldi(bucketRolls, b) == 0) continue;
        roll += ld(rollRate, b) * Math.abs(d);
      }
      const absDelta = Math.abs(delta);
      const shockRate = Math.min(
        Math.max(absDelta - ld(pmc, cu + PM_LIQ_THRESHOLD) / Su, 0) * ld(pmc, cu + PM_M_INC),
        ld(pmc, cu + PM_MAX_DELTA_SHOCK),
      );
      const rollTerm = roll + absDelta * shockRate;
      if (acctIsU) rmm += worst + rollTerm * (Su / pc0);
      else {
        store<f64>(keptWorst, worst);
        store<f64>(keptRollAt, rollTerm);
        rmm += worst / pc0 + rollTerm * (Su / pc0);
      }
    }
    // Haircut collateral (Σ amount × price × weight) in the account currency, plus the positions.
    let usd = ld(accFixed, j) * ld(fixedWeight, j);
    for (let f = 0; f < U; f++) usd += ld(coinColl, collOff + f) * ld(index, f) * ld(coinWeight, collOff + f);
    const equity = usd / pc0 + positionsValue;
    const im = rmm + mmp;
    const mm = mmFactor * rmm;
    st(outIm, j, im);
    st(outMm, j, mm);
    st(outEquity, j, equity);
    store<i32>(outStatus + (<usize>j << 2), equity < 0 ? 3 : equity < mm ? 2 : equity < im ? 1 : 0);
    store<i32>(cacheOk + (<usize>j << 2), 1);
    if (firstNonFinite < 0 && !(im - im == 0 && mm - mm == 0 && equity - equity == 0)) firstNonFinite = j;
  }
  setBadRow(-1);
  return 0;
}
