/**
 * Vol forecasts: EWMA against a hand recursion, GARCH(1,1) recovering the parameters of a series
 * simulated from them, forecasts, and the dynamic scan range.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ewmaCovariance, ewmaVariances } from "../src/var/ewma.js";
import { fitGarch, garchForecast, garchLogLikelihood, garchVariances } from "../src/var/garch.js";
import { Xoshiro128 } from "../src/var/rng.js";
import { dynamicRange, dynamicRangeDetail } from "../src/var/dynamic.js";
import { parsePriceCsv } from "../src/history/csv.js";
import { nelderMead } from "../src/var/nelder-mead.js";
import { cholesky, correlationOf, correlationOneStress } from "../src/var/linalg.js";

const HISTORY = parsePriceCsv(readFileSync(new URL("./fixtures/prices/btc-eth-sol-closes-usdt-daily.csv", import.meta.url), "utf8"));

function simulateGarch(omega: number, alpha: number, beta: number, n: number, seed: number): Float64Array {
  const g = new Xoshiro128(seed);
  let h = omega / (1 - alpha - beta);
  for (let b = 0; b < 1000; b++) {
    const x = Math.sqrt(h) * g.normal();
    h = omega + alpha * x * x + beta * h;
  }
  const r = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    r[t] = Math.sqrt(h) * g.normal();
    h = omega + alpha * r[t] * r[t] + beta * h;
  }
  return r;
}

describe("EWMA", () => {
  const r = Array.from({ length: 80 }, (_, t) => 0.03 * Math.sin(1.7 * t + 0.3) + 0.004 * ((t * 7) % 5 - 2));

  it("variance equals the hand recursion σ²_{t+1} = λσ²_t + (1 − λ)r_t², seeded with the mean r² of 30 days", () => {
    let seed = 0;
    for (let t = 0; t < 30; t++) seed += r[t] ** 2;
    let v = seed / 30;
    const hand = [v];
    for (let t = 0; t < r.length; t++) {
      v = 0.94 * v + 0.06 * r[t] ** 2;
      hand.push(v);
    }
    const got = ewmaVariances(r);
    expect(got.length).toBe(r.length + 1);
    hand.forEach((x, t) => expect(Math.abs(got[t] - x)).toBeLessThanOrEqual(1e-14 * x));
    const got97 = ewmaVariances(r, { lambda: 0.97, seedDays: 1 });
    let w = r[0] ** 2;
    for (let t = 0; t < r.length; t++) w = 0.97 * w + 0.03 * r[t] ** 2;
    expect(Math.abs(got97[r.length] - w)).toBeLessThanOrEqual(1e-14 * w);
  });

  it("covariance: diagonal = variances, off-diagonal = the same recursion on r_i·r_j", () => {
    const s = r.map((x, t) => 0.5 * x + 0.01 * Math.cos(t));
    const c = ewmaCovariance([r, s]);
    const vr = ewmaVariances(r);
    const vs = ewmaVariances(s);
    expect(Math.abs(c[0][0] - vr[r.length])).toBeLessThanOrEqual(1e-15 * vr[r.length]);
    expect(Math.abs(c[1][1] - vs[r.length])).toBeLessThanOrEqual(1e-15 * vs[r.length]);
    let x = 0;
    for (let t = 0; t < 30; t++) x += r[t] * s[t];
    x /= 30;
    for (let t = 0; t < r.length; t++) x = 0.94 * x + 0.06 * r[t] * s[t];
    expect(Math.abs(c[0][1] - x)).toBeLessThanOrEqual(1e-14 * Math.abs(x));
    expect(c[1][0]).toBe(c[0][1]);
    const rho = correlationOf(c);
    expect(rho[0][0]).toBe(1);
    expect(Math.abs(rho[0][1] - x / Math.sqrt(c[0][0] * c[1][1]))).toBeLessThan(1e-15);
  });

  it("rejects λ outside (0, 1)", () => {
    expect(() => ewmaVariances(r, { lambda: 1 })).toThrow(RangeError);
    expect(() => ewmaCovariance([r], { lambda: 0 })).toThrow(RangeError);
  });
});

describe("GARCH(1,1) maximum likelihood", () => {
  // Daily crypto-like parameters: long-run vol √(ω/(1−α−β)) = 3.46 % a day.
  const TRUE = { omega: 2.4e-5, alpha: 0.08, beta: 0.9 };
  const LR_VOL = Math.sqrt(TRUE.omega / (1 - TRUE.alpha - TRUE.beta));

  // Tolerances: with 20 000 observations the estimators' standard errors are about 0.005 (α),
  // 0.007 (β), 0.003 (α+β) and 1.5 % (long-run vol), measured over 8 seeds; the bounds are ~3–4 SE.
  for (const seed of [11, 12, 13]) {
    for (const varianceTargeting of [false, true]) {
      it(`recovers α, β, α+β and the long-run vol (seed ${seed}${varianceTargeting ? ", variance targeting" : ""})`, () => {
        const r = simulateGarch(TRUE.omega, TRUE.alpha, TRUE.beta, 20_000, seed);
        const fit = fitGarch(r, { varianceTargeting });
        expect(fit.converged).toBe(true);
        expect(Math.abs(fit.alpha - TRUE.alpha)).toBeLessThan(0.02);
        expect(Math.abs(fit.beta - TRUE.beta)).toBeLessThan(0.03);
        expect(Math.abs(fit.persistence - (TRUE.alpha + TRUE.beta))).toBeLessThan(0.012);
        expect(Math.abs(Math.sqrt(fit.longRunVariance) / LR_VOL - 1)).toBeLessThan(0.06);
        // A maximum: no better than the truth, and every small step in (ω, α, β) lowers the likelihood.
        const ll = (p: { omega: number; alpha: number; beta: number }) => garchLogLikelihood(p, r);
        expect(fit.logLikelihood).toBeGreaterThanOrEqual(ll(TRUE));
        if (!varianceTargeting) {
          for (const [k, d] of [["omega", 0.01 * fit.omega], ["alpha", 0.002], ["beta", 0.002]] as const) {
            expect(ll({ ...fit, [k]: fit[k] + d })).toBeLessThan(fit.logLikelihood);
            expect(ll({ ...fit, [k]: fit[k] - d })).toBeLessThan(fit.logLikelihood);
          }
        } else {
          expect(Math.abs(fit.longRunVariance - r.reduce((s, x) => s + x * x, 0) / r.length)).toBeLessThan(1e-12);
        }
      });
    }
  }

  it("log-likelihood equals the textbook sum −½Σ(ln 2π + ln h_t + r_t²/h_t)", () => {
    const r = simulateGarch(TRUE.omega, TRUE.alpha, TRUE.beta, 3000, 5);
    const h = garchVariances(TRUE, r);
    let ll = 0;
    for (let t = 0; t < r.length; t++) ll -= 0.5 * (Math.log(2 * Math.PI) + Math.log(h[t]) + r[t] ** 2 / h[t]);
    expect(Math.abs(garchLogLikelihood(TRUE, r) - ll)).toBeLessThan(1e-9 * Math.abs(ll));
  });

  it("forecasts mean-revert to the long-run variance: h_{n+k} = V_L + (α+β)^{k−1}(h_{n+1} − V_L)", () => {
    const r = simulateGarch(TRUE.omega, TRUE.alpha, TRUE.beta, 5000, 6);
    const fit = fitGarch(r);
    const h = garchVariances(fit, r);
    expect(Math.abs(fit.nextVariance - h[r.length])).toBeLessThan(1e-18);
    const f = garchForecast(fit, 10);
    let expected = 0;
    let v = fit.nextVariance;
    for (let k = 0; k < 10; k++) {
      expect(Math.abs(f.daily[k] - v)).toBeLessThan(1e-15);
      expected += v;
      v = fit.omega + (fit.alpha + fit.beta) * v; // E[h_{t+1}] = ω + (α+β) h_t
    }
    expect(Math.abs(f.total - expected)).toBeLessThan(1e-14);
  });

  it("fits real BTC daily returns with a stationary, plausible model", () => {
    const closes = HISTORY.closes[0];
    const r = Array.from({ length: 1500 }, (_, k) => Math.log(closes[743 + k] / closes[742 + k]));
    const fit = fitGarch(r);
    expect(fit.alpha).toBeGreaterThan(0);
    expect(fit.beta).toBeGreaterThan(0.5);
    expect(fit.persistence).toBeLessThan(1);
    const lrAnnual = Math.sqrt(365 * fit.longRunVariance);
    expect(lrAnnual).toBeGreaterThan(0.2);
    expect(lrAnnual).toBeLessThan(1.5);
  });
});

describe("numerics under the models", () => {
  it("Nelder–Mead minimises the Rosenbrock function", () => {
    const res = nelderMead(([x, y]) => 100 * (y - x * x) ** 2 + (1 - x) ** 2, [-1.2, 1], { xtol: 1e-10, ftol: 1e-14 });
    expect(Math.abs(res.x[0] - 1)).toBeLessThan(1e-6);
    expect(Math.abs(res.x[1] - 1)).toBeLessThan(1e-6);
  });

  it("Cholesky factors a covariance and a rank-one (ρ = 1) stress", () => {
    const cov = [[4e-4, 1.2e-4, 2e-4], [1.2e-4, 9e-4, 3e-4], [2e-4, 3e-4, 1.6e-3]];
    for (const a of [cov, correlationOneStress(cov)]) {
      const L = cholesky(a);
      for (let i = 0; i < 3; i++) {
        for (let j = 0; j < 3; j++) {
          let s = 0;
          for (let k = 0; k < 3; k++) s += L[i][k] * L[j][k];
          expect(Math.abs(s - a[i][j])).toBeLessThan(1e-18);
        }
      }
    }
    const s = correlationOneStress(cov);
    expect(Math.abs(s[0][1] - 0.02 * 0.03)).toBeLessThan(1e-18);
    expect(correlationOf(s)[1][2]).toBeCloseTo(1, 14);
    expect(() => cholesky([[1, 2], [2, 1]])).toThrow(RangeError);
  });
});

describe("dynamicRange", () => {
  it("is max(base, z·σ_EWMA·√h) with σ from the hand recursion on the last `window` returns", () => {
    const c = HISTORY.closes[1]; // ETH
    const n = c.length;
    const r = Array.from({ length: 500 }, (_, k) => Math.log(c[n - 500 + k] / c[n - 501 + k]));
    let v = r.slice(0, 30).reduce((s, x) => s + x * x, 0) / 30;
    for (const x of r) v = 0.94 * v + 0.06 * x * x;
    const scan = 3 * Math.sqrt(v) * Math.sqrt(2);
    const d = dynamicRangeDetail(0.01, HISTORY, "ETH", { window: 500, horizon: 2 });
    expect(Math.abs(d.scan - scan)).toBeLessThan(1e-14);
    expect(d.range).toBe(Math.max(0.01, d.scan));
    expect(d.binding).toBe("dynamic");
    expect(dynamicRange(0.5, HISTORY, "ETH", { window: 500, horizon: 2 })).toBe(0.5);
    expect(dynamicRangeDetail(0.5, HISTORY, "ETH", { window: 500 }).binding).toBe("base");
  });

  it("GARCH model uses the summed variance term structure", () => {
    const d = dynamicRangeDetail(0, HISTORY, "BTC", { model: "garch", horizon: 5, z: 2.5, window: 1000 });
    expect(d.sigmaHorizon).toBeGreaterThan(0);
    expect(d.range).toBeCloseTo(2.5 * d.sigmaHorizon, 15);
    expect(Number.isFinite(d.sigmaDaily)).toBe(true);
  });

  it("refuses bad arguments with RiskErrors", () => {
    expect(() => dynamicRange(-1, HISTORY, "BTC")).toThrow(/base range/);
    expect(() => dynamicRange(0.1, HISTORY, "DOGE")).toThrow(/no column for DOGE/);
    expect(() => dynamicRange(0.1, HISTORY, "BTC", { horizon: 0 })).toThrow(/horizon/);
  });
});
