/**
 * EWMA (RiskMetrics) variances, covariances and correlations of daily log returns, zero mean.
 *
 * Recursion (the forecast for day t+1 made after observing day t):
 *   σ²_{t+1} = λ σ²_t + (1 − λ) r_t²,     C_{t+1} = λ C_t + (1 − λ) r_t r_tᵀ
 * seeded with σ²_0 = mean of r² over the first `seedDays` returns (C_0 = mean of r rᵀ likewise).
 * `ewmaVariances` returns n + 1 values: v[t] is the forecast for return t (made before it), v[n] the
 * forecast for tomorrow, the one VaR uses.
 */
import type { Matrix } from "./linalg.js";
import { zeros } from "./linalg.js";

export const DEFAULT_LAMBDA = 0.94;
export const DEFAULT_SEED_DAYS = 30;

export interface EwmaOptions {
  /** Decay λ ∈ (0, 1). Default 0.94. */
  lambda?: number;
  /** Returns averaged into the seed variance. Default 30 (all when fewer). */
  seedDays?: number;
}

function checkLambda(lambda: number): void {
  if (!(lambda > 0 && lambda < 1)) throw new RangeError(`EWMA lambda must be in (0, 1), got ${lambda}`);
}

/** v[t], t = 0…n: variance forecast for return t; v[n] is the next day's. */
export function ewmaVariances(r: ArrayLike<number>, opts: EwmaOptions = {}): Float64Array {
  const lambda = opts.lambda ?? DEFAULT_LAMBDA;
  checkLambda(lambda);
  const n = r.length;
  const m = Math.max(1, Math.min(n, opts.seedDays ?? DEFAULT_SEED_DAYS));
  let seed = 0;
  for (let t = 0; t < m; t++) seed += r[t] * r[t];
  const v = new Float64Array(n + 1);
  v[0] = n === 0 ? 0 : seed / m;
  for (let t = 0; t < n; t++) v[t + 1] = lambda * v[t] + (1 - lambda) * r[t] * r[t];
  return v;
}

/** Next-day EWMA covariance matrix of several return series of equal length. */
export function ewmaCovariance(returns: readonly ArrayLike<number>[], opts: EwmaOptions = {}): Matrix {
  const lambda = opts.lambda ?? DEFAULT_LAMBDA;
  checkLambda(lambda);
  const F = returns.length;
  const n = F === 0 ? 0 : returns[0].length;
  const m = Math.max(1, Math.min(n, opts.seedDays ?? DEFAULT_SEED_DAYS));
  const c = zeros(F);
  for (let i = 0; i < F; i++) {
    for (let j = 0; j <= i; j++) {
      const ri = returns[i];
      const rj = returns[j];
      let seed = 0;
      for (let t = 0; t < m && t < n; t++) seed += ri[t] * rj[t];
      let x = n === 0 ? 0 : seed / m;
      for (let t = 0; t < n; t++) x = lambda * x + (1 - lambda) * ri[t] * rj[t];
      c[i][j] = x;
      c[j][i] = x;
    }
  }
  return c;
}
