/**
 * Marshalling and the two kernel passes: lays a book's instruments, one scenario set and the
 * accounts' positions out in the kernel's columns, runs the passes and copies the results out.
 */
import { type Dims, type Kernel, type KernelViews, KIND_DELTA1_INVERSE, KIND_OPTION_INVERSE, N_GREEKS } from "../kernel/abi.js";
import type { Account } from "../types.js";
import { logMultipliers, type ScenarioSet, type TermStructure, volMultiplier } from "../scenarios/scenario-set.js";
import type { InstrumentTable } from "./instrument-table.js";

export interface AccountsLayout {
  ids: string[];
  accStart: Int32Array;
  posInst: Int32Array;
  posQty: Float64Array;
}

export function layoutAccounts(t: InstrumentTable, accounts: readonly Account[]): AccountsLayout {
  const accStart = new Int32Array(accounts.length + 1);
  let nPos = 0;
  accounts.forEach((a, k) => {
    accStart[k] = nPos;
    nPos += a.positions.length;
  });
  accStart[accounts.length] = nPos;
  const posInst = new Int32Array(nPos);
  const posQty = new Float64Array(nPos);
  let p = 0;
  for (const a of accounts) {
    for (const pos of a.positions) {
      posInst[p] = t.indexOf.get(pos.instrument)!;
      posQty[p++] = pos.qty;
    }
  }
  return { ids: accounts.map((a) => a.id), accStart, posInst, posQty };
}

export function isInverseKind(kind: number): boolean {
  return kind === KIND_OPTION_INVERSE || kind === KIND_DELTA1_INVERSE;
}

/** P&L group of an instrument: underlying × settlement (linear 0, inverse 1). */
export function groupOf(t: InstrumentTable, i: number): number {
  return t.underlyingOf[i] * 2 + (isInverseKind(t.kind[i]) ? 1 : 0);
}

/** Kernel instrument column ← instrument table column (the vol multiplier and the group come apart). */
const INSTRUMENT_COLUMNS = [
  ["kind", "kind"], ["factor", "underlyingOf"], ["cp", "cp"], ["strike", "strike"], ["tau", "tau"], ["fwd", "fwd"],
  ["df", "df"], ["rate", "rate"], ["vol", "vol"], ["size", "size"], ["dFdS", "dFdS"], ["bucket", "bucketOf"],
] as const;

/** Instrument columns; `volMult` null leaves the multiplier column to the caller (writeVolMult). */
export function writeInstruments(v: KernelViews, t: InstrumentTable, volMult: Float64Array | null): void {
  for (const [dst, src] of INSTRUMENT_COLUMNS) (v[dst] as Float64Array).set(t[src]);
  if (volMult) v.volMult.set(volMult);
}

/** Table rows `rows` as kernel instruments 0 … rows.length − 1, with their groups and vol multipliers. */
function writeInstrumentRows(v: KernelViews, t: InstrumentTable, rows: Int32Array, volMult: Float64Array | null, ts: TermStructure | null): void {
  for (const [dst, src] of INSTRUMENT_COLUMNS) {
    const to = v[dst];
    const from = t[src];
    for (let k = 0; k < rows.length; k++) to[k] = from[rows[k]];
  }
  if (volMult) for (let k = 0; k < rows.length; k++) v.volMult[k] = volMult[rows[k]];
  else writeVolMult(v.volMult, t, ts, rows);
  for (let k = 0; k < rows.length; k++) v.group[k] = groupOf(t, rows[k]);
}

/**
 * The term-structure multiplier of every instrument (or of table rows `rows`) into `out`. An expiry's
 * instruments share their days to expiry, so the pow (a detExp and a detLog) is taken once per greek
 * bucket.
 */
export function writeVolMult(out: Float64Array, t: InstrumentTable, ts: TermStructure | null, rows?: Int32Array): void {
  const perBucket: number[] = [];
  const count = rows ? rows.length : t.instruments.length;
  for (let k = 0; k < count; k++) {
    const i = rows ? rows[k] : k;
    out[k] = perBucket[t.bucketOf[i]] ??= volMultiplier(t.dte[i], ts);
  }
}

/** A scenario set's arrays into the kernel's views (ln M taken here unless the set carries it). */
export function writeScenarios(v: KernelViews, set: ScenarioSet): void {
  v.mult.set(set.mult);
  if (set.lnMult) v.lnMult.set(set.lnMult);
  else logMultipliers(set.mult, v.lnMult);
  v.volShift.set(set.volShift);
  v.volFloor.set(set.volFloor);
}

/** Each instrument's value and greeks, as the kernel's instrument pass outputs them. */
export type InstrumentResults = Pick<KernelViews, "value" | "delta" | "gamma" | "vega" | "theta" | "rho">;

export interface GridRun extends InstrumentResults {
  set: ScenarioSet;
  table: InstrumentTable;
  layout: AccountsLayout;
  nGroups: number;
  /**
   * [i·S + s], settlement currency; only when `keepCube`. Rows of instruments that no laid-out
   * position holds are 0 when the run priced the held instruments alone (see runGrid).
   */
  cube: Float64Array | null;
  /** [(a·G + g)·S + s], settlement currency of group g. */
  pnl: Float64Array;
  /** [a·G + g]. */
  base: Float64Array;
  /** [(a·B + b)·5 + k], USD greeks. */
  greeks: Float64Array;
}

export interface RunOptions {
  keepCube?: boolean;
  /**
   * Per-instrument vol-shock multiplier in place of the set's term structure (e.g. 1/σ turns the
   * relative shift into an absolute one: σ' = σ + a, as SPAN's vol scan range in vol points).
   */
  volMult?: Float64Array;
  /**
   * Values and greeks of this table's instruments from an earlier run of it (they do not depend on
   * the scenario set), so a run that prices only the held instruments need not price the rest again.
   */
  prices?: InstrumentResults;
}

/** Instruments that some laid-out position holds, ascending, each once. */
function heldInstruments(n: number, layout: AccountsLayout): Int32Array {
  const held = new Uint8Array(n);
  const { posInst } = layout;
  let h = 0;
  for (let p = 0; p < posInst.length; p++) {
    if (!held[posInst[p]]) {
      held[posInst[p]] = 1;
      h++;
    }
  }
  const rows = new Int32Array(h);
  for (let i = 0, k = 0; k < h; i++) if (held[i]) rows[k++] = i;
  return rows;
}

export function runGrid(kernel: Kernel, t: InstrumentTable, layout: AccountsLayout, set: ScenarioSet, opts: RunOptions = {}): GridRun {
  if (set.factors.join() !== t.underlyings.join()) {
    throw new Error(`scenario set ${set.name}: factors must be the book's underlyings`);
  }
  const n = t.instruments.length;
  const S = set.nScen;
  const G = t.underlyings.length * 2;
  const B = Math.max(1, t.buckets.length);
  const nAcc = layout.ids.length;
  const dims = (nInst: number, nScen: number, withAccounts: boolean): Dims => ({
    nInst, nScen, nFactors: t.underlyings.length, nAcc: withAccounts ? nAcc : 0,
    nPos: withAccounts ? layout.posQty.length : 0, nGroups: G, nBuckets: B,
  });
  // A client check prices a whole listing for one account that holds a few instruments: cube rows of
  // the others would be computed for nothing. When at most half the instruments are held, every
  // instrument is priced without scenarios (or `prices` are reused) and the scenarios run over the
  // held ones alone. The kernel's numbers for an instrument depend neither on the other rows nor on
  // the scenario count, so every result is the same bits as one pass over everything.
  const held = heldInstruments(n, layout);
  const subset = 2 * held.length <= n && held.length < n;
  kernel.owner = null;

  // The results leave kernel memory (the next pass reuses it) in one allocation: V8 spends ~0.6 µs
  // on each typed array, and a run has up to ten outputs.
  const nGreeks = nAcc * B * N_GREEKS;
  const out = new Float64Array(6 * n + (opts.keepCube ? n * S : 0) + nAcc * G * (S + 1) + nGreeks);
  let at = 0;
  const take = (len: number): Float64Array => out.subarray(at, (at += len));
  const copy = (src: Float64Array, len = src.length): Float64Array => {
    const dst = take(len);
    dst.set(len === src.length ? src : src.subarray(0, len));
    return dst;
  };

  // Values and greeks: the first 6n of `out`, copied as soon as they exist (the next reserve reuses
  // kernel memory).
  const results = (src: InstrumentResults): InstrumentResults => ({
    value: copy(src.value, n), delta: copy(src.delta, n), gamma: copy(src.gamma, n),
    vega: copy(src.vega, n), theta: copy(src.theta, n), rho: copy(src.rho, n),
  });
  let prices: InstrumentResults | null = null;
  if (subset) {
    let src = opts.prices;
    if (!src) {
      const v = kernel.reserve(dims(n, 0, false));
      writeInstruments(v, t, null); // no scenarios: the vol multipliers and groups are not read
      kernel.instrumentPass();
      src = kernel.views();
    }
    prices = results(src);
  }
  const v = kernel.reserve(dims(subset ? held.length : n, S, true));
  if (subset) {
    writeInstrumentRows(v, t, held, opts.volMult ?? null, set.termStructure);
    const rowOf = new Int32Array(n);
    held.forEach((i, k) => (rowOf[i] = k));
    for (let p = 0; p < layout.posInst.length; p++) v.posInst[p] = rowOf[layout.posInst[p]];
  } else {
    writeInstruments(v, t, opts.volMult ?? null);
    if (!opts.volMult) writeVolMult(v.volMult, t, set.termStructure);
    for (let i = 0; i < n; i++) v.group[i] = groupOf(t, i);
    v.posInst.set(layout.posInst);
  }
  writeScenarios(v, set);
  v.accStart.set(layout.accStart);
  v.posQty.set(layout.posQty);
  kernel.instrumentPass();
  kernel.accountPass();
  const w = kernel.views();
  prices ??= results(w);
  let cube: Float64Array | null = null;
  if (opts.keepCube && subset) {
    // Rows of instruments that no position holds stay 0: nothing reads them.
    cube = take(n * S);
    held.forEach((i, k) => cube!.set(w.cube.subarray(k * S, (k + 1) * S), i * S));
  } else if (opts.keepCube) {
    cube = copy(w.cube, n * S);
  }
  return {
    set, table: t, layout, nGroups: G, ...prices, cube,
    pnl: copy(w.pnl, nAcc * G * S), base: copy(w.base, nAcc * G), greeks: copy(w.greeks, nGreeks),
  };
}
