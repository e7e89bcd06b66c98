/**
 * VaR and expected shortfall per account over real price history (DESIGN §5 `var`, issue 6).
 *
 * Pipeline: align the book's underlyings in the history → EWMA covariance (and GARCH fits when asked)
 * → a joint scenario set (historical, FHS or Monte Carlo) → full revaluation of every instrument under
 * every scenario by the kernel (`runGrid`) → each account's P&L per scenario in its currency
 * (`accountMatrix`, joint row "ALL") → VaR/ES (convention in measures.ts). Beside it, parametric
 * delta-normal and delta-gamma (Cornish–Fisher) from the account's greeks, and the correlation-one
 * stress (Monte Carlo and parametric with every correlation set to 1).
 *
 * Margin (the `var` preset's rule): IM = max(0, ES), MM = mm_factor × IM. ES rather than VaR because
 * ES is coherent (sub-additive: splitting a portfolio over accounts never lowers its margin) and it
 * sees the size of the tail beyond the quantile — exactly what a short-option book hides from VaR.
 */
import type { Kernel } from "../kernel/abi.js";
import type { AccountMatrix } from "../engine/account-matrix.js";
import { accountMatrix } from "../engine/account-matrix.js";
import { type GridRun, layoutAccounts, runGrid } from "../engine/grid-run.js";
import { buildInstrumentTable, type InstrumentTable } from "../engine/instrument-table.js";
import { RiskError } from "../errors.js";
import { parseDateCell, type PriceHistory } from "../history/csv.js";
import { alignReturns, type ReturnWindow } from "../history/returns.js";
import { copyScenarioSet, emptyScenarioSet, type ScenarioSet, withLogs } from "../scenarios/scenario-set.js";
import { parseBook } from "../book/index.js";
import type { Book, BookInput } from "../types.js";
import { DEFAULT_LAMBDA, ewmaCovariance } from "./ewma.js";
import { fitGarch, garchForecast, type GarchFit } from "./garch.js";
import { historyMemo, keyOf, NO_MEMO } from "./history-cache.js";
import { correlationOf, correlationOneStress, covarianceOf, type Matrix, scale } from "./linalg.js";
import { scenarioVarEs } from "./measures.js";
import { accountExposure, deltaGammaCornishFisher, deltaNormal, type ParametricFigures } from "./parametric.js";
import {
  historicalScenarioSet, type HorizonScaling, type McDistribution, type McShocks,
  monteCarloScenarioSet, type VolShockMode,
} from "./scenarios.js";

export type VarMethod = "historical" | "fhs" | "mc" | "parametric";
export const VAR_METHODS: readonly VarMethod[] = ["historical", "fhs", "mc", "parametric"];

export interface VarOptions {
  /** Default "fhs". */
  method?: VarMethod;
  /** Called as the run advances (fraction 0…1 and the stage), e.g. to draw a progress bar. */
  onProgress?: (fraction: number, stage: string) => void;
  /** Default 0.99. */
  confidence?: number;
  /** Days. Default 1. */
  horizon?: number;
  /** Most recent daily returns used (scenarios for historical/FHS; EWMA/GARCH input). Default 1000. */
  window?: number;
  /** Monte Carlo paths (also the correlation-one stress). Default 10 000. */
  paths?: number;
  /** Monte Carlo seed, uint32. Default 1. */
  seed?: number;
  /** Monte Carlo shock distribution. Default "normal". */
  distribution?: McDistribution;
  /** Student-t degrees of freedom. Default 5. */
  dof?: number;
  /** Monte Carlo multipliers. Default "log". */
  shocks?: McShocks;
  /** EWMA decay. Default 0.94. */
  lambda?: number;
  /** Historical/FHS horizon scaling. Default "sqrt". */
  horizonScaling?: HorizonScaling;
  /** Historical/FHS vol shocks. Default "none". */
  volShocks?: VolShockMode;
  /**
   * Variances of the Monte Carlo and parametric covariance: "ewma" (default; Σ_h = h·Σ_EWMA) or
   * "garch" (each variance the GARCH(1,1) h-day forecast, correlations from EWMA).
   */
  volModel?: "ewma" | "garch";
  /** Fit GARCH(1,1) per underlying and report its forecast (implied by volModel "garch"). Default false. */
  garch?: boolean;
  /** Correlation-one stress (parametric, and Monte Carlo unless stressMc is false). Default true. */
  stress?: boolean;
  /** Run the Monte Carlo under the correlation-one covariance (one more kernel run). Default true. */
  stressMc?: boolean;
  /** MM = mmFactor × IM. Default 0.8. */
  mmFactor?: number;
  /** Use history rows up to this time (epoch ms or ISO). Default: the book's valuation time. */
  asOf?: number | string;
}

export interface VolForecast {
  underlying: string;
  /** Last close used (quote currency of the history). */
  lastPrice: number;
  /** EWMA next-day vol (decimal, daily). */
  ewmaDaily: number;
  /** EWMA vol over the horizon, ewmaDaily·√h. */
  ewmaHorizon: number;
  /** EWMA vol annualised with √365 (crypto trades every day). */
  ewmaAnnualised: number;
  garch: (Pick<GarchFit, "omega" | "alpha" | "beta" | "persistence" | "longRunVariance" | "logLikelihood" | "converged"> & {
    /** Next-day vol, daily. */
    daily: number;
    /** √(Σ of the h daily variance forecasts). */
    horizon: number;
    /** √(365 · long-run variance). */
    longRunAnnualised: number;
  }) | null;
}

export interface VarMargin {
  /** max(0, ES), account currency. */
  initial: number;
  /** mmFactor × initial. */
  maintenance: number;
}

export interface VarAccountResult {
  id: string;
  currency: string;
  /** VaR of the chosen method, account currency, positive = loss. */
  var: number;
  /** Expected shortfall of the chosen method, account currency. */
  es: number;
  /** The scenario at the VaR and the worst one (historical: its date; MC: its path). Null for parametric. */
  varScenario: string | null;
  worst: { scenario: string; index: number; pnl: number } | null;
  parametric: { deltaNormal: ParametricFigures; deltaGamma: ParametricFigures };
  margin: VarMargin;
  /**
   * Correlation-one stress: Σ rebuilt with every correlation 1 (variances kept); Monte Carlo with the
   * same paths and seed (null when stressMc is false) and parametric under it. The margin under the
   * stress is IM = max(0, ES) of the Monte Carlo, or of delta-gamma when there is no Monte Carlo.
   */
  stress: {
    mc: { var: number; es: number } | null;
    deltaNormal: ParametricFigures;
    deltaGamma: ParametricFigures;
    margin: VarMargin;
    marginBasis: "mc" | "deltaGamma";
  } | null;
}

export interface VarResult {
  method: VarMethod;
  confidence: number;
  horizon: number;
  horizonScaling: HorizonScaling | null;
  /** Returns in the window actually used, and its dates. */
  window: number;
  historyStart: string;
  historyEnd: string;
  /**
   * Days from the last history row to the as-of time (the book's valuation time by default): the
   * staleness of the market data behind the figures. Negative never (rows after as-of are not used).
   */
  historyAgeDays: number;
  paths: number | null;
  seed: number | null;
  distribution: McDistribution | null;
  volModel: "ewma" | "garch";
  lambda: number;
  mmFactor: number;
  backend: string;
  /** The book's underlyings, in table order (factors of every scenario set). */
  factors: string[];
  nScenarios: number;
  vol: VolForecast[];
  /** EWMA correlation matrix, factors × factors. */
  correlation: number[][];
  /** Covariance of the horizon's returns used by MC and parametric, factors × factors. */
  covariance: number[][];
  accounts: VarAccountResult[];
}

/** What the VaR pipeline needs from an engine: the book laid out and a way to run scenario sets. */
export interface VarContext {
  book: Book;
  table: InstrumentTable;
  backend: string;
  run(set: ScenarioSet): GridRun;
  matrix(run: GridRun, k: number): AccountMatrix;
}

/** Anything holding a kernel (the Engine, a PresetContext) or a kernel itself. */
export type KernelHost = Kernel | { kernel: Kernel };

function kernelOf(x: KernelHost): Kernel {
  return "instrumentPass" in x ? x : x.kernel;
}

export function varContext(host: KernelHost, book: Book): VarContext {
  const kernel = kernelOf(host);
  const table = buildInstrumentTable(book);
  const layout = layoutAccounts(table, book.accounts);
  return {
    book, table, backend: kernel.backend,
    run: (set) => runGrid(kernel, table, layout, set),
    matrix: (r, k) => accountMatrix(r, k, book.accounts[k]),
  };
}

type Resolved = Required<Omit<VarOptions, "asOf" | "onProgress">> & { asOf: number | string };

export function resolveVarOptions(book: Book, o: VarOptions = {}): Resolved {
  const r: Resolved = {
    method: o.method ?? "fhs", confidence: o.confidence ?? 0.99, horizon: o.horizon ?? 1, window: o.window ?? 1000,
    paths: o.paths ?? 10_000, seed: o.seed ?? 1, distribution: o.distribution ?? "normal", dof: o.dof ?? 5,
    shocks: o.shocks ?? "log", lambda: o.lambda ?? DEFAULT_LAMBDA, horizonScaling: o.horizonScaling ?? "sqrt",
    volShocks: o.volShocks ?? "none", volModel: o.volModel ?? "ewma", garch: (o.garch ?? false) || o.volModel === "garch",
    stress: o.stress ?? true, stressMc: o.stressMc ?? true, mmFactor: o.mmFactor ?? 0.8, asOf: o.asOf ?? book.valuationTime,
  };
  const bad = (field: string, msg: string): never => {
    throw new RiskError("E_RANGE", field, msg);
  };
  if (!VAR_METHODS.includes(r.method)) bad("method", `method must be one of ${VAR_METHODS.join(", ")}, got "${r.method}"`);
  if (!(r.confidence >= 0.5 && r.confidence < 1)) bad("confidence", `confidence must be in [0.5, 1), e.g. 0.99, got ${r.confidence}`);
  if (!(Number.isInteger(r.horizon) && r.horizon >= 1 && r.horizon <= 250)) bad("horizon", `horizon must be a whole number of days in [1, 250], got ${r.horizon}`);
  if (!(Number.isInteger(r.window) && r.window >= 20)) bad("window", `window must be a whole number of days ≥ 20, got ${r.window}`);
  if (!(Number.isInteger(r.paths) && r.paths >= 100 && r.paths <= 10_000_000)) bad("paths", `paths must be a whole number in [100, 10 000 000], got ${r.paths}`);
  if (!(Number.isInteger(r.seed) && r.seed >= 0 && r.seed <= 0xffffffff)) bad("seed", `seed must be a whole number in [0, 4294967295], got ${r.seed}`);
  if (r.distribution !== "normal" && r.distribution !== "t") bad("distribution", `distribution must be "normal" or "t"`);
  if (!(Number.isInteger(r.dof) && r.dof >= 3 && r.dof <= 1000)) bad("dof", `dof must be a whole number in [3, 1000], got ${r.dof}`);
  if (r.shocks !== "log" && r.shocks !== "arithmetic") bad("shocks", `shocks must be "log" or "arithmetic"`);
  if (!(r.lambda > 0 && r.lambda < 1)) bad("lambda", `lambda must be in (0, 1), got ${r.lambda}`);
  if (r.horizonScaling !== "sqrt" && r.horizonScaling !== "overlapping") bad("horizonScaling", `horizonScaling must be "sqrt" or "overlapping"`);
  if (r.volShocks !== "none" && r.volShocks !== "ewma") bad("volShocks", `volShocks must be "none" or "ewma"`);
  if (r.volModel !== "ewma" && r.volModel !== "garch") bad("volModel", `volModel must be "ewma" or "garch"`);
  if (!(r.mmFactor >= 0 && r.mmFactor <= 10)) bad("mmFactor", `mmFactor must be in [0, 10], got ${r.mmFactor}`);
  return r;
}

/** The market inputs of a VaR run: the return window, vol forecasts and the horizon covariance. */
export interface VarMarket {
  win: ReturnWindow;
  vol: VolForecast[];
  corr: Matrix;
  /** Covariance of the h-day returns used by MC and parametric. */
  covH: Matrix;
}

export function varMarket(factors: string[], history: PriceHistory, o: Resolved): VarMarket {
  const win = alignReturns(history, factors, { window: o.window, asOf: o.asOf });
  const h = o.horizon;
  const cov = ewmaCovariance(win.logReturns, { lambda: o.lambda });
  const corr = correlationOf(cov);
  if (o.garch && win.dates.length < 100) {
    throw new RiskError("E_RANGE", "window", `a GARCH(1,1) fit needs at least 100 daily returns, the window has ${win.dates.length}`);
  }
  const fits = o.garch ? win.logReturns.map((r) => fitGarch(r)) : null;
  const vol: VolForecast[] = factors.map((u, f) => {
    const d = Math.sqrt(cov[f][f]);
    const fit = fits?.[f];
    return {
      underlying: u, lastPrice: win.lastPrices[f], ewmaDaily: d, ewmaHorizon: d * Math.sqrt(h),
      ewmaAnnualised: d * Math.sqrt(365),
      garch: fit
        ? {
          omega: fit.omega, alpha: fit.alpha, beta: fit.beta, persistence: fit.persistence,
          longRunVariance: fit.longRunVariance, logLikelihood: fit.logLikelihood, converged: fit.converged,
          daily: Math.sqrt(fit.nextVariance), horizon: Math.sqrt(garchForecast(fit, h).total),
          longRunAnnualised: Math.sqrt(365 * fit.longRunVariance),
        }
        : null,
    };
  });
  const covH = o.volModel === "garch"
    ? covarianceOf(vol.map((v) => v.garch!.horizon), corr)
    : scale(cov, h);
  return { win, vol, corr, covH };
}

/** A copy of `m` that shares nothing mutable with it (for markets kept in the history cache). */
function copyMarket(m: VarMarket): VarMarket {
  const w = m.win;
  const rows = (a: Matrix): Matrix => a.map((r) => r.slice());
  return {
    win: {
      ...w, factors: w.factors.slice(), dates: w.dates.slice(), logReturns: w.logReturns.map((r) => r.slice()),
      relatives: w.relatives.map((r) => r.slice()), lastPrices: w.lastPrices.slice(),
    },
    vol: m.vol.map((v) => ({ ...v, garch: v.garch && { ...v.garch } })),
    corr: rows(m.corr),
    covH: rows(m.covH),
  };
}

/** What a kept scenario set depends on besides the market (whose key names the rest). */
function setKeyParts(kind: VarMethod | "stress", o: Resolved): (string | number)[] {
  return kind === "historical" || kind === "fhs"
    ? [kind, o.horizonScaling, o.volShocks]
    : [kind, o.paths, o.seed, o.distribution, o.dof, o.shocks];
}

function ageDays(asOf: number | string, endDate: string): number {
  const t = typeof asOf === "number" ? asOf : parseDateCell(asOf);
  return Math.max(0, Math.round(((t - Date.parse(`${endDate}T00:00:00Z`)) / 86_400_000) * 1000) / 1000);
}

const margin = (es: number, mmFactor: number): VarMargin => {
  const initial = Math.max(0, es);
  return { initial, maintenance: mmFactor * initial };
};

/** One joint scenario with every multiplier 1: runs the kernel for base values and greeks only. */
function neutralSet(factors: string[]): ScenarioSet {
  const set = emptyScenarioSet("neutral", factors, 1, true);
  set.label[0] = "no move";
  return set;
}

export function scenarioSetFor(method: VarMethod, m: VarMarket, o: Resolved, factors: string[], covH = m.covH): ScenarioSet {
  switch (method) {
    case "historical":
    case "fhs":
      return historicalScenarioSet(m.win, {
        horizon: o.horizon, horizonScaling: o.horizonScaling, filtered: method === "fhs", lambda: o.lambda,
        volShocks: o.volShocks,
      });
    case "mc":
      return monteCarloScenarioSet(factors, {
        cov: covH, paths: o.paths, seed: o.seed, distribution: o.distribution, dof: o.dof, shocks: o.shocks,
      });
    default:
      return neutralSet(factors);
  }
}

/**
 * The VaR pipeline on a prepared context (used by computeVar and by the `var` preset).
 * @param keep keep the market (aligned returns, EWMA, GARCH) and the scenario sets with their logs in
 *   the history's cache (history-cache.ts) and reuse them while the history's content and the options
 *   they depend on are the same: the numbers are the same bits either way.
 */
export function runVar(ctx: VarContext, history: PriceHistory, opts: VarOptions = {}, keep = false): VarResult {
  const o = resolveVarOptions(ctx.book, opts);
  const progress = opts.onProgress ?? (() => {});
  const factors = ctx.table.underlyings;
  const memo = keep ? historyMemo(history) : NO_MEMO;
  // Everything the market reads besides the history; the sets' keys extend it.
  const marketKey = keyOf([factors.length, ...factors, o.window, o.asOf, o.lambda, o.horizon, o.garch, o.volModel]);
  const keptSet = (kind: VarMethod | "stress", make: () => ScenarioSet): ScenarioSet =>
    keep ? memo.get(marketKey + keyOf(setKeyParts(kind, o)), () => withLogs(make()), copyScenarioSet) : make();
  progress(0, "volatility and correlation");
  const m = memo.get(marketKey, () => varMarket(factors, history, o), copyMarket);
  progress(0.1, "scenarios");
  const set = o.method === "parametric"
    ? scenarioSetFor(o.method, m, o, factors)
    : keptSet(o.method, () => scenarioSetFor(o.method, m, o, factors));
  progress(0.2, "full revaluation");
  const run = ctx.run(set);
  progress(0.5, "correlation-one stress");
  const stressCov = o.stress ? correlationOneStress(m.covH) : null;
  const stressRun = stressCov && o.stressMc
    ? ctx.run(keptSet("stress", () => monteCarloScenarioSet(factors, {
      cov: stressCov, paths: o.paths, seed: o.seed, distribution: o.distribution, dof: o.dof, shocks: o.shocks,
      name: `mc-rho1-${o.paths}-seed${o.seed}`,
    })))
    : null;
  const accounts: VarAccountResult[] = ctx.book.accounts.map((acct, k) => {
    progress(0.8 + (0.2 * k) / ctx.book.accounts.length, "accounts");
    const mat = ctx.matrix(run, k);
    const exposure = accountExposure(run, k, acct, mat);
    const dn = deltaNormal(exposure.delta, m.covH, o.confidence);
    const dg = deltaGammaCornishFisher(exposure, m.covH, o.confidence);
    let main: { var: number; es: number; varScenario: string | null; worst: VarAccountResult["worst"] };
    if (o.method === "parametric") {
      main = { var: dn.var, es: dn.es, varScenario: null, worst: null };
    } else {
      const r = scenarioVarEs(mat.pnl, o.confidence);
      main = {
        var: r.var, es: r.es, varScenario: set.label[r.varScenario],
        worst: { scenario: set.label[r.worstScenario], index: r.worstScenario, pnl: -r.worstLoss },
      };
    }
    let stress: VarAccountResult["stress"] = null;
    if (stressCov) {
      const sm = stressRun ? scenarioVarEs(ctx.matrix(stressRun, k).pnl, o.confidence) : null;
      const sdg = deltaGammaCornishFisher(exposure, stressCov, o.confidence);
      stress = {
        mc: sm ? { var: sm.var, es: sm.es } : null,
        deltaNormal: deltaNormal(exposure.delta, stressCov, o.confidence),
        deltaGamma: sdg,
        margin: margin(sm ? sm.es : sdg.es, o.mmFactor),
        marginBasis: sm ? "mc" : "deltaGamma",
      };
    }
    return {
      id: acct.id, currency: acct.currency, ...main,
      parametric: { deltaNormal: dn, deltaGamma: dg }, margin: margin(main.es, o.mmFactor), stress,
    };
  });
  progress(1, "done");
  const scenarioBased = o.method !== "parametric";
  const usesMc = o.method === "mc" || (o.stress && o.stressMc);
  return {
    method: o.method, confidence: o.confidence, horizon: o.horizon,
    horizonScaling: o.method === "historical" || o.method === "fhs" ? o.horizonScaling : null,
    window: m.win.dates.length, historyStart: m.win.startDate, historyEnd: m.win.endDate,
    historyAgeDays: ageDays(o.asOf, m.win.endDate),
    paths: usesMc ? o.paths : null, seed: usesMc ? o.seed : null, distribution: usesMc ? o.distribution : null, volModel: o.volModel, lambda: o.lambda,
    mmFactor: o.mmFactor, backend: ctx.backend, factors: factors.slice(), nScenarios: scenarioBased ? set.nScen : 0,
    vol: m.vol, correlation: m.corr, covariance: m.covH, accounts,
  };
}

/** A validated Book as is; anything else (JSON text, a BookInput object) through the book parser. */
export function asBook(input: Book | BookInput | string): Book {
  const b = input as Book;
  const parsed = typeof input === "object" && input !== null && typeof b.valuationTime === "number" &&
    Array.isArray(b.accounts) && !!b.risk && Array.isArray(b.risk.presets) &&
    Object.values(b.markets ?? {}).every((m) => m && m.forwards instanceof Map);
  return parsed ? b : parseBook(input);
}

/**
 * VaR and ES of every account of `book` over `history`.
 * @param host an Engine (anything with `.kernel`) or a Kernel.
 * @param book a validated Book, or book JSON text / a BookInput object (validated here).
 */
export function computeVar(host: KernelHost, book: Book | BookInput | string, history: PriceHistory, opts: VarOptions = {}): VarResult {
  const b = asBook(book);
  return runVar(varContext(host, b), history, opts);
}
