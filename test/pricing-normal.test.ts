/**
 * Φ and φ of the reference kernel (src/kernel/normal.ts), checked against an independent
 * arbitrary-precision computation done here with BigInt fixed-point arithmetic:
 *
 *   Φ(x) = 1/2 + φ(x) · Σ_{n≥0} x^{2n+1} / (1·3·5···(2n+1))      (all terms positive for x > 0)
 *   φ(x) = e^{−x²/2} / √(2π),  π from Machin's formula, e^a from its Taylor series, √ by Newton.
 *
 * The working precision grows with x (D = 40 + x²/(2 ln 10) decimal digits), so the cancellation in
 * Φ(−x) = 1/2 − φ(x)·S(x) still leaves ≥ 35 correct digits even at x = 37 (Φ ≈ 6e-300).
 *
 * Then the same functions through every kernel backend: with F = K = 1, T = 1, σ = 2x, df = 1 the
 * Black-76 d1 is exactly x, so a linear put's delta is −Φ(−x), a call's delta Φ(x) and vega·100 is φ(x).
 */
import { describe, expect, it } from "vitest";
import { HART_CUTOFF, HART_SPLIT, ncdf, npdf } from "../src/kernel/normal.js";
import { BACKENDS, makeKernel } from "./helpers/backends.js";
import { type Contract, errorStats, fmtStats, KIND_OPTION_LINEAR, runContracts } from "./helpers/contracts.js";

// ---------------------------------------------------------------------------------------------
// Arbitrary precision (BigInt fixed point: an integer v stands for v / 10^D)
// ---------------------------------------------------------------------------------------------

/** A double as an exact fraction num / den (den a power of two). */
function exactFraction(x: number): { num: bigint; den: bigint } {
  if (!Number.isFinite(x)) throw new Error("finite only");
  let den = 1n;
  let m = x;
  while (!Number.isInteger(m)) {
    m *= 2; // exact: scaling by two never rounds for these magnitudes
    den *= 2n;
  }
  return { num: BigInt(m), den };
}

function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt((bitLength(n) >> 1) + 1); // ≥ √n: Newton then decreases monotonically
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/** atan(1/m) · one. */
function atanInv(m: bigint, one: bigint): bigint {
  const m2 = m * m;
  let term = one / m;
  let sum = term;
  for (let k = 1n; term !== 0n; k++) {
    term /= m2;
    const t = term / (2n * k + 1n);
    sum += k % 2n === 1n ? -t : t;
  }
  return sum;
}

function bitLength(v: bigint): number {
  return v === 0n ? 0 : v.toString(2).length;
}

/** v / 10^D as the nearest double (to well under one ulp). */
function toDouble(v: bigint, D: number): number {
  if (v === 0n) return 0;
  const neg = v < 0n;
  const a = neg ? -v : v;
  const den = 10n ** BigInt(D);
  const k = 90 - (bitLength(a) - bitLength(den)); // keep ~90 significant bits in the quotient
  const q = k >= 0 ? (a << BigInt(k)) / den : a / (den << BigInt(-k));
  const h = Math.trunc(k / 2);
  const r = Number(q) * 2 ** -h * 2 ** -(k - h); // two steps keep every partial product normal
  return neg ? -r : r;
}

interface Precise {
  /** Φ(x) */
  cdf: number;
  /** Φ(−|x|), the tail, computed without cancellation loss */
  tail: number;
  /** φ(x) */
  pdf: number;
}

const preciseCache = new Map<number, Precise>();

/** Φ(x), Φ(−|x|) and φ(x) to (much) better than double precision, for a double x. */
function precise(x: number): Precise {
  const hit = preciseCache.get(x);
  if (hit) return hit;
  const ax = Math.abs(x);
  const D = 40 + Math.ceil((ax * ax) / 2 / Math.LN10);
  const G = D + 12; // guard digits
  const one = 10n ** BigInt(G);
  const { num, den } = exactFraction(ax);
  const x2n = num * num; // x² = x2n / x2d
  const x2d = den * den;
  // e^{x²/2}: Taylor series, all terms positive.
  let term = one;
  let expA = one;
  for (let k = 1n; term !== 0n; k++) {
    term = (term * x2n) / (2n * x2d * k);
    expA += term;
  }
  const pi = 16n * atanInv(5n, one) - 4n * atanInv(239n, one);
  const sqrt2pi = isqrt(2n * pi * one);
  // φ(x) · one = one / (√(2π) · e^{x²/2})
  const pdf = (one * one * one) / (sqrt2pi * expA);
  // S(x) = Σ x^{2n+1} / (2n+1)!!
  let t = (one * num) / den;
  let S = t;
  for (let n = 1n; t !== 0n; n++) {
    t = (t * x2n) / (x2d * (2n * n + 1n));
    S += t;
  }
  const half = one / 2n;
  // φ·S without passing through the (possibly tiny) fixed-point φ: keeps every digit of the product.
  const pS = (S * one * one) / (sqrt2pi * expA);
  const upper = half + pS; // Φ(|x|)
  const tailV = half - pS; // Φ(−|x|)
  const shift = BigInt(G - D);
  const scale = (v: bigint) => v / 10n ** shift;
  const res: Precise = {
    cdf: toDouble(scale(x >= 0 ? upper : tailV), D),
    tail: toDouble(scale(tailV), D),
    pdf: toDouble(scale(pdf), D),
  };
  preciseCache.set(x, res);
  return res;
}

// ---------------------------------------------------------------------------------------------

/**
 * Published values of Φ (Abramowitz & Stegun table 26.1 and its high-precision successors), rounded to
 * the nearest double. Each one is re-derived by `precise` below, so nothing here is taken on trust.
 * (Φ(−10) is often quoted as 7.619853024160527e-24; the true value 7.61985302416052606597…e-24 is
 * nearer the double 7.619853024160525e-24, which is what the series gives.)
 */
const QUOTED: Array<[number, number]> = [
  [-1, 0.15865525393145705],
  [-2, 0.022750131948179208],
  [-3, 0.0013498980316300946],
  [-5, 2.866515718791939e-7],
  [-10, 7.619853024160526e-24],
  [-20, 2.7536241186062337e-89],
];

/**
 * Measured envelope of the relative error of the reference Φ in the lower tail, Φ(−x), by range of x
 * (with ~2× headroom). Hart's rational form is ~1e-16 absolute, which is ~1e-15 relative near the
 * centre but only ~5e-10 relative by x = 6; West's continued fraction beyond 7.07 is ~9e-9 relative
 * at x ≈ 7.8 and improves further out. Absolute errors stay below 1e-16 everywhere.
 */
const TAIL_REL_ENVELOPE: Array<[number, number]> = [
  [1, 1e-15],
  [2, 2.5e-15],
  [3, 3e-14],
  [4, 5e-13],
  [5, 1e-10],
  [6, 1e-9],
  [Infinity, 1.5e-8],
];
const tailRelBound = (x: number) => TAIL_REL_ENVELOPE.find(([upTo]) => x < upTo)![1];

const relErr = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

/** Grid of x ≥ 0 for the precise comparison (dense where the approximation changes form). */
function gridNonNegative(): number[] {
  const xs: number[] = [];
  for (let i = 0; i <= 1000; i++) xs.push(i * 0.01); // 0 … 10
  for (let x = 10.25; x < HART_CUTOFF; x += 0.25) xs.push(x);
  xs.push(HART_SPLIT - 1e-9, HART_SPLIT + 1e-9, 36.9, 1e-8, 1e-3, 0.6744897501960817, 1.959963984540054);
  return xs.sort((a, b) => a - b);
}

describe("independent high-precision Φ (BigInt series)", () => {
  it("reproduces the quoted reference values to 1e-15 relative, so the quotes are checked", () => {
    for (const [x, v] of QUOTED) expect(relErr(precise(x).cdf, v)).toBeLessThan(1e-15);
  });

  it("is itself consistent: Φ(0) = 1/2, φ(0) = 1/√(2π), Φ(x) + Φ(−x) = 1", () => {
    expect(precise(0).cdf).toBe(0.5);
    expect(relErr(precise(0).pdf, 0.3989422804014327)).toBeLessThan(2e-16);
    for (const x of [0.3, 1.7, 4.2]) expect(Math.abs(precise(x).cdf + precise(-x).cdf - 1)).toBeLessThan(2e-16);
  });
});

describe("reference Φ and φ (src/kernel/normal.ts)", () => {
  it("matches the quoted values (1e-16 absolute; relative per the tail envelope)", () => {
    for (const [x, v] of QUOTED) {
      expect(Math.abs(ncdf(x) - v)).toBeLessThan(1e-16);
      expect(relErr(ncdf(x), v)).toBeLessThan(tailRelBound(-x));
    }
  });

  it("Φ is accurate to 2 ulps of 1/2 (2.3e-16) absolute everywhere; lower-tail relative error within the envelope", () => {
    const xs = gridNonNegative();
    const absErrs: number[] = [];
    const tailRel: number[] = [];
    for (const x of xs) {
      const p = precise(x);
      absErrs.push(ncdf(x) - p.cdf, ncdf(-x) - p.tail);
      const rel = relErr(ncdf(-x), p.tail);
      tailRel.push(rel);
      expect(rel, `x = ${x}`).toBeLessThan(tailRelBound(x));
    }
    const a = errorStats(absErrs);
    const r = errorStats(tailRel);
    console.log(fmtStats("ncdf abs error", a));
    console.log(fmtStats("ncdf lower-tail rel error", r));
    expect(a.max).toBeLessThan(2.3e-16); // measured 2.2e-16 (x = 0.2: 2 ulps of values in [1/2, 1))
    expect(r.max).toBeLessThan(1.5e-8);
  });

  it("φ is accurate to a few ulps (relative error grows like x²·ε through e^{−x²/2})", () => {
    const errs: number[] = [];
    for (const x of gridNonNegative()) {
      const e = relErr(npdf(x), precise(x).pdf);
      errs.push(e);
      expect(e).toBeLessThan((4 + x * x) * 1.2e-16);
      expect(npdf(-x)).toBe(npdf(x));
    }
    console.log(fmtStats("npdf rel error", errorStats(errs)));
  });

  it("beyond the cutoff the tail is 0 (true values are < 6e-300)", () => {
    expect(precise(HART_CUTOFF).tail).toBeLessThan(6e-300);
    expect(ncdf(-HART_CUTOFF)).toBe(0);
    expect(ncdf(-50)).toBe(0);
    expect(ncdf(50)).toBe(1);
    expect(ncdf(-Infinity)).toBe(0);
    expect(ncdf(Infinity)).toBe(1);
  });

  it("symmetry: Φ(x) + Φ(−x) = 1 to one ulp of 1", () => {
    for (let x = 0; x <= 40; x += 0.01) expect(Math.abs(ncdf(x) + ncdf(-x) - 1)).toBeLessThanOrEqual(2 ** -52);
  });

  it("Φ is monotone on a fine grid and across the rational/continued-fraction split", () => {
    let prev = ncdf(-40);
    for (let i = -40000; i <= 40000; i++) {
      const v = ncdf(i * 1e-3);
      expect(v).toBeGreaterThanOrEqual(prev);
      prev = v;
    }
    // step through the split one ulp at a time (on the negative side, where the tail is resolved)
    const ulp = 2 ** -50; // ulp of numbers in [4, 8)
    let p = ncdf(-(HART_SPLIT + 64 * ulp));
    for (let k = 63; k >= -64; k--) {
      const v = ncdf(-(HART_SPLIT + k * ulp));
      expect(v).toBeGreaterThanOrEqual(p);
      p = v;
    }
    // The two forms meet with a relative jump of ~6.5e-9 (≈5e-21 absolute), in the monotone direction:
    // the rational form is high by 2.9e-9 just inside the split, the continued fraction low by 3.6e-9.
    const inside = -(HART_SPLIT - 1e-12);
    const outside = -(HART_SPLIT + 1e-12);
    const jump = ncdf(inside) / precise(inside).cdf - ncdf(outside) / precise(outside).cdf;
    expect(jump).toBeGreaterThan(0);
    expect(jump).toBeLessThan(1e-8);
    expect(Math.abs(ncdf(inside) - ncdf(outside))).toBeLessThan(1e-20);
  });

  it("Φ(0) = 1/2 exactly, φ(0) = 1/√(2π)", () => {
    expect(ncdf(0)).toBe(0.5);
    expect(npdf(0)).toBe(0.3989422804014327);
  });
});

describe.each(BACKENDS)("Φ and φ through the %s kernel (d1 = x exactly)", (backend) => {
  it("put delta = −Φ(−x), call delta = Φ(x), vega·100 = φ(x)", () => {
    const kernel = makeKernel(backend);
    const xs = gridNonNegative().filter((x) => x > 0);
    const contracts: Contract[] = [];
    for (const x of xs) {
      const base = { kind: KIND_OPTION_LINEAR, strike: 1, fwd: 1, tau: 1, df: 1, vol: 2 * x };
      contracts.push({ ...base, cp: -1 }, { ...base, cp: 1 });
    }
    const r = runContracts(kernel, contracts);
    const absErrs: number[] = [];
    const tailRel: number[] = [];
    const pdfRel: number[] = [];
    xs.forEach((x, j) => {
      const p = precise(x);
      const put = -r.delta[2 * j];
      const call = r.delta[2 * j + 1];
      absErrs.push(put - p.tail, call - p.cdf);
      tailRel.push(relErr(put, p.tail));
      pdfRel.push(relErr(r.vega[2 * j] * 100, p.pdf));
    });
    const a = errorStats(absErrs);
    const t = errorStats(tailRel);
    const f = errorStats(pdfRel);
    console.log(`[${backend}] ${fmtStats("Φ abs", a)}; ${fmtStats("tail rel", t)}; ${fmtStats("φ rel", f)}`);
    expect(a.max).toBeLessThan(2.3e-16);
    xs.forEach((x, j) => expect(tailRel[j], `x = ${x}`).toBeLessThan(tailRelBound(x)));
    expect(f.max).toBeLessThan(1e-13); // x ≤ 37: x²·ε ≈ 3e-13 bound on e^{−x²/2}; ×100 and ÷100 add 2 ulps
  });
});
