/**
 * Marshalling and the two kernel passes: lays a book's instruments, one scenario set and the
 * accounts' positions out in the kernel's columns, runs the passes and copies the results out.
 */
import { type Dims, type Kernel, type KernelViews, KIND_DELTA1_INVERSE, KIND_OPTION_INVERSE, N_GREEKS } from "../kernel/abi.js";
import type { Account } from "../types.js";
import { type ScenarioSet, type TermStructure, volMultiplier } from "../scenarios/scenario-set.js";
import type { InstrumentTable } from "./instrument-table.js";
import { detLog } from "../var/detmath.js";

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

/** Instrument input columns (and greek buckets) of the table into the kernel's views. */
/** Instrument columns; `volMult` null leaves the multiplier column to the caller (writeVolMult). */
export function writeInstruments(v: KernelViews, t: InstrumentTable, volMult: Float64Array | null): void {
  v.kind.set(t.kind);
  v.factor.set(t.underlyingOf);
  v.cp.set(t.cp);
  v.strike.set(t.strike);
  v.tau.set(t.tau);
  v.fwd.set(t.fwd);
  v.df.set(t.df);
  v.rate.set(t.rate);
  v.vol.set(t.vol);
  v.size.set(t.size);
  v.dFdS.set(t.dFdS);
  if (volMult) v.volMult.set(volMult);
  v.bucket.set(t.bucketOf);
}

/**
 * The term-structure multiplier of every instrument into `out`. An expiry's instruments share their
 * days to expiry, so the pow (a detExp and a detLog) is taken once per greek bucket.
 */
export function writeVolMult(out: Float64Array, t: InstrumentTable, ts: TermStructure | null): void {
  const perBucket: number[] = [];
  for (let i = 0; i < t.instruments.length; i++) {
    const b = t.bucketOf[i];
    out[i] = perBucket[b] ??= volMultiplier(t.dte[i], ts);
  }
}

/** A scenario set's arrays into the kernel's views (ln M computed once here). */
export function writeScenarios(v: KernelViews, set: ScenarioSet): void {
  v.mult.set(set.mult);
  // detLog, not Math.log: host Math.log differs in the last bit between engines (Node 20 vs Chromium
  // 156 on ~7 % of inputs), and these columns must be the same bits everywhere (DESIGN §1).
  // Each move is listed under several vol shocks back to back: one detLog per run of equal multipliers.
  const { mult } = set;
  for (let k = 0; k < mult.length; k++) v.lnMult[k] = k > 0 && mult[k] === mult[k - 1] ? v.lnMult[k - 1] : detLog(mult[k]);
  v.volShift.set(set.volShift);
  v.volFloor.set(set.volFloor);
}

export interface InstrumentResults {
  value: Float64Array;
  delta: Float64Array;
  gamma: Float64Array;
  vega: Float64Array;
  theta: Float64Array;
  rho: Float64Array;
}

export interface GridRun extends InstrumentResults {
  set: ScenarioSet;
  table: InstrumentTable;
  layout: AccountsLayout;
  nGroups: number;
  /** [i·S + s], settlement currency; only when `keepCube`. */
  cube: Float64Array | null;
  /** [(a·G + g)·S + s], settlement currency of group g. */
  pnl: Float64Array;
  /** [a·G + g]. */
  base: Float64Array;
  /** [(a·B + b)·5 + k], USD greeks. */
  greeks: Float64Array;
}

export function runGrid(
  kernel: Kernel,
  t: InstrumentTable,
  layout: AccountsLayout,
  set: ScenarioSet,
  opts: {
    keepCube?: boolean;
    /**
     * Per-instrument vol-shock multiplier in place of the set's term structure (e.g. 1/σ turns the
     * relative shift into an absolute one: σ' = σ + a, as SPAN's vol scan range in vol points).
     */
    volMult?: Float64Array;
  } = {},
): GridRun {
  if (set.factors.join() !== t.underlyings.join()) {
    throw new Error(`scenario set ${set.name}: factors must be the book's underlyings`);
  }
  const n = t.instruments.length;
  const S = set.nScen;
  const G = t.underlyings.length * 2;
  const dims: Dims = {
    nInst: n, nScen: S, nFactors: t.underlyings.length, nAcc: layout.ids.length,
    nPos: layout.posQty.length, nGroups: G, nBuckets: Math.max(1, t.buckets.length),
  };
  kernel.owner = null;
  const v = kernel.reserve(dims);
  writeInstruments(v, t, opts.volMult ?? null);
  if (!opts.volMult) writeVolMult(v.volMult, t, set.termStructure);
  for (let i = 0; i < n; i++) v.group[i] = groupOf(t, i);
  writeScenarios(v, set);
  v.accStart.set(layout.accStart);
  v.posInst.set(layout.posInst);
  v.posQty.set(layout.posQty);
  kernel.instrumentPass();
  kernel.accountPass();
  const w = kernel.views();
  // The results leave kernel memory (the next run reuses it) in one allocation: V8 spends ~0.6 µs on
  // each typed array, and a run has up to ten outputs.
  const nGreeks = dims.nAcc * dims.nBuckets * N_GREEKS;
  const out = new Float64Array(6 * n + (opts.keepCube ? w.cube.length : 0) + w.pnl.length + w.base.length + nGreeks);
  let at = 0;
  const copy = (src: Float64Array): Float64Array => {
    const dst = out.subarray(at, (at += src.length));
    dst.set(src);
    return dst;
  };
  return {
    set, table: t, layout, nGroups: G,
    value: copy(w.value), delta: copy(w.delta), gamma: copy(w.gamma), vega: copy(w.vega),
    theta: copy(w.theta), rho: copy(w.rho),
    cube: opts.keepCube ? copy(w.cube) : null,
    pnl: copy(w.pnl), base: copy(w.base), greeks: copy(w.greeks.subarray(0, nGreeks)),
  };
}
