/**
 * VaR and expected shortfall of a scenario P&L vector, and the normal quantile.
 *
 * Convention (losses L = −P&L, N equally weighted scenarios, confidence c):
 *   VaR_c = the lower c-quantile of the loss distribution, inf{ l : #{L ≤ l}/N ≥ c } = L_(⌈cN⌉)
 *           (ascending order statistics, 1-based);
 *   ES_c  = (1 / (1 − c)) ∫_c^1 VaR_u du on the same empirical distribution
 *         = [ Σ_{j > k} L_(j) + (k − cN)·L_(k) ] / (N(1 − c)),  k = ⌈cN⌉.
 * When cN is a whole number (1 000 scenarios at 99 %) VaR is the (N(1−c)+1)-th worst loss (the 11th)
 * and ES the mean of the N(1−c) worst (the 10 worst); ES ≥ VaR always. Both are positive for a loss.
 */
import { ncdf, npdf } from "../kernel/normal.js";

export interface VarEs {
  /** Value at risk, positive = loss. */
  var: number;
  /** Expected shortfall, positive = loss. */
  es: number;
  /** Scenario whose loss is the VaR. */
  varScenario: number;
  /** Scenario with the largest loss. */
  worstScenario: number;
  /** Largest loss. */
  worstLoss: number;
  nScen: number;
}

export function checkConfidence(c: number): void {
  if (!(c >= 0.5 && c < 1)) throw new RangeError(`confidence must be in [0.5, 1), got ${c}`);
}

/** k = ⌈cN⌉ with a guard against cN landing a hair above a whole number in floating point. */
export function quantileRank(c: number, n: number): { k: number; frac: number } {
  const cN = c * n;
  let k = Math.ceil(cN - 1e-9);
  k = Math.min(n, Math.max(1, k));
  let frac = k - cN;
  if (Math.abs(frac) < 1e-9) frac = 0;
  return { k, frac: Math.max(0, frac) };
}

export function scenarioVarEs(pnl: ArrayLike<number>, confidence: number): VarEs {
  checkConfidence(confidence);
  const n = pnl.length;
  if (n === 0) throw new RangeError("VaR of an empty scenario set");
  const order = new Int32Array(n);
  for (let s = 0; s < n; s++) {
    if (!Number.isFinite(pnl[s])) throw new RangeError(`VaR: the P&L of scenario ${s} is not finite (${pnl[s]})`);
    order[s] = s;
  }
  // Ascending losses: descending P&L. Ties broken by scenario index, so the result is deterministic.
  order.sort((a, b) => pnl[b] - pnl[a] || a - b);
  const loss = (j: number) => -pnl[order[j - 1]]; // L_(j), 1-based
  const { k, frac } = quantileRank(confidence, n);
  let tail = frac * loss(k);
  for (let j = k + 1; j <= n; j++) tail += loss(j);
  const mass = frac + (n - k);
  const es = mass > 0 ? tail / mass : loss(n);
  return { var: loss(k), es, varScenario: order[k - 1], worstScenario: order[n - 1], worstLoss: loss(n), nScen: n };
}

/**
 * Φ⁻¹(p) by Newton's method on the kernel's Φ, solved on the lower tail (where Φ is convex, so the
 * iterates fall monotonically from 0 onto the root and the tail keeps its relative accuracy).
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return -Infinity;
    if (p === 1) return Infinity;
    return NaN;
  }
  if (p === 0.5) return 0;
  if (p > 0.5) return -normalQuantile(1 - p); // 1 − p is exact here; solve on the lower tail
  let x = 0;
  for (let it = 0; it < 300; it++) {
    const dx = (ncdf(x) - p) / npdf(x);
    x -= dx;
    if (Math.abs(dx) <= 1e-15 * Math.max(1, Math.abs(x))) break;
  }
  return x;
}

export { ncdf, npdf };
