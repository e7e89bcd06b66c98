/**
 * The naive exchange tick, for comparison with the shared cube (DESIGN §1: "instruments are few,
 * positions are many"): every account revalues its own positions. Each position becomes its own
 * instrument (a copy of the listed one), so the instrument pass prices every position of every
 * account under every scenario, and no two accounts share a cube row. Everything else is the tick
 * session's code (account pass, deribit-pm reduction), so the margins must come out the same bits as
 * the shared-cube session's: the bench checks that on every account it runs.
 *
 * This is the naive path at its best (one batched kernel call, no per-account overhead). The full
 * workload would need a cube of every position × scenario (≈ 1 M × 35 × 8 B ≈ 0.3 GB) and a book of
 * a million instrument objects, so by default it runs on the first `sampleAccounts` accounts and
 * extrapolates linearly to all accounts (the work is per position and per account, nothing shared).
 */
import type { Engine } from "../src/engine/engine.js";
import { parseBook } from "../src/book/index.js";
import { Session } from "../src/session/session.js";
import type { Account, Book, BookInput, Instrument } from "../src/types.js";

export interface NaiveTiming {
  backend: string;
  /** Accounts and positions actually run. */
  sampleAccounts: number;
  samplePositions: number;
  /** Accounts of the whole workload; tick times below are scaled by accounts / sampleAccounts. */
  accounts: number;
  scale: number;
  /** Measured tick times on the sample, ms. */
  sampleTickMs: number[];
  /** Extrapolated to every account, ms. */
  bestMs: number;
  medianMs: number;
  spread: number;
  /** Scenario revaluations per tick on the sample (positions × scenarios). */
  revaluations: number;
  /** Accounts of the sample whose IM, MM and equity differ in any bit from the shared-cube session. */
  mismatches: number;
}

/** Every position its own instrument: instrument `${id}#${account}.${k}`. */
export function naiveBook(book: Book): Book {
  const at = new Map(book.instruments.map((x, i) => [x.id, i]));
  const copies: Array<{ from: number; x: Instrument }> = [];
  const accounts: Account[] = book.accounts.map((a, ai) => ({
    ...a,
    positions: a.positions.map((p, k) => {
      const id = `${p.instrument}#${ai}.${k}`;
      const from = at.get(p.instrument)!;
      copies.push({ from, x: { ...book.instruments[from], id } });
      return { instrument: id, qty: p.qty };
    }),
  }));
  // In the listed instruments' order (stable), so greek buckets are numbered in the same order as
  // the shared session's and the reduction sums them in the same order.
  copies.sort((p, q) => p.from - q.from);
  return { ...book, instruments: copies.map((c) => c.x), accounts };
}

const isParsed = (b: BookInput | Book): b is Book =>
  typeof b.valuationTime === "number" && b.instruments.every((x) => typeof x.contractSize === "number" && typeof x.kind === "string");

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * Times `ticks` naive ticks (index move + every margin) on the first `sampleAccounts` accounts of
 * `input` and scales them to all of its accounts.
 */
export function naiveTickWorkload(
  engine: Engine, input: BookInput | Book, opts: { sampleAccounts?: number; ticks?: number } = {},
): NaiveTiming {
  const full = isParsed(input) ? input : parseBook(input);
  const n = Math.min(full.accounts.length, opts.sampleAccounts ?? 10_000);
  const sample: Book = { ...full, accounts: full.accounts.slice(0, n) };
  const naive = new Session(engine, engine.kernel, naiveBook(sample));
  const shared = new Session(engine, engine.kernel, sample);
  let mismatches = 0;
  const sampleTickMs: number[] = [];
  naive.evaluate();
  for (let k = 0; k < (opts.ticks ?? 5); k++) {
    const price = 77_081.8 * (1 + 0.001 * ((k % 5) - 2));
    const t = performance.now();
    naive.setIndex("BTC", price);
    const r = naive.evaluate();
    sampleTickMs.push(performance.now() - t);
    if (k === 0) {
      // Same answer as the shared cube, bit for bit (checked once: the copy costs a pass).
      const im = r.initial.slice();
      const mm = r.maintenance.slice();
      const eq = r.equity.slice();
      shared.setIndex("BTC", price);
      const s = shared.evaluate();
      for (let a = 0; a < n; a++) {
        if (!Object.is(im[a], s.initial[a]) || !Object.is(mm[a], s.maintenance[a]) || !Object.is(eq[a], s.equity[a])) mismatches++;
      }
    }
  }
  const samplePositions = naive.positions();
  const v = engine.kernel.views(); // the naive layout: one instrument row per position
  const revaluations = v.cube.length;
  const scale = full.accounts.length / n;
  const best = Math.min(...sampleTickMs);
  const med = median(sampleTickMs);
  naive.close();
  shared.close();
  return {
    backend: engine.backend, sampleAccounts: n, samplePositions, accounts: full.accounts.length, scale, sampleTickMs,
    bestMs: best * scale, medianMs: med * scale, spread: (med - best) / best, revaluations, mismatches,
  };
}
