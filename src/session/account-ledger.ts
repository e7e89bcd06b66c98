/**
 * A tick session's per-account inputs of the deribit-pm tick (abi.ts PmViews acc* columns: currency
 * factor, coin and stablecoin collateral, haircut weights) and the variation margin booked into them,
 * with what changed since the kernel's copy.
 *
 * Variation margin lives in typed arrays, not in the book's collateral objects (dictionary writes were
 * most of an index update): `effective(a)` adds it to an account's collateral when a book is asked for.
 * Haircut weights are taken when the session opens and when collateral is set (not on every tick).
 */
import type { PmViews } from "../kernel/abi.js";
import type { InstrumentTable } from "../engine/instrument-table.js";
import { collateralLines } from "../margin/collateral.js";
import type { Account, Book } from "../types.js";
import type { FuturesHoldings } from "./futures-holdings.js";

/** An Int32Array or a Float64Array. */
interface Column {
  [k: number]: number;
  readonly length: number;
  set(from: ArrayLike<number>): void;
}

export class AccountLedger {
  readonly currency: Int32Array;
  /** Coin collateral [a·U + f], variation margin included. */
  readonly coin: Float64Array;
  /** Stablecoin collateral in USD, variation margin included. */
  readonly fixed: Float64Array;
  readonly coinWeight: Float64Array;
  readonly fixedWeight: Float64Array;
  /** Variation margin booked per account: USD, and coins [a·U + f]. */
  private readonly vmUsd: Float64Array;
  private readonly vmCoin: Float64Array;
  /** Accounts whose inputs changed since the kernel's copy (collateral updates). */
  private readonly dirty = new Set<number>();
  /** The kernel's copy of every account's inputs is stale (a new tick room). */
  private allDirty = true;
  /** Per factor: variation margin was booked since the kernel's copy (its holders' inputs changed). */
  private readonly vmBooked: boolean[];
  private readonly U: number;

  constructor(private readonly book: Book, private readonly table: InstrumentTable, private readonly futures: FuturesHoldings) {
    const n = book.accounts.length;
    const U = (this.U = table.underlyings.length);
    this.currency = new Int32Array(n);
    this.coin = new Float64Array(n * U);
    this.fixed = new Float64Array(n);
    this.coinWeight = new Float64Array(n * U);
    this.fixedWeight = new Float64Array(n);
    this.vmUsd = new Float64Array(n);
    this.vmCoin = new Float64Array(n * U);
    this.vmBooked = table.underlyings.map(() => false);
    book.accounts.forEach((a, k) => this.load(k, a));
  }

  /**
   * Account a's collateral in `asset` was set (the book's object holds the new amount): it is the whole
   * holding, so the variation margin booked in that asset so far is in it.
   */
  collateralSet(a: number, asset: string): void {
    const f = this.table.underlyings.indexOf(asset);
    if (f >= 0) this.vmCoin[a * this.U + f] = 0;
    else if (asset === "USD") this.vmUsd[a] = 0;
    this.load(a, this.effective(a));
  }

  /** Adds Σ qty × vm[i] of every holder's futures on factor f to its collateral. */
  bookVariationMargin(f: number, vm: Float64Array): void {
    const U = this.U;
    const { vmUsd, vmCoin, fixed, coin } = this;
    // Only the accounts that hold futures on f (each account's sum is its own: order across accounts
    // is free).
    this.futures.book(f, vm, (a, usd, coins) => {
      vmUsd[a] += usd;
      vmCoin[a * U + f] += coins;
      fixed[a] += usd;
      coin[a * U + f] += coins;
    });
    this.vmBooked[f] = true;
  }

  /** Account a with the variation margin booked so far in its collateral (USD and coins). */
  effective(a: number): Account {
    const acct = this.book.accounts[a];
    const collateral = { ...acct.collateral };
    if (this.vmUsd[a] !== 0) collateral.USD = (collateral.USD ?? 0) + this.vmUsd[a];
    for (let f = 0; f < this.U; f++) {
      const x = this.vmCoin[a * this.U + f];
      if (x !== 0) collateral[this.table.underlyings[f]] = (collateral[this.table.underlyings[f]] ?? 0) + x;
    }
    return { ...acct, collateral };
  }

  /** The kernel's copy is gone (a new tick room): the next sync copies every account. */
  lost(): void {
    this.allDirty = true;
  }

  /**
   * Brings the kernel's copy of the account inputs up to date; every account copied again is computed
   * afresh (cacheOk = 0: the kernel's kept numbers depend on its inputs).
   */
  sync(pv: PmViews): void {
    const U = this.U;
    // Kernel column, ours, and how many entries an account has in it.
    const columns: [Column, Column, number][] = [
      [pv.accCurrency, this.currency, 1], [pv.accFixed, this.fixed, 1], [pv.accFixedWeight, this.fixedWeight, 1],
      [pv.accCoin, this.coin, U], [pv.accCoinWeight, this.coinWeight, U],
    ];
    if (this.allDirty) {
      pv.cacheOk.fill(0);
      for (const [to, from] of columns) to.set(from);
      this.allDirty = false;
    } else {
      for (const a of this.dirty) {
        pv.cacheOk[a] = 0;
        for (const [to, from, w] of columns) for (let k = a * w; k < (a + 1) * w; k++) to[k] = from[k];
      }
      // Variation margin changed the holders' fixed collateral and their coin in that factor only.
      this.vmBooked.forEach((booked, f) => {
        if (!booked) return;
        for (const a of this.futures.holders(f)) {
          pv.accFixed[a] = this.fixed[a];
          pv.accCoin[a * U + f] = this.coin[a * U + f];
        }
      });
    }
    this.vmBooked.fill(false);
    this.dirty.clear();
  }

  /** Account k's inputs from its collateral (with variation margin, as `effective` gives it). */
  private load(k: number, a: Account): void {
    const U = this.U;
    const t = this.table;
    this.currency[k] = t.underlyings.indexOf(a.currency);
    this.coin.fill(0, k * U, (k + 1) * U);
    let fixed = 0;
    for (const [asset, amt] of Object.entries(a.collateral)) {
      const f = t.underlyings.indexOf(asset);
      if (f >= 0) this.coin[k * U + f] += amt;
      else fixed += amt; // stablecoins at 1 USD
    }
    this.fixed[k] = fixed;
    // Haircut weights at the session's opening prices: per coin, and one value-weighted weight for
    // the stablecoins.
    this.coinWeight.fill(1, k * U, (k + 1) * U);
    let fixedRaw = 0;
    let fixedKept = 0;
    for (const l of collateralLines(this.book, a, this.book.risk.overrides)) {
      const f = t.underlyings.indexOf(l.asset);
      if (f >= 0) this.coinWeight[k * U + f] = l.weight;
      else {
        fixedRaw += l.valueUsd;
        fixedKept += l.valueUsd * l.weight;
      }
    }
    this.fixedWeight[k] = fixedRaw !== 0 ? fixedKept / fixedRaw : 1;
    this.dirty.add(k);
  }
}
