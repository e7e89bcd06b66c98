/**
 * Who holds futures and perpetuals on each underlying, and their quantities, packed for index ticks:
 * an index move books variation margin to every holder (Session.setIndex), and walking the holders'
 * positions in the position store (12 MB for a million positions, out of cache after a tick) cost
 * ~1 ms per index. Here each factor's holdings are one short dense list (holder, instruments and
 * quantities in the store's order), rebuilt from the store only after a future or perpetual of that
 * factor was set.
 */
import type { InstrumentTable } from "../engine/instrument-table.js";
import { KIND_DELTA1_INVERSE } from "../kernel/abi.js";
import type { PositionStore } from "./position-store.js";

interface Packed {
  /** Holder accounts (each account once). */
  holders: Int32Array;
  /** holders[h]'s positions are [start[h], start[h + 1]) of inst/qty. */
  start: Int32Array;
  inst: Int32Array;
  qty: Float64Array;
}

const EMPTY: Packed = { holders: new Int32Array(0), start: new Int32Array(1), inst: new Int32Array(0), qty: new Float64Array(0) };

export class FuturesHoldings {
  /** Per factor, the accounts that have held a future or perpetual on it (a superset: never pruned). */
  private readonly sets: Set<number>[];
  private readonly packed: Packed[];
  /** Per factor: a holding changed since it was packed. */
  private readonly stale: boolean[];
  /** Instruments that take variation margin: futures and perpetuals. */
  private readonly settles: Uint8Array;

  constructor(private readonly table: InstrumentTable, private readonly store: PositionStore) {
    const U = table.underlyings.length;
    this.sets = Array.from({ length: U }, () => new Set<number>());
    this.packed = Array.from({ length: U }, () => EMPTY);
    this.stale = Array.from({ length: U }, () => true);
    this.settles = Uint8Array.from(table.instruments, (x) => (x.kind === "future" || x.kind === "perpetual" ? 1 : 0));
  }

  /** Account a's position in instrument i was set (call after the store has it). */
  note(a: number, i: number): void {
    if (!this.settles[i]) return;
    const f = this.table.underlyingOf[i];
    this.sets[f].add(a);
    this.stale[f] = true;
  }

  /** The accounts that hold (or held) futures on factor f. */
  holders(f: number): Int32Array {
    return this.pack(f).holders;
  }

  /**
   * Σ qty × vm[inst] per holder of factor f (vm per contract: coins for inverse contracts, USD for
   * linear), each holder's positions in the store's order; `add(a, usd, coins)` receives the sums.
   */
  book(f: number, vm: Float64Array, add: (a: number, usd: number, coins: number) => void): void {
    const { holders, start, inst, qty } = this.pack(f);
    const kind = this.table.kind;
    for (let h = 0; h < holders.length; h++) {
      let usd = 0;
      let coins = 0;
      for (let p = start[h]; p < start[h + 1]; p++) {
        const i = inst[p];
        if (vm[i] === 0) continue;
        if (kind[i] === KIND_DELTA1_INVERSE) coins += qty[p] * vm[i];
        else usd += qty[p] * vm[i];
      }
      add(holders[h], usd, coins);
    }
  }

  private pack(f: number): Packed {
    if (!this.stale[f]) return this.packed[f];
    const { start: s0, len, inst: sInst, qty: sQty } = this.store;
    const of = this.table.underlyingOf;
    const holders = Int32Array.from(this.sets[f]);
    const start = new Int32Array(holders.length + 1);
    const inst: number[] = [];
    const qty: number[] = [];
    holders.forEach((a, h) => {
      start[h] = inst.length;
      for (let p = s0[a]; p < s0[a] + len[a]; p++) {
        const i = sInst[p];
        if (!this.settles[i] || of[i] !== f) continue;
        inst.push(i);
        qty.push(sQty[p]);
      }
    });
    start[holders.length] = inst.length;
    this.packed[f] = { holders, start, inst: Int32Array.from(inst), qty: Float64Array.from(qty) };
    this.stale[f] = false;
    return this.packed[f];
  }
}
