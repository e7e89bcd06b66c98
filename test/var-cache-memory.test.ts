/**
 * The history cache behind the `var` preset is bounded: many evaluations of the web page's account on
 * one history do not grow the JS heap, nor do evaluations with a new parameter set each (far more than
 * a history keeps entries for), nor a stream of histories that are dropped after use (the cache holds
 * them weakly). The heap is read after a full GC, as in session-memory.test.ts: on the trend of
 * several samples, far below what one kept entry per evaluation would add (a scenario set of the
 * page's account is ~70 KB, its copy of the history ~90 KB).
 */
import { describe, expect, it } from "vitest";
import { heapAfterGc } from "./helpers/heap.js";
import { BACKENDS, makeKernel } from "./helpers/backends.js";
import { freshHistory, pageBook } from "./helpers/var-cache.js";
import { Engine } from "../src/engine/engine.js";
import type { Book } from "../src/types.js";

const SAMPLES = 8;

/** Heap after GC every `per` calls of step(k), after `warm` calls; returns the samples and their slope per call. */
function trend(step: (k: number) => void, warm: number, per: number): { heap: number[]; slope: number } {
  for (let k = 0; k < warm; k++) step(k);
  const heap: number[] = [];
  for (let r = 0; r < SAMPLES; r++) {
    for (let k = 0; k < per; k++) step(warm + r * per + k);
    heap.push(heapAfterGc());
  }
  const xs = heap.map((_, k) => k * per);
  const mx = xs.reduce((a, b) => a + b) / xs.length;
  const my = heap.reduce((a, b) => a + b) / heap.length;
  const slope = xs.reduce((a, x, k) => a + (x - mx) * (heap[k] - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  return { heap, slope };
}

const mib = (heap: number[]) => heap.map((h) => (h / 2 ** 20).toFixed(2)).join(" ");

describe.each(BACKENDS)("history cache memory on %s", (backend) => {
  const engine = new Engine(makeKernel(backend));
  const withOverrides = (b: Book, overrides: Record<string, unknown>): Book => ({ ...b, risk: { ...b.risk, overrides } });

  it("the page's account evaluated again and again on one history: no growth", () => {
    const history = freshHistory();
    const book = pageBook();
    // Warm-up: JIT code and type feedback level off after ~2 000 evaluations (±100 KB after that).
    const { heap, slope } = trend(() => engine.evaluateBook(book, { presets: ["var"], history }), 1000, 250);
    console.log(`${backend}, same history and parameters: heap after GC ${mib(heap)} MiB; slope ${slope.toFixed(2)} B/evaluation`);
    expect(Math.max(...heap.slice(-3)) - Math.min(...heap.slice(0, 3))).toBeLessThan(512 * 1024);
    expect(slope).toBeLessThan(256);
  });

  it("a new parameter set per evaluation, far more than a history keeps: bounded", () => {
    const history = freshHistory();
    const book = pageBook();
    // A new seed each time: every evaluation adds an entry (a market hit, a new Monte Carlo set), the oldest goes.
    const step = (k: number) =>
      engine.evaluateBook(withOverrides(book, { var_method: "mc", mc_paths: 1000, mc_seed: k }), { presets: ["var"], history });
    const { heap, slope } = trend(step, 80, 40);
    console.log(`${backend}, a new parameter set per evaluation: heap after GC ${mib(heap)} MiB; slope ${slope.toFixed(2)} B/evaluation`);
    expect(Math.max(...heap.slice(-3)) - Math.min(...heap.slice(0, 3))).toBeLessThan(512 * 1024);
    expect(slope).toBeLessThan(8 * 1024);
  });

  it("a new history per evaluation, each dropped after use: their entries go with them", () => {
    const book = pageBook();
    const { heap, slope } = trend(() => engine.evaluateBook(book, { presets: ["var"], history: freshHistory() }), 40, 25);
    console.log(`${backend}, a new history per evaluation: heap after GC ${mib(heap)} MiB; slope ${slope.toFixed(2)} B/evaluation`);
    expect(Math.max(...heap.slice(-3)) - Math.min(...heap.slice(0, 3))).toBeLessThan(512 * 1024);
    expect(slope).toBeLessThan(8 * 1024);
  });
});
