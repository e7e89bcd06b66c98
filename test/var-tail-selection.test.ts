/**
 * VaR/ES read the tail of a scenario P&L vector without sorting all of it (worstScenarios): the same
 * numbers, to the bit, and the same scenarios as sorting every scenario by P&L (descending, ties by
 * index) and reading order statistics off the sorted list, on random vectors full of ties and signed
 * zeros, for every confidence and both ways (a short tail kept while streaming, a long one sorted).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { quantileRank, scenarioVarEs, worstScenarios } from "../src/var/measures.js";

/** The textbook way: sort everything, then L_(k) and the tail mean above it. */
function bySorting(pnl: number[], c: number) {
  const n = pnl.length;
  const order = pnl.map((_, s) => s).sort((a, b) => pnl[b] - pnl[a] || a - b);
  const loss = (j: number) => -pnl[order[j - 1]];
  const { k, frac } = quantileRank(c, n);
  let tail = frac * loss(k);
  for (let j = k + 1; j <= n; j++) tail += loss(j);
  const mass = frac + (n - k);
  return { var: loss(k), es: mass > 0 ? tail / mass : loss(n), varScenario: order[k - 1], worstScenario: order[n - 1], worstLoss: loss(n), nScen: n };
}

const value = fc.oneof(
  fc.integer({ min: -5, max: 5 }), // ties
  fc.constantFrom(0, -0),
  fc.double({ min: -1e6, max: 1e6, noNaN: true }),
);

describe("VaR/ES from the tail alone", () => {
  it("gives the bits and scenarios of a full sort", () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 600 }), fc.double({ min: 0.5, max: 0.9999, noNaN: true }), (pnl, c) => {
        const got = scenarioVarEs(Float64Array.from(pnl), c);
        const want = bySorting(pnl, c);
        expect(Object.is(got.var, want.var), `VaR ${got.var} vs ${want.var}`).toBe(true);
        expect(Object.is(got.es, want.es), `ES ${got.es} vs ${want.es}`).toBe(true);
        expect([got.varScenario, got.worstScenario]).toEqual([want.varScenario, want.worstScenario]);
      }),
      { numRuns: 500 },
    );
  });

  it("lists the m worst scenarios least bad first, ties by index", () => {
    const pnl = Float64Array.from([3, -1, -1, 0, -0, 2, -7, -1, 5]);
    expect(Array.from(worstScenarios(pnl, 4))).toEqual([1, 2, 7, 6]);
    expect(Array.from(worstScenarios(pnl, 1))).toEqual([6]);
    expect(Array.from(worstScenarios(pnl, 9))).toEqual([8, 0, 5, 3, 4, 1, 2, 7, 6]);
  });
});
