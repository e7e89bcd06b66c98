/**
 * Daily returns of a set of assets, aligned on common dates: the input of historical simulation,
 * EWMA/GARCH and the Monte Carlo covariance.
 *
 * A return is taken between consecutive rows of the history (one row per day for daily closes). The
 * window is the trailing run of rows, up to `asOf`, on which every requested asset has a price; the
 * last `window` returns of that run are kept.
 */
import { RiskError } from "../errors.js";
import { detLog } from "../var/detmath.js";
import { assetIndex, parseDateCell, type PriceHistory } from "./csv.js";

export interface ReturnWindow {
  /** Asset names in the requested order (the book's underlyings). */
  factors: string[];
  /** End date of each return (the day whose close ends it), oldest first. */
  dates: string[];
  /** logReturns[f][t] = ln(P_t / P_{t−1}). */
  logReturns: Float64Array[];
  /** relatives[f][t] = P_t / P_{t−1} (exactly the ratio, for one-day historical scenarios). */
  relatives: Float64Array[];
  /** Close on the last date used, per factor (quote currency of the file). */
  lastPrices: number[];
  /** Start date of the first return (the close it starts from). */
  startDate: string;
  /** Last date used. */
  endDate: string;
  /** Returns available before the `window` cut (the whole common run). */
  available: number;
}

export interface AlignOptions {
  /** Keep at most this many returns (the most recent). Default: all. */
  window?: number;
  /** Use rows whose time stamp is ≤ this (epoch ms or ISO date/time). Default: every row. */
  asOf?: number | string;
  /** Fewest returns accepted. Default 20. */
  minReturns?: number;
}

export function alignReturns(h: PriceHistory, factors: readonly string[], opts: AlignOptions = {}): ReturnWindow {
  const cols = factors.map((f) => {
    const j = assetIndex(h, f);
    if (j < 0) {
      throw new RiskError("E_REQUIRED", "history", `the price history has no column for ${f} (it has ${h.assets.join(", ")})`);
    }
    return h.closes[j];
  });
  let end = h.times.length - 1;
  if (opts.asOf !== undefined) {
    const t = typeof opts.asOf === "number" ? opts.asOf : parseDateCell(opts.asOf);
    if (!Number.isFinite(t)) throw new RiskError("E_TIME", "asOf", `cannot read the date "${opts.asOf}"`);
    while (end >= 0 && h.times[end] > t) end--;
  }
  const complete = (k: number) => cols.every((c) => c[k] === c[k]);
  while (end >= 0 && !complete(end)) end--;
  let start = end;
  while (start > 0 && complete(start - 1)) start--;
  const available = Math.max(0, end - start);
  const minReturns = opts.minReturns ?? 20;
  if (available < minReturns) {
    throw new RiskError("E_RANGE", "history",
      `only ${available} common daily returns for ${factors.join(", ")} up to ${end >= 0 ? h.dates[end] : "the as-of date"}; at least ${minReturns} are needed`);
  }
  if (opts.window !== undefined && !(Number.isInteger(opts.window) && opts.window >= 1)) {
    throw new RiskError("E_RANGE", "window", `window must be a positive whole number of days, got ${opts.window}`);
  }
  const n = Math.min(available, opts.window ?? available);
  const first = end - n; // row of the first close used
  const logReturns = cols.map(() => new Float64Array(n));
  const relatives = cols.map(() => new Float64Array(n));
  cols.forEach((c, f) => {
    for (let t = 0; t < n; t++) {
      const rel = c[first + t + 1] / c[first + t];
      relatives[f][t] = rel;
      logReturns[f][t] = detLog(rel);
    }
  });
  return {
    factors: factors.slice(), dates: h.dates.slice(first + 1, end + 1), logReturns, relatives,
    lastPrices: cols.map((c) => c[end]), startDate: h.dates[first], endDate: h.dates[end], available,
  };
}
