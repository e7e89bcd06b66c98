/**
 * `riskgrid whatif <book> --order INSTRUMENT:SIZE ... [--account ID] [--model M] [--max INSTRUMENT ...]`:
 * margin, greeks and status after hypothetical orders (SIZE in contracts, + buy, − sell), the
 * pre-trade verdict, and with --max the largest buy and sell of an instrument that keep equity ≥ IM.
 */
import type { Engine } from "../engine/engine.js";
import { RiskError } from "../errors.js";
import { maxOrderSize, type MaxOrderResult } from "../health/max-order.js";
import { toBook } from "../health/probe.js";
import type { Order } from "../health/types.js";
import { whatIf } from "../health/what-if.js";
import { fmtNum, renderTable } from "../report/text-table.js";
import { type ParsedArgs, option } from "./args.js";
import type { Health } from "../health/types.js";

/** "BTC-PERPETUAL:-1000" → { instrument, qty } (split at the last colon). */
export function parseOrder(text: string): Order {
  const at = text.lastIndexOf(":");
  const instrument = at > 0 ? text.slice(0, at) : "";
  const size = at > 0 ? text.slice(at + 1) : "";
  const qty = Number(size);
  if (!instrument || size.trim() === "" || !Number.isFinite(qty)) {
    throw new RiskError("E_TYPE", "--order", `--order must be INSTRUMENT:SIZE with SIZE a signed number of contracts (got "${text}")`);
  }
  return { instrument, qty };
}

export function runWhatIf(engine: Engine, args: ParsedArgs, bookText: string, format: "table" | "json"): number {
  const orders = (args.options.get("order") ?? []).map(parseOrder);
  const maxIds = args.options.get("max") ?? [];
  if (orders.length === 0 && maxIds.length === 0) {
    throw new RiskError("E_REQUIRED", "--order", "give at least one --order INSTRUMENT:SIZE (or --max INSTRUMENT)");
  }
  const book = toBook(bookText);
  const accountId = option(args, "account");
  const model = modelOption(args);
  const result = orders.length > 0 ? whatIf(engine, book, accountId, orders, { model }) : null;
  const maxes: MaxOrderResult[] = [];
  for (const id of maxIds) for (const side of ["buy", "sell"] as const) maxes.push(maxOrderSize(engine, book, accountId, id, side, { model }));
  if (format === "json") {
    process.stdout.write(JSON.stringify({ whatIf: result, maxOrderSize: maxes }, null, 2) + "\n");
    return 0;
  }
  const parts: string[] = [];
  if (result) {
    const { before: b, after: a, currency: c } = result;
    parts.push(`riskgrid whatif — account ${result.accountId}, model ${result.model}, currency ${c}\n`);
    parts.push(renderTable(
      ["instrument", "position", "order", "after"],
      result.positions.map((p) => [p.instrument, p.before, p.change, p.after]),
      "Orders (contracts, filled at mark)",
    ));
    parts.push("\n" + renderTable(
      ["", `equity (${c})`, `IM (${c})`, `MM (${c})`, "status", "equity/MM", `equity − IM (${c})`],
      [
        ["before", b.equity, b.initial, b.maintenance, b.status, b.marginRatio, b.distance.toInitial],
        ["after", a.equity, a.initial, a.maintenance, a.status, a.marginRatio, a.distance.toInitial],
      ],
      `Margin under ${result.model}`,
    ));
    const models = Object.keys({ ...b.margins, ...a.margins });
    parts.push("\n" + renderTable(
      ["model", `IM before (${c})`, `IM after (${c})`, `MM before (${c})`, `MM after (${c})`],
      models.map((m) => [m, b.margins[m]?.initial, a.margins[m]?.initial, b.margins[m]?.maintenance, a.margins[m]?.maintenance]),
      "Every model of the preset",
    ));
    const us = [...new Set([...Object.keys(b.greeks), ...Object.keys(a.greeks)])];
    const g = (s: typeof b, u: string, k: "delta" | "gamma" | "vega" | "theta") => s.greeks[u]?.[k] ?? 0;
    parts.push("\n" + renderTable(
      ["underlying", "delta before (coin)", "delta after", "gamma before", "gamma after", "vega before (USD)", "vega after", "theta before (USD/day)", "theta after"],
      us.map((u) => [u, g(b, u, "delta"), g(a, u, "delta"), g(b, u, "gamma"), g(a, u, "gamma"), g(b, u, "vega"), g(a, u, "vega"), g(b, u, "theta"), g(a, u, "theta")]),
      "Netted greeks (USD greeks per underlying)",
    ));
    parts.push(`\nVerdict: ${result.verdict.accept ? "ACCEPT" : "REJECT"} (${result.verdict.rule}) — ${result.verdict.reason}\n`);
  }
  if (maxes.length > 0) {
    parts.push((result ? "\n" : "") + renderTable(
      ["instrument", "side", "position", "step", "max size (contracts)", "IM at max", "equity", "IM at max + step", "check"],
      maxes.map((m) => [
        m.instrument, m.side, m.position, m.step, m.size === null ? "none" : m.unbounded ? `≥ ${fmtNum(m.size)}` : m.size,
        m.at?.initial, m.at?.equity, m.next?.initial, m.monotone === "shown" ? "monotone (shown)" : "verified ladder",
      ]),
      `Largest order keeping equity ≥ IM (${maxes[0].model}, ${maxes[0].currency})`,
    ));
  }
  process.stdout.write(parts.join(""));
  return 0;
}

// Helpers shared with `liquidate` (src/cli/liquidate.ts).

/** --model M, else the first --preset (standard → the book's default), else undefined (primary model). */
export function modelOption(args: ParsedArgs): string | undefined {
  const m = option(args, "model");
  if (m !== undefined) return m;
  const p = args.options.get("preset")?.[0];
  return p === undefined || p === "standard" ? undefined : p;
}

export function numberOption(args: ParsedArgs, name: string): number | undefined {
  const v = option(args, name);
  if (v === undefined) return undefined;
  const x = Number(v);
  if (v.trim() === "" || !Number.isFinite(x)) throw new RiskError("E_TYPE", `--${name}`, `--${name} must be a number (got "${v}")`);
  return x;
}

export function healthLine(h: Health): string {
  const r = h.marginRatio === null ? "" : `, equity/MM ${h.marginRatio.toFixed(3)}`;
  return `equity ${fmtNum(h.equity)} ${h.currency}, IM ${fmtNum(h.initial)}, MM ${fmtNum(h.maintenance)} (${h.model}): ` +
    `${h.status}${r}; to IM ${fmtNum(h.distance.toInitial)}, to MM ${fmtNum(h.distance.toMaintenance)}, to bankruptcy ${fmtNum(h.distance.toBankruptcy)}`;
}
