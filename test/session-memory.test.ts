/**
 * Memory of the tick session (DESIGN §7 "memory"): bytes per position, and no growth over 10 000
 * repeated evaluations on every backend: neither the kernel's memory (wasm linear memory or the js
 * backend's arrays) nor the JS heap. The heap is read after a full GC (gc() is obtained at run time
 * when node was not started with --expose-gc); the check is on the trend of several samples, with a
 * tolerance far below what a leak of one small object per tick would add.
 */
import { describe, expect, it } from "vitest";
import { heapAfterGc } from "./helpers/heap.js";
import { BACKENDS } from "./helpers/backends.js";
import { randomBook } from "./helpers/random-book.js";
import { initSync } from "../src/index.js";

const TICKS = 10_000;
const SAMPLES = 10;

describe.each(BACKENDS)("session memory on %s", (backend) => {
  const engine = initSync({ backend });

  it(`does not grow over ${TICKS} ticks (kernel memory and JS heap)`, () => {
    const book = randomBook({ seed: 77, accounts: 25, positionsPerAccount: 6 });
    const s = engine.open(book);
    const instrument = book.instruments[5].id;
    const tick = (k: number) => {
      s.setIndex("BTC", 77_081.8 * (1 + 0.002 * ((k % 7) - 3)));
      if (k % 3 === 0) s.setIndex("ETH", 2_411.5 * (1 + 0.001 * ((k % 5) - 2)));
      // Positions and collateral come and go (the dirty-account path and the position store).
      s.setPosition("acct-4", instrument, k % 2 ? 0 : 3.5);
      if (k % 10 === 0) s.setCollateral("acct-7", "USDC", 10_000 + (k % 100));
      s.evaluate();
      if (k % 4 === 0) s.evaluate(); // position-only re-evaluation
    };
    // Warm up: layouts, JIT and type feedback, the store's first relocation. In plain Node the heap is
    // flat to the byte from 10 000 to 160 000 ticks; in a vitest worker it creeps ~5 B a tick (the
    // runner's, not ours), and under a loaded full run the first samples were noisy: warm 5 000 ticks.
    const WARM = 5_000;
    for (let k = 0; k < WARM; k++) tick(k);
    const kernel0 = engine.kernel.memoryBytes();
    const session0 = s.memoryBytes();
    const heap: number[] = [];
    const per = TICKS / SAMPLES;
    for (let r = 0; r < SAMPLES; r++) {
      for (let k = 0; k < per; k++) tick(WARM + r * per + k);
      heap.push(heapAfterGc());
      expect(engine.kernel.memoryBytes()).toBe(kernel0);
      expect(s.memoryBytes()).toBe(session0);
    }
    // Trend: the last samples are no higher than the early ones (beyond GC noise), and the
    // least-squares slope is under 16 bytes per tick (a leaked 2-slot array per tick is ≥ 32).
    const early = Math.min(...heap.slice(0, 3));
    const late = Math.max(...heap.slice(-3));
    const xs = heap.map((_, k) => k * per);
    const mx = xs.reduce((a, b) => a + b) / xs.length;
    const my = heap.reduce((a, b) => a + b) / heap.length;
    const slope = xs.reduce((a, x, k) => a + (x - mx) * (heap[k] - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0);
    console.log(`${backend}: heap after GC ${heap.map((h) => (h / 2 ** 20).toFixed(2)).join(" ")} MiB; slope ${slope.toFixed(2)} B/tick; ` +
      `kernel ${kernel0} B, session ${session0} B`);
    expect(late - early).toBeLessThan(256 * 1024);
    expect(slope).toBeLessThan(16);
    s.close();
  });

  it("reports bytes per position; a position costs a bounded number of bytes at the margin", () => {
    const open = (accounts: number) => {
      const before = heapAfterGc();
      const s = engine.open(randomBook({ seed: 5, accounts, positionsPerAccount: 10, strikesPerExpiry: 40 }));
      s.evaluate();
      const heap = heapAfterGc() - before;
      return { s, heap };
    };
    const small = open(2_000);
    const big = open(8_000);
    const perPosition = (x: typeof small) => x.s.memoryBytes() / x.s.positions();
    const dPos = big.s.positions() - small.s.positions();
    const marginal = (big.s.memoryBytes() - small.s.memoryBytes()) / dPos;
    const heapMarginal = (big.heap - small.heap) / dPos;
    console.log(`${backend}: Session.memoryBytes()/positions() ${perPosition(small).toFixed(0)} B at ${small.s.positions()} positions, ` +
      `${perPosition(big).toFixed(0)} B at ${big.s.positions()}; marginal ${marginal.toFixed(1)} B/position in kernel + store, ` +
      `${heapMarginal.toFixed(0)} B/position of JS heap (the session's own copy of the book)`);
    // Kernel memory is per chunk and per instrument, not per position: at the margin a position costs
    // its store slot (i32 + f64, with slack) only — wasm memory may grow a page, the js arrays not at all.
    expect(marginal).toBeLessThan(64);
    expect(heapMarginal).toBeLessThan(2048);
    expect(perPosition(big)).toBeLessThan(perPosition(small));
    small.s.close();
    big.s.close();
  });
});
