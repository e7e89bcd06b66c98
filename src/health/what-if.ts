/**
 * What-if (DESIGN §5): margin, greeks and status of one account after a list of hypothetical orders,
 * without changing the book, and a pre-trade verdict.
 *
 * Orders are filled at mark (src/health/probe.ts): futures and perpetuals change no cash, an option's
 * premium moves between cash and position value, so the fill itself leaves equity unchanged and the
 * verdict is about margin.
 *
 * Pre-trade rule (riskgrid's, after Deribit's and Derive's practice of letting reducing orders through):
 * 1. accept when equity ≥ IM after the orders ("im-covered");
 * 2. else accept when the orders strictly reduce risk: every instrument they touch is held, its
 *    position shrinks toward 0 without changing sign, and IM after < IM before ("risk-reducing") —
 *    an account below IM may always trade out of trouble;
 * 3. else reject, saying by how much IM exceeds equity (or that a reducing order does not lower IM).
 */
import type { Engine } from "../engine/engine.js";
import { statusOf } from "../engine/engine.js";
import type { GreekSet } from "../report/types.js";
import { RiskError } from "../errors.js";
import { AccountProbe, checkOrders, guard, healthOf, ordersToChanges, toBook } from "./probe.js";
import type { Health, ModelOptions, Order } from "./types.js";
import type { Book } from "../types.js";

export interface WhatIfState extends Health {
  /** Netted greeks per underlying (USD greeks, DESIGN §2). */
  greeks: Record<string, GreekSet>;
  /** IM and MM of every model the preset gives (standard: isolated and cross). */
  margins: Record<string, { initial: number; maintenance: number }>;
}

export interface PositionChange {
  instrument: string;
  before: number;
  change: number;
  after: number;
}

export type VerdictRule = "im-covered" | "risk-reducing" | "rejected";

export interface Verdict {
  accept: boolean;
  rule: VerdictRule;
  reason: string;
}

export interface WhatIfResult {
  accountId: string;
  currency: string;
  model: string;
  orders: Order[];
  positions: PositionChange[];
  before: WhatIfState;
  after: WhatIfState;
  /** True when every order only shrinks a held position toward 0 (no new position, no flip). */
  reducesOnly: boolean;
  verdict: Verdict;
}

function stateOf(probe: AccountProbe, engine: Engine, b: Book): WhatIfState {
  const r = engine.evaluateBook(b, { presets: [probe.preset] }).accounts[0];
  const m = r.margin[probe.model];
  if (!m) throw new RiskError("E_PRESET", "model", `preset "${probe.preset}" gives no model "${probe.model}"`);
  const h = healthOf(r.id, r.currency, probe.model, {
    equity: r.equity, initial: m.initial, maintenance: m.maintenance,
    status: statusOf(r.equity, m.initial, m.maintenance), margin: m,
  });
  const margins: WhatIfState["margins"] = {};
  for (const [k, v] of Object.entries(r.margin)) margins[k] = { initial: v.initial, maintenance: v.maintenance };
  return { ...h, greeks: r.greeks.byUnderlying, margins };
}

/** Does moving each instrument by its change only shrink a held position toward 0? */
export function onlyReduces(probe: AccountProbe, changes: ReadonlyMap<string, number>): boolean {
  for (const [id, dq] of changes) {
    if (dq === 0) continue;
    const q0 = probe.position(id);
    const q1 = q0 + dq;
    if (q0 === 0 || Math.sign(dq) === Math.sign(q0) || Math.abs(dq) > Math.abs(q0) || (q1 !== 0 && Math.sign(q1) !== Math.sign(q0))) {
      return false;
    }
  }
  return true;
}

export function verdictOf(before: Health, after: Health, reducesOnly: boolean): Verdict {
  const ccy = after.currency;
  const f = (x: number) => `${+x.toPrecision(8)} ${ccy}`;
  if (after.equity >= after.initial) {
    return { accept: true, rule: "im-covered", reason: `equity ${f(after.equity)} ≥ IM ${f(after.initial)} after the orders` };
  }
  if (reducesOnly && after.initial < before.initial) {
    return {
      accept: true, rule: "risk-reducing",
      reason: `the orders only reduce positions and lower IM from ${f(before.initial)} to ${f(after.initial)} ` +
        `(equity ${f(after.equity)} is still below IM)`,
    };
  }
  if (reducesOnly) {
    return {
      accept: false, rule: "rejected",
      reason: `the orders only reduce positions but do not lower IM (${f(before.initial)} → ${f(after.initial)}), ` +
        `and IM exceeds equity by ${f(after.initial - after.equity)}`,
    };
  }
  return {
    accept: false, rule: "rejected",
    reason: `IM after the orders ${f(after.initial)} exceeds equity ${f(after.equity)} by ${f(after.initial - after.equity)}`,
  };
}

export function whatIf(engine: Engine, book: unknown, accountId: string | undefined, orders: readonly Order[],
  opts: ModelOptions = {}): WhatIfResult {
  return guard(() => {
    const b = toBook(book);
    checkOrders(b, orders);
    const probe = new AccountProbe(engine, b, accountId, opts.model);
    const changes = ordersToChanges(orders);
    const before = stateOf(probe, engine, probe.bookWith());
    const after = stateOf(probe, engine, probe.bookWith(changes));
    const reducesOnly = onlyReduces(probe, changes);
    const positions: PositionChange[] = [...changes].map(([instrument, change]) => {
      const q0 = probe.position(instrument);
      return { instrument, before: q0, change, after: q0 + change };
    });
    return {
      accountId: probe.account.id, currency: probe.account.currency, model: probe.model,
      orders: orders.map((o) => ({ instrument: o.instrument, qty: o.qty })), positions, before, after, reducesOnly,
      verdict: verdictOf(before, after, reducesOnly),
    };
  });
}
