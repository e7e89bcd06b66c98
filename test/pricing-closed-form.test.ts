/**
 * Closed-form values through every kernel backend: published Black-76 numbers, put-call parity for
 * linear and inverse options, limits (σ → 0, T → 0, deep ITM/OTM, σ → ∞), no-arbitrage bounds, the
 * delta-one formulas, and the scenario cube as a re-pricing at the shocked forward and vol.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BACKENDS, makeKernel } from "./helpers/backends.js";
import {
  type Contract,
  errorStats,
  fmtStats,
  KIND_DELTA1_INVERSE,
  KIND_DELTA1_LINEAR,
  KIND_OPTION_INVERSE,
  KIND_OPTION_LINEAR,
  runContracts,
  values,
} from "./helpers/contracts.js";

/**
 * Published Black-76 prices. `tol` is half a unit of the last printed digit (absolute).
 * - Hull, "Options, Futures, and Other Derivatives", the European futures-option example (F = K = 20,
 *   r = 9 %, T = 4 months, σ = 25 %: c = p = 1.1166); the same numbers are MathWorks' `blkprice` example.
 * - Haug, "The Complete Guide to Option Pricing Formulas" (2nd ed.), Black-76 example: put, F = K = 19,
 *   T = 0.75, r = 10 %, σ = 28 %: 1.7011.
 * - SAS documentation, BLACKCLPRC / BLACKPTPRC (functions reference and FedSQL reference) examples,
 *   argument order (E, t, F, r, σ); printed to 9 decimals or 15 significant digits.
 */
const PUBLISHED: Array<{ src: string; cp: 1 | -1; F: number; K: number; T: number; r: number; vol: number; price: number; tol: number }> = [
  { src: "Hull call", cp: 1, F: 20, K: 20, T: 4 / 12, r: 0.09, vol: 0.25, price: 1.1166, tol: 5e-5 },
  { src: "Hull put", cp: -1, F: 20, K: 20, T: 4 / 12, r: 0.09, vol: 0.25, price: 1.1166, tol: 5e-5 },
  { src: "Haug put", cp: -1, F: 19, K: 19, T: 0.75, r: 0.1, vol: 0.28, price: 1.7011, tol: 5e-5 },
  { src: "SAS blackclprc(1000,.5,950,4,2)", cp: 1, F: 950, K: 1000, T: 0.5, r: 4, vol: 2, price: 65.335687119, tol: 5e-10 },
  { src: "SAS blackclprc(850,2.5,125,3,1)", cp: 1, F: 125, K: 850, T: 2.5, r: 3, vol: 1, price: 0.012649067, tol: 5e-10 },
  { src: "SAS blackclprc(50,.25,48,.05,.25)", cp: 1, F: 48, K: 50, T: 0.25, r: 0.05, vol: 0.25, price: 1.55130142723117, tol: 5e-14 },
  { src: "SAS blackptprc(298,.25,350,.06,.25)", cp: -1, F: 350, K: 298, T: 0.25, r: 0.06, vol: 0.25, price: 1.85980563934967, tol: 5e-14 },
  { src: "SAS blackptprc(145,.5,170,.05,.2)", cp: -1, F: 170, K: 145, T: 0.5, r: 0.05, vol: 0.2, price: 1.41234979911583, tol: 5e-14 },
];

const option = (kind: number, cp: number, F: number, K: number, T: number, r: number, vol: number, size = 1): Contract => ({
  kind, cp, fwd: F, strike: K, tau: T, rate: r, df: Math.exp(-r * T), vol, size,
});

/** Random option inputs spanning crypto-like and textbook ranges. */
const optionInputs = fc.record({
  F: fc.double({ min: 0.5, max: 2e5, noNaN: true }),
  lnKF: fc.double({ min: -2.5, max: 2.5, noNaN: true }),
  T: fc.double({ min: 1e-4, max: 5, noNaN: true }),
  vol: fc.double({ min: 0.01, max: 3, noNaN: true }),
  r: fc.double({ min: -0.05, max: 0.2, noNaN: true }),
  size: fc.double({ min: 1e-3, max: 100, noNaN: true }),
});

describe.each(BACKENDS)("closed-form values on the %s kernel", (backend) => {
  const kernel = makeKernel(backend);

  it("reproduces published Black-76 prices (linear), and inverse coin price × F gives the same USD", () => {
    const lin = values(kernel, PUBLISHED.map((p) => option(KIND_OPTION_LINEAR, p.cp, p.F, p.K, p.T, p.r, p.vol)));
    const inv = values(kernel, PUBLISHED.map((p) => option(KIND_OPTION_INVERSE, p.cp, p.F, p.K, p.T, p.r, p.vol)));
    PUBLISHED.forEach((p, i) => {
      expect(Math.abs(lin[i] - p.price), p.src).toBeLessThan(p.tol);
      expect(Math.abs(inv[i] * p.F - p.price), p.src).toBeLessThan(p.tol);
      expect(Math.abs(inv[i] * p.F - lin[i]), p.src).toBeLessThanOrEqual(4e-16 * Math.max(lin[i], 1e-300) + 1e-300);
    });
  });

  it("put-call parity: C − P = size·df·(F − K) (linear), size·df·(F − K)/F coin (inverse)", () => {
    const errs: number[] = [];
    fc.assert(
      fc.property(optionInputs, ({ F, lnKF, T, vol, r, size }) => {
        const K = F * Math.exp(lnKF);
        const df = Math.exp(-r * T);
        const v = values(kernel, [
          option(KIND_OPTION_LINEAR, 1, F, K, T, r, vol, size),
          option(KIND_OPTION_LINEAR, -1, F, K, T, r, vol, size),
          option(KIND_OPTION_INVERSE, 1, F, K, T, r, vol, size),
          option(KIND_OPTION_INVERSE, -1, F, K, T, r, vol, size),
        ]);
        const scale = size * df * Math.max(F, K); // the largest term in either price
        const eLin = (v[0] - v[1] - size * df * (F - K)) / scale;
        const eInv = ((v[2] - v[3]) * F - size * df * (F - K)) / scale;
        errs.push(eLin, eInv);
        expect(Math.abs(eLin)).toBeLessThan(2e-15);
        expect(Math.abs(eInv)).toBeLessThan(2e-15);
      }),
      { numRuns: 400 },
    );
    console.log(`[${backend}] ${fmtStats("parity error / (size·df·max(F,K))", errorStats(errs))}`);
  });

  it("no-arbitrage bounds: max(0, df(F−K)) ≤ C ≤ df·F, max(0, df(K−F)) ≤ P ≤ df·K; monotone and convex in K", () => {
    fc.assert(
      fc.property(optionInputs, ({ F, lnKF, T, vol, r }) => {
        const K = F * Math.exp(lnKF);
        const df = Math.exp(-r * T);
        const h = 0.01 * K;
        const v = values(kernel, [
          option(KIND_OPTION_LINEAR, 1, F, K, T, r, vol),
          option(KIND_OPTION_LINEAR, -1, F, K, T, r, vol),
          option(KIND_OPTION_LINEAR, 1, F, K - h, T, r, vol),
          option(KIND_OPTION_LINEAR, 1, F, K + h, T, r, vol),
        ]);
        const [C, P, Cm, Cp] = v;
        const slack = 1e-14 * df * Math.max(F, K);
        expect(C).toBeGreaterThanOrEqual(Math.max(0, df * (F - K)) - slack);
        expect(C).toBeLessThanOrEqual(df * F + slack);
        expect(P).toBeGreaterThanOrEqual(Math.max(0, df * (K - F)) - slack);
        expect(P).toBeLessThanOrEqual(df * K + slack);
        // calls fall in K with slope in [−df, 0]; the price is convex in K
        expect(Cm).toBeGreaterThanOrEqual(C - slack);
        expect(C).toBeGreaterThanOrEqual(Cp - slack);
        expect(Cm - Cp).toBeLessThanOrEqual(df * 2 * h + slack);
        expect(Cm + Cp - 2 * C).toBeGreaterThanOrEqual(-4 * slack);
      }),
      { numRuns: 300 },
    );
  });

  it("limits: σ → 0 and T → 0 give discounted intrinsic value; deep ITM/OTM; σ → ∞ gives df·F and df·K", () => {
    const F = 77_000;
    const r = 0.05;
    const T = 0.5;
    const df = Math.exp(-r * T);
    for (const K of [40_000, 76_999, 77_001, 120_000]) {
      for (const vol of [0, 1e-14]) {
        const [c, p] = values(kernel, [option(KIND_OPTION_LINEAR, 1, F, K, T, r, vol), option(KIND_OPTION_LINEAR, -1, F, K, T, r, vol)]);
        expect(c).toBeCloseTo(df * Math.max(F - K, 0), 9);
        expect(p).toBeCloseTo(df * Math.max(K - F, 0), 9);
      }
      const [c0, p0] = values(kernel, [option(KIND_OPTION_LINEAR, 1, F, K, 0, 0, 0.8), option(KIND_OPTION_LINEAR, -1, F, K, 0, 0, 0.8)]);
      expect(c0).toBeCloseTo(Math.max(F - K, 0), 9);
      expect(p0).toBeCloseTo(Math.max(K - F, 0), 9);
    }
    // at the money with no time value left: worth (almost) nothing, never negative or NaN
    const [cAtm, pAtm] = values(kernel, [option(KIND_OPTION_LINEAR, 1, F, F, T, r, 0), option(KIND_OPTION_LINEAR, -1, F, F, T, r, 0)]);
    expect(cAtm).toBeGreaterThanOrEqual(0);
    expect(cAtm).toBeLessThan(1e-6);
    expect(pAtm).toBeGreaterThanOrEqual(0);
    expect(pAtm).toBeLessThan(1e-6);
    // deep in / out of the money at ordinary vol
    const deep = values(kernel, [
      option(KIND_OPTION_LINEAR, 1, F, F / 1000, T, r, 0.6),
      option(KIND_OPTION_LINEAR, -1, F, F / 1000, T, r, 0.6),
      option(KIND_OPTION_LINEAR, 1, F, F * 1000, T, r, 0.6),
      option(KIND_OPTION_LINEAR, -1, F, F * 1000, T, r, 0.6),
    ]);
    expect(Math.abs(deep[0] - df * (F - F / 1000)) / (df * F)).toBeLessThan(1e-15);
    expect(deep[1]).toBeGreaterThanOrEqual(0);
    expect(deep[1]).toBeLessThan(1e-40); // true values ≈ 4e-58 (put) and ≈ 1e-53 (call)
    expect(deep[2]).toBeGreaterThanOrEqual(0);
    expect(deep[2]).toBeLessThan(1e-40); // true values ≈ 4e-58 (put) and ≈ 1e-53 (call)
    expect(Math.abs(deep[3] - df * (F * 1000 - F)) / (df * F * 1000)).toBeLessThan(1e-15);
    // σ → ∞: the call tends to df·F and the put to df·K
    const [cInf, pInf] = values(kernel, [option(KIND_OPTION_LINEAR, 1, F, 70_000, 1, r, 40), option(KIND_OPTION_LINEAR, -1, F, 70_000, 1, r, 40)]);
    expect(Math.abs(cInf - Math.exp(-r) * F) / F).toBeLessThan(1e-12);
    expect(Math.abs(pInf - Math.exp(-r) * 70_000) / 70_000).toBeLessThan(1e-12);
  });

  it("the value rises with vol and with time (r = 0)", () => {
    fc.assert(
      fc.property(optionInputs, ({ F, lnKF, T, vol }) => {
        const K = F * Math.exp(lnKF);
        const v = values(kernel, [
          option(KIND_OPTION_LINEAR, 1, F, K, T, 0, vol),
          option(KIND_OPTION_LINEAR, 1, F, K, T, 0, vol * 1.1),
          option(KIND_OPTION_LINEAR, 1, F, K, T * 1.1, 0, vol),
        ]);
        const slack = 1e-15 * Math.max(F, K);
        expect(v[1]).toBeGreaterThanOrEqual(v[0] - slack);
        expect(v[2]).toBeGreaterThanOrEqual(v[0] - slack);
      }),
      { numRuns: 200 },
    );
  });

  it("delta-one: linear size·(F − K) USD, inverse size·(1/K − 1/F) coin; zero at the mark (K = F)", () => {
    const F = 77_081.8;
    const v = values(kernel, [
      { kind: KIND_DELTA1_LINEAR, fwd: F, strike: 70_000, size: 2.5 },
      { kind: KIND_DELTA1_INVERSE, fwd: F, strike: 70_000, size: 10_000 },
      { kind: KIND_DELTA1_LINEAR, fwd: F, strike: F, size: 3 },
      { kind: KIND_DELTA1_INVERSE, fwd: F, strike: F, size: 50_000 },
      { kind: KIND_DELTA1_LINEAR, fwd: F, strike: 0, size: 1 }, // spot: K = 0
    ]);
    expect(v[0]).toBeCloseTo(2.5 * (F - 70_000), 9);
    expect(Math.abs(v[1] - 10_000 * (1 / 70_000 - 1 / F))).toBeLessThan(1e-15);
    expect(v[2]).toBe(0);
    expect(v[3]).toBe(0);
    expect(v[4]).toBe(F);
  });

  it("the cube is the re-priced value at F·M and the shocked vol, minus the base value", () => {
    const mults = [0.5, 0.84, 0.96, 1, 1.04, 1.16, 2, 5];
    const shifts = [-0.3, -0.1, 0, 0.2, 0.5, -1.2, 0.1, 0];
    const floors = [0, 0, 0, 0.4, 0, 0, 0.9, 0];
    const volMult = 1.3;
    const base: Contract[] = [
      { ...option(KIND_OPTION_LINEAR, 1, 77_405.28, 80_000, 0.0922, 0.03, 0.55, 2), volMult },
      { ...option(KIND_OPTION_INVERSE, -1, 77_405.28, 70_000, 0.0922, 0, 0.62, 1), volMult },
      { ...option(KIND_OPTION_INVERSE, 1, 2_414.6, 2_600, 0.05, 0, 0.7, 3), volMult },
      { kind: KIND_DELTA1_LINEAR, fwd: 77_081.8, strike: 77_081.8, size: 0.7 },
      { kind: KIND_DELTA1_INVERSE, fwd: 77_405.28, strike: 77_405.28, size: 10_000, tau: 0.0922 },
    ];
    const r = runContracts(kernel, base, { mult: [mults], volShift: [shifts], volFloor: [floors] });
    const errs: number[] = [];
    base.forEach((c, i) => {
      const shocked = mults.map((m, s) => ({
        ...c,
        fwd: c.fwd * m,
        vol: Math.max(floors[s], (c.vol ?? 0) * Math.max(0, 1 + shifts[s] * volMult)),
      }));
      const re = values(kernel, shocked);
      mults.forEach((_, s) => {
        const e = Math.abs(r.cube[i][s] - (re[s] - r.value[i]));
        errs.push(e / Math.max(Math.abs(r.value[i]), Math.abs(re[s]), 1e-300));
        expect(e).toBeLessThanOrEqual(1e-14 * Math.max(Math.abs(r.value[i]), Math.abs(re[s])) + 1e-300);
      });
    });
    console.log(`[${backend}] ${fmtStats("cube vs re-pricing (relative)", errorStats(errs))}`);
  });
});
