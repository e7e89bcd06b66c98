// @ts-check
/** Inline-SVG charts built with DOM calls (no innerHTML, no style attributes: CSP-clean). */
import { fmtMoney, fmtPct } from "./format.js";

const NS = "http://www.w3.org/2000/svg";

/** @param {string} tag @param {Record<string, string | number>} [attrs] @param {string} [text] */
function el(tag, attrs = {}, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** @param {SVGElement} parent @param {string} text */
function tooltip(parent, text) {
  parent.appendChild(el("title", {}, text));
}

/**
 * Horizontal bars: IM per model, MM as a tick, equity as a vertical line.
 * @param {HTMLElement} host
 * @param {{ model: string, initial: number, maintenance: number, releasedPct: number }[]} rows
 * @param {number} equity
 * @param {string} currency
 * @param {string} primary
 */
export function efficiencyChart(host, rows, equity, currency, primary) {
  host.replaceChildren();
  const W = 520, barH = 22, gap = 10, left = 96, right = 170, top = 8;
  const H = top + rows.length * (barH + gap) + 26;
  const max = Math.max(1e-12, equity, ...rows.map((r) => Math.max(r.initial, r.maintenance)));
  const x = (v) => left + (Math.max(0, v) / max) * (W - left - right);
  const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img", "aria-label": "initial margin by model" });
  rows.forEach((r, i) => {
    const y = top + i * (barH + gap);
    const g = el("g", { class: `bar${r.model === primary ? " primary" : ""}`, "data-model": r.model });
    g.appendChild(el("text", { x: left - 8, y: y + barH / 2 + 4, "text-anchor": "end", class: "label" }, r.model));
    g.appendChild(el("rect", { x: left, y, width: Math.max(1, x(r.initial) - left), height: barH, rx: 2, class: "im" }));
    g.appendChild(el("line", { x1: x(r.maintenance), x2: x(r.maintenance), y1: y - 2, y2: y + barH + 2, class: "mm" }));
    const rel = r.model === "isolated" ? "" : Math.abs(r.releasedPct) < 5e-4 ? " (= isolated)"
      : ` (${r.releasedPct > 0 ? "−" : "+"}${fmtPct(Math.abs(r.releasedPct))} vs isolated)`;
    g.appendChild(el("text", { x: x(r.initial) + 6, y: y + barH / 2 + 4, class: "value" }, `${fmtMoney(r.initial)}${rel}`));
    tooltip(g, `${r.model}: IM ${fmtMoney(r.initial)} ${currency}, MM ${fmtMoney(r.maintenance)} ${currency}`);
    svg.appendChild(g);
  });
  const eqX = x(equity);
  const yEnd = top + rows.length * (barH + gap);
  svg.appendChild(el("line", { x1: eqX, x2: eqX, y1: top - 4, y2: yEnd, class: "equity" }));
  svg.appendChild(el("text", { x: eqX, y: yEnd + 14, "text-anchor": "middle", class: "equity-label" }, `equity ${fmtMoney(equity)} ${currency}`));
  host.appendChild(svg);
}

/**
 * Diverging colour for P&L: red for losses, green for gains, scaled by the row's largest |P&L|.
 * @param {number} v @param {number} scale
 */
function pnlColour(v, scale) {
  if (!Number.isFinite(v)) return "#eee";
  const t = Math.min(1, Math.abs(v) / scale);
  const mix = (a, b) => Math.round(a + (b - a) * Math.sqrt(t));
  return v < 0
    ? `rgb(${mix(250, 200)},${mix(246, 30)},${mix(244, 40)})`
    : `rgb(${mix(244, 20)},${mix(250, 140)},${mix(245, 70)})`;
}

/**
 * Spot × vol heat map of one grid row (scenarioGrid(...).rows[r]).
 * @param {HTMLElement} host
 * @param {import("./riskgrid.js").ScenarioGridRow} row
 * @param {string} currency
 */
export function heatMap(host, row, currency) {
  host.replaceChildren();
  const nM = row.spotMoves.length, nV = row.volShifts.length;
  const cw = 36, ch = 34, left = 78, top = 22, bottom = 34;
  const W = left + nM * cw + 8, H = top + nV * ch + bottom;
  let scale = 0;
  for (const line of row.pnl) for (const v of line) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  scale ||= 1;
  const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, class: "fit", role: "img", "aria-label": `scenario P&L of ${row.underlying}` });
  const volName = (a) => (a > 0 ? `vol up` : a < 0 ? `vol down` : "vol same");
  row.volShifts.forEach((a, v) => {
    svg.appendChild(el("text", { x: left - 6, y: top + v * ch + ch / 2 + 4, "text-anchor": "end", class: "label" }, volName(a)));
    row.spotMoves.forEach((m, mi) => {
      const p = row.pnl[v][mi];
      const worst = row.worst && row.worst.v === v && row.worst.m === mi;
      const cell = el("rect", {
        x: left + mi * cw, y: top + v * ch, width: cw - 1, height: ch - 1, fill: pnlColour(p, scale),
        class: worst ? "cell worst" : "cell", "data-pnl": p,
      });
      tooltip(cell, `${row.underlying} ${row.labels[v][mi]}: ${fmtMoney(p)} ${currency}`);
      svg.appendChild(cell);
      if (Math.abs(p) >= scale * 0.995 || worst) {
        svg.appendChild(el("text", { x: left + mi * cw + cw / 2, y: top + v * ch + ch / 2 + 4, "text-anchor": "middle", class: "cell-text" }, compact(p)));
      }
    });
  });
  row.spotMoves.forEach((m, mi) => {
    if (nM > 11 && mi % 2 === 1) return;
    svg.appendChild(el("text", { x: left + mi * cw + cw / 2, y: top + nV * ch + 14, "text-anchor": "middle", class: "label" },
      `${m > 0 ? "+" : ""}${Math.round(m * 100)}%`));
  });
  svg.appendChild(el("text", { x: left + (nM * cw) / 2, y: H - 4, "text-anchor": "middle", class: "axis" }, `${row.underlying} spot move`));
  svg.appendChild(el("text", { x: left, y: 14, class: "axis" },
    `P&L in ${currency}; worst ${row.worst ? fmtMoney(row.worst.pnl) : "none"}; red = loss`));
  host.appendChild(svg);
}

/** @param {number} v */
function compact(v) {
  const a = Math.abs(v);
  const s = a >= 1e6 ? `${(a / 1e6).toFixed(1)}M` : a >= 1e3 ? `${(a / 1e3).toFixed(a >= 1e4 ? 0 : 1)}k` : a >= 1 ? a.toFixed(0) : a.toPrecision(2);
  return (v < 0 ? "−" : "") + s;
}
