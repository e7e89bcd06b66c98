// Numeric constants shared by the scalar and SIMD builds. The Hart coefficients are the ones in
// src/kernel/normal.ts (test/kernel-math.test.ts holds the two copies together through the outputs).

export const KIND_OPTION_LINEAR: i32 = 0;
export const KIND_OPTION_INVERSE: i32 = 1;
export const KIND_DELTA1_LINEAR: i32 = 2;
export const KIND_DELTA1_INVERSE: i32 = 3;

/** Smallest σ√T (abi.ts MIN_STDDEV). */
export const MIN_STDDEV: f64 = 1e-12;
export const INV_SQRT_2PI: f64 = 0.3989422804014327;
export const SQRT_2PI: f64 = 2.5066282746310002;

// exp: x = n·ln2 + r, |r| ≤ ln2/2; 2^n built from the bits of x/ln2 + 1.5·2^52 (no f64→i64 in SIMD).
/** ln of the smallest normal double: below it e^x flushes to +0 (callers only need e^{−d²/2}). */
export const EXP_MIN: f64 = -708.3964185322641;
export const INV_LN2: f64 = 1.4426950408889634;
/** Cody–Waite split of ln 2: n·LN2_HI is exact for |n| < 2^11. */
export const LN2_HI: f64 = 6.93147180369123816490e-01;
export const LN2_LO: f64 = 1.90821492927058770002e-10;
export const ROUND_MAGIC: f64 = 6755399441055744.0;
// Taylor coefficients 1/k!, k = 2..13 (truncation error r^14/14! < 5e-18 on |r| ≤ ln2/2).
export const E2: f64 = 1.0 / 2.0;
export const E3: f64 = 1.0 / 6.0;
export const E4: f64 = 1.0 / 24.0;
export const E5: f64 = 1.0 / 120.0;
export const E6: f64 = 1.0 / 720.0;
export const E7: f64 = 1.0 / 5040.0;
export const E8: f64 = 1.0 / 40320.0;
export const E9: f64 = 1.0 / 362880.0;
export const E10: f64 = 1.0 / 3628800.0;
export const E11: f64 = 1.0 / 39916800.0;
export const E12: f64 = 1.0 / 479001600.0;
export const E13: f64 = 1.0 / 6227020800.0;

// Hart / West normal tail Φ(−y) = e^{−y²/2}·P(y)/Q(y) for y < HART_SPLIT; coefficients by power of y.
export const HN0: f64 = 220.206867912376;
export const HN1: f64 = 221.213596169931;
export const HN2: f64 = 112.079291497871;
export const HN3: f64 = 33.912866078383;
export const HN4: f64 = 6.37396220353165;
export const HN5: f64 = 0.700383064443688;
export const HN6: f64 = 0.0352624965998911;
export const HD0: f64 = 440.413735824752;
export const HD1: f64 = 793.826512519948;
export const HD2: f64 = 637.333633378831;
export const HD3: f64 = 296.564248779674;
export const HD4: f64 = 86.7807322029461;
export const HD5: f64 = 16.064177579207;
export const HD6: f64 = 1.75566716318264;
export const HD7: f64 = 0.0883883476483184;
export const HART_SPLIT: f64 = 7.07106781186547;
export const HART_CUTOFF: f64 = 37.0;
// Beyond the split West's continued fraction y + 1/(y + 2/(y + 3/(y + 4/(y + 0.65)))) written as one
// rational, so both branches end in a single division:
//   Φ(−y) = e^{−y²/2}·C(y) / (√2π·E(y)),
//   C = y⁴ + 0.65y³ + 9y² + 3.25y + 8,  E = y⁵ + 0.65y⁴ + 10y³ + 3.9y² + 15y + 1.95.
export const FC0: f64 = 8.0;
export const FC1: f64 = 3.25;
export const FC2: f64 = 9.0;
export const FC3: f64 = 0.65;
export const FE0: f64 = SQRT_2PI * 1.95;
export const FE1: f64 = SQRT_2PI * 15.0;
export const FE2: f64 = SQRT_2PI * 3.9;
export const FE3: f64 = SQRT_2PI * 10.0;
export const FE4: f64 = SQRT_2PI * 0.65;
export const FE5: f64 = SQRT_2PI;
