// f64x2 exp and normal tail: twins of scalar-math.ts (same operations, same order).
import {
  E10, E11, E12, E13, E2, E3, E4, E5, E6, E7, E8, E9, EXP_MIN, FC0, FC1, FC2, FC3, FE0, FE1, FE2, FE3,
  FE4, FE5, HART_CUTOFF, HART_SPLIT, HD0, HD1, HD2, HD3, HD4, HD5, HD6, HD7, HN0, HN1, HN2, HN3, HN4,
  HN5, HN6, INV_LN2, LN2_HI, LN2_LO, MIN_STDDEV, ROUND_MAGIC,
} from "./consts";

/**
 * A constant in both lanes. It compiles to v128.const, which V8 hoists out of loops and reloads per
 * use; constants loaded from a table in memory were effectful loads that V8 kept at the loop top, all
 * alive at once, and spilled.
 */
@inline export function splat(x: f64): v128 {
  return f64x2.splat(x);
}

/** a·x + b, two roundings (no FMA: the same bits on every engine and CPU). */
@inline function horner(a: v128, x: v128, b: v128): v128 {
  return f64x2.add(f64x2.mul(a, x), b);
}

/** e^x per lane for x ≤ 709; +0 below EXP_MIN. Twin of sexp. */
@inline export function vexp(x: v128): v128 {
  const t = f64x2.add(f64x2.mul(x, splat(INV_LN2)), splat(ROUND_MAGIC));
  const n = f64x2.sub(t, splat(ROUND_MAGIC));
  const r = f64x2.sub(f64x2.sub(x, f64x2.mul(n, splat(LN2_HI))), f64x2.mul(n, splat(LN2_LO)));
  // Estrin: short dependency chains (this loop is latency-bound with Horner)
  const r2 = f64x2.mul(r, r);
  const r4 = f64x2.mul(r2, r2);
  const b0 = horner(horner(splat(E5), r, splat(E4)), r2, horner(splat(E3), r, splat(E2)));
  const b1 = horner(horner(splat(E9), r, splat(E8)), r2, horner(splat(E7), r, splat(E6)));
  const b2 = horner(horner(splat(E13), r, splat(E12)), r2, horner(splat(E11), r, splat(E10)));
  const q = horner(horner(b2, r4, b1), r4, b0);
  const p = f64x2.add(splat(1.0), f64x2.add(r, f64x2.mul(r2, q)));
  const scale = i64x2.shl(i64x2.add(t, i64x2.splat(1023)), 52);
  return v128.andnot(f64x2.mul(p, scale), f64x2.lt(x, splat(EXP_MIN)));
}

/** Hart's numerator and denominator for Φ(−y) = gauss·num/den, y < HART_SPLIT (Estrin: short chains). */
@inline function hartNum(y: v128): v128 {
  const y2 = f64x2.mul(y, y);
  const y4 = f64x2.mul(y2, y2);
  const lo = horner(horner(splat(HN3), y, splat(HN2)), y2, horner(splat(HN1), y, splat(HN0)));
  const hi = horner(splat(HN6), y2, horner(splat(HN5), y, splat(HN4)));
  return horner(hi, y4, lo);
}

@inline function hartDen(y: v128): v128 {
  const y2 = f64x2.mul(y, y);
  const y4 = f64x2.mul(y2, y2);
  const lo = horner(horner(splat(HD3), y, splat(HD2)), y2, horner(splat(HD1), y, splat(HD0)));
  const hi = horner(horner(splat(HD7), y, splat(HD6)), y2, horner(splat(HD5), y, splat(HD4)));
  return horner(hi, y4, lo);
}

/** Φ(−y) per lane for y ≥ 0 given gauss = e^{−y²/2}. Twin of stail; branch-free. */
@inline export function vtail(y: v128, gauss: v128): v128 {
  const num = hartNum(y);
  const den = hartDen(y);
  let fnum = f64x2.add(y, splat(FC3));
  fnum = horner(fnum, y, splat(FC2));
  fnum = horner(fnum, y, splat(FC1));
  fnum = horner(fnum, y, splat(FC0));
  let fden = horner(splat(FE5), y, splat(FE4));
  fden = horner(fden, y, splat(FE3));
  fden = horner(fden, y, splat(FE2));
  fden = horner(fden, y, splat(FE1));
  fden = horner(fden, y, splat(FE0));
  const near = f64x2.lt(y, splat(HART_SPLIT));
  const t = f64x2.div(f64x2.mul(gauss, v128.bitselect(num, fnum, near)), v128.bitselect(den, fden, near));
  return v128.andnot(t, f64x2.ge(y, splat(HART_CUTOFF)));
}

/** vtail for lanes known to be below HART_SPLIT: the same bits there, half the work. */
@inline export function vtailNear(y: v128, gauss: v128): v128 {
  return f64x2.div(f64x2.mul(gauss, hartNum(y)), hartDen(y));
}

/** N(cp·d) per lane from its tail t. Twin of snorm. */
@inline export function vnorm(t: v128, cp: v128, d: v128): v128 {
  return v128.bitselect(f64x2.sub(splat(1.0), t), t, f64x2.gt(f64x2.mul(cp, d), splat(0.0)));
}
