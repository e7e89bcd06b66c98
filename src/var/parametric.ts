/**
 * Parametric VaR from an account's greeks per underlying.
 *
 * The account's P&L, in its currency, over relative moves r of the underlyings (r ~ N(0, Σ_h), Σ_h the
 * covariance of the horizon's returns) is approximated by  Q = Dᵀr + ½ rᵀ G r.
 * - delta-normal: Q ≈ Dᵀr, VaR = z_c·σ, ES = σ·φ(z_c)/(1 − c), σ² = DᵀΣ_hD, z_c = Φ⁻¹(c).
 * - delta-gamma (Cornish–Fisher): exact cumulants of the quadratic form
 *     κ₁ = ½ tr(GΣ), κ₂ = DᵀΣD + ½ tr((GΣ)²), κ₃ = 3 DᵀΣGΣD + tr((GΣ)³), κ₄ = 12 DᵀΣ(GΣ)²D + 3 tr((GΣ)⁴),
 *   skew s = κ₃/κ₂^{3/2}, excess kurtosis k = κ₄/κ₂², and the Cornish–Fisher quantile at p = 1 − c
 *     w(z) = z + (z² − 1)s/6 + (z³ − 3z)k/24 − (2z³ − 5z)s²/36,  VaR = −(κ₁ + σ·w(Φ⁻¹(p))).
 *   ES integrates the same expansion over the tail in closed form (moments of z on z ≤ a), so ES is the
 *   exact expected shortfall of the Cornish–Fisher distribution. With G = 0 it is the delta-normal pair.
 *
 * `accountExposure` builds D and G from the kernel's greek sums (USD greeks per underlying), the
 * account's non-stable collateral in an underlying (delta = amount) and, for a coin-margined account
 * (currency c an underlying), the exact second-order expansion of E_usd / S_c:
 *   Q·S_c ≈ (D − E₀e_c)ᵀr + ½ rᵀ[G + 2E₀ e_c e_cᵀ − D e_cᵀ − e_c Dᵀ] r,  E₀ the USD equity.
 */
import { N_GREEKS } from "../kernel/abi.js";
import type { AccountMatrix } from "../engine/account-matrix.js";
import { assetPriceUsd } from "../engine/account-matrix.js";
import type { GridRun } from "../engine/grid-run.js";
import type { Account } from "../types.js";
import { dot, type Matrix, matMul, matVec, quadForm, trace, zeros } from "./linalg.js";
import { ncdf, normalQuantile, npdf } from "./measures.js";

export interface Exposure {
  /** First-order P&L per unit relative move of each factor (account currency). */
  delta: number[];
  /** Second-order matrix G: P&L ≈ Dᵀr + ½ rᵀGr (account currency). */
  gamma: Matrix;
}

export interface ParametricFigures {
  var: number;
  es: number;
  /** Mean, standard deviation, skewness and excess kurtosis of the approximated P&L. */
  mean: number;
  sd: number;
  skew: number;
  excessKurtosis: number;
}

export function deltaNormal(delta: readonly number[], covH: Matrix, confidence: number): ParametricFigures {
  const sd = Math.sqrt(Math.max(0, quadForm(delta, covH)));
  const p = 1 - confidence;
  const z = -normalQuantile(p);
  return { var: z * sd, es: (sd * npdf(z)) / p, mean: 0, sd, skew: 0, excessKurtosis: 0 };
}

export function deltaGammaCornishFisher(e: Exposure, covH: Matrix, confidence: number): ParametricFigures {
  const D = e.delta;
  const GS = matMul(e.gamma, covH);
  const GS2 = matMul(GS, GS);
  const SD = matVec(covH, D);
  const k1 = 0.5 * trace(GS);
  const k2 = dot(D, SD) + 0.5 * trace(GS2);
  const k3 = 3 * dot(SD, matVec(e.gamma, SD)) + trace(matMul(GS2, GS));
  const k4 = 12 * dot(SD, matVec(matMul(e.gamma, covH), matVec(e.gamma, SD))) + 3 * trace(matMul(GS2, GS2));
  const sd = Math.sqrt(Math.max(0, k2));
  if (!(sd > 0)) return { var: -k1, es: -k1, mean: k1, sd: 0, skew: 0, excessKurtosis: 0 };
  const s = k3 / (sd * sd * sd);
  const k = k4 / (k2 * k2);
  const p = 1 - confidence;
  const a = normalQuantile(p);
  const w = a + ((a * a - 1) * s) / 6 + ((a * a * a - 3 * a) * k) / 24 - ((2 * a * a * a - 5 * a) * s * s) / 36;
  // Tail moments E[z^j; z ≤ a] of the standard normal.
  const phi = npdf(a);
  const M0 = ncdf(a);
  const M1 = -phi;
  const M2 = M0 - a * phi;
  const M3 = -(a * a + 2) * phi;
  const tailW = M1 + (s / 6) * (M2 - M0) + (k / 24) * (M3 - 3 * M1) - ((s * s) / 36) * (2 * M3 - 5 * M1);
  return { var: -(k1 + sd * w), es: -(k1 + (sd * tailW) / M0), mean: k1, sd, skew: s, excessKurtosis: k };
}

/**
 * D and G of account k from a run's greek sums (any run of the book: greeks do not depend on the
 * scenarios) and its account matrix (for the equity E₀ of a coin-margined account).
 */
export function accountExposure(run: GridRun, k: number, account: Account, matrix: AccountMatrix): Exposure {
  const t = run.table;
  const book = t.book;
  const U = t.underlyings.length;
  const B = Math.max(1, t.buckets.length);
  const deltaCoins = new Array<number>(U).fill(0);
  const gammaCoins = new Array<number>(U).fill(0);
  t.buckets.forEach((b, bi) => {
    const f = t.underlyings.indexOf(b.underlying);
    const g = (k * B + bi) * N_GREEKS;
    deltaCoins[f] += run.greeks[g];
    gammaCoins[f] += run.greeks[g + 1];
  });
  for (const [asset, amount] of Object.entries(account.collateral)) {
    const f = t.underlyings.indexOf(asset);
    if (f >= 0) deltaCoins[f] += amount;
  }
  const S = t.underlyings.map((u) => book.markets[u].index);
  const D = deltaCoins.map((d, f) => d * S[f]);
  const G = zeros(U);
  for (let f = 0; f < U; f++) G[f][f] = gammaCoins[f] * S[f] * S[f];
  const c = t.underlyings.indexOf(account.currency);
  const px = assetPriceUsd(book, account.currency);
  if (c < 0) {
    return { delta: D.map((x) => x / px), gamma: G.map((row) => row.map((x) => x / px)) };
  }
  const E0 = (matrix.positionsValue + matrix.collateralValue) * px;
  const Dc = D.map((x, f) => (x - (f === c ? E0 : 0)) / px);
  const Gc = G.map((row, i) =>
    row.map((x, j) => (x + (i === c && j === c ? 2 * E0 : 0) - (j === c ? D[i] : 0) - (i === c ? D[j] : 0)) / px),
  );
  return { delta: Dc, gamma: Gc };
}
