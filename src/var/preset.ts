/**
 * The `var` margin preset: IM = max(0, ES) of a joint historical / FHS / Monte Carlo scenario set over
 * real price history, MM = mm_factor × IM (the rule and its reason: compute.ts).
 *
 * History: presets only get the book, so the price history comes from
 *   1. `ctx.history` — the engine puts `EvaluateOptions.history` on the PresetContext (preferred:
 *      per call, no shared state), else
 *   2. the module default set by `setVarHistory(history)` (for callers that cannot pass options).
 * With neither, the preset refuses with E_REQUIRED.
 *
 * What depends on the history and the parameters alone — the aligned returns, EWMA (and GARCH), the
 * scenario sets and the logs of their multipliers — is kept between evaluations in the history's
 * cache (history-cache.ts: checked against the history's content on every call, so a history changed
 * in place is derived again) and handed out as copies; the kernel run and everything after it depend
 * on the book and run every time.
 *
 * Parameters (risk.overrides, global keys only — VaR is portfolio-wide): confidence, horizon_days,
 * window_days, ewma_lambda, mc_paths, mc_seed, student_t_dof (0 = normal shocks), mm_factor,
 * corr_stress_mc (1 = also run the Monte Carlo under the correlation-one stress), and the string
 * `var_method`: "fhs" (default), "historical", "mc" or "parametric".
 */
import { RiskError } from "../errors.js";
import type { PriceHistory } from "../history/csv.js";
import { registerPreset } from "../margin/registry.js";
import { resolveParams } from "../margin/overrides.js";
import type { MarginPreset, MarginResult, PresetContext } from "../margin/types.js";
import { runVar, VAR_METHODS, type VarContext, type VarMethod } from "./compute.js";

export const VAR_PRESET_VERSION = "riskgrid-var@1";

export const VAR_PRESET_DEFAULTS = {
  confidence: 0.99,
  horizon_days: 1,
  window_days: 1000,
  ewma_lambda: 0.94,
  mc_paths: 10_000,
  mc_seed: 1,
  student_t_dof: 0,
  mm_factor: 0.8,
  corr_stress_mc: 0,
};

/** A PresetContext that may carry the price history (what the engine should pass). */
export type VarPresetContext = PresetContext & { history?: PriceHistory | null };

let moduleHistory: PriceHistory | null = null;

/** Default history for the `var` preset when the context carries none (null clears it). */
export function setVarHistory(history: PriceHistory | null): void {
  moduleHistory = history;
}

export function getVarHistory(): PriceHistory | null {
  return moduleHistory;
}

export const varPreset: MarginPreset = {
  name: "var",
  version: VAR_PRESET_VERSION,
  source: "riskgrid: historical / filtered historical / Monte Carlo expected shortfall over joint scenarios (issue 6); " +
    "IM = ES at `confidence` over `horizon_days`, MM = mm_factor × IM",
  defaults: { ...VAR_PRESET_DEFAULTS, var_method: "fhs" },
  evaluate(ctx: PresetContext): MarginResult[][] {
    const history = (ctx as VarPresetContext).history ?? moduleHistory;
    if (!history) {
      throw new RiskError("E_REQUIRED", "history",
        "preset var needs a price history: pass --history prices.csv (API: evaluate(book, { history }) or setVarHistory)");
    }
    const p = resolveParams(VAR_PRESET_DEFAULTS, ctx.overrides);
    const methodRaw = ctx.overrides.var_method ?? "fhs";
    if (typeof methodRaw !== "string" || !VAR_METHODS.includes(methodRaw as VarMethod)) {
      throw new RiskError("E_PRESET", "risk.overrides.var_method", `var_method must be one of ${VAR_METHODS.join(", ")}`);
    }
    const vctx: VarContext = {
      book: ctx.book, table: ctx.table, backend: ctx.kernel.backend, run: ctx.run, matrix: ctx.matrix,
    };
    let result;
    try {
      result = runVar(vctx, history, {
        method: methodRaw as VarMethod, confidence: p.confidence, horizon: p.horizon_days, window: p.window_days,
        lambda: p.ewma_lambda, paths: p.mc_paths, seed: p.mc_seed,
        distribution: p.student_t_dof > 0 ? "t" : "normal", dof: p.student_t_dof > 0 ? p.student_t_dof : 5,
        mmFactor: p.mm_factor, stress: true, stressMc: p.corr_stress_mc !== 0,
      }, true); // the history's derived data are kept between evaluations (history-cache.ts)
    } catch (e) {
      if (e instanceof RiskError && ["confidence", "horizon", "window", "paths", "seed", "dof", "lambda", "mmFactor"].includes(e.path)) {
        throw new RiskError("E_PRESET", "risk.overrides", e.message);
      }
      throw e;
    }
    return result.accounts.map((a) => {
      const s = a.stress!;
      const components: Record<string, number> = {
        var: a.var,
        es: a.es,
        var_delta_normal: a.parametric.deltaNormal.var,
        es_delta_normal: a.parametric.deltaNormal.es,
        var_delta_gamma: a.parametric.deltaGamma.var,
        es_delta_gamma: a.parametric.deltaGamma.es,
        var_corr_one: s.mc ? s.mc.var : s.deltaGamma.var,
        es_corr_one: s.mc ? s.mc.es : s.deltaGamma.es,
        im_corr_one: s.margin.initial,
      };
      return [{
        model: "var", version: VAR_PRESET_VERSION, currency: a.currency,
        initial: a.margin.initial, maintenance: a.margin.maintenance, components,
        worst: a.worst ? { underlying: "ALL", scenario: a.worst.index, label: a.worst.scenario, pnl: a.worst.pnl } : null,
      }];
    });
  },
};

registerPreset(varPreset);
