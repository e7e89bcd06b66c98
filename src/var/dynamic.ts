/**
 * Dynamic scan range for portfolio presets: scan = z × σ_forecast × √horizon, never below the preset's
 * own range.
 *
 * σ_forecast × √h is the forecast vol of the h-day log return: EWMA (λ = 0.94 by default) gives
 * σ_{n+1}·√h; GARCH(1,1) gives √(Σ_{k=1..h} h_{n+k}) from its mean-reverting term structure. The scan
 * is a relative move on the same (log-return) scale as a preset's `price_range`.
 * Default z = 3 (a one-sided 99.87 % normal move): deliberately beyond a 99 % VaR, because a scan range
 * covers the whole portfolio's worst case, not a quantile of it.
 */
import { RiskError } from "../errors.js";
import type { PriceHistory } from "../history/csv.js";
import { alignReturns } from "../history/returns.js";
import { DEFAULT_LAMBDA, ewmaVariances } from "./ewma.js";
import { fitGarch, garchForecast } from "./garch.js";

export interface DynamicRangeOptions {
  /** Multiplier of the forecast vol. Default 3. */
  z?: number;
  /** Days. Default 1. */
  horizon?: number;
  /** Vol forecast model. Default "ewma". */
  model?: "ewma" | "garch";
  /** EWMA decay. Default 0.94. */
  lambda?: number;
  /** Most recent daily returns used. Default 1000. */
  window?: number;
  /** Use history rows up to this time (epoch ms or ISO). Default: all rows. */
  asOf?: number | string;
}

export interface DynamicRangeDetail {
  /** max(baseRange, scan). */
  range: number;
  baseRange: number;
  /** z × σ_horizon. */
  scan: number;
  /** Next-day vol forecast (daily, decimal). */
  sigmaDaily: number;
  /** Forecast vol over the horizon. */
  sigmaHorizon: number;
  model: "ewma" | "garch";
  z: number;
  horizon: number;
  /** Which one set the range. */
  binding: "base" | "dynamic";
  /** Last history date used. */
  asOf: string;
}

export function dynamicRangeDetail(
  baseRange: number, history: PriceHistory, underlying: string, opts: DynamicRangeOptions = {},
): DynamicRangeDetail {
  const z = opts.z ?? 3;
  const h = opts.horizon ?? 1;
  const model = opts.model ?? "ewma";
  if (!(baseRange >= 0 && Number.isFinite(baseRange))) throw new RiskError("E_RANGE", "baseRange", `base range must be a finite number ≥ 0, got ${baseRange}`);
  if (!(z > 0 && Number.isFinite(z))) throw new RiskError("E_RANGE", "z", `z must be positive, got ${z}`);
  if (!(Number.isInteger(h) && h >= 1 && h <= 250)) throw new RiskError("E_RANGE", "horizon", `horizon must be a whole number of days in [1, 250], got ${h}`);
  if (model !== "ewma" && model !== "garch") throw new RiskError("E_RANGE", "model", `model must be "ewma" or "garch"`);
  const win = alignReturns(history, [underlying], { window: opts.window ?? 1000, asOf: opts.asOf, minReturns: model === "garch" ? 100 : 20 });
  const r = win.logReturns[0];
  let sigmaDaily: number;
  let sigmaHorizon: number;
  if (model === "garch") {
    const fit = fitGarch(r);
    sigmaDaily = Math.sqrt(fit.nextVariance);
    sigmaHorizon = Math.sqrt(garchForecast(fit, h).total);
  } else {
    const v = ewmaVariances(r, { lambda: opts.lambda ?? DEFAULT_LAMBDA });
    sigmaDaily = Math.sqrt(v[r.length]);
    sigmaHorizon = sigmaDaily * Math.sqrt(h);
  }
  const scan = z * sigmaHorizon;
  return {
    range: Math.max(baseRange, scan), baseRange, scan, sigmaDaily, sigmaHorizon, model, z, horizon: h,
    binding: scan > baseRange ? "dynamic" : "base", asOf: win.endDate,
  };
}

/** max(baseRange, z × σ_forecast × √horizon) for `underlying` (see dynamicRangeDetail). */
export function dynamicRange(baseRange: number, history: PriceHistory, underlying: string, opts: DynamicRangeOptions = {}): number {
  return dynamicRangeDetail(baseRange, history, underlying, opts).range;
}
