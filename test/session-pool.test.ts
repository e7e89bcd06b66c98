/**
 * SessionPool (worker threads sharing one instrument pass) gives the same bits as the single-threaded
 * Session on the same backend: IM, MM, equity and status of every account, at open and after index,
 * vol, position and collateral updates, with 1, 2 and 3 workers. The worker entry is bundled fresh
 * from the sources (the test does not depend on a stale dist/).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS } from "./helpers/backends.js";
import { bundlePoolWorker, copyResult as copy } from "./helpers/pool-worker.js";
import { randomBook } from "./helpers/random-book.js";
import { initSync } from "../src/index.js";
import type { Session, SessionResult } from "../src/session/session.js";
import { SessionPool } from "../src/session/pool.js";

let worker: Awaited<ReturnType<typeof bundlePoolWorker>> | undefined;
let workerUrl: URL;

beforeAll(async () => {
  worker = await bundlePoolWorker();
  workerUrl = worker.url;
});

afterAll(() => worker?.remove());

const COLUMNS = ["initial", "maintenance", "equity", "status"] as const;

/** Every slot the same bits (Object.is: NaN = NaN, +0 ≠ −0). */
function expectSameBits(pool: SessionResult, single: SessionResult, when: string): void {
  expect(pool.ids).toEqual(single.ids);
  for (const c of COLUMNS) {
    const a = pool[c];
    const b = single[c];
    expect(a.length).toBe(b.length);
    for (let k = 0; k < a.length; k++) {
      if (!Object.is(a[k], b[k])) expect.fail(`${when}: ${c} of ${single.ids[k]}: pool ${a[k]} vs session ${b[k]}`);
    }
  }
}

/** The same update on both. */
function both(s: Session, p: SessionPool, f: (x: Session | SessionPool) => void): void {
  f(s);
  f(p);
}

describe.each(BACKENDS)("session pool on %s", (backend) => {
  const engine = initSync({ backend });

  it.each([1, 2, 3])("is bit-identical to Session with %i worker(s), at open and after updates", async (workers) => {
    const book = randomBook({ seed: 100 + workers, accounts: 240, positionsPerAccount: 9 });
    const s = engine.open(book);
    const p = await SessionPool.open(book, { workers, backend, workerUrl, chunk: 64 });
    try {
      expect(p.workers).toBe(workers);
      expect(p.backend).toBe(backend);
      expectSameBits(await p.evaluate(), s.evaluate(), "open");
      expect(p.positions()).toBe(s.positions());

      // Market: both underlyings, a vol.
      both(s, p, (x) => x.setIndex("BTC", 80_123.5));
      both(s, p, (x) => x.setIndex("ETH", 2_290.75));
      const call = book.instruments.find((x) => /-C$/.test(x.id))!.id;
      both(s, p, (x) => x.setVol(call, 0.91));
      expectSameBits(await p.evaluate(), s.evaluate(), "after index and vol");

      // Positions and collateral only: the dirty-account path, on accounts of every shard.
      const ids = book.accounts!.map((a) => a.id);
      both(s, p, (x) => x.setPosition(ids[0], "BTC-PERPETUAL", -250_000));
      both(s, p, (x) => x.setPosition(ids[120], book.instruments[9].id, 0));
      both(s, p, (x) => x.setCollateral(ids[239], "BTC", 2.5));
      both(s, p, (x) => x.setCollateral(ids[7], "USDC", 0));
      // One account outgrows its slots (the position store relocates it).
      for (const x of book.instruments.slice(20, 40)) both(s, p, (y) => y.setPosition(ids[200], x.id, 1.25));
      expectSameBits(await p.evaluate(), s.evaluate(), "after position and collateral updates");
      expect(p.positions()).toBe(s.positions());

      // Everything at once, then several ticks in a row (variation margin booked on every tick).
      both(s, p, (x) => x.setPosition(ids[60], "ETH-PERPETUAL", 40_000));
      for (let k = 0; k < 5; k++) {
        both(s, p, (x) => x.setIndex("BTC", 80_000 * (1 + 0.003 * (k - 2))));
        expectSameBits(await p.evaluate(), s.evaluate(), `tick ${k}`);
      }
      // Nothing changed: the pool answers without waking the workers, and still the same.
      expectSameBits(await p.evaluate(), s.evaluate(), "no change");

      expect(await p.report(ids[120])).toEqual(s.report(ids[120]));
      // Queued updates are applied before a snapshot; the snapshot is Session's.
      both(s, p, (x) => x.setCollateral(ids[3], "ETH", 7));
      expect(await p.snapshot()).toEqual(s.snapshot());
      expectSameBits(await p.evaluate(), s.evaluate(), "after the snapshot");
    } finally {
      await p.close();
      s.close();
    }
  });

  it("serializes overlapping evaluations and applies updates made while one runs to the next", async () => {
    const book = randomBook({ seed: 9, accounts: 50, positionsPerAccount: 6 });
    const s = engine.open(book);
    const p = await SessionPool.open(book, { workers: 2, backend, workerUrl });
    try {
      const first = p.evaluate();
      p.setIndex("BTC", 75_000);
      const second = p.evaluate();
      const r1 = copy(await first); // before the second evaluation overwrites the shared arrays
      expectSameBits(r1, s.evaluate(), "first");
      s.setIndex("BTC", 75_000);
      expectSameBits(await second, s.evaluate(), "second");
    } finally {
      await p.close();
      s.close();
    }
  });
});

describe("session pool errors and lifecycle", () => {
  it("rejects bad updates on the calling thread with Session's codes, and stays usable", async () => {
    const book = randomBook({ seed: 4, accounts: 10, positionsPerAccount: 4 });
    const s = initSync({ backend: "js" }).open(book);
    const p = await SessionPool.open(book, { workers: 2, backend: "js", workerUrl });
    const cases: Array<(x: Session | SessionPool) => void> = [
      (x) => x.setIndex("DOGE", 1),
      (x) => x.setIndex("BTC", -1),
      (x) => x.setVol("BTC-PERPETUAL", 0.5),
      (x) => x.setVol("nope", 0.5),
      (x) => x.setPosition("nobody", "BTC-PERPETUAL", 1),
      (x) => x.setPosition("acct-1", "nope", 1),
      (x) => x.setPosition("acct-1", "BTC-PERPETUAL", Number.NaN),
      (x) => x.setCollateral("acct-1", "DOGE", 1),
      (x) => x.setCollateral("acct-1", "USDC", Infinity),
      (x) => x.setCollateral("acct-1", "toString", 1),
      (x) => x.setCollateral("acct-1", 7 as unknown as string, 1),
      (x) => x.setPosition("acct-1", "BTC-PERPETUAL", "3" as unknown as number),
      (x) => x.setIndex("BTC", "80000" as unknown as number),
      (x) => x.setVol(book.instruments.find((i) => /-C$/.test(i.id))!.id, "0.5" as unknown as number),
    ];
    const failure = (f: () => void): string => {
      try {
        f();
      } catch (e) {
        return `${(e as { code: string }).code} ${(e as Error).message}`;
      }
      return "none";
    };
    for (const f of cases) {
      const c = failure(() => f(p));
      expect(c).not.toBe("none");
      expect(c).toBe(failure(() => f(s))); // same code and message
    }
    expectSameBits(await p.evaluate(), s.evaluate(), "after rejected updates");
    await p.close();
    expect(() => p.setIndex("BTC", 1)).toThrowError(/closed/);
    expect(() => p.evaluate()).toThrowError(/closed/);
    await p.close(); // twice is fine
  });

  it("an account that overflows is E_RANGE at its place in the book, as from Session (was its place in its shard)", async () => {
    const book = randomBook({ seed: 4, accounts: 10, positionsPerAccount: 4 });
    const s = initSync({ backend: "js" }).open(book);
    const p = await SessionPool.open(book, { workers: 2, backend: "js", workerUrl });
    try {
      both(s, p, (x) => x.setPosition("acct-8", "BTC-PERPETUAL", 1e300));
      both(s, p, (x) => x.setCollateral("acct-8", "BTC", -1e308));
      let want: unknown;
      try {
        s.evaluate();
      } catch (e) {
        want = e;
      }
      expect(want).toMatchObject({ code: "E_RANGE", path: "accounts[8]" });
      await expect(p.evaluate()).rejects.toEqual(want); // same code, path and message
    } finally {
      await p.close();
      s.close();
    }
  });

  it("close() settles the calls waiting behind an evaluation with E_STATE (a waiting report or snapshot hung)", async () => {
    const book = randomBook({ seed: 5, accounts: 10, positionsPerAccount: 4 });
    const p = await SessionPool.open(book, { workers: 2, backend: "js", workerUrl });
    p.setIndex("BTC", 70_000);
    const calls = [p.evaluate(), p.report("acct-1"), p.snapshot(), p.evaluate()];
    await p.close();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const hang = new Promise<"hang">((resolve) => (timer = setTimeout(() => resolve("hang"), 5_000)));
    const settled = await Promise.race([Promise.allSettled(calls), hang]);
    clearTimeout(timer);
    expect(settled).not.toBe("hang");
    for (const r of settled as PromiseSettledResult<unknown>[]) {
      expect(r).toMatchObject({ status: "rejected", reason: { code: "E_STATE" } });
    }
  });

  it("opens what engine.open opens (a parsed Book, its own snapshot) and refuses what it refuses (unknown overrides)", async () => {
    const engine = initSync({ backend: "js" });
    const book = randomBook({ seed: 6, accounts: 12, positionsPerAccount: 4 });
    const p = await SessionPool.open(engine.parse(book), { workers: 2, backend: "js", workerUrl });
    p.setIndex("BTC", 79_000);
    p.setPosition("acct-11", "ETH-PERPETUAL", 5_000);
    const snapshot = await p.snapshot();
    await p.close();
    // was E_UNKNOWN_FIELD at markets.BTC.underlying: the docs say to reopen a pool from its snapshot
    const q = await SessionPool.open(snapshot, { workers: 2, backend: "js", workerUrl });
    const s = engine.open(snapshot);
    try {
      expectSameBits(await q.evaluate(), s.evaluate(), "reopened from the snapshot");
    } finally {
      await q.close();
      s.close();
    }
    const typo = { ...book, risk: { presets: ["deribit-pm"], overrides: { mm_factr: 0.8 } } };
    expect(() => engine.open(typo)).toThrow(expect.objectContaining({ code: "E_PRESET", path: "risk.overrides.mm_factr" }));
    await expect(SessionPool.open(typo, { workers: 1, backend: "js", workerUrl }))
      .rejects.toMatchObject({ code: "E_PRESET", path: "risk.overrides.mm_factr" });
  });

  it("fails to open with a RiskError when the workers cannot start, or for a bad worker count", async () => {
    const book = randomBook({ seed: 2, accounts: 4, positionsPerAccount: 3 });
    // A missing entry file is the caller's setup, said before any worker starts (it was E_INTERNAL).
    await expect(SessionPool.open(book, { workers: 2, backend: "js", workerUrl: new URL("./no-such-worker.mjs", workerUrl) }))
      .rejects.toMatchObject({ code: "E_BACKEND", path: "workerUrl", message: expect.stringMatching(/no pool worker entry at .*no-such-worker\.mjs/) });
    await expect(SessionPool.open(book, { workers: 0, backend: "js", workerUrl })).rejects.toMatchObject({ code: "E_RANGE" });
    await expect(SessionPool.open(book, { workers: 1.5, backend: "js", workerUrl })).rejects.toMatchObject({ code: "E_RANGE" });
  });

  it("hostile open options are a RiskError before any worker starts (were TypeErrors and DataCloneErrors)", async () => {
    const book = randomBook({ seed: 2, accounts: 4, positionsPerAccount: 3 });
    const cases: Array<[unknown, string, string]> = [
      [null, "E_TYPE", "options"],
      [5, "E_TYPE", "options"],
      [[], "E_TYPE", "options"],
      [{ workerUrl, backend: "js", chunk: Symbol("chunk") }, "E_RANGE", "chunk"],
      [{ workerUrl, backend: "js", chunk: () => 1 }, "E_RANGE", "chunk"],
      [{ workerUrl, backend: "js", chunk: 0 }, "E_RANGE", "chunk"],
      [{ workerUrl, backend: "js", chunk: Object.create(null) }, "E_RANGE", "chunk"], // Session's String() of it threw
      [{ workerUrl, backend: "js", chunk: function chunk() {
        return 1;
      } }, "E_RANGE", "chunk"], // and put its source in the message
      [{ backend: "js", workerUrl: 5 }, "E_TYPE", "workerUrl"],
      [{ backend: "js", workerUrl: {} }, "E_TYPE", "workerUrl"],
      [{ backend: "js", workerUrl: "no-such-worker.mjs" }, "E_BACKEND", "workerUrl"], // Node wants ./ or an absolute path
      [{ workerUrl, backend: Object.create(null) }, "E_BACKEND", "backend"], // String() of it threw a TypeError
      [{ workerUrl, backend: function js() {
        return 1;
      } }, "E_BACKEND", "backend"], // its source spanned the message over lines
    ];
    for (const [options, code, path] of cases) {
      const opening = SessionPool.open(book, options as never);
      await expect(opening, `${code} at ${path}`).rejects.toMatchObject({ code, path });
      await expect(opening, `${code} at ${path}: one line`).rejects.toSatisfy((e: Error) => !/\n/.test(e.message));
    }
  });

  it("uses at most one worker per account and handles an account-less book", async () => {
    const book = randomBook({ seed: 2, accounts: 2, positionsPerAccount: 3 });
    const p = await SessionPool.open(book, { workers: 8, backend: "js", workerUrl });
    expect(p.workers).toBe(2);
    expect((await p.evaluate()).ids).toEqual(["acct-0", "acct-1"]);
    await p.close();
    const empty = await SessionPool.open({ ...book, accounts: [] }, { workers: 2, backend: "js", workerUrl });
    expect(empty.workers).toBe(1);
    expect((await empty.evaluate()).initial.length).toBe(0);
    await empty.close();
  });
});
