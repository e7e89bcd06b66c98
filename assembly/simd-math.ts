// f64x2 exp and normal tail: twins of scalar-math.ts (same operations, same order).
import {
  E10, E11, E12, E13, E2, E3, E4, E5, E6, E7, E8, E9, EXP_MIN, FC0, FC1, FC2, FC3, FE0, FE1, FE2, FE3,
  FE4, FE5, HART_CUTOFF, HART_SPLIT, HD0, HD1, HD2, HD3, HD4, HD5, HD6, HD7, HN0, HN1, HN2, HN3, HN4,
  HN5, HN6, INV_LN2, LN2_HI, LN2_LO, MIN_STDDEV, ROUND_MAGIC,
} from "./consts";

/** A constant in both lanes (compiles to v128.const: V8 hoists it and reloads it per use, which
 * beat effectful table loads that V8 keeps at the loop top, all alive at once). */
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
  let q = horner(splat(E13), r, splat(E12));
  q = horner(q, r, splat(E11));
  q = horner(q, r, splat(E10));
  q = horner(q, r, splat(E9));
  q = horner(q, r, splat(E8));
  q = horner(q, r, splat(E7));
  q = horner(q, r, splat(E6));
  q = horner(q, r, splat(E5));
  q = horner(q, r, splat(E4));
  q = horner(q, r, splat(E3));
  q = horner(q, r, splat(E2));
  const p = f64x2.add(splat(1.0), f64x2.add(r, f64x2.mul(f64x2.mul(r, r), q)));
  const scale = i64x2.shl(i64x2.add(t, i64x2.splat(1023)), 52);
  return v128.andnot(f64x2.mul(p, scale), f64x2.lt(x, splat(EXP_MIN)));
}

/** Hart's numerator and denominator for Φ(−y) = gauss·num/den, y < HART_SPLIT (Horner, reference order). */
@inline function hartNum(y: v128): v128 {
  let num = horner(splat(HN6), y, splat(HN5));
  num = horner(num, y, splat(HN4));
  num = horner(num, y, splat(HN3));
  num = horner(num, y, splat(HN2));
  num = horner(num, y, splat(HN1));
  return horner(num, y, splat(HN0));
}

@inline function hartDen(y: v128): v128 {
  let den = horner(splat(HD7), y, splat(HD6));
  den = horner(den, y, splat(HD5));
  den = horner(den, y, splat(HD4));
  den = horner(den, y, splat(HD3));
  den = horner(den, y, splat(HD2));
  den = horner(den, y, splat(HD1));
  return horner(den, y, splat(HD0));
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
