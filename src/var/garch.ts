/**
 * GARCH(1,1) on zero-mean daily log returns, fitted by Gaussian maximum likelihood:
 *
 *   h_t = ω + α r²_{t−1} + β h_{t−1},   h_1 = mean of r² (the sample variance about zero),
 *   log L = −½ Σ_t [ln 2π + ln h_t + r_t² / h_t].
 *
 * The optimiser is our Nelder–Mead on unconstrained parameters that keep the model valid:
 *   persistence P = α + β = Pmax · logistic(x₁) (Pmax = 0.99999), α = P · logistic(x₂), β = P − α,
 *   ω = v̄ · e^{x₀} (v̄ = mean r², for scale), or with variance targeting ω = v̄ (1 − P) and two parameters.
 * Nelder–Mead starts from the best point of a coarse (α, α + β) grid. Logs and exponentials are the
 * deterministic ones of detmath.ts, so a fit gives the same digits in every engine.
 *
 * Forecasts: h_{n+1} = ω + α r_n² + β h_n, then h_{n+k} = V_L + P^{k−1}(h_{n+1} − V_L) with the long-run
 * variance V_L = ω / (1 − P); the variance of the h-day return is Σ_{k=1..h} h_{n+k}.
 */
import { detExp, detLog } from "./detmath.js";
import { nelderMead } from "./nelder-mead.js";

export interface GarchParams {
  omega: number;
  alpha: number;
  beta: number;
}

export interface GarchFit extends GarchParams {
  persistence: number;
  /** ω / (1 − α − β), daily variance. */
  longRunVariance: number;
  logLikelihood: number;
  nObs: number;
  iterations: number;
  converged: boolean;
  varianceTargeting: boolean;
  /** Variance forecast for the day after the last return, h_{n+1}. */
  nextVariance: number;
}

export interface GarchOptions {
  /** Fix ω = v̄(1 − α − β) (v̄ = mean r²) and fit α, β only. Default false. */
  varianceTargeting?: boolean;
}

const PMAX = 0.99999;
const LN_2PI = 1.8378770664093453; // ln 2π
const logistic = (x: number) => 1 / (1 + detExp(-x));
const logit = (p: number) => detLog(p / (1 - p));

function meanSquare(r: ArrayLike<number>): number {
  let s = 0;
  for (let t = 0; t < r.length; t++) s += r[t] * r[t];
  return s / r.length;
}

/** h[t], t = 0…n: conditional variance of return t; h[n] is the next day's forecast. */
export function garchVariances(p: GarchParams, r: ArrayLike<number>, h0 = meanSquare(r)): Float64Array {
  const n = r.length;
  const h = new Float64Array(n + 1);
  h[0] = h0;
  for (let t = 0; t < n; t++) h[t + 1] = p.omega + p.alpha * r[t] * r[t] + p.beta * h[t];
  return h;
}

/**
 * Gaussian log-likelihood. Σ ln h_t is taken as the log of running products of up to 16 variances
 * (flushed before they leave [1e-200, 1e200]): one deterministic log per 16 days.
 */
export function garchLogLikelihood(p: GarchParams, r: ArrayLike<number>, h0 = meanSquare(r)): number {
  const n = r.length;
  let h = h0;
  let quad = 0;
  let logSum = 0;
  let prod = 1;
  let count = 0;
  for (let t = 0; t < n; t++) {
    if (!(h > 0) || h === Infinity) return -Infinity;
    const r2 = r[t] * r[t];
    quad += r2 / h;
    prod *= h;
    if (++count === 16 || prod < 1e-200 || prod > 1e200) {
      logSum += detLog(prod);
      prod = 1;
      count = 0;
    }
    h = p.omega + p.alpha * r2 + p.beta * h;
  }
  logSum += detLog(prod);
  return -0.5 * (n * LN_2PI + logSum + quad);
}

export function fitGarch(r: ArrayLike<number>, opts: GarchOptions = {}): GarchFit {
  const n = r.length;
  if (n < 30) throw new RangeError(`GARCH(1,1) needs at least 30 returns, got ${n}`);
  const vbar = meanSquare(r);
  if (!(vbar > 0)) throw new RangeError("GARCH(1,1): the returns are all zero");
  const targeting = opts.varianceTargeting ?? false;
  const decode = (x: number[]): GarchParams => {
    const P = PMAX * logistic(x[targeting ? 0 : 1]);
    const alpha = P * logistic(x[targeting ? 1 : 2]);
    const omega = targeting ? vbar * (1 - P) : vbar * detExp(x[0]);
    return { omega, alpha, beta: P - alpha };
  };
  const objective = (x: number[]) => -garchLogLikelihood(decode(x), r, vbar);
  // Start from the best point of a coarse grid, then Nelder–Mead with restarts.
  let x0: number[] = [];
  let f0 = Infinity;
  for (const P0 of [0.9, 0.97, 0.995]) {
    for (const a0 of [0.03, 0.08, 0.15, 0.25]) {
      const start = [logit(P0 / PMAX), logit(a0 / P0)];
      const x = targeting ? start : [detLog(1 - P0), ...start];
      const f = objective(x);
      if (f < f0) {
        f0 = f;
        x0 = x;
      }
    }
  }
  const best = nelderMead(objective, x0, { step: x0.map(() => 0.3), ftol: 1e-11, xtol: 1e-7, maxIter: 3000 });
  const iterations = best.iterations;
  const p = decode(best.x);
  const persistence = p.alpha + p.beta;
  const h = garchVariances(p, r, vbar);
  return {
    ...p, persistence, longRunVariance: p.omega / (1 - persistence), logLikelihood: -best.f, nObs: n,
    iterations, converged: best.converged, varianceTargeting: targeting, nextVariance: h[n],
  };
}

/** Daily variance forecasts h_{n+1} … h_{n+H} and their sum (the H-day variance). */
export function garchForecast(fit: GarchFit, horizon: number): { daily: number[]; total: number } {
  const daily: number[] = [];
  let total = 0;
  const VL = fit.longRunVariance;
  let dev = fit.nextVariance - VL;
  for (let k = 1; k <= horizon; k++) {
    const v = VL + dev;
    daily.push(v);
    total += v;
    dev *= fit.persistence;
  }
  return { daily, total };
}
