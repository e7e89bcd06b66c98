/**
 * The `dynamic` option fits each underlying's vol model once per evaluation, for deribit-pm and span
 * alike, and keeps the fit in the history's cache (src/var/history-cache.ts) for the next evaluation
 * with the same history content and parameters. Neither changes a bit: reports equal those of a book
 * whose overrides carry the ranges of dynamicRangeDetail (one fit per preset and underlying, no
 * cache), on every backend; a history edited in place is fitted again. The fits are counted by
 * wrapping fitGarch and ewmaVariances in this file's module mocks (nothing in the API).
 */
import { describe, expect, it, vi } from "vitest";
import { BACKENDS, makeKernel } from "./helpers/backends.js";
import { bits, copyHistory, freshHistory, pageBook, varBook } from "./helpers/var-cache.js";
import { Engine } from "../src/engine/engine.js";
import { pmParamsFor } from "../src/margin/deribit-pm/index.js";
import { spanParamsFor } from "../src/margin/span/index.js";
import { dynamicRangeDetail, type DynamicRangeOptions } from "../src/var/dynamic.js";
import type { PriceHistory } from "../src/history/csv.js";
import type { Book } from "../src/types.js";

const fits = vi.hoisted(() => ({ garch: 0, ewma: 0 }));
vi.mock("../src/var/garch.js", async (importOriginal) => {
  const m = await importOriginal<typeof import("../src/var/garch.js")>();
  return { ...m, fitGarch: (...a: Parameters<typeof m.fitGarch>) => (fits.garch++, m.fitGarch(...a)) };
});
vi.mock("../src/var/ewma.js", async (importOriginal) => {
  const m = await importOriginal<typeof import("../src/var/ewma.js")>();
  return { ...m, ewmaVariances: (...a: Parameters<typeof m.ewmaVariances>) => (fits.ewma++, m.ewmaVariances(...a)) };
});

const PRESETS = ["deribit-pm", "span"];

const OPTIONS: [string, DynamicRangeOptions][] = [
  ["EWMA, defaults", {}],
  ["EWMA, z 5, 2 days, λ 0.9, window 500", { z: 5, horizon: 2, lambda: 0.9, window: 500 }],
  ["GARCH, z 4", { model: "garch", z: 4 }],
  ["GARCH, z 3, 5 days, window 700", { model: "garch", horizon: 5, window: 700 }],
];

/** The book with the dynamic ranges written into its overrides the uncached way: a fit per preset and underlying. */
function byHand(book: Book, history: PriceHistory, opts: DynamicRangeOptions): Book {
  const overrides: Record<string, unknown> = { ...book.risk.overrides };
  const pm = pmParamsFor(book.risk.overrides);
  const span = spanParamsFor(book.risk.overrides);
  for (const u of Object.keys(book.markets)) {
    if (!history.assets.includes(u)) continue;
    const o = { asOf: book.valuationTime, ...opts };
    overrides[u] = {
      ...(overrides[u] as object | undefined),
      price_range: dynamicRangeDetail(pm(u).price_range, history, u, o).range,
      price_scan_range: dynamicRangeDetail(span(u).price_scan_range, history, u, o).range,
    };
  }
  return { ...book, risk: { ...book.risk, overrides } };
}

const withHistory = (book: Book) => Object.keys(book.markets).filter((u) => freshHistory().assets.includes(u)).length;

describe.each(BACKENDS)("dynamic option on %s: the same bits with and without the cache", (backend) => {
  const engine = new Engine(makeKernel(backend));

  it.each(OPTIONS)("%s", (_, opts) => {
    for (const book of [pageBook(), varBook()]) {
      const history = freshHistory();
      const reference = bits(engine.evaluateBook(byHand(book, copyHistory(history), opts), { presets: PRESETS, history: copyHistory(history) }));
      for (let k = 0; k < 3; k++) { // derived, then from the cache
        expect(bits(engine.evaluateBook(book, { presets: PRESETS, history, dynamic: opts }))).toEqual(reference);
      }
    }
  });

  it("a history edited in place between evaluations gives what a fresh engine gives", () => {
    for (const opts of [{}, { model: "garch" as const }]) {
      const book = varBook();
      const history = freshHistory();
      const before = bits(engine.evaluateBook(book, { presets: PRESETS, history, dynamic: opts }));
      const btc = history.closes[history.assets.indexOf("BTC")];
      const last = btc.length - 1 - [...btc].reverse().findIndex((x) => Number.isFinite(x));
      btc[last] *= 1.2; // the last close used: a 20 % jump moves every forecast of BTC
      const after = bits(engine.evaluateBook(book, { presets: PRESETS, history, dynamic: opts }));
      const fresh = bits(new Engine(makeKernel(backend)).evaluateBook(book, { presets: PRESETS, history: copyHistory(history), dynamic: opts }));
      expect(after).toEqual(fresh);
      expect(after).not.toEqual(before);
    }
  });
});

describe("fits per evaluation", () => {
  const engine = new Engine(makeKernel("js"));

  it.each(["ewma", "garch"] as const)("%s: once per underlying for both presets, then none while the history is unchanged", (model) => {
    const key = model;
    for (const book of [pageBook(), varBook()]) {
      const n = withHistory(book);
      expect(n).toBeGreaterThan(1);
      const history = freshHistory();
      const count = (f: () => void) => {
        fits.garch = 0;
        fits.ewma = 0;
        f();
        return fits[key];
      };
      expect(count(() => engine.evaluateBook(book, { presets: PRESETS, history, dynamic: { model } }))).toBe(n);
      expect(count(() => engine.evaluateBook(book, { presets: PRESETS, history, dynamic: { model } }))).toBe(0);
      // Another z or horizon reads the same fits; another window does not.
      expect(count(() => engine.evaluateBook(book, { presets: PRESETS, history, dynamic: { model, z: 6, horizon: 3 } }))).toBe(0);
      expect(count(() => engine.evaluateBook(book, { presets: PRESETS, history, dynamic: { model, window: 600 } }))).toBe(n);
      if (model === "ewma") {
        expect(count(() => engine.evaluateBook(book, { presets: PRESETS, history, dynamic: { model, lambda: 0.97 } }))).toBe(n);
      }
      history.closes[0][history.closes[0].length - 1] *= 1.01; // edited in place: fitted again
      expect(count(() => engine.evaluateBook(book, { presets: PRESETS, history, dynamic: { model } }))).toBe(n);
      // A new history object with the same content: nothing cached for it yet.
      expect(count(() => engine.evaluateBook(book, { presets: PRESETS, history: copyHistory(history), dynamic: { model } }))).toBe(n);
    }
  });
});
