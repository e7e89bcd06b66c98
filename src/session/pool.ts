/**
 * SessionPool (issue 7, several cores): the tick session spread over Node worker threads.
 *
 * Accounts are sharded into contiguous ranges of the book's order, balanced by positions, one range
 * per worker. The main thread keeps an account-less Session of the same book in its own kernel: on a
 * market update (index, vol) it runs the instrument pass once and publishes values, greeks and the
 * cube in a SharedArrayBuffer. Each worker runs an ordinary Session over its shard that copies that
 * cube into its kernel instead of pricing (Session option `instrumentOutputs`), then does the account
 * pass and the deribit-pm reduction for its accounts and writes IM, MM, equity and status into
 * shared result arrays. Same code, same cube bits, same order within each account: the numbers are
 * bit-identical to one Session on the same backend (test/session-pool.test.ts).
 *
 * Updates are validated on the calling thread (same errors as Session) and queued; `evaluate()`
 * ships each worker its queue and waits for all. Workers with nothing to do are not woken. Node
 * only (worker_threads); in a browser the analogue would be Web Workers with the same protocol
 * (needs cross-origin isolation for SharedArrayBuffer).
 */
import { availableParallelism } from "node:os";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { Engine } from "../engine/engine.js";
import { RiskError, type RiskErrorCode } from "../errors.js";
import { validateOverrides } from "../margin/validate-overrides.js";
import type { BackendName } from "../kernel/abi.js";
import { type BackendChoice, loadKernel } from "../kernel/select.js";
import type { AccountReport } from "../report/types.js";
import type { Book, BookInput } from "../types.js";
import { STABLECOINS } from "../types.js";
import {
  INSTRUMENT_COLUMNS, type PoolOp, type PoolReply, type PoolRequest, type PoolShared, type PoolStats,
  POOL_WORKER_TAG, type PoolWorkerData,
} from "./pool-protocol.js";
import { Session, type SessionResult, shown } from "./session.js";

export interface SessionPoolOptions {
  /** Worker threads (default: os.availableParallelism(), at most one per account, at least 1). */
  workers?: number;
  /** Kernel backend of the main thread and of every worker (default `auto`). */
  backend?: BackendChoice;
  /** Accounts per account-pass chunk in each worker (Session's `chunk`). */
  chunk?: number;
  /**
   * The worker entry (dist/session-worker.js). Default: `session-worker.js` next to this module when
   * bundled; from the TypeScript sources, the repository's dist/session-worker.js (npm run build).
   */
  workerUrl?: string | URL;
}

interface PoolWorker {
  worker: Worker;
  /** Updates not yet sent. */
  queue: PoolOp[];
  /** Updates were sent or queued since its last evaluation. */
  stale: boolean;
  stats: PoolStats;
  /** Accounts [offset, offset + count) of the book order. */
  offset: number;
  count: number;
  pending: Map<number, { resolve: (m: PoolReply) => void; reject: (e: unknown) => void }>;
}

function defaultWorkerUrl(): URL {
  const here = import.meta.url;
  return /\.ts$/.test(here) ? new URL("../../dist/session-worker.js", here) : new URL("./session-worker.js", here);
}

/** Contiguous ranges of accounts with about the same work (positions, plus a per-account cost). */
function shardRanges(positions: number[], n: number): Array<[number, number]> {
  const weight = (a: number) => positions[a] + 8;
  let total = 0;
  for (let a = 0; a < positions.length; a++) total += weight(a);
  const ranges: Array<[number, number]> = [];
  let a = 0;
  let done = 0;
  for (let w = 0; w < n; w++) {
    const start = a;
    const goal = (total * (w + 1)) / n;
    const leave = n - w - 1; // keep at least one account for each later worker
    while (a < positions.length - leave && (w === n - 1 || done + weight(a) / 2 <= goal || a === start)) done += weight(a++);
    ranges.push([start, a - start]);
  }
  return ranges;
}

export class SessionPool {
  readonly backend: BackendName;
  private readonly result: SessionResult;
  private readonly accountWorker: Map<string, number>;
  private readonly instrumentIds: Set<string>;
  private readonly assets: Set<string>;
  private readonly instruments: Float64Array;
  private readonly ctrl: Int32Array;
  private version = 0;
  /** The main thread's instrument pass is out of date (index or vol changed). */
  private marketStale = true;
  private seq = 0;
  /** Evaluations and reports running or waiting, and the tail of their queue. */
  private active = 0;
  private last: Promise<unknown> = Promise.resolve();
  private closed = false;
  private failure: unknown = null;
  private timing = { totalMs: 0, instrumentMs: 0, workerMs: [] as number[] };

  private constructor(
    private readonly engine: Engine,
    /** Account-less session: the instrument pass and the market state. */
    private readonly market: Session,
    private readonly pool: PoolWorker[],
    ids: string[],
    shared: PoolShared,
    instrumentIds: string[],
    assets: string[],
  ) {
    this.backend = engine.kernel.backend;
    const n = ids.length;
    this.result = {
      ids, initial: new Float64Array(shared.initial, 0, n), maintenance: new Float64Array(shared.maintenance, 0, n),
      equity: new Float64Array(shared.equity, 0, n), status: new Uint8Array(shared.status, 0, n),
    };
    this.accountWorker = new Map();
    pool.forEach((w, k) => {
      for (let a = w.offset; a < w.offset + w.count; a++) this.accountWorker.set(ids[a], k);
    });
    this.instrumentIds = new Set(instrumentIds);
    this.assets = new Set(assets);
    this.instruments = new Float64Array(shared.instruments);
    this.ctrl = new Int32Array(shared.ctrl);
  }

  /** Parse the book, lay out the instrument pass here and start the workers with their shards. */
  static async open(input: string | BookInput | unknown, options: SessionPoolOptions = {}): Promise<SessionPool> {
    if (typeof options !== "object" || options === null || Array.isArray(options)) {
      throw new RiskError("E_TYPE", "options", `options are an object such as { workers: 2 }, not ${Array.isArray(options) ? "an array" : shown(options)}`);
    }
    const want = options.workers ?? availableParallelism();
    if (!Number.isInteger(want) || want < 1) throw new RiskError("E_RANGE", "workers", "workers must be a positive integer");
    const url = options.workerUrl ?? defaultWorkerUrl();
    if (typeof url !== "string" && !(url instanceof URL)) {
      throw new RiskError("E_TYPE", "workerUrl", `workerUrl is a file path or a URL of dist/session-worker.js, not ${shown(url)}`);
    }
    // Node reports a missing entry file only after the worker started, as a crash: say it here.
    const file = url instanceof URL ? (url.protocol === "file:" ? fileURLToPath(url) : null) : url;
    if (file !== null && !existsSync(file)) {
      throw new RiskError("E_BACKEND", "workerUrl", `no pool worker entry at ${file}: run \`npm run build\` (it writes dist/session-worker.js), or pass the bundle's path as workerUrl`);
    }
    const backend = options.backend ?? "auto";
    // (loadKernel quotes String(backend): a function's source over several lines, or a TypeError)
    if (typeof backend !== "string") throw new RiskError("E_BACKEND", "backend", `a backend is auto, simd, scalar or js, not ${shown(backend)}`);
    const engine = new Engine(await loadKernel(backend));
    // As engine.open reads it: JSON text, a book object or a parsed Book (a snapshot), overrides checked.
    const book = engine.parse(input);
    validateOverrides(book);
    // `chunk` sizes the workers' sessions only; this one checks it as engine.open does, before any
    // worker starts (a value that cannot be posted to a worker was a DataCloneError). Session quotes
    // String(chunk): a TypeError for an object without a prototype, a function's source over lines.
    if (options.chunk != null && typeof options.chunk !== "number") {
      throw new RiskError("E_RANGE", "chunk", `chunk must be a whole number of accounts ≥ 1, not ${shown(options.chunk)}`);
    }
    const market = new Session(engine, engine.kernel, { ...book, accounts: [] }, { chunk: options.chunk });
    const nAcc = book.accounts.length;
    const n = Math.max(1, Math.min(want, nAcc));
    const nInst = book.instruments.length;
    // The number of scenarios: lay out the market session once and read the cube's length.
    market.evaluate();
    const cubeLength = engine.kernel.views().cube.length;
    const sab = (bytes: number) => new SharedArrayBuffer(Math.max(8, bytes));
    const shared: PoolShared = {
      instruments: sab((INSTRUMENT_COLUMNS.length * nInst + cubeLength) * 8),
      initial: sab(nAcc * 8), maintenance: sab(nAcc * 8), equity: sab(nAcc * 8), status: sab(nAcc),
      ctrl: sab(4 * (1 + n)),
    };
    const ranges = shardRanges(book.accounts.map((a) => a.positions.length), n);
    const pool: PoolWorker[] = [];
    try {
      ranges.forEach(([offset, count], index) => {
        const data: PoolWorkerData = {
          tag: POOL_WORKER_TAG, index, backend: engine.kernel.backend, offset, chunk: options.chunk, shared,
          book: { ...book, accounts: book.accounts.slice(offset, offset + count) },
        };
        const worker = new Worker(url, { workerData: data });
        pool.push({ worker, queue: [], stale: true, stats: { memoryBytes: 0, positions: 0, busyMs: 0 }, offset, count, pending: new Map() });
      });
    } catch (e) {
      // Node refuses the path (not absolute, not ./ or ../): stop the workers already started.
      market.close();
      await Promise.all(pool.map((w) => w.worker.terminate()));
      const why = (e instanceof Error ? e.message : String(e)).replace(/\s+/g, " ");
      throw new RiskError("E_BACKEND", "workerUrl", `the pool's worker entry cannot be started: ${why}`);
    }
    const self = new SessionPool(
      engine, market, pool, book.accounts.map((a) => a.id), shared, book.instruments.map((x) => x.id),
      [...Object.keys(book.markets), ...STABLECOINS],
    );
    try {
      await Promise.all(pool.map((w, k) => self.listen(w, k)));
    } catch (e) {
      await self.close();
      throw e;
    }
    return self;
  }

  get workers(): number {
    return this.pool.length;
  }

  // ── updates (validated here, queued for the workers) ──────────────────────────────────────

  setIndex(underlying: string, price: number): void {
    this.live();
    this.market.setIndex(underlying, price); // validates
    this.marketStale = true;
    this.broadcast({ op: "index", underlying, price });
  }

  setVol(instrumentId: string, vol: number): void {
    this.live();
    this.market.setVol(instrumentId, vol); // validates
    this.marketStale = true;
    this.broadcast({ op: "vol", instrument: instrumentId, vol });
  }

  /** Set a position (contracts; 0 closes it). Goes to the account's worker only. */
  setPosition(accountId: string, instrumentId: string, qty: number): void {
    this.live();
    const w = this.workerOf(accountId);
    if (!this.instrumentIds.has(instrumentId)) {
      throw new RiskError("E_UNKNOWN_INSTRUMENT", "instrumentId", `no instrument ${shown(instrumentId)} in this session`);
    }
    if (!Number.isFinite(qty)) throw new RiskError("E_NOT_FINITE", "qty", "a quantity must be a finite number");
    this.enqueue(w, { op: "position", account: accountId, instrument: instrumentId, qty });
  }

  setCollateral(accountId: string, asset: string, amount: number): void {
    this.live();
    const w = this.workerOf(accountId);
    if (!Number.isFinite(amount)) throw new RiskError("E_NOT_FINITE", "amount", "a collateral amount must be a finite number");
    if (!this.assets.has(asset)) {
      throw new RiskError("E_UNKNOWN_ASSET", "asset", `collateral asset ${shown(asset)} has no market in this session`);
    }
    this.enqueue(w, { op: "collateral", account: accountId, asset, amount });
  }

  // ── evaluation ────────────────────────────────────────────────────────────────────────────

  /**
   * IM, MM, equity and status of every account (deribit-pm), as Session.evaluate() gives them. The
   * result reflects every update made before the call; a call made while another evaluation runs waits
   * for it and then reflects every update made before it starts. The arrays are shared memory,
   * overwritten by the next evaluation.
   */
  evaluate(): Promise<SessionResult> {
    this.live();
    return this.schedule(() => this.evaluateNow());
  }

  /** The full report of one account, from its worker (all queued updates applied first). */
  report(accountId: string): Promise<AccountReport> {
    this.live();
    const k = this.workerOf(accountId);
    return this.schedule(async () => {
      const m = await this.request(k, { type: "report", seq: ++this.seq, ops: this.takeQueue(k), account: accountId });
      return (m as Extract<PoolReply, { type: "report" }>).report;
    });
  }

  /**
   * The pool's current book, as Session.snapshot() gives it (futures' variation margin booked as
   * collateral, all queued updates applied): what to persist, with the input offsets it reflects, to
   * reopen a pool later.
   */
  snapshot(): Promise<Book> {
    this.live();
    return this.schedule(async () => {
      const parts = await Promise.all(this.pool.map((_, k) => this.request(k, { type: "snapshot", seq: ++this.seq, ops: this.takeQueue(k) })));
      const accounts = parts.flatMap((m) => (m as Extract<PoolReply, { type: "snapshot" }>).accounts);
      return { ...this.market.snapshot(), accounts };
    });
  }

  /**
   * Where the last evaluation's time went: the instrument pass and publication on this thread, each
   * worker's busy time (0 for workers it did not wake), and the whole call.
   */
  lastTiming(): { totalMs: number; instrumentMs: number; workerMs: number[] } {
    return { ...this.timing, workerMs: [...this.timing.workerMs] };
  }

  /** Positions held, as of the last evaluation. */
  positions(): number {
    return this.pool.reduce((s, w) => s + w.stats.positions, 0);
  }

  /**
   * Bytes of kernel memory (the main thread's and every worker's), the workers' position arrays and
   * the shared arrays, as of the last evaluation.
   */
  memoryBytes(): number {
    const shared = this.instruments.byteLength + this.result.ids.length * 25 + this.ctrl.byteLength;
    return this.market.memoryBytes() + shared + this.pool.reduce((s, w) => s + w.stats.memoryBytes, 0);
  }

  /** Stop the workers. The pool refuses further use. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const gone = new RiskError("E_STATE", "session", "this session is closed: open a new one");
    for (const w of this.pool) for (const p of w.pending.values()) p.reject(gone);
    this.market.close();
    await Promise.all(this.pool.map((w) => w.worker.terminate()));
  }

  // ── internals ─────────────────────────────────────────────────────────────────────────────

  private live(): void {
    if (this.closed) throw new RiskError("E_STATE", "session", "this session is closed: open a new one");
    if (this.failure) throw this.failure;
  }

  private workerOf(accountId: string): number {
    const k = this.accountWorker.get(accountId);
    if (k === undefined) throw new RiskError("E_UNKNOWN_ACCOUNT", "accountId", `no account ${shown(accountId)} in this session`);
    return k;
  }

  private enqueue(k: number, op: PoolOp): void {
    this.pool[k].queue.push(op);
    this.pool[k].stale = true;
  }

  /** Worker k's queued updates, to send with a request (it is stale until its next evaluation). */
  private takeQueue(k: number): PoolOp[] {
    const w = this.pool[k];
    const ops = w.queue;
    w.queue = [];
    if (ops.length) w.stale = true;
    return ops;
  }

  private broadcast(op: PoolOp): void {
    for (let k = 0; k < this.pool.length; k++) this.enqueue(k, op);
  }

  /**
   * Runs `f` now when nothing else runs (its synchronous part included), else after the queue. A call
   * that waited is refused when the pool was closed (or a worker failed) meanwhile: its request would
   * go to a stopped worker and never be answered.
   */
  private schedule<T>(f: () => Promise<T>): Promise<T> {
    const wrapped = async (): Promise<T> => {
      try {
        this.live();
        return await f();
      } finally {
        this.active--;
      }
    };
    const run = this.active++ === 0 ? wrapped() : this.last.then(wrapped);
    this.last = run.catch(() => undefined);
    return run;
  }

  private async evaluateNow(): Promise<SessionResult> {
    const t0 = performance.now();
    if (this.marketStale) this.publishInstruments();
    const t1 = performance.now();
    const woken = this.pool.map((w) => w.stale);
    const waits: Promise<PoolReply>[] = [];
    this.pool.forEach((w, k) => {
      if (!w.stale) return;
      const ops = w.queue;
      w.queue = [];
      w.stale = false; // updates queued from now on make it stale again
      waits.push(this.request(k, { type: "evaluate", seq: ++this.seq, ops }).catch((e) => {
        w.stale = true;
        throw e;
      }));
    });
    // Wait for every worker, even when one fails: none may still be reading the cube when the next
    // evaluation publishes another.
    const settled = await Promise.allSettled(waits);
    const failed = settled.find((r) => r.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
    for (let k = 0; k < this.pool.length; k++) Atomics.load(this.ctrl, 1 + k); // the workers' result writes
    this.timing = {
      totalMs: performance.now() - t0, instrumentMs: t1 - t0, workerMs: this.pool.map((w, k) => (woken[k] ? w.stats.busyMs : 0)),
    };
    return this.result;
  }

  /** Instrument pass on this thread, into the shared arrays the workers copy from. */
  private publishInstruments(): void {
    this.market.evaluate();
    const v = this.engine.kernel.views();
    const n = v.value.length;
    INSTRUMENT_COLUMNS.forEach((name, k) => this.instruments.set(v[name], k * n));
    this.instruments.set(v.cube, INSTRUMENT_COLUMNS.length * n);
    Atomics.store(this.ctrl, 0, ++this.version);
    this.marketStale = false;
  }

  private request(k: number, m: PoolRequest): Promise<PoolReply> {
    const w = this.pool[k];
    return new Promise<PoolReply>((resolve, reject) => {
      w.pending.set(m.seq, { resolve, reject });
      if (w.pending.size === 1) w.worker.ref();
      w.worker.postMessage(m);
    });
  }

  /** Wire a worker's replies; resolves when it is ready. */
  private listen(w: PoolWorker, k: number): Promise<void> {
    return new Promise<void>((ready, failed) => {
      const fail = (e: unknown) => {
        this.failure ??= e;
        failed(e);
        for (const p of w.pending.values()) p.reject(e);
        w.pending.clear();
      };
      w.worker.on("message", (m: PoolReply) => {
        if (m.type === "ready") {
          w.stats = { memoryBytes: m.memoryBytes, positions: m.positions, busyMs: m.busyMs };
          w.worker.unref(); // idle workers do not keep the process alive
          ready();
          return;
        }
        if (m.type === "error" && m.seq < 0) {
          fail(new RiskError(m.error.code as RiskErrorCode, m.error.path, m.error.message)); // failed to start
          return;
        }
        const p = w.pending.get(m.seq);
        if (!p) return;
        w.pending.delete(m.seq);
        if (w.pending.size === 0) w.worker.unref();
        if (m.type === "error") {
          p.reject(new RiskError(m.error.code as RiskErrorCode, m.error.path, m.error.message));
          return;
        }
        if (m.type === "done") w.stats = { memoryBytes: m.memoryBytes, positions: m.positions, busyMs: m.busyMs };
        p.resolve(m);
      });
      w.worker.on("error", (e) => fail(new RiskError("E_INTERNAL", "", `pool worker ${k} failed: ${e.message}`)));
      w.worker.on("exit", (code) => {
        if (!this.closed) fail(new RiskError("E_INTERNAL", "", `pool worker ${k} exited (code ${code})`));
      });
    });
  }
}
