/**
 * A tick session (issue 7): an exchange keeps every account in one engine and recomputes every
 * margin on each index tick. The book is laid out once; updates change the columns in place;
 * `evaluate()` prices the instruments of the underlyings that moved (the cube), then runs the kernel's
 * deribit-pm tick (Kernel.pmTick): per account, its positions' cube rows summed per group and reduced
 * to IM/MM, from positions that stay resident in kernel memory between ticks (only accounts that
 * changed are copied). The kernel keeps each account's per-underlying numbers that the tick did not
 * move (abi.ts): the session tells it which underlyings moved (factorDirty) and which accounts changed
 * (cacheOk), and nothing else may change them.
 *
 * Futures and perpetuals are marked to market on every index update: the variation margin of each
 * position (linear: size·(F' − F) USD; inverse: size·(1/F − 1/F') coin) is booked to the account's
 * collateral in the settlement currency, and the contract's reference level moves to the new forward,
 * exactly as the full evaluate path sees a book (zero mark value for futures). That pass over the
 * positions of the moved underlying is the only per-position work of an index tick outside the kernel
 * (FuturesHoldings packs them; AccountLedger keeps the accounts' tick inputs and the booked margin).
 */
import {
  type Dims, type Kernel, type KernelViews, KIND_DELTA1_INVERSE, KIND_OPTION_INVERSE, KIND_OPTION_LINEAR, type PmDims, type PmViews,
} from "../kernel/abi.js";
import { allocPmViews, checkPmTick, pmTickJs, samePmDims } from "../kernel/pm-reduce.js";
import { RiskError } from "../errors.js";
import type { Account, Book } from "../types.js";
import { STABLECOINS } from "../types.js";
import { buildInstrumentTable, type InstrumentTable } from "../engine/instrument-table.js";
import { volMultiplier, type ScenarioSet } from "../scenarios/scenario-set.js";
import { pmParamsFor, pmScenarioSet } from "../margin/deribit-pm/index.js";
import type { AccountReport } from "../report/types.js";
import type { Engine } from "../engine/engine.js";
import { PositionStore } from "./position-store.js";
import { FuturesHoldings } from "./futures-holdings.js";
import { AccountLedger } from "./account-ledger.js";
import { writeInstruments, writeScenarios } from "../engine/grid-run.js";
import { pmConstants, type TickMarket, tickGroup, writePmMarket } from "./pm-tick.js";
import { detExp } from "../var/detmath.js";
import { MAX_PRICE, MIN_PRICE } from "../book/parse.js";

export const STATUS_CODES = ["healthy", "restricted", "liquidation", "bankrupt"] as const;

export interface SessionResult {
  ids: readonly string[];
  /** Account currency amounts, one per account in book order. */
  initial: Float64Array;
  maintenance: Float64Array;
  equity: Float64Array;
  /** Index into STATUS_CODES. */
  status: Uint8Array;
}

export interface SessionOptions {
  /** Accounts per kernel call of a tick (default 4096; any size gives the same numbers). */
  chunk?: number;
  /**
   * Fill the instrument outputs (value, greeks, cube) instead of running the instrument pass; called
   * with the kernel's views after the inputs are written. A SessionPool worker copies in the cube its
   * main thread published (src/session/pool.ts).
   */
  instrumentOutputs?: (views: KernelViews) => void;
}

/** Accounts per kernel call: any size gives the same numbers; the chunk only bounds one call's duration. */
const DEFAULT_CHUNK = 4096;

/** A user's argument in a message: strings quoted, anything else by its type (never a TypeError). */
export function shown(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : v === null ? "null" : typeof v === "number" ? String(v) : `a ${typeof v}`;
}

export class Session {
  private book: Book;
  private table: InstrumentTable;
  private set: ScenarioSet;
  private market: TickMarket;
  private mmFactor: number;
  private mmp: number;
  private store: PositionStore;
  /** Group of each instrument in the tick layout (pm-tick.ts tickGroup); positions are kept in its order. */
  private readonly groupOf: Int32Array;
  /** Futures and perpetual holdings per factor, packed for variation margin on index moves. */
  private futures: FuturesHoldings;
  /** Per factor: its index or a vol moved since the last full tick (the kernel recomputes it). */
  private factorDirty: boolean[];
  private accountIndex: Map<string, number>;
  /** Per account, the tick's inputs (collateral, haircut weights) and the variation margin booked. */
  private ledger: AccountLedger;
  private volMult: Float64Array;
  private dims: Dims | null = null;
  private pmDims: PmDims | null = null;
  /** The tick's room when the kernel has no pmTick (the js reference runs here instead). */
  private pmLocal: PmViews | null = null;
  private pmLocalDims: PmDims | null = null;
  private cubeFresh = false;
  private dirty: Set<number> | null = null;
  private result: SessionResult;
  private closed = false;
  private readonly chunk: number;

  private readonly opts: SessionOptions;

  constructor(private readonly engine: Engine, private readonly kernel: Kernel, book: Book, opts: SessionOptions | null = {}) {
    this.opts = opts ?? {}; // engine.open(book, null) is the defaults, not a TypeError
    this.chunk = this.opts.chunk ?? DEFAULT_CHUNK;
    // evaluate() steps through the accounts `chunk` at a time: 0 or a negative step never ends.
    if (!Number.isInteger(this.chunk) || this.chunk < 1 || this.chunk > 0x7fffffff) {
      throw new RiskError("E_RANGE", "chunk", `chunk must be a whole number of accounts ≥ 1, got ${shown(this.chunk)}`);
    }
    // Own copies: the session mutates markets, vols and collateral. Positions live in the store only
    // (accountBook() rebuilds them): not cloning them saves ~40 % of the session's heap per position.
    this.book = structuredClone({ ...book, accounts: book.accounts.map((a) => ({ ...a, positions: [] })) });
    this.table = buildInstrumentTable(this.book);
    const t = this.table;
    const paramsFor = pmParamsFor(this.book.risk.overrides);
    const shapes = new Set(t.underlyings.map((u) => {
      const p = paramsFor(u);
      return [p.short_term_vega_power, p.long_term_vega_power, p.vol_shock_dte_floor_days, p.buckets_count].join();
    }));
    if (shapes.size > 1) {
      throw new RiskError("E_PRESET", "risk.overrides", "a session needs the same deribit-pm bucket count and vol term structure for every underlying");
    }
    this.set = pmScenarioSet(t.underlyings, new Set(t.underlyings), paramsFor);
    const global = paramsFor("");
    this.mmFactor = global.mm_factor;
    this.mmp = global.mmp_margin;
    this.market = {
      index: Float64Array.from(t.underlyings, (u) => this.book.markets[u].index),
      mult: this.set.mult, nScen: this.set.nScen,
      pm: t.underlyings.map((u) => pmConstants(paramsFor(u))), buckets: t.buckets,
      bucketFactor: Int32Array.from(t.buckets, (b) => t.underlyings.indexOf(b.underlying)),
      bucketRolls: Uint8Array.from(t.buckets, (b) => (b.spot ? 0 : 1)),
      rollRate: Float64Array.from(t.buckets, (b) => {
        const p = paramsFor(b.underlying);
        return Math.max(p.min_annualised_move, detExp(p.annualised_move_risk * b.tau) - 1);
      }),
    };
    this.volMult = Float64Array.from(t.dte, (d) => volMultiplier(d, this.set.termStructure));
    this.accountIndex = new Map(this.book.accounts.map((a, k) => [a.id, k]));
    this.groupOf = Int32Array.from(t.kind, (k, i) => tickGroup(
      t.underlyingOf[i], k === KIND_OPTION_INVERSE || k === KIND_DELTA1_INVERSE, k === KIND_OPTION_INVERSE || k === KIND_OPTION_LINEAR,
    ));
    const groupOf = this.groupOf;
    this.store = new PositionStore(
      book.accounts.map((a) => a.positions.map((p) => ({ inst: t.indexOf.get(p.instrument)!, qty: p.qty }))), 2, (i) => groupOf[i],
    );
    this.futures = new FuturesHoldings(t, this.store);
    this.factorDirty = t.underlyings.map(() => true);
    book.accounts.forEach((a, k) => a.positions.forEach((p) => this.futures.note(k, t.indexOf.get(p.instrument)!)));
    this.ledger = new AccountLedger(this.book, t, this.futures);
    const n = this.book.accounts.length;
    this.result = {
      ids: this.book.accounts.map((a) => a.id), initial: new Float64Array(n), maintenance: new Float64Array(n),
      equity: new Float64Array(n), status: new Uint8Array(n),
    };
  }

  // ── updates ────────────────────────────────────────────────────────────────────────────────

  /** New index of an underlying: its forwards move in proportion; futures keep their reference level. */
  setIndex(underlying: string, price: number): void {
    this.live();
    const f = this.table.underlyings.indexOf(underlying);
    if (f < 0) throw new RiskError("E_UNKNOWN_MARKET", "underlying", `no market ${shown(underlying)} in this session`);
    if (typeof price !== "number" || !Number.isFinite(price)) {
      throw new RiskError(typeof price === "number" ? "E_NOT_FINITE" : "E_TYPE", "price", `${shown(price)} is not a finite number: an index must be a positive finite number`);
    }
    if (!(price > 0)) throw new RiskError("E_NEGATIVE_PRICE", "price", "an index must be a positive finite number");
    const m = this.book.markets[underlying];
    const ratio = price / m.index;
    // The book parser's price range holds for what the move produces too (index, forwards, futures'
    // levels): beyond it numbers overflow later, in some account's margin.
    const t = this.table;
    let lo = price;
    let hi = price;
    for (let i = 0; i < t.instruments.length; i++) {
      if (t.underlyingOf[i] !== f) continue;
      lo = Math.min(lo, t.fwd[i] * ratio);
      hi = Math.max(hi, t.fwd[i] * ratio);
    }
    if (!(lo >= MIN_PRICE && hi <= MAX_PRICE)) {
      throw new RiskError("E_RANGE", "price", `an index of ${price} moves ${underlying}'s forwards to ${lo === price ? hi : lo} USD, ` +
        `outside [${MIN_PRICE}, ${MAX_PRICE}], the prices the engine computes with`);
    }
    m.index = price;
    for (const [k, v] of m.forwards) m.forwards.set(k, v * ratio);
    const vm = new Float64Array(t.instruments.length);
    let anyFutures = false;
    for (let i = 0; i < t.instruments.length; i++) {
      if (t.underlyingOf[i] !== f) continue;
      const F0 = t.fwd[i];
      const F1 = F0 * ratio;
      t.fwd[i] = F1;
      const x = t.instruments[i];
      if (x.kind === "future" || x.kind === "perpetual") {
        vm[i] = x.settlement === "inverse" ? t.size[i] * (1 / F0 - 1 / F1) : t.size[i] * (F1 - F0);
        t.strike[i] = F1;
        anyFutures = true;
      }
    }
    if (anyFutures) this.ledger.bookVariationMargin(f, vm);
    this.market.index[f] = price;
    this.factorDirty[f] = true;
    this.cubeFresh = false;
  }

  setVol(instrumentId: string, vol: number): void {
    this.live();
    const i = this.instrument(instrumentId);
    if (this.table.instruments[i].kind !== "option") throw new RiskError("E_KIND", "instrumentId", `${instrumentId} is not an option`);
    if (typeof vol !== "number") throw new RiskError("E_TYPE", "vol", `a volatility is a number, not ${shown(vol)}`);
    if (!(vol > 0 && vol <= 10)) throw new RiskError("E_RANGE", "vol", "a volatility must be a decimal in (0, 10]");
    this.table.vol[i] = vol;
    this.table.instruments[i].vol = vol;
    this.factorDirty[this.table.underlyingOf[i]] = true;
    this.cubeFresh = false;
  }

  /** Set a position (contracts; 0 closes it). Touches only this account. */
  setPosition(accountId: string, instrumentId: string, qty: number): void {
    this.live();
    const a = this.account(accountId);
    const i = this.instrument(instrumentId);
    if (!Number.isFinite(qty)) throw new RiskError("E_NOT_FINITE", "qty", "a quantity must be a finite number");
    this.store.set(a, i, qty);
    this.futures.note(a, i);
    this.markDirty(a);
  }

  setCollateral(accountId: string, asset: string, amount: number): void {
    this.live();
    const a = this.account(accountId);
    if (!Number.isFinite(amount)) throw new RiskError("E_NOT_FINITE", "amount", "a collateral amount must be a finite number");
    // Own keys only: "toString" or "__proto__" are not markets (they made equity NaN).
    if (typeof asset !== "string" || (!Object.prototype.hasOwnProperty.call(this.book.markets, asset) && !STABLECOINS.has(asset))) {
      throw new RiskError("E_UNKNOWN_ASSET", "asset", `collateral asset ${shown(asset)} has no market in this session`);
    }
    const acct = this.book.accounts[a];
    if (amount === 0) delete acct.collateral[asset];
    else acct.collateral[asset] = amount;
    this.ledger.collateralSet(a, asset);
    this.markDirty(a);
  }

  // ── evaluation ────────────────────────────────────────────────────────────────────────────

  /**
   * IM, MM, equity and status of every account (deribit-pm). After market updates every account is
   * recomputed; after position/collateral updates only the accounts touched.
   */
  evaluate(): SessionResult {
    this.live();
    if (this.kernel.owner !== this) {
      // Someone else used the kernel since: the cube and the resident positions are gone.
      this.cubeFresh = false;
      this.pmDims = null;
      this.factorDirty.fill(true);
    }
    const n = this.book.accounts.length;
    let todo: number[] | null = null;
    if (this.cubeFresh && this.dirty) todo = [...this.dirty].sort((x, y) => x - y);
    else if (this.cubeFresh && !this.dirty) return this.result;
    if (!this.cubeFresh) this.instrumentPass();
    else this.reserveTick(); // positions may have outgrown the resident slots
    this.syncResident();
    const r = this.result;
    let bad = -1; // the first account whose numbers are not finite
    if (todo) {
      const pv = this.pmViews();
      for (const a of todo) {
        const b = this.tick(a, 1);
        if (bad < 0) bad = b;
        r.initial[a] = pv.initial[a];
        r.maintenance[a] = pv.maintenance[a];
        r.equity[a] = pv.equity[a];
        r.status[a] = pv.status[a];
      }
    } else {
      const pv = this.pmViews();
      this.factorDirty.forEach((d, f) => (pv.factorDirty[f] = d ? 1 : 0));
      for (let c = 0; c < n; c += this.chunk) {
        const b = this.tick(c, Math.min(n, c + this.chunk) - c);
        if (bad < 0) bad = b;
      }
      pv.factorDirty.fill(0);
      this.factorDirty.fill(false);
      r.initial.set(pv.initial);
      r.maintenance.set(pv.maintenance);
      r.equity.set(pv.equity);
      r.status.set(pv.status); // 0…3
    }
    if (bad >= 0) this.notFinite(bad);
    this.dirty = null;
    return this.result;
  }

  /**
   * DESIGN §3: a result never carries NaN or ±Infinity. Sizes the session accepts one by one can
   * overflow together (1e300 contracts, collateral of −1e308 BTC): E_RANGE naming the account. The
   * next evaluate() recomputes everything, so the error stands until an update fixes the account.
   */
  private notFinite(a: number): never {
    const r = this.result;
    this.cubeFresh = false;
    throw new RiskError("E_RANGE", `accounts[${a}]`,
      `account ${JSON.stringify(r.ids[a])}: equity ${r.equity[a]}, IM ${r.initial[a]}, MM ${r.maintenance[a]} cannot be computed: check the sizes of its positions and collateral`);
  }

  /** The full report of one account through the engine's evaluate path (all presets of the book). */
  report(accountId: string): AccountReport {
    this.live();
    const k = this.account(accountId);
    const one = this.accountBook(k);
    return this.engine.evaluateBook(one, { presets: ["deribit-pm"] }).accounts[0];
  }

  /** The session's current book (futures' variation margin booked as collateral). */
  snapshot(): Book {
    this.live();
    return this.accountBook(-1);
  }

  /** Bytes of kernel memory plus the session's own arrays. */
  memoryBytes(): number {
    return this.kernel.memoryBytes() + this.store.inst.byteLength + this.store.qty.byteLength;
  }

  positions(): number {
    return this.store.count();
  }

  close(): void {
    this.closed = true;
    // Only when this session laid the kernel out last: another open session on the same engine may
    // hold its cube there (shrinking it under that session gave it NaN margins or E_INTERNAL). Drop
    // the kernel's reference too, or the closed session (book, positions) stays reachable.
    if (this.kernel.owner !== this) return;
    this.kernel.owner = null;
    // Give the kernel's memory back to a small size so a later evaluation starts from the baseline.
    this.kernel.reserve({ nInst: 1, nScen: 1, nFactors: 1, nAcc: 1, nPos: 1, nGroups: 1, nBuckets: 1 });
  }

  // ── internals ─────────────────────────────────────────────────────────────────────────────

  private live(): void {
    if (this.closed) throw new RiskError("E_STATE", "session", "this session is closed: open a new one");
  }

  private account(id: string): number {
    const k = this.accountIndex.get(id);
    if (k === undefined) throw new RiskError("E_UNKNOWN_ACCOUNT", "accountId", `no account ${shown(id)} in this session`);
    return k;
  }

  private instrument(id: string): number {
    const i = this.table.indexOf.get(id);
    if (i === undefined) throw new RiskError("E_UNKNOWN_INSTRUMENT", "instrumentId", `no instrument ${shown(id)} in this session`);
    return i;
  }

  private markDirty(a: number): void {
    if (!this.cubeFresh) return; // everything is recomputed anyway
    (this.dirty ??= new Set()).add(a);
  }

  private instrumentPass(): void {
    const t = this.table;
    const nInst = t.instruments.length;
    const U = t.underlyings.length;
    // The kernel's account columns are not used by the tick: one account, one position.
    const want: Dims = {
      nInst, nScen: this.set.nScen, nFactors: U, nAcc: 1, nPos: 1, nGroups: 4 * U, nBuckets: Math.max(1, t.buckets.length),
    };
    this.kernel.owner = this;
    const v = this.kernel.reserve(want);
    this.dims = want;
    writeInstruments(v, t, this.volMult);
    v.group.set(this.groupOf);
    writeScenarios(v, this.set);
    if (this.opts.instrumentOutputs) this.opts.instrumentOutputs(v);
    else {
      // Only the instruments of factors whose index or vols moved: the others' cube is still there.
      const under = t.underlyingOf;
      for (let i = 0; i < nInst;) {
        if (!this.factorDirty[under[i]]) {
          i++;
          continue;
        }
        let j = i + 1;
        while (j < nInst && this.factorDirty[under[j]]) j++;
        this.kernel.instrumentPass(i, j);
        i = j;
      }
    }
    this.reserveTick();
    writePmMarket(this.pmViews(), this.market); // the index moved
    this.cubeFresh = true;
  }

  /**
   * The tick's room for every account and every resident position slot. A new room (first use, the
   * kernel laid out by someone else, more slots) holds nothing of ours: everything is copied again.
   */
  private reserveTick(): void {
    const d = this.dims!;
    const pd: PmDims = {
      nAcc: this.book.accounts.length, nPos: this.store.inst.length, nFactors: d.nFactors, nScen: d.nScen,
      nBuckets: d.nBuckets, nExt: this.market.pm[0]?.edge.length ?? 0,
    };
    if (this.kernel.reservePm) {
      // Kept by the kernel when the dims are the same and nobody else laid it out (evaluate() forgets
      // pmDims when the kernel changed owner).
      this.kernel.reservePm(pd);
      if (!samePmDims(this.pmDims, pd)) this.residentLost();
    } else if (!this.pmLocal || !samePmDims(this.pmLocalDims, pd)) {
      this.pmLocal = allocPmViews(pd);
      this.pmLocalDims = pd;
      this.residentLost();
    }
    this.pmDims = pd;
  }

  private residentLost(): void {
    this.store.moved = true;
    this.ledger.lost();
    this.factorDirty.fill(true);
    writePmMarket(this.pmViews(), this.market);
  }

  /** Brings the kernel's copy of positions and account inputs up to date. */
  private syncResident(): void {
    const pv = this.pmViews();
    const st = this.store;
    // The kernel keeps each account's factor contributions while its inputs do not change (abi.ts):
    // every account whose positions or collateral were copied again is computed afresh.
    if (st.moved) {
      pv.cacheOk.fill(0);
      pv.posStart.set(st.start);
      pv.posLen.set(st.len);
      pv.posInst.set(st.inst);
      pv.posQty.set(st.qty);
      st.moved = false;
    } else {
      for (const a of st.changed) {
        pv.cacheOk[a] = 0;
        const s0 = st.start[a];
        const s1 = s0 + st.len[a];
        pv.posStart[a] = s0;
        pv.posLen[a] = st.len[a];
        pv.posInst.set(st.inst.subarray(s0, s1), s0);
        pv.posQty.set(st.qty.subarray(s0, s1), s0);
      }
    }
    st.changed.clear();
    this.ledger.sync(pv);
  }

  private pmViews(): PmViews {
    return this.kernel.pmViews ? this.kernel.pmViews() : this.pmLocal!;
  }

  /**
   * IM, MM, equity and status of accounts [from, from + count) into the tick room's outputs; the first
   * of them whose numbers are not finite, or −1.
   */
  private tick(from: number, count: number): number {
    if (this.kernel.pmTick) return this.kernel.pmTick(from, count, this.mmFactor, this.mmp);
    const pv = this.pmLocal!;
    checkPmTick(this.dims!, this.pmDims!, pv, from, count);
    return pmTickJs(this.dims!, this.kernel.views(), this.pmDims!, pv, from, count, this.mmFactor, this.mmp);
  }

  /** A book of account k (or all accounts when k < 0) as the session sees it now. */
  private accountBook(k: number): Book {
    const t = this.table;
    const accountAt = (a: number): Account => {
      const s0 = this.store.start[a];
      const positions = [];
      for (let q = 0; q < this.store.len[a]; q++) {
        positions.push({ instrument: t.instruments[this.store.inst[s0 + q]].id, qty: this.store.qty[s0 + q] });
      }
      return { ...this.ledger.effective(a), positions };
    };
    const accounts = k >= 0 ? [accountAt(k)] : this.book.accounts.map((_, a) => accountAt(a));
    return { ...this.book, markets: structuredClone(this.book.markets), accounts };
  }
}
