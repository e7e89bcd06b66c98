/**
 * Reliability of SessionPool (docs/reliability.md): the contract a Session keeps
 * (test/reliability-fuzz-api.test.ts), through the pool's worker threads, on every backend.
 *
 * Random sequences of pool calls (setIndex, setVol, setPosition, setCollateral, evaluate, report,
 * snapshot, close) with garbage among the arguments: wrong types, NaN, ±Infinity, negative and
 * denormal prices, unknown ids, "__proto__", 1e300 contracts. After every call:
 * - the call returned (or resolved to) a result with only finite numbers, or threw (or rejected with)
 *   a RiskError with a documented code, a path and a one-line message: never a TypeError, a worker
 *   crash (E_INTERNAL) or a hang;
 * - its outcome is a Session's given every call: the same result bit for bit (Object.is on finite
 *   numbers: the same Float64 bits), or the same code, path and message;
 * - after a failed call, the pool's evaluation is bit for bit that of a Session given only the calls
 *   that succeeded (or the same error: an overflow that was accepted stands in both);
 * - after close(), every call is E_STATE and the workers' threads are gone.
 * Then: overlapping calls (not awaited) with close() while they wait, and open() with hostile books
 * and options. One pool per run (1 or 2 workers, a random chunk), closed in finally.
 */
import { existsSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initSync } from "../src/index.js";
import { RiskError } from "../src/errors.js";
import type { Session } from "../src/session/session.js";
import { SessionPool } from "../src/session/pool.js";
import { BACKENDS } from "./helpers/backends.js";
import {
  attempt, fcParams, firstDifference, hostileValue, knownBook, mutatedBook, mutationArb, notABook, type Outcome, outcomeProblem,
  safeShow,
} from "./helpers/fuzz.js";
import { bundlePoolWorker, copyResult } from "./helpers/pool-worker.js";
import { randomBook } from "./helpers/random-book.js";

let worker: Awaited<ReturnType<typeof bundlePoolWorker>> | undefined;
let workerUrl: URL;

beforeAll(async () => {
  worker = await bundlePoolWorker();
  workerUrl = worker.url;
  // Start (and stop) a pool once, so that what Node starts on first use is not counted as a worker.
  const p = await SessionPool.open(knownBook(), { workers: 2, backend: "js", workerUrl });
  await p.close();
});

afterAll(() => worker?.remove());

/** A call that has not answered by then hangs. */
const MAX_CALL_MS = 10_000;

// ───────────────────────────── outcomes ─────────────────────────────

/** A pool's result arrays are shared and overwritten by its next evaluation: keep a copy. */
function kept(name: string, v: unknown): unknown {
  return name === "evaluate" && v ? copyResult(v as Parameters<typeof copyResult>[0]) : v;
}

/** `f()` settled: its value or what it threw or rejected with; a hang becomes an Error after MAX_CALL_MS. */
async function settle(name: string, f: () => unknown): Promise<Outcome<unknown>> {
  const t0 = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${MAX_CALL_MS} ms`)), MAX_CALL_MS);
  });
  try {
    const value = kept(name, await Promise.race([f(), hang]));
    return { ok: true, value, ms: performance.now() - t0 };
  } catch (error) {
    return { ok: false, error, ms: performance.now() - t0 };
  } finally {
    clearTimeout(timer);
  }
}

/** The same for a Session's call (synchronous). */
const settleSync = (name: string, f: () => unknown): Outcome<unknown> => attempt(() => kept(name, f()));

/** What two outcomes are compared on: the value, or the error's code, path and message. */
const shape = (o: Outcome<unknown>): unknown =>
  o.ok ? { value: o.value } : { error: o.error instanceof RiskError ? o.error.toJSON() : String(o.error) };

/** open()'s contract: a pool (its numbers are checked by evaluating it), or a user error. */
const openProblem = (o: Outcome<unknown>): string | null => (o.ok ? null : outcomeProblem(o));

const codeOf = (o: Outcome<unknown>): string | undefined => (o.ok ? undefined : (o.error as { code?: string }).code);

type Call = readonly [string, ...unknown[]];
const UPDATES = new Set(["setIndex", "setVol", "setPosition", "setCollateral"]);

const invoke = (x: Session | SessionPool, [name, ...args]: Call): unknown =>
  (x as unknown as Record<string, (...a: unknown[]) => unknown>)[name](...args);

const showCall = ([name, ...args]: Call): string => `${name}(${args.map(safeShow).join(", ")})`;

// ───────────────────────────── threads ─────────────────────────────

/** Threads of this process (Linux), or null where /proc is not there. */
function threads(): number | null {
  if (!existsSync("/proc/self/status")) return null;
  const m = /^Threads:\s+(\d+)/m.exec(readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) : null;
}

/** The pool's threads are gone: back to `before` (within 5 s: a terminated thread is joined soon after). */
async function expectThreadsBack(before: number | null, what: string): Promise<void> {
  if (before === null) return;
  const deadline = performance.now() + 5_000;
  let now = threads()!;
  while (now > before && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    now = threads()!;
  }
  expect(now, `${what}: threads still running after close()`).toBeLessThanOrEqual(before);
}

// ───────────────────────────── arguments ─────────────────────────────

const ACCOUNTS = 24;
/** Instrument ids of randomBook do not depend on its seed. */
const INSTRUMENTS = randomBook({ seed: 0, accounts: 0, positionsPerAccount: 0 }).instruments.map((x) => x.id);
const OPTIONS = INSTRUMENTS.filter((id) => /-[CP]$/.test(id));

const garbageId = fc.oneof(fc.constantFrom("nobody", "__proto__", "toString", "constructor", "hasOwnProperty", "", "acct-999"), hostileValue);
const idFrom = (valid: fc.Arbitrary<unknown>) => fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: garbageId });
const account = idFrom(fc.integer({ min: 0, max: ACCOUNTS - 1 }).map((k) => `acct-${k}`));
const instrument = idFrom(fc.constantFrom(...INSTRUMENTS));
const option = idFrom(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...OPTIONS) }, { weight: 1, arbitrary: fc.constantFrom(...INSTRUMENTS) }));
const market = idFrom(fc.constantFrom("BTC", "ETH", "SOL"));
const asset = idFrom(fc.constantFrom("USDC", "USDT", "USD", "BTC", "ETH", "DOGE"));

/** Sizes an update takes and an evaluation then overflows with (1e300 contracts): E_RANGE at the account. */
const huge = fc.constantFrom(1e300, -1e300, 1e200, -1e200, -1e308, 2 ** 53 + 1);
/** Numbers no update should take (hostileValue has NaN, ±Infinity, 0, −1, 5e-324, strings, objects…), or huge ones. */
const garbageNumber = fc.oneof({ weight: 2, arbitrary: hostileValue }, { weight: 1, arbitrary: huge });
const numberFrom = (valid: fc.Arbitrary<number>) => fc.oneof({ weight: 5, arbitrary: valid }, { weight: 2, arbitrary: garbageNumber });
const between = (min: number, max: number) => fc.double({ min, max, noNaN: true });

const update: fc.Arbitrary<Call> = fc.oneof(
  { weight: 2, arbitrary: fc.tuple(fc.constant("setIndex"), fc.constant("BTC"), between(60_000, 95_000)) },
  { weight: 1, arbitrary: fc.tuple(fc.constant("setIndex"), fc.constant("ETH"), between(1_900, 2_900)) },
  { weight: 1, arbitrary: fc.tuple(fc.constant("setIndex"), market, garbageNumber) },
  { weight: 2, arbitrary: fc.tuple(fc.constant("setVol"), option, numberFrom(between(0.05, 2.5))) },
  {
    weight: 5,
    arbitrary: fc.tuple(fc.constant("setPosition"), account, instrument,
      numberFrom(fc.oneof(fc.integer({ min: -200_000, max: 200_000 }), between(-50, 50), fc.constant(0)))),
  },
  { weight: 3, arbitrary: fc.tuple(fc.constant("setCollateral"), account, asset, numberFrom(fc.oneof(between(-1e4, 1e6), fc.constant(0)))) },
);

/** A call that reads the pool (no update). */
const read: fc.Arbitrary<Call> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constant("evaluate")) },
  { weight: 1, arbitrary: fc.tuple(fc.constant("report"), account) },
  { weight: 1, arbitrary: fc.tuple(fc.constant("snapshot")) },
);

/** Mostly updates; now and then a read; close() about once in 40 calls (every later call is E_STATE). */
const call: fc.Arbitrary<Call> = fc.oneof(
  { weight: 26, arbitrary: update },
  { weight: 13, arbitrary: read },
  { weight: 1, arbitrary: fc.tuple(fc.constant("close")) },
);

const shapeOfRun = {
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  workers: fc.constantFrom(1, 2),
  chunk: fc.option(fc.integer({ min: 1, max: 16 }), { nil: undefined }),
};

// ───────────────────────────── the properties ─────────────────────────────

describe.each(BACKENDS)("SessionPool on %s under random calls", (backend) => {
  const seed = 9100 + 10 * BACKENDS.indexOf(backend); // other sequences on each backend
  const engines = { all: initSync({ backend }), twin: initSync({ backend }) };
  const tally = { calls: 0, refused: 0, evaluations: 0, afterFailure: 0 };

  /** The pool's evaluation and the twin's: the same bits, or the same error. */
  async function expectSameEvaluation(pool: SessionPool, twin: Session, what: string): Promise<void> {
    const p = await settle("evaluate", () => pool.evaluate());
    expect(outcomeProblem(p), what).toBeNull();
    expect(firstDifference(shape(p), shape(settleSync("evaluate", () => twin.evaluate()))), `${what}: pool vs Session`).toBeNull();
  }

  it("every call: a finite result or a RiskError, as a Session gives it; a failure changes nothing", async () => {
    await fc.assert(
      fc.asyncProperty(fc.record({ ...shapeOfRun, calls: fc.array(call, { minLength: 8, maxLength: 30, size: "max" }) }), async (run) => {
        const book = randomBook({ seed: run.seed, accounts: ACCOUNTS, positionsPerAccount: 4 });
        const before = threads();
        const pool = await SessionPool.open(book, { workers: run.workers, backend, workerUrl, chunk: run.chunk });
        const all = engines.all.open(book); // every call
        const twin = engines.twin.open(book); // the calls the pool accepted
        const trail: string[] = [`open(seed ${run.seed}, ${run.workers} workers, chunk ${run.chunk})`];
        let closed = false;
        try {
          for (const c of run.calls) {
            trail.push(showCall(c));
            const what = trail.join(" → ");
            const p = await settle(c[0], () => invoke(pool, c));
            tally.calls++;
            expect(outcomeProblem(p), what).toBeNull();
            expect(firstDifference(shape(p), shape(settleSync(c[0], () => invoke(all, c)))), `${what}: pool vs Session`).toBeNull();
            if (closed && c[0] !== "close") expect(codeOf(p), what).toBe("E_STATE");
            if (p.ok && c[0] === "evaluate") tally.evaluations++;
            if (p.ok && c[0] === "close") {
              closed = true;
              await expectThreadsBack(before, what);
            }
            if (p.ok && UPDATES.has(c[0])) invoke(twin, c);
            if (!p.ok) tally.refused++;
            if (!p.ok && !closed) {
              tally.afterFailure++;
              await expectSameEvaluation(pool, twin, what);
            }
          }
          if (!closed) await expectSameEvaluation(pool, twin, `${trail.join(" → ")} → (last) evaluate`);
        } finally {
          await pool.close();
          all.close();
          twin.close();
        }
        await expectThreadsBack(before, trail.join(" → "));
        expect(() => pool.setIndex("BTC", 80_000)).toThrow(expect.objectContaining({ code: "E_STATE" }));
      }),
      fcParams(seed + 1, 20),
    );
    // the runs reach what they are for: evaluations compared, and refused calls followed by one
    expect(tally.evaluations).toBeGreaterThan(5);
    expect(tally.afterFailure).toBeGreaterThan(5);
  });

  it("overlapping calls, and close() while they wait: each settles, as a Session's or E_STATE", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          ...shapeOfRun,
          rounds: fc.array(fc.record({ updates: fc.array(update, { maxLength: 5 }), burst: fc.array(read, { minLength: 1, maxLength: 4 }) }),
            { minLength: 1, maxLength: 3 }),
          closeAfter: fc.option(fc.nat(2), { nil: undefined }),
        }),
        async (run) => {
          const book = randomBook({ seed: run.seed, accounts: ACCOUNTS, positionsPerAccount: 4 });
          const before = threads();
          const pool = await SessionPool.open(book, { workers: run.workers, backend, workerUrl, chunk: run.chunk });
          const twin = engines.twin.open(book);
          const trail: string[] = [`open(seed ${run.seed}, ${run.workers} workers, chunk ${run.chunk})`];
          try {
            for (const [r, round] of run.rounds.entries()) {
              for (const c of round.updates) {
                trail.push(showCall(c));
                const p = settleSync(c[0], () => invoke(pool, c));
                expect(outcomeProblem(p), trail.join(" → ")).toBeNull();
                if (p.ok) invoke(twin, c);
              }
              // The whole burst is issued before any of it is answered; nothing changes after it, so
              // every call sees every update above (the pool's evaluate reflects the updates made
              // before it starts).
              trail.push(`[${round.burst.map(showCall).join(", ")}]`);
              const pending = round.burst.map((c) => settle(c[0], () => invoke(pool, c)));
              const closing = r === run.closeAfter;
              if (closing) {
                trail.push("close()");
                await pool.close();
              }
              const answers = await Promise.all(pending);
              const what = trail.join(" → ");
              answers.forEach((p, k) => {
                const c = round.burst[k];
                expect(outcomeProblem(p), `${what}: call ${k}`).toBeNull();
                if (closing && codeOf(p) === "E_STATE") return; // waited, and the pool closed
                // Later evaluations of the burst overwrite the shared arrays: only the last copy is
                // certain to be its own. The others are checked for finite numbers only (above).
                if (c[0] === "evaluate" && round.burst.slice(k + 1).some((x) => x[0] === "evaluate")) return;
                expect(firstDifference(shape(p), shape(settleSync(c[0], () => invoke(twin, c)))), `${what}: call ${k}`).toBeNull();
              });
              if (closing) {
                await expectThreadsBack(before, what);
                break;
              }
            }
          } finally {
            await pool.close();
            twin.close();
          }
          await expectThreadsBack(before, trail.join(" → "));
        },
      ),
      fcParams(seed + 2, 10),
    );
  });
});

describe("SessionPool.open with hostile input", () => {
  const engine = initSync({ backend: "js" });

  /** Open a pool and a Session on the same input: the same outcome, then the same evaluation. */
  async function expectOpensAsSession(input: unknown, what: string): Promise<void> {
    const before = threads();
    const p = await settle("open", () => SessionPool.open(input, { workers: 2, backend: "js", workerUrl }));
    const s = settleSync("open", () => engine.open(input));
    const pool = p.ok ? (p.value as SessionPool) : null;
    const session = s.ok ? (s.value as Session) : null;
    try {
      expect(openProblem(p), what).toBeNull();
      if (!pool || !session) {
        const opened = (o: Outcome<unknown>) => (o.ok ? "opened" : shape(o));
        expect(firstDifference(opened(p), opened(s)), `${what}: pool vs Session`).toBeNull();
        return;
      }
      const a = await settle("evaluate", () => pool.evaluate());
      expect(outcomeProblem(a), what).toBeNull();
      expect(firstDifference(shape(a), shape(settleSync("evaluate", () => session.evaluate()))), `${what}: pool vs Session`).toBeNull();
    } finally {
      await pool?.close();
      session?.close();
    }
    await expectThreadsBack(before, what);
  }

  it("mutated and garbage books: a pool where engine.open gives a session, else its RiskError", async () => {
    await fc.assert(
      fc.asyncProperty(mutationArb, async (ms) => expectOpensAsSession(mutatedBook(ms), ms.map((m) => m.name).join("; "))),
      fcParams(9131, 40),
    );
    await fc.assert(fc.asyncProperty(notABook, async (x) => expectOpensAsSession(x, safeShow(x))), fcParams(9132, 40));
  });

  it("hostile options: a pool or a RiskError, never a TypeError or a worker left running", async () => {
    const options = fc.oneof(
      hostileValue,
      fc.record({
        workers: fc.oneof(fc.constantFrom(1, 2, 1e9), hostileValue),
        chunk: fc.oneof(fc.integer({ min: 1, max: 64 }), hostileValue),
        backend: fc.oneof(fc.constantFrom("js", "simd", "scalar", "auto"), hostileValue),
      }, { requiredKeys: [] }),
    );
    await fc.assert(
      fc.asyncProperty(options, async (o) => {
        const what = safeShow(o);
        // The bundled worker entry under every object (undefined is no options: the default entry is dist's)
        const withUrl = o === undefined ? { workerUrl }
          : typeof o === "object" && o !== null && !Array.isArray(o) ? Object.assign(Object.create(o) as object, { workerUrl }) : o;
        const before = threads();
        const p = await settle("open", () => SessionPool.open(knownBook(), withUrl as never));
        const pool = p.ok ? (p.value as SessionPool) : null;
        try {
          expect(openProblem(p), what).toBeNull();
          if (pool) expect(outcomeProblem(await settle("evaluate", () => pool.evaluate())), what).toBeNull();
        } finally {
          await pool?.close();
        }
        await expectThreadsBack(before, what);
      }),
      fcParams(9133, 40),
    );
  });
});
