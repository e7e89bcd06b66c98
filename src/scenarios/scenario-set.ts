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
}

/** (30 / max(DTE, floor))^p with p = pShort for DTE ≤ 30 days, pLong beyond; 1 when flat. */
export function volMultiplier(dteDays: number, ts: TermStructure | null): number {
  if (!ts) return 1;
  const p = dteDays <= 30 ? ts.pShort : ts.pLong;
  return detExp(p * detLog(30 / Math.max(dteDays, ts.floorDays)));
}

export function emptyScenarioSet(name: string, factors: string[], nScen: number, joint: boolean): ScenarioSet {
  const n = factors.length * nScen;
  return {
    name, factors, nScen, joint,
    mult: new Float64Array(n).fill(1),
    volShift: new Float64Array(n),
    volFloor: new Float64Array(n),
    weight: new Float64Array(nScen).fill(1),
    kind: new Array<ScenarioKind>(nScen).fill("regular"),
    label: new Array<string>(nScen).fill(""),
    termStructure: null,
  };
}
