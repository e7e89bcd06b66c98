/**
 * The SessionPool worker entry for tests, bundled fresh from src/session/worker.ts into a temporary
 * directory (the tests do not depend on a stale dist/session-worker.js): pass `url` as the pool's
 * `workerUrl`, call `remove()` when done.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import type { SessionResult } from "../../src/session/session.js";

export async function bundlePoolWorker(): Promise<{ url: URL; remove(): void }> {
  const dir = mkdtempSync(join(tmpdir(), "riskgrid-pool-"));
  const outfile = join(dir, "session-worker.mjs");
  await build({
    entryPoints: ["src/session/worker.ts"], outfile, bundle: true, format: "esm", platform: "node", target: "es2022",
    logLevel: "error",
  });
  return { url: pathToFileURL(outfile), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A copy of a pool's result (its arrays are shared memory, overwritten by the next evaluation). */
export const copyResult = (r: SessionResult): SessionResult => ({
  ids: r.ids, initial: r.initial.slice(), maintenance: r.maintenance.slice(), equity: r.equity.slice(), status: r.status.slice(),
});
