// @ts-check
/** Number formatting for the page (display only: every value stays a full f64 in the engine). */

/** Money with magnitude-aware decimals: 1 234 567, 12 345.6, 1.2346 (coins), 0.000123. */
export function fmtMoney(v) {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  const digits = a >= 1e4 ? 0 : a >= 100 ? 1 : a >= 1 ? 3 : a === 0 ? 0 : 6;
  return v.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Greeks: 4 significant digits, scientific for tiny gammas. */
export function fmtGreek(v) {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a < 1e-3 || a >= 1e9) return v.toExponential(3);
  return v.toLocaleString("en-US", { maximumSignificantDigits: 5 });
}

/** 0.1234 → "12.3 %". */
export function fmtPct(v) {
  return `${(v * 100).toFixed(1)} %`;
}

/** Microseconds: "87 µs", "1 234 µs". */
export function fmtMicros(us) {
  return `${us < 10 ? us.toFixed(1) : Math.round(us).toLocaleString("en-US")} µs`;
}
