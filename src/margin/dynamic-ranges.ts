/**
 * The `dynamic` option of the grid presets (issue 6): each underlying's scan range follows the
 * volatility forecast, scan = z × σ_forecast × √horizon, never below the preset's own range. It is
 * applied by rewriting risk.overrides per underlying (deribit-pm's price_range, span's
 * price_scan_range), so the presets themselves stay as published. Each underlying's vol model is
 * fitted once per evaluation for both presets, and the fit is kept in the history's cache
 * (history-cache.ts) for the next evaluation with the same history content and parameters.
 */
import { RiskError } from "../errors.js";
import type { PriceHistory } from "../history/csv.js";
import type { Book } from "../types.js";
import { dynamicRangeDetails, type DynamicRangeOptions } from "../var/dynamic.js";
import { historyMemo } from "../var/history-cache.js";
import { pmParamsFor } from "./deribit-pm/index.js";
import { spanParamsFor } from "./span/index.js";

export interface DynamicOption extends DynamicRangeOptions {}

/** A copy of the book whose overrides carry the dynamic ranges of every underlying with history. */
export function withDynamicRanges(book: Book, history: PriceHistory | null | undefined, opts: DynamicOption): Book {
  if (!history) {
    throw new RiskError("E_REQUIRED", "history", "the dynamic option scales scan ranges with a volatility forecast: give a price history (--history prices.csv, or evaluate(book, { history }))");
  }
  const overrides: Record<string, unknown> = { ...book.risk.overrides };
  const pm = pmParamsFor(book.risk.overrides);
  const span = spanParamsFor(book.risk.overrides);
  const memo = historyMemo(history);
  for (const u of Object.keys(book.markets)) {
    if (!history.assets.includes(u)) continue;
    const own = (overrides[u] ?? {}) as Record<string, unknown>;
    // One fit per underlying for both presets, kept in the history's cache between evaluations.
    const [pmRange, spanRange] = dynamicRangeDetails(
      [pm(u).price_range, span(u).price_scan_range], history, u, { asOf: book.valuationTime, ...opts }, memo);
    overrides[u] = { ...own, price_range: pmRange.range, price_scan_range: spanRange.range };
  }
  return { ...book, risk: { ...book.risk, overrides } };
}
