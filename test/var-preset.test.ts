/**
 * The `var` preset through the engine, the history hand-over (ctx.history, else setVarHistory), and
 * the CLI helpers (flags → options, varCommand, table text).
 */
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { BACKENDS, makeKernel } from "./helpers/backends.js";
import { account, book, option, perp } from "./helpers/books.js";
import { Engine } from "../src/engine/engine.js";
import { getPreset } from "../src/margin/registry.js";
import { parsePriceCsv } from "../src/history/csv.js";
import { computeVar } from "../src/var/compute.js";
import { setVarHistory, type VarPresetContext } from "../src/var/preset.js";
import { formatVarTable, varCommand, varOptionsFromFlags } from "../src/var/command.js";
import { RiskError } from "../src/errors.js";
import { parseBook } from "../src/book/index.js";
import type { Book } from "../src/types.js";

const CSV = readFileSync(new URL("./fixtures/prices/btc-eth-sol-closes-usdt-daily.csv", import.meta.url), "utf8");
const HISTORY = parsePriceCsv(CSV);

function exampleBook(overrides: Record<string, unknown> = {}): Book {
  const b = book({
    markets: { BTC: 68_020.01, ETH: 1_968.88 },
    instruments: [
      perp("BTC", "inverse"), perp("ETH", "linear"),
      option("BTC", "put", 60_000, 35, 0.55), option("ETH", "call", 2_200, 35, 0.7, "linear"),
    ],
    accounts: [
      account("usd", "USD", { "BTC-PERPETUAL": 50_000, "ETH-linear-35d-2200-call": -20, "ETH_USDC-PERPETUAL": 5 }, { USDC: 100_000 }),
      account("btc", "BTC", { "BTC-inverse-35d-60000-put": -3, "BTC-PERPETUAL": -30_000 }, { BTC: 4 }),
    ],
    presets: ["var"],
    overrides,
  });
  b.valuationTime = Date.UTC(2026, 1, 20, 12);
  return b;
}

afterEach(() => setVarHistory(null));

describe.each(BACKENDS)("var preset on %s", (backend) => {
  const engine = new Engine(makeKernel(backend));

  it("IM = max(0, ES) and MM = 0.8 × IM of the default FHS 99 % 1-day run, components beside", () => {
    setVarHistory(HISTORY);
    const b = exampleBook();
    const report = engine.evaluateBook(b, { presets: ["var"] });
    const direct = computeVar(engine, b, HISTORY, { method: "fhs", confidence: 0.99, horizon: 1, window: 1000, stressMc: false });
    report.accounts.forEach((a, k) => {
      const m = a.margin.var;
      const d = direct.accounts[k];
      expect(m.version).toBe("riskgrid-var@1");
      expect(m.currency).toBe(b.accounts[k].currency);
      expect(m.initial).toBe(Math.max(0, d.es));
      expect(m.maintenance).toBe(0.8 * m.initial);
      expect(m.components.var).toBe(d.var);
      expect(m.components.es).toBe(d.es);
      expect(m.components.var_delta_gamma).toBe(d.parametric.deltaGamma.var);
      expect(m.components.es_corr_one).toBe(d.stress!.deltaGamma.es);
      expect(m.worst!.underlying).toBe("ALL");
      expect(m.worst!.label).toBe(d.worst!.scenario);
      expect(m.components.var).toBeLessThanOrEqual(m.components.es);
    });
  });

  it("overrides choose the method and parameters (var_method mc, confidence, horizon, mc_paths)", () => {
    setVarHistory(HISTORY);
    const b = exampleBook({ var_method: "mc", confidence: 0.975, horizon_days: 2, mc_paths: 2000, mc_seed: 3, mm_factor: 0.5 });
    const report = engine.evaluateBook(b, { presets: ["var"] });
    const direct = computeVar(engine, b, HISTORY, { method: "mc", confidence: 0.975, horizon: 2, paths: 2000, seed: 3, stressMc: false, mmFactor: 0.5 });
    report.accounts.forEach((a, k) => {
      expect(a.margin.var.initial).toBe(direct.accounts[k].margin.initial);
      expect(a.margin.var.maintenance).toBe(0.5 * a.margin.var.initial);
    });
  });

  it("ctx.history takes precedence over the module default", () => {
    setVarHistory(HISTORY);
    const b = exampleBook();
    const short = parsePriceCsv(CSV.split("\n").slice(0, 1500).join("\n"));
    const ctx = engine.context(b) as VarPresetContext;
    ctx.history = short;
    const res = getPreset("var").evaluate(ctx);
    const direct = computeVar(engine, b, short, { stressMc: false });
    res.forEach((list, k) => expect(list[0].initial).toBe(direct.accounts[k].margin.initial));
    expect(direct.historyEnd).toBe(short.dates[short.dates.length - 1]);
  });

  it("refuses without history (E_REQUIRED) and with bad overrides (E_PRESET)", () => {
    const code = (b: Book) => {
      try {
        engine.evaluateBook(b, { presets: ["var"] });
      } catch (e) {
        expect(e).toBeInstanceOf(RiskError);
        return (e as RiskError).code;
      }
      return "ok";
    };
    expect(code(exampleBook())).toBe("E_REQUIRED");
    setVarHistory(HISTORY);
    expect(code(exampleBook({ var_method: "guess" }))).toBe("E_PRESET");
    expect(code(exampleBook({ confidence: 1.5 }))).toBe("E_PRESET");
    expect(code(exampleBook({ confidence: "high" }))).toBe("E_PRESET");
    expect(code(exampleBook())).toBe("ok");
  });
});

describe("CLI helpers", () => {
  const engine = new Engine(makeKernel("js"));

  it("flags → options (kebab-case, numbers, booleans); bad numbers and methods are RiskErrors", () => {
    expect(varOptionsFromFlags({
      method: "mc", confidence: "0.975", horizon: "10", window: 500, paths: "5000", seed: "7", "vol-model": "garch",
      stress: "false", "mm-factor": "0.6", dist: "t", dof: "4", other: "ignored",
    })).toEqual({
      method: "mc", confidence: 0.975, horizon: 10, window: 500, paths: 5000, seed: 7, volModel: "garch",
      stress: false, mmFactor: 0.6, distribution: "t", dof: 4,
    });
    expect(() => varOptionsFromFlags({ confidence: "high" })).toThrow(RiskError);
    expect(() => varOptionsFromFlags({ method: "guess" })).toThrow(/--method/);
  });

  it("varCommand takes book JSON text or a BookInput as well as a parsed Book", () => {
    const input = {
      valuationTime: "2026-02-21T00:00:00Z",
      markets: { BTC: { index: 68020.01 } },
      instruments: [{ id: "BTC-PERPETUAL" }, { id: "BTC-27MAR26-60000-P", vol: 0.5 }],
      accounts: [{ id: "a", collateral: { USDC: 1e4 }, positions: { "BTC-PERPETUAL": 1000, "BTC-27MAR26-60000-P": -1 } }],
    };
    const fromText = varCommand(engine, JSON.stringify(input), CSV, { method: "parametric" });
    const fromObject = varCommand(engine, input, HISTORY, { method: "parametric" });
    const fromBook = computeVar(engine, parseBook(input), HISTORY, { method: "parametric" });
    expect(fromText).toEqual(fromBook);
    expect(fromObject).toEqual(fromBook);
    expect(() => varCommand(engine, "{", CSV)).toThrow(RiskError);
  });

  it("varCommand takes CSV text, returns a JSON-safe object; the table names its units", () => {
    const b = exampleBook();
    const res = varCommand(engine, b, CSV, { method: "historical", confidence: "0.99", window: "750", garch: true, paths: "2000" });
    const again = JSON.parse(JSON.stringify(res));
    expect(again).toEqual(res);
    expect(res.method).toBe("historical");
    expect(res.window).toBe(750);
    expect(res.vol[0].garch).not.toBeNull();
    const text = formatVarTable(res);
    expect(text).toContain("account currency");
    expect(text).toContain("EWMA correlation");
    expect(text).toContain("GARCH");
    expect(text.split("\n").some((l) => l.startsWith("usd "))).toBe(true);
  });
});
