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
import { fitGarch, garchForecast, type GarchFit } from "./garch.js";
import { type HistoryMemo, keyOf, NO_MEMO } from "./history-cache.js";

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

/**
 * What a forecast reads of the history: the next-day vol and, for GARCH, the fit its term structure
 * comes from. It depends on the history, the underlying, the model, the window, asOf and (EWMA) λ —
 * not on z, the horizon or a base range — so one fit serves every preset and horizon.
 */
export interface VolFit {
  model: "ewma" | "garch";
  /** Next-day vol forecast (daily, decimal). */
  sigmaDaily: number;
  /** The GARCH(1,1) fit (null for EWMA). */
  garch: GarchFit | null;
  /** Last history date used. */
  asOf: string;
}

interface Checked {
  z: number;
  horizon: number;
  model: "ewma" | "garch";
}

function checkBase(baseRange: number): void {
  if (!(baseRange >= 0 && Number.isFinite(baseRange))) throw new RiskError("E_RANGE", "baseRange", `base range must be a finite number ≥ 0, got ${baseRange}`);
}

function checkOptions(opts: DynamicRangeOptions): Checked {
  const z = opts.z ?? 3;
  const h = opts.horizon ?? 1;
  const model = opts.model ?? "ewma";
  if (!(z > 0 && Number.isFinite(z))) throw new RiskError("E_RANGE", "z", `z must be positive, got ${z}`);
  if (!(Number.isInteger(h) && h >= 1 && h <= 250)) throw new RiskError("E_RANGE", "horizon", `horizon must be a whole number of days in [1, 250], got ${h}`);
  if (model !== "ewma" && model !== "garch") throw new RiskError("E_RANGE", "model", `model must be "ewma" or "garch"`);
  return { z, horizon: h, model };
}

/** The vol model of `underlying` fitted to the history (the options are those checkOptions passed). */
function fitVol(history: PriceHistory, underlying: string, model: "ewma" | "garch", opts: DynamicRangeOptions): VolFit {
  const win = alignReturns(history, [underlying], { window: opts.window ?? 1000, asOf: opts.asOf, minReturns: model === "garch" ? 100 : 20 });
  const r = win.logReturns[0];
  if (model === "garch") {
    const fit = fitGarch(r);
    return { model, sigmaDaily: Math.sqrt(fit.nextVariance), garch: fit, asOf: win.endDate };
  }
  const v = ewmaVariances(r, { lambda: opts.lambda ?? DEFAULT_LAMBDA });
  return { model, sigmaDaily: Math.sqrt(v[r.length]), garch: null, asOf: win.endDate };
}

const copyFit = (f: VolFit): VolFit => ({ ...f, garch: f.garch && { ...f.garch } });

/**
 * The key of a fit in the history's cache: every parameter fitVol reads (λ for EWMA only), or null —
 * no caching — when one is neither a number, a string nor absent (keyOf could not tell such apart).
 */
function fitKey(underlying: string, model: "ewma" | "garch", opts: DynamicRangeOptions): string | null {
  const parts: unknown[] = [underlying, model, opts.window ?? 1000, opts.asOf ?? false, model === "ewma" ? opts.lambda ?? DEFAULT_LAMBDA : false];
  for (const p of parts) if (typeof p !== "number" && typeof p !== "string" && p !== false) return null;
  return keyOf(["dynamic-vol", ...(parts as (string | number | boolean)[])]);
}

/** The range from a fit: max(baseRange, z × σ over the horizon). */
function detailOf(baseRange: number, fit: VolFit, { z, horizon: h }: Checked): DynamicRangeDetail {
  const sigmaDaily = fit.sigmaDaily;
  const sigmaHorizon = fit.garch ? Math.sqrt(garchForecast(fit.garch, h).total) : sigmaDaily * Math.sqrt(h);
  const scan = z * sigmaHorizon;
  return {
    range: Math.max(baseRange, scan), baseRange, scan, sigmaDaily, sigmaHorizon, model: fit.model, z, horizon: h,
    binding: scan > baseRange ? "dynamic" : "base", asOf: fit.asOf,
  };
}

export function dynamicRangeDetail(
  baseRange: number, history: PriceHistory, underlying: string, opts: DynamicRangeOptions = {},
): DynamicRangeDetail {
  checkBase(baseRange);
  const c = checkOptions(opts);
  return detailOf(baseRange, fitVol(history, underlying, c.model, opts), c);
}

/**
 * dynamicRangeDetail for several base ranges of one underlying from a single fit, taken from the
 * history's cache (history-cache.ts: checked against the history's content on every call) when
 * `memo` is given. Checks and fits in the order dynamicRangeDetail would for each base in turn, so
 * the same input throws the same error; the numbers are the same bits.
 */
export function dynamicRangeDetails(
  baseRanges: readonly number[], history: PriceHistory, underlying: string, opts: DynamicRangeOptions = {},
  memo: HistoryMemo = NO_MEMO,
): DynamicRangeDetail[] {
  let fit: VolFit | null = null;
  return baseRanges.map((base) => {
    checkBase(base);
    const c = checkOptions(opts);
    if (!fit) {
      const key = fitKey(underlying, c.model, opts);
      const make = () => fitVol(history, underlying, c.model, opts);
      fit = key === null ? make() : memo.get(key, make, copyFit);
    }
    return detailOf(base, fit, c);
  });
}

/** max(baseRange, z × σ_forecast × √horizon) for `underlying` (see dynamicRangeDetail). */
export function dynamicRange(baseRange: number, history: PriceHistory, underlying: string, opts: DynamicRangeOptions = {}): number {
  return dynamicRangeDetail(baseRange, history, underlying, opts).range;
}
