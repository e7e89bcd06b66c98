/**
 * `span`: CME SPAN-style margin on the kernel (METHODOLOGIES §2.4, §9).
 *
 * Per underlying u (SPAN's combined commodity), with u's parameters (./params.ts):
 * 1. Risk array: the account's P&L in its currency under SPAN's 16 scenarios (./params.ts order), the
 *    two extreme moves counted at extreme_move_cover. Arrays are stored as P&L (gain positive) like
 *    every riskgrid grid — CME's files print losses positive; McMillan prints P&L as here. The vol scan
 *    is absolute by default (σ' = σ ± volatility_scan_range, floored at 0; the kernel gets volMult =
 *    1/σ per option), relative when volatility_scan_type = 1. One kernel pass covers every underlying.
 * 2. Scan risk_u = max(0, −min over the 16 entries) (the largest loss).
 * 3. Inter-commodity spread credit, delta-based: each underlying's delta (net analytic delta of its
 *    positions, USD = coins × index; SPAN's composite delta is the probability-weighted delta over the
 *    scan points — identical for futures) forms spreads with opposite-sign delta of another underlying,
 *    1 USD of delta against 1 USD. Pairs are taken in order of credit rate (highest first; a pair's rate
 *    is min of its legs' inter_commodity_credit_rate). For n USD of spread, each leg gets credit
 *    rate × (scan risk_u / |delta_u|) × n — the weighted price risk of the delta spread.
 * 4. Short option minimum_u = short_option_minimum × index × coins of short options of u.
 * 5. Maintenance = Σ_u max(scan risk_u − credit_u, short option minimum_u); initial = maintenance ×
 *    initial_to_maintenance.
 * Not modelled: intra-commodity (calendar) spread charges and delivery-month charges (one combined
 * commodity per underlying, all expiries scanned together, so calendar spreads are fully offset), and
 * net option value (option values are in equity already: DESIGN §5 equity = collateral + mark value).
 */
import { accountMatrix } from "../../engine/account-matrix.js";
import { type AccountsLayout, type GridRun, runGrid } from "../../engine/grid-run.js";
import { RiskError } from "../../errors.js";
import { emptyScenarioSet, type ScenarioSet } from "../../scenarios/scenario-set.js";
import type { Account } from "../../types.js";
import { resolveParams } from "../overrides.js";
import { registerPreset } from "../registry.js";
import type { MarginPreset, MarginResult, PresetContext, WorstScenario } from "../types.js";
import { currencyUsd, netPositions } from "../standard/positions.js";
import { SPAN_DEFAULTS, SPAN_PER_UNDERLYING, SPAN_VERSION, type SpanParams, spanScenarios } from "./params.js";

export * from "./params.js";

export const N_SPAN = 16;

/** Risk array from the 16 raw scenario P&Ls: the extreme moves (15, 16) counted at `cover`. */
export function riskArray(pnl: ArrayLike<number>, cover = 0.35): number[] {
  if (pnl.length !== N_SPAN) throw new Error(`a SPAN risk array has ${N_SPAN} entries, got ${pnl.length}`);
  return Array.from(pnl, (v, s) => (s >= 14 ? v * cover : v));
}

/** Risk array of a portfolio: Σ quantity × risk array of one contract. */
export function combineArrays(arrays: readonly (readonly number[])[], qty: readonly number[]): number[] {
  const out = new Array<number>(N_SPAN).fill(0);
  arrays.forEach((a, k) => {
    for (let s = 0; s < N_SPAN; s++) out[s] += qty[k] * a[s];
  });
  return out;
}

/** Scan risk = the largest loss of the array (0 if nothing loses) and its scenario (0-based, −1 if none). */
export function scanRisk(array: readonly number[]): { risk: number; scenario: number } {
  let risk = 0;
  let scenario = -1;
  array.forEach((v, s) => {
    if (-v > risk) {
      risk = -v;
      scenario = s;
    }
  });
  return { risk, scenario };
}

export function spanParamsFor(overrides: Record<string, unknown>): (u: string) => SpanParams {
  const cache = new Map<string, SpanParams>();
  return (u) => {
    const cached = cache.get(u);
    if (cached) return cached;
    {
      const p = resolveParams(SPAN_DEFAULTS, overrides, u, SPAN_PER_UNDERLYING);
      const bad = (k: string, why: string) => {
        throw new RiskError("E_PRESET", u ? `risk.overrides.${u}.${k}` : `risk.overrides.${k}`, `span parameter "${k}" ${why}`);
      };
      if (!(p.price_scan_range > 0 && p.price_scan_range * p.extreme_move_multiple < 1)) {
        bad("price_scan_range", "must be > 0 with price_scan_range × extreme_move_multiple < 1");
      }
      if (!(p.volatility_scan_range >= 0)) bad("volatility_scan_range", "must be ≥ 0");
      if (p.volatility_scan_type !== 0 && p.volatility_scan_type !== 1) bad("volatility_scan_type", "must be 0 (absolute) or 1 (relative)");
      if (!(p.extreme_move_cover >= 0 && p.extreme_move_cover <= 1)) bad("extreme_move_cover", "must be in [0, 1]");
      if (!(p.extreme_move_multiple >= 0)) bad("extreme_move_multiple", "must be ≥ 0");
      if (!(p.short_option_minimum >= 0)) bad("short_option_minimum", "must be ≥ 0");
      if (!(p.inter_commodity_credit_rate >= 0 && p.inter_commodity_credit_rate <= 1)) {
        bad("inter_commodity_credit_rate", "must be in [0, 1]");
      }
      if (!(p.initial_to_maintenance >= 1)) bad("initial_to_maintenance", "must be ≥ 1 (IM ≥ MM)");
      cache.set(u, p);
      return p;
    }
  };
}

/** The 16-scenario set for the book's underlyings, with the per-instrument vol multipliers it needs. */
export function spanScenarioSet(
  ctx: Pick<PresetContext, "table">,
  paramsFor: (u: string) => SpanParams,
): { set: ScenarioSet; volMult: Float64Array } {
  const { table } = ctx;
  const factors = table.underlyings;
  const set = emptyScenarioSet("span", factors, N_SPAN, false);
  factors.forEach((u, f) => {
    const p = paramsFor(u);
    spanScenarios(p.extreme_move_multiple).forEach((sc, s) => {
      const k = f * N_SPAN + s;
      set.mult[k] = 1 + sc.price * p.price_scan_range;
      set.volShift[k] = sc.vol * p.volatility_scan_range;
    });
  });
  spanScenarios(paramsFor(factors[0] ?? "").extreme_move_multiple).forEach((sc, s) => {
    set.label[s] = sc.label;
    set.kind[s] = sc.extreme ? "tail" : "regular";
  });
  // Absolute vol scan: σ' = σ·(1 + a/σ) = σ + a.
  const volMult = new Float64Array(table.instruments.length);
  table.instruments.forEach((x, i) => {
    const absolute = paramsFor(x.underlying).volatility_scan_type === 0;
    volMult[i] = x.kind !== "option" || !(table.vol[i] > 0) ? 0 : absolute ? 1 / table.vol[i] : 1;
  });
  return { set, volMult };
}

export interface SpanUnderlying {
  underlying: string;
  riskArray: number[];
  scanRisk: number;
  scenario: number;
  /** Net delta, USD (coins × index). */
  deltaUsd: number;
  credit: number;
  shortOptionMinimum: number;
  requirement: number;
}

export interface SpanDetail {
  maintenance: number;
  initial: number;
  underlyings: SpanUnderlying[];
  worst: WorstScenario | null;
}

/** SPAN requirement of each of `accounts` (laid out in `layout`). */
export function spanMargins(
  ctx: PresetContext,
  accounts: readonly Account[],
  layout: AccountsLayout,
  paramsFor: (u: string) => SpanParams = spanParamsFor(ctx.overrides),
): SpanDetail[] {
  const { table, book } = ctx;
  const { set, volMult } = spanScenarioSet(ctx, paramsFor);
  const run: GridRun = runGrid(ctx.kernel, table, layout, set, { volMult, prices: ctx.base });
  const factors = table.underlyings;
  return accounts.map((a, k) => {
    const m = accountMatrix(run, k, a);
    const acctUsd = currencyUsd(book, a.currency);
    const held = netPositions(table, a.positions);
    const list: SpanUnderlying[] = factors.map((u, r) => {
      const p = paramsFor(u);
      const raw = m.pnl.subarray(r * N_SPAN, (r + 1) * N_SPAN);
      const arr = riskArray(raw, p.extreme_move_cover);
      const sr = scanRisk(arr);
      const index = book.markets[u].index;
      let delta = 0;
      let shortCoins = 0;
      for (const h of held) {
        const x = table.instruments[h.inst];
        if (x.underlying !== u) continue;
        delta += h.qty * run.delta[h.inst];
        if (x.kind === "option" && h.qty < 0) shortCoins += -h.qty * x.contractSize;
      }
      return {
        underlying: u, riskArray: arr, scanRisk: sr.risk, scenario: sr.scenario,
        deltaUsd: delta * index, credit: 0,
        shortOptionMinimum: (p.short_option_minimum * index * shortCoins) / acctUsd,
        requirement: 0,
      };
    });
    interCommodityCredits(list, paramsFor);
    let maintenance = 0;
    let initial = 0;
    let worstU: SpanUnderlying | null = null;
    for (const x of list) {
      x.requirement = Math.max(x.scanRisk - x.credit, x.shortOptionMinimum);
      maintenance += x.requirement;
      initial += x.requirement * paramsFor(x.underlying).initial_to_maintenance;
      if (x.scanRisk > 0 && (!worstU || x.scanRisk > worstU.scanRisk)) worstU = x;
    }
    const worst: WorstScenario | null = worstU
      ? { underlying: worstU.underlying, scenario: worstU.scenario, label: set.label[worstU.scenario], pnl: -worstU.scanRisk }
      : null;
    return { maintenance, initial, underlyings: list, worst };
  });
}

/** Delta-based inter-commodity spread credits (in place). */
export function interCommodityCredits(list: SpanUnderlying[], paramsFor: (u: string) => SpanParams): void {
  const pairs: { a: SpanUnderlying; b: SpanUnderlying; rate: number }[] = [];
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      const rate = Math.min(
        paramsFor(list[i].underlying).inter_commodity_credit_rate,
        paramsFor(list[j].underlying).inter_commodity_credit_rate,
      );
      if (rate > 0) pairs.push({ a: list[i], b: list[j], rate });
    }
  }
  pairs.sort((x, y) => y.rate - x.rate); // stable: ties keep underlying order
  const left = new Map(list.map((x) => [x, Math.abs(x.deltaUsd)]));
  for (const { a, b, rate } of pairs) {
    if (Math.sign(a.deltaUsd) * Math.sign(b.deltaUsd) >= 0) continue;
    const n = Math.min(left.get(a)!, left.get(b)!);
    if (!(n > 0)) continue;
    left.set(a, left.get(a)! - n);
    left.set(b, left.get(b)! - n);
    for (const leg of [a, b]) leg.credit += (rate * leg.scanRisk * n) / Math.abs(leg.deltaUsd);
  }
}

export const spanPreset: MarginPreset = {
  name: "span",
  version: SPAN_VERSION,
  source:
    "CME SPAN structure (16 scenarios, ⅓/⅔/3⁄3 scan, 2× extreme at 35 %, short option minimum, " +
    "inter-commodity credits) [V: CBOT SPAN 1991, McMillan ch. 34]; crypto parameter values are riskgrid defaults [U]",
  defaults: { ...SPAN_DEFAULTS, perUnderlying: SPAN_PER_UNDERLYING },
  evaluate(ctx: PresetContext): MarginResult[][] {
    const details = spanMargins(ctx, ctx.book.accounts, ctx.layout);
    return ctx.book.accounts.map((a, k) => {
      const d = details[k];
      const components: Record<string, number> = { scan_risk: 0, inter_commodity_credit: 0, short_option_minimum: 0 };
      for (const x of d.underlyings) {
        components.scan_risk += x.scanRisk;
        components.inter_commodity_credit += x.credit;
        components.short_option_minimum += x.shortOptionMinimum;
        if (x.scanRisk > 0 || x.shortOptionMinimum > 0) {
          components[`${x.underlying}.scan_risk`] = x.scanRisk;
          components[`${x.underlying}.inter_commodity_credit`] = x.credit;
          components[`${x.underlying}.short_option_minimum`] = x.shortOptionMinimum;
          components[`${x.underlying}.requirement`] = x.requirement;
        }
      }
      return [{
        model: "span", version: `span@${SPAN_VERSION}`, currency: a.currency,
        initial: d.initial, maintenance: d.maintenance, components, worst: d.worst,
      }];
    });
  },
};

registerPreset(spanPreset);
