/**
 * Reliability (issue 9): random and malformed books through the API on every backend. Every case
 * ends in a result whose numbers are all finite, or in a RiskError with a documented code (never
 * E_INTERNAL), a path and a one-line message; never a trap, a TypeError or a hang. After every
 * failure the same engine evaluates the known book and must give a fresh engine's report bit for bit.
 *
 * Surfaces: engine.evaluate (objects and JSON text), engine.open + Session updates, and the health
 * functions (accountHealth, whatIf, maxOrderSize, liquidationPrice, liquidationPlan, explain).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { initSync, type Engine } from "../src/index.js";
import {
  accountHealth, explain, liquidationPlan, liquidationPrice, maxOrderSize, whatIf,
} from "../src/health/index.js";
import { RiskError } from "../src/errors.js";
import { BACKENDS } from "./helpers/backends.js";
import {
  asText, attempt, describeError, firstDifference, garbageText, hostileValue, knownBook, mutatedBook, mutationArb,
  fcParams, notABook, nonFinite, type Outcome, outcomeProblem, safeShow, STRUCTURAL, STRUCTURAL_EXPECTED, userErrorProblem,
} from "./helpers/fuzz.js";

/** A single case must not take long: a hang shows up as a slow case long before the test timeout. */
const MAX_CASE_MS = 5_000;

function expectContract(o: Outcome<unknown>, what: string): void {
  expect(outcomeProblem(o), what).toBeNull();
  expect(o.ms, `${what}: took ${o.ms.toFixed(0)} ms`).toBeLessThan(MAX_CASE_MS);
}

describe.each(BACKENDS)("%s: malformed books through the API", (backend) => {
  const engine = initSync({ backend });
  const reference = initSync({ backend }).evaluate(knownBook());

  /** The engine still gives a fresh engine's report of the known book, bit for bit. */
  function expectStillCorrect(e: Engine, after: string): void {
    const d = firstDifference(e.evaluate(knownBook()), reference);
    expect(d, `after ${after}: the known book's report changed`).toBeNull();
  }

  it("the known book evaluates with every number finite", () => {
    expect(nonFinite(reference)).toEqual([]);
    expect(reference.accounts.map((a) => a.id)).toEqual(["alice", "bob", "carol"]);
  });

  it("structural mistakes: each its own code and path, and the engine stays correct", () => {
    for (const m of STRUCTURAL) {
      const o = attempt(() => engine.evaluate(mutatedBook([m])));
      expect(o.ok, `${m.name} must be refused`).toBe(false);
      expect(userErrorProblem(!o.ok && o.error), m.name).toBeNull();
      const want = STRUCTURAL_EXPECTED[m.name];
      if (want) {
        const e = (o as { error: RiskError }).error;
        expect([e.code, e.path], `${m.name}: ${describeError(e)}`).toEqual(want);
      }
      expectStillCorrect(engine, m.name);
    }
  });

  it("random mutations (objects): a finite report or a user error; the engine stays correct", () => {
    let refused = 0;
    fc.assert(
      fc.property(mutationArb, (ms) => {
        const what = ms.map((m) => m.name).join("; ");
        const o = attempt(() => engine.evaluate(mutatedBook(ms)));
        expectContract(o, what);
        if (!o.ok) {
          refused++;
          expectStillCorrect(engine, what);
        }
      }),
      fcParams(9001, 150),
    );
    expect(refused, "most random mutations are refused").toBeGreaterThan(20);
  });

  it("random mutations as JSON text give the same outcome as the parsed text", () => {
    fc.assert(
      fc.property(mutationArb, (ms) => {
        const text = asText(mutatedBook(ms));
        if (text === null) return;
        const what = ms.map((m) => m.name).join("; ");
        const fromText = attempt(() => engine.evaluate(text));
        expectContract(fromText, what);
        const fromObject = attempt(() => engine.evaluate(JSON.parse(text)));
        if (fromText.ok && fromObject.ok) expect(firstDifference(fromText.value, fromObject.value), what).toBeNull();
        else {
          expect(fromText.ok, what).toBe(fromObject.ok);
          const [a, b] = [fromText, fromObject].map((x) => (x as { error: RiskError }).error);
          expect([a.code, a.path], what).toEqual([b.code, b.path]);
          expectStillCorrect(engine, what);
        }
      }),
      fcParams(9002, 80),
    );
  });

  it("garbage and non-books: user errors, never a crash", () => {
    // (some garbage is a book after all: duplicate JSON keys, a one-character change of a name)
    fc.assert(
      fc.property(notABook, (x) => {
        const o = attempt(() => engine.evaluate(x));
        expectContract(o, safeShow(x));
        if (!o.ok) expectStillCorrect(engine, safeShow(x));
      }),
      fcParams(9003, 120),
    );
    for (const x of ["", "{", "null", "[]", "1e999", "NaN", "\uFEFF{}", "{'a': 1}", null, undefined, 5, [], new Map(), Symbol("s"), 5n]) {
      const o = attempt(() => engine.evaluate(x));
      expect(o.ok, `${safeShow(x)} is not a book`).toBe(false);
      expect((o as { error: RiskError }).error.code, safeShow(x)).toMatch(/^E_(JSON|TYPE|REQUIRED)$/);
    }
    // 100 000 levels deep, as text and as objects: the depth limit, not a stack overflow
    for (const text of ["[".repeat(100_000) + "]".repeat(100_000), '{"a":'.repeat(100_000) + "1" + "}".repeat(100_000)]) {
      const o = attempt(() => engine.evaluate(text));
      expect(o.ok).toBe(false);
      expect((o as { error: RiskError }).error.code).toBe("E_JSON");
    }
    const deep = knownBook() as unknown as Record<string, unknown>;
    let v: unknown = 1;
    for (let d = 0; d < 100_000; d++) v = { x: v };
    (deep.risk as Record<string, unknown>).overrides = v;
    const o = attempt(() => engine.evaluate(deep));
    expect(userErrorProblem(!o.ok && o.error)).toBeNull();
    expectStillCorrect(engine, "100 000-deep overrides");
  });

  it("hostile evaluate options: a user error at options.*, or a report", () => {
    fc.assert(
      fc.property(hostileValue, fc.integer({ min: 0, max: 3 }), (x, c) => {
        const options = [x, { presets: x }, { presets: ["span", x] }, { presets: ["var"], history: x }][c];
        const o = attempt(() => engine.evaluate(knownBook(), options as never));
        expectContract(o, `options ${c} with ${safeShow(x)}`);
        if (!o.ok) expectStillCorrect(engine, `options ${c} with ${safeShow(x)}`);
      }),
      fcParams(9009, 60),
    );
  });

  it("garbage text through engine.open and the health functions", () => {
    fc.assert(
      fc.property(garbageText, (text) => {
        const calls: [string, () => unknown][] = [
          ["open", () => engine.open(text).close()],
          ["accountHealth", () => accountHealth(engine, text)],
          ["explain", () => explain(engine, text)],
        ];
        for (const [name, f] of calls) expectContract(attempt(f), `${name}(${safeShow(text)})`);
      }),
      fcParams(9004, 40),
    );
    expectStillCorrect(engine, "garbage through open/health");
  });

  it("random mutations through engine.open: a session or a user error; sessions give finite margins", () => {
    fc.assert(
      fc.property(mutationArb, (ms) => {
        const what = ms.map((m) => m.name).join("; ");
        const o = attempt(() => {
          const s = engine.open(mutatedBook(ms));
          const r = s.evaluate();
          const out = { initial: Array.from(r.initial), maintenance: Array.from(r.maintenance), equity: Array.from(r.equity) };
          s.close();
          return out;
        });
        expectContract(o, what);
        if (!o.ok) expectStillCorrect(engine, what);
      }),
      fcParams(9005, 60),
    );
    expectStillCorrect(engine, "sessions");
  });

  it("random mutations through the health functions", () => {
    const calls: [string, (b: unknown) => unknown][] = [
      ["accountHealth", (b) => accountHealth(engine, b, "alice")],
      ["whatIf", (b) => whatIf(engine, b, "bob", [{ instrument: "BTC-25SEP26-80000-C", qty: 3 }])],
      ["maxOrderSize", (b) => maxOrderSize(engine, b, "carol", "ETH-PERPETUAL", "sell", { maxSteps: 2 ** 20 })],
      ["liquidationPrice", (b) => liquidationPrice(engine, b, "alice", "BTC", { scanSteps: 24 })],
      ["liquidationPlan", (b) => liquidationPlan(engine, b, "bob")],
      ["explain", (b) => explain(engine, b, "carol")],
    ];
    fc.assert(
      fc.property(mutationArb, fc.integer({ min: 0, max: calls.length - 1 }), (ms, c) => {
        const [name, call] = calls[c];
        const what = `${name}: ${ms.map((m) => m.name).join("; ")}`;
        const o = attempt(() => call(mutatedBook(ms)));
        expectContract(o, what);
        if (!o.ok) expectStillCorrect(engine, what);
      }),
      fcParams(9006, 60),
    );
  });

  it("hostile arguments to the health functions", () => {
    const book = engine.parse(knownBook());
    fc.assert(
      fc.property(hostileValue, fc.integer({ min: 0, max: 9 }), (x, c) => {
        const a = x as never;
        const calls: (() => unknown)[] = [
          () => accountHealth(engine, book, a),
          () => accountHealth(engine, book, "alice", { model: a }),
          () => whatIf(engine, book, "alice", a),
          () => whatIf(engine, book, "alice", [{ instrument: "BTC-PERPETUAL", qty: a }]),
          () => whatIf(engine, book, "alice", [{ instrument: a, qty: 1 }]),
          () => maxOrderSize(engine, book, "alice", "BTC-PERPETUAL", a),
          () => maxOrderSize(engine, book, "alice", "BTC-PERPETUAL", "buy", { step: a, maxSteps: 2 ** 20 }),
          () => liquidationPrice(engine, book, "alice", a),
          () => liquidationPrice(engine, book, "alice", "BTC", { low: a, scanSteps: 16 }),
          () => liquidationPlan(engine, book, "bob", { buffer: a }),
        ];
        const what = `call ${c} with ${safeShow(x)}`;
        expectContract(attempt(calls[c]), what);
      }),
      fcParams(9007, 120),
    );
    expectStillCorrect(engine, "hostile health arguments");
  });

  it("session updates with hostile arguments: a failed update changes nothing", () => {
    const ids = {
      account: ["alice", "bob", "carol", "nobody", "__proto__", "toString"],
      instrument: ["BTC-PERPETUAL", "BTC-25SEP26-80000-C", "ETH-25DEC26-2500-P", "my-btc-call", "nope", "constructor"],
      market: ["BTC", "ETH", "SOL", "__proto__", "hasOwnProperty"],
      asset: ["USDC", "BTC", "ETH", "USDT", "DOGE", "toString", "__proto__"],
    };
    const number = fc.oneof(hostileValue, fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double({ min: 0.01, max: 5, noNaN: true }));
    const op = fc.oneof(
      fc.tuple(fc.constant("setIndex"), fc.constantFrom(...ids.market), number.map((x) => (typeof x === "number" && x > 0 && x < 1e6 ? 1000 + x : x))),
      fc.tuple(fc.constant("setVol"), fc.constantFrom(...ids.instrument), number),
      fc.tuple(fc.constant("setPosition"), fc.constantFrom(...ids.account), fc.constantFrom(...ids.instrument), number),
      fc.tuple(fc.constant("setCollateral"), fc.constantFrom(...ids.account), fc.constantFrom(...ids.asset), number),
      fc.tuple(fc.constant("evaluate")),
    );
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 12 }), (ops) => {
        // `s` receives every op, `twin` only those `s` accepted: their margins must be identical
        const s = engine.open(knownBook());
        const twinEngine = initSync({ backend });
        const twin = twinEngine.open(knownBook());
        const log: string[] = [];
        for (const [name, ...args] of ops) {
          const what = `${name}(${args.map(safeShow).join(", ")})`;
          log.push(what);
          const call = (x: typeof s) => (x as unknown as Record<string, (...a: unknown[]) => unknown>)[name](...args);
          const o = attempt(() => call(s));
          expectContract(o, log.join(" → "));
          if (o.ok) call(twin);
        }
        const margins = (x: typeof s) => {
          const r = x.evaluate();
          return { i: Array.from(r.initial), m: Array.from(r.maintenance), e: Array.from(r.equity), s: Array.from(r.status) };
        };
        const a = attempt(() => margins(s));
        const b = attempt(() => margins(twin));
        expectContract(a, log.join(" → "));
        // the same outcome, bit for bit (an overflow that was accepted is the same E_RANGE in both)
        expect(firstDifference(a.ok ? a.value : (a.error as RiskError).toJSON(), b.ok ? b.value : (b.error as RiskError).toJSON()),
          log.join(" → ")).toBeNull();
        s.close();
        twin.close();
        expect(() => s.evaluate()).toThrow(expect.objectContaining({ code: "E_STATE" }));
      }),
      fcParams(9008, 60),
    );
    expectStillCorrect(engine, "session updates");
  });

  it("a session opened on a dirty kernel (after other books) gives a fresh engine's margins", () => {
    // regression: the unused tail of posInst held another layout's bytes → E_INTERNAL (fixed in 0fd1f3e)
    const fresh = initSync({ backend }).open(knownBook(), { chunk: 2 }).evaluate();
    engine.evaluate(knownBook());
    const s = engine.open(knownBook(), { chunk: 2 });
    const r = s.evaluate();
    expect(firstDifference(Array.from(r.initial), Array.from(fresh.initial))).toBeNull();
    s.setPosition("carol", "ETH-PERPETUAL", 5);
    expect(nonFinite(s.evaluate())).toEqual([]);
    s.close();
    expectStillCorrect(engine, "a chunked session");
  });

  it("session options: a chunk that is not a whole number ≥ 1 is E_RANGE (0 used to hang)", () => {
    for (const chunk of [0, -1, 1.5, NaN, Infinity]) {
      const o = attempt(() => engine.open(knownBook(), { chunk }).evaluate());
      expect(o.ok, String(chunk)).toBe(false);
      expect((o as { error: RiskError }).error.code, String(chunk)).toBe("E_RANGE");
    }
  });
});
