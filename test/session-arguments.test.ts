/**
 * Session and engine options that are not what they should be give a RiskError with a one-line
 * message, never a TypeError; an index move that would take prices out of the engine's range is
 * refused before it changes anything (found by the SessionPool fuzz, test/pool-fuzz.test.ts).
 */
import { describe, expect, it } from "vitest";
import { initSync } from "../src/index.js";
import { RiskError } from "../src/errors.js";
import { knownBook } from "./helpers/fuzz.js";
import { BACKENDS } from "./helpers/backends.js";

function errorOf(f: () => unknown): RiskError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(RiskError);
    expect((e as RiskError).message).not.toMatch(/\n/);
    return e as RiskError;
  }
  throw new Error("expected a RiskError");
}

describe("session arguments", () => {
  const engine = initSync({ backend: "simd" });

  it("open(book, null) is open(book) with the defaults", () => {
    const a = engine.open(knownBook(), null).evaluate();
    const initial = a.initial.slice();
    const b = engine.open(knownBook()).evaluate();
    expect([...b.initial]).toEqual([...initial]);
  });

  it.each([
    ["an object without a prototype", Object.create(null)],
    ["a function", function chunk() {
      return 4;
    }],
    ["a string", "64"],
  ])("a chunk that is %s is E_RANGE on one line", (_, chunk) => {
    expect(errorOf(() => engine.open(knownBook(), { chunk })).code).toBe("E_RANGE");
  });

  it.each([1.7976931348623157e308, 1e25, 5e-324, 1e-25])("setIndex(BTC, %d) is E_RANGE and changes nothing", (price) => {
    const s = engine.open(knownBook());
    const before = s.evaluate().initial.slice();
    const snap = JSON.stringify(s.snapshot().markets.BTC, (_, v) => (v instanceof Map ? [...v] : v));
    const e = errorOf(() => s.setIndex("BTC", price));
    expect(e.code).toBe("E_RANGE");
    expect(e.path).toBe("price");
    expect(JSON.stringify(s.snapshot().markets.BTC, (_, v) => (v instanceof Map ? [...v] : v))).toBe(snap);
    expect([...s.evaluate().initial]).toEqual([...before]);
    s.close();
  });

  it.each([Object.create(null), () => "simd", 7])("initSync({ backend: %s }) is E_BACKEND on one line", (backend) => {
    expect(errorOf(() => initSync({ backend } as never)).code).toBe("E_BACKEND");
  });
});

describe.each(BACKENDS)("sizes that overflow together on %s", (backend) => {
  it("are E_RANGE naming the account (the kernel reports the first non-finite account); fixing the size fixes it", () => {
    const engine = initSync({ backend });
    const book = engine.parse(knownBook());
    const s = engine.open(book);
    const fine = s.evaluate().initial.slice();
    const k = 1;
    const id = book.accounts[k].id;
    const option = book.instruments.find((x) => x.kind === "option")!.id;
    s.setPosition(id, option, 1e306); // × a value of thousands of USD: past the largest double
    const e = errorOf(() => s.evaluate());
    expect(e.code).toBe("E_RANGE");
    expect(e.path).toBe(`accounts[${k}]`);
    expect(e.message).toMatch(new RegExp(`account "${id}"`));
    s.setPosition(id, option, book.accounts[k].positions.find((p) => p.instrument === option)?.qty ?? 0);
    const again = s.evaluate();
    for (let a = 0; a < fine.length; a++) if (a !== k) expect(again.initial[a]).toBe(fine[a]);
    expect(Number.isFinite(again.initial[k])).toBe(true);
    s.close();
  });
});
