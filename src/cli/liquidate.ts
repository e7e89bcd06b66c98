/**
 * `riskgrid liquidate <book> [--account ID] [--model M] [--buffer B] [--half-spread H] [--slippage S]
 * [--depth-usd D]`: per account, status and distances, liquidation prices per underlying, the
 * partial-liquidation plan (with the Derive and Drift rules beside it) and the explain tables.
 */
import type { Engine } from "../engine/engine.js";
import { explain, type Explanation } from "../health/explain.js";
import { liquidationPrice, type LiquidationPriceResult } from "../health/liquidation-price.js";
import { liquidationPlan, type LiquidationPlan } from "../health/plan.js";
import { AccountProbe, toBook } from "../health/probe.js";
import type { Health } from "../health/types.js";
import { fmtNum, renderTable } from "../report/text-table.js";
import { STABLECOINS } from "../types.js";
import type { Book } from "../types.js";
import { type ParsedArgs, option } from "./args.js";
import { healthLine, modelOption, numberOption } from "./whatif.js";

export interface AccountLiquidation {
  health: Health;
  liquidationPrices: LiquidationPriceResult[];
  plan: LiquidationPlan;
  explain: Explanation;
}

/** Underlyings an account is exposed to: its instruments' underlyings and its non-stable collateral. */
export function exposures(book: Book, accountId: string): string[] {
  const a = book.accounts.find((x) => x.id === accountId)!;
  const inst = new Map(book.instruments.map((x) => [x.id, x]));
  const out = new Set<string>();
  for (const p of a.positions) if (p.qty !== 0) out.add(inst.get(p.instrument)!.underlying);
  for (const [asset, amt] of Object.entries(a.collateral)) if (amt !== 0 && book.markets[asset] && !STABLECOINS.has(asset)) out.add(asset);
  if (book.markets[a.currency]) out.add(a.currency);
  return [...out].sort();
}

export function runLiquidate(engine: Engine, args: ParsedArgs, bookText: string, format: "table" | "json"): number {
  const book = toBook(bookText);
  const model = modelOption(args);
  const only = option(args, "account");
  const ids = only !== undefined ? [only] : book.accounts.map((a) => a.id);
  const cost = {
    halfSpread: numberOption(args, "half-spread"), slippage: numberOption(args, "slippage"), depthUsd: numberOption(args, "depth-usd"),
  };
  const buffer = numberOption(args, "buffer");
  const results: AccountLiquidation[] = ids.map((id) => {
    const health = new AccountProbe(engine, book, id, model, "--account").health();
    return {
      health,
      liquidationPrices: exposures(book, health.accountId).map((u) => liquidationPrice(engine, book, id, u, { model })),
      plan: liquidationPlan(engine, book, id, { model, buffer, cost }),
      explain: explain(engine, book, id, { model }),
    };
  });
  if (format === "json") {
    process.stdout.write(JSON.stringify({ accounts: results }, null, 2) + "\n");
    return 0;
  }
  process.stdout.write(results.map(formatAccount).join("\n") + (results.length > 0 ? "" : "no accounts\n"));
  return 0;
}

function formatAccount(r: AccountLiquidation): string {
  const { health: h, plan: p, explain: e } = r;
  const c = h.currency;
  const parts: string[] = [];
  parts.push(`Account ${h.accountId} — ${healthLine(h)}\n\n`);
  parts.push(renderTable(
    ["underlying", "index (USD)", "liquidation below", "ratio", "liquidation above", "ratio"],
    r.liquidationPrices.map((l) => [
      l.underlying, l.index, l.below?.index ?? "none", l.below ? l.below.ratio : null, l.above?.index ?? "none", l.above ? l.above.ratio : null,
    ]),
    `Liquidation prices (index where equity = MM, one underlying moved, forwards in proportion; searched ${
      fmtNum(0.01)}–100 × index)${h.status === "liquidation" || h.status === "bankrupt" ? " — below MM now: levels where it recovers" : ""}`,
  ));
  parts.push(`\nPartial liquidation (target equity ≥ MM × (1 + ${p.buffer}) = ${fmtNum(p.target)} ${c}): ${p.reason}\n`);
  if (p.steps.length > 0) {
    parts.push(renderTable(
      ["#", "instrument", "reduce (contracts)", "position after", "notional (USD)", `cost (${c})`, `equity (${c})`, `MM (${c})`, `equity − MM·(1+b) (${c})`],
      p.steps.map((s, j) => [j + 1, s.instrument, s.qty, s.positionAfter, s.notionalUsd, s.cost, s.equity, s.maintenance, s.slack]),
      `Plan (${p.rule})`,
    ));
  }
  if (p.comparisons) {
    const { derive: d, uniform: u, drift } = p.comparisons;
    parts.push("\n" + renderTable(
      ["rule", "fraction of every position", "notional (USD)", `cost (${c})`, `slack after (${c})`, "reaches target"],
      [
        ["riskgrid plan", null, p.totalNotionalUsd, p.totalCost, p.slackAfter, p.saveable ? "yes" : "no"],
        [`Derive f = BM/(BM − MtM·d), BM ${fmtNum(d.bufferMargin)}, d ${fmtNum(d.discount)}`, d.cut.fraction, d.cut.notionalUsd, d.cut.cost, d.cut.slack, d.cut.reaches ? "yes" : "no"],
        ...(u ? [["least uniform fraction", u.fraction, u.notionalUsd, u.cost, u.slack, u.reaches ? "yes" : "no"]] : []),
      ],
      "Compared with uniform cuts (Derive's auction fraction)",
    ));
    parts.push("\n" + renderTable(
      ["instrument", "position", "margin ratio (1+b)·ΔMM/notional", "fee rate", "Drift estimate (contracts)", "exact alone (contracts)"],
      drift.map((x) => [x.instrument, x.position, x.marginRatio, x.liqFee, x.estimate ?? "none", x.exact ?? "not enough alone"]),
      "Drift's sizing per position: shortage / (price·(marginRatio − liqFee))",
    ));
  }
  for (const w of e.worst) {
    parts.push("\n" + renderTable(
      ["position / collateral", "qty", `P&L (${c})`],
      w.contributions.filter((x) => x.pnl !== 0).map((x) => [x.item, x.qty, x.pnl]),
      `Worst scenario ${w.underlying}: ${w.label} (${w.scenarioSet}), P&L ${fmtNum(w.pnl)} ${c}`,
    ));
  }
  parts.push("\n" + renderTable(
    ["position / charge", "qty", `IM (${c})`, `MM (${c})`],
    [...e.margin.map((x) => [x.item, x.kind === "account" ? null : x.qty, x.initial, x.maintenance]), ["total", null, e.initial, e.maintenance]],
    `Margin contributions (${e.model}${e.method === e.model ? "" : `, ${e.method} allocation`})`,
  ));
  return parts.join("");
}

