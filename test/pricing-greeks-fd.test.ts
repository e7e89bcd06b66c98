/**
 * Every analytic greek of the kernel against central finite differences of the kernel's own value,
 * in the units of DESIGN §2 (per contract, of the USD value):
 *   delta ∂V/∂index (F ∝ index, via the scenario cube: F' = F·M), gamma ∂²V/∂index²,
 *   vega ∂V/∂σ × 0.01, theta −∂V/∂T ÷ 365 with F held (df = e^{−rT} moves), rho ∂V/∂r × 0.01 with F held.
 * USD value: linear contracts as priced; inverse options and inverse futures/perpetuals: coin value × F'
 * (the shocked forward), which is the USD value Deribit's coin price stands for.
 *
 * Differences are Richardson-extrapolated central differences (error O(h⁴)); delta and gamma are taken
 * in ln F with a step proportional to σ√T, so short-dated options are resolved as well as long ones.
 * Errors are measured against a natural scale per greek (below), so deep OTM options with tiny greeks
 * are judged on the same footing as at-the-money ones.
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
  type ScenarioSet,
} from "./helpers/contracts.js";
import type { Kernel } from "../src/kernel/abi.js";

const GREEK_NAMES = ["delta", "gamma", "vega", "theta", "rho"] as const;
type GreekName = (typeof GREEK_NAMES)[number];
type Greeks = Record<GreekName, number>;

const INV_SQRT_2PI = 0.3989422804014327;
const isInverse = (k: number) => k === KIND_OPTION_INVERSE || k === KIND_DELTA1_INVERSE;
const isOption = (k: number) => k === KIND_OPTION_LINEAR || k === KIND_OPTION_INVERSE;

/** A fully specified contract (every field the FD needs). */
interface Case extends Contract {
  cp: number;
  tau: number;
  rate: number;
  vol: number;
  size: number;
  dFdS: number;
}

function withDf(c: Case, tau: number, rate: number): Case {
  return { ...c, tau, rate, df: Math.exp(-rate * tau) };
}

/** USD value from the kernel's value in the settlement currency at forward F. */
const toUsd = (c: Case, value: number, F: number) => (isInverse(c.kind) ? value * F : value);

/** Natural size of each greek, used to scale the error (absolute part of the tolerance). */
function scales(c: Case, usd: number): Greeks {
  if (!isOption(c.kind)) {
    const d = c.kind === KIND_DELTA1_LINEAR ? c.size * c.dFdS : (c.size * c.dFdS) / c.strike;
    return { delta: d, gamma: d / c.fwd, vega: d * c.fwd * 0.01, theta: (d * c.fwd) / 365, rho: d * c.fwd * 0.01 };
  }
  const sqrtT = Math.sqrt(c.tau);
  const sd = c.vol * sqrtT;
  const F = c.fwd;
  const peak = c.size * Math.exp(-c.rate * c.tau) * INV_SQRT_2PI; // df·φ(0) per contract
  return {
    delta: c.size * c.dFdS,
    gamma: (peak * c.dFdS * c.dFdS) / (F * sd),
    vega: peak * F * sqrtT * 0.01,
    theta: ((peak * F * c.vol) / (2 * sqrtT) + Math.abs(c.rate * usd)) / 365,
    rho: c.tau * Math.max(Math.abs(usd), c.size * F) * 0.01,
  };
}

const rich1 = (fm2: number, fm1: number, fp1: number, fp2: number, h: number) =>
  (4 * ((fp1 - fm1) / (2 * h)) - (fp2 - fm2) / (4 * h)) / 3;
const rich2 = (fm2: number, fm1: number, f0: number, fp1: number, fp2: number, h: number) =>
  (4 * ((fp1 - 2 * f0 + fm1) / (h * h)) - (fp2 - 2 * f0 + fm2) / (4 * h * h)) / 3;

interface FdResult {
  analytic: Greeks[];
  fd: Greeks[];
  scale: Greeks[];
  usd: number[];
}

/** Analytic greeks of the kernel and their finite-difference counterparts, for every case. */
function greeksAndFd(kernel: Kernel, cases: Case[]): FdResult {
  const n = cases.length;
  // ln-F steps: one scenario row (factor) per case, so each case gets its own step.
  const uF = cases.map((c) => (isOption(c.kind) ? Math.min(1e-2, Math.max(1e-7, 0.01 * c.vol * Math.sqrt(c.tau))) : 1e-3));
  const scen: ScenarioSet = { mult: uF.map((u) => [-2 * u, -u, u, 2 * u].map(Math.exp)) };
  const base = runContracts(kernel, cases.map((c, i) => ({ ...c, factor: i })), scen);

  // Re-pricings for vega (σ ± δ), theta (T·e^{±u}, df follows) and rho (r ± δ, df follows).
  const bumped: Contract[] = [];
  const dVol = cases.map((c) => 1e-3 * Math.max(c.vol, 0.01));
  const uT = 1e-3;
  const dR = 1e-3;
  cases.forEach((c, i) => {
    for (const k of [-2, -1, 1, 2]) bumped.push({ ...c, vol: c.vol + k * dVol[i] });
    for (const k of [-2, -1, 1, 2]) bumped.push(withDf(c, c.tau * Math.exp(k * uT), c.rate));
    for (const k of [-2, -1, 1, 2]) bumped.push(withDf(c, c.tau, c.rate + k * dR));
  });
  const bv = runContracts(kernel, bumped).value;

  const analytic: Greeks[] = [];
  const fd: Greeks[] = [];
  const scale: Greeks[] = [];
  const usdAll: number[] = [];
  cases.forEach((c, i) => {
    const F = c.fwd;
    const index = F / c.dFdS;
    const usd0 = toUsd(c, base.value[i], F);
    const m = scen.mult[i];
    const u = uF[i];
    const f = m.map((M, s) => toUsd(c, base.value[i] + base.cube[i][s], F * M));
    // d/dlnF and d²/dlnF² → ∂/∂F, ∂²/∂F² → ∂/∂index (F = dFdS·index)
    const dLn = rich1(f[0], f[1], f[2], f[3], u);
    const d2Ln = rich2(f[0], f[1], usd0, f[2], f[3], u);
    const dF = dLn / F;
    const d2F = (d2Ln - dLn) / (F * F);
    const o = 12 * i;
    const usdAt = (j: number, cc: Case) => toUsd(cc, bv[o + j], F);
    const vegaFd = rich1(usdAt(0, c), usdAt(1, c), usdAt(2, c), usdAt(3, c), dVol[i]) * 0.01;
    const dVdLnT = rich1(usdAt(4, c), usdAt(5, c), usdAt(6, c), usdAt(7, c), uT);
    const rhoFd = rich1(usdAt(8, c), usdAt(9, c), usdAt(10, c), usdAt(11, c), dR) * 0.01;
    fd.push({
      delta: dF * c.dFdS,
      gamma: d2F * c.dFdS * c.dFdS,
      vega: vegaFd,
      theta: c.tau > 0 ? -(dVdLnT / c.tau) / 365 : 0,
      rho: rhoFd,
    });
    analytic.push({ delta: base.delta[i], gamma: base.gamma[i], vega: base.vega[i], theta: base.theta[i], rho: base.rho[i] });
    scale.push(scales(c, usd0));
    usdAll.push(usd0);
    void index;
  });
  return { analytic, fd, scale, usd: usdAll };
}

/** Scaled errors |analytic − fd| / scale per greek. */
function scaledErrors(r: FdResult): Record<GreekName, number[]> {
  const out = { delta: [], gamma: [], vega: [], theta: [], rho: [] } as Record<GreekName, number[]>;
  r.analytic.forEach((a, i) => {
    for (const g of GREEK_NAMES) out[g].push(Math.abs(a[g] - r.fd[i][g]) / r.scale[i][g]);
  });
  return out;
}

/**
 * Tolerance on the scaled error. Measured maxima (js backend, grid + random) are reported by the
 * test; these bounds leave ~10–100× headroom over them and are still ≥ 10⁴ times tighter than any
 * convention slip (a missing dFdS, ×0.01, ÷365 or sign is an O(1e-3 … 1) scaled error).
 */
const TOL: Greeks = { delta: 1e-8, gamma: 5e-7, vega: 1e-8, theta: 1e-8, rho: 1e-8 };

function gridCases(): Case[] {
  const cases: Case[] = [];
  const F = 77_405.28;
  const dFdS = 77_405.28 / 77_081.8; // BTC-25SEP26 future over the index, 2026-08-22
  for (const kind of [KIND_OPTION_LINEAR, KIND_OPTION_INVERSE]) {
    for (const cp of [1, -1]) {
      for (const mny of [0.5, 0.8, 0.95, 1, 1.05, 1.25, 2]) {
        for (const tau of [1 / 365 / 24, 1 / 365, 7 / 365, 30 / 365, 0.25, 1, 2.5]) {
          for (const vol of [0.2, 0.6, 1.5]) {
            const rate = 0.04;
            cases.push({ kind, cp, fwd: F, strike: F * mny, tau, rate, df: Math.exp(-rate * tau), vol, size: 1.5, dFdS });
          }
        }
      }
    }
  }
  for (const kind of [KIND_DELTA1_LINEAR, KIND_DELTA1_INVERSE]) {
    for (const mny of [0.8, 1, 1.3]) {
      cases.push({ kind, cp: 0, fwd: F, strike: F * mny, tau: 0.0922, rate: 0.04, vol: 0, size: kind === KIND_DELTA1_INVERSE ? 10_000 : 2, dFdS });
      cases.push({ kind, cp: 0, fwd: 77_081.8, strike: 77_081.8 * mny, tau: 0, rate: 0, vol: 0, size: kind === KIND_DELTA1_INVERSE ? 250 : 0.3, dFdS: 1 });
    }
  }
  return cases;
}

const randomOption = fc
  .record({
    kind: fc.constantFrom(KIND_OPTION_LINEAR, KIND_OPTION_INVERSE),
    cp: fc.constantFrom(1, -1),
    F: fc.double({ min: 1, max: 2e5, noNaN: true }),
    lnKF: fc.double({ min: -1.5, max: 1.5, noNaN: true }),
    tau: fc.double({ min: 1 / 365 / 24, max: 3, noNaN: true }),
    vol: fc.double({ min: 0.05, max: 2.5, noNaN: true }),
    rate: fc.double({ min: -0.02, max: 0.12, noNaN: true }),
    size: fc.double({ min: 0.01, max: 50, noNaN: true }),
    dFdS: fc.double({ min: 0.9, max: 1.2, noNaN: true }),
  })
  .map(
    (p): Case => ({
      kind: p.kind, cp: p.cp, fwd: p.F, strike: p.F * Math.exp(p.lnKF), tau: p.tau, rate: p.rate,
      df: Math.exp(-p.rate * p.tau), vol: p.vol, size: p.size, dFdS: p.dFdS,
    }),
  );

const randomDeltaOne = fc
  .record({
    kind: fc.constantFrom(KIND_DELTA1_LINEAR, KIND_DELTA1_INVERSE),
    F: fc.double({ min: 1, max: 2e5, noNaN: true }),
    lnKF: fc.double({ min: -0.5, max: 0.5, noNaN: true }),
    tau: fc.double({ min: 0, max: 2, noNaN: true }),
    rate: fc.double({ min: -0.02, max: 0.12, noNaN: true }),
    size: fc.double({ min: 0.01, max: 1e5, noNaN: true }),
    dFdS: fc.double({ min: 0.9, max: 1.2, noNaN: true }),
  })
  .map(
    (p): Case => ({
      kind: p.kind, cp: 0, fwd: p.F, strike: p.F * Math.exp(p.lnKF), tau: p.tau, rate: p.rate,
      df: Math.exp(-p.rate * p.tau), vol: 0, size: p.size, dFdS: p.dFdS,
    }),
  );

function checkAll(r: FdResult, label: string, cases: Case[]) {
  const errs = scaledErrors(r);
  const lines = GREEK_NAMES.map((g) => fmtStats(g, errorStats(errs[g])));
  console.log(`${label}\n  ${lines.join("\n  ")}`);
  r.analytic.forEach((a, i) => {
    for (const g of GREEK_NAMES) {
      const e = Math.abs(a[g] - r.fd[i][g]) / r.scale[i][g];
      expect(e, `${label} ${g} case ${JSON.stringify(cases[i])} analytic ${a[g]} fd ${r.fd[i][g]}`).toBeLessThan(TOL[g]);
    }
  });
}

describe.each(BACKENDS)("greeks = finite differences of the value on the %s kernel", (backend) => {
  const kernel = makeKernel(backend);

  it("grid: options linear/inverse × call/put × 7 strikes × 7 expiries (1 h … 2.5 y) × 3 vols, delta-one, dFdS ≠ 1", () => {
    const cases = gridCases();
    checkAll(greeksAndFd(kernel, cases), `[${backend}] grid (${cases.length} cases), scaled |analytic − fd|`, cases);
  });

  it("random options (fast-check)", () => {
    const all: Case[] = [];
    fc.assert(
      fc.property(fc.array(randomOption, { minLength: 1, maxLength: 20 }), (cases) => {
        all.push(...cases);
        const r = greeksAndFd(kernel, cases);
        r.analytic.forEach((a, i) => {
          for (const g of GREEK_NAMES) {
            expect(Math.abs(a[g] - r.fd[i][g]) / r.scale[i][g], `${g} ${JSON.stringify(cases[i])}`).toBeLessThan(TOL[g]);
          }
        });
      }),
      { numRuns: 60 },
    );
    checkAll(greeksAndFd(kernel, all), `[${backend}] random options (${all.length} cases)`, all);
  });

  it("random delta-one (fast-check): delta = size·dFdS (linear), size·dFdS/K (inverse); other greeks 0", () => {
    fc.assert(
      fc.property(fc.array(randomDeltaOne, { minLength: 1, maxLength: 20 }), (cases) => {
        const r = greeksAndFd(kernel, cases);
        r.analytic.forEach((a, i) => {
          const c = cases[i];
          const expected = c.kind === KIND_DELTA1_LINEAR ? c.size * c.dFdS : (c.size * c.dFdS) / c.strike;
          expect(Math.abs(a.delta - expected) / expected).toBeLessThan(4e-16);
          expect(Math.abs(a.delta - r.fd[i].delta) / expected).toBeLessThan(TOL.delta);
          expect(a.gamma).toBe(0);
          expect(a.vega).toBe(0);
          expect(a.theta).toBe(0);
          expect(a.rho).toBe(0);
          // the value does not depend on σ, T or r at all, so those differences vanish exactly
          expect(Math.abs(r.fd[i].vega)).toBe(0);
          expect(Math.abs(r.fd[i].theta)).toBe(0);
          expect(Math.abs(r.fd[i].rho)).toBe(0);
          expect(Math.abs(r.fd[i].gamma) / r.scale[i].gamma).toBeLessThan(TOL.gamma);
        });
      }),
      { numRuns: 60 },
    );
  });

  it("inverse perpetual at the mark: delta = size / index coins; inverse future at the mark: also size / index", () => {
    const index = 77_081.8;
    const F = 77_405.28;
    const r = runContracts(kernel, [
      { kind: KIND_DELTA1_INVERSE, fwd: index, strike: index, size: 10_000, dFdS: 1 }, // BTC-PERPETUAL, $10 000 face
      { kind: KIND_DELTA1_INVERSE, fwd: F, strike: F, size: 10_000, tau: 0.0922, dFdS: F / index }, // BTC-25SEP26
      { kind: KIND_DELTA1_LINEAR, fwd: index, strike: index, size: 0.25, dFdS: 1 }, // BTC_USDC-PERPETUAL, 0.25 BTC
    ]);
    expect(Math.abs(r.delta[0] - 10_000 / index) / (10_000 / index)).toBeLessThan(4e-16);
    expect(Math.abs(r.delta[1] - 10_000 / index) / (10_000 / index)).toBeLessThan(4e-16);
    expect(r.delta[2]).toBe(0.25);
    expect(r.value).toEqual([0, 0, 0]);
  });

  it("signs: long options have delta of the right sign, gamma and vega > 0, theta < 0 at r = 0; rho = −T·V/100", () => {
    const cases = gridCases().filter((c) => isOption(c.kind));
    const r = runContracts(kernel, cases.map((c) => ({ ...c, rate: 0, df: 1 })));
    cases.forEach((c, i) => {
      if (c.cp > 0) expect(r.delta[i]).toBeGreaterThanOrEqual(0);
      else expect(r.delta[i]).toBeLessThanOrEqual(0);
      expect(r.gamma[i]).toBeGreaterThanOrEqual(0);
      expect(r.vega[i]).toBeGreaterThanOrEqual(0);
      expect(r.theta[i]).toBeLessThanOrEqual(0);
      const usd = toUsd(c, r.value[i], c.fwd);
      expect(Math.abs(r.rho[i] - (-c.tau * usd) / 100)).toBeLessThanOrEqual(1e-15 * Math.abs(c.tau * usd) + 1e-300);
    });
  });
});
