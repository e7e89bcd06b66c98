/**
 * Joint scenario sets (DESIGN §4: every factor moves at once) from price history:
 * historical simulation, filtered historical simulation (FHS) and Monte Carlo.
 *
 * Horizon h > 1 day, historical/FHS — default `sqrt`: the one-day log return is scaled by √h
 * (x = √h · r). Why: over a window of N days, overlapping h-day returns give N − h + 1 scenarios that
 * are only about N / h independent observations, strongly autocorrelated, so the tail quantile at
 * 99 % rests on a handful of independent points and jumps as the window rolls; √h keeps all N
 * one-day scenarios (one per historical day, each still a joint cross-section of all underlyings) at
 * the price of assuming independent days — and FHS already puts today's volatility on them.
 * `overlapping` (x = sum of h consecutive one-day returns, filtered ones for FHS) is available for
 * users who want serial dependence kept.
 *
 * Multipliers are M = e^x (log returns); a one-day unfiltered historical scenario uses the price
 * ratio P_t / P_{t−1} itself. All exponentials and logs are the deterministic ones of detmath.ts.
 */
import type { ReturnWindow } from "../history/returns.js";
import { emptyScenarioSet, type ScenarioSet } from "../scenarios/scenario-set.js";
import { detExp, detLog } from "./detmath.js";
import { ewmaVariances } from "./ewma.js";
import { cholesky, type Matrix } from "./linalg.js";
import { Xoshiro128 } from "./rng.js";

export type HorizonScaling = "sqrt" | "overlapping";
export type VolShockMode = "none" | "ewma";

export interface HistoricalSetOptions {
  /** Days. Default 1. */
  horizon?: number;
  /** Default "sqrt" (see the module comment). */
  horizonScaling?: HorizonScaling;
  /** Filtered historical simulation: r̃_t = r_t · σ_now / σ_t with EWMA σ. Default false. */
  filtered?: boolean;
  /** EWMA decay for the filter and the vol shocks. Default 0.94. */
  lambda?: number;
  /**
   * Vol shocks per scenario: "none" (default) or "ewma": the relative change of the underlying's EWMA
   * vol over the scenario's day(s), a = σ_after / σ_before − 1 (to the power √h under sqrt scaling),
   * applied to every option on that underlying as σ' = σ·(1 + a).
   */
  volShocks?: VolShockMode;
  name?: string;
}

export function checkHorizon(h: number): void {
  if (!(Number.isInteger(h) && h >= 1 && h <= 250)) throw new RangeError(`horizon must be a whole number of days in [1, 250], got ${h}`);
}

export function historicalScenarioSet(win: ReturnWindow, opts: HistoricalSetOptions = {}): ScenarioSet {
  const h = opts.horizon ?? 1;
  checkHorizon(h);
  const scaling = opts.horizonScaling ?? "sqrt";
  const filtered = opts.filtered ?? false;
  const volShocks = opts.volShocks ?? "none";
  const F = win.factors.length;
  const n = win.dates.length;
  const S = scaling === "overlapping" ? n - h + 1 : n;
  if (S < 1) throw new RangeError(`horizon ${h} is longer than the ${n}-day window`);
  const kind = filtered ? "fhs" : "historical";
  const set = emptyScenarioSet(opts.name ?? `${kind}-${n}d-h${h}${h > 1 ? `-${scaling}` : ""}`, win.factors, S, true);
  set.kind.fill("historical");
  const sqrtH = Math.sqrt(h);
  for (let f = 0; f < F; f++) {
    const r = win.logReturns[f];
    const v = filtered || volShocks !== "none" ? ewmaVariances(r, { lambda: opts.lambda }) : null;
    const x = new Float64Array(n);
    for (let t = 0; t < n; t++) {
      x[t] = filtered && v![t] > 0 ? r[t] * Math.sqrt(v![n] / v![t]) : r[t];
    }
    for (let s = 0; s < S; s++) {
      const k = f * S + s;
      if (scaling === "overlapping") {
        let sum = 0;
        for (let j = s; j < s + h; j++) sum += x[j];
        set.mult[k] = h === 1 && !filtered ? win.relatives[f][s] : detExp(sum);
      } else {
        set.mult[k] = h === 1 && !filtered ? win.relatives[f][s] : detExp(sqrtH * x[s]);
      }
      if (v && volShocks === "ewma") {
        const from = s;
        const to = scaling === "overlapping" ? s + h : s + 1;
        const ratio = v[from] > 0 ? v[to] / v[from] : 1;
        // σ ratio = √(variance ratio); under √h scaling raised to √h.
        const power = scaling === "overlapping" ? 0.5 : 0.5 * sqrtH;
        set.volShift[k] = ratio > 0 ? detExp(power * detLog(ratio)) - 1 : 0;
      }
    }
  }
  for (let s = 0; s < S; s++) {
    set.label[s] = scaling === "overlapping" && h > 1 ? `${win.dates[s]}→${win.dates[s + h - 1]}` : win.dates[s];
  }
  return set;
}

export type McDistribution = "normal" | "t";
export type McShocks = "log" | "arithmetic";

export interface MonteCarloSetOptions {
  /** Covariance of the horizon's log returns (F×F), e.g. EWMA daily covariance × h. */
  cov: Matrix;
  paths: number;
  /** uint32 seed. */
  seed: number;
  /**
   * "normal" (default) or "t": multivariate Student-t with `dof` degrees of freedom (one chi-square
   * per path shared by all factors, so tails are joint), scaled to the covariance (× √((ν−2)/ν)).
   */
  distribution?: McDistribution;
  /** Whole number ≥ 3. Default 5. */
  dof?: number;
  /**
   * "log" (default): M = e^x, a zero-mean log return. "arithmetic": M = 1 + x (floored at 1e-9), so a
   * linear book's P&L is exactly normal (used to test against the closed form).
   */
  shocks?: McShocks;
  name?: string;
}

/**
 * Monte Carlo joint scenarios: x = L z (L the Cholesky factor of `cov`, z drawn path by path, factor
 * by factor from one Xoshiro128 stream; for Student-t, the ν normals of the chi-square follow the F
 * normals of the same path).
 */
export function monteCarloScenarioSet(factors: string[], opts: MonteCarloSetOptions): ScenarioSet {
  const F = factors.length;
  const P = opts.paths;
  if (!(Number.isInteger(P) && P >= 1)) throw new RangeError(`paths must be a positive whole number, got ${P}`);
  const dist = opts.distribution ?? "normal";
  const dof = opts.dof ?? 5;
  if (dist === "t" && !(Number.isInteger(dof) && dof >= 3)) throw new RangeError(`Student-t dof must be a whole number ≥ 3, got ${dof}`);
  const shocks = opts.shocks ?? "log";
  const L = cholesky(opts.cov);
  const rng = new Xoshiro128(opts.seed);
  const set = emptyScenarioSet(opts.name ?? `mc-${dist}-${P}-seed${opts.seed}`, factors, P, true);
  set.kind.fill("montecarlo");
  const z = new Float64Array(F);
  const tScale = dist === "t" ? Math.sqrt((dof - 2) / dof) : 1;
  for (let s = 0; s < P; s++) {
    for (let f = 0; f < F; f++) z[f] = rng.normal();
    const w = dist === "t" ? tScale * Math.sqrt(dof / rng.chiSquare(dof)) : 1;
    for (let f = 0; f < F; f++) {
      let x = 0;
      for (let j = 0; j <= f; j++) x += L[f][j] * z[j];
      x *= w;
      set.mult[f * P + s] = shocks === "log" ? detExp(x) : Math.max(1e-9, 1 + x);
    }
    set.label[s] = `path ${s}`;
  }
  return set;
}
