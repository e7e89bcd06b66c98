/**
 * Explain (DESIGN §5): the worst scenario per underlying and each position's contribution to it, and
 * each position's contribution to margin. Contributions always add up to the total they explain; any
 * rounding left over is reported as `residual` (≈ 1e-12 relative).
 *
 * Worst scenario per underlying:
 * - deribit-pm: the model's own scenarios (standard table ± extended table) and its worst entry per
 *   underlying. A standard entry is the account-matrix P&L, linear in the positions: each position
 *   contributes qty × (its instrument's scenario P&L), converted to the account's currency at the
 *   scenario's prices; collateral that moves in that row (e.g. BTC held by a USD account) contributes
 *   its own line. An extended entry is the underlying's options scaled by the extended-table factor
 *   and dampened toward zero, plus everything else at the edge of the range: each option contributes
 *   its scaled P&L less the dampening allocated pro rata, everything else its edge P&L.
 * - every other model: the default 21 × 3 spot × vol grid (the report's `gridWorst`), raw P&L.
 *
 * Margin contributions:
 * - isolated: each position's own standard margin (they add up by construction); open-order IM as an
 *   account line.
 * - cross: options and spot as in isolated; futures/perpetuals of one underlying and settlement
 *   currency are margined on their net, and that margin is shared in proportion to each position's
 *   signed notional (a hedging leg gets a negative share: it releases margin).
 * - deribit-pm: per underlying, the worst case shared by the contributions at the worst scenario
 *   (−contribution), the roll shock per expiry shared by each position's delta in that expiry
 *   (signed), the delta shock by each position's share of the underlying's net delta; MM =
 *   mm_factor × risk-matrix margin, so MM contributions are the same shares scaled; MMP and open-order
 *   margin as account lines.
 * - any other model: incremental contributions M(all) − M(all but p), rescaled to add up to
 *   M(all) − M(no positions); M(no positions) (collateral risk, fixed charges) is an account line.
 */
import type { Engine } from "../engine/engine.js";
import { type AccountMatrix, accountMatrix, assetPriceUsd } from "../engine/account-matrix.js";
import { type GridRun, isInverseKind, runGrid } from "../engine/grid-run.js";
import { defaultGrid } from "../scenarios/grid.js";
import type { PresetContext } from "../margin/types.js";
import type { Book } from "../types.js";
import {
  EXTENDED_MOVES, edgeIndex, pmLabel, pmParamsFor, pmScenarioSet, pmShape, riskMatrixMargins,
} from "../margin/deribit-pm/index.js";
import { standardMarginOf, standardParamsFor } from "../margin/standard/index.js";
import { netPositions, settlementCurrency } from "../margin/standard/positions.js";
import { AccountProbe, guard, type Measure, toBook } from "./probe.js";
import type { ModelOptions } from "./types.js";

export interface ScenarioContribution {
  /** Instrument id, or "collateral:ASSET". */
  item: string;
  kind: "position" | "collateral";
  /** Contracts (positions) or amount (collateral). */
  qty: number;
  /** P&L in the account's currency. */
  pnl: number;
}

export interface WorstScenarioExplained {
  underlying: string;
  /** "deribit-pm" or "grid-21x3". */
  scenarioSet: string;
  /** Scenario index in that set. */
  scenario: number;
  label: string;
  /** P&L of the account in that scenario (the model's entry for deribit-pm), account currency. */
  pnl: number;
  /** Sorted by pnl, worst first; they sum to pnl − residual. */
  contributions: ScenarioContribution[];
  residual: number;
}

export interface MarginContribution {
  /** Instrument id, "collateral:ASSET", or an account-level charge ("open_orders_margin", …). */
  item: string;
  kind: "position" | "collateral" | "account";
  qty: number;
  initial: number;
  maintenance: number;
  /** Per component (e.g. "BTC.worst_case", "BTC.roll_shock", "futures_im"), initial margin. */
  components: Record<string, number>;
}

export interface Explanation {
  accountId: string;
  currency: string;
  model: string;
  equity: number;
  initial: number;
  maintenance: number;
  /** How margin was allocated (see the module doc). */
  method: "isolated" | "cross" | "deribit-pm" | "incremental";
  worst: WorstScenarioExplained[];
  /** Sorted by initial, largest first; they sum to initial (maintenance) − residual. */
  margin: MarginContribution[];
  residual: { initial: number; maintenance: number };
}

type Lines = Map<string, ScenarioContribution>;

/**
 * Contribution of each net position and each collateral asset to the account-matrix P&L of account
 * `k` in row r, scenario s of a run made with keepCube.
 */
export function scenarioContributions(run: GridRun, book: Book, k: number, r: number, s: number): Lines {
  const { set, table } = run;
  const cube = run.cube!;
  const S = set.nScen;
  const acct = book.accounts[k];
  const index = table.underlyings.map((u) => book.markets[u].index);
  const factorOf = new Map(table.underlyings.map((u, f) => [u, f]));
  const price = (f: number, sc: number) => (sc < 0 || !(set.joint || f === r) ? index[f] : index[f] * set.mult[f * S + sc]);
  const assetUsd = (a: string, sc: number) => {
    const f = factorOf.get(a);
    return f === undefined ? assetPriceUsd(book, a) : price(f, sc);
  };
  const acctNow = assetUsd(acct.currency, s);
  const acct0 = assetUsd(acct.currency, -1);
  const out: Lines = new Map();
  for (const { inst: i, qty } of netPositions(table, acct.positions)) {
    const f = table.underlyingOf[i];
    const inv = isInverseKind(table.kind[i]);
    const moves = set.joint || f === r;
    const v1 = run.value[i] + (moves ? cube[i * S + s] : 0);
    const usd1 = qty * v1 * (inv ? price(f, s) : 1);
    const usd0 = qty * run.value[i] * (inv ? index[f] : 1);
    const id = table.instruments[i].id;
    out.set(id, { item: id, kind: "position", qty, pnl: usd1 / acctNow - usd0 / acct0 });
  }
  for (const [asset, amt] of Object.entries(acct.collateral)) {
    if (amt === 0) continue;
    const pnl = (amt * assetUsd(asset, s)) / acctNow - (amt * assetUsd(asset, -1)) / acct0;
    if (pnl !== 0) out.set(`collateral:${asset}`, { item: `collateral:${asset}`, kind: "collateral", qty: amt, pnl });
  }
  return out;
}

const sum = (xs: Iterable<number>) => {
  let t = 0;
  for (const x of xs) t += x;
  return t;
};

function finishScenario(underlying: string, scenarioSet: string, scenario: number, label: string, pnl: number,
  lines: Lines): WorstScenarioExplained {
  const contributions = [...lines.values()].sort((a, b) => a.pnl - b.pnl);
  return { underlying, scenarioSet, scenario, label, pnl, contributions, residual: pnl - sum(contributions.map((c) => c.pnl)) };
}

/** Worst raw grid scenario per underlying (rows with a loss only). */
function gridWorst(engine: Engine, ctx: PresetContext): WorstScenarioExplained[] {
  const set = defaultGrid(ctx.table.underlyings);
  const run = runGrid(engine.kernel, ctx.table, ctx.layout, set, { keepCube: true, prices: ctx.base });
  const m: AccountMatrix = accountMatrix(run, 0, ctx.book.accounts[0]);
  const out: WorstScenarioExplained[] = [];
  m.rows.forEach((u, r) => {
    let at = -1;
    let worst = 0;
    for (let s = 0; s < m.nScen; s++) {
      if (m.pnl[r * m.nScen + s] < worst) {
        worst = m.pnl[r * m.nScen + s];
        at = s;
      }
    }
    if (at >= 0) out.push(finishScenario(u, set.name, at, set.label[at], worst, scenarioContributions(run, ctx.book, 0, r, at)));
  });
  return out;
}

interface Alloc {
  lines: Map<string, MarginContribution>;
}

function addAlloc(a: Alloc, item: string, kind: MarginContribution["kind"], qty: number, component: string, initial: number,
  maintenance: number): void {
  let c = a.lines.get(item);
  if (!c) {
    c = { item, kind, qty, initial: 0, maintenance: 0, components: {} };
    a.lines.set(item, c);
  }
  c.initial += initial;
  c.maintenance += maintenance;
  c.components[component] = (c.components[component] ?? 0) + initial;
}

function standardAlloc(ctx: PresetContext, mode: "isolated" | "cross", m: Measure): Alloc {
  const { book, table } = ctx;
  const acct = book.accounts[0];
  const paramsFor = standardParamsFor(ctx.overrides);
  const value = ctx.base.value;
  const held = netPositions(table, acct.positions);
  const a: Alloc = { lines: new Map() };
  const groups = new Map<string, typeof held>();
  for (const h of held) {
    const x = table.instruments[h.inst];
    const deltaOne = x.kind === "perpetual" || x.kind === "future";
    if (mode === "cross" && deltaOne) {
      const key = `${x.underlying}|${settlementCurrency(table, h.inst)}`;
      groups.set(key, [...(groups.get(key) ?? []), h]);
      continue;
    }
    const b = standardMarginOf(book, table, value, [h], acct.currency, "isolated", paramsFor);
    addAlloc(a, x.id, "position", h.qty, x.kind === "option" ? (h.qty > 0 ? "long_options_premium" : "short_options")
      : x.kind === "spot" && h.qty > 0 ? "long_spot_value" : "futures", b.initial, b.maintenance);
  }
  for (const list of groups.values()) {
    const b = standardMarginOf(book, table, value, list, acct.currency, "cross", paramsFor);
    const notional = list.map(({ inst: i, qty }) => {
      const x = table.instruments[i];
      const F = table.fwd[i];
      return x.settlement === "inverse" ? (qty * x.contractSize) / F : qty * x.contractSize * F;
    });
    const total = sum(notional);
    list.forEach((h, j) => {
      const share = total !== 0 ? notional[j] / total : 0;
      addAlloc(a, table.instruments[h.inst].id, "position", h.qty, "futures_net", b.initial * share, b.maintenance * share);
    });
  }
  const oo = m.margin.components.open_orders_im ?? 0;
  if (oo !== 0) addAlloc(a, "open_orders_im", "account", 0, "open_orders_im", oo, 0);
  return a;
}

function pmExplain(engine: Engine, ctx: PresetContext, m: Measure): { worst: WorstScenarioExplained[]; alloc: Alloc } {
  const { book, table } = ctx;
  const acct = book.accounts[0];
  const factors = table.underlyings;
  const paramsFor = pmParamsFor(ctx.overrides);
  const detail = riskMatrixMargins(ctx, [acct], paramsFor, ctx.layout)[0];
  const held = netPositions(table, acct.positions);
  const worst: WorstScenarioExplained[] = [];
  const alloc: Alloc = { lines: new Map() };
  const rmm = detail.riskMatrixMargin;
  const mmScale = rmm > 0 ? m.maintenance / rmm : 0;
  const add = (item: string, kind: MarginContribution["kind"], qty: number, comp: string, v: number) =>
    addAlloc(alloc, item, kind, qty, comp, v, v * mmScale);

  for (const x of detail.underlyings) {
    const u = x.underlying;
    const r = factors.indexOf(u);
    const p = paramsFor(u);
    const sh = pmShape(p.buckets_count);
    if (x.worstIndex >= 0) {
      const set = pmScenarioSet(factors, new Set([u]), paramsFor);
      const run = runGrid(engine.kernel, table, ctx.layout, set, { keepCube: true, prices: ctx.base });
      const w = x.worstIndex;
      let lines: Lines;
      if (w < sh.nStd) {
        lines = scenarioContributions(run, book, 0, r, w);
      } else {
        const move = EXTENDED_MOVES[w - sh.nStd];
        const edge = edgeIndex(p, move);
        const atEdge = scenarioContributions(run, book, 0, r, edge);
        const atMove = scenarioContributions(run, book, 0, r, w);
        const isOpt = (id: string) => {
          const i = table.indexOf.get(id);
          return i !== undefined && table.instruments[i].kind === "option" && table.instruments[i].underlying === u;
        };
        const index = book.markets[u].index;
        const acctUsd0 = assetPriceUsd(book, acct.currency);
        const S = set.nScen;
        const pc = (s: number) => (acct.currency === u ? index * set.mult[r * S + s] : acctUsd0);
        const scale = p.extended_table_factor * (p.price_range / Math.abs(move)) * (pc(w) / pc(edge));
        const adj = sum([...atMove.values()].filter((c) => isOpt(c.item)).map((c) => c.pnl * scale));
        const damp = Math.min((Math.max(Math.abs(move) / p.price_range, 1) - 1) * (p.extended_dampener / pc(edge)), Math.abs(adj));
        const keep = adj !== 0 ? 1 - damp / Math.abs(adj) : 0;
        lines = new Map();
        for (const [id, c] of atEdge) if (!isOpt(id)) lines.set(id, c);
        for (const [id, c] of atMove) if (isOpt(id)) lines.set(id, { ...c, pnl: c.pnl * scale * keep });
      }
      const e = finishScenario(u, "deribit-pm", w, pmLabel(p, w), x.preAggregated[w], lines);
      worst.push(e);
      // worst_case_u = −aggregated[w] = −pre[w] (a loss is not offset)
      for (const c of e.contributions) add(c.item, c.kind, c.qty, `${u}.worst_case`, -c.pnl);
    }
    // roll shock per expiry and delta shock, shared by signed delta
    const mine = held.filter((h) => table.instruments[h.inst].underlying === u);
    const toAcct = book.markets[u].index / assetPriceUsd(book, acct.currency);
    const d = (h: (typeof held)[number]) => h.qty * ctx.base.delta[h.inst];
    const byExpiry = new Map<number, { tau: number; delta: number; list: typeof held }>();
    for (const h of mine) {
      const xi = table.instruments[h.inst];
      if (xi.kind === "spot") continue;
      const key = xi.expiry ?? 0;
      const e = byExpiry.get(key) ?? { tau: table.tau[h.inst], delta: 0, list: [] };
      e.delta += d(h);
      e.list.push(h);
      byExpiry.set(key, e);
    }
    for (const e of byExpiry.values()) {
      if (e.delta === 0) continue;
      const roll = Math.max(p.min_annualised_move, Math.exp(p.annualised_move_risk * e.tau) - 1) * Math.abs(e.delta) * toAcct;
      for (const h of e.list) add(table.instruments[h.inst].id, "position", h.qty, `${u}.roll_shock`, (roll * d(h)) / e.delta);
    }
    const du = sum(mine.map(d));
    if (x.deltaShock !== 0 && du !== 0) {
      for (const h of mine) add(table.instruments[h.inst].id, "position", h.qty, `${u}.delta_shock`, (x.deltaShock * d(h)) / du);
    }
  }
  if (detail.correlationContingency !== 0) add("correlation_contingency", "account", 0, "correlation_contingency", detail.correlationContingency);
  for (const k of ["mmp_margin", "open_orders_margin"]) {
    const v = m.margin.components[k] ?? 0;
    if (v !== 0) addAlloc(alloc, k, "account", 0, k, v, 0);
  }
  return { worst, alloc };
}

function incrementalAlloc(probe: AccountProbe, b: Book, m: Measure): Alloc {
  const acct = b.accounts[0];
  const without = (keep: (id: string) => boolean) =>
    probe.measureBook({ ...b, accounts: [{ ...acct, positions: acct.positions.filter((p) => keep(p.instrument)) }] });
  const ids = [...new Set(acct.positions.filter((p) => p.qty !== 0).map((p) => p.instrument))];
  const none = without(() => false);
  const a: Alloc = { lines: new Map() };
  if (none.initial !== 0 || none.maintenance !== 0) addAlloc(a, "collateral_and_fixed", "account", 0, "no_positions", none.initial, none.maintenance);
  const inc = ids.map((id) => {
    const w = without((x) => x !== id);
    return { id, im: m.initial - w.initial, mm: m.maintenance - w.maintenance };
  });
  const qty = (id: string) => sum(acct.positions.filter((p) => p.instrument === id).map((p) => p.qty));
  const share = (tot: number, xs: number[]) => {
    const t = sum(xs);
    return t !== 0 ? xs.map((x) => (x * tot) / t) : xs.map(() => tot / Math.max(1, xs.length));
  };
  const im = share(m.initial - none.initial, inc.map((c) => c.im));
  const mm = share(m.maintenance - none.maintenance, inc.map((c) => c.mm));
  inc.forEach((c, j) => addAlloc(a, c.id, "position", qty(c.id), "incremental", im[j], mm[j]));
  return a;
}

export function explain(engine: Engine, book: unknown, accountId?: string, opts: ModelOptions = {}): Explanation {
  return guard(() => {
    const probe = new AccountProbe(engine, toBook(book), accountId, opts.model);
    const b = probe.bookWith();
    const { ctx, ...m } = probe.measureBook(b);
    let method: Explanation["method"];
    let worst: WorstScenarioExplained[];
    let alloc: Alloc;
    if (probe.model === "isolated" || probe.model === "cross") {
      method = probe.model;
      worst = gridWorst(engine, ctx);
      alloc = standardAlloc(ctx, probe.model, m);
    } else if (probe.model === "deribit-pm") {
      method = "deribit-pm";
      ({ worst, alloc } = pmExplain(engine, ctx, m));
    } else {
      method = "incremental";
      worst = gridWorst(engine, ctx);
      alloc = incrementalAlloc(probe, b, m);
    }
    const margin = [...alloc.lines.values()].sort((x, y) => y.initial - x.initial);
    return {
      accountId: probe.account.id, currency: probe.account.currency, model: probe.model,
      equity: m.equity, initial: m.initial, maintenance: m.maintenance, method, worst, margin,
      residual: {
        initial: m.initial - sum(margin.map((c) => c.initial)),
        maintenance: m.maintenance - sum(margin.map((c) => c.maintenance)),
      },
    };
  });
}
