/**
 * Public types of the account-health API (DESIGN §5: status, partial liquidation, what-if, explain).
 * Every amount is in the account's currency unless a field says otherwise; sizes are in contracts
 * (signed: + buy / long, − sell / short).
 */
import type { AccountStatus, GreekSet } from "../report/types.js";
import type { MarginResult } from "../margin/types.js";

/** A hypothetical order or a reduction: instrument id and signed size in contracts. */
export interface Order {
  instrument: string;
  /** Contracts; + buy, − sell. */
  qty: number;
}

export interface ModelOptions {
  /**
   * Margin model key: "isolated", "cross" (standard preset) or a portfolio preset's name
   * ("deribit-pm", …). Default: the account's primary model (the book's first preset; "cross" when
   * that is standard), as in the report.
   */
  model?: string;
}

/** Status of one account under one model (DESIGN §5). */
export interface Health {
  accountId: string;
  currency: string;
  model: string;
  /** Haircut collateral + mark value of positions. */
  equity: number;
  initial: number;
  maintenance: number;
  status: AccountStatus;
  /** equity / MM; null when MM is 0. */
  marginRatio: number | null;
  /** equity / IM; null when IM is 0. */
  initialRatio: number | null;
  /** Distance to each threshold (positive = above it): equity − IM, equity − MM, equity − 0. */
  distance: { toInitial: number; toMaintenance: number; toBankruptcy: number };
}
