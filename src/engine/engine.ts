/**
 * The engine: one kernel, and `evaluate(book)` → Report (DESIGN §6).
 */
import type { Kernel } from "../kernel/abi.js";
import { GREEKS, N_GREEKS } from "../kernel/abi.js";
import { bookToJSON, parseBook } from "../book/index.js";
import { isoTime } from "../book/iso-time.js";
import { validateOverrides } from "../margin/validate-overrides.js";
import { type DynamicOption, withDynamicRanges } from "../margin/dynamic-ranges.js";
import {
  explain, liquidationPlan, liquidationPrice, maxOrderSize, whatIf,
  type Explanation, type LiquidationPlan, type LiquidationPriceOptions, type LiquidationPriceResult,
  type MaxOrderOptions, type MaxOrderResult, type ModelOptions, type Order, type PlanOptions, type Side,
  type WhatIfResult,
} from "../health/index.js";
import { computeVar, type VarOptions, type VarResult } from "../var/compute.js";
import { RiskError } from "../errors.js";
import { defaultGrid } from "../scenarios/grid.js";
import type { ScenarioSet } from "../scenarios/scenario-set.js";
import type { Book, BookInput } from "../types.js";
import type { PriceHistory } from "../history/csv.js";
import { accountMatrix, assetPriceUsd } from "./account-matrix.js";
import { type GridRun, layoutAccounts, runGrid } from "./grid-run.js";
import { buildInstrumentTable, markPrice } from "./instrument-table.js";
import { getPreset } from "../margin/registry.js";
import type { MarginResult, PresetContext } from "../margin/types.js";
import { collateralLines } from "../margin/collateral.js";
import type {
  AccountReport, AccountStatus, CapitalEfficiencyRow, GreekSet, InstrumentReport, Report, WorstLoss,
} from "../report/types.js";
import "../margin/presets.js";
import { Session, type SessionOptions } from "../session/session.js";

/** One account's default grid (Engine.grid). */
export interface AccountGrid {
  accountId: string;
  currency: string;
  /** Scenario labels such as "-10% vol up". */
  scenarios: string[];
  /** P&L in the account's currency per underlying row (only that underlying moves) and scenario. */
  rows: { underlying: string; pnl: number[] }[];
}

export interface EvaluateOptions {
  /** Portfolio presets to evaluate (besides standard's isolated and cross). Default: the book's risk.presets. */
  presets?: string[];
  /** Daily price history for the `var` preset and the dynamic option (parsePriceCsv / loadPriceHistory). */
  history?: PriceHistory | null;
  /**
   * Scale each underlying's scan range (deribit-pm price_range, span price_scan_range) with the
   * volatility forecast of `history`: z × σ × √horizon, never below the preset's range (default z 3).
   */
  dynamic?: DynamicOption | boolean;
}

/**
 * A book to evaluate: JSON text or a BookInput is parsed; an already parsed Book (from parseBook) is
 * written back to JSON form and parsed again, so a hand-edited Book is validated like any input.
 */
function toBook(input: unknown): Book {
  const looksParsed = typeof input === "object" && input !== null && typeof (input as Book).valuationTime === "number" &&
    typeof (input as Book).markets === "object" && (input as Book).markets !== null &&
    Object.values((input as Book).markets).some((m) => m && (m as Book["markets"][string]).forwards instanceof Map);
  return parseBook(looksParsed ? bookToJSON(input as Book) : input);
}

const zeroGreeks = (): GreekSet => ({ delta: 0, gamma: 0, vega: 0, theta: 0, rho: 0 });

export function statusOf(equity: number, im: number, mm: number): AccountStatus {
  if (equity < 0) return "bankrupt";
  if (equity < mm) return "liquidation";
  if (equity < im) return "restricted";
  return "healthy";
}

export class Engine {
  constructor(readonly kernel: Kernel) {}

  get backend(): string {
    return this.kernel.backend;
  }

  /** Validate a book (JSON text or object) without evaluating it. */
  parse(input: string | BookInput | Book | unknown): Book {
    return toBook(input);
  }

  /**
   * Open a tick session over a book (deribit-pm on every account): lay it out once, update markets,
   * positions and collateral in place, re-evaluate without re-marshalling.
   */
  open(input: string | BookInput | unknown, options: SessionOptions | null = {}): Session {
    const book = toBook(input);
    validateOverrides(book);
    return new Session(this, this.kernel, book, options);
  }

  /** Prepare the shared context presets and finer calls work on. */
  context(book: Book, options: EvaluateOptions = {}): PresetContext {
    const table = buildInstrumentTable(book);
    const layout = layoutAccounts(table, book.accounts);
    const base = runGrid(this.kernel, table, layout, defaultGrid(table.underlyings));
    // Later runs over the same table reuse the base run's values and greeks (see runGrid).
    const run = (set: ScenarioSet): GridRun => runGrid(this.kernel, table, layout, set, { prices: base });
    return {
      book, table, layout, kernel: this.kernel, overrides: book.risk.overrides, base, run,
      matrix: (r, k) => accountMatrix(r, k, book.accounts[k]),
      history: options.history ?? null,
    };
  }

  // ── finer calls (DESIGN §6); each takes JSON text, a BookInput or a parsed Book ──────────────

  /** Prices and greeks of every instrument, without margins. */
  prices(input: unknown): InstrumentReport[] {
    return this.guarded(() => instrumentReports(this.context(toBook(input))));
  }

  /** The default spot × vol grid (21 moves −50 %…+50 % × vol up/same/down): P&L per account and underlying. */
  grid(input: unknown): AccountGrid[] {
    return this.guarded(() => {
      const book = toBook(input);
      const ctx = this.context(book);
      const S = ctx.base.set.nScen;
      return book.accounts.map((a, k) => {
        const m = ctx.matrix(ctx.base, k);
        return {
          accountId: a.id, currency: a.currency, scenarios: ctx.base.set.label.slice(),
          rows: m.rows.map((u, r) => ({ underlying: u, pnl: Array.from(m.pnl.subarray(r * S, (r + 1) * S)) })),
        };
      });
    });
  }

  /** One model's margin of every account (the report's `margin[model]`). */
  margin(input: unknown, model = "cross"): Record<string, MarginResult> {
    const preset = model === "isolated" || model === "cross" ? "standard" : model;
    const r = this.evaluate(input, { presets: [preset] });
    return Object.fromEntries(r.accounts.map((a) => [a.id, a.margin[model]]));
  }

  whatIf(input: unknown, accountId: string | undefined, orders: readonly Order[], opts?: ModelOptions): WhatIfResult {
    return whatIf(this, input, accountId, orders, opts);
  }

  maxOrderSize(input: unknown, accountId: string | undefined, instrumentId: string, side: Side, opts?: MaxOrderOptions): MaxOrderResult {
    return maxOrderSize(this, input, accountId, instrumentId, side, opts);
  }

  liquidationPrice(input: unknown, accountId: string | undefined, underlying: string, opts?: LiquidationPriceOptions): LiquidationPriceResult {
    return liquidationPrice(this, input, accountId, underlying, opts);
  }

  liquidationPlan(input: unknown, accountId?: string, opts?: PlanOptions): LiquidationPlan {
    return liquidationPlan(this, input, accountId, opts);
  }

  explain(input: unknown, accountId?: string, opts?: ModelOptions): Explanation {
    return explain(this, input, accountId, opts);
  }

  /** VaR and expected shortfall over a price history (historical, fhs, mc or parametric). */
  var(input: unknown, history: PriceHistory, opts?: VarOptions): VarResult {
    return this.guarded(() => computeVar(this, toBook(input), history, opts));
  }

  private guarded<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof RiskError) throw e;
      throw new RiskError("E_INTERNAL", "", `internal error: ${(e as Error).message}`);
    }
  }

  evaluate(input: string | BookInput | unknown, options: EvaluateOptions = {}): Report {
    try {
      checkOptions(options);
      return this.evaluateBook(toBook(input), options);
    } catch (e) {
      if (e instanceof RiskError) throw e;
      throw new RiskError("E_INTERNAL", "", `internal error: ${(e as Error).message}`);
    }
  }

  evaluateBook(book: Book, options: EvaluateOptions = {}): Report {
    if (options.dynamic) book = withDynamicRanges(book, options.history, options.dynamic === true ? {} : options.dynamic);
    const requested = options.presets ?? book.risk.presets;
    const presets = ["standard", ...requested.filter((p) => p !== "standard")];
    presets.forEach((p) => getPreset(p));
    validateOverrides(book);
    const ctx = this.context(book, options);
    const { table, base } = ctx;

    const instruments = instrumentReports(ctx);
    assertFinite(instruments, "instruments"); // ahead of the presets, which would trip over them

    const margins: MarginResult[][] = book.accounts.map(() => []);
    for (const name of presets) {
      getPreset(name).evaluate(ctx).forEach((list, k) => margins[k].push(...list));
    }
    const primaryKey = requested.length === 0 || requested[0] === "standard" ? "cross" : requested[0];

    const accounts: AccountReport[] = book.accounts.map((acct, k) => {
      const m = ctx.matrix(base, k);
      const toAcct = assetPriceUsd(book, acct.currency);
      const collateralValue = collateralLines(book, acct, book.risk.overrides)
        .reduce((s, l) => s + l.valueUsd * l.weight, 0) / toAcct;
      const equity = collateralValue + m.positionsValue;
      const margin: Record<string, MarginResult> = {};
      for (const r of margins[k]) margin[r.model] = r;
      const primary = margin[primaryKey];
      const iso = margin.isolated?.initial ?? NaN;
      const capitalEfficiency: CapitalEfficiencyRow[] = Object.values(margin).map((r) => ({
        model: r.model, initial: r.initial, released: iso - r.initial,
        releasedPct: iso > 0 ? (iso - r.initial) / iso : 0,
      }));
      return {
        id: acct.id, currency: acct.currency, equity, collateralValue, positionsValue: m.positionsValue,
        greeks: accountGreeks(ctx, base, k),
        gridWorst: gridWorst(m.rows, m.pnl, m.nScen, base.set),
        margin, primaryModel: primaryKey,
        status: statusOf(equity, primary.initial, primary.maintenance),
        marginRatio: primary.maintenance > 0 ? equity / primary.maintenance : null,
        distances: { toInitial: equity - primary.initial, toMaintenance: equity - primary.maintenance, toBankruptcy: equity },
        capitalEfficiency,
      };
    });
    const report: Report = {
      valuationTime: isoTime(book.valuationTime), backend: this.kernel.backend, presets,
      instruments, accounts,
    };
    assertFinite(accounts, "accounts");
    return report;
  }
}

/** The caller's options, checked before they are used (a bad value was an E_INTERNAL TypeError). */
function checkOptions(options: unknown): void {
  if (options === undefined) return;
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new RiskError("E_TYPE", "options", `options are an object such as { presets: ["deribit-pm"] }, not ${options === null ? "null" : Array.isArray(options) ? "an array" : typeof options}`);
  }
  const { presets, history, dynamic } = options as Record<string, unknown>;
  if (dynamic !== undefined && typeof dynamic !== "boolean" && (typeof dynamic !== "object" || dynamic === null || Array.isArray(dynamic))) {
    throw new RiskError("E_TYPE", "options.dynamic", "dynamic is true or an object such as { z: 3, horizon: 1 }");
  }
  if (presets !== undefined) {
    if (!Array.isArray(presets)) throw new RiskError("E_TYPE", "options.presets", `presets are a list of preset names, such as ["deribit-pm"]`);
    presets.forEach((p, j) => {
      if (typeof p !== "string") throw new RiskError("E_TYPE", `options.presets[${j}]`, `a preset name is a string, not ${p === null ? "null" : typeof p}`);
      getPreset(p, `options.presets[${j}]`);
    });
  }
  if (history !== undefined && history !== null) {
    const h = history as Record<string, unknown>;
    if (typeof h !== "object" || !Array.isArray(h.dates) || !Array.isArray(h.times) || !Array.isArray(h.assets) || !Array.isArray(h.closes)) {
      throw new RiskError("E_TYPE", "options.history", "history is a price history from parsePriceCsv or loadPriceHistory");
    }
  }
}

/**
 * DESIGN §3: bad input never produces a number. The parser keeps prices, contract sizes, forwards,
 * discount factors and horizons in ranges that keep an instrument's numbers finite, but quantities and
 * collateral can still overflow together with them (1e300 contracts): then the report would carry NaN
 * or ±Infinity. Refuse it instead, naming the instrument or account (report rows are in book order)
 * and the number.
 */
function assertFinite(rows: readonly InstrumentReport[] | readonly AccountReport[], what: "instruments" | "accounts"): void {
  for (let j = 0; j < rows.length; j++) {
    if (what === "instruments" ? instrumentFinite(rows[j] as InstrumentReport) : allFiniteWalk(rows[j])) continue;
    const [field, v] = firstNonFinite(rows[j], "")!;
    const fix = what === "instruments"
      ? "check its strike, contractSize, vol and expiry and its market's index, forwards, rate and carry"
      : "check the sizes of its positions and collateral, and the prices and expiries of the instruments it holds";
    throw new RiskError("E_RANGE", `${what}[${j}]`,
      `its ${field.replace(/^\./, "")} would be ${v}: the numbers are too large or too small to compute; ${fix}`);
  }
}

/**
 * An instrument row's numeric fields, read directly (the generic walk is ~10× slower, and a loop over
 * the field names is a keyed load per field): 0·x is 0 for a finite x and NaN otherwise.
 */
function instrumentFinite(r: InstrumentReport): boolean {
  const z = 0 * r.price + 0 * r.value + 0 * r.forward + 0 * r.tau + 0 * r.delta + 0 * r.gamma + 0 * r.vega +
    0 * r.theta + 0 * r.rho;
  return z === 0;
}

function allFiniteWalk(x: unknown): boolean {
  if (typeof x === "number") return x - x === 0;
  if (typeof x !== "object" || x === null) return true;
  if (ArrayBuffer.isView(x)) return (x as unknown as ArrayLike<unknown>).length === undefined
    || Array.prototype.every.call(x, allFiniteWalk);
  if (Array.isArray(x)) return x.every(allFiniteWalk);
  for (const k in x) if (!allFiniteWalk((x as Record<string, unknown>)[k])) return false;
  return true;
}

function firstNonFinite(x: unknown, path: string): [string, number] | null {
  if (typeof x === "number") return x - x === 0 ? null : [path, x];
  if (typeof x !== "object" || x === null) return null;
  const entries: [string, unknown][] = Array.isArray(x) || ArrayBuffer.isView(x)
    ? Array.from(x as ArrayLike<unknown>, (v, j) => [`${path}[${j}]`, v])
    : Object.keys(x).map((k) => [`${path}.${k}`, (x as Record<string, unknown>)[k]]);
  for (const [p, v] of entries) {
    const r = firstNonFinite(v, p);
    if (r) return r;
  }
  return null;
}

function instrumentReports(ctx: PresetContext): InstrumentReport[] {
  const { table, base } = ctx;
  return table.instruments.map((x, i) => ({
    id: x.id, kind: x.kind, underlying: x.underlying, settlement: x.settlement,
    price: markPrice(table, i, base.value[i]), value: base.value[i], forward: table.fwd[i], tau: table.tau[i],
    vol: x.kind === "option" ? x.vol! : null,
    delta: base.delta[i], gamma: base.gamma[i], vega: base.vega[i], theta: base.theta[i], rho: base.rho[i],
  }));
}

function accountGreeks(ctx: PresetContext, run: GridRun, k: number): AccountReport["greeks"] {
  const { table } = ctx;
  const { accStart, posInst } = run.layout;
  const B = Math.max(1, table.buckets.length);
  const byUnderlying: Record<string, GreekSet> = {};
  const byExpiry: AccountReport["greeks"]["byExpiry"] = {};
  const held: boolean[] = []; // by bucket, from the positions as laid out (instrument indexes resolved)
  for (let p = accStart[k]; p < accStart[k + 1]; p++) held[table.bucketOf[posInst[p]]] = true;
  for (let bi = 0; bi < table.buckets.length; bi++) {
    if (!held[bi]) continue;
    const b = table.buckets[bi];
    const g = run.greeks;
    const o = (k * B + bi) * N_GREEKS;
    const row = { underlying: b.underlying, expiry: b.spot ? "spot" : b.expiry === null ? "perpetual" : isoTime(b.expiry), ...zeroGreeks() };
    const u = (byUnderlying[b.underlying] ??= zeroGreeks());
    for (let j = 0; j < N_GREEKS; j++) {
      const name = GREEKS[j];
      row[name] = g[o + j];
      u[name] += g[o + j];
    }
    byExpiry[b.label] = row;
  }
  return { byUnderlying, byExpiry };
}

function gridWorst(rows: string[], pnl: Float64Array, S: number, set: ScenarioSet): WorstLoss[] {
  return rows.map((u, r) => {
    let worst = 0;
    let at = -1;
    for (let s = 0; s < S; s++) {
      if (pnl[r * S + s] < worst) {
        worst = pnl[r * S + s];
        at = s;
      }
    }
    return { underlying: u, scenario: at < 0 ? "none" : set.label[at], pnl: worst };
  });
}
