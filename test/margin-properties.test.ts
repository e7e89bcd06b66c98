/**
 * Properties of the grid and of the margin presets over random books (fast-check), on every backend:
 * - scaling every position by k scales the grid's P&L (and so its losses) by k;
 * - a perfect hedge (a position added together with its exact opposite) never raises portfolio margin,
 *   and a book hedged by its own opposite needs no portfolio margin;
 * - the worst loss of two books together is at most the sum of their worst losses (grid, SPAN scan risk,
 *   Deribit PM worst case without the extended-table dampener, which is deliberately not subadditive);
 * - a USD account of long options never loses more than their value (grid, Deribit PM, SPAN);
 * - every margin is finite and IM ≥ MM ≥ 0.
 * Collateral is held only in the account's currency, so the account matrix is the positions' P&L.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Engine } from "../src/engine/engine.js";
import type { MarginResult, PresetContext } from "../src/margin/types.js";
import { getPreset } from "../src/margin/registry.js";
import "../src/margin/presets.js";
import { BACKENDS, makeKernel } from "./helpers/backends.js";
import { account, arbGen, arbPositions, baseBook, INSTRUMENTS, neg, positionsOf, scale } from "./helpers/margin-books.js";

function results(ctx: PresetContext, preset: string): MarginResult[][] {
  return getPreset(preset).evaluate(ctx);
}
const model = (rs: MarginResult[], name: string) => rs.find((r) => r.model === name)!;
const MY_PRESETS = ["standard", "deribit-pm", "span"];
const OPTIONS = INSTRUMENTS.flatMap((id, i) => (/-[CP]$/.test(id) ? [i] : []));
const RUNS = Number(process.env.PROP_RUNS ?? 30);

for (const backend of BACKENDS) {
  describe(`margin properties [${backend}]`, () => {
    const engine = new Engine(makeKernel(backend));

    it("scaling all positions by k scales grid P&L and SPAN scan risk by k", () => {
      fc.assert(
        fc.property(arbGen, fc.double({ min: 0.1, max: 10, noNaN: true }), (g, k) => {
          const book = baseBook(g);
          const ps = positionsOf(g, g.positions);
          book.accounts = [account("b", g.currency, ps), account("kb", g.currency, positionsOf(g, g.positions, k))];
          const ctx = engine.context(book);
          const m0 = ctx.matrix(ctx.base, 0).pnl;
          const m1 = ctx.matrix(ctx.base, 1).pnl;
          const tol = 1e-9 * k * scale(g, ps, g.currency);
          for (let s = 0; s < m0.length; s++) expect(Math.abs(m1[s] - k * m0[s])).toBeLessThan(tol);
          const span = results(ctx, "span");
          expect(Math.abs(span[1][0].components.scan_risk - k * span[0][0].components.scan_risk)).toBeLessThan(tol);
        }),
        { numRuns: RUNS },
      );
    });

    it("a perfect hedge never raises portfolio margin; a book hedged by its opposite needs none", () => {
      fc.assert(
        fc.property(arbGen, arbPositions, (g, extra) => {
          const book = baseBook(g);
          const ps = positionsOf(g, g.positions);
          const p = positionsOf(g, extra);
          book.accounts = [
            account("b", g.currency, ps),
            account("b+p-p", g.currency, [...ps, ...p, ...neg(p)]),
            account("b-b", g.currency, [...ps, ...neg(ps)]),
          ];
          const ctx = engine.context(book);
          const tol = 1e-9 * (scale(g, ps, g.currency) + scale(g, p, g.currency));
          for (const name of ["deribit-pm", "span"]) {
            const rs = results(ctx, name).map((list) => model(list, name));
            expect(rs[1].initial).toBeLessThanOrEqual(rs[0].initial + tol);
            expect(rs[1].maintenance).toBeLessThanOrEqual(rs[0].maintenance + tol);
            expect(Math.abs(rs[2].initial)).toBeLessThan(tol);
          }
          // Standard cross nets futures only: a hedged pair of the same instrument nets to nothing.
          const st = results(ctx, "standard").map((list) => model(list, "cross"));
          expect(st[1].initial).toBeLessThanOrEqual(st[0].initial + tol);
        }),
        { numRuns: RUNS },
      );
    });

    it("the worst loss of two books together is at most the sum of their worst losses", () => {
      fc.assert(
        fc.property(arbGen, arbPositions, (g, other) => {
          const book = baseBook(g, { extended_dampener: 0 });
          const a = positionsOf(g, g.positions);
          const b = positionsOf(g, other);
          book.accounts = [account("a", g.currency, a), account("b", g.currency, b), account("ab", g.currency, [...a, ...b])];
          const ctx = engine.context(book);
          const tol = 1e-9 * (scale(g, a, g.currency) + scale(g, b, g.currency));
          const worst = (k: number) => {
            const m = ctx.matrix(ctx.base, k);
            return m.rows.map((_, r) => Math.max(0, -Math.min(...m.pnl.subarray(r * m.nScen, (r + 1) * m.nScen))));
          };
          const [wa, wb, wab] = [worst(0), worst(1), worst(2)];
          wab.forEach((w, r) => expect(w).toBeLessThanOrEqual(wa[r] + wb[r] + tol));
          for (const [name, key] of [["span", "scan_risk"], ["deribit-pm", "worst_case"]] as const) {
            const rs = results(ctx, name).map((list) => model(list, name).components[key]);
            expect(rs[2]).toBeLessThanOrEqual(rs[0] + rs[1] + tol);
          }
        }),
        { numRuns: RUNS },
      );
    });

    it("a USD account of long options loses at most their value: grid, deribit-pm worst case, SPAN scan risk", () => {
      // (A coin-margined account holding another coin's options can lose more in its own coin: each
      // underlying's worst case is added, and the options' coin value also falls when its coin rises.)
      const longs = fc.array(fc.tuple(fc.constantFrom(...OPTIONS), fc.integer({ min: 1, max: 400 }).map((k) => k / 10)), { minLength: 1, maxLength: 5 });
      fc.assert(
        fc.property(arbGen, longs, fc.constantFrom("USD", "USDC"), (g, list, currency) => {
          const book = baseBook(g);
          const ps = positionsOf(g, list);
          book.accounts = [account("a", currency, ps)];
          const ctx = engine.context(book);
          const m = ctx.matrix(ctx.base, 0);
          const value = m.positionsValue;
          const tol = 1e-9 * scale(g, ps, currency);
          expect(value).toBeGreaterThan(0);
          expect(-Math.min(...m.pnl)).toBeLessThanOrEqual(value + tol);
          expect(model(results(ctx, "deribit-pm")[0], "deribit-pm").components.worst_case).toBeLessThanOrEqual(value + tol);
          expect(model(results(ctx, "span")[0], "span").components.scan_risk).toBeLessThanOrEqual(value + tol);
        }),
        { numRuns: RUNS },
      );
    });

    it("margins are finite and IM ≥ MM ≥ 0 for every preset and model", () => {
      fc.assert(
        fc.property(arbGen, fc.option(arbPositions, { nil: undefined }), (g, orders) => {
          const book = baseBook(g);
          const acct = account("a", g.currency, positionsOf(g, g.positions));
          if (orders) acct.orders = positionsOf(g, orders);
          book.accounts = [acct];
          const ctx = engine.context(book);
          const tol = 1e-9 * scale(g, acct.positions, g.currency);
          for (const name of MY_PRESETS) {
            for (const r of results(ctx, name)[0]) {
              expect(Number.isFinite(r.initial) && Number.isFinite(r.maintenance)).toBe(true);
              for (const v of Object.values(r.components)) expect(Number.isFinite(v)).toBe(true);
              expect(r.maintenance).toBeGreaterThanOrEqual(0);
              expect(r.initial).toBeGreaterThanOrEqual(r.maintenance - tol);
              expect(r.currency).toBe(g.currency);
            }
          }
        }),
        { numRuns: RUNS },
      );
    });
  });
}
