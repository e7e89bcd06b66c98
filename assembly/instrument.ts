// Instrument pass: per instrument its value and greeks (scalar, once) and its row of the scenario
// cube (f64x2 over pairs of scenarios in the SIMD build, one scenario at a time in the scalar build).
import {
  col, dim, F_CP, F_CUBE, F_DELTA, F_DF, F_DFDS, F_FACTOR, F_FWD, F_GAMMA, F_KIND, F_LN_MULT, F_MULT,
  F_N_INST, F_N_SCEN, F_RATE, F_RHO, F_SIZE, F_STRIKE, F_TAU, F_THETA, F_VALUE, F_VEGA, F_VOL,
  F_VOL_FLOOR, F_VOL_MULT, F_VOL_SHIFT,
} from "./frame";
import {
  HART_SPLIT, INV_SQRT_2PI, KIND_DELTA1_LINEAR, KIND_OPTION_INVERSE, KIND_OPTION_LINEAR, MIN_STDDEV,
} from "./consts";
import {
  black1, black1v, lastE1, lastN1, P_BASE, P_CP, P_DFCP, P_F, P_FK, P_INVK, P_K, P_SIG, P_SIZE, P_SQT,
  P_VM, P_X, park, parked, shockedSd1, shockedSd2, expArg, stageD1, stageE, stageN, stageNearN, stageV,
} from "./black76";
import { splat } from "./simd-math";

// ---- SIMD rows: lanes are two scenarios; invariants parked (black76.ts) ----------------------------

/** Scenarios per chunk of an option row (even): the scratch rows stay in L1. */
const CHUNK = 64;
// Scratch rows of a chunk of n scenarios: the n values for d1, then (from byte `half`, the chunk's
// pair-rounded size) the n values for d2, so stage N runs over both in one loop.
const D = memory.data(2 * CHUNK * 8, 16); // d
const E = memory.data(2 * CHUNK * 8, 16); // e^{−d²/2}
const N = memory.data(2 * CHUNK * 8, 16); // N(cp·d)

/** Cube value of one option under a scenario pair (stage V and the settlement). */
@inline function optionValue(mult: usize, off: usize, half: usize, inverse: bool): v128 {
  const F = f64x2.mul(parked(P_F), v128.load(mult + off));
  const usd = stageV(v128.load(N + off), v128.load(N + half + off), F);
  const v = inverse ? f64x2.div(usd, F) : usd;
  return f64x2.sub(v, parked(P_BASE));
}

/**
 * One option's cube row, a chunk of scenarios at a time, each chunk in three small loops (stages D
 * and E; N over d1 and d2; V and the store). Odd rows: lane 1 of the last pair reads one element
 * past the row (the layout leaves 16 bytes of slack) and is never stored.
 */
@inline function optionRow2(
  mult: usize, lnMult: usize, volShift: usize, volFloor: usize, cube: usize, S: i32, inverse: bool,
): void {
  for (let c = 0; c < S; c += CHUNK) {
    const n = min(S - c, CHUNK);
    const at = <usize>c << 3;
    const half = <usize>((n + 1) & ~1) << 3;
    const evenEnd = <usize>(n & ~1) << 3;
    // stages D and E, tracking the range of d over the chunk (d2 < d1: max d1 and min d2)
    let hi = splat(0.0);
    let lo = splat(0.0);
    for (let off: usize = 0; off < half; off += 16) {
      const sd = shockedSd2(v128.load(volShift + at + off), v128.load(volFloor + at + off));
      const d1 = stageD1(f64x2.add(parked(P_X), v128.load(lnMult + at + off)), sd);
      const d2 = f64x2.sub(d1, sd);
      v128.store(D + off, d1);
      v128.store(D + half + off, d2);
      v128.store(E + off, expArg(d1));
      hi = f64x2.pmax(hi, d1);
      lo = f64x2.pmin(lo, d2);
    }
    for (let off: usize = 0; off < half; off += 16) {
      stageE(v128.load(E + off), mult + at + off, E + off, E + half + off);
    }
    // stage N. When no |d| in the chunk reaches Hart's split, the near-only loop gives the same bits
    // as the full one (its bitselects would all pick the near branch) at half the work.
    const end = half << 1;
    if (v128.any_true(f64x2.ge(f64x2.pmax(hi, f64x2.neg(lo)), splat(HART_SPLIT)))) {
      for (let off: usize = 0; off < end; off += 16) {
        v128.store(N + off, stageN(v128.load(D + off), v128.load(E + off)));
      }
    } else {
      for (let off: usize = 0; off < end; off += 16) {
        v128.store(N + off, stageNearN(v128.load(D + off), v128.load(E + off)));
      }
    }
    let off: usize = 0;
    for (; off < evenEnd; off += 16) v128.store(cube + at + off, optionValue(mult + at, off, half, inverse));
    if (n & 1) store<f64>(cube + at + off, f64x2.extract_lane(optionValue(mult + at, off, half, inverse), 0));
  }
}

@inline function delta1Pair(mult: usize, inverse: bool): v128 {
  const F = f64x2.mul(parked(P_F), v128.load(mult));
  const v = inverse
    ? f64x2.mul(parked(P_SIZE), f64x2.sub(parked(P_INVK), f64x2.div(splat(1.0), F)))
    : f64x2.mul(parked(P_SIZE), f64x2.sub(F, parked(P_K)));
  return f64x2.sub(v, parked(P_BASE));
}

/** A futures/perpetual/spot cube row (same odd-row handling as optionRow2). */
@inline function delta1Row2(mult: usize, cube: usize, S: i32, inverse: bool): void {
  const evenEnd = <usize>(S & ~1) << 3;
  let off: usize = 0;
  for (; off < evenEnd; off += 16) v128.store(cube + off, delta1Pair(mult + off, inverse));
  if (S & 1) store<f64>(cube + off, f64x2.extract_lane(delta1Pair(mult + off, inverse), 0));
}

// ---- scalar twin ---------------------------------------------------------------------------------

// Instrument constants of the scalar loop (the SIMD loop parks the same values).
let cSig: f64 = 0, cVm: f64 = 0, cSqrtT: f64 = 0, cX: f64 = 0, cFk: f64 = 0, cF: f64 = 0, cK: f64 = 0;
let cDfcp: f64 = 0, cSize: f64 = 0, cCp: f64 = 0, cBase: f64 = 0, cInvK: f64 = 0;

@inline function cubeRow1(
  mult: usize, lnMult: usize, volShift: usize, volFloor: usize, cube: usize, S: i32, option: bool, inverse: bool,
): void {
  const sig = cSig, vm = cVm, sqrtT = cSqrtT, x = cX, fk = cFk, F0 = cF, K = cK;
  const dfcp = cDfcp, size = cSize, cp = cCp, base = cBase, invK = cInvK;
  const end = <usize>S << 3;
  for (let off: usize = 0; off < end; off += 8) {
    const M = load<f64>(mult + off);
    const F = F0 * M;
    let v: f64;
    if (option) {
      const sd = shockedSd1(sig, load<f64>(volShift + off), vm, load<f64>(volFloor + off), sqrtT);
      const usd = black1(x + load<f64>(lnMult + off), fk * M, F, K, sd, cp, dfcp, size);
      v = inverse ? usd / F : usd;
    } else {
      v = inverse ? size * (invK - 1.0 / F) : size * (F - K);
    }
    store<f64>(cube + off, v - base);
  }
}

let rMult: usize = 0, rLnMult: usize = 0, rVolShift: usize = 0, rVolFloor: usize = 0, rCube: usize = 0;

@inline function cubeRow(S: i32, option: bool, inverse: bool): void {
  if (ASC_FEATURE_SIMD) {
    park(P_SIG, cSig);
    park(P_VM, cVm);
    park(P_SQT, cSqrtT);
    park(P_X, cX);
    park(P_FK, cFk);
    park(P_F, cF);
    park(P_K, cK);
    park(P_DFCP, cDfcp);
    park(P_SIZE, cSize);
    park(P_CP, cCp);
    park(P_BASE, cBase);
    park(P_INVK, cInvK);
    if (option) optionRow2(rMult, rLnMult, rVolShift, rVolFloor, rCube, S, inverse);
    else delta1Row2(rMult, rCube, S, inverse);
  } else {
    cubeRow1(rMult, rLnMult, rVolShift, rVolFloor, rCube, S, option, inverse);
  }
}

// ---- the pass ------------------------------------------------------------------------------------

/** Values, greeks and cube rows of every instrument. Indexes must be valid (checkInstruments). */
/** Instruments [from, to) (0 ≤ from ≤ to ≤ nInst, checked by the TS layer). */
export function instrumentPass(frame: usize, from: i32, to: i32): void {
  const S = dim(frame, F_N_SCEN);
  for (let i = from; i < to; i++) {
    const o = <usize>i << 3;
    const kind = load<i32>(col(frame, F_KIND) + (<usize>i << 2));
    const rowOff = (<usize>load<i32>(col(frame, F_FACTOR) + (<usize>i << 2)) * <usize>S) << 3;
    rMult = col(frame, F_MULT) + rowOff;
    rLnMult = col(frame, F_LN_MULT) + rowOff;
    rVolShift = col(frame, F_VOL_SHIFT) + rowOff;
    rVolFloor = col(frame, F_VOL_FLOOR) + rowOff;
    rCube = col(frame, F_CUBE) + ((<usize>i * <usize>S) << 3);

    const F = load<f64>(col(frame, F_FWD) + o);
    const K = load<f64>(col(frame, F_STRIKE) + o);
    const size = load<f64>(col(frame, F_SIZE) + o);
    const dFdS = load<f64>(col(frame, F_DFDS) + o);
    cF = F;
    cK = K;
    cSize = size;
    cInvK = 1.0 / K;

    let delta: f64, gamma: f64 = 0, vega: f64 = 0, theta: f64 = 0, rho: f64 = 0, value: f64;
    if (kind == KIND_OPTION_LINEAR || kind == KIND_OPTION_INVERSE) {
      const inverse = kind == KIND_OPTION_INVERSE;
      const cp = load<f64>(col(frame, F_CP) + o);
      const tau = load<f64>(col(frame, F_TAU) + o);
      const df = load<f64>(col(frame, F_DF) + o);
      const rate = load<f64>(col(frame, F_RATE) + o);
      const vol = load<f64>(col(frame, F_VOL) + o);
      const sqrtT = Math.sqrt(tau);
      const sd = max(vol * sqrtT, MIN_STDDEV);
      const x = Math.log(F / K);
      const fk = F / K;
      const dfcp = df * cp;
      const usd = ASC_FEATURE_SIMD ? black1v(x, fk, F, K, sd, cp, dfcp, size) : black1(x, fk, F, K, sd, cp, dfcp, size);
      value = inverse ? usd / F : usd;
      // greeks of the USD value, in the reference's operation order; with no time value left
      // (σ√T below MIN_STDDEV) gamma and the time-value part of theta are 0, as in black76.ts.
      const noTimeValue = vol * sqrtT < MIN_STDDEV;
      const pdf1 = INV_SQRT_2PI * lastE1; // vega keeps it: finite and continuous as σ → 0
      const deltaF = dfcp * lastN1;
      const dVdT = -rate * usd + (noTimeValue ? 0.0 : (size * df * F * pdf1 * vol) / (2.0 * sqrtT));
      delta = size * deltaF * dFdS;
      gamma = noTimeValue ? 0.0 : ((size * df * pdf1) / (F * sd)) * dFdS * dFdS;
      vega = size * df * F * pdf1 * sqrtT * 0.01;
      theta = -dVdT / 365.0;
      rho = -tau * usd * 0.01;

      cSig = vol;
      cVm = load<f64>(col(frame, F_VOL_MULT) + o);
      cSqrtT = sqrtT;
      cX = x;
      cFk = fk;
      cDfcp = dfcp;
      cCp = cp;
      cBase = value;
      if (inverse) cubeRow(S, true, true);
      else cubeRow(S, true, false);
    } else {
      const linear = kind == KIND_DELTA1_LINEAR;
      value = linear ? size * (F - K) : size * (1.0 / K - 1.0 / F);
      delta = (linear ? size : size / K) * dFdS;
      cBase = value;
      if (linear) cubeRow(S, false, false);
      else cubeRow(S, false, true);
    }
    store<f64>(col(frame, F_VALUE) + o, value);
    store<f64>(col(frame, F_DELTA) + o, delta);
    store<f64>(col(frame, F_GAMMA) + o, gamma);
    store<f64>(col(frame, F_VEGA) + o, vega);
    store<f64>(col(frame, F_THETA) + o, theta);
    store<f64>(col(frame, F_RHO) + o, rho);
  }
}
