/**
 * Liquidation price (DESIGN §5): the index level of one underlying at which the account's equity
 * reaches MM, below and above the current index. The other underlyings stay fixed; the underlying's
 * forwards move in proportion to its index (DESIGN §2); vols, rates and time are unchanged; collateral
 * in that coin moves with it. Equity and MM are re-evaluated in full at every level (the model's own
 * margin at the moved market, not a delta approximation).
 *
 * g(k) = equity(k) − MM(k) at index × k. Search, separately below (k from 1 down to `low`, default
 * 0.01) and above (k from 1 up to `high`, default 100): scan a geometric ladder of `scanSteps` levels
 * (default 96 per side: ~4.9 % apart below, ~4.9 % above) for the first level where the side of MM
 * changes (g ≥ 0 safe, g < 0 liquidation), then bisect that bracket geometrically to `tolerance`
 * (default 1e-8) relative width. null when no change within the range. For an account already below MM
 * the same search gives the levels at which it would come back above MM (`crossing: "recovers"`).
 * Two crossings closer together than one ladder step can be missed; raise scanSteps to look closer.
 */
import type { Engine } from "../engine/engine.js";
import { RiskError } from "../errors.js";
import { AccountProbe, guard, numericOptions, toBook } from "./probe.js";
import type { ModelOptions } from "./types.js";

export interface LiquidationPriceOptions extends ModelOptions {
  /** Lowest multiple of the index searched (default 0.01). */
  low?: number;
  /** Highest multiple of the index searched (default 100). */
  high?: number;
  /** Ladder levels per side (default 96). */
  scanSteps?: number;
  /** Relative width of the final bracket (default 1e-8). */
  tolerance?: number;
}

export interface LiquidationLevel {
  /** Index level (USD) where equity = MM (midpoint of the final bracket). */
  index: number;
  /** index / current index. */
  ratio: number;
  /** Final bracket [lower, upper] of index levels, relative width ≤ tolerance. */
  bracket: [number, number];
  /** "liquidates": crossing from ≥ MM to < MM moving away from today; "recovers": the reverse. */
  crossing: "liquidates" | "recovers";
  /** equity − MM at the bracket's two ends (account currency). */
  gap: [number, number];
}

export interface LiquidationPriceResult {
  accountId: string;
  currency: string;
  model: string;
  underlying: string;
  index: number;
  equity: number;
  maintenance: number;
  belowMaintenance: boolean;
  below: LiquidationLevel | null;
  above: LiquidationLevel | null;
  range: [number, number];
  evaluations: number;
}

/** Largest scan: each step is one margin evaluation of the account. */
const MAX_SCAN_STEPS = 100_000;

export function liquidationPrice(engine: Engine, book: unknown, accountId: string | undefined, underlying: string,
  opts: LiquidationPriceOptions = {}): LiquidationPriceResult {
  return guard(() => {
    const b = toBook(book);
    if (typeof underlying !== "string" || !Object.prototype.hasOwnProperty.call(b.markets, underlying)) {
      throw new RiskError("E_UNKNOWN_MARKET", "underlying", `no market ${typeof underlying === "string" ? JSON.stringify(underlying) : `named by a ${typeof underlying}`} in the book (markets: ${Object.keys(b.markets).join(", ")})`);
    }
    numericOptions(opts, ["low", "high", "scanSteps", "tolerance"]);
    const low = opts.low ?? 0.01;
    const high = opts.high ?? 100;
    const N = Math.max(1, Math.floor(opts.scanSteps ?? 96));
    // NaN skipped the scan (a silent "no level"); each step is a full margin evaluation.
    if (!(N <= MAX_SCAN_STEPS)) {
      throw new RiskError("E_RANGE", "scanSteps", `scanSteps must be a number of steps in [1, ${MAX_SCAN_STEPS}]`);
    }
    const tol = opts.tolerance ?? 1e-8;
    if (!(low > 0 && low < 1 && high > 1 && Number.isFinite(high))) {
      throw new RiskError("E_RANGE", "low", "the search range must satisfy 0 < low < 1 < high");
    }
    if (!(tol > 0)) throw new RiskError("E_RANGE", "tolerance", "tolerance must be > 0");
    const probe = new AccountProbe(engine, b, accountId, opts.model);
    const gap = (k: number) => {
      const m = probe.measure(null, 0, { underlying, k });
      return m.equity - m.maintenance;
    };
    const m0 = probe.measure();
    const g0 = m0.equity - m0.maintenance;
    const index = b.markets[underlying].index;
    const safe = (g: number) => g >= 0;

    const search = (end: number): LiquidationLevel | null => {
      const r = Math.pow(end, 1 / N);
      let kPrev = 1;
      let gPrev = g0;
      for (let j = 1; j <= N; j++) {
        const k = j === N ? end : Math.pow(r, j);
        const g = gap(k);
        if (safe(g) !== safe(gPrev)) {
          // bisect in log-space between kPrev (side of today) and k
          let a = kPrev, ga = gPrev, c = k, gc = g;
          while (Math.abs(c - a) > tol * Math.min(a, c)) {
            const mid = Math.sqrt(a * c);
            // a and c adjacent doubles: a tolerance below the spacing of doubles can never be met
            if (mid === a || mid === c) break;
            const gm = gap(mid);
            if (safe(gm) === safe(ga)) {
              a = mid;
              ga = gm;
            } else {
              c = mid;
              gc = gm;
            }
          }
          const [lo, hi] = a < c ? [a, c] : [c, a];
          const mid = Math.sqrt(a * c);
          return {
            index: index * mid, ratio: mid, bracket: [index * lo, index * hi],
            crossing: safe(g0) ? "liquidates" : "recovers",
            gap: a < c ? [ga, gc] : [gc, ga],
          };
        }
        kPrev = k;
        gPrev = g;
      }
      return null;
    };
    const below = search(low);
    const above = search(high);
    return {
      accountId: probe.account.id, currency: probe.account.currency, model: probe.model, underlying, index,
      equity: m0.equity, maintenance: m0.maintenance, belowMaintenance: !safe(g0), below, above,
      range: [index * low, index * high], evaluations: probe.evaluations,
    };
  });
}
