/**
 * An account's margin is its own (fast-check, every backend, every preset and model): the same account
 * needs the same IM and MM alone in its book, among other accounts (before or after them, in any
 * currency), and with the book's instruments listed in another order. Catches state one account leaves
 * in shared scratch for the next, and results that depend on where an instrument sits in the table.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Engine } from "../src/engine/engine.js";
import { getPreset } from "../src/margin/registry.js";
import "../src/margin/presets.js";
import "../src/var/preset.js";
import type { Book } from "../src/types.js";
import { BACKENDS, makeKernel } from "./helpers/backends.js";
import { account, arbGen, arbPositions, baseBook, INSTRUMENTS, positionsOf, scale } from "./helpers/margin-books.js";
import { freshHistory } from "./helpers/var-cache.js";

const PRESETS = ["standard", "deribit-pm", "span", "derive-pmrm2", "var"];
const history = freshHistory();

const arbOthers = fc.array(fc.tuple(fc.constantFrom("USD", "BTC", "USDC"), arbPositions), { maxLength: 4 });
const arbOrder = fc.shuffledSubarray(INSTRUMENTS.map((_, i) => i), { minLength: INSTRUMENTS.length, maxLength: INSTRUMENTS.length });

for (const backend of BACKENDS) {
  describe(`an account's margin does not depend on the rest of the book [${backend}]`, () => {
    const engine = new Engine(makeKernel(backend));
    const margins = (book: Book, k: number) => {
      const ctx = engine.context(book);
      ctx.history = history;
      return PRESETS.flatMap((name) => getPreset(name).evaluate(ctx)[k].map((r) => ({ what: `${name}/${r.model}`, im: r.initial, mm: r.maintenance })));
    };

    it("alone, among other accounts, and with the instruments listed in another order", () => {
      fc.assert(
        fc.property(arbGen, arbOthers, fc.nat(), arbOrder, (g, others, at, order) => {
          const mine = account("mine", g.currency, positionsOf(g, g.positions));
          const alone = baseBook(g);
          alone.accounts = [mine];
          const crowded = baseBook(g, {}, order);
          const rest = others.map(([currency, ps], k) => account(`other-${k}`, currency, positionsOf(g, ps)));
          const k = at % (rest.length + 1);
          crowded.accounts = [...rest.slice(0, k), mine, ...rest.slice(k)];
          const a = margins(alone, 0);
          const b = margins(crowded, k);
          const tol = 1e-9 * scale(g, mine.positions, g.currency);
          expect(b.map((x) => x.what)).toEqual(a.map((x) => x.what));
          a.forEach((x, j) => {
            expect(Math.abs(b[j].im - x.im), `${x.what} IM ${b[j].im} vs ${x.im}`).toBeLessThanOrEqual(tol);
            expect(Math.abs(b[j].mm - x.mm), `${x.what} MM ${b[j].mm} vs ${x.mm}`).toBeLessThanOrEqual(tol);
          });
        }),
        { numRuns: Number(process.env.PROP_RUNS ?? 25) },
      );
    });
  });
}
