/**
 * Partial-liquidation plan (DESIGN §5): ordered reductions that bring an account back to
 * equity ≥ MM × (1 + buffer) with as little reduction as we can find, with their estimated cost.
 *
 * Target. Derive's Dutch auction liquidates to its buffer margin BM = MM + 0.15·(MM − MtM), in its sign
 * convention where MM is the margin surplus (equity − requirement) and MtM the account's value: that is
 * equity − 1.15 × requirement ≥ 0. riskgrid's target is the same with the buffer as a parameter:
 * equity ≥ MM × (1 + buffer), default buffer 0.15.
 *
 * Mechanics. A reduction of |Δ| contracts moves a position toward 0 at mark (src/health/probe.ts: the
 * mark value turns into cash, equity unchanged) and pays a cost
 *   cost = |Δ| × price × (halfSpread + slippage·|Δ|/depth),
 * price = USD notional of one contract, depth in contracts = depthUsd / price (CostParams), debited
 * from the account's currency. So a reduction helps only by lowering MM, and costs a little equity.
 * A step never increases a position, never opens one and never flips one (sign kept, |q| shrinks).
 *
 * Rule implemented: greedy by margin relief per unit of notional, with exact final sizing.
 * 1. Nothing to do when equity ≥ MM·(1 + buffer).
 * 2. Unsaveable — reported, with the close-everything plan — when equity < 0 (bankrupt: reductions at
 *    mark never raise equity) or when closing every position still leaves equity < MM·(1 + buffer)
 *    (collateral risk, costs).
 * 3. Each round tries, for every open position, cuts of 25/50/75 % of its original size (on the
 *    contract step) and closing what is left, and measures the slack s = equity − (1 + buffer)·MM after
 *    each (a full re-margining under the model). If some trial reaches s ≥ 0, the smallest sufficient
 *    size is found by bisection on the step for the best few such positions and the one with the least
 *    notional ends the search. Otherwise the trial with the largest gain in s per USD of notional
 *    (gain > 0; near-ties to the larger cut) is taken and the next round starts. If no trial helps
 *    (every cut raises MM, e.g. only hedges are left), positions are closed in order of slack until the
 *    target is met.
 * 4. Backward pass: each instrument's total cut (largest notional first) is shrunk by bisection to the
 *    least that keeps s ≥ 0 with the others fixed — this undoes greedy cuts the last one made
 *    unnecessary.
 * The plan trades each instrument once (its total cut; costs are those of one trade), in the order the
 * search first chose it; each step reports the account after it.
 * Why: it works for any model (the margin is re-evaluated, not linearised), frees margin where it is
 * cheapest in notional, keeps hedges while they help, and sizes the last cut exactly. It is a
 * heuristic: the least-reduction problem is a non-convex integer program in general; the `comparisons`
 * show two closed-form rules next to it on the same account:
 *
 * - Derive (solvent Dutch auction): a bidder may take at most the fraction
 *     f = BM / (BM − MtM·d − R·(1 − d))
 *   of the whole portfolio (BM buffer margin, negative; MtM account value; d the auction's discount;
 *   R cash reserved by earlier bids). It assumes margin scales linearly with the portfolio and the
 *   bidder pays MtM·d for the slice. Here: BM = equity − (1 + buffer)·MM, MtM = equity, R = 0 and
 *   d = 1 − (cost of closing everything)/equity, the discount equivalent to our cost; the uniform cut
 *   by f is then evaluated for real, next to the least uniform fraction that reaches the target
 *   (bisection). A uniform cut also sells hedges and long options that free no margin.
 * - Drift (perp partial liquidation): base to liquidate = shortage / (price·(marginRatio − liqFee) −
 *   price·ifFee), one position, linear margin ratio. Here per position: shortage = MM·(1 + buffer) −
 *   equity, marginRatio = (1 + buffer) × the MM freed per USD of notional by one step (measured),
 *   liqFee = the cost rate of one step, ifFee = 0; shown next to the exact smallest reduction of that
 *   position alone (null when closing it alone is not enough).
 */
import type { Engine } from "../engine/engine.js";
import { RiskError } from "../errors.js";
import { AccountProbe, type CostParams, defaultStep, guard, type Measure, numericOptions, stepSizer, toBook } from "./probe.js";
import type { Health, ModelOptions } from "./types.js";

export interface PlanOptions extends ModelOptions {
  /** Target equity ≥ MM × (1 + buffer). Default 0.15 (Derive's buffer margin percentage). */
  buffer?: number;
  cost?: CostParams;
  /** Contract step per instrument id (default: defaultStep). */
  steps?: Record<string, number>;
  /** Include the Derive/Drift/uniform comparisons (default true; costs extra evaluations). */
  comparisons?: boolean;
}

export interface PlanStep {
  instrument: string;
  /** Signed change in contracts (opposite sign to the position). */
  qty: number;
  positionBefore: number;
  positionAfter: number;
  /** USD notional of the reduction. */
  notionalUsd: number;
  /** Estimated cost, account currency. */
  cost: number;
  /** Account after this step. */
  equity: number;
  maintenance: number;
  initial: number;
  /** equity − (1 + buffer)·MM after this step. */
  slack: number;
}

export interface UniformCut {
  /** Fraction of every position cut (on each contract step, rounded up). */
  fraction: number;
  notionalUsd: number;
  cost: number;
  slack: number;
  reaches: boolean;
}

export interface DriftEstimate {
  instrument: string;
  position: number;
  /** (1 + buffer) × MM freed per USD notional by one step. */
  marginRatio: number;
  /** Cost per USD notional of one step. */
  liqFee: number;
  /** shortage / (price·(marginRatio − liqFee)), contracts; null when a step frees no more than it costs. */
  estimate: number | null;
  /** Smallest reduction of this position alone that reaches the target (contracts); null when it cannot. */
  exact: number | null;
}

export interface PlanComparisons {
  derive: { bufferMargin: number; markToMarket: number; discount: number; reservedCash: 0; formula: string; cut: UniformCut };
  uniform: UniformCut | null;
  drift: DriftEstimate[];
}

export interface LiquidationPlan {
  accountId: string;
  currency: string;
  model: string;
  buffer: number;
  before: Health;
  /** MM × (1 + buffer) before the plan. */
  target: number;
  /** max(0, target − equity) before the plan. */
  shortfall: number;
  /** True when the account is below its target. */
  needed: boolean;
  /** False when no plan reaches the target (bankrupt, or short even after closing everything). */
  saveable: boolean;
  reason: string;
  steps: PlanStep[];
  after: Health;
  /** equity − (1 + buffer)·MM after the plan. */
  slackAfter: number;
  totalNotionalUsd: number;
  totalCost: number;
  rule: string;
  comparisons: PlanComparisons | null;
  evaluations: number;
}

export const PLAN_RULE = "greedy: largest gain in equity − (1+buffer)·MM per USD notional among 25/50/75/100 % cuts of each position; " +
  "last cut sized exactly by bisection on the contract step; then each instrument's total cut shrunk to the least that keeps the target";

interface State {
  changes: Map<string, number>;
  cost: number;
  m: Measure;
}

export function liquidationPlan(engine: Engine, book: unknown, accountId?: string, opts: PlanOptions = {}): LiquidationPlan {
  return guard(() => planFor(new AccountProbe(engine, toBook(book), accountId, opts.model), opts));
}

export function planFor(probe: AccountProbe, opts: PlanOptions = {}): LiquidationPlan {
  numericOptions(opts, ["buffer"]);
  const buffer = opts.buffer ?? 0.15;
  if (!(buffer >= 0 && Number.isFinite(buffer))) throw new RiskError("E_RANGE", "buffer", "buffer must be a number ≥ 0");
  const costP = opts.cost ?? {};
  const stepOf = (id: string) => {
    const s = opts.steps?.[id] ?? defaultStep(probe.instrument(id));
    if (!(s > 0 && Number.isFinite(s))) throw new RiskError("E_RANGE", `steps.${id}`, "a contract step must be > 0");
    return s;
  };
  const slack = (m: Measure) => m.equity - (1 + buffer) * m.maintenance;
  const m0 = probe.measure();
  const before = probe.health(m0);
  const target0 = (1 + buffer) * m0.maintenance;
  const allIds = probe.held();
  /** Cost of a set of reductions, each instrument traded once (account currency). */
  const costOf = (changes: ReadonlyMap<string, number>) => {
    let c = 0;
    for (const [id, dq] of changes) if (dq !== 0) c += probe.cost(id, dq, costP);
    return c;
  };
  const stateOf = (changes: Map<string, number>): State => {
    const cost = costOf(changes);
    return { changes, cost, m: probe.measure(changes, cost) };
  };
  const s0: State = { changes: new Map(), cost: 0, m: m0 };
  const cur = (s: State, id: string) => probe.position(id) + (s.changes.get(id) ?? 0);
  const open = (s: State) => allIds.filter((id) => cur(s, id) !== 0);
  /** Reduction of `id` by `size` contracts (≤ |position|) on top of `s`; a full close is exact. */
  const reduce = (s: State, id: string, size: number): State => {
    const q = cur(s, id);
    const dq = size >= Math.abs(q) ? -q : -Math.sign(q) * size;
    const changes = new Map(s.changes);
    changes.set(id, (changes.get(id) ?? 0) + dq);
    return stateOf(changes);
  };
  /** Smallest n·step (or the full position) reduction of `id` from `s` reaching slack ≥ 0, given that `hiSize` does. */
  const minimal = (s: State, id: string, hiSize: number): { size: number; state: State } => {
    const q = Math.abs(cur(s, id));
    const step = stepOf(id);
    const N = Math.ceil(q / step - 1e-9);
    const steps = stepSizer(step);
    const sizeOf = (n: number) => (n >= N ? q : steps(n));
    let lo = 0;
    let hi = Math.min(N, Math.ceil(hiSize / step - 1e-9));
    let best = reduce(s, id, sizeOf(hi));
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      const t = reduce(s, id, sizeOf(mid));
      if (slack(t.m) >= 0) {
        hi = mid;
        best = t;
      } else lo = mid;
    }
    return { size: sizeOf(hi), state: best };
  };
  /** Instruments in the order the search first touched them. */
  const order: string[] = [];
  const touch = (id: string) => {
    if (!order.includes(id)) order.push(id);
  };
  /** Close everything, best slack first (used when unsaveable and as the fallback). */
  const closeInOrder = (s: State, stopAtTarget: boolean): State => {
    while (open(s).length > 0) {
      let bestId = "";
      let best: State | null = null;
      for (const id of open(s)) {
        const t = reduce(s, id, Math.abs(cur(s, id)));
        if (!best || slack(t.m) > slack(best.m)) {
          best = t;
          bestId = id;
        }
      }
      touch(bestId);
      if (stopAtTarget && slack(best!.m) >= 0) return minimal(s, bestId, Math.abs(cur(s, bestId))).state;
      s = best!;
    }
    return s;
  };

  let saveable = true;
  let reason = "";
  let st = s0;
  const needed = slack(m0) < 0;
  if (!needed) {
    reason = `equity ${fmt(m0.equity)} ≥ MM × (1 + ${buffer}) = ${fmt(target0)}: nothing to reduce`;
  } else {
    const allClosed = stateOf(new Map(allIds.map((id) => [id, -probe.position(id)])));
    if (m0.equity < 0) {
      saveable = false;
      reason = `bankrupt: equity ${fmt(m0.equity)} < 0; reductions at mark cannot raise equity (the plan closes everything)`;
      st = closeInOrder(st, false);
    } else if (slack(allClosed.m) < 0) {
      saveable = false;
      reason = `unsaveable: still short by ${fmt(-slack(allClosed.m))} after closing every position ` +
        `(equity ${fmt(allClosed.m.equity)} vs MM × (1 + ${buffer}) = ${fmt((1 + buffer) * allClosed.m.maintenance)}); the plan closes everything`;
      st = closeInOrder(st, false);
    } else {
      st = greedy(st);
      st = prune(st);
    }
  }
  // The steps: one trade per instrument, in the order the search chose them.
  const steps: PlanStep[] = [];
  let walk = s0;
  for (const id of order) {
    const dq = st.changes.get(id) ?? 0;
    if (dq === 0) continue;
    const changes = new Map(walk.changes);
    changes.set(id, dq);
    const next = id === order[order.length - 1] && changes.size === st.changes.size ? st : stateOf(changes);
    const q0 = probe.position(id);
    steps.push({
      instrument: id, qty: dq, positionBefore: q0, positionAfter: q0 + dq,
      notionalUsd: Math.abs(dq) * probe.notionalUsd(id), cost: next.cost - walk.cost,
      equity: next.m.equity, maintenance: next.m.maintenance, initial: next.m.initial, slack: slack(next.m),
    });
    walk = next;
  }
  if (needed && saveable) {
    if (slack(st.m) >= 0) {
      reason = `${steps.length} reduction(s) bring equity to ${fmt(st.m.equity)} ≥ MM × (1 + ${buffer}) = ${fmt((1 + buffer) * st.m.maintenance)}`;
    } else {
      saveable = false;
      reason = `unsaveable: still short by ${fmt(-slack(st.m))} after the reductions`;
    }
  }

  /** Greedy rounds (module doc, rule step 3). */
  function greedy(start: State): State {
    let s = start;
    const fractions = [0.25, 0.5, 0.75];
    const maxRounds = 4 * allIds.length + 8;
    for (let round = 0; round < maxRounds; round++) {
      const base = slack(s.m);
      type Trial = { id: string; size: number; t: State; gain: number; eff: number };
      const trials: Trial[] = [];
      for (const id of open(s)) {
        const q = Math.abs(cur(s, id));
        const q0 = Math.abs(probe.position(id));
        const step = stepOf(id);
        const sizes = new Set<number>([q]);
        const steps = stepSizer(step);
        for (const f of fractions) {
          const size = steps(Math.max(1, Math.round((f * q0) / step)));
          if (size < q) sizes.add(size);
        }
        for (const size of sizes) {
          const t = reduce(s, id, size);
          const gain = slack(t.m) - base;
          trials.push({ id, size, t, gain, eff: gain / Math.max(size * probe.notionalUsd(id), 1e-300) });
        }
      }
      if (trials.length === 0) return s;
      const reaching = trials.filter((x) => slack(x.t.m) >= 0);
      if (reaching.length > 0) {
        // smallest reaching size per instrument, best few by efficiency, then exact sizing
        const perId = new Map<string, Trial>();
        for (const x of reaching) if (!perId.has(x.id) || x.size < perId.get(x.id)!.size) perId.set(x.id, x);
        const cands = [...perId.values()].sort((a, b) => b.eff - a.eff).slice(0, 4);
        let best: { id: string; size: number; state: State } | null = null;
        for (const c of cands) {
          const r = minimal(s, c.id, c.size);
          const n = r.size * probe.notionalUsd(c.id);
          const bn = best ? best.size * probe.notionalUsd(best.id) : Infinity;
          if (!best || n < bn || (n === bn && r.state.cost < best.state.cost)) best = { id: c.id, ...r };
        }
        touch(best!.id);
        return best!.state;
      }
      // Best gain per notional; near-ties (within 0.1 %: linear margins make every cut of a position
      // about equally efficient, slippage only slightly favouring small ones) go to the larger cut.
      const near = (a: number, b: number) => Math.abs(a - b) <= 1e-3 * Math.max(Math.abs(a), Math.abs(b));
      const helpful = trials.filter((x) => x.gain > 0);
      if (helpful.length === 0) break;
      const top = Math.max(...helpful.map((x) => x.eff));
      const pick = helpful.filter((x) => near(x.eff, top))
        .sort((a, b) => b.size * probe.notionalUsd(b.id) - a.size * probe.notionalUsd(a.id))[0];
      touch(pick.id);
      s = pick.t;
    }
    return closeInOrder(s, true);
  }

  /**
   * Backward pass: with the target reached, shrink each instrument's total reduction (largest notional
   * first) to the least that still keeps the final slack ≥ 0, the others fixed.
   */
  function prune(s: State): State {
    if (slack(s.m) < 0) return s;
    const ids = [...s.changes.keys()].filter((id) => s.changes.get(id) !== 0)
      .sort((a, b) => Math.abs(s.changes.get(b)!) * probe.notionalUsd(b) - Math.abs(s.changes.get(a)!) * probe.notionalUsd(a));
    for (const id of ids) {
      const dq = s.changes.get(id)!;
      const step = stepOf(id);
      const full = Math.abs(dq);
      const N = Math.ceil(full / step - 1e-9);
      const steps = stepSizer(step);
      const with_ = (n: number): State => {
        const changes = new Map(s.changes);
        changes.set(id, n >= N ? dq : -Math.sign(probe.position(id)) * steps(n));
        return stateOf(changes);
      };
      let lo = -1;
      let hi = N;
      let best = s;
      const zero = with_(0);
      if (slack(zero.m) >= 0) {
        s = zero;
        continue;
      }
      lo = 0;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        const t = with_(mid);
        if (slack(t.m) >= 0) {
          hi = mid;
          best = t;
        } else lo = mid;
      }
      s = best;
    }
    return s;
  }

  const comparisons = needed && opts.comparisons !== false && m0.equity >= 0 ? compare() : null;
  return {
    accountId: probe.account.id, currency: probe.account.currency, model: probe.model, buffer, before,
    target: target0, shortfall: Math.max(0, target0 - m0.equity), needed, saveable, reason, steps,
    after: probe.health(st.m), slackAfter: slack(st.m),
    totalNotionalUsd: steps.reduce((s, x) => s + x.notionalUsd, 0), totalCost: st.cost, rule: PLAN_RULE, comparisons,
    evaluations: probe.evaluations,
  };

  function fmt(x: number): string {
    return `${+x.toPrecision(8)} ${probe.account.currency}`;
  }

  function uniformCut(f: number): UniformCut {
    const changes = new Map<string, number>();
    let cost = 0;
    let notionalUsd = 0;
    for (const id of allIds) {
      const q = probe.position(id);
      const step = stepOf(id);
      const size = Math.min(Math.abs(q), stepSizer(step)(Math.ceil((f * Math.abs(q)) / step - 1e-9)));
      if (size === 0) continue;
      const dq = size >= Math.abs(q) ? -q : -Math.sign(q) * size;
      changes.set(id, dq);
      cost += probe.cost(id, dq, costP);
      notionalUsd += Math.abs(dq) * probe.notionalUsd(id);
    }
    const m = probe.measure(changes, cost);
    return { fraction: f, notionalUsd, cost, slack: slack(m), reaches: slack(m) >= 0 };
  }

  function compare(): PlanComparisons {
    const E = m0.equity;
    const BM = E - (1 + buffer) * m0.maintenance;
    const allCost = allIds.reduce((c, id) => c + probe.cost(id, probe.position(id), costP), 0);
    const d = E > 0 ? 1 - allCost / E : 0;
    const denom = BM - E * d;
    const f = denom !== 0 ? Math.min(1, Math.max(0, BM / denom)) : 1;
    const derive = {
      bufferMargin: BM, markToMarket: E, discount: d, reservedCash: 0 as const,
      formula: "f = BM / (BM − MtM·d − R·(1 − d))", cut: uniformCut(f),
    };
    let uniform: UniformCut | null = null;
    if (uniformCut(1).reaches) {
      let lo = 0;
      let hi = 1;
      while (hi - lo > 1e-4) {
        const mid = (lo + hi) / 2;
        if (uniformCut(mid).reaches) hi = mid;
        else lo = mid;
      }
      uniform = uniformCut(hi);
    }
    const shortage = (1 + buffer) * m0.maintenance - E;
    const drift: DriftEstimate[] = allIds
      .map((id) => ({ id, n: Math.abs(probe.position(id)) * probe.notionalUsd(id) }))
      .sort((a, b) => b.n - a.n)
      .slice(0, 10)
      .map(({ id }) => {
        const q = probe.position(id);
        const one = Math.min(Math.abs(q), stepOf(id));
        const t = reduce(s0, id, one);
        const price = probe.notionalUsd(id);
        const nUsd = one * price;
        const marginRatio = ((1 + buffer) * (m0.maintenance - t.m.maintenance)) / probe.usdToAccount(nUsd);
        const liqFee = t.cost / probe.usdToAccount(nUsd);
        const perContract = probe.usdToAccount(price) * (marginRatio - liqFee);
        const full = reduce(s0, id, Math.abs(q));
        const exact = slack(full.m) >= 0 ? minimal(s0, id, Math.abs(q)).size : null;
        return {
          instrument: id, position: q, marginRatio, liqFee,
          estimate: perContract > 0 ? shortage / perContract : null, exact,
        };
      });
    return { derive, uniform, drift };
  }
}
