/**
 * Evaluations that differ in anything the history's derived data depend on never share a cache
 * entry: preset overrides (method, window, λ, horizon, paths, seed, distribution, the ρ = 1 Monte
 * Carlo), the book's valuation time (the as-of cut) and its underlyings, evaluated in turn on one
 * history — more of them than the cache keeps — each give a fresh engine's bits. And what a cached
 * run hands out is the caller's to change: neither the result nor a scenario set mutated by the
 * kernel's caller reaches the next run.
 */
import { describe, expect, it } from "vitest";
import { BACKENDS, makeKernel } from "./helpers/backends.js";
import { bits, copyHistory, freshHistory, pageBook, varBook } from "./helpers/var-cache.js";
import { Engine } from "../src/engine/engine.js";
import { runVar, varContext, type VarContext } from "../src/var/compute.js";
import { MAX_ENTRIES } from "../src/var/history-cache.js";
import type { Book } from "../src/types.js";

const VARIANTS: [string, Record<string, unknown>][] = [
  ["defaults (fhs)", {}],
  ["historical", { var_method: "historical" }],
  ["window 400", { window_days: 400 }],
  ["λ 0.97", { ewma_lambda: 0.97 }],
  ["λ 0.97, historical", { ewma_lambda: 0.97, var_method: "historical" }],
  ["horizon 2", { horizon_days: 2 }],
  ["mc, seed 1", { var_method: "mc", mc_paths: 300 }],
  ["mc, seed 2", { var_method: "mc", mc_paths: 300, mc_seed: 2 }],
  ["mc, 301 paths", { var_method: "mc", mc_paths: 301 }],
  ["mc, Student-t 5", { var_method: "mc", mc_paths: 300, student_t_dof: 5 }],
  ["mc, Student-t 6", { var_method: "mc", mc_paths: 300, student_t_dof: 6 }],
  ["ρ = 1 Monte Carlo, seed 1", { corr_stress_mc: 1, mc_paths: 300 }],
  ["ρ = 1 Monte Carlo, seed 9", { corr_stress_mc: 1, mc_paths: 300, mc_seed: 9 }],
  ["parametric", { var_method: "parametric" }],
  ["confidence 0.975 (not in any key: same entries, other numbers)", { confidence: 0.975 }],
];

const withOverrides = (b: Book, overrides: Record<string, unknown>): Book => ({ ...b, risk: { ...b.risk, overrides } });

describe.each(BACKENDS)("cache keys on %s", (backend) => {
  const engine = new Engine(makeKernel(backend));
  const fresh = new Engine(makeKernel(backend));

  it(`${VARIANTS.length} override sets (more than the ${MAX_ENTRIES} entries kept), in turn and again: each a fresh engine's bits`, () => {
    expect(VARIANTS.length).toBeGreaterThan(MAX_ENTRIES);
    const history = freshHistory();
    const book = varBook();
    const expected = VARIANTS.map(([, o]) =>
      bits(fresh.evaluateBook(withOverrides(book, o), { presets: ["var"], history: copyHistory(history) })));
    expect(new Set(expected.map((e) => e.join())).size).toBe(VARIANTS.length); // all different
    for (const order of [[...VARIANTS.keys()], [...VARIANTS.keys()].reverse(), [0, 6, 0, 7, 0, 11, 12, 11, 1, 0]]) {
      for (const j of order) {
        expect(bits(engine.evaluateBook(withOverrides(book, VARIANTS[j][1]), { presets: ["var"], history })), VARIANTS[j][0])
          .toEqual(expected[j]);
      }
    }
  });

  it("books on one history: another valuation time, other underlyings", () => {
    const history = freshHistory();
    const books: Book[] = [
      varBook(), // BTC, ETH, SOL; valued 2026-02-21
      { ...varBook(), valuationTime: Date.UTC(2025, 11, 1) }, // the as-of cut moves back
      pageBook(), // BTC, ETH; valued 2026-08-22
      { ...pageBook(), valuationTime: Date.UTC(2025, 11, 1) },
    ];
    const expected = books.map((b) => bits(fresh.evaluateBook(b, { presets: ["var"], history: copyHistory(history) })));
    for (let round = 0; round < 2; round++) {
      books.forEach((b, j) => expect(bits(engine.evaluateBook(b, { presets: ["var"], history }))).toEqual(expected[j]));
    }
  });

  it("what a cached run hands out can be changed without reaching the next run", () => {
    const history = freshHistory();
    const book = varBook();
    const opts = { method: "mc" as const, paths: 300 };
    const ctx = varContext(engine, book);
    const expected = bits(runVar(ctx, history, opts));
    const r = runVar(ctx, history, opts, true);
    r.vol[0].ewmaDaily = 1;
    r.correlation[0][1] = 0;
    r.covariance[1][1] = 5;
    r.factors[0] = "XRP";
    // A caller of the kernel that writes into the scenario sets it is given.
    const vandal: VarContext = {
      ...ctx,
      run: (set) => {
        const out = ctx.run(set);
        set.mult.fill(2);
        set.lnMult?.fill(0.5);
        set.label.fill("x");
        set.factors.reverse();
        return out;
      },
    };
    runVar(vandal, history, opts, true);
    expect(bits(runVar(ctx, history, opts, true))).toEqual(expected);
  });
});
