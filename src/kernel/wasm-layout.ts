/**
 * Where each kernel column lives in wasm linear memory. The frame (dims + one pointer per column, in
 * the slot order of assembly/frame.ts) comes first, then the columns in KernelViews order, each
 * 16-byte aligned with 16 bytes of slack after it (the SIMD loops read one f64 past odd rows).
 */
import type { Dims, KernelViews, PmDims, PmViews } from "./abi.js";
import { N_GREEKS, PM_STRIDE } from "./abi.js";
import { PM_DIM_KEYS } from "./pm-reduce.js";

type ColumnType = "f64" | "i32";
interface ColumnSpec {
  name: keyof KernelViews;
  type: ColumnType;
  length: (d: Dims) => number;
}

const inst = (d: Dims) => d.nInst;
const scen = (d: Dims) => d.nFactors * d.nScen;

/** KernelViews columns in frame-slot order (assembly/frame.ts F_KIND … F_GREEKS). */
export const COLUMNS: readonly ColumnSpec[] = [
  { name: "kind", type: "i32", length: inst },
  { name: "factor", type: "i32", length: inst },
  { name: "cp", type: "f64", length: inst },
  { name: "strike", type: "f64", length: inst },
  { name: "tau", type: "f64", length: inst },
  { name: "fwd", type: "f64", length: inst },
  { name: "df", type: "f64", length: inst },
  { name: "rate", type: "f64", length: inst },
  { name: "vol", type: "f64", length: inst },
  { name: "volMult", type: "f64", length: inst },
  { name: "size", type: "f64", length: inst },
  { name: "dFdS", type: "f64", length: inst },
  { name: "mult", type: "f64", length: scen },
  { name: "lnMult", type: "f64", length: scen },
  { name: "volShift", type: "f64", length: scen },
  { name: "volFloor", type: "f64", length: scen },
  { name: "value", type: "f64", length: inst },
  { name: "delta", type: "f64", length: inst },
  { name: "gamma", type: "f64", length: inst },
  { name: "vega", type: "f64", length: inst },
  { name: "theta", type: "f64", length: inst },
  { name: "rho", type: "f64", length: inst },
  { name: "cube", type: "f64", length: (d) => d.nInst * d.nScen },
  { name: "accStart", type: "i32", length: (d) => d.nAcc + 1 },
  { name: "posInst", type: "i32", length: (d) => d.nPos },
  { name: "posQty", type: "f64", length: (d) => d.nPos },
  { name: "group", type: "i32", length: inst },
  { name: "bucket", type: "i32", length: inst },
  { name: "pnl", type: "f64", length: (d) => d.nAcc * d.nGroups * d.nScen },
  { name: "base", type: "f64", length: (d) => d.nAcc * d.nGroups },
  { name: "greeks", type: "f64", length: (d) => d.nAcc * d.nBuckets * N_GREEKS },
];

/** Order of the dimension slots at the start of the frame. */
export const DIM_KEYS: readonly (keyof Dims)[] = [
  "nInst", "nScen", "nFactors", "nAcc", "nPos", "nGroups", "nBuckets",
];
export const FRAME_SLOTS = DIM_KEYS.length + COLUMNS.length;

const ALIGN = 16;
const SLACK = 16;
const align = (x: number) => Math.ceil(x / ALIGN) * ALIGN;

export interface Layout {
  dims: Dims;
  /** Byte address of the frame. */
  frame: number;
  /** Byte address of each column, in COLUMNS order. */
  offsets: number[];
  lengths: number[];
  /** First byte past the layout. */
  end: number;
}

/** Lays out `dims` from byte address `base`. Sizes are exact JS numbers (no 32-bit overflow). */
export function computeLayout(dims: Dims, base: number): Layout {
  const frame = align(base);
  let at = align(frame + FRAME_SLOTS * 4);
  const offsets: number[] = [];
  const lengths: number[] = [];
  for (const c of COLUMNS) {
    const n = c.length(dims);
    offsets.push(at);
    lengths.push(n);
    at = align(at + n * (c.type === "f64" ? 8 : 4) + SLACK);
  }
  return { dims: { ...dims }, frame, offsets, lengths, end: at };
}

/** Writes the frame (dims and pointers) into memory. */
export function writeFrame(buffer: ArrayBuffer, l: Layout): void {
  const f = new Int32Array(buffer, l.frame, FRAME_SLOTS);
  DIM_KEYS.forEach((k, j) => (f[j] = l.dims[k]));
  l.offsets.forEach((o, j) => (f[DIM_KEYS.length + j] = o));
}

const INDEX = new Map(COLUMNS.map((c, j) => [c.name, j]));

/**
 * Typed-array views of every column over `buffer`. Built as one object literal so every views object
 * has the same shape (fast, monomorphic property access in marshalling loops).
 */
export function makeViews(buffer: ArrayBuffer, l: Layout): KernelViews {
  const f = (name: keyof KernelViews) => {
    const j = INDEX.get(name)!;
    return new Float64Array(buffer, l.offsets[j], l.lengths[j]);
  };
  const i = (name: keyof KernelViews) => {
    const j = INDEX.get(name)!;
    return new Int32Array(buffer, l.offsets[j], l.lengths[j]);
  };
  return {
    kind: i("kind"), factor: i("factor"), cp: f("cp"), strike: f("strike"), tau: f("tau"), fwd: f("fwd"),
    df: f("df"), rate: f("rate"), vol: f("vol"), volMult: f("volMult"), size: f("size"), dFdS: f("dFdS"),
    mult: f("mult"), lnMult: f("lnMult"), volShift: f("volShift"), volFloor: f("volFloor"),
    value: f("value"), delta: f("delta"), gamma: f("gamma"), vega: f("vega"), theta: f("theta"), rho: f("rho"),
    cube: f("cube"), accStart: i("accStart"), posInst: i("posInst"), posQty: f("posQty"), group: i("group"),
    bucket: i("bucket"), pnl: f("pnl"), base: f("base"), greeks: f("greeks"),
  };
}

// ── deribit-pm tick (abi.ts PmViews) ───────────────────────────────────────────────────────────

interface PmColumnSpec {
  name: keyof PmViews;
  type: ColumnType;
  length: (d: PmDims) => number;
}

/** PmViews columns in pm-frame slot order (assembly/pm-tick.ts P_INDEX … P_PRE). */
export const PM_COLUMNS: readonly PmColumnSpec[] = [
  { name: "index", type: "f64", length: (d) => d.nFactors },
  { name: "pmConst", type: "f64", length: (d) => d.nFactors * PM_STRIDE },
  { name: "edge", type: "i32", length: (d) => d.nFactors * d.nExt },
  { name: "extScale", type: "f64", length: (d) => d.nFactors * d.nExt },
  { name: "dampUsd", type: "f64", length: (d) => d.nFactors * d.nExt },
  { name: "bucketFactor", type: "i32", length: (d) => d.nBuckets },
  { name: "bucketRolls", type: "i32", length: (d) => d.nBuckets },
  { name: "rollRate", type: "f64", length: (d) => d.nBuckets },
  { name: "posStart", type: "i32", length: (d) => d.nAcc },
  { name: "posLen", type: "i32", length: (d) => d.nAcc },
  { name: "posInst", type: "i32", length: (d) => d.nPos },
  { name: "posQty", type: "f64", length: (d) => d.nPos },
  { name: "accCurrency", type: "i32", length: (d) => d.nAcc },
  { name: "accCoin", type: "f64", length: (d) => d.nAcc * d.nFactors },
  { name: "accFixed", type: "f64", length: (d) => d.nAcc },
  { name: "accCoinWeight", type: "f64", length: (d) => d.nAcc * d.nFactors },
  { name: "accFixedWeight", type: "f64", length: (d) => d.nAcc },
  { name: "initial", type: "f64", length: (d) => d.nAcc },
  { name: "maintenance", type: "f64", length: (d) => d.nAcc },
  { name: "equity", type: "f64", length: (d) => d.nAcc },
  { name: "status", type: "i32", length: (d) => d.nAcc },
  { name: "rows", type: "f64", length: (d) => (4 * d.nFactors + 1) * (d.nScen + (d.nScen & 1)) },
  { name: "groupBase", type: "f64", length: (d) => 4 * d.nFactors },
  { name: "touched", type: "i32", length: (d) => 4 * d.nFactors },
  { name: "bucketDelta", type: "f64", length: (d) => d.nBuckets },
  { name: "pre", type: "f64", length: (d) => d.nScen },
  { name: "marketSx", type: "f64", length: (d) => d.nFactors * d.nScen },
  { name: "marketRatio", type: "f64", length: (d) => d.nFactors * d.nExt },
  { name: "marketDamp", type: "f64", length: (d) => d.nFactors * d.nExt },
  { name: "sums", type: "f64", length: (d) => 2 * d.nScen },
  { name: "factorBuckets", type: "i32", length: (d) => d.nFactors + 1 + d.nBuckets },
  { name: "factorDirty", type: "i32", length: (d) => d.nFactors },
  { name: "cacheOk", type: "i32", length: (d) => d.nAcc },
  { name: "keptWorstUsd", type: "f64", length: (d) => d.nAcc * d.nFactors },
  { name: "keptRoll", type: "f64", length: (d) => d.nAcc * d.nFactors },
  { name: "keptValue", type: "f64", length: (d) => d.nAcc * d.nFactors },
  { name: "factorFresh", type: "i32", length: (d) => d.nFactors },
];

export const PM_FRAME_SLOTS = PM_DIM_KEYS.length + PM_COLUMNS.length;

export interface PmLayout {
  dims: PmDims;
  frame: number;
  offsets: number[];
  lengths: number[];
  end: number;
}

/** Lays the tick's columns out from byte address `base` (the end of the kernel's layout). */
export function computePmLayout(dims: PmDims, base: number): PmLayout {
  const frame = align(base);
  let at = align(frame + PM_FRAME_SLOTS * 4);
  const offsets: number[] = [];
  const lengths: number[] = [];
  for (const c of PM_COLUMNS) {
    const n = c.length(dims);
    offsets.push(at);
    lengths.push(n);
    at = align(at + n * (c.type === "f64" ? 8 : 4) + SLACK);
  }
  return { dims: { ...dims }, frame, offsets, lengths, end: at };
}

export function writePmFrame(buffer: ArrayBuffer, l: PmLayout): void {
  const f = new Int32Array(buffer, l.frame, PM_FRAME_SLOTS);
  PM_DIM_KEYS.forEach((k, j) => (f[j] = l.dims[k]));
  l.offsets.forEach((o, j) => (f[PM_DIM_KEYS.length + j] = o));
}

const PM_INDEX = new Map(PM_COLUMNS.map((c, j) => [c.name, j]));

export function makePmViews(buffer: ArrayBuffer, l: PmLayout): PmViews {
  const f = (name: keyof PmViews) => {
    const j = PM_INDEX.get(name)!;
    return new Float64Array(buffer, l.offsets[j], l.lengths[j]);
  };
  const i = (name: keyof PmViews) => {
    const j = PM_INDEX.get(name)!;
    return new Int32Array(buffer, l.offsets[j], l.lengths[j]);
  };
  return {
    index: f("index"), pmConst: f("pmConst"), edge: i("edge"), extScale: f("extScale"), dampUsd: f("dampUsd"),
    bucketFactor: i("bucketFactor"), bucketRolls: i("bucketRolls"), rollRate: f("rollRate"),
    posStart: i("posStart"), posLen: i("posLen"), posInst: i("posInst"), posQty: f("posQty"),
    accCurrency: i("accCurrency"), accCoin: f("accCoin"), accFixed: f("accFixed"), accCoinWeight: f("accCoinWeight"),
    accFixedWeight: f("accFixedWeight"), initial: f("initial"), maintenance: f("maintenance"), equity: f("equity"),
    status: i("status"), rows: f("rows"), groupBase: f("groupBase"), touched: i("touched"),
    bucketDelta: f("bucketDelta"), pre: f("pre"), marketSx: f("marketSx"), marketRatio: f("marketRatio"),
    marketDamp: f("marketDamp"), sums: f("sums"), factorBuckets: i("factorBuckets"),
    factorDirty: i("factorDirty"), cacheOk: i("cacheOk"), keptWorstUsd: f("keptWorstUsd"), keptRoll: f("keptRoll"),
    keptValue: f("keptValue"),
    factorFresh: i("factorFresh"),
  };
}
