/**
 * Node-only: read price-history CSV files from disk (the browser build parses text with parsePriceCsv).
 *
 * `loadPriceHistory("prices.csv")` reads a wide file (date + one close column per asset);
 * `loadPriceHistory(["btc.csv", "eth.csv"])` reads single-asset OHLCV files (asset from the file name's
 * first token: `btc-usdt-daily.csv` → BTC, or from `assets`) and joins them on date.
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { RiskError } from "../errors.js";
import { mergeHistories, parsePriceCsv, type PriceHistory } from "./csv.js";

export function loadPriceHistory(paths: string | readonly string[], assets?: readonly string[]): PriceHistory {
  const list = typeof paths === "string" ? [paths] : paths;
  const read = (p: string) => {
    try {
      return readFileSync(p, "utf8");
    } catch (e) {
      throw new RiskError("E_REQUIRED", p, `cannot read the price history file: ${(e as Error).message}`);
    }
  };
  const parsed = list.map((p, k) => {
    const text = read(p);
    const asset = assets?.[k] ?? basename(p).split(/[-_.]/)[0].toUpperCase();
    return parsePriceCsv(text, { source: p, asset });
  });
  return parsed.length === 1 ? parsed[0] : mergeHistories(parsed);
}
