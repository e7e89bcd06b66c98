/**
 * The account probe: one account of a book, re-margined under one model after hypothetical changes
 * (fills, reductions, index moves) without touching the book. Every health function (status,
 * what-if, max order size, liquidation price, liquidation plan, explain) is built on it.
 *
 * How a change is applied (`bookWith`):
 * - The probe works on a copy of the book that holds only this account and the instruments it names
 *   (positions, open orders, the changes): every market is kept (collateral is priced from them).
 *   An account's numbers do not depend on other accounts or on instruments it does not hold, so this
 *   gives the same equity and margins as `engine.evaluateBook` on the whole book (tested).
 * - A change of Δq contracts of instrument i is a **fill at mark**: the position moves by Δq and the
 *   premium Δq × mark value (settlement currency; 0 for futures and perpetuals, whose mark value is 0)
 *   moves the other way through cash: the underlying coin for inverse instruments, a stablecoin for
 *   linear ones (the account's currency when it is a stablecoin, else the first stablecoin it holds,
 *   else USDC). A fill at mark therefore leaves equity unchanged (before haircuts) — buying an option
 *   does not create equity — and only margins move.
 * - A trading cost (account currency) is debited from the account's currency.
 * - An index move scales one underlying's index and every forward of it by the same factor k
 *   (DESIGN §2: forwards move in proportion); vols, rates and time stay fixed. Options and spot are
 *   revalued at the moved market; futures and perpetuals, which a book marks at their own forward
 *   (mark value 0: no entry price), have their P&L from today's marks settled into cash in their
 *   settlement currency (variation margin), so equity carries it.
 *
 * Equity is the engine's: Σ collateral × price × haircut weight (src/margin/collateral.ts) + the
 * positions' mark value (account matrix), in the account's currency.
 */
import type { Engine } from "../engine/engine.js";
import { statusOf } from "../engine/engine.js";
import { assetPriceUsd } from "../engine/account-matrix.js";
import { forwardOf } from "../book/market.js";
import { collateralLines } from "../margin/collateral.js";
import { getPreset } from "../margin/registry.js";
import type { MarginResult, PresetContext } from "../margin/types.js";
import { RiskError } from "../errors.js";
import { parseBook } from "../book/index.js";
import type { AccountStatus } from "../report/types.js";
import type { Account, Book, Instrument, Market, Position } from "../types.js";
import { STABLECOINS } from "../types.js";
import type { Health, Order } from "./types.js";
import "../margin/presets.js";

/** A validated `Book` as produced by parseBook (times in ms, forwards as Maps). */
function isValidatedBook(x: unknown): x is Book {
  if (!x || typeof x !== "object") return false;
  const b = x as Book;
  return typeof b.valuationTime === "number" && Array.isArray(b.instruments) && Array.isArray(b.accounts) &&
    !!b.markets && Object.values(b.markets).every((m) => m && m.forwards instanceof Map) &&
    !!b.risk && Array.isArray(b.risk.presets);
}

/** A validated book from whatever the user hands in (JSON text, BookInput, or a Book). */
export function toBook(input: unknown): Book {
  return isValidatedBook(input) ? input : parseBook(input);
}

/** Run `fn`; turn anything that is not a RiskError into E_INTERNAL (the engine stays usable). */
export function guard<T>(fn: () => T): T {
  let out: T;
  try {
    out = fn();
  } catch (e) {
    if (e instanceof RiskError) throw e;
    throw new RiskError("E_INTERNAL", "", `internal error: ${(e as Error)?.message ?? e}`);
  }
  // DESIGN §3: sizes accepted one by one can overflow together (an order of 1e300 contracts):
  // a user error, never a NaN or ±Infinity in the answer.
  const bad = firstNonFinite(out, "");
  if (bad) {
    throw new RiskError("E_RANGE", "", `the answer's ${bad[0].replace(/^\./, "")} would be ${bad[1]}: ` +
      "the sizes of the positions, orders or collateral are too large (or the prices too small) to compute");
  }
  return out;
}

function firstNonFinite(x: unknown, path: string): [string, number] | null {
  if (typeof x === "number") return x - x === 0 ? null : [path, x];
  if (typeof x !== "object" || x === null) return null;
  if (Array.isArray(x) || ArrayBuffer.isView(x)) {
    const a = x as ArrayLike<unknown>;
    for (let j = 0; j < a.length; j++) {
      const r = firstNonFinite(a[j], `${path}[${j}]`);
      if (r) return r;
    }
    return null;
  }
  for (const k of Object.keys(x)) {
    const r = firstNonFinite((x as Record<string, unknown>)[k], `${path}.${k}`);
    if (r) return r;
  }
  return null;
}

/**
 * Numeric options must be numbers when given: E_TYPE, never a comparison that coerces an object
 * (or throws a TypeError for one without a prototype).
 */
export function numericOptions(opts: object, keys: readonly string[]): void {
  for (const k of keys) {
    const v = (opts as Record<string, unknown>)[k];
    if (v !== undefined && typeof v !== "number") {
      throw new RiskError("E_TYPE", k, `${k} is a number, not ${v === null ? "null" : typeof v}`);
    }
  }
}

/** The account's primary model, as the report chooses it. */
export function primaryModel(book: Book): string {
  const requested = book.risk.presets;
  return requested.length === 0 || requested[0] === "standard" ? "cross" : requested[0];
}

/** Preset that produces a model key: standard for "isolated"/"cross", else the key itself. */
export function presetOfModel(model: string): string {
  return model === "isolated" || model === "cross" ? "standard" : model;
}

export function findAccount(book: Book, accountId: string | undefined, path = "accountId"): number {
  if (accountId !== undefined && typeof accountId !== "string") {
    throw new RiskError("E_TYPE", path, `an account id is a string, not ${accountId === null ? "null" : typeof accountId}`);
  }
  if (accountId === undefined) {
    if (book.accounts.length === 1) return 0;
    throw new RiskError("E_REQUIRED", path, `the book has ${book.accounts.length} accounts: name one (${
      book.accounts.slice(0, 5).map((a) => a.id).join(", ")}${book.accounts.length > 5 ? ", …" : ""})`);
  }
  const k = book.accounts.findIndex((a) => a.id === accountId);
  if (k < 0) throw new RiskError("E_UNKNOWN_ACCOUNT", path, `no account "${accountId}" in the book`);
  return k;
}

/** Validate a list of orders against the book: known instruments, finite non-zero sizes. */
export function checkOrders(book: Book, orders: readonly Order[], path = "orders"): void {
  const ids = new Set(book.instruments.map((x) => x.id));
  if (!Array.isArray(orders)) throw new RiskError("E_TYPE", path, "orders must be a list of { instrument, qty }");
  orders.forEach((o, j) => {
    if (!o || typeof o.instrument !== "string") {
      throw new RiskError("E_TYPE", `${path}[${j}].instrument`, "an order needs an instrument id");
    }
    if (!ids.has(o.instrument)) {
      throw new RiskError("E_UNKNOWN_INSTRUMENT", `${path}[${j}].instrument`, `unknown instrument "${o.instrument}"`);
    }
    if (typeof o.qty !== "number") throw new RiskError("E_TYPE", `${path}[${j}].qty`, "an order size must be a number of contracts");
    if (!Number.isFinite(o.qty)) throw new RiskError("E_NOT_FINITE", `${path}[${j}].qty`, "an order size must be finite");
    if (o.qty === 0) throw new RiskError("E_RANGE", `${path}[${j}].qty`, "an order size must not be 0 (+ buys, − sells)");
  });
}

/** Trading-cost parameters of a reduction (see `cost`). */
export interface CostParams {
  /** Half the bid/ask spread as a fraction of notional. Default 0.0005 (5 bp). */
  halfSpread?: number;
  /** Slippage coefficient: the extra fraction of notional paid per unit of size/depth. Default 0.0005. */
  slippage?: number;
  /** Book depth in USD notional at which slippage costs `slippage` of notional. Default 5 000 000. */
  depthUsd?: number;
  /** Per-instrument overrides (instrument id → parameters). */
  perInstrument?: Record<string, { halfSpread?: number; slippage?: number; depthUsd?: number }>;
}

export const COST_DEFAULTS = { halfSpread: 0.0005, slippage: 0.0005, depthUsd: 5_000_000 } as const;

/**
 * Default contract step of an instrument (the smallest order increment), riskgrid's defaults after
 * Deribit's minimum amounts: options 0.1 contract; inverse futures/perpetuals 10 contracts (USD 10
 * face) for BTC and 1 for other coins; linear delta-one and spot 0.0001 contract. Override with `step`.
 */
export function defaultStep(x: Instrument): number {
  if (x.kind === "option") return 0.1;
  if (x.settlement === "inverse") return x.underlying === "BTC" ? 10 : 1;
  return 0.0001;
}

export interface Measure {
  equity: number;
  initial: number;
  maintenance: number;
  status: AccountStatus;
  margin: MarginResult;
}

export interface MarketScale {
  underlying: string;
  /** Factor applied to the index and every forward of the underlying. */
  k: number;
}

export class AccountProbe {
  readonly book: Book;
  readonly account: Account;
  readonly accountIndex: number;
  readonly model: string;
  readonly preset: string;
  /** Net position per instrument id, in first-appearance order. */
  readonly net: ReadonlyMap<string, number>;
  private readonly inst = new Map<string, Instrument>();
  private readonly marks = new Map<string, number>();
  private readonly acctUsd: number;
  /** Number of margin evaluations made (for reports and tests). */
  evaluations = 0;

  constructor(readonly engine: Engine, book: Book, accountId: string | undefined, model?: string, path = "accountId") {
    this.book = book;
    this.accountIndex = findAccount(book, accountId, path);
    this.account = book.accounts[this.accountIndex];
    if (model !== undefined && typeof model !== "string") {
      throw new RiskError("E_TYPE", "model", `a model is a name such as "cross" or "deribit-pm", not ${model === null ? "null" : typeof model}`);
    }
    this.model = model ?? primaryModel(book);
    this.preset = presetOfModel(this.model);
    getPreset(this.preset, "model");
    for (const x of book.instruments) this.inst.set(x.id, x);
    const net = new Map<string, number>();
    for (const p of this.account.positions) net.set(p.instrument, (net.get(p.instrument) ?? 0) + p.qty);
    this.net = net;
    this.acctUsd = assetPriceUsd(book, this.account.currency);
  }

  instrument(id: string): Instrument {
    if (typeof id !== "string") throw new RiskError("E_TYPE", "instrument", `an instrument id is a string, not ${id === null ? "null" : typeof id}`);
    const x = this.inst.get(id);
    if (!x) throw new RiskError("E_UNKNOWN_INSTRUMENT", "instrument", `unknown instrument "${id}"`);
    return x;
  }

  /** Net position in contracts (0 when not held). */
  position(id: string): number {
    return this.net.get(id) ?? 0;
  }

  /** Instruments the account holds (non-zero net), in first-appearance order. */
  held(): string[] {
    return [...this.net.entries()].filter(([, q]) => q !== 0).map(([id]) => id);
  }

  /** Cash asset a fill of instrument `x` settles through. */
  settleAsset(x: Instrument): string {
    if (x.settlement === "inverse") return x.underlying;
    if (STABLECOINS.has(this.account.currency)) return this.account.currency;
    return Object.keys(this.account.collateral).find((a) => STABLECOINS.has(a) && !this.book.markets[a]) ?? "USDC";
  }

  /** Mark value of one contract of each instrument, settlement currency (cached). */
  markValue(id: string): number {
    let v = this.marks.get(id);
    if (v === undefined) {
      const b = this.subBook(new Map([[id, 0]]), 0);
      const ctx = this.engine.context(b);
      for (const x of b.instruments) this.marks.set(x.id, ctx.base.value[ctx.table.indexOf.get(x.id)!]);
      v = this.marks.get(id)!;
    }
    return v;
  }

  /** USD notional of one contract: coins × index for options and spot, face for inverse delta-one, coins × forward for linear. */
  notionalUsd(id: string): number {
    const x = this.instrument(id);
    const m = this.book.markets[x.underlying];
    if (x.kind === "option" || x.kind === "spot") return x.contractSize * m.index;
    if (x.settlement === "inverse") return x.contractSize;
    return x.contractSize * forwardOf(m, x.expiry, this.book.valuationTime);
  }

  /** Converts USD into the account currency at the book's marks. */
  usdToAccount(usd: number): number {
    return usd / this.acctUsd;
  }

  /**
   * Cost of trading |size| contracts of `id`, account currency:
   * N × (halfSpread + slippage × N / depthUsd), N = |size| × USD notional per contract
   * (i.e. |size| × price × (halfSpread + slippage·|size|/depth) with depth in contracts = depthUsd/price).
   */
  cost(id: string, size: number, p: CostParams = {}): number {
    const o = p.perInstrument?.[id] ?? {};
    const hs = o.halfSpread ?? p.halfSpread ?? COST_DEFAULTS.halfSpread;
    const sl = o.slippage ?? p.slippage ?? COST_DEFAULTS.slippage;
    const depth = o.depthUsd ?? p.depthUsd ?? COST_DEFAULTS.depthUsd;
    const n = Math.abs(size) * this.notionalUsd(id);
    return this.usdToAccount(n * (hs + (depth > 0 && Number.isFinite(depth) ? (sl * n) / depth : 0)));
  }

  /**
   * This account alone, after `changes` (instrument → Δ contracts, filled at mark), a cost debited
   * from the account's currency, and an optional index move.
   */
  bookWith(changes: ReadonlyMap<string, number> | null = null, costAcct = 0, scale?: MarketScale): Book {
    return this.subBook(changes, costAcct, scale);
  }

  private subBook(changes: ReadonlyMap<string, number> | null, costAcct: number, scale?: MarketScale): Book {
    const a = this.account;
    let positions: Position[] = a.positions;
    const collateral: Record<string, number> = { ...a.collateral };
    if (changes && changes.size > 0) {
      const net = new Map(this.net);
      for (const [id, dq] of changes) {
        if (dq === 0) {
          if (!net.has(id)) net.set(id, 0);
          continue;
        }
        net.set(id, (net.get(id) ?? 0) + dq);
        const x = this.instrument(id);
        const cash = dq * this.markValue(id);
        if (cash !== 0) {
          const asset = this.settleAsset(x);
          collateral[asset] = (collateral[asset] ?? 0) - cash;
        }
      }
      positions = [...net.entries()].filter(([, q]) => q !== 0).map(([instrument, qty]) => ({ instrument, qty }));
    }
    if (costAcct !== 0) collateral[a.currency] = (collateral[a.currency] ?? 0) - costAcct;
    const account: Account = { ...a, collateral, positions };
    const used = new Set<string>([...a.positions, ...a.orders].map((p) => p.instrument));
    if (changes) for (const id of changes.keys()) used.add(id);
    let markets = this.book.markets;
    if (scale && scale.k !== 1) {
      const m = markets[scale.underlying];
      // Futures and perpetuals are marked at their own forward (mark value 0, no entry price in a
      // book): their P&L from today's marks to the moved market is settled into cash (variation
      // margin, Deribit-style), in the settlement currency: linear q·size·(F·k − F) USD, inverse
      // q·size·(1/F − 1/(F·k)) coin.
      for (const p of positions) {
        const x = this.instrument(p.instrument);
        if (x.underlying !== scale.underlying || (x.kind !== "future" && x.kind !== "perpetual")) continue;
        const F = forwardOf(m, x.expiry, this.book.valuationTime);
        const pnl = x.settlement === "inverse"
          ? p.qty * x.contractSize * (1 / F - 1 / (F * scale.k))
          : p.qty * x.contractSize * (F * scale.k - F);
        const asset = this.settleAsset(x);
        collateral[asset] = (collateral[asset] ?? 0) + pnl;
      }
      const moved: Market = {
        ...m, index: m.index * scale.k,
        forwards: new Map([...m.forwards].map(([e, f]) => [e, f * scale.k])),
      };
      markets = { ...markets, [scale.underlying]: moved };
    }
    return {
      valuationTime: this.book.valuationTime, markets,
      instruments: this.book.instruments.filter((x) => used.has(x.id)),
      accounts: [account], risk: this.book.risk,
    };
  }

  /** Equity and margins of the (changed) account under the probe's model. */
  measureBook(b: Book): Measure & { ctx: PresetContext } {
    this.evaluations++;
    const ctx = this.engine.context(b);
    const results = getPreset(this.preset).evaluate(ctx)[0];
    const margin = results.find((r) => r.model === this.model);
    if (!margin) {
      throw new RiskError("E_PRESET", "model", `preset "${this.preset}" gives no model "${this.model}" (it gives ${
        results.map((r) => r.model).join(", ")})`);
    }
    const equity = accountEquity(ctx, 0);
    return {
      equity, initial: margin.initial, maintenance: margin.maintenance,
      status: statusOf(equity, margin.initial, margin.maintenance), margin, ctx,
    };
  }

  measure(changes: ReadonlyMap<string, number> | null = null, costAcct = 0, scale?: MarketScale): Measure {
    const { ctx: _ctx, ...m } = this.measureBook(this.subBook(changes, costAcct, scale));
    return m;
  }

  health(m: Measure = this.measure()): Health {
    return healthOf(this.account.id, this.account.currency, this.model, m);
  }
}

/** Equity of account k of a context, exactly as the engine's report computes it. */
export function accountEquity(ctx: PresetContext, k: number): number {
  const acct = ctx.book.accounts[k];
  const m = ctx.matrix(ctx.base, k);
  const toAcct = assetPriceUsd(ctx.book, acct.currency);
  const collateralValue = collateralLines(ctx.book, acct, ctx.book.risk.overrides)
    .reduce((s, l) => s + l.valueUsd * l.weight, 0) / toAcct;
  return collateralValue + m.positionsValue;
}

export function healthOf(accountId: string, currency: string, model: string, m: Measure): Health {
  return {
    accountId, currency, model,
    equity: m.equity, initial: m.initial, maintenance: m.maintenance, status: m.status,
    marginRatio: m.maintenance > 0 ? m.equity / m.maintenance : null,
    initialRatio: m.initial > 0 ? m.equity / m.initial : null,
    distance: { toInitial: m.equity - m.initial, toMaintenance: m.equity - m.maintenance, toBankruptcy: m.equity },
  };
}

/** Orders → instrument → summed Δ. */
export function ordersToChanges(orders: readonly Order[]): Map<string, number> {
  const ch = new Map<string, number>();
  for (const o of orders) ch.set(o.instrument, (ch.get(o.instrument) ?? 0) + o.qty);
  return ch;
}

/**
 * n steps as a size in contracts. A decimal step (0.001, 0.1) is divided out rather than multiplied:
 * n / 1000 is the double nearest the decimal the user would type (582 × 0.001 is 0.5820000000000001,
 * 582 / 1000 is 0.582), so the size reported is the size checked and the size an order would carry.
 */
export function stepSizer(step: number): (n: number) => number {
  const perUnit = Math.round(1 / step);
  if (perUnit >= 1 && 1 / perUnit === step) return (n) => n / perUnit;
  return (n) => n * step;
}
