// Scalar exp and normal tail. Every function here is the lane-by-lane twin of simd-math.ts: the same
// IEEE operations in the same order, so the scalar and SIMD builds round identically.
import {
  E10, E11, E12, E13, E2, E3, E4, E5, E6, E7, E8, E9, EXP_MIN, FC0, FC1, FC2, FC3, FE0, FE1, FE2, FE3,
  FE4, FE5, HART_CUTOFF, HART_SPLIT, HD0, HD1, HD2, HD3, HD4, HD5, HD6, HD7, HN0, HN1, HN2, HN3, HN4,
  HN5, HN6, INV_LN2, LN2_HI, LN2_LO, ROUND_MAGIC,
} from "./consts";

/** f64x2.pmax semantics on one lane: a < b ? b : a (NaN in `a` passes through). */
@inline export function pmax1(a: f64, b: f64): f64 {
  return select<f64>(b, a, a < b);
}

/** e^x for x ≤ 709; +0 below EXP_MIN. About 1 ulp. */
@inline export function sexp(x: f64): f64 {
  const t = x * INV_LN2 + ROUND_MAGIC;
  const n = t - ROUND_MAGIC;
  const r = x - n * LN2_HI - n * LN2_LO;
  const r2 = r * r;
  const r4 = r2 * r2;
  const b0 = (E5 * r + E4) * r2 + (E3 * r + E2);
  const b1 = (E9 * r + E8) * r2 + (E7 * r + E6);
  const b2 = (E13 * r + E12) * r2 + (E11 * r + E10);
  const q = (b2 * r4 + b1) * r4 + b0;
  const p = 1.0 + (r + r2 * q);
  // the low 12 bits of t's bit pattern hold n; shifting n + 1023 into the exponent field builds 2^n
  const scale = reinterpret<f64>((reinterpret<i64>(t) + 1023) << 52);
  return select<f64>(0.0, p * scale, x < EXP_MIN);
}

/**
 * Φ(−y) for y = |x| ≥ 0 given gauss = e^{−y²/2}: Hart below the split (Estrin), West's continued
 * fraction as one rational above it (Horner), 0 past 37. One division.
 */
@inline export function stail(y: f64, gauss: f64): f64 {
  const y2 = y * y;
  const y4 = y2 * y2;
  const num = (HN6 * y2 + (HN5 * y + HN4)) * y4 + ((HN3 * y + HN2) * y2 + (HN1 * y + HN0));
  const den = ((HD7 * y + HD6) * y2 + (HD5 * y + HD4)) * y4 + ((HD3 * y + HD2) * y2 + (HD1 * y + HD0));
  let fnum = y + FC3;
  fnum = fnum * y + FC2;
  fnum = fnum * y + FC1;
  fnum = fnum * y + FC0;
  let fden = FE5 * y + FE4;
  fden = fden * y + FE3;
  fden = fden * y + FE2;
  fden = fden * y + FE1;
  fden = fden * y + FE0;
  const near = y < HART_SPLIT;
  const t = (gauss * select<f64>(num, fnum, near)) / select<f64>(den, fden, near);
  return select<f64>(0.0, t, y >= HART_CUTOFF);
}

/** N(cp·d) from its tail t = Φ(−|d|): 1 − t when cp·d > 0, else t. */
@inline export function snorm(t: f64, cp: f64, d: f64): f64 {
  return select<f64>(1.0 - t, t, cp * d > 0);
}

/** Φ(x) (tests only). */
export function sncdf(x: f64): f64 {
  const y = abs(x);
  return snorm(stail(y, sexp((-0.5 * y) * y)), 1.0, x);
}
