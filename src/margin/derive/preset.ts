/**
 * `derive-pmrm2` preset: Derive (Lyra v2) PMRM_2 over a riskgrid book.
 *
 * Per account: one PMRM_2 portfolio per underlying the account trades (Derive margins one market per
 * account; ./from-book.ts gives the mapping), each evaluated by `evaluateDerive` (./model.ts) with the
 * underlying's parameters (`resolveDeriveParams(risk.overrides, u, defaults)`), then summed.
 *
 * Derive reports *net* margins: MM = MtM + cash − (maintenance requirement), IM likewise (negative ⇒
 * short of margin). riskgrid reports *requirements*, the equity an account needs:
 *
 *   maintenance = Σ_u (MtM_u + cash_u − MM_u) = Σ_u (−mmFactor·minSpan_u + mmContingency_u)
 *   initial     = Σ_u (MtM_u + cash_u − IM_u) = Σ_u (−imFactor·minSpan_u + mmContingency_u + imContingency_u)
 *
 * (minSpan ≤ 0 is the worst of the scenario losses and the basis contingency, so both are ≥ 0 and do
 * not depend on how cash is allocated between the portfolios). An account's Derive health
 * (net MM ≥ 0) is then "MtM + cash ≥ maintenance". The collateral haircuts are part of the requirement
 * (the `mmCollateralHaircut` / `imCollateralHaircut` components). USD amounts are converted into the
 * account's currency at the index (a BTC account's requirement is USD / BTC index).
 *
 * Components (account currency) carry Derive's names (DeriveComponents, ./model.ts) — the money
 * amounts, not the factors — plus `netMM` / `netIM` (Derive's own net margins) and `mmRequirement` /
 * `imRequirement`. Unprefixed keys are sums over the account's portfolios; when the account has several,
 * each portfolio's amounts are also given as `<underlying>.<name>` (e.g. `BTC.worstRegular`).
 * `worst` is the portfolio scenario with the largest loss (`minSpan`), index into that underlying's
 * scenario list (the list's length = the basis contingency, as PMRM_2 reports it).
 *
 * Default parameters: the mainnet set of ./params.ts. Default collateral parameters per market (which
 * coins are accepted, their haircuts, which are risk-cancelling) are DERIVE_COLLATERAL_DEFAULTS below;
 * `risk.overrides.collaterals` (global) or `risk.overrides.<u>.collaterals` extend or replace them.
 */
import { RiskError } from "../../errors.js";
import type { Account } from "../../types.js";
import { registerPreset } from "../registry.js";
import { currencyUsd } from "../standard/positions.js";
import type { MarginPreset, MarginResult, PresetContext, WorstScenario } from "../types.js";
import { type BookContext, derivePortfolioUnderlyings, fromBook } from "./from-book.js";
import { type DeriveComponents, type DeriveResult, evaluateDerive } from "./model.js";
import {
  DERIVE_NUMERIC_DEFAULTS,
  DERIVE_PMRM2_VERSION,
  type DeriveCollateralParams,
  type DeriveParams,
  defaultDeriveParams,
  mainnetScenarios,
  resolveDeriveParams,
} from "./params.js";

export const DERIVE_PRESET_NAME = "derive-pmrm2";

/**
 * Collateral parameters per PMRM_2 market (underlying) → asset. Source [S]: the PMRM_2 collateral set-up
 * of the ETH_2 and BTC_2 markets in derivexyz/v2-matching `scripts/update-callees.s.sol` (a local-dev
 * deployment script, "per original script values"; the mainnet values are set on chain and were not
 * found in a public file). The market's own coin is risk-cancelling, the other coin is a plain haircut
 * collateral. Any other asset needs `risk.overrides.collaterals`.
 */
export const DERIVE_COLLATERAL_DEFAULTS: Readonly<Record<string, Record<string, DeriveCollateralParams>>> = Object.freeze({
  BTC: {
    BTC: { isRiskCancelling: true, MMHaircut: 0.02, IMHaircut: 0.025 },
    ETH: { isRiskCancelling: false, MMHaircut: 0.08, IMHaircut: 0.025 },
    WSTETH: { isRiskCancelling: false, MMHaircut: 0.03, IMHaircut: 0.045 },
  },
  ETH: {
    ETH: { isRiskCancelling: true, MMHaircut: 0.01, IMHaircut: 0.015 },
    BTC: { isRiskCancelling: false, MMHaircut: 0.07, IMHaircut: 0.035 },
  },
});

/** Defaults of underlying u before overrides: the mainnet numbers and scenarios, u's collateral set. */
export function deriveDefaultsFor(u: string): DeriveParams {
  const p = defaultDeriveParams();
  const coll = DERIVE_COLLATERAL_DEFAULTS[u] ?? {};
  p.collaterals = Object.fromEntries(Object.entries(coll).map(([k, v]) => [k, { ...v }]));
  return p;
}

/** Parameter resolver with a per-underlying cache. */
export function deriveParamsFor(overrides: Record<string, unknown>): (u: string) => DeriveParams {
  const cache = new Map<string, DeriveParams>();
  return (u) => {
    let p = cache.get(u);
    if (!p) {
      p = resolveDeriveParams(overrides, u, deriveDefaultsFor(u));
      cache.set(u, p);
    }
    return p;
  };
}

const fmtMove = (m: number) => `${m >= 0 ? "+" : ""}${+(m * 100).toFixed(4)}%`;

/** Human label of a PMRM_2 worst scenario. */
export function deriveWorstLabel(r: DeriveResult, p: DeriveParams): string {
  const w = r.worst;
  if (w.kind === "basis") {
    return `basis contingency (forward ${fmtMove(p.scenarioSpotUp - 1)} / ${fmtMove(p.scenarioSpotDown - 1)})`;
  }
  if (w.kind === "skew") return `skew ${w.volShock}`;
  const damp = w.dampeningFactor !== 1 ? `, dampening ${w.dampeningFactor}` : "";
  return `${fmtMove(w.spotShock - 1)} vol ${w.volShock} (${w.kind}${damp})`;
}

/** Money components of DeriveComponents (USD), i.e. everything but the factors. */
const NOT_MONEY: ReadonlySet<keyof DeriveComponents> = new Set(["mmFactor", "imFactor", "pegLoss"]);

/** One account's Derive evaluation: the portfolios, their results and parameters. */
export interface DeriveAccountDetail {
  underlyings: string[];
  results: DeriveResult[];
  params: DeriveParams[];
  /** USD requirements per portfolio. */
  mmRequirement: number[];
  imRequirement: number[];
}

/** Evaluate every PMRM_2 portfolio of one account (USD). */
export function deriveAccount(
  ctx: BookContext & Pick<PresetContext, "kernel">,
  account: Account,
  paramsFor: (u: string) => DeriveParams,
): DeriveAccountDetail {
  const underlyings = derivePortfolioUnderlyings(ctx, account);
  const params = underlyings.map((u) => paramsFor(u));
  const results = underlyings.map((u, j) => {
    try {
      return evaluateDerive(fromBook(ctx, account, u, params[j]), params[j], ctx.kernel);
    } catch (e) {
      if (e instanceof RiskError && !e.path.startsWith("accounts")) {
        const k = ctx.book.accounts.indexOf(account);
        throw new RiskError(e.code, `accounts[${k}]`, `derive-pmrm2 ${u} portfolio of account "${account.id}": ${e.message}`);
      }
      throw e;
    }
  });
  return {
    underlyings, results, params,
    mmRequirement: results.map((r) => r.mtm - r.mm),
    imRequirement: results.map((r) => r.mtm - r.im),
  };
}

/** The riskgrid MarginResult of one account from its Derive evaluation. */
export function deriveMarginResult(ctx: PresetContext | BookContext, account: Account, d: DeriveAccountDetail): MarginResult {
  const toAcct = 1 / currencyUsd(ctx.book, account.currency);
  const components: Record<string, number> = {};
  const add = (key: string, usd: number) => {
    components[key] = (components[key] ?? 0) + usd * toAcct;
  };
  const several = d.underlyings.length > 1;
  let worst: WorstScenario | null = null;
  let initial = 0;
  let maintenance = 0;
  d.underlyings.forEach((u, j) => {
    const r = d.results[j];
    const amounts: [string, number][] = [];
    for (const [k, v] of Object.entries(r.components) as [keyof DeriveComponents, number][]) {
      if (!NOT_MONEY.has(k)) amounts.push([k, v]);
    }
    amounts.push(["netMM", r.mm], ["netIM", r.im], ["mmRequirement", d.mmRequirement[j]], ["imRequirement", d.imRequirement[j]]);
    for (const [k, v] of amounts) {
      add(k, v);
      if (several) add(`${u}.${k}`, v);
    }
    maintenance += d.mmRequirement[j];
    initial += d.imRequirement[j];
    const pnl = r.worst.pnl * toAcct;
    if (pnl < 0 && (!worst || pnl < worst.pnl)) {
      worst = { underlying: u, scenario: r.worst.index, label: deriveWorstLabel(r, d.params[j]), pnl };
    }
  });
  if (d.underlyings.length === 0) {
    for (const k of Object.keys(DERIVE_ZERO_COMPONENTS)) components[k] = 0;
  }
  return {
    model: DERIVE_PRESET_NAME,
    version: DERIVE_PMRM2_VERSION,
    currency: account.currency,
    initial: initial * toAcct,
    maintenance: maintenance * toAcct,
    components,
    worst,
  };
}

/** The component keys of an account with no portfolio (only cash): all zero. */
const DERIVE_ZERO_COMPONENTS: Record<string, 0> = Object.fromEntries(
  [
    "optionMtm", "perpMtm", "perpPnl", "perpFunding", "collateralMtm", "cash", "mtm", "worstRegular", "worstTail",
    "worstSkew", "worstScenarioPnl", "basisContingency", "minSpan", "mmPerpContingency", "imPerpContingency",
    "mmOptionContingency", "imOptionContingency", "mmCollateralHaircut", "imCollateralHaircut",
    "oracleContingencyPerp", "oracleContingencyOptions", "oracleContingencyCollateral", "oracleContingency",
    "mmContingency", "imContingency", "netMM", "netIM", "mmRequirement", "imRequirement",
  ].map((k) => [k, 0]),
) as Record<string, 0>;

/** derive-pmrm2 results of every account of the book. */
export function deriveMargins(ctx: PresetContext): MarginResult[] {
  const paramsFor = deriveParamsFor(ctx.overrides);
  paramsFor(""); // validate the global overrides even for a book with no positions
  return ctx.book.accounts.map((a) => deriveMarginResult(ctx, a, deriveAccount(ctx, a, paramsFor)));
}

export const derivePmrm2Preset: MarginPreset = {
  name: DERIVE_PRESET_NAME,
  version: DERIVE_PMRM2_VERSION,
  source:
    "Derive (Lyra v2) PMRM_2, derivexyz/v2-core PMRMLib_2.sol / IPMRMLib_2.sol (methodology; mainnet parameters " +
    "from scripts/config-mainnet.sol as transcribed in METHODOLOGIES §4); all 138 stored portfolio cases " +
    "reproduced (test/margin-derive-pmrm2.test.ts). Collateral defaults [S]: derivexyz/v2-matching " +
    "scripts/update-callees.s.sol. Requirements = MtM + cash − Derive's net margin.",
  defaults: {
    ...DERIVE_NUMERIC_DEFAULTS,
    scenarios: mainnetScenarios(),
    collaterals: {},
    perUnderlying: Object.fromEntries(
      Object.entries(DERIVE_COLLATERAL_DEFAULTS).map(([u, c]) => [u, { collaterals: c }]),
    ),
  },
  evaluate(ctx: PresetContext): MarginResult[][] {
    return deriveMargins(ctx).map((r) => [r]);
  },
};

registerPreset(derivePmrm2Preset);
