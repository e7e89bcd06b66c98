/**
 * Properties of the account-health functions on random books (fast-check), on every backend and for
 * every model (isolated, cross, deribit-pm and span when registered):
 * - status and margins equal the engine's report for the same account (the probe's one-account book
 *   gives the same numbers as the whole book);
 * - after its plan an account is at or above MM × (1 + buffer) — re-evaluated through the engine's
 *   report — unless the plan says it cannot be saved, and then it is bankrupt or short after closing
 *   everything; every step shrinks a position toward 0 and never flips it;
 * - the max order size passes (equity ≥ IM after it) and one more step fails, seen through what-if;
 * - explain's contributions add up to the worst-scenario P&L and to IM and MM;
 * - a liquidation level's bracket straddles equity = MM and is 1e-8 wide;
 * - none of them changes the book.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { BACKENDS, makeKernel } from "./helpers/backends.js";
import { account, book, DAY, option, perp, T0 } from "./helpers/books.js";
import { Engine } from "../src/engine/engine.js";
import {
  AccountProbe, accountHealth, defaultStep, explain, liquidationPlan, liquidationPrice, maxOrderSize, presetOfModel, whatIf,
} from "../src/health/index.js";
import { presetNames } from "../src/margin/registry.js";
import type { Account, Book, Instrument } from "../src/types.js";

/** The standard models, deribit-pm, and span as a model explained by the generic (incremental) allocation. */
const MODELS = ["isolated", "cross", "deribit-pm", "span"].filter((m) => presetNames().includes(presetOfModel(m)));

const future: Instrument = {
  id: "BTC-fut-60d", kind: "future", underlying: "BTC", settlement: "inverse", contractSize: 1, expiry: T0 + 60 * DAY,
};
const INSTRUMENTS: Instrument[] = [
  perp("BTC", "linear"), perp("BTC", "inverse"), perp("ETH", "linear"), future,
  option("BTC", "put", 70_000, 30, 0.6, "linear"), option("BTC", "call", 90_000, 30, 0.55, "inverse"),
  option("BTC", "put", 75_000, 60, 0.5, "inverse"), option("ETH", "call", 3_000, 30, 0.7, "linear"),
];
/** Typical size of one instrument, in contracts. */
const SCALE: Record<string, number> = {
  "BTC_USDC-PERPETUAL": 3, "BTC-PERPETUAL": 200_000, "ETH_USDC-PERPETUAL": 40, "BTC-fut-60d": 200_000,
};
const scaleOf = (x: Instrument) => SCALE[x.id] ?? 6;
const onStep = (x: Instrument, v: number) => Math.round((v * scaleOf(x)) / defaultStep(x)) * defaultStep(x);

const accountArb = (id: string): fc.Arbitrary<Account> =>
  fc.record({
    usd: fc.boolean(),
    legs: fc.uniqueArray(fc.record({ i: fc.nat({ max: INSTRUMENTS.length - 1 }), v: fc.integer({ min: -100, max: 100 }).filter((n) => n !== 0).map((n) => n / 100) }), {
      minLength: 1, maxLength: 4, selector: (l) => l.i,
    }),
    cash: fc.integer({ min: 0, max: 100 }).map((n) => n / 100),
  }).map(({ usd, legs, cash }) => {
    const positions: Record<string, number> = {};
    for (const { i, v } of legs) {
      const q = onStep(INSTRUMENTS[i], v);
      if (q !== 0) positions[INSTRUMENTS[i].id] = q;
    }
    return usd
      ? account(id, "USD", positions, { USDC: Math.round(cash * 150_000) })
      : account(id, "BTC", positions, { BTC: +(cash * 2).toFixed(4) });
  });

const bookArb = (model: string) =>
  fc.tuple(accountArb("a"), accountArb("b"), fc.integer({ min: -30, max: 250 }).map((n) => n / 100)).map(([a, b, ratio]) => ({
    ratio,
    book: book({
      markets: { BTC: 80_000, ETH: 2_500 }, instruments: INSTRUMENTS, accounts: [a, b],
      presets: presetOfModel(model) === "standard" ? ["standard"] : [presetOfModel(model)],
    }),
  }));

/**
 * The random book with account "a"'s cash set so that its equity is `ratio` × MM under `model`
 * (cash in the account's currency: it carries no price risk, so MM does not move with it). Ratios
 * from −0.3 to 2.5 cover bankrupt, liquidation, restricted and healthy accounts.
 */
function atRatio(engine: Engine, model: string, x: { ratio: number; book: Book }): Book {
  const b = x.book;
  const a = b.accounts[0];
  const cashAsset = a.currency === "USD" ? "USDC" : a.currency;
  const bare = { ...b, accounts: [{ ...a, collateral: {} }, b.accounts[1]] };
  const h = accountHealth(engine, bare, "a", { model });
  const cash = x.ratio * h.maintenance - h.equity;
  return { ...b, accounts: [{ ...a, collateral: { [cashAsset]: cash } }, b.accounts[1]] };
}

const tol = (x: number) => 1e-9 * Math.max(1, Math.abs(x));

describe.each(BACKENDS)("health properties on %s", (backend) => {
  const engine = new Engine(makeKernel(backend));

  describe.each(MODELS)("model %s", (model) => {
    const preset = presetOfModel(model);

    it("status, equity and margins equal the engine's report", () => {
      fc.assert(fc.property(bookArb(model), (x) => {
        const b = atRatio(engine, model, x);
        const report = engine.evaluateBook(b, { presets: [preset] });
        for (const [k, acct] of b.accounts.entries()) {
          const h = accountHealth(engine, b, acct.id, { model });
          const r = report.accounts[k];
          expect(h.equity).toBe(r.equity);
          expect(h.initial).toBe(r.margin[model].initial);
          expect(h.maintenance).toBe(r.margin[model].maintenance);
          if (r.primaryModel === model) expect(h.status).toBe(r.status);
          expect(h.distance.toMaintenance).toBe(h.equity - h.maintenance);
        }
      }), { numRuns: 25 });
    });

    it("after its plan an account is at or above MM × (1 + buffer), unless reported unsaveable", () => {
      fc.assert(fc.property(bookArb(model), fc.constantFrom(0, 0.15, 0.5), (x, buffer) => {
        const b = atRatio(engine, model, x);
        const before = JSON.stringify(b.accounts);
        const plan = liquidationPlan(engine, b, "a", { model, buffer, comparisons: false });
        expect(JSON.stringify(b.accounts)).toBe(before);
        const probe = new AccountProbe(engine, b, "a", model);
        const changes = new Map<string, number>();
        for (const s of plan.steps) {
          expect(Math.abs(s.positionAfter)).toBeLessThan(Math.abs(s.positionBefore));
          expect(s.positionAfter === 0 || Math.sign(s.positionAfter) === Math.sign(s.positionBefore)).toBe(true);
          expect(s.positionBefore).toBe(probe.position(s.instrument));
          expect(changes.has(s.instrument)).toBe(false);
          changes.set(s.instrument, s.qty);
        }
        // re-evaluate the account after the plan through the engine's report
        const after = engine.evaluateBook(probe.bookWith(changes, plan.totalCost), { presets: [preset] }).accounts[0];
        const mm = after.margin[model].maintenance;
        expect(after.equity).toBeCloseTo(plan.after.equity, 6);
        if (!plan.needed) {
          expect(plan.steps).toEqual([]);
          expect(plan.before.equity).toBeGreaterThanOrEqual((1 + buffer) * plan.before.maintenance);
        } else if (plan.saveable) {
          expect(after.equity - (1 + buffer) * mm).toBeGreaterThanOrEqual(-tol(after.equity));
        } else {
          const all = new Map(probe.held().map((id) => [id, -probe.position(id)]));
          const cost = [...all].reduce((c, [id, dq]) => c + probe.cost(id, dq), 0);
          const closed = engine.evaluateBook(probe.bookWith(all, cost), { presets: [preset] }).accounts[0];
          const short = closed.equity < (1 + buffer) * closed.margin[model].maintenance;
          expect(plan.before.equity < 0 || short).toBe(true);
        }
      }), { numRuns: 30 });
    });

    it("max order size passes and one more step fails (through what-if)", () => {
      fc.assert(fc.property(bookArb(model), fc.nat({ max: INSTRUMENTS.length - 1 }), fc.constantFrom("buy", "sell") as fc.Arbitrary<"buy" | "sell">,
        (x, i, side) => {
          const b = atRatio(engine, model, x);
          const id = INSTRUMENTS[i].id;
          const r = maxOrderSize(engine, b, "a", id, side, { model });
          const sign = side === "buy" ? 1 : -1;
          if (r.size === null) {
            // below IM and nothing on the ladder passes
            expect(r.next!.pass).toBe(false);
            return;
          }
          if (r.unbounded) return;
          const at = r.size === 0 ? null : whatIf(engine, b, "a", [{ instrument: id, qty: sign * r.size }], { model }).after;
          // The next step as the search measured it, (n + 1)·step: r.size + r.step can be another double
          // (0.5819 + 0.0001 ≠ 5 820 × 0.0001), which on a boundary as thin as one ulp may pass.
          expect(r.next!.size).toBeCloseTo(r.size + r.step, 12);
          const next = whatIf(engine, b, "a", [{ instrument: id, qty: sign * r.next!.size }], { model }).after;
          if (at) expect(at.equity).toBeGreaterThanOrEqual(at.initial);
          else expect(r.at!.equity).toBeGreaterThanOrEqual(r.at!.initial);
          expect(next.equity).toBeLessThan(next.initial);
          expect(Math.abs(r.size / r.step - Math.round(r.size / r.step))).toBeLessThan(1e-6);
        }), { numRuns: 25 });
    });

    it("what-if leaves the book alone and its verdict follows the stated rule", () => {
      fc.assert(fc.property(bookArb(model), fc.nat({ max: INSTRUMENTS.length - 1 }), fc.integer({ min: -100, max: 100 }).filter((n) => n !== 0),
        (x, i, n) => {
          const b = atRatio(engine, model, x);
          const before = JSON.stringify(b.accounts);
          const qty = onStep(INSTRUMENTS[i], n / 100) || defaultStep(INSTRUMENTS[i]);
          const r = whatIf(engine, b, "a", [{ instrument: INSTRUMENTS[i].id, qty }], { model });
          expect(JSON.stringify(b.accounts)).toBe(before);
          expect(r.before.equity).toBe(accountHealth(engine, b, "a", { model }).equity);
          // a fill at mark moves value between cash and positions: equity unchanged (no haircuts here)
          expect(Math.abs(r.after.equity - r.before.equity)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(r.before.equity) + Math.abs(qty)));
          const covered = r.after.equity >= r.after.initial;
          const reducing = r.reducesOnly && r.after.initial < r.before.initial;
          expect(r.verdict.accept).toBe(covered || reducing);
          expect(r.verdict.rule).toBe(covered ? "im-covered" : reducing ? "risk-reducing" : "rejected");
          const q0 = new AccountProbe(engine, b, "a", model).position(INSTRUMENTS[i].id);
          expect(r.reducesOnly).toBe(q0 !== 0 && Math.sign(qty) === -Math.sign(q0) && Math.abs(qty) <= Math.abs(q0));
        }), { numRuns: 25 });
    });

    it("explain: contributions add up to the worst P&L and to IM and MM", () => {
      fc.assert(fc.property(bookArb(model), (x) => {
        const b = atRatio(engine, model, x);
        const e = explain(engine, b, "a", { model });
        const h = accountHealth(engine, b, "a", { model });
        expect(e.initial).toBe(h.initial);
        expect(e.maintenance).toBe(h.maintenance);
        const sumIm = e.margin.reduce((s, c) => s + c.initial, 0);
        const sumMm = e.margin.reduce((s, c) => s + c.maintenance, 0);
        expect(Math.abs(sumIm - e.initial)).toBeLessThanOrEqual(tol(e.initial));
        expect(Math.abs(sumMm - e.maintenance)).toBeLessThanOrEqual(tol(e.maintenance));
        expect(Math.abs(e.residual.initial)).toBeLessThanOrEqual(tol(e.initial));
        for (const w of e.worst) {
          const s = w.contributions.reduce((t, c) => t + c.pnl, 0);
          expect(Math.abs(s - w.pnl)).toBeLessThanOrEqual(tol(w.pnl));
          expect(w.pnl).toBeLessThan(0);
        }
        if (model === "span") {
          expect(e.method).toBe("incremental");
        } else if (model !== "deribit-pm") {
          // the grid models explain the report's own grid worst loss
          const r = engine.evaluateBook(b, { presets: [preset] }).accounts[0];
          for (const w of e.worst) {
            const g = r.gridWorst.find((x) => x.underlying === w.underlying)!;
            expect(w.pnl).toBe(g.pnl);
            expect(w.label).toBe(g.scenario);
          }
        } else {
          // worst cases of deribit-pm: −Σ contributions per underlying = its worst_case component
          for (const w of e.worst) {
            const wc = accountWorst(engine, b, w.underlying);
            expect(Math.abs(-w.pnl - wc)).toBeLessThanOrEqual(tol(wc));
          }
        }
      }), { numRuns: 25 });
    });

    it("liquidation levels: the bracket straddles equity = MM within 1e-8", () => {
      fc.assert(fc.property(bookArb(model), fc.constantFrom("BTC", "ETH"), (x, u) => {
        const b = atRatio(engine, model, x);
        const lp = liquidationPrice(engine, b, "a", u, { model, scanSteps: 48 });
        for (const l of [lp.below, lp.above]) {
          if (!l) continue;
          expect((l.bracket[1] - l.bracket[0]) / l.bracket[0]).toBeLessThanOrEqual(1.0000001e-8);
          expect(l.index).toBeGreaterThanOrEqual(l.bracket[0]);
          expect(l.index).toBeLessThanOrEqual(l.bracket[1]);
          const safe = l.gap.map((g) => g >= 0);
          expect(safe[0]).not.toBe(safe[1]);
        }
        if (lp.below) expect(lp.below.index).toBeLessThan(lp.index);
        if (lp.above) expect(lp.above.index).toBeGreaterThan(lp.index);
      }), { numRuns: 15 });
    });
  });
});

/** deribit-pm worst_case component of underlying u for account "a" (from the report). */
function accountWorst(engine: Engine, b: Book, u: string): number {
  const r = engine.evaluateBook(b, { presets: ["deribit-pm"] }).accounts[0];
  return r.margin["deribit-pm"].components[`${u}.worst_case`] ?? 0;
}
