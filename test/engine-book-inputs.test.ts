/**
 * evaluate() takes JSON text, a BookInput or an already parsed Book with the same result; override
 * keys that no preset knows are rejected with a suggestion instead of being ignored.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { initSync, parseBook, RiskError } from "../src/index.js";

const text = readFileSync(new URL("../examples/book.json", import.meta.url), "utf8");

describe("book inputs and overrides", () => {
  const engine = initSync({ backend: "js" });

  it("a parsed Book evaluates exactly like its JSON text", () => {
    const a = engine.evaluate(text);
    const b = engine.evaluate(parseBook(text));
    expect(b).toStrictEqual(a);
  });

  it("an unknown override key is E_PRESET with its path and a suggestion", () => {
    const input = JSON.parse(text);
    input.risk.overrides = { mm_factr: 0.8 };
    try {
      engine.evaluate(input);
      expect.fail("accepted a misspelt override");
    } catch (e) {
      expect(e).toBeInstanceOf(RiskError);
      expect((e as RiskError).code).toBe("E_PRESET");
      expect((e as RiskError).path).toBe("risk.overrides.mm_factr");
      expect((e as RiskError).message).toContain('did you mean "mm_factor"');
    }
    input.risk.overrides = { BTC: { price_rnge: 0.2 } };
    expect(() => engine.evaluate(input)).toThrowError(/risk\.overrides\.BTC\.price_rnge/);
  });

  it("known keys, globally and per underlying, are accepted", () => {
    const input = JSON.parse(text);
    input.risk.overrides = { mm_factor: 0.75, BTC: { price_range: 0.2 }, collateral: { BTC: { weight: 0.95 } } };
    expect(() => engine.evaluate(input)).not.toThrow();
  });
});
