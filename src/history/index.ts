/** Price histories: CSV text → aligned daily returns (browser-safe; Node file loading in node-file.ts). */
export { assetIndex, isoDate, mergeHistories, parseDateCell, parsePriceCsv } from "./csv.js";
export type { ParseCsvOptions, PriceHistory } from "./csv.js";
export { alignReturns } from "./returns.js";
export type { AlignOptions, ReturnWindow } from "./returns.js";
