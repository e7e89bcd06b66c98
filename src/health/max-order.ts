/**
 * Largest order of one instrument and side that keeps equity ≥ IM (DESIGN §5), exact to the
 * contract step: the answer q passes (equity ≥ IM after a fill of q at mark) and q + step fails,
 * both evaluated directly.
 *
 * Search, on the grid of whole steps n (size = n × step, as the decimal: stepSizer):
 * 1. a passing start: 0 when the account is at or above IM; otherwise the first passing size among
 *    the close-out size of a held position (for a reducing side) and 1, 2, 4, … steps;
 * 2. bracket by doubling until a size fails (or the search limit passes: "unbounded");
 * 3. bisect between the last pass and the first fail until they are one step apart;
 * 4. check beyond: sizes 2, 4, 8, … × (q + step) up to the limit must fail too; a pass there restarts
 *    the bracket from it (at most a few times), so a non-monotone model cannot hide a larger answer
 *    on that ladder.
 *
 * Where monotonicity is shown: under the standard models (isolated, cross) a fill at mark leaves
 * equity unchanged (no haircuts) and IM is a convex function of the order size — futures margin
 * |c|·(r₀ + f·|c|)·F of the (netted) size, a short option's (rate·index + mark)·|x| and a long
 * option's premium x·mark join convexly at x = 0 since rate·index + mark ≥ mark, plus sums of these —
 * so {q : IM(q) ≤ equity} is an interval and the bisection answer is the maximum (`monotone: "shown"`,
 * given only when no collateral line carries a haircut, so that equity really is fixed).
 * For portfolio models (deribit-pm: the worst case of linear scenario P&Ls is convex, but the extended
 * table's dampener and the capped delta shock are not) the same shape is assumed, and the answer is
 * verified as in step 4 (`monotone: "assumed"`).
 */
import type { Engine } from "../engine/engine.js";
import { RiskError } from "../errors.js";
import { collateralLines } from "../margin/collateral.js";
import { AccountProbe, defaultStep, guard, type Measure, numericOptions, stepSizer, toBook } from "./probe.js";
import type { ModelOptions } from "./types.js";

export type Side = "buy" | "sell";

export interface MaxOrderOptions extends ModelOptions {
  /** Contract step (default: defaultStep of the instrument). */
  step?: number;
  /** Search limit in steps (default 2^40). */
  maxSteps?: number;
}

export interface SizePoint {
  /** Contracts (unsigned). */
  size: number;
  equity: number;
  initial: number;
  pass: boolean;
}

export interface MaxOrderResult {
  accountId: string;
  currency: string;
  model: string;
  instrument: string;
  side: Side;
  step: number;
  /** Position before the order, contracts (signed). */
  position: number;
  /**
   * Largest passing size in contracts (a multiple of step); null when no size on the search ladder
   * passes (an account below IM whose side cannot bring it back).
   */
  size: number | null;
  /** True when the search limit passed without a failing size. */
  unbounded: boolean;
  /** The answer (passes) and the next step (fails). */
  at: SizePoint | null;
  next: SizePoint | null;
  /** Larger sizes checked to fail (step 4). */
  checkedAbove: number[];
  monotone: "shown" | "assumed";
  evaluations: number;
}

export function maxOrderSize(engine: Engine, book: unknown, accountId: string | undefined, instrumentId: string,
  side: Side, opts: MaxOrderOptions = {}): MaxOrderResult {
  return guard(() => {
    const b = toBook(book);
    if (side !== "buy" && side !== "sell") throw new RiskError("E_RANGE", "side", `side must be "buy" or "sell" (got ${typeof side === "string" ? JSON.stringify(side) : side === null ? "null" : `a ${typeof side}`})`);
    const probe = new AccountProbe(engine, b, accountId, opts.model);
    const x = probe.instrument(instrumentId);
    numericOptions(opts, ["step", "maxSteps"]);
    const step = opts.step ?? defaultStep(x);
    if (!(step > 0 && Number.isFinite(step))) throw new RiskError("E_RANGE", "step", "step must be a positive number of contracts");
    const maxSteps = Math.min(opts.maxSteps ?? 2 ** 40, 2 ** 52);
    // NaN skipped the search and answered "no size passes"
    if (!(maxSteps >= 1)) throw new RiskError("E_RANGE", "maxSteps", "maxSteps must be a number of steps ≥ 1");
    const sign = side === "buy" ? 1 : -1;
    const size = stepSizer(step);
    const q0 = probe.position(instrumentId);
    const cache = new Map<number, Measure>();
    const at = (n: number): Measure => {
      let m = cache.get(n);
      if (!m) {
        m = probe.measure(n === 0 ? null : new Map([[instrumentId, sign * size(n)]]));
        cache.set(n, m);
      }
      return m;
    };
    const pass = (n: number) => {
      const m = at(n);
      return m.equity >= m.initial;
    };
    const point = (n: number): SizePoint => ({ size: size(n), equity: at(n).equity, initial: at(n).initial, pass: pass(n) });
    // "shown" needs equity to stay fixed under fills: no haircut on any collateral line (checked on
    // the base book here and on the answer's book below).
    const noHaircut = (changes: Map<string, number> | null) =>
      collateralLines(probe.bookWith(changes), probe.bookWith(changes).accounts[0], b.risk.overrides).every((l) => l.weight === 1);
    let monotone: "shown" | "assumed" = probe.preset === "standard" && noHaircut(null) ? "shown" : "assumed";
    const base = {
      accountId: probe.account.id, currency: probe.account.currency, model: probe.model, instrument: instrumentId,
      side, step, position: q0,
    } as const;

    // 1. a passing start
    let lo = -1;
    if (pass(0)) lo = 0;
    else {
      const ladder: number[] = [];
      if (q0 !== 0 && Math.sign(q0) === -sign) {
        const close = Math.abs(q0) / step;
        ladder.push(Math.floor(close), Math.ceil(close));
      }
      for (let n = 1; n <= maxSteps; n *= 2) ladder.push(n);
      for (const n of ladder.filter((n) => n >= 1).sort((a, c) => a - c)) {
        if (pass(n)) {
          lo = n;
          break;
        }
      }
      if (lo < 0) {
        return { ...base, monotone, size: null, unbounded: false, at: null, next: point(1), checkedAbove: [], evaluations: probe.evaluations };
      }
    }
    const checkedAbove: number[] = [];
    for (let restart = 0; restart < 6; restart++) {
      // 2. bracket
      let hi = Math.max(1, 2 * lo);
      while (pass(hi)) {
        lo = hi;
        if (hi >= maxSteps) {
          return { ...base, monotone, size: size(lo), unbounded: true, at: point(lo), next: null, checkedAbove, evaluations: probe.evaluations };
        }
        hi = Math.min(2 * hi, maxSteps);
      }
      // 3. bisect: lo passes, hi fails
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (pass(mid)) lo = mid;
        else hi = mid;
      }
      // 4. beyond
      checkedAbove.length = 0;
      let again = -1;
      for (let n = 2 * hi; n <= maxSteps; n *= 2) {
        if (pass(n)) {
          again = n;
          break;
        }
        checkedAbove.push(size(n));
      }
      if (again < 0) {
        if (monotone === "shown" && !noHaircut(new Map([[instrumentId, sign * size(lo)]]))) monotone = "assumed";
        return { ...base, monotone, size: size(lo), unbounded: false, at: point(lo), next: point(lo + 1), checkedAbove, evaluations: probe.evaluations };
      }
      lo = again;
    }
    throw new RiskError("E_INTERNAL", "", `max order size of ${instrumentId}: the passing sizes do not form an interval`);
  });
}
