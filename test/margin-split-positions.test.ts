/**
 * A position is what it nets to, however it is listed (fast-check, every backend, every preset and
 * model): an account whose positions come in pieces — q as q₁ and q − q₁, zero lines, and round trips
 * x, −x, x of which only one x remains — needs the same IM and MM as the account holding the net
 * positions once each. Netting belongs before any per-position rule; CI found deribit-pm's roll shock
 * counting a bucket again each time its running delta passed through zero. Open orders likewise: an
 * order listed as two halves needs the whole order's IM.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Engine } from "../src/engine/engine.js";
import { getPreset } from "../src/margin/registry.js";
import "../src/margin/presets.js";
import "../src/var/preset.js";
import type { Position } from "../src/types.js";
import { BACKENDS, makeKernel } from "./helpers/backends.js";
import { account, arbGen, arbPositions, baseBook, INSTRUMENTS, positionsOf, scale } from "./helpers/margin-books.js";
import { freshHistory } from "./helpers/var-cache.js";

const PRESETS = ["standard", "deribit-pm", "span", "derive-pmrm2", "var"];
const history = freshHistory();

/** How each net line is listed: a split point (fraction of q on the step grid), zero lines, a round trip. */
const arbListing = fc.array(
  fc.record({
    split: fc.integer({ min: -3, max: 3 }),
    zeros: fc.integer({ min: 0, max: 2 }),
    roundTrip: fc.boolean(),
  }),
  { minLength: INSTRUMENTS.length, maxLength: INSTRUMENTS.length },
);

/** The net positions, one line per instrument, in instrument order. */
function netted(ps: Position[]): Position[] {
  const m = new Map<string, number>();
  for (const p of ps) m.set(p.instrument, (m.get(p.instrument) ?? 0) + p.qty);
  return [...m].filter(([, q]) => q !== 0).map(([instrument, qty]) => ({ instrument, qty }));
}

/** The same net positions listed in pieces, interleaved across instruments. */
function pieces(net: Position[], listing: { split: number; zeros: number; roundTrip: boolean }[]): Position[] {
  const firsts: Position[] = [];
  const seconds: Position[] = [];
  net.forEach((p, k) => {
    const l = listing[k];
    const q1 = (p.qty * l.split) / 2; // −1.5 q … 1.5 q: the pieces may have opposite signs
    for (let z = 0; z < l.zeros; z++) firsts.push({ instrument: p.instrument, qty: 0 });
    if (l.roundTrip) firsts.push({ instrument: p.instrument, qty: p.qty }, { instrument: p.instrument, qty: -p.qty });
    firsts.push({ instrument: p.instrument, qty: q1 });
    seconds.push({ instrument: p.instrument, qty: p.qty - q1 });
  });
  return [...firsts, ...seconds];
}

for (const backend of BACKENDS) {
  describe(`a position listed in pieces is margined as its net [${backend}]`, () => {
    const engine = new Engine(makeKernel(backend));

    it("every preset and model gives the net account's IM and MM", () => {
      fc.assert(
        fc.property(arbGen, arbListing, (g, listing) => {
          const book = baseBook(g);
          const net = netted(positionsOf(g, g.positions));
          book.accounts = [account("net", g.currency, net), account("pieces", g.currency, pieces(net, listing))];
          const ctx = engine.context(book);
          ctx.history = history;
          const tol = 1e-9 * scale(g, net, g.currency);
          let compared = 0;
          for (const name of PRESETS) {
            const [a, b] = getPreset(name).evaluate(ctx);
            expect(b.map((r) => r.model)).toEqual(a.map((r) => r.model));
            a.forEach((r, k) => {
              const what = `${name}/${r.model}`;
              // 1e-9 of the notional (account currency): the pieces add up in another order.
              expect(Math.abs(b[k].initial - r.initial), `${what} IM ${b[k].initial} vs ${r.initial}`).toBeLessThanOrEqual(tol);
              expect(Math.abs(b[k].maintenance - r.maintenance), `${what} MM ${b[k].maintenance} vs ${r.maintenance}`).toBeLessThanOrEqual(tol);
              compared++;
            });
          }
          expect(compared).toBeGreaterThanOrEqual(PRESETS.length);
        }),
        { numRuns: Number(process.env.PROP_RUNS ?? 25) },
      );
    });

    it("open orders listed in halves need the IM of the whole orders", () => {
      fc.assert(
        fc.property(arbGen, arbPositions, (g, orderLines) => {
          const book = baseBook(g);
          const ps = positionsOf(g, g.positions);
          const orders = positionsOf(g, orderLines);
          const whole = account("whole", g.currency, ps);
          whole.orders = orders;
          const halves = account("halves", g.currency, ps);
          halves.orders = orders.flatMap((o) => [{ ...o, qty: o.qty / 2 }, { ...o, qty: o.qty - o.qty / 2 }]);
          book.accounts = [whole, halves];
          const ctx = engine.context(book);
          ctx.history = history;
          const tol = 1e-9 * (scale(g, ps, g.currency) + scale(g, orders, g.currency));
          for (const name of PRESETS) {
            const [a, b] = getPreset(name).evaluate(ctx);
            a.forEach((r, k) => {
              expect(Math.abs(b[k].initial - r.initial), `${name}/${r.model} IM ${b[k].initial} vs ${r.initial}`).toBeLessThanOrEqual(tol);
            });
          }
        }),
        { numRuns: Number(process.env.PROP_RUNS ?? 25) },
      );
    });
  });
}
