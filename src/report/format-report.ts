/** The `report` command's human-readable output. */
import type { Report } from "./types.js";
import { fmtNum, renderTable } from "./text-table.js";

export function formatReport(r: Report): string {
  const parts: string[] = [];
  parts.push(`riskgrid report — valuation ${r.valuationTime}, backend ${r.backend}, presets ${r.presets.join(", ")}\n`);
  parts.push(renderTable(
    ["instrument", "price", "delta (coin)", "gamma (coin/USD)", "vega (USD/vol pt)", "theta (USD/day)", "rho (USD/rate pt)"],
    r.instruments.map((x) => [x.id, x.price, x.delta, x.gamma, x.vega, x.theta, x.rho]),
    "Instruments (per contract; option price in settlement currency, delta-one price in USD; greeks of the USD value)",
  ));
  for (const a of r.accounts) {
    parts.push(`\nAccount ${a.id} — currency ${a.currency}, equity ${a.equity.toFixed(6)} ${a.currency}, status ${a.status} under ${a.primaryModel}` +
      (a.marginRatio === null ? "" : `, equity/MM ${a.marginRatio.toFixed(3)}`) +
      `; equity − IM ${fmtNum(a.distances.toInitial)}, equity − MM ${fmtNum(a.distances.toMaintenance)}\n`);
    parts.push(renderTable(
      ["underlying / expiry", "delta (coin)", "gamma", "vega (USD)", "theta (USD/day)", "rho (USD)"],
      [
        ...Object.entries(a.greeks.byUnderlying).map(([u, g]) => [`${u} (net)`, g.delta, g.gamma, g.vega, g.theta, g.rho]),
        ...Object.entries(a.greeks.byExpiry).map(([k, g]) => [`  ${k}`, g.delta, g.gamma, g.vega, g.theta, g.rho]),
      ],
      "Netted greeks",
    ));
    parts.push(renderTable(
      ["underlying", `worst grid P&L (${a.currency})`, "scenario"],
      a.gridWorst.map((w) => [w.underlying, w.pnl, w.scenario]),
      "Spot × vol grid (21 moves −50 %…+50 % × vol up/same/down)",
    ));
    parts.push(renderTable(
      ["model", `IM (${a.currency})`, `MM (${a.currency})`, "released vs isolated", "released %"],
      a.capitalEfficiency.map((c) => [c.model, c.initial, a.margin[c.model].maintenance, c.released, `${(c.releasedPct * 100).toFixed(1)}%`]),
      "Margin by model (capital efficiency)",
    ));
  }
  return parts.join("");
}
