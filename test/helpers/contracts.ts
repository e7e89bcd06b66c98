/**
 * Test helper: write a list of contracts into a Kernel's views (layout of src/kernel/abi.ts), run the
 * instrument pass under a given scenario set, and hand back plain arrays.
 *
 * Every pricing test goes through this helper, so it runs unchanged on every backend of BACKENDS.
 */
import {
  type Dims,
  type Kernel,
  KIND_DELTA1_INVERSE,
  KIND_DELTA1_LINEAR,
  KIND_OPTION_INVERSE,
  KIND_OPTION_LINEAR,
} from "../../src/kernel/abi.js";

export { KIND_DELTA1_INVERSE, KIND_DELTA1_LINEAR, KIND_OPTION_INVERSE, KIND_OPTION_LINEAR };

/** One contract, in the kernel's own units (abi.ts). Omitted fields take the defaults below. */
export interface Contract {
  kind: number;
  /** +1 call, −1 put (options); 0 for delta-one. Default 0. */
  cp?: number;
  strike: number;
  /** Years, ACT/365. Default 0. */
  tau?: number;
  fwd: number;
  /** Default e^{−rate·tau}. */
  df?: number;
  /** Default 0. */
  rate?: number;
  /** Default 0. */
  vol?: number;
  /** Default 1. */
  volMult?: number;
  /** Default 1. */
  size?: number;
  /** Default 1. */
  dFdS?: number;
  /** Scenario row (risk factor). Default 0. */
  factor?: number;
}

/**
 * Scenarios, one row per risk factor: `mult[f][s]` is the spot multiplier of factor f in scenario s.
 * `volShift` and `volFloor` have the same shape and default to 0.
 */
export interface ScenarioSet {
  mult: number[][];
  volShift?: number[][];
  volFloor?: number[][];
}

export interface PassResult {
  value: number[];
  delta: number[];
  gamma: number[];
  vega: number[];
  theta: number[];
  rho: number[];
  /** cube[i][s]: value of contract i under scenario s minus value[i], settlement currency. */
  cube: number[][];
}

const OWNER = { name: "test/helpers/contracts.ts" };

/** One neutral scenario for one factor: used when a test only wants values and greeks. */
export const NO_SCENARIOS: ScenarioSet = { mult: [[1]] };

/** Spot multipliers (applied to every factor) as a scenario set. */
export function spotScenarios(mults: number[], nFactors = 1): ScenarioSet {
  return { mult: Array.from({ length: nFactors }, () => [...mults]) };
}

/** Relative vol shifts a (σ' = σ·(1 + a·volMult)) with the spot unchanged, for every factor. */
export function volScenarios(shifts: number[], nFactors = 1): ScenarioSet {
  return {
    mult: Array.from({ length: nFactors }, () => shifts.map(() => 1)),
    volShift: Array.from({ length: nFactors }, () => [...shifts]),
  };
}

/** Write `contracts` and `scen` into the kernel, run the instrument pass, read the outputs. */
export function runContracts(
  kernel: Kernel,
  contracts: readonly Contract[],
  scen: ScenarioSet = NO_SCENARIOS,
): PassResult {
  const n = contracts.length;
  if (n === 0) throw new Error("runContracts: no contracts");
  const nFactors = Math.max(scen.mult.length, ...contracts.map((c) => (c.factor ?? 0) + 1));
  if (scen.mult.length < nFactors) throw new Error("runContracts: a contract's factor has no scenario row");
  const S = scen.mult[0].length;
  if (S === 0 || scen.mult.some((r) => r.length !== S)) throw new Error("runContracts: ragged scenario rows");
  const dims: Dims = { nInst: n, nScen: S, nFactors, nAcc: 1, nPos: 1, nGroups: 1, nBuckets: 1 };
  kernel.owner = OWNER; // we lay the memory out: anyone keeping state in it must redo theirs
  kernel.reserve(dims);
  const v = kernel.views();
  for (let i = 0; i < n; i++) {
    const c = contracts[i];
    const tau = c.tau ?? 0;
    const rate = c.rate ?? 0;
    v.kind[i] = c.kind;
    v.factor[i] = c.factor ?? 0;
    v.cp[i] = c.cp ?? 0;
    v.strike[i] = c.strike;
    v.tau[i] = tau;
    v.fwd[i] = c.fwd;
    v.df[i] = c.df ?? Math.exp(-rate * tau);
    v.rate[i] = rate;
    v.vol[i] = c.vol ?? 0;
    v.volMult[i] = c.volMult ?? 1;
    v.size[i] = c.size ?? 1;
    v.dFdS[i] = c.dFdS ?? 1;
    v.group[i] = 0;
    v.bucket[i] = 0;
  }
  for (let f = 0; f < nFactors; f++) {
    for (let s = 0; s < S; s++) {
      const m = scen.mult[f][s];
      v.mult[f * S + s] = m;
      v.lnMult[f * S + s] = Math.log(m);
      v.volShift[f * S + s] = scen.volShift?.[f]?.[s] ?? 0;
      v.volFloor[f * S + s] = scen.volFloor?.[f]?.[s] ?? 0;
    }
  }
  // A valid, empty-ish account section so that every backend sees consistent dimensions.
  v.accStart[0] = 0;
  v.accStart[1] = 1;
  v.posInst[0] = 0;
  v.posQty[0] = 0;
  kernel.instrumentPass();
  const w = kernel.views(); // refreshed in case the pass grew memory
  const cube: number[][] = [];
  for (let i = 0; i < n; i++) cube.push(Array.from(w.cube.subarray(i * S, (i + 1) * S)));
  return {
    value: Array.from(w.value),
    delta: Array.from(w.delta),
    gamma: Array.from(w.gamma),
    vega: Array.from(w.vega),
    theta: Array.from(w.theta),
    rho: Array.from(w.rho),
    cube,
  };
}

/** Values only (one neutral scenario): handy for finite differences over inputs. */
export function values(kernel: Kernel, contracts: readonly Contract[]): number[] {
  return runContracts(kernel, contracts).value;
}

/** Robust summary of absolute errors. */
export interface ErrorStats {
  n: number;
  median: number;
  p95: number;
  max: number;
}

export function errorStats(errors: readonly number[]): ErrorStats {
  const a = errors.map((e) => Math.abs(e)).sort((x, y) => x - y);
  const q = (p: number) => (a.length === 0 ? NaN : a[Math.min(a.length - 1, Math.floor(p * (a.length - 1) + 0.5))]);
  return { n: a.length, median: q(0.5), p95: q(0.95), max: a.length ? a[a.length - 1] : NaN };
}

export function fmtStats(name: string, s: ErrorStats): string {
  const e = (x: number) => x.toExponential(2);
  return `${name}: n=${s.n} median=${e(s.median)} p95=${e(s.p95)} max=${e(s.max)}`;
}
