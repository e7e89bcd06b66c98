// Black-76 revaluation of one instrument under one scenario (scalar) or two scenarios (f64x2).
// The two versions perform the same IEEE operations in the same order, so they round identically.
// Formulas and operation order follow src/kernel/black76.ts (the JS reference).
import { MIN_STDDEV } from "./consts";
import { pmax1, sexp, snorm, stail } from "./scalar-math";
import { splat, vexp, vnorm, vtail, vtailNear } from "./simd-math";

// N(cp·d1) and e^{−d1²/2} of the last black1 call (the greeks need them).
export let lastN1: f64 = 0;
export let lastE1: f64 = 0;

/**
 * USD value of `size` options: size·df·cp·(F·N(cp·d1) − K·N(cp·d2)), from x = ln(F/K), fk = F/K and
 * sd = σ√T. One exp: φ(d2) = φ(d1)·F/K.
 */
@inline export function black1(x: f64, fk: f64, F: f64, K: f64, sd: f64, cp: f64, dfcp: f64, size: f64): f64 {
  const d1 = x / sd + 0.5 * sd;
  const d2 = d1 - sd;
  const a1 = abs(d1);
  const a2 = abs(d2);
  const e1 = sexp((-0.5 * a1) * a1);
  const e2 = e1 * fk;
  const n1 = snorm(stail(a1, e1), cp, d1);
  const n2 = snorm(stail(a2, e2), cp, d2);
  lastN1 = n1;
  lastE1 = e1;
  return size * (dfcp * (F * n1 - K * n2));
}

/**
 * black1 computed with the vector twins in lane 0 (the SIMD build's base value: about three times
 * faster than the scalar code, the same bits).
 */
@inline export function black1v(x: f64, fk: f64, F: f64, K: f64, sd: f64, cp: f64, dfcp: f64, size: f64): f64 {
  const sdv = f64x2.splat(sd);
  const d1 = f64x2.add(f64x2.div(f64x2.splat(x), sdv), f64x2.mul(splat(0.5), sdv));
  const d2 = f64x2.sub(d1, sdv);
  const a1 = f64x2.abs(d1);
  const e1 = vexp(f64x2.mul(f64x2.mul(splat(-0.5), a1), a1));
  const e2 = f64x2.mul(e1, f64x2.splat(fk));
  const cpv = f64x2.splat(cp);
  const n1 = vnorm(vtail(a1, e1), cpv, d1);
  const n2 = vnorm(vtail(f64x2.abs(d2), e2), cpv, d2);
  lastN1 = f64x2.extract_lane(n1, 0);
  lastE1 = f64x2.extract_lane(e1, 0);
  return size * (dfcp * (F * lastN1 - K * f64x2.extract_lane(n2, 0)));
}

/** σ√T under a scenario: max(floor, σ·max(0, 1 + a·volMult))·√T, at least MIN_STDDEV. */
@inline export function shockedSd1(sig: f64, a: f64, vm: f64, floor: f64, sqrtT: f64): f64 {
  const s = pmax1(sig * pmax1(1.0 + a * vm, 0.0), floor);
  return pmax1(s * sqrtT, MIN_STDDEV);
}

// ---- f64x2: lanes are two scenarios of one instrument ----------------------------------------------

// Per-instrument invariants, splatted and parked in memory before the scenario loop and loaded inside
// it: V8 would otherwise sink their computation into the loop (FIELD-NOTES trap 1).
const PARK = memory.data(12 * 16, 16);
export const P_SIG = 0;
export const P_VM = 1;
export const P_SQT = 2;
export const P_X = 3;
export const P_FK = 4;
export const P_F = 5;
export const P_K = 6;
export const P_DFCP = 7;
export const P_SIZE = 8;
export const P_CP = 9;
export const P_BASE = 10;
export const P_INVK = 11;

@inline export function park(k: i32, x: f64): void {
  v128.store(PARK + (<usize>k << 4), f64x2.splat(x));
}

@inline export function parked(k: i32): v128 {
  return v128.load(PARK + (<usize>k << 4));
}

/** Twin of shockedSd1 with σ, volMult and √T parked. */
@inline export function shockedSd2(a: v128, floor: v128): v128 {
  const m = f64x2.pmax(f64x2.add(splat(1.0), f64x2.mul(a, parked(P_VM))), splat(0.0));
  const s = f64x2.pmax(f64x2.mul(parked(P_SIG), m), floor);
  return f64x2.pmax(f64x2.mul(s, parked(P_SQT)), splat(MIN_STDDEV));
}

// Twin of black1 split into stages over a chunk of scenarios, each its own small loop reading and
// writing scratch rows in L1: short dependency chains and few live values per loop (V8 has 16 xmm
// registers; one fused loop spilled and stalled). Per lane the operations are exactly black1's.

/** Stage D: d1 = x/sd + sd/2 from x = ln(F'/K) and sd = σ'√T (then d2 = d1 − sd). */
@inline export function stageD1(x: v128, sd: v128): v128 {
  return f64x2.add(f64x2.div(x, sd), f64x2.mul(splat(0.5), sd));
}

/** The exp argument −d1²/2 (computed in stage D: it shortens stage E's dependency chain). */
@inline export function expArg(d1: v128): v128 {
  const a1 = f64x2.abs(d1);
  return f64x2.mul(f64x2.mul(splat(-0.5), a1), a1);
}

/**
 * Stage E: e1 = e^{−d1²/2} and e2 = e1·F'/K (φ(d2) = φ(d1)·F'/K). F'/K = (F/K)·M is loaded after
 * the exp so V8 does not keep it alive across it.
 */
@inline export function stageE(arg: v128, mult: usize, e1Out: usize, e2Out: usize): void {
  const e1 = vexp(arg);
  v128.store(e1Out, e1);
  v128.store(e2Out, f64x2.mul(e1, f64x2.mul(parked(P_FK), v128.load(mult))));
}

/** Stage N: N(cp·d) from d and e^{−d²/2} (cp parked). */
@inline export function stageN(d: v128, e: v128): v128 {
  return vnorm(vtail(f64x2.abs(d), e), parked(P_CP), d);
}

/** Stage N when every |d| is below Hart's split: the same bits as stageN there. */
@inline export function stageNearN(d: v128, e: v128): v128 {
  return vnorm(vtailNear(f64x2.abs(d), e), parked(P_CP), d);
}

/** Stage V: size·(df·cp·(F'·N1 − K·N2)) with df·cp, K and size parked. */
@inline export function stageV(n1: v128, n2: v128, F: v128): v128 {
  const diff = f64x2.sub(f64x2.mul(F, n1), f64x2.mul(parked(P_K), n2));
  return f64x2.mul(parked(P_SIZE), f64x2.mul(parked(P_DFCP), diff));
}
