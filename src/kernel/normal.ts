/**
 * Standard normal density and distribution for the reference kernel.
 *
 * The CDF is Hart's double-precision rational approximation (Hart 1968, algorithm 5666, as given by
 * G. West, "Better approximations to cumulative normal functions", 2005): a ratio of polynomials times
 * e^{−x²/2} for |x| < 7.07 and a continued fraction beyond, 0 past 37. Measured against an independent
 * BigInt series (test/pricing-normal.test.ts): at most 2.2e-16 absolute everywhere; in the far tail the
 * relative error grows (4.6e-11 at x = −5, up to 9e-9 near x = −7.8), which is harmless for prices but
 * matters to anything that divides by a tail probability. The wasm kernels use the same form, branch-free.
 */

const SQRT_2PI = 2.5066282746310002;
const INV_SQRT_2PI = 0.3989422804014327;

export const HART_NUM = [
  0.0352624965998911, 0.700383064443688, 6.37396220353165, 33.912866078383, 112.079291497871,
  221.213596169931, 220.206867912376,
] as const;
export const HART_DEN = [
  0.0883883476483184, 1.75566716318264, 16.064177579207, 86.7807322029461, 296.564248779674,
  637.333633378831, 793.826512519948, 440.413735824752,
] as const;
export const HART_SPLIT = 7.07106781186547;
export const HART_CUTOFF = 37;

/** Lower tail Φ(−|x|) given |x| and e^{−x²/2}. */
export function normalTail(ax: number, gauss: number): number {
  if (ax >= HART_CUTOFF) return 0;
  if (ax < HART_SPLIT) {
    let num = HART_NUM[0];
    for (let k = 1; k < HART_NUM.length; k++) num = num * ax + HART_NUM[k];
    let den = HART_DEN[0];
    for (let k = 1; k < HART_DEN.length; k++) den = den * ax + HART_DEN[k];
    return (gauss * num) / den;
  }
  let cf = ax + 0.65;
  cf = ax + 4 / cf;
  cf = ax + 3 / cf;
  cf = ax + 2 / cf;
  cf = ax + 1 / cf;
  return gauss / cf / SQRT_2PI;
}

/** Φ(x), the standard normal distribution function. */
export function ncdf(x: number): number {
  const ax = Math.abs(x);
  const tail = normalTail(ax, Math.exp(-0.5 * ax * ax));
  return x > 0 ? 1 - tail : tail;
}

/** φ(x), the standard normal density. */
export function npdf(x: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}
