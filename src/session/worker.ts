/**
 * A SessionPool worker (Node worker_threads; bundled as dist/session-worker.js). It runs an ordinary
 * Session over its shard of the accounts, in its own kernel, with one difference: instead of running
 * the instrument pass it copies the values, greeks and cube the main thread published in shared
 * memory (Session option `instrumentOutputs`). The deribit-pm tick (sums and reduction) is the
 * single-threaded Session's own code, so every account's numbers are the same bits.
 */
import { parentPort, workerData } from "node:worker_threads";
import { Engine } from "../engine/engine.js";
import { RiskError } from "../errors.js";
import type { KernelViews } from "../kernel/abi.js";
import { loadKernelSync } from "../kernel/select.js";
import {
  INSTRUMENT_COLUMNS, type PoolOp, type PoolReply, type PoolRequest, POOL_WORKER_TAG, type PoolWorkerData,
} from "./pool-protocol.js";
import { Session } from "./session.js";

function start(port: NonNullable<typeof parentPort>, data: PoolWorkerData): void {
  const { shared } = data;
  const instruments = new Float64Array(shared.instruments);
  const ctrl = new Int32Array(shared.ctrl);
  const out = {
    initial: new Float64Array(shared.initial),
    maintenance: new Float64Array(shared.maintenance),
    equity: new Float64Array(shared.equity),
    status: new Uint8Array(shared.status),
  };
  const engine = new Engine(loadKernelSync(data.backend));

  const copyInstruments = (v: KernelViews): void => {
    Atomics.load(ctrl, 0); // pairs with the main thread's Atomics.store after it wrote `instruments`
    const n = v.value.length;
    INSTRUMENT_COLUMNS.forEach((name, k) => v[name].set(instruments.subarray(k * n, (k + 1) * n)));
    const at = INSTRUMENT_COLUMNS.length * n;
    v.cube.set(instruments.subarray(at, at + v.cube.length));
  };
  const session = new Session(engine, engine.kernel, data.book, { chunk: data.chunk, instrumentOutputs: copyInstruments });
  let t0 = 0;
  const stats = () => ({ memoryBytes: session.memoryBytes(), positions: session.positions(), busyMs: performance.now() - t0 });

  const apply = (ops: PoolOp[]): void => {
    for (const o of ops) {
      switch (o.op) {
        case "index": session.setIndex(o.underlying, o.price); break;
        case "vol": session.setVol(o.instrument, o.vol); break;
        case "position": session.setPosition(o.account, o.instrument, o.qty); break;
        case "collateral": session.setCollateral(o.account, o.asset, o.amount); break;
      }
    }
  };

  const reply = (m: PoolReply): void => port.postMessage(m);
  port.on("message", (m: PoolRequest) => {
    t0 = performance.now();
    try {
      apply(m.ops);
      if (m.type === "evaluate") {
        const r = session.evaluate();
        const at = data.offset;
        out.initial.set(r.initial, at);
        out.maintenance.set(r.maintenance, at);
        out.equity.set(r.equity, at);
        out.status.set(r.status, at);
        Atomics.store(ctrl, 1 + data.index, m.seq); // results visible before the reply is read
        reply({ type: "done", seq: m.seq, ...stats() });
      } else if (m.type === "report") {
        reply({ type: "report", seq: m.seq, report: session.report(m.account) });
      } else {
        reply({ type: "snapshot", seq: m.seq, accounts: session.snapshot().accounts });
      }
    } catch (e) {
      const error = errorOf(e, data.index);
      // The session numbers its accounts within this shard (E_RANGE at accounts[k]); the pool's
      // caller sees the book's numbering, as one Session gives it.
      if (m.type === "evaluate") error.path = error.path.replace(/^accounts\[(\d+)\]/, (_, k: string) => `accounts[${Number(k) + data.offset}]`);
      reply({ type: "error", seq: m.seq, error });
    }
  });
  reply({ type: "ready", ...stats() });
}

function errorOf(e: unknown, index: number): { code: string; path: string; message: string } {
  if (e instanceof RiskError) {
    return { code: e.code, path: e.path, message: e.path && e.message.startsWith(`${e.path}: `) ? e.message.slice(e.path.length + 2) : e.message };
  }
  return { code: "E_INTERNAL", path: "", message: `pool worker ${index}: ${e instanceof Error ? e.message : String(e)}` };
}

const data = workerData as PoolWorkerData | undefined;
if (parentPort && data?.tag === POOL_WORKER_TAG) {
  try {
    start(parentPort, data);
  } catch (e) {
    parentPort.postMessage({ type: "error", seq: -1, error: errorOf(e, data.index) } satisfies PoolReply);
  }
}
