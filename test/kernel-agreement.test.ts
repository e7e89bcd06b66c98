/**
 * simd, scalar and js agree on every output of both passes, for random instruments, scenario grids and
 * accounts, edge inputs included (vol 0.01 and 5, T of minutes and 3 years, |ln F/K| up to 10).
 *
 * The comparison rule, for two backends' values a and b of one output:
 *
 *     |a − b| ≤ 1e-12 · max(|a|, |b|) + 1e-12 · scale
 *
 * where `scale` is the instrument's notional in the output's unit, the absolute floor for values that
 * are differences or cancellations (a cube entry V' − V, a deep out-of-the-money price, a greek whose
 * terms cancel):
 * - value, cube (settlement currency): size·max(F', K) for linear options, that / F' coin for inverse
 *   options, size·F' for linear delta-one, size/F' coin for inverse delta-one (F' = the shocked forward);
 * - greeks: the greek's at-the-money magnitude, e.g. delta size·df·dF/dS, gamma size·df·φ(0)·(dF/dS)²/(F·σ√T),
 *   vega size·df·F·√T·φ(0)/100, theta (|r|·size·max(F,K) + size·df·F·φ(0)·σ/(2√T))/365, rho T·size·max(F,K)/100.
 * Account sums (pnl, base, greek sums) allow Σ |qty| × (each term's own tolerance): the error of a sum
 * of quantities times per-instrument values.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KIND_DELTA1_INVERSE, KIND_DELTA1_LINEAR, KIND_OPTION_LINEAR, N_GREEKS } from "../src/kernel/abi.js";
import { BACKENDS, makeKernel } from "./helpers/backends.js";
import { type Case, caseArb, type Inst, type Output, OUTPUTS, runCase } from "./helpers/kernel-cases.js";

const REL = 1e-12;
const PHI0 = 0.3989422804014327;
const GREEK_COLS = ["delta", "gamma", "vega", "theta", "rho"] as const;

/** Notional of one contract in its settlement currency at forward F'. */
function valueScale(x: Inst, F: number): number {
  switch (x.kind) {
    case KIND_OPTION_LINEAR:
      return x.size * Math.max(F, x.strike);
    case KIND_DELTA1_LINEAR:
      return x.size * F;
    case KIND_DELTA1_INVERSE:
      return x.size / F;
    default: // inverse option, in coin
      return (x.size * Math.max(F, x.strike)) / F;
  }
}

function greekScales(x: Inst): number[] {
  if (x.kind === KIND_DELTA1_LINEAR || x.kind === KIND_DELTA1_INVERSE) {
    return [x.size * x.dFdS * (x.kind === KIND_DELTA1_LINEAR ? 1 : 1 / x.strike), 0, 0, 0, 0];
  }
  const df = Math.exp(-x.rate * x.tau);
  const sqrtT = Math.sqrt(x.tau);
  const sd = Math.max(x.vol * sqrtT, 1e-12);
  const big = x.size * Math.max(x.fwd, x.strike);
  return [
    x.size * df * x.dFdS,
    (x.size * df * PHI0 * x.dFdS * x.dFdS) / (x.fwd * sd),
    x.size * df * x.fwd * sqrtT * PHI0 * 0.01,
    (Math.abs(x.rate) * big + (x.size * df * x.fwd * PHI0 * x.vol) / (2 * Math.max(sqrtT, 1e-12))) / 365,
    x.tau * big * 0.01,
  ];
}

/** Absolute tolerance of every element of every output, from the reference (js) values. */
function tolerances(c: Case, ref: Record<Output, Float64Array>): Record<Output, Float64Array> {
  const S = c.nScen;
  const G = c.nGroups;
  const B = c.nBuckets;
  const tol = Object.fromEntries(OUTPUTS.map((o) => [o, new Float64Array(ref[o].length)])) as Record<Output, Float64Array>;
  c.insts.forEach((x, i) => {
    tol.value[i] = REL * valueScale(x, x.fwd);
    for (let s = 0; s < S; s++) {
      const F = x.fwd * c.scens[x.factor * S + s].mult;
      tol.cube[i * S + s] = REL * (valueScale(x, F) + valueScale(x, x.fwd));
    }
    greekScales(x).forEach((g, k) => (tol[GREEK_COLS[k]][i] = REL * g));
  });
  c.accounts.forEach((positions, a) => {
    for (const [i, q] of positions) {
      const x = c.insts[i];
      const g = a * G + x.group;
      const aq = Math.abs(q);
      tol.base[g] += aq * (tol.value[i] + REL * Math.abs(ref.value[i]));
      for (let s = 0; s < S; s++) tol.pnl[g * S + s] += aq * (tol.cube[i * S + s] + REL * Math.abs(ref.cube[i * S + s]));
      const b = (a * B + x.bucket) * N_GREEKS;
      GREEK_COLS.forEach((col, k) => (tol.greeks[b + k] += aq * (tol[col][i] + REL * Math.abs(ref[col][i]))));
    }
  });
  return tol;
}

/** Per output: the largest |a − b| / allowed (≤ 1 passes) and, for information, the largest relative
 * difference among elements at least 1e-4 of their notional (clear of cancellation). */
type Worst = Record<Output, { usage: number; rel: number; where: string }>;

function compare(
  a: Record<Output, Float64Array>, b: Record<Output, Float64Array>, tol: Record<Output, Float64Array>, worst: Worst,
): void {
  for (const o of OUTPUTS) {
    const w = worst[o];
    for (let j = 0; j < a[o].length; j++) {
      const x = a[o][j];
      const y = b[o][j];
      expect(Number.isFinite(x) && Number.isFinite(y), `${o}[${j}] finite`).toBe(true);
      const m = Math.max(Math.abs(x), Math.abs(y));
      const d = Math.abs(x - y);
      const usage = d === 0 ? 0 : d / (REL * m + tol[o][j]);
      if (usage > w.usage) Object.assign(w, { usage, where: `${o}[${j}]: ${x} vs ${y}` });
      if (m >= tol[o][j] * 1e8 && d / m > w.rel) w.rel = d / m;
    }
  }
}

describe("backends agree to 1e-12 (relative, with a notional floor)", () => {
  const kernels = Object.fromEntries(BACKENDS.map((b) => [b, makeKernel(b)]));
  const pairs = [["simd", "js"], ["scalar", "js"], ["simd", "scalar"]] as const;

  for (const [p, q] of pairs) {
    it(`${p} vs ${q} on every output`, () => {
      const worst = Object.fromEntries(OUTPUTS.map((o) => [o, { usage: 0, rel: 0, where: "" }])) as Worst;
      fc.assert(
        fc.property(caseArb, (c) => {
          const ref = runCase(kernels.js, c);
          const tol = tolerances(c, ref);
          compare(runCase(kernels[p], c), runCase(kernels[q], c), tol, worst);
          for (const o of OUTPUTS) expect(worst[o].usage, worst[o].where).toBeLessThanOrEqual(1);
        }),
        { numRuns: 300, seed: 20260822 },
      );
      const fmt = (x: number) => x.toExponential(1);
      console.log(`[${p} vs ${q}] per output: tolerance used (max), relative difference where |x| ≥ 1e-4 notional (max)\n` +
        OUTPUTS.map((o) => `  ${o.padEnd(6)} ${fmt(worst[o].usage)}  ${fmt(worst[o].rel)}`).join("\n"));
    });
  }
});
