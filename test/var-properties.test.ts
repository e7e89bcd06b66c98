/**
 * Properties of VaR and ES over random books (fast-check, every backend), for historical, filtered
 * historical and (seeded) Monte Carlo scenarios, where every account sees the same scenarios:
 * - ES ≥ VaR;
 * - ES is subadditive: the ES of two books together is at most the sum of their ES (expected shortfall
 *   on one scenario set is a coherent risk measure; VaR is not, and is not tested for it);
 * - both are positively homogeneous: k times every position gives k times VaR and ES.
 * Accounts are in USD with USD collateral, so their P&L is their positions' P&L.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Engine } from "../src/engine/engine.js";
import type { VarMethod } from "../src/var/compute.js";
import { BACKENDS, makeKernel } from "./helpers/backends.js";
import { account, arbGen, arbPositions, baseBook, positionsOf, scale } from "./helpers/margin-books.js";
import { freshHistory } from "./helpers/var-cache.js";

const history = freshHistory();
const METHODS: VarMethod[] = ["historical", "fhs", "mc"];
const RUNS = Number(process.env.PROP_RUNS ?? 12);

for (const backend of BACKENDS) {
  describe(`VaR/ES properties [${backend}]`, () => {
    const engine = new Engine(makeKernel(backend));

    it("ES ≥ VaR, ES(A + B) ≤ ES(A) + ES(B), and k·A has k·VaR and k·ES", () => {
      fc.assert(
        fc.property(arbGen, arbPositions, fc.integer({ min: 1, max: 40 }).map((k) => k / 4), (g, other, k) => {
          const a = positionsOf(g, g.positions);
          const b = positionsOf(g, other);
          const book = baseBook(g);
          book.accounts = [
            account("a", "USD", a), account("b", "USD", b), account("a+b", "USD", [...a, ...b]),
            account("k·a", "USD", positionsOf(g, g.positions, k)),
          ];
          const tol = 1e-9 * (scale(g, a, "USD") + scale(g, b, "USD"));
          for (const method of METHODS) {
            const r = engine.var(book, history, { method, paths: 2_000, seed: 7 });
            const [ra, rb, rab, rka] = r.accounts;
            for (const x of r.accounts) expect(x.es, `${method} ${x.id}: ES ${x.es} < VaR ${x.var}`).toBeGreaterThanOrEqual(x.var - tol);
            expect(rab.es, `${method}: ES(a+b) ${rab.es} > ${ra.es} + ${rb.es}`).toBeLessThanOrEqual(ra.es + rb.es + tol);
            expect(Math.abs(rka.var - k * ra.var), `${method}: VaR(${k}·a) ${rka.var} vs ${k * ra.var}`).toBeLessThanOrEqual(k * tol);
            expect(Math.abs(rka.es - k * ra.es), `${method}: ES(${k}·a) ${rka.es} vs ${k * ra.es}`).toBeLessThanOrEqual(k * tol);
          }
        }),
        { numRuns: RUNS },
      );
    });
  });
}
