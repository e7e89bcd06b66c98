/**
 * runGrid prices only the held instruments under the scenarios when at most half of the listing is
 * held (a client check). Every number it returns must be the same bits as one pass over everything:
 * the reference run lays out one more account that holds every instrument (quantity 0), so nothing is
 * left out and the single-pass path runs.
 */
import { describe, expect, it } from "vitest";
import { BACKENDS, makeKernel } from "./helpers/backends.js";
import { randomBook } from "./helpers/random-book.js";
import { parseBook } from "../src/book/index.js";
import { buildInstrumentTable } from "../src/engine/instrument-table.js";
import { type GridRun, layoutAccounts, runGrid } from "../src/engine/grid-run.js";
import { defaultGrid } from "../src/scenarios/grid.js";
import { pmParamsFor, pmScenarioSet } from "../src/margin/deribit-pm/index.js";
import { N_GREEKS } from "../src/kernel/abi.js";
import type { Book } from "../src/types.js";

function clientBook(seed: number, positions: number): Book {
  return parseBook(randomBook({ seed, accounts: 1, positionsPerAccount: positions, strikesPerExpiry: 6 }));
}

/** The same accounts plus one holding every instrument with quantity 0. */
function holdingAll(b: Book): Book {
  const all = { id: "all", currency: "USD", collateral: {}, orders: [], positions: b.instruments.map((x) => ({ instrument: x.id, qty: 0 })) };
  return { ...b, accounts: [...b.accounts, all] };
}

/** The numbers of `run` for its first `nAcc` accounts, with cube rows of the instruments they hold. */
function numbers(run: GridRun, nAcc: number): number[] {
  const S = run.set.nScen;
  const G = run.nGroups;
  const B = Math.max(1, run.table.buckets.length);
  const out = [...run.value, ...run.delta, ...run.gamma, ...run.vega, ...run.theta, ...run.rho,
    ...run.pnl.subarray(0, nAcc * G * S), ...run.base.subarray(0, nAcc * G), ...run.greeks.subarray(0, nAcc * B * N_GREEKS)];
  if (run.cube) {
    for (let p = 0; p < run.layout.accStart[nAcc]; p++) {
      const i = run.layout.posInst[p];
      out.push(...run.cube.subarray(i * S, (i + 1) * S));
    }
  }
  return out;
}

const bits = (xs: number[]) => Array.from(new BigUint64Array(Float64Array.from(xs).buffer), (x) => x.toString(16));

describe.each(BACKENDS)("runGrid over the held instruments alone on %s", (backend) => {
  const kernel = makeKernel(backend);
  for (const [seed, positions] of [[9, 50], [3, 5], [4, 1]]) {
    it(`book ${seed}, ${positions} positions: the default grid and deribit-pm's set give the same bits as one pass`, () => {
      const b = clientBook(seed, positions);
      const t = buildInstrumentTable(b);
      const layout = layoutAccounts(t, b.accounts);
      const refLayout = layoutAccounts(t, holdingAll(b).accounts);
      const held = new Set(layout.posInst).size;
      expect(2 * held).toBeLessThanOrEqual(t.instruments.length); // the subset path runs
      const pm = pmScenarioSet(t.underlyings, new Set(t.underlyings), pmParamsFor({}));
      const base = runGrid(kernel, t, layout, defaultGrid(t.underlyings));
      const baseRef = runGrid(kernel, t, refLayout, defaultGrid(t.underlyings));
      expect(bits(numbers(base, 1))).toEqual(bits(numbers(baseRef, 1)));
      for (const prices of [undefined, base]) {
        const run = runGrid(kernel, t, layout, pm, { keepCube: true, prices });
        const ref = runGrid(kernel, t, refLayout, pm, { keepCube: true });
        expect(bits(numbers(run, 1))).toEqual(bits(numbers(ref, 1)));
      }
      const volMult = Float64Array.from(t.vol, (v) => (v > 0 ? 1 / v : 1));
      const run = runGrid(kernel, t, layout, pm, { volMult, prices: base });
      const ref = runGrid(kernel, t, refLayout, pm, { volMult });
      expect(bits(numbers(run, 1))).toEqual(bits(numbers(ref, 1)));
    });
  }
});
