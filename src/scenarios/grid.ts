/**
 * Per-underlying spot × vol grids: every spot move crossed with vol up / unchanged / down.
 */
import { copyScenarioSet, emptyScenarioSet, type ScenarioKind, type ScenarioSet, type TermStructure } from "./scenario-set.js";

export interface GridFactorParams {
  /** Relative spot moves, e.g. −0.16 … +0.16. */
  spotMoves: number[];
  /** Relative vol shock up (0.5 = ×(1 + 0.5·mult)); 0 drops the vol-up row. */
  volUp: number;
  /** Relative vol shock down; 0 drops the vol-down row. */
  volDown: number;
  /** Floor on the up-shocked vol (decimal, 0 = none). */
  volUpFloor?: number;
}

export interface GridSpec {
  name: string;
  factors: string[];
  /** Parameters per factor (same grid shape for every factor: same number of moves and vol rows). */
  params: (factor: string) => GridFactorParams;
  termStructure: TermStructure | null;
  kind?: ScenarioKind;
}

const fmtMove = (m: number) => `${m >= 0 ? "+" : ""}${+(m * 100).toFixed(4)}%`;

/** Scenario s = move index × vol rows; vol rows are [up?, unchanged, down?]. */
export function spotVolGrid(spec: GridSpec): ScenarioSet {
  const p0 = spec.params(spec.factors[0] ?? "");
  const volRows = (p: GridFactorParams) =>
    [p.volUp > 0 ? 1 : null, 0, p.volDown > 0 ? -1 : null].filter((v): v is number => v !== null);
  const rows0 = volRows(p0);
  const nScen = p0.spotMoves.length * rows0.length;
  const set = emptyScenarioSet(spec.name, spec.factors, nScen, false);
  set.termStructure = spec.termStructure;
  spec.factors.forEach((f, fi) => {
    const p = spec.params(f);
    const rows = volRows(p);
    if (p.spotMoves.length * rows.length !== nScen) {
      throw new Error(`grid ${spec.name}: factor ${f} has a different grid shape`);
    }
    let s = 0;
    for (const move of p.spotMoves) {
      for (const dir of rows) {
        const k = fi * nScen + s;
        set.mult[k] = 1 + move;
        set.volShift[k] = dir > 0 ? p.volUp : dir < 0 ? -p.volDown : 0;
        set.volFloor[k] = dir > 0 ? p.volUpFloor ?? 0 : 0;
        if (fi === 0) {
          set.label[s] = `${fmtMove(move)} vol ${dir > 0 ? "up" : dir < 0 ? "down" : "same"}`;
          set.kind[s] = spec.kind ?? "regular";
        }
        s++;
      }
    }
  });
  return set;
}

/** Evenly spaced moves from −range to +range in `perSide` steps each side (0 included). */
export function evenMoves(range: number, perSide: number): number[] {
  const out: number[] = [];
  for (let k = -perSide; k <= perSide; k++) out.push((range * k) / perSide);
  return out;
}

// Built sets by factor list (its 63 labels cost more than the kernel's use of it); handed out as copies.
const DEFAULT_GRIDS = new Map<string, ScenarioSet>();
const MAX_DEFAULT_GRIDS = 64;

/** The benchmark/default grid of DESIGN §7: 21 spot shocks −50 %…+50 % × vol up/same/down. */
export function defaultGrid(factors: string[]): ScenarioSet {
  const key = JSON.stringify(factors);
  let set = DEFAULT_GRIDS.get(key);
  if (!set) {
    set = spotVolGrid({
      name: "grid-21x3",
      factors: factors.slice(),
      params: () => ({ spotMoves: evenMoves(0.5, 10), volUp: 0.5, volDown: 0.3 }),
      termStructure: { pShort: 0.3, pLong: 0.13, floorDays: 1 },
    });
    if (DEFAULT_GRIDS.size >= MAX_DEFAULT_GRIDS) DEFAULT_GRIDS.clear();
    DEFAULT_GRIDS.set(key, set);
  }
  return copyScenarioSet(set);
}
