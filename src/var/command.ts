/**
 * What the CLI's `riskgrid var <book> --history <csv> …` calls: flags → options, the run, and a text
 * table. Everything returned is a plain JSON-serialisable object.
 */
import { RiskError } from "../errors.js";
import { type PriceHistory, parsePriceCsv } from "../history/csv.js";
import type { Book, BookInput } from "../types.js";
import { computeVar, type KernelHost, VAR_METHODS, type VarMethod, type VarOptions, type VarResult } from "./compute.js";

export type VarFlags = Record<string, string | number | boolean | undefined>;

/** Flag names (kebab or camel case) → VarOptions field. */
export const FLAG_FIELDS: Record<string, keyof VarOptions> = {
  method: "method", confidence: "confidence", horizon: "horizon", window: "window", paths: "paths", seed: "seed",
  distribution: "distribution", dist: "distribution", dof: "dof", shocks: "shocks", lambda: "lambda",
  scaling: "horizonScaling", "horizon-scaling": "horizonScaling", horizonScaling: "horizonScaling",
  "vol-shocks": "volShocks", volShocks: "volShocks", "vol-model": "volModel", volModel: "volModel",
  garch: "garch", stress: "stress", "stress-mc": "stressMc", stressMc: "stressMc",
  "mm-factor": "mmFactor", mmFactor: "mmFactor", "as-of": "asOf", asOf: "asOf",
};
const NUMERIC = new Set<keyof VarOptions>(["confidence", "horizon", "window", "paths", "seed", "dof", "lambda", "mmFactor"]);
const BOOLEAN = new Set<keyof VarOptions>(["garch", "stress", "stressMc"]);

/** Parse CLI flags into VarOptions (unknown flags are ignored: they belong to the CLI). */
export function varOptionsFromFlags(flags: VarFlags): VarOptions {
  const out: Record<string, unknown> = {};
  for (const [flag, raw] of Object.entries(flags)) {
    const field = FLAG_FIELDS[flag];
    if (!field || raw === undefined) continue;
    if (NUMERIC.has(field)) {
      const x = typeof raw === "number" ? raw : Number(raw);
      if (typeof raw === "boolean" || !Number.isFinite(x)) {
        throw new RiskError("E_TYPE", `--${flag}`, `--${flag} needs a number, got "${String(raw)}"`);
      }
      out[field] = x;
    } else if (BOOLEAN.has(field)) {
      out[field] = raw === true || raw === "true" || raw === "1" || raw === 1 || raw === "yes";
    } else {
      out[field] = String(raw);
    }
  }
  if (out.method !== undefined && !VAR_METHODS.includes(out.method as VarMethod)) {
    throw new RiskError("E_RANGE", "--method", `--method must be one of ${VAR_METHODS.join(", ")}, got "${String(out.method)}"`);
  }
  return out as VarOptions;
}

/** `riskgrid var`: the book as Book, BookInput or JSON text; the history as parsed object or CSV text. */
export function varCommand(
  host: KernelHost, book: Book | BookInput | string, history: PriceHistory | string, flags: VarFlags = {},
  onProgress?: VarOptions["onProgress"],
): VarResult {
  const h = typeof history === "string" ? parsePriceCsv(history, { source: "--history" }) : history;
  return computeVar(host, book, h, { ...varOptionsFromFlags(flags), onProgress });
}

/** Money: 2 decimals from 100 up (USD accounts), 5 significant digits below (coin accounts). */
const num = (x: number) =>
  !Number.isFinite(x) ? String(x) : Math.abs(x) >= 1e9 || (Math.abs(x) < 1e-4 && x !== 0)
    ? x.toExponential(4)
    : Math.abs(x) >= 100
      ? x.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })
      : x.toPrecision(5);
const pct = (x: number, digits = 2) => `${(x * 100).toFixed(digits)}%`;

function table(header: string[], rows: string[][], leftCols = 1): string {
  const w = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (r: string[]) => r.map((c, j) => (j < leftCols ? c.padEnd(w[j]) : c.padStart(w[j]))).join("  ").trimEnd();
  return [line(header), w.map((x) => "-".repeat(x)).join("  "), ...rows.map(line)].join("\n");
}

/** People-readable tables of a VarResult (units in the headers). */
export function formatVarTable(r: VarResult): string {
  const parts: string[] = [];
  const scaling = r.horizonScaling ? ` (${r.horizonScaling === "sqrt" ? "√h-scaled" : "overlapping"})` : "";
  const mc = r.paths !== null ? ` · MC ${r.paths} paths, seed ${r.seed}, ${r.distribution}` : "";
  parts.push(
    `VaR ${r.method} · confidence ${pct(r.confidence, 1)} · horizon ${r.horizon}d${scaling} · ` +
      `window ${r.window} daily returns ${r.historyStart} → ${r.historyEnd}${mc} · vol model ${r.volModel} · backend ${r.backend}`,
  );
  if (r.historyAgeDays > 3) {
    parts.push(`warning: the history ends ${r.historyAgeDays.toFixed(1)} days before the valuation time: the figures use stale market data`);
  }
  const garch = r.vol.some((v) => v.garch);
  const h = r.horizon;
  parts.push("\nVolatility forecasts (decimal; annualised ×√365)");
  parts.push(table(
    ["underlying", "last close", "EWMA 1d", ...(h > 1 ? [`EWMA ${h}d`] : []), "EWMA ann.",
      ...(garch ? ["GARCH 1d", ...(h > 1 ? [`GARCH ${h}d`] : []), "GARCH LR ann.", "α", "β"] : [])],
    r.vol.map((v) => [
      v.underlying, num(v.lastPrice), pct(v.ewmaDaily), ...(h > 1 ? [pct(v.ewmaHorizon)] : []), pct(v.ewmaAnnualised, 1),
      ...(garch ? v.garch
        ? [pct(v.garch.daily), ...(h > 1 ? [pct(v.garch.horizon)] : []), pct(v.garch.longRunAnnualised, 1), v.garch.alpha.toFixed(4), v.garch.beta.toFixed(4)]
        : Array<string>(h > 1 ? 5 : 4).fill("-") : []),
    ]),
  ));
  if (r.factors.length > 1) {
    parts.push(`\nEWMA correlation (λ = ${r.lambda})`);
    parts.push(table(["", ...r.factors], r.factors.map((u, i) => [u, ...r.correlation[i].map((c) => c.toFixed(3))])));
  }
  parts.push(`\nPer account (account currency; VaR/ES positive = loss; IM = max(0, ES), MM = ${r.mmFactor} × IM)`);
  const stress = r.accounts.some((a) => a.stress);
  parts.push(table(
    ["account", "ccy", "VaR", "ES", "VaR δ-normal", "VaR δ-γ CF", "ES δ-γ CF", ...(stress ? ["VaR ρ=1", "ES ρ=1", "IM ρ=1"] : []), "IM", "MM", "worst scenario"],
    r.accounts.map((a) => [
      a.id, a.currency, num(a.var), num(a.es), num(a.parametric.deltaNormal.var), num(a.parametric.deltaGamma.var),
      num(a.parametric.deltaGamma.es),
      ...(stress ? a.stress
        ? [num(a.stress.mc?.var ?? a.stress.deltaGamma.var), num(a.stress.mc?.es ?? a.stress.deltaGamma.es), num(a.stress.margin.initial)]
        : ["-", "-", "-"] : []),
      num(a.margin.initial), num(a.margin.maintenance),
      a.worst ? `${a.worst.scenario} (${num(a.worst.pnl)})` : "-",
    ]),
    2,
  ));
  return parts.join("\n");
}
