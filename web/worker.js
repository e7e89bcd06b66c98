// @ts-check
/**
 * A module worker running the engine with initSync() (sync wasm compile is fine off the main thread).
 *   const w = new Worker("./worker.js", { type: "module" });
 *   w.postMessage({ id, backend: "auto", book, presets });  →  { id, backend, report } or { id, error }
 */
import { initSync } from "./riskgrid.js";

/** @type {Map<string, any>} */
const engines = new Map();

self.onmessage = (/** @type {MessageEvent} */ ev) => {
  const { id, backend = "auto", book, presets } = ev.data ?? {};
  try {
    let engine = engines.get(backend);
    if (!engine) {
      engine = initSync({ backend });
      engines.set(backend, engine);
    }
    const t0 = performance.now();
    const report = engine.evaluate(book, presets ? { presets } : {});
    self.postMessage({ id, backend: engine.backend, report, micros: (performance.now() - t0) * 1000 });
  } catch (e) {
    const err = /** @type {any} */ (e);
    self.postMessage({ id, error: { code: err?.code ?? "E_WORKER", message: String(err?.message ?? err) } });
  }
};
