/**
 * `standard`: Deribit standard (per-position) margin, in two flavours per account:
 *
 * - **isolated**: every position carries its own margin. Each instrument's net position is margined
 *   on its own (futures tiers on that position's own size); nothing nets.
 * - **cross**: one equity for all positions (Deribit's S:SM/X:SM sum per-position margins). The only
 *   netting is the one Deribit applies: perpetuals and dated futures of the same underlying *and* the
 *   same settlement currency net their signed size (in coins) before the tier formula, and the rate is
 *   applied to the net notional. So a perpetual hedged by a dated future of the same coin carries no
 *   futures margin in cross (calendar/basis risk is not charged by standard margin), while isolated
 *   charges both legs. Options are margined per position in both flavours (no spread recognition).
 *
 * Long options (and long spot) need no margin beyond their paid premium. riskgrid counts that as
 * IM = MM = the position's mark value: the long option's value is part of equity (DESIGN §5), and the
 * same amount is required, so a long option neither needs extra collateral nor lends its value to
 * other positions. The component is reported as `long_options_premium`.
 *
 * Open orders (account.orders): IM is taken with the orders of each side filled in turn (all buys,
 * then all sells); `open_orders_im` = max(0, worst side − IM of the positions). MM ignores orders.
 *
 * Margins are computed in each instrument's settlement currency (coin for inverse, USD for linear),
 * as Deribit does, then converted to the account's currency at the index (DESIGN §2).
 * Parameters: ./params.ts. There is no scenario grid, so `worst` is null.
 */
import type { InstrumentTable } from "../../engine/instrument-table.js";
import { resolveParams } from "../overrides.js";
import { registerPreset } from "../registry.js";
import type { MarginPreset, MarginResult, PresetContext } from "../types.js";
import type { Account, Book } from "../../types.js";
import { STANDARD_DEFAULTS, STANDARD_PER_UNDERLYING, STANDARD_VERSION, type StandardParams } from "./params.js";
import { addTo, converter, type Held, netPositions, settlementCurrency, withOrders } from "./positions.js";

export * from "./params.js";

export type StandardMode = "isolated" | "cross";

export interface StandardBreakdown {
  initial: number;
  maintenance: number;
  /** Account currency. */
  components: Record<string, number>;
}

/** Parameter resolver with a per-underlying cache. */
export function standardParamsFor(overrides: Record<string, unknown>): (u: string) => StandardParams {
  const cache = new Map<string, StandardParams>();
  return (u) => {
    let p = cache.get(u);
    if (!p) {
      p = resolveParams(STANDARD_DEFAULTS, overrides, u, STANDARD_PER_UNDERLYING);
      cache.set(u, p);
    }
    return p;
  };
}

/** Per-coin margin of one short option, in its settlement currency. */
export function shortOptionMargin(
  p: StandardParams,
  right: "call" | "put",
  inverse: boolean,
  index: number,
  strike: number,
  /** Mark per coin of underlying, settlement currency (coin for inverse, USD for linear). */
  mark: number,
): { im: number; mm: number } {
  const otm = right === "call" ? Math.max(0, strike - index) : Math.max(0, index - strike);
  const rate = Math.max(p.option_initial_margin - otm / index, p.option_min_initial_margin);
  const unit = inverse ? 1 : index; // "× index" for USD margins; coin margins are plain rates
  let im = rate * unit + mark;
  let mm: number;
  if (right === "call") {
    mm = p.option_maintenance_margin * unit + mark;
  } else {
    mm = Math.max(p.option_maintenance_margin * unit, p.option_maintenance_margin * mark) + mark;
    im = Math.max(im, mm);
  }
  return { im, mm };
}

/** Futures tier rate for a size in coins. */
export function futuresRate(base: number, increase: number, coins: number): number {
  return base + Math.abs(coins) * increase;
}

/**
 * Standard margin of a set of netted positions (`value[i]` = mark value per contract in the settlement
 * currency, e.g. a kernel run's `value`).
 */
export function standardMarginOf(
  book: Book,
  t: InstrumentTable,
  value: Float64Array,
  held: readonly Held[],
  currency: string,
  mode: StandardMode,
  paramsFor: (u: string) => StandardParams,
): StandardBreakdown {
  const conv = converter(book, currency);
  const components: Record<string, number> = {
    futures_im: 0, futures_mm: 0, short_options_im: 0, short_options_mm: 0, long_options_premium: 0,
  };
  // Cross netting of delta-one positions: key underlying|settlement → signed coins and notional.
  const nets = new Map<string, { u: string; ccy: string; coins: number; notional: number }>();
  const addFutures = (u: string, ccy: string, coins: number, notional: number) => {
    const p = paramsFor(u);
    const im = futuresRate(p.futures_initial_margin, p.futures_increase_factor, coins) * Math.abs(notional);
    const mm = futuresRate(p.futures_maintenance_margin, p.futures_increase_factor, coins) * Math.abs(notional);
    addTo(components, "futures_im", conv(im, ccy));
    addTo(components, "futures_mm", conv(mm, ccy));
  };
  for (const { inst: i, qty } of held) {
    const x = t.instruments[i];
    const ccy = settlementCurrency(t, i);
    const inverse = x.settlement === "inverse";
    const index = book.markets[x.underlying].index;
    if (x.kind === "option") {
      if (qty > 0) {
        addTo(components, "long_options_premium", conv(qty * value[i], ccy));
        continue;
      }
      const coins = -qty * x.contractSize;
      const mark = value[i] / x.contractSize;
      const m = shortOptionMargin(paramsFor(x.underlying), x.right!, inverse, index, x.strike!, mark);
      addTo(components, "short_options_im", conv(coins * m.im, ccy));
      addTo(components, "short_options_mm", conv(coins * m.mm, ccy));
      continue;
    }
    if (x.kind === "spot" && qty > 0) {
      // Fully paid: like a long option, its value is its margin.
      addTo(components, "long_spot_value", conv(qty * value[i], ccy));
      continue;
    }
    const F = t.fwd[i]; // mark price: forward of a dated future, index for perpetuals and spot
    const coins = inverse ? (qty * x.contractSize) / F : qty * x.contractSize;
    const notional = inverse ? coins : coins * F; // signed, settlement currency
    if (mode === "isolated" || x.kind === "spot") {
      addFutures(x.underlying, ccy, coins, notional);
    } else {
      const key = `${x.underlying}|${ccy}`;
      const n = nets.get(key) ?? { u: x.underlying, ccy, coins: 0, notional: 0 };
      n.coins += coins;
      n.notional += notional;
      nets.set(key, n);
    }
  }
  for (const n of nets.values()) addFutures(n.u, n.ccy, n.coins, n.notional);
  const c = components;
  const longs = c.long_options_premium + (c.long_spot_value ?? 0);
  return {
    initial: c.futures_im + c.short_options_im + longs,
    maintenance: c.futures_mm + c.short_options_mm + longs,
    components,
  };
}

/** Both flavours for one account, open orders included. */
export function standardAccount(
  book: Book,
  t: InstrumentTable,
  value: Float64Array,
  account: Account,
  paramsFor: (u: string) => StandardParams,
): MarginResult[] {
  const held = netPositions(t, account.positions);
  return (["isolated", "cross"] as const).map((mode) => {
    const b = standardMarginOf(book, t, value, held, account.currency, mode, paramsFor);
    let openOrders = 0;
    if (account.orders.length > 0) {
      let worst = b.initial;
      for (const side of [1, -1] as const) {
        const h = netPositions(t, withOrders(account.positions, account.orders, side));
        worst = Math.max(worst, standardMarginOf(book, t, value, h, account.currency, mode, paramsFor).initial);
      }
      openOrders = worst - b.initial;
    }
    const components = { ...b.components, open_orders_im: openOrders };
    return {
      model: mode,
      version: `standard@${STANDARD_VERSION}`,
      currency: account.currency,
      initial: b.initial + openOrders,
      maintenance: b.maintenance,
      components,
      worst: null,
    };
  });
}

export const standardPreset: MarginPreset = {
  name: "standard",
  version: STANDARD_VERSION,
  source:
    "Deribit standard margin: futures tiers from support.deribit.com 'Linear Perpetual' and the 11-Jan-2022 " +
    "inverse futures change note [V]; option rule as restated by third parties (METHODOLOGIES §3) [S]",
  defaults: { ...STANDARD_DEFAULTS, perUnderlying: STANDARD_PER_UNDERLYING },
  evaluate(ctx: PresetContext): MarginResult[][] {
    const paramsFor = standardParamsFor(ctx.overrides);
    ctx.table.underlyings.forEach((u) => paramsFor(u)); // a bad override fails even if unused
    return ctx.book.accounts.map((a) => standardAccount(ctx.book, ctx.table, ctx.base.value, a, paramsFor));
  },
};

registerPreset(standardPreset);
