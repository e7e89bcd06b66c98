/**
 * Reliability (issue 9): capacity and memory.
 *
 * - A book whose kernel layout would pass the wasm maximum (32 768 pages = 2 GiB) is a RiskError
 *   E_CAPACITY naming the limit and the book's dimensions, raised before any memory.grow; the engine
 *   stays correct. What passes the limit in practice is the account pass of evaluate(): its P&L
 *   output is accounts × 2·underlyings × scenarios (every account gets a row for every underlying,
 *   held or not), so 100 000 accounts over 25 markets need 2.4 GiB even with no positions at all.
 *   A tick session over the same book works: it runs the account pass in chunks of accounts.
 * - 10^6 positions (100 000 accounts × 10) evaluate on simd with every number finite, and a second
 *   evaluation neither grows memory nor changes a bit.
 * - Memory: wasm memory cannot shrink, so kernel.memoryBytes() stays at its peak after a large book
 *   (or a session) and a second large evaluation does not grow it further; the js kernel gives its
 *   arrays back on the next smaller evaluation and when a session closes. The JS heap returns to its
 *   baseline once a closed session is dropped.
 */
import v8 from "node:v8";
import vm from "node:vm";
import { describe, expect, it } from "vitest";
import { initSync, type Report } from "../src/index.js";
import { RiskError } from "../src/errors.js";
import { loadKernelSync } from "../src/kernel/select.js";
import { MAX_MEMORY_BYTES, MAX_MEMORY_PAGES } from "../src/kernel/wasm-kernel.js";
import type { BookInput } from "../src/types.js";
import { attempt, bigBook, firstDifference, knownBook, nonFinite } from "./helpers/fuzz.js";

/** No positions, `markets` underlyings, `accounts` accounts: the account pass alone is large. */
function wideBook(markets: number, accounts: number): BookInput {
  const m: BookInput["markets"] = {};
  for (let u = 0; u < markets; u++) m[`C${u}`] = { index: 100 + u };
  return {
    valuationTime: "2026-08-22T00:00:00Z",
    markets: m,
    instruments: [{ id: "C0-PERPETUAL" }, { id: "C1_USDC-PERPETUAL" }],
    accounts: Array.from({ length: accounts }, (_, a) => ({
      id: `a${a}`, collateral: { USDC: 1000 },
      positions: (a % 997 === 0 ? { "C0-PERPETUAL": 100, "C1_USDC-PERPETUAL": -2 } : {}) as Record<string, number>,
    })),
  };
}

function expectCapacityError(e: unknown): RiskError {
  expect(e).toBeInstanceOf(RiskError);
  const r = e as RiskError;
  expect(r.code, r.message).toBe("E_CAPACITY");
  expect(r.path).toBe("");
  expect(r.message).toMatch(new RegExp(`the limit is ${(MAX_MEMORY_BYTES / 2 ** 20).toFixed(1)} MiB`));
  expect(r.message).toMatch(new RegExp(`maximumMemory ${MAX_MEMORY_PAGES} pages`));
  return r;
}

describe("E_CAPACITY before wasm memory passes its maximum", () => {
  const wide = wideBook(25, 100_000);

  it.each(["simd", "scalar"] as const)("%s: an account pass over 100 000 accounts × 25 underlyings is E_CAPACITY, nothing grows, the engine stays correct", (b) => {
    const engine = initSync({ backend: b });
    const reference = initSync({ backend: b }).evaluate(knownBook());
    engine.evaluate(knownBook());
    const before = engine.kernel.memoryBytes();
    const o = attempt(() => engine.evaluate(wide));
    expect(o.ok).toBe(false);
    const e = expectCapacityError(!o.ok && o.error);
    expect(e.message).toMatch(/100000 accounts/);
    expect(engine.kernel.memoryBytes(), "nothing was grown").toBe(before);
    expect(firstDifference(engine.evaluate(knownBook()), reference)).toBeNull();
  });

  it("simd: the same book through a tick session (no account × scenario matrix) works, far below the limit", () => {
    const engine = initSync({ backend: "simd" });
    const s = engine.open(wide);
    const r = s.evaluate();
    expect(r.initial.length).toBe(100_000);
    expect(nonFinite(r)).toEqual([]);
    // The session keeps per account its positions and, per underlying, coin collateral, haircut
    // weight and the factor's kept worst loss, roll term and value (40 B × 25 underlyings × 100 000
    // accounts = 100 MB here): 5 % of the limit.
    expect(engine.kernel.memoryBytes()).toBeLessThan(MAX_MEMORY_BYTES / 16);
    s.close();
  });

  it.each(["simd", "scalar"] as const)("%s: a cube of 5 000 000 instruments × 63 scenarios is E_CAPACITY at reserve, and the kernel still works", (b) => {
    const k = loadKernelSync(b);
    const small = { nInst: 2, nScen: 3, nFactors: 1, nAcc: 1, nPos: 1, nGroups: 1, nBuckets: 1 };
    k.reserve(small);
    const before = k.memoryBytes();
    const o = attempt(() => k.reserve({ ...small, nInst: 5_000_000, nScen: 63 }));
    const e = expectCapacityError(!o.ok && o.error);
    expect(e.message).toMatch(/5000000 instruments × 63 scenarios/);
    expect(k.memoryBytes()).toBe(before);
    expect(k.reserve(small).cube.length).toBe(6);
  });
});

describe("10^6 positions", () => {
  it("simd: 100 000 accounts × 10 positions evaluate with every number finite; a second evaluation grows nothing and changes no bit", () => {
    const engine = initSync({ backend: "simd" });
    const book = engine.parse(bigBook(100_000, 10));
    expect(book.accounts.reduce((n, a) => n + a.positions.length, 0)).toBe(1_000_000);
    const first: Report = engine.evaluateBook(book, { presets: ["standard"] });
    expect(first.accounts).toHaveLength(100_000);
    expect(nonFinite(first)).toEqual([]);
    const peak = engine.kernel.memoryBytes();
    const second = engine.evaluateBook(book, { presets: ["standard"] });
    expect(engine.kernel.memoryBytes(), "no growth on the second evaluation").toBe(peak);
    expect(firstDifference(second, first)).toBeNull();
    // and the engine still answers small books exactly as a fresh one does
    expect(firstDifference(engine.evaluate(knownBook()), initSync({ backend: "simd" }).evaluate(knownBook()))).toBeNull();
    expect(engine.kernel.memoryBytes(), "wasm memory cannot shrink: it stays at its peak").toBe(peak);
  });
});

describe("memory after large books and sessions", () => {
  const big = bigBook(8_000, 10, 7);

  it.each(["simd", "scalar"] as const)("%s: kernel memory stays at its peak (wasm cannot shrink) and never grows past it for the same book", (b) => {
    const engine = initSync({ backend: b });
    engine.evaluate(knownBook());
    const small = engine.kernel.memoryBytes();
    engine.evaluate(big);
    const peak = engine.kernel.memoryBytes();
    expect(peak).toBeGreaterThan(small);
    engine.evaluate(knownBook());
    expect(engine.kernel.memoryBytes()).toBe(peak);
    engine.evaluate(big);
    expect(engine.kernel.memoryBytes()).toBe(peak);
    const s = engine.open(big);
    s.evaluate();
    s.close();
    const afterSession = engine.kernel.memoryBytes();
    const s2 = engine.open(big);
    s2.evaluate();
    s2.close();
    expect(engine.kernel.memoryBytes(), "a second session of the same book grows nothing").toBe(afterSession);
  });

  it("js: kernel arrays go back to the small book's size after a large book, and to the 1-row baseline after a session closes", () => {
    const engine = initSync({ backend: "js" });
    engine.evaluate(knownBook());
    const small = engine.kernel.memoryBytes();
    engine.evaluate(big);
    expect(engine.kernel.memoryBytes()).toBeGreaterThan(small * 10);
    engine.evaluate(knownBook());
    expect(engine.kernel.memoryBytes()).toBe(small);
    const s = engine.open(big);
    s.evaluate();
    expect(engine.kernel.memoryBytes()).toBeGreaterThan(small);
    s.close();
    expect(engine.kernel.memoryBytes()).toBeLessThanOrEqual(small);
  });

  it("closing a session gives its memory back to the JS heap; closing one leaves another session of the same engine intact", async () => {
    v8.setFlagsFromString("--expose-gc");
    const gc = vm.runInNewContext("gc") as () => void;
    const settle = async () => {
      for (let k = 0; k < 3; k++) {
        gc();
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const used = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const wide = wideBook(25, 30_000); // per-account arrays of 25 underlyings: ~35 MB while open
    const run = (e: ReturnType<typeof initSync>) => {
      const s = e.open(wide);
      s.evaluate();
      s.close();
    };
    run(initSync({ backend: "simd" })); // warm up code and caches on a throwaway engine
    await settle();
    const base = used();
    const engine = initSync({ backend: "simd" });
    for (let k = 0; k < 3; k++) run(engine);
    await settle();
    // (the closed session used to stay reachable through kernel.owner: ~35 MB here; fixed in 4b3c6d5)
    expect((used() - base) / 2 ** 20, "MiB kept after three closed sessions").toBeLessThan(8);

    // two sessions on one engine: closing one must not disturb the other (fixed in 4b3c6d5)
    const a = engine.open(knownBook());
    const b = engine.open(knownBook());
    a.evaluate();
    b.evaluate();
    a.close();
    b.setPosition("alice", "BTC-PERPETUAL", 40_000);
    const fresh = initSync({ backend: "simd" }).open(knownBook());
    fresh.setPosition("alice", "BTC-PERPETUAL", 40_000);
    expect(firstDifference(Array.from(b.evaluate().initial), Array.from(fresh.evaluate().initial))).toBeNull();
  });
});
