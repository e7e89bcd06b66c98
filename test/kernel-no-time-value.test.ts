/**
 * An option with no time value left (σ√T below MIN_STDDEV: expiry now, or vol ≈ 0) is worth its
 * discounted intrinsic value: gamma 0, theta only the discounting term r·V/365, on every backend —
 * not the 1/(σ√T) spike of the formulas at F = K — while vega keeps its finite limit.
 */
import { describe, expect, it } from "vitest";
import { BACKENDS, makeKernel } from "./helpers/backends.js";
import { KIND_OPTION_INVERSE, KIND_OPTION_LINEAR } from "../src/kernel/abi.js";

const cases = [
  { kind: KIND_OPTION_LINEAR, cp: 1, K: 77_000, tau: 0, vol: 0.5, rate: 0 },
  { kind: KIND_OPTION_INVERSE, cp: -1, K: 77_000, tau: 0, vol: 0.5, rate: 0.05 },
  { kind: KIND_OPTION_LINEAR, cp: 1, K: 70_000, tau: 0.25, vol: 1e-14, rate: 0.05 },
  { kind: KIND_OPTION_LINEAR, cp: -1, K: 77_000, tau: 0.25, vol: 1e-14, rate: 0.03 },
];

describe.each(BACKENDS)("no time value on %s", (backend) => {
  it("gamma is 0, theta is r·V/365 and the value is the discounted intrinsic value", () => {
    const k = makeKernel(backend);
    const n = cases.length;
    const v = k.reserve({ nInst: n, nScen: 1, nFactors: 1, nAcc: 1, nPos: 1, nGroups: 1, nBuckets: 1 });
    const F = 77_000;
    cases.forEach((c, i) => {
      v.kind[i] = c.kind; v.factor[i] = 0; v.cp[i] = c.cp; v.strike[i] = c.K; v.tau[i] = c.tau; v.fwd[i] = F;
      v.df[i] = Math.exp(-c.rate * c.tau); v.rate[i] = c.rate; v.vol[i] = c.vol; v.volMult[i] = 1; v.size[i] = 1; v.dFdS[i] = 1;
    });
    v.mult.fill(1); v.lnMult.fill(0); v.volShift.fill(0); v.volFloor.fill(0); v.accStart.fill(0);
    k.instrumentPass();
    const w = k.views();
    cases.forEach((c, i) => {
      const df = Math.exp(-c.rate * c.tau);
      const intrinsicUsd = df * Math.max(c.cp * (F - c.K), 0);
      const usd = c.kind === KIND_OPTION_INVERSE ? w.value[i] * F : w.value[i];
      // At F = K the 1e-12 floor on σ√T leaves F·0.4e-12 of time value: far below a cent.
      expect(Math.abs(usd - intrinsicUsd)).toBeLessThan(1e-6);
      expect(w.gamma[i]).toBe(0);
      expect(Math.abs(w.theta[i] - (c.rate * usd) / 365)).toBeLessThan(1e-9);
      expect(Number.isFinite(w.vega[i]) && Number.isFinite(w.delta[i])).toBe(true);
      // Vega is continuous as σ → 0: at F = K its limit is df·F·φ(0)·√T per vol point, elsewhere 0.
      const vegaLimit = c.K === F ? (df * F * Math.sqrt(c.tau) * 0.01) / Math.sqrt(2 * Math.PI) : 0;
      expect(Math.abs(w.vega[i] - vegaLimit)).toBeLessThanOrEqual(1e-9 * Math.max(1, vegaLimit));
    });
  });
});
