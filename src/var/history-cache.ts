/**
 * Data derived from a price history alone (aligned returns, EWMA covariances, scenario sets and their
 * logs; the per-underlying EWMA/GARCH fits of the `dynamic` option), kept between calls that use the
 * same history with the same parameters: the `var` preset and the `dynamic` option recomputed them on
 * every evaluation, e.g. on every keystroke of the web page.
 *
 * Keyed on content, not on the object alone: the history is user input and may be changed in place
 * between calls. Per history object (a WeakMap, so an entry goes with its history) the cache keeps a
 * copy of everything the derivations read — dates, times, asset names and closes — and compares it
 * with the history on every call (about 10 µs for 2 000 rows × 3 assets): any difference, even in the
 * sign of a zero, drops every entry of that history. Numbers compare by value with all NaNs equal
 * (a NaN close is a missing price; its payload never reaches a result). A history that cannot be
 * copied (not the shape of a PriceHistory) is not cached: the derivation runs as it would without a
 * cache.
 *
 * Entries are looked up by a key that must name every parameter the derivation reads (keyOf); each
 * history keeps at most MAX_ENTRIES of them, least recently used first out. `get` hands out a copy
 * made by the caller's `copy`, so no caller can change what the next one receives.
 */
import type { PriceHistory } from "../history/csv.js";

/** Entries (derived objects) kept per history. */
export const MAX_ENTRIES = 8;

interface Snapshot {
  dates: string[];
  times: Float64Array;
  assets: string[];
  closes: Float64Array[];
}

interface Slot {
  snap: Snapshot;
  /** Insertion order is recency: a hit moves its key to the end; the first key is evicted. */
  entries: Map<string, unknown>;
}

const slots = new WeakMap<object, Slot>();

function allStrings(xs: readonly unknown[]): boolean {
  for (let i = 0; i < xs.length; i++) if (typeof xs[i] !== "string") return false;
  return true;
}

/** A copy of what the derivations read, or null when `h` is not the shape of a PriceHistory. */
function snapshot(h: PriceHistory): Snapshot | null {
  const { dates, times, assets, closes } = h;
  if (!Array.isArray(dates) || !Array.isArray(times) || !Array.isArray(assets) || !Array.isArray(closes)) return null;
  if (!allStrings(dates) || !allStrings(assets)) return null;
  const copies: Float64Array[] = [];
  for (const c of closes as unknown[]) {
    if (!(c instanceof Float64Array) && !Array.isArray(c)) return null;
    copies.push(Float64Array.from(c as ArrayLike<number>));
  }
  return { dates: dates.slice(), times: Float64Array.from(times), assets: assets.slice(), closes: copies };
}

/** Same numbers: by value, +0 ≠ −0, every NaN equal to every NaN. */
function sameNumbers(a: ArrayLike<number>, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < b.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) {
      if (x === 0 && 1 / x !== 1 / y) return false;
    } else if (x === x || y === y) {
      return false;
    }
  }
  return true;
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < b.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function unchanged(h: PriceHistory, s: Snapshot): boolean {
  const { dates, times, assets, closes } = h;
  if (!Array.isArray(dates) || !Array.isArray(times) || !Array.isArray(assets) || !Array.isArray(closes)) return false;
  if (closes.length !== s.closes.length || !sameStrings(assets, s.assets) || !sameNumbers(times, s.times) || !sameStrings(dates, s.dates)) {
    return false;
  }
  for (let a = 0; a < closes.length; a++) {
    const c = closes[a];
    if (!(c instanceof Float64Array) && !Array.isArray(c)) return false;
    if (!sameNumbers(c, s.closes[a])) return false;
  }
  return true;
}

/** Derived data of one history, checked against its content when it was obtained. */
export interface HistoryMemo {
  /**
   * The entry under `key`, made by `make()` when absent; the caller receives `copy(entry)` either way.
   * `make` throwing stores nothing.
   */
  get<T>(key: string, make: () => T, copy: (x: T) => T): T;
}

/** No cache: every get makes afresh (and hands out what it made). */
export const NO_MEMO: HistoryMemo = { get: (_key, make) => make() };

/**
 * The memo of `history` as it is now: its entries when its content is what they were derived from,
 * else an empty memo for the new content (or NO_MEMO for a history that cannot be copied).
 */
export function historyMemo(history: PriceHistory): HistoryMemo {
  if (typeof history !== "object" || history === null) return NO_MEMO;
  let slot = slots.get(history);
  if (!slot || !unchanged(history, slot.snap)) {
    const snap = snapshot(history);
    if (!snap) {
      slots.delete(history);
      return NO_MEMO;
    }
    slot = { snap, entries: new Map() };
    slots.set(history, slot);
  }
  const { entries } = slot;
  return {
    get<T>(key: string, make: () => T, copy: (x: T) => T): T {
      let x = entries.get(key) as T | undefined;
      if (x === undefined) {
        x = make();
        if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
      } else {
        entries.delete(key);
      }
      entries.set(key, x);
      return copy(x);
    },
  };
}

/**
 * A cache key from parameters: strings quoted, numbers exact (String gives the shortest text that
 * reads back to the same double; −0 spelt apart), so different values never share a key.
 */
export function keyOf(parts: readonly (string | number | boolean)[]): string {
  let k = "";
  for (const p of parts) {
    k += typeof p === "number" ? (Object.is(p, -0) ? "-0" : String(p)) : typeof p === "string" ? JSON.stringify(p) : p ? "T" : "F";
    k += ",";
  }
  return k;
}
