/**
 * The engine's finer calls (DESIGN §6) give exactly what the full report and the module functions give.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BACKENDS } from "./helpers/backends.js";
import { computeVar, initSync, parsePriceCsv, whatIf } from "../src/index.js";

const book = readFileSync(new URL("../examples/book.json", import.meta.url), "utf8");
const varBook = readFileSync(new URL("../examples/var-book.json", import.meta.url), "utf8");
const history = parsePriceCsv(readFileSync(new URL("../examples/data/prices-btc-eth-sol.csv", import.meta.url), "utf8"));

describe.each(BACKENDS)("finer calls on %s", (backend) => {
  const engine = initSync({ backend });
  const report = engine.evaluate(book, { presets: ["deribit-pm"] });

  it("prices() are the report's instruments", () => {
    expect(engine.prices(book)).toStrictEqual(report.instruments);
  });

  it("grid() holds the report's worst grid loss of every account and underlying", () => {
    const grids = engine.grid(book);
    report.accounts.forEach((a, k) => {
      for (const w of a.gridWorst) {
        const row = grids[k].rows.find((r) => r.underlying === w.underlying)!;
        expect(Math.min(0, ...row.pnl)).toBe(w.pnl);
      }
    });
  });

  it("margin(model) is the report's margin of that model", () => {
    for (const model of ["cross", "isolated", "deribit-pm"]) {
      const m = engine.margin(book, model);
      for (const a of report.accounts) expect(m[a.id]).toStrictEqual(a.margin[model]);
    }
  });

  it("whatIf() and var() are the module functions", () => {
    const orders = [{ instrument: "BTC-PERPETUAL", qty: 1000 }];
    expect(engine.whatIf(book, "perp-trader", orders)).toStrictEqual(whatIf(engine, book, "perp-trader", orders));
    const opts = { method: "historical" as const, stress: false };
    expect(engine.var(varBook, history, opts)).toStrictEqual(computeVar(engine, varBook, history, opts));
  });
});
