/** Plain-text table: left-aligned first column, right-aligned others. */
export function renderTable(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => (r[c] ?? "").length)));
  const line = (r: string[]) =>
    r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : (cell ?? "").padStart(widths[c]))).join("  ");
  const rule = widths.map((w) => "─".repeat(w)).join("  ");
  return [line(header), rule, ...rows.map(line)].join("\n");
}

/** 1234567 → "1.23 M", with the unit after. */
export function si(x: number, unit: string): string {
  const [d, p] = x >= 1e9 ? [1e9, "G"] : x >= 1e6 ? [1e6, "M"] : x >= 1e3 ? [1e3, "k"] : [1, ""];
  return `${(x / d).toFixed(x / d >= 100 ? 0 : 1)} ${p}${unit}`;
}

export function pct(x: number): string {
  return `${(x * 100).toFixed(0)} %`;
}
