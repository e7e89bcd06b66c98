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
  for (let s = 0; s < n; s++) {
    if (!Number.isFinite(pnl[s])) throw new RangeError(`VaR: the P&L of scenario ${s} is not finite (${pnl[s]})`);
  }
  const { k, frac } = quantileRank(confidence, n);
  const worst = worstScenarios(pnl, n - k + 1);
  const loss = (j: number) => -pnl[worst[j - k]]; // L_(j), 1-based, for j ≥ k
  let tail = frac * loss(k);
  for (let j = k + 1; j <= n; j++) tail += loss(j);
  const mass = frac + (n - k);
  const es = mass > 0 ? tail / mass : loss(n);
  return { var: loss(k), es, varScenario: worst[0], worstScenario: worst[n - k], worstLoss: loss(n), nScen: n };
}

/**
 * The m scenarios with the largest losses, least bad first: the last m of the order "P&L descending,
 * ties by scenario index" (deterministic). A few dozen are kept in a small sorted list while the
 * scenarios stream past (a 1 000-scenario sort with a comparator took ~130 µs; this ~5 µs); larger
 * tails are sorted whole.
 */
export function worstScenarios(pnl: ArrayLike<number>, m: number): Int32Array {
  const n = pnl.length;
  if (m > 64) {
    const order = new Int32Array(n);
    for (let s = 0; s < n; s++) order[s] = s;
    order.sort((a, b) => pnl[b] - pnl[a] || a - b);
    return order.subarray(n - m);
  }
  const out = new Int32Array(m);
  let c = 0;
  for (let s = 0; s < n; s++) {
    const v = pnl[s];
    // s comes after every kept scenario of the same P&L (a larger index): it is worse than out[i]
    // exactly when v ≤ pnl[out[i]], which holds for a prefix of the list.
    if (c === m && v > pnl[out[0]]) continue;
    let p = 0;
    while (p < c && v <= pnl[out[p]]) p++;
    if (c < m) {
      out.copyWithin(p + 1, p, c);
      out[p] = s;
      c++;
    } else {
      out.copyWithin(0, 1, p);
      out[p - 1] = s;
    }
  }
  return out;
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
