/**
 * The history cache behind the `var` preset changes no number: a run that takes its market and
 * scenario sets (with their logs) from the cache gives the same bits as one that derives them, on
 * every backend and for every method — through runVar directly (the whole VarResult) and through the
 * preset (the whole report).
 */
import { describe, expect, it } from "vitest";
import { BACKENDS, makeKernel } from "./helpers/backends.js";
import { bits, copyHistory, freshHistory, pageBook, varBook } from "./helpers/var-cache.js";
import { Engine } from "../src/engine/engine.js";
import { runVar, varContext, type VarOptions } from "../src/var/compute.js";

const RUNS: [string, VarOptions][] = [
  ["fhs (the preset's default)", { method: "fhs", stressMc: false }],
  ["historical", { method: "historical", stressMc: false }],
  ["historical, 3 days overlapping, EWMA vol shocks", { method: "historical", horizon: 3, horizonScaling: "overlapping", volShocks: "ewma", stressMc: false }],
  ["fhs, 5 days √h, window 500", { method: "fhs", horizon: 5, window: 500, stressMc: false }],
  ["mc normal with the ρ = 1 stress", { method: "mc", paths: 500, seed: 7 }],
  ["mc Student-t, GARCH variances", { method: "mc", paths: 500, seed: 3, distribution: "t", dof: 4, volModel: "garch" }],
  ["parametric", { method: "parametric" }],
];

describe.each(BACKENDS)("history cache on %s: the same bits as without it", (backend) => {
  const engine = new Engine(makeKernel(backend));

  it.each(RUNS)("runVar, %s", (_, opts) => {
    const book = varBook();
    const history = freshHistory();
    const ctx = varContext(engine, book);
    const without = bits(runVar(ctx, history, opts));
    const first = bits(runVar(ctx, history, opts, true)); // derived, then kept
    const second = bits(runVar(ctx, history, opts, true)); // from the cache
    expect(first).toEqual(without);
    expect(second).toEqual(without);
  });

  it("the preset: the page's account and examples/var-book.json, evaluated again and again", () => {
    for (const [book, overrides] of [[pageBook(), {}], [varBook(), {}], [varBook(), { var_method: "mc", mc_paths: 400, corr_stress_mc: 1 }]] as const) {
      const history = freshHistory();
      const b = { ...book, risk: { ...book.risk, overrides } };
      const cold = bits(engine.evaluateBook(b, { presets: ["var"], history }));
      for (let k = 0; k < 3; k++) expect(bits(engine.evaluateBook(b, { presets: ["var"], history }))).toEqual(cold);
      // A copy of the history is a new object: derived afresh, the same bits.
      expect(bits(engine.evaluateBook(b, { presets: ["var"], history: copyHistory(history) }))).toEqual(cold);
    }
  });

  it("the preset's numbers are those of runVar without the cache", () => {
    const book = varBook();
    const history = freshHistory();
    engine.evaluateBook(book, { presets: ["var"], history }); // warm the cache
    const report = engine.evaluateBook(book, { presets: ["var"], history });
    const direct = runVar(varContext(engine, book), history, { stressMc: false });
    report.accounts.forEach((a, k) => {
      const d = direct.accounts[k];
      expect(bits([a.margin.var.initial, a.margin.var.maintenance, a.margin.var.components.var, a.margin.var.components.es,
        a.margin.var.components.es_delta_gamma, a.margin.var.components.es_corr_one, a.margin.var.worst!.label]))
        .toEqual(bits([d.margin.initial, d.margin.maintenance, d.var, d.es, d.parametric.deltaGamma.es, d.stress!.deltaGamma.es, d.worst!.scenario]));
    });
  });
});
