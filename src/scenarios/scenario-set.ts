/**
 * A scenario set (DESIGN §4): S scenarios over F risk factors (usually underlyings). Arrays are
 * factor-major, index f·S + s, exactly as the kernel reads them.
 */
// Host-free pow (exp·log built from IEEE operations): the same bits in every engine.
import { detExp, detLog } from "../var/detmath.js";
export type ScenarioKind = "regular" | "tail" | "skew" | "basis" | "historical" | "montecarlo";

export interface TermStructure {
  /** Exponent p for DTE ≤ 30 days. */
  pShort: number;
  /** Exponent p beyond 30 days. */
  pLong: number;
  /** Floor on DTE in days in (30 / max(DTE, floor))^p. */
  floorDays: number;
}

export interface ScenarioSet {
  name: string;
  /** Factor names (underlyings); factor f is `factors[f]`. */
  factors: string[];
  nScen: number;
  /**
   * false: a per-underlying grid — scenario s is applied to each underlying on its own, the others
   * unchanged (the account matrix row of u only sees u move). true: joint scenarios (historical,
   * Monte Carlo) — every factor moves at once.
   */
  joint: boolean;
  /** Spot multiplier M (forward F' = F·M), [f·S + s]. */
  mult: Float64Array;
  /** Signed relative vol shock a: σ' = max(volFloor, σ·max(0, 1 + a·volMult)), [f·S + s]. */
  volShift: Float64Array;
  /** Floor on the shocked vol, [f·S + s] (0 = none). */
  volFloor: Float64Array;
  /** Per scenario: weight applied to its P&L by models (dampening; 1 for regular). */
  weight: Float64Array;
  kind: ScenarioKind[];
  /** Per scenario, human label such as "+8% vol up". */
  label: string[];
  /** Term structure of the vol shock; null = flat (volMult 1). */
  termStructure: TermStructure | null;
  /**
   * ln M, [f·S + s], when the set's builder took the logs once to keep the set (withLogs): the kernel
   * columns are then copied rather than logged on every run. Whoever changes `mult` must drop it.
   */
  lnMult?: Float64Array;
}

/** (30 / max(DTE, floor))^p with p = pShort for DTE ≤ 30 days, pLong beyond; 1 when flat. */
export function volMultiplier(dteDays: number, ts: TermStructure | null): number {
  if (!ts) return 1;
  const p = dteDays <= 30 ? ts.pShort : ts.pLong;
  return detExp(p * detLog(30 / Math.max(dteDays, ts.floorDays)));
}

export function emptyScenarioSet(name: string, factors: string[], nScen: number, joint: boolean): ScenarioSet {
  const set = withColumns(name, factors, nScen, joint);
  set.mult.fill(1);
  set.weight.fill(1);
  set.kind.fill("regular");
  set.label.fill("");
  return set;
}

/** A copy of `set` that shares nothing mutable with it (for sets kept in a cache). */
export function copyScenarioSet(set: ScenarioSet): ScenarioSet {
  const c = withColumns(set.name, set.factors.slice(), set.nScen, set.joint);
  c.mult.set(set.mult);
  c.volShift.set(set.volShift);
  c.volFloor.set(set.volFloor);
  c.weight.set(set.weight);
  c.kind = set.kind.slice();
  c.label = set.label.slice();
  c.termStructure = set.termStructure && { ...set.termStructure };
  if (set.lnMult) c.lnMult = set.lnMult.slice();
  return c;
}

/**
 * out[k] = ln mult[k] (detLog, not Math.log: host Math.log differs in the last bit between engines,
 * Node 20 vs Chromium 156 on ~7 % of inputs, and the kernel's columns must be the same bits
 * everywhere, DESIGN §1). Each move is often listed under several vol shocks back to back: one
 * detLog per run of equal multipliers.
 */
export function logMultipliers(mult: Float64Array, out: Float64Array): void {
  let prev = NaN;
  let ln = NaN;
  for (let k = 0; k < mult.length; k++) {
    if (mult[k] !== prev) ln = detLog((prev = mult[k]));
    out[k] = ln;
  }
}

/** `set` carrying the logs of its multipliers (lnMult), for a set that is kept and run many times. */
export function withLogs(set: ScenarioSet): ScenarioSet {
  const ln = new Float64Array(set.mult.length);
  logMultipliers(set.mult, ln);
  set.lnMult = ln;
  return set;
}

/** A set with zeroed columns, all four in one buffer (V8 spends ~0.6 µs on each typed array). */
function withColumns(name: string, factors: string[], nScen: number, joint: boolean): ScenarioSet {
  const n = factors.length * nScen;
  const buf = new Float64Array(3 * n + nScen);
  return {
    name, factors, nScen, joint,
    mult: buf.subarray(0, n),
    volShift: buf.subarray(n, 2 * n),
    volFloor: buf.subarray(2 * n, 3 * n),
    weight: buf.subarray(3 * n),
    kind: new Array<ScenarioKind>(nScen),
    label: new Array<string>(nScen),
    termStructure: null,
  };
}
