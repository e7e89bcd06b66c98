/**
 * Entry of the browser bundle (dist/browser/riskgrid.js): the whole public API of src/index.ts, plus
 * `scenarioGrid`, which the page's heat map needs and the report does not carry (the report keeps
 * only `gridWorst`).
 */
export * from "../src/index.js";
import type { Engine } from "../src/engine/engine.js";
import type { Book } from "../src/types.js";

export interface ScenarioGridRow {
  /** Underlying moved in this row ("ALL" for joint sets). */
  underlying: string;
  /** Distinct spot moves of the row, ascending (relative: −0.5 … +0.5). */
  spotMoves: number[];
  /** Distinct signed vol shifts, descending (up, unchanged, down). */
  volShifts: number[];
  /** pnl[v][m]: account P&L (account currency) at volShifts[v] × spotMoves[m]; NaN where no scenario. */
  pnl: number[][];
  /** labels[v][m]: the scenario's label. */
  labels: string[][];
  /** Worst (most negative) cell, or null when no scenario loses. */
  worst: { v: number; m: number; pnl: number } | null;
}

export interface ScenarioGrid {
  accountId: string;
  currency: string;
  set: string;
  nScen: number;
  rows: ScenarioGridRow[];
  /** Row with the largest loss (the riskiest underlying), -1 when nothing loses. */
  riskiest: number;
}

/**
 * The default spot × vol grid (the one behind `gridWorst`) of account `accountIndex`, as a matrix per
 * underlying. Runs the grid through `engine.context(book)`: one instrument pass and one account pass.
 */
export function scenarioGrid(engine: Engine, book: Book, accountIndex: number): ScenarioGrid {
  const ctx = engine.context(book);
  const m = ctx.matrix(ctx.base, accountIndex);
  const set = ctx.base.set;
  const S = m.nScen;
  let riskiest = -1;
  let riskiestPnl = 0;
  const rows = m.rows.map((underlying, r): ScenarioGridRow => {
    const f = set.joint ? 0 : set.factors.indexOf(underlying);
    const move = (s: number) => set.mult[f * S + s] - 1;
    const shift = (s: number) => set.volShift[f * S + s];
    const spotMoves = [...new Set(Array.from({ length: S }, (_, s) => move(s)))].sort((a, b) => a - b);
    const volShifts = [...new Set(Array.from({ length: S }, (_, s) => shift(s)))].sort((a, b) => b - a);
    const pnl = volShifts.map(() => spotMoves.map(() => NaN));
    const labels = volShifts.map(() => spotMoves.map(() => ""));
    let worst: ScenarioGridRow["worst"] = null;
    for (let s = 0; s < S; s++) {
      const v = volShifts.indexOf(shift(s));
      const mi = spotMoves.indexOf(move(s));
      const x = m.pnl[r * S + s];
      pnl[v][mi] = x;
      labels[v][mi] = set.label[s];
      if (x < (worst?.pnl ?? 0)) worst = { v, m: mi, pnl: x };
    }
    if (worst && worst.pnl < riskiestPnl) {
      riskiestPnl = worst.pnl;
      riskiest = r;
    }
    return { underlying, spotMoves, volShifts, pnl, labels, worst };
  });
  return { accountId: m.accountId, currency: m.currency, set: set.name, nScen: S, rows, riskiest };
}
