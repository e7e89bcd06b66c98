/** `riskgrid grid <book> [--account ID] [--underlying U]`: the spot × vol P&L grid of each account. */
import { RiskError } from "../errors.js";
import type { Engine } from "../engine/engine.js";
import { renderTable } from "../report/text-table.js";
import { option, type ParsedArgs } from "./args.js";

export function runGrid(engine: Engine, args: ParsedArgs, bookText: string, format: "table" | "json"): number {
  const book = engine.parse(bookText);
  const ctx = engine.context(book);
  const want = option(args, "account");
  const underlying = option(args, "underlying");
  if (want && !book.accounts.some((a) => a.id === want)) {
    throw new RiskError("E_UNKNOWN_ACCOUNT", "--account", `no account "${want}" in the book`);
  }
  if (underlying && !ctx.table.underlyings.includes(underlying)) {
    throw new RiskError("E_UNKNOWN_MARKET", "--underlying", `no market "${underlying}" in the book`);
  }
  const set = ctx.base.set;
  const S = set.nScen;
  const out: { account: string; currency: string; underlying: string; scenarios: string[]; pnl: number[] }[] = [];
  book.accounts.forEach((a, k) => {
    if (want && a.id !== want) return;
    const m = ctx.matrix(ctx.base, k);
    m.rows.forEach((u, r) => {
      if (underlying && u !== underlying) return;
      out.push({ account: a.id, currency: a.currency, underlying: u, scenarios: set.label.slice(), pnl: Array.from(m.pnl.subarray(r * S, (r + 1) * S)) });
    });
  });
  if (format === "json") {
    process.stdout.write(JSON.stringify({ grid: set.name, rows: out }, null, 2) + "\n");
    return 0;
  }
  for (const row of out) {
    // Moves down the side, vol up / same / down across.
    const lines: (string | number)[][] = [];
    for (let s = 0; s < S; s += 3) {
      lines.push([row.scenarios[s].split(" ")[0], row.pnl[s], row.pnl[s + 1], row.pnl[s + 2]]);
    }
    process.stdout.write(renderTable(["spot move", "vol up", "vol same", "vol down"], lines,
      `\nAccount ${row.account}, ${row.underlying} moves alone — P&L in ${row.currency}`));
  }
  return 0;
}
