/**
 * Book → per-instrument pricing inputs (DESIGN §2): time to expiry, forward, discount, the kernel
 * kind code, and the greek bucket (underlying × expiry) of each instrument.
 */
import {
  KIND_DELTA1_INVERSE,
  KIND_DELTA1_LINEAR,
  KIND_OPTION_INVERSE,
  KIND_OPTION_LINEAR,
} from "../kernel/abi.js";
import type { Book, Instrument } from "../types.js";
import { MS_PER_DAY, MS_PER_YEAR } from "../types.js";
import { discountFactor, forwardOf } from "../book/market.js";

export interface GreekBucket {
  underlying: string;
  /** Epoch ms, or null for spot and perpetuals. */
  expiry: number | null;
  /** Spot holdings have their own bucket: they never roll. */
  spot: boolean;
  /** Years to expiry (0 for spot and perpetuals). */
  tau: number;
  /** "BTC 2026-09-25", "BTC perpetual" or "BTC spot". */
  label: string;
}

export interface InstrumentTable {
  book: Book;
  instruments: Instrument[];
  indexOf: Map<string, number>;
  /** Sorted market names; the factor index of every scenario set built for this book. */
  underlyings: string[];
  underlyingOf: Int32Array;
  kind: Int32Array;
  cp: Float64Array;
  strike: Float64Array;
  tau: Float64Array;
  /** Days to expiry (ACT on ms), 0 for spot/perpetuals. */
  dte: Float64Array;
  fwd: Float64Array;
  df: Float64Array;
  rate: Float64Array;
  vol: Float64Array;
  size: Float64Array;
  dFdS: Float64Array;
  bucketOf: Int32Array;
  buckets: GreekBucket[];
}

export function buildInstrumentTable(book: Book): InstrumentTable {
  const list = book.instruments;
  const n = list.length;
  const underlyings = Object.keys(book.markets).sort();
  const uIndex = new Map(underlyings.map((u, i) => [u, i]));
  const t: InstrumentTable = {
    book, instruments: list, indexOf: new Map(list.map((x, i) => [x.id, i])), underlyings,
    underlyingOf: new Int32Array(n), kind: new Int32Array(n), cp: new Float64Array(n),
    strike: new Float64Array(n), tau: new Float64Array(n), dte: new Float64Array(n),
    fwd: new Float64Array(n), df: new Float64Array(n), rate: new Float64Array(n),
    vol: new Float64Array(n), size: new Float64Array(n), dFdS: new Float64Array(n),
    bucketOf: new Int32Array(n), buckets: [],
  };
  const bucketIndex = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const x = list[i];
    const m = book.markets[x.underlying];
    const msLeft = x.expiry === undefined ? 0 : x.expiry - book.valuationTime;
    const T = msLeft / MS_PER_YEAR;
    const F = forwardOf(m, x.expiry, book.valuationTime);
    const isOption = x.kind === "option";
    const inverse = x.settlement === "inverse";
    t.underlyingOf[i] = uIndex.get(x.underlying)!;
    t.kind[i] = isOption
      ? inverse ? KIND_OPTION_INVERSE : KIND_OPTION_LINEAR
      : inverse ? KIND_DELTA1_INVERSE : KIND_DELTA1_LINEAR;
    t.cp[i] = isOption ? (x.right === "call" ? 1 : -1) : 0;
    // Delta-one reference level: the mark itself (zero mark value) for futures/perps, 0 for spot.
    t.strike[i] = isOption ? x.strike! : x.kind === "spot" ? 0 : F;
    t.tau[i] = T;
    t.dte[i] = msLeft / MS_PER_DAY;
    t.fwd[i] = F;
    t.rate[i] = isOption ? m.rate : 0;
    t.df[i] = isOption ? discountFactor(m.rate, T) : 1;
    t.vol[i] = isOption ? x.vol! : 0;
    t.size[i] = x.contractSize;
    t.dFdS[i] = F / m.index;
    const key = `${x.underlying}|${x.kind === "spot" ? "spot" : x.expiry ?? "perp"}`;
    let b = bucketIndex.get(key);
    if (b === undefined) {
      // Labels only for new buckets: date formatting per instrument was most of a client check's cost.
      const when = x.kind === "spot" ? "spot" : x.expiry === undefined ? "perpetual" : new Date(x.expiry).toISOString().slice(0, 10);
      b = t.buckets.length;
      bucketIndex.set(key, b);
      t.buckets.push({
        underlying: x.underlying, expiry: x.expiry ?? null, spot: x.kind === "spot", tau: T,
        label: `${x.underlying} ${when}`,
      });
    }
    t.bucketOf[i] = b;
  }
  return t;
}

/** Mark price shown in reports: option premium in settlement currency; forward/index for delta-one (USD). */
export function markPrice(t: InstrumentTable, i: number, value: number): number {
  const x = t.instruments[i];
  if (x.kind === "option") return value;
  return x.kind === "spot" ? t.book.markets[x.underlying].index : t.fwd[i];
}
