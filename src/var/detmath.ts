/**
 * Deterministic `log` and `exp` for the VaR module.
 *
 * ECMAScript leaves `Math.log`/`Math.exp` "implementation-approximated": engines may differ in the
 * last bit. Scenario generation (Monte Carlo normals, log returns, multipliers) must give the same
 * numbers in Node and in every browser, so it uses these two functions, written with nothing but
 * IEEE-754 + − × ÷ (correctly rounded everywhere) and exact bit manipulation through typed-array
 * aliasing.
 * Accuracy: within 1 ulp of the true value on the tested range (test/var-rng.test.ts measures it).
 *
 * log: x = 2^k · m with m ∈ [√½, √2), f = m − 1, s = f / (2 + f), and
 *      log(1 + f) = 2 atanh(s) = f − (f²/2 − s·(f²/2 + R(s²))), R(z) = Σ_{j≥1} 2 z^j / (2j + 1);
 *      log x = k·ln2_hi + (log(1 + f) + k·ln2_lo) with ln2 split so that k·ln2_hi is exact.
 * exp: x = k·ln2 + r, |r| ≤ ln2 / 2, e^r by its Taylor series to r^16/16!, times 2^k built from bits.
 */

const LN2_HI = 6.93147180369123816490e-01; // 0x3FE62E42FEE00000: 32 significant bits
const LN2_LO = 1.90821492927058770002e-10; // ln 2 − LN2_HI
const INV_LN2 = 1.4426950408889634;
const SQRT2 = 1.4142135623730951;
const TWO54 = 18014398509481984;

// One double aliased by two 32-bit words; HI is the index of the word holding sign and exponent
// (found once, so the code is right on either byte order).
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
f64[0] = 1;
const HI = u32[1] === 0x3ff00000 ? 1 : 0;
const LO = 1 - HI;

/** 2^k for an integer k in [−1022, 1023], exactly. */
function pow2(k: number): number {
  u32[HI] = (k + 1023) << 20;
  u32[LO] = 0;
  return f64[0];
}

// R(z) = Σ_{j=1..12} 2 z^j / (2j + 1), unrolled (2/(2j+1) are computed, correctly rounded, constants).
const L1 = 2 / 3, L2 = 2 / 5, L3 = 2 / 7, L4 = 2 / 9, L5 = 2 / 11, L6 = 2 / 13;
const L7 = 2 / 15, L8 = 2 / 17, L9 = 2 / 19, L10 = 2 / 21, L11 = 2 / 23, L12 = 2 / 25;

/** Natural logarithm, bit-identical in every JavaScript engine. */
export function detLog(x: number): number {
  if (x !== x || x < 0) return NaN;
  if (x === 0) return -Infinity;
  if (x === Infinity) return Infinity;
  let k = 0;
  if (x < 2.2250738585072014e-308) {
    x *= TWO54; // subnormal: scale into the normal range
    k = -54;
  }
  f64[0] = x;
  const hi = u32[HI];
  k += ((hi >>> 20) & 0x7ff) - 1023;
  u32[HI] = (hi & 0x000fffff) | 0x3ff00000; // m ∈ [1, 2)
  let m = f64[0];
  if (m > SQRT2) {
    m *= 0.5;
    k += 1;
  }
  const f = m - 1; // exact (Sterbenz)
  const s = f / (2 + f);
  const z = s * s;
  const r = z * (L1 + z * (L2 + z * (L3 + z * (L4 + z * (L5 + z * (L6 + z * (L7 + z * (L8 + z * (L9 + z * (L10 + z * (L11 + z * L12)))))))))));
  const hfsq = 0.5 * f * f;
  return k * LN2_HI + (f - (hfsq - (s * (hfsq + r) + k * LN2_LO)));
}

// 1/n!, n = 2…16 (each a correctly rounded quotient of exact integers).
const E2 = 1 / 2, E3 = 1 / 6, E4 = 1 / 24, E5 = 1 / 120, E6 = 1 / 720, E7 = 1 / 5040, E8 = 1 / 40320;
const E9 = 1 / 362880, E10 = 1 / 3628800, E11 = 1 / 39916800, E12 = 1 / 479001600, E13 = 1 / 6227020800;
const E14 = 1 / 87178291200, E15 = 1 / 1307674368000, E16 = 1 / 20922789888000;

/** e^x, bit-identical in every JavaScript engine. */
export function detExp(x: number): number {
  if (x !== x) return NaN;
  if (x > 709.782712893384) return Infinity;
  if (x < -745.1332191019412) return 0;
  const k = Math.floor(x * INV_LN2 + 0.5);
  const r = x - k * LN2_HI - k * LN2_LO;
  const p = E2 + r * (E3 + r * (E4 + r * (E5 + r * (E6 + r * (E7 + r * (E8 + r * (E9 + r * (E10 + r * (E11 +
    r * (E12 + r * (E13 + r * (E14 + r * (E15 + r * E16)))))))))))));
  const e = 1 + (r + r * r * p);
  if (k > 1023) return e * pow2(1023) * pow2(k - 1023);
  if (k < -1021) return e * pow2(k + 600) * pow2(-600);
  return e * pow2(k);
}
