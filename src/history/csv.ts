/**
 * Price histories from CSV text (works in browsers: no file system here; see node-file.ts for Node).
 *
 * Two layouts are read:
 * - wide: `date,btc,eth,sol` — a date column and one close column per asset (the asset is the column
 *   name, upper-cased); an empty cell means "no price that day" (e.g. before a listing);
 * - single-asset OHLCV: `date,open,high,low,close,volume` — only `close` is used; the asset name comes
 *   from the `asset` option.
 * Dates are ISO-8601 (`2024-03-01` or a full time stamp) or epoch milliseconds, strictly increasing.
 * Lines that are empty or start with `#` are skipped. Bad input throws a RiskError naming the line.
 */
import { RiskError } from "../errors.js";

export interface PriceHistory {
  /** ISO dates (YYYY-MM-DD, UTC) of the rows, strictly increasing. */
  dates: string[];
  /** Epoch ms of the rows. */
  times: number[];
  /** Asset names, upper case ("BTC"). */
  assets: string[];
  /** closes[a][t]: close of assets[a] on dates[t] in the file's quote currency; NaN where missing. */
  closes: Float64Array[];
  /** Free text: where the data came from (file name, vendor). */
  source: string;
}

export interface ParseCsvOptions {
  /** Asset name for a single-asset OHLCV file (required there; ignored for wide files). */
  asset?: string;
  /** Recorded as `history.source` and used in error paths. Default "history". */
  source?: string;
}

const DATE_HEADERS = new Set(["date", "time", "timestamp", "day"]);

function splitLine(line: string): string[] {
  return line.split(",").map((c) => c.trim().replace(/^"(.*)"$/, "$1").trim());
}

/** Epoch ms of a date cell, or NaN. */
export function parseDateCell(cell: string): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(cell)) return Date.parse(`${cell}T00:00:00Z`);
  if (/^-?\d+(\.\d+)?$/.test(cell)) return Number(cell);
  if (/^\d{4}-\d{2}-\d{2}[T ]/.test(cell)) {
    const iso = cell.replace(" ", "T");
    return Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(iso) ? iso : `${iso}Z`);
  }
  return NaN;
}

export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function parsePriceCsv(text: string, opts: ParseCsvOptions = {}): PriceHistory {
  const src = opts.source ?? "history";
  if (typeof text !== "string") throw new RiskError("E_TYPE", src, "price history must be CSV text");
  const lines = text.split(/\r?\n/);
  let lineNo = 0;
  let header: string[] | null = null;
  while (lineNo < lines.length && header === null) {
    const l = lines[lineNo++].trim();
    if (l === "" || l.startsWith("#")) continue;
    header = splitLine(l.replace(/^\uFEFF/, "")).map((h) => h.toLowerCase());
  }
  if (!header) throw new RiskError("E_REQUIRED", src, "the price history is empty: expected a header line such as date,btc,eth");
  if (!DATE_HEADERS.has(header[0])) {
    throw new RiskError("E_REQUIRED", `${src}:line ${lineNo}`, `the first column must be the date (header "date"), found "${header[0]}"`);
  }
  const closeCol = header.indexOf("close");
  let cols: number[];
  let assets: string[];
  if (closeCol >= 0) {
    if (!opts.asset) {
      throw new RiskError("E_REQUIRED", src, "a single-asset OHLCV file needs its asset name (option asset, e.g. \"BTC\")");
    }
    cols = [closeCol];
    assets = [opts.asset.toUpperCase()];
  } else {
    cols = header.map((_, j) => j).slice(1);
    assets = cols.map((j) => header![j].toUpperCase());
    if (assets.length === 0) throw new RiskError("E_REQUIRED", src, "the price history has no price column");
    const seen = new Set<string>();
    for (const a of assets) {
      if (a === "") throw new RiskError("E_REQUIRED", `${src}:line ${lineNo}`, "a price column has no name");
      if (seen.has(a)) throw new RiskError("E_DUPLICATE_ID", `${src}:line ${lineNo}`, `column ${a} appears twice`);
      seen.add(a);
    }
  }
  const dates: string[] = [];
  const times: number[] = [];
  const values: number[][] = assets.map(() => []);
  for (; lineNo < lines.length; lineNo++) {
    const raw = lines[lineNo].trim();
    if (raw === "" || raw.startsWith("#")) continue;
    const at = `${src}:line ${lineNo + 1}`;
    const cells = splitLine(raw);
    const t = parseDateCell(cells[0]);
    if (!Number.isFinite(t)) throw new RiskError("E_TIME", at, `cannot read the date "${cells[0]}": use YYYY-MM-DD`);
    if (times.length > 0 && t <= times[times.length - 1]) {
      throw new RiskError("E_TIME", at, `date ${cells[0]} does not come after the previous row: sort the file by date, one row per day`);
    }
    times.push(t);
    dates.push(isoDate(t));
    cols.forEach((j, a) => {
      const cell = cells[j] ?? "";
      if (cell === "") {
        values[a].push(NaN);
        return;
      }
      const x = Number(cell);
      if (!Number.isFinite(x)) {
        throw new RiskError("E_NOT_FINITE", `${at}.${assets[a].toLowerCase()}`, `price "${cell}" is not a finite number`);
      }
      if (x <= 0) {
        throw new RiskError("E_NEGATIVE_PRICE", `${at}.${assets[a].toLowerCase()}`, `price ${cell} must be positive`);
      }
      values[a].push(x);
    });
  }
  if (dates.length === 0) throw new RiskError("E_REQUIRED", src, "the price history has a header but no rows");
  return { dates, times, assets, closes: values.map((v) => Float64Array.from(v)), source: src };
}

/** Join histories on their dates (union of dates; NaN where an asset has no row). Later inputs win a duplicate asset. */
export function mergeHistories(list: readonly PriceHistory[]): PriceHistory {
  const allTimes = [...new Set(list.flatMap((h) => h.times))].sort((a, b) => a - b);
  const pos = new Map(allTimes.map((t, k) => [t, k]));
  const byAsset = new Map<string, Float64Array>();
  for (const h of list) {
    h.assets.forEach((a, j) => {
      const col = new Float64Array(allTimes.length).fill(NaN);
      h.times.forEach((t, k) => {
        col[pos.get(t)!] = h.closes[j][k];
      });
      byAsset.set(a, col);
    });
  }
  return {
    dates: allTimes.map(isoDate), times: allTimes, assets: [...byAsset.keys()], closes: [...byAsset.values()],
    source: list.map((h) => h.source).join("+"),
  };
}

/** Column of an asset (case-insensitive), or -1. */
export function assetIndex(h: PriceHistory, asset: string): number {
  return h.assets.indexOf(asset.toUpperCase());
}
