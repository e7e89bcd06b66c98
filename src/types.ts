/**
 * Public types of the book (input). The JSON shape is described in DESIGN §3; `BookInput` is what a
 * user hands in, `Book` is what the parser returns after validation (every field present, numbers
 * finite, times in epoch milliseconds).
 */

export type InstrumentKind = "spot" | "perpetual" | "future" | "option";
export type Settlement = "linear" | "inverse";
export type OptionRight = "call" | "put";

/** What users write. Everything loosely typed: the parser validates. */
export interface BookInput {
  valuationTime: string | number;
  markets: Record<string, MarketInput>;
  instruments: InstrumentInput[];
  accounts?: AccountInput[];
  risk?: { preset?: string; presets?: string[]; overrides?: Record<string, unknown> };
}

export interface MarketInput {
  index: number;
  rate?: number;
  /** Continuous carry (funding/dividend-like yield); forward = index × e^{(rate − carry) T}. */
  carry?: number;
  /** Forward price per expiry (ISO-8601 or epoch ms as key). */
  forwards?: Record<string, number>;
}

export interface InstrumentInput {
  id: string;
  kind?: InstrumentKind;
  underlying?: string;
  right?: OptionRight;
  strike?: number;
  expiry?: string | number;
  settlement?: Settlement;
  contractSize?: number;
  /** Implied volatility, decimal (0.55 = 55 %). Required for options. */
  vol?: number;
}

export interface AccountInput {
  id: string;
  /** Margin currency: "USD" (default; USDC/USDT count as USD) or a coin such as "BTC". */
  currency?: string;
  collateral?: Record<string, number>;
  /** Instrument id → quantity in contracts (negative = short). */
  positions?: Record<string, number>;
  /** Open orders (instrument id → signed quantity), charged by presets that margin open orders. */
  orders?: Record<string, number>;
}

/** Validated market. */
export interface Market {
  underlying: string;
  index: number;
  rate: number;
  carry: number;
  /** Expiry (epoch ms) → forward. */
  forwards: Map<number, number>;
}

/** Validated instrument: every field needed for pricing is present. */
export interface Instrument {
  id: string;
  kind: InstrumentKind;
  underlying: string;
  settlement: Settlement;
  /** Coins per contract for options, spot and linear futures/perps; USD face per contract for inverse futures/perps. */
  contractSize: number;
  right?: OptionRight;
  /** USD per coin. */
  strike?: number;
  /** Epoch ms; absent for spot and perpetuals. */
  expiry?: number;
  /** Decimal; options only. */
  vol?: number;
}

export interface Position {
  instrument: string;
  /** Signed quantity in contracts. */
  qty: number;
}

export interface Account {
  id: string;
  currency: string;
  collateral: Record<string, number>;
  positions: Position[];
  orders: Position[];
}

export interface Book {
  /** Epoch ms. */
  valuationTime: number;
  markets: Record<string, Market>;
  instruments: Instrument[];
  accounts: Account[];
  risk: { presets: string[]; overrides: Record<string, unknown> };
}

/** Assets priced at 1 USD unless a market is given for them. */
export const STABLECOINS: ReadonlySet<string> = new Set(["USD", "USDC", "USDT", "DAI", "USDE"]);

export const MS_PER_YEAR = 365 * 86_400_000;
export const MS_PER_DAY = 86_400_000;
