/**
 * The report (DESIGN §6): what `engine.evaluate` returns and `--format json` prints.
 * Units: prices per contract in the instrument's settlement currency (options) or USD per coin
 * (futures, perpetuals, spot); greeks of the USD value per DESIGN §2; margins, equity and P&L in the
 * account's currency.
 */
import type { MarginResult } from "../margin/types.js";

export interface GreekSet {
  /** ∂V_usd/∂index, coins. */
  delta: number;
  /** ∂²V_usd/∂index², coins per USD. */
  gamma: number;
  /** USD per vol point. */
  vega: number;
  /** USD per calendar day. */
  theta: number;
  /** USD per rate point. */
  rho: number;
}

export interface InstrumentReport extends GreekSet {
  id: string;
  kind: string;
  underlying: string;
  settlement: "linear" | "inverse";
  /** Options: premium per contract in the settlement currency; delta-one: mark (forward) price in USD. */
  price: number;
  /** Mark value of one contract in the settlement currency (0 for futures/perpetuals). */
  value: number;
  /** Forward used, USD per coin. */
  forward: number;
  /** Years to expiry (ACT/365). */
  tau: number;
  vol: number | null;
}

export type AccountStatus = "healthy" | "restricted" | "liquidation" | "bankrupt";

export interface WorstLoss {
  underlying: string;
  scenario: string;
  /** P&L in the account's currency (negative = loss). */
  pnl: number;
}

export interface CapitalEfficiencyRow {
  model: string;
  initial: number;
  /** Isolated IM − this model's IM (account currency). */
  released: number;
  /** released / isolated IM. */
  releasedPct: number;
}

export interface AccountReport {
  id: string;
  currency: string;
  /** Haircut collateral + mark value of positions, account currency. */
  equity: number;
  collateralValue: number;
  positionsValue: number;
  greeks: {
    byUnderlying: Record<string, GreekSet>;
    byExpiry: Record<string, GreekSet & { underlying: string; expiry: string }>;
  };
  /** The raw grid's worst loss per underlying (default 21×3 grid). */
  gridWorst: WorstLoss[];
  margin: Record<string, MarginResult>;
  /** Status under the primary model (the first preset requested). */
  primaryModel: string;
  status: AccountStatus;
  /** equity / MM of the primary model (Infinity when MM is 0 is reported as null). */
  marginRatio: number | null;
  /** Distance to each status threshold under the primary model, account currency (negative: past it). */
  distances: { toInitial: number; toMaintenance: number; toBankruptcy: number };
  capitalEfficiency: CapitalEfficiencyRow[];
}

export interface Report {
  valuationTime: string;
  backend: string;
  presets: string[];
  instruments: InstrumentReport[];
  accounts: AccountReport[];
}
