/** Plain-text tables for people: right-aligned numbers, a header rule. */

export type Cell = string | number | null | undefined;

export function fmtNum(x: number, digits = 4): string {
  if (!Number.isFinite(x)) return String(x);
  const ax = Math.abs(x);
  if (ax !== 0 && (ax < 1e-4 || ax >= 1e9)) return x.toExponential(digits - 1);
  // Below 1, keep `digits` significant digits (gammas of 1e-4 would otherwise print as 0.0001).
  if (ax !== 0 && ax < 1) return String(Number(x.toPrecision(digits)));
  return x.toLocaleString("en-US", { maximumFractionDigits: ax >= 1000 ? 2 : digits, minimumFractionDigits: 0 });
}

export function renderTable(headers: string[], rows: Cell[][], title?: string): string {
  const text = rows.map((r) => r.map((c) => (typeof c === "number" ? fmtNum(c) : c ?? "")));
  const numeric = headers.map((_, j) => rows.length > 0 && rows.every((r) => typeof r[j] === "number" || r[j] == null));
  const widths = headers.map((h, j) => Math.max(h.length, ...text.map((r) => r[j].length)));
  const line = (cells: string[]) =>
    cells.map((c, j) => (numeric[j] ? c.padStart(widths[j]) : c.padEnd(widths[j]))).join("  ").trimEnd();
  const out = [line(headers), widths.map((w) => "─".repeat(w)).join("  "), ...text.map(line)];
  return (title ? `${title}\n` : "") + out.join("\n") + "\n";
}
