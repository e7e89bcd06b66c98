/**
 * What the SessionPool main thread and its workers exchange (src/session/pool.ts, worker.ts).
 *
 * Shared memory (SharedArrayBuffer), written by one side and read by the other only between two
 * messages, with an Atomics store/load pair on `ctrl` so the writes are visible (happens-before):
 * - `instruments`: Float64Array [value | delta | gamma | vega | theta | rho | cube], nInst each then
 *   nInst·nScen, the main thread's instrument pass. Written by the main thread before an `evaluate`
 *   message, read by every worker while it handles that message.
 * - `initial`, `maintenance`, `equity` (Float64Array) and `status` (Uint8Array), one slot per account
 *   in book order: each worker writes its shard's slots [offset, offset + shard size).
 * - `ctrl`: Int32Array [instrument version, then one "done" sequence per worker].
 */
import type { Account, Book } from "../types.js";
import type { BackendName } from "../kernel/abi.js";
import type { AccountReport } from "../report/types.js";

/** Marks the workerData of a pool worker. */
export const POOL_WORKER_TAG = "riskgrid-session-pool/1";

export interface PoolShared {
  instruments: SharedArrayBuffer;
  initial: SharedArrayBuffer;
  maintenance: SharedArrayBuffer;
  equity: SharedArrayBuffer;
  status: SharedArrayBuffer;
  ctrl: SharedArrayBuffer;
}

export interface PoolWorkerData {
  tag: typeof POOL_WORKER_TAG;
  /** Worker number (its slot in ctrl is 1 + index). */
  index: number;
  backend: BackendName;
  /** The parsed book with only this worker's accounts. */
  book: Book;
  /** First account of the shard in the pool's book order. */
  offset: number;
  chunk?: number;
  shared: PoolShared;
}

/** An update as the Session API spells it; applied in order. */
export type PoolOp =
  | { op: "index"; underlying: string; price: number }
  | { op: "vol"; instrument: string; vol: number }
  | { op: "position"; account: string; instrument: string; qty: number }
  | { op: "collateral"; account: string; asset: string; amount: number };

export type PoolRequest =
  | { type: "evaluate"; seq: number; ops: PoolOp[] }
  | { type: "report"; seq: number; ops: PoolOp[]; account: string }
  | { type: "snapshot"; seq: number; ops: PoolOp[] };

export interface PoolStats {
  /** Worker kernel bytes plus its session's position arrays (Session.memoryBytes()). */
  memoryBytes: number;
  positions: number;
  /** Milliseconds the worker spent on its last request (updates, evaluation, result copy). */
  busyMs: number;
}

export type PoolReply =
  | ({ type: "ready" } & PoolStats)
  | ({ type: "done"; seq: number } & PoolStats)
  | { type: "report"; seq: number; report: AccountReport }
  | { type: "snapshot"; seq: number; accounts: Account[] }
  | { type: "error"; seq: number; error: { code: string; path: string; message: string } };

export const INSTRUMENT_COLUMNS = ["value", "delta", "gamma", "vega", "theta", "rho"] as const;
