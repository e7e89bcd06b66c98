/**
 * A price history changed in place between two evaluations is never answered from the cache of what
 * it was: the `var` preset's report after the change is, to the bit, what a fresh engine computes
 * from a copy of the changed history — for a close, a date, a time stamp, an asset name, a replaced
 * column and an appended row, on every backend. Beneath it, historyMemo itself drops its entries on
 * any change of content (down to the sign of a zero) and keeps them when nothing changed.
 */
import { describe, expect, it } from "vitest";
import { BACKENDS, makeKernel } from "./helpers/backends.js";
import { bits, copyHistory, freshHistory, varBook } from "./helpers/var-cache.js";
import { Engine } from "../src/engine/engine.js";
import type { PriceHistory } from "../src/history/csv.js";
import type { Report } from "../src/report/types.js";
import { historyMemo } from "../src/var/history-cache.js";

const DAY = 86_400_000;
const last = (h: PriceHistory) => h.dates.length - 1;

/**
 * In-place changes of a history, each one a user could make between two keystrokes, and each one
 * changing some number or label of the report (`before`: the report before the change).
 */
const CHANGES: [string, (h: PriceHistory, before: Report) => void][] = [
  ["the last BTC close", (h) => { h.closes[0][last(h)] *= 1.05; }],
  ["the last ETH close, by one ulp", (h) => { h.closes[1][last(h)] += h.closes[1][last(h)] * 2 ** -52; }],
  ["a SOL close becoming missing (NaN)", (h) => { h.closes[2][last(h) - 300] = NaN; }],
  ["the date of the worst scenario (its label)", (h, before) => {
    h.dates[h.dates.indexOf(before.accounts[0].margin.var.worst!.label)] = "1999-12-31";
  }],
  ["the last time stamp moved past the valuation time", (h) => { h.times[last(h)] += 10 * DAY; }],
  ["two asset names swapped", (h) => { [h.assets[0], h.assets[1]] = [h.assets[1], h.assets[0]]; }],
  ["a column replaced by a changed copy", (h) => { const c = h.closes[0].slice(); c[last(h) - 1] *= 0.97; h.closes[0] = c; }],
  ["a row appended", (h) => {
    h.times.push(h.times[last(h)] + DAY);
    h.dates.push("2026-02-21");
    h.closes.forEach((c, a) => { const d = new Float64Array(c.length + 1); d.set(c); d[c.length] = c[c.length - 1] * (1 + 0.03 * (a + 1)); h.closes[a] = d; });
  }],
];

describe.each(BACKENDS)("history changed in place on %s", (backend) => {
  const engine = new Engine(makeKernel(backend));

  it.each(CHANGES)("%s: the next evaluation is a fresh engine's", (_, change) => {
    const book = varBook();
    const history = freshHistory();
    const report = engine.evaluateBook(book, { presets: ["var"], history });
    const before = bits(report);
    engine.evaluateBook(book, { presets: ["var"], history }); // a hit: the entries are in use
    change(history, report);
    const after = bits(engine.evaluateBook(book, { presets: ["var"], history }));
    const fresh = bits(new Engine(makeKernel(backend)).evaluateBook(book, { presets: ["var"], history: copyHistory(history) }));
    expect(after).toEqual(fresh);
    expect(after).not.toEqual(before);
  });

  it("a change and its undoing: each evaluation matches the history as it is at that moment", () => {
    const book = varBook();
    const history = freshHistory();
    const k = last(history) - 5;
    const original = history.closes[0][k];
    const a = bits(engine.evaluateBook(book, { presets: ["var"], history }));
    history.closes[0][k] = original * 0.9;
    const b = bits(engine.evaluateBook(book, { presets: ["var"], history }));
    history.closes[0][k] = original;
    expect(bits(engine.evaluateBook(book, { presets: ["var"], history }))).toEqual(a);
    history.closes[0][k] = original * 0.9;
    expect(bits(engine.evaluateBook(book, { presets: ["var"], history }))).toEqual(b);
    expect(b).not.toEqual(a);
  });
});

describe("historyMemo", () => {
  const counting = () => {
    let made = 0;
    return { make: () => ({ n: ++made }), made: () => made };
  };
  const same = <T>(x: T): T => x;

  it("keeps an entry while the content is the same, and drops it on any change", () => {
    const h = freshHistory();
    const c = counting();
    historyMemo(h).get("k", c.make, same);
    historyMemo(h).get("k", c.make, same);
    expect(c.made()).toBe(1);
    h.closes[0][0] = h.closes[0][0]; // written, not changed
    historyMemo(h).get("k", c.make, same);
    expect(c.made()).toBe(1);
    const steps: ((h: PriceHistory) => void)[] = [
      (x) => { x.closes[2][0] = 1; }, // NaN → 1
      (x) => { x.closes[2][0] = 0; },
      (x) => { x.closes[2][0] = -0; }, // only the sign of a zero
      (x) => { x.times[3] += 1; },
      (x) => { x.dates[3] = "x"; },
      (x) => { x.assets[2] = "SOL2"; },
      (x) => { x.closes.push(new Float64Array(x.dates.length)); },
      (x) => { x.dates.pop(); },
    ];
    steps.forEach((step, j) => {
      step(h);
      historyMemo(h).get("k", c.make, same);
      expect(c.made()).toBe(j + 2);
    });
  });

  it("treats every NaN as the same missing price", () => {
    const h = freshHistory();
    const c = counting();
    historyMemo(h).get("k", c.make, same);
    const payload = new Float64Array(new Uint32Array([1, 0x7ff80000]).buffer)[0]; // a NaN of another payload
    expect(payload).toBeNaN();
    h.closes[2][0] = payload;
    historyMemo(h).get("k", c.make, same);
    expect(c.made()).toBe(1);
  });

  it("does not cache what it cannot copy, and stores nothing when the derivation throws", () => {
    const odd = { ...freshHistory(), closes: [new Float32Array(3)] } as unknown as PriceHistory;
    const c = counting();
    historyMemo(odd).get("k", c.make, same);
    historyMemo(odd).get("k", c.make, same);
    expect(c.made()).toBe(2);
    const h = freshHistory();
    expect(() => historyMemo(h).get("k", () => { throw new Error("bad"); }, same)).toThrow("bad");
    historyMemo(h).get("k", c.make, same);
    expect(c.made()).toBe(3);
  });
});
