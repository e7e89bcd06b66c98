/**
 * Exchange-tick workload (DESIGN §7): ~2 000 BTC/ETH instruments shaped like the real chain, 100 000
 * accounts × ~10 positions, deribit-pm. One tick = an index update + IM/MM/equity/status of every
 * account. Three ways, per backend:
 * - `session`: one Session on one core (tickWorkload): a tick moves the BTC index, as index feeds
 *   publish one underlying at a time; `allIndexes` moves BTC and ETH before evaluating (nothing of the
 *   last tick can be kept: the worst case);
 * - `pool`: a SessionPool with N worker threads (tickPoolWorkload), the instrument pass on the main
 *   thread, account shards in the workers;
 * - `naive`: every position priced as its own instrument (bench/tick-naive.ts), on a sample of the
 *   accounts, extrapolated.
 * `exchangeTick()` runs them all and returns plain objects for bench/run.ts; `node --expose-gc
 * dist/bench-tick.js [--accounts N] [--ticks N] [--workers N] [--backends simd,scalar,js]
 * [--naive-accounts N]` prints the table alone (scripts/bundle.mjs builds it).
 */
import os from "node:os";
import type { Engine } from "../src/engine/engine.js";
import { parseBook } from "../src/book/index.js";
import type { BackendName } from "../src/kernel/abi.js";
import { SessionPool } from "../src/session/pool.js";
import type { BookInput } from "../src/types.js";
import { initSync } from "../src/index.js";
import { randomBook } from "../test/helpers/random-book.js";
import { naiveTickWorkload, type NaiveTiming } from "./tick-naive.js";
import { renderTable } from "./table.js";

export interface TickTiming {
  backend: string;
  mode: "session" | "pool";
  /** Which indexes a tick moves: BTC, or every underlying's. */
  moves: "one" | "all";
  /** Worker threads (pool), 1 for the session. */
  workers: number;
  instruments: number;
  accounts: number;
  positions: number;
  /** Open (parse, lay out, start workers) and first full evaluation, ms. */
  openMs: number;
  tickMs: number[];
  bestMs: number;
  medianMs: number;
  /** median / best − 1. */
  spread: number;
  bytesPerPosition: number;
}

export interface ExchangeTickResult {
  instruments: number;
  accounts: number;
  positions: number;
  session: TickTiming[];
  pool: TickTiming[];
  naive: NaiveTiming[];
  /** 1-minute load average before and after (2 cores: > 1 means others were running). */
  loadAverage: { start: number; end: number };
  table: string;
}

const BASE_BTC = 77_081.8;
/** The tick's index move: ±0.1 % and ±0.2 % around the opening level. */
export const tickPrice = (k: number, base = BASE_BTC): number => base * (1 + 0.001 * ((k % 5) - 2));
const BASE_ETH = 2_400;

/** The workload's book (seeded: the same on every run). */
export function tickBook(accounts = 100_000): BookInput {
  return randomBook({ seed: 42, accounts, positionsPerAccount: 10, strikesPerExpiry: 125 });
}

function stats(tickMs: number[]): { bestMs: number; medianMs: number; spread: number } {
  const s = [...tickMs].sort((a, b) => a - b);
  const bestMs = s[0];
  const medianMs = s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return { bestMs, medianMs, spread: (medianMs - bestMs) / bestMs };
}

/** Untimed ticks first (JIT, the workers' first evaluation, the main thread's GC of the open). */
const WARMUP = 3;

declare const gc: (() => void) | undefined;
const collect = () => {
  if (typeof gc === "function") gc();
};

/** One Session on this thread. */
export function tickWorkload(
  engine: Engine, opts: { accounts?: number; ticks?: number; book?: BookInput; moves?: "one" | "all" } = {},
): TickTiming {
  const book = opts.book ?? tickBook(opts.accounts);
  const moves = opts.moves ?? "one";
  const move = (k: number) => {
    session.setIndex("BTC", tickPrice(k));
    if (moves === "all") session.setIndex("ETH", tickPrice(k + 2, BASE_ETH));
  };
  collect();
  const t0 = performance.now();
  const session = engine.open(book);
  session.evaluate();
  const openMs = performance.now() - t0;
  for (let k = 0; k < WARMUP; k++) {
    move(k);
    session.evaluate();
  }
  collect();
  const tickMs: number[] = [];
  for (let k = 0; k < (opts.ticks ?? 10); k++) {
    const t = performance.now();
    move(k);
    session.evaluate();
    tickMs.push(performance.now() - t);
  }
  const positions = session.positions();
  const bytesPerPosition = session.memoryBytes() / positions;
  session.close();
  return {
    backend: engine.backend, mode: "session", moves, workers: 1, instruments: book.instruments.length, accounts: book.accounts!.length,
    positions, openMs, tickMs, ...stats(tickMs), bytesPerPosition,
  };
}

/** A SessionPool of `workers` threads (default 2): ticks moving BTC, then ticks moving BTC and ETH. */
export async function tickPoolWorkload(opts: {
  backend: BackendName; workers?: number; accounts?: number; ticks?: number; book?: BookInput; workerUrl?: string | URL;
}): Promise<TickTiming[]> {
  const book = opts.book ?? tickBook(opts.accounts);
  collect();
  const t0 = performance.now();
  const pool = await SessionPool.open(book, { backend: opts.backend, workers: opts.workers ?? 2, workerUrl: opts.workerUrl });
  await pool.evaluate();
  const openMs = performance.now() - t0;
  try {
    const positions = pool.positions();
    const timings: TickTiming[] = [];
    for (const moves of ["one", "all"] as const) {
      const move = (k: number) => {
        pool.setIndex("BTC", tickPrice(k));
        if (moves === "all") pool.setIndex("ETH", tickPrice(k + 2, BASE_ETH));
      };
      for (let k = 0; k < WARMUP; k++) {
        move(k);
        await pool.evaluate();
      }
      collect();
      const tickMs: number[] = [];
      for (let k = 0; k < (opts.ticks ?? 10); k++) {
        const t = performance.now();
        move(k);
        await pool.evaluate();
        tickMs.push(performance.now() - t);
      }
      timings.push({
        backend: pool.backend, mode: "pool", moves, workers: pool.workers, instruments: book.instruments.length,
        accounts: book.accounts!.length, positions, openMs, tickMs, ...stats(tickMs), bytesPerPosition: pool.memoryBytes() / positions,
      });
    }
    return timings;
  } finally {
    await pool.close();
  }
}

export interface ExchangeTickOptions {
  backends?: BackendName[];
  accounts?: number;
  ticks?: number;
  workers?: number;
  /** Accounts the naive path runs on (extrapolated to all); 0 skips it. */
  naiveAccounts?: number;
  workerUrl?: string | URL;
  log?: (line: string) => void;
}

/** Session, pool and naive tick for every backend, with a table. */
export async function exchangeTick(o: ExchangeTickOptions = {}): Promise<ExchangeTickResult> {
  const log = o.log ?? (() => {});
  const loadStart = os.loadavg()[0];
  const backends = o.backends ?? ["simd", "scalar", "js"];
  const book = tickBook(o.accounts);
  const parsed = parseBook(book);
  const session: TickTiming[] = [];
  const pool: TickTiming[] = [];
  const naive: NaiveTiming[] = [];
  for (const b of backends) {
    const engine = initSync({ backend: b });
    log(`exchange tick ${b}: session…`);
    session.push(tickWorkload(engine, { book, ticks: o.ticks }));
    log(`exchange tick ${b}: session, every index moving…`);
    session.push(tickWorkload(engine, { book, ticks: o.ticks, moves: "all" }));
    log(`exchange tick ${b}: pool of ${o.workers ?? 2}…`);
    pool.push(...await tickPoolWorkload({ backend: b, workers: o.workers ?? 2, book, ticks: o.ticks, workerUrl: o.workerUrl }));
    if (o.naiveAccounts !== 0) {
      log(`exchange tick ${b}: naive on ${o.naiveAccounts ?? 10_000} accounts…`);
      collect();
      naive.push(naiveTickWorkload(engine, parsed, { sampleAccounts: o.naiveAccounts ?? 10_000, ticks: Math.min(o.ticks ?? 10, 5) }));
    }
  }
  const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1)) + " ms";
  const pc = (x: number) => `${(x * 100).toFixed(0)} %`;
  const rows: string[][] = [];
  for (const b of backends) {
    const s = session.find((x) => x.backend === b && x.moves === "one")!;
    const all = session.find((x) => x.backend === b && x.moves === "all")!;
    const p = pool.find((x) => x.backend === b && x.moves === "one")!;
    const pAll = pool.find((x) => x.backend === b && x.moves === "all")!;
    const nv = naive.find((x) => x.backend === b);
    rows.push(["session, 1 thread", b, ms(s.bestMs), ms(s.medianMs), pc(s.spread), `open ${ms(s.openMs)}, ${s.bytesPerPosition.toFixed(0)} B/position`]);
    rows.push(["  same, BTC and ETH move", b, ms(all.bestMs), ms(all.medianMs), pc(all.spread), "nothing kept from the last tick"]);
    rows.push([`pool, ${p.workers} workers`, b, ms(p.bestMs), ms(p.medianMs), pc(p.spread),
      `${(s.bestMs / p.bestMs).toFixed(2)} × session; open ${ms(p.openMs)}`]);
    rows.push(["  same, BTC and ETH move", b, ms(pAll.bestMs), ms(pAll.medianMs), pc(pAll.spread), `${(all.bestMs / pAll.bestMs).toFixed(2)} × session`]);
    if (nv) {
      rows.push([`naive (own instrument per position)`, b, ms(nv.bestMs), ms(nv.medianMs), pc(nv.spread),
        `${(nv.bestMs / s.bestMs).toFixed(1)} × session; ×${nv.scale.toFixed(0)} from ${nv.sampleAccounts} accounts; ` +
        `${nv.mismatches === 0 ? "same bits" : `${nv.mismatches} accounts differ`}`]);
    }
  }
  const first = session[0];
  const loadAverage = { start: loadStart, end: os.loadavg()[0] };
  const table = `exchange tick: ${first.instruments} instruments, ${first.accounts} accounts, ${first.positions} positions, deribit-pm ` +
    `(one tick = index move + every account's IM/MM)\n` +
    renderTable(["way", "backend", "best", "median", "spread", "notes"], rows) +
    `\nload average ${loadAverage.start.toFixed(2)} → ${loadAverage.end.toFixed(2)} on ${os.cpus().length} cores`;
  return {
    instruments: first.instruments, accounts: first.accounts, positions: first.positions, session, pool, naive, loadAverage, table,
  };
}

/** Command line: the table alone. */
export async function main(argv: string[]): Promise<void> {
  const arg = (name: string): string | undefined => {
    const k = argv.indexOf(`--${name}`);
    return k >= 0 ? argv[k + 1] : undefined;
  };
  const num = (name: string) => (arg(name) === undefined ? undefined : Number(arg(name)));
  const r = await exchangeTick({
    backends: arg("backends")?.split(",") as BackendName[] | undefined, accounts: num("accounts"), ticks: num("ticks"),
    workers: num("workers"), naiveAccounts: num("naive-accounts"), log: (l) => console.error(l),
  });
  console.log(r.table);
  if (arg("json")) {
    const { writeFileSync } = await import("node:fs");
    writeFileSync(arg("json")!, JSON.stringify({ ...r, table: undefined }, null, 2) + "\n");
  }
}
