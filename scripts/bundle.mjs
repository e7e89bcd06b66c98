// Bundles the library, the CLI and the benchmark into dist/ with esbuild (wasm already embedded).
import { build } from "esbuild";
import { existsSync, chmodSync } from "node:fs";

const common = { bundle: true, format: "esm", target: "es2022", sourcemap: true, logLevel: "warning" };
await build({ ...common, entryPoints: ["src/index.ts"], outfile: "dist/index.js", platform: "neutral" });
if (existsSync("src/cli.ts")) {
  await build({
    ...common, entryPoints: ["src/cli.ts"], outfile: "dist/cli.js", platform: "node",
    banner: { js: "#!/usr/bin/env node" },
  });
  chmodSync("dist/cli.js", 0o755);
}
if (existsSync("bench/run.ts")) {
  await build({ ...common, entryPoints: ["bench/run.ts"], outfile: "dist/bench.js", platform: "node" });
}
// SessionPool (Node worker_threads): the pool and the worker entry it starts (next to it in dist/).
await build({ ...common, entryPoints: ["src/session/pool.ts"], outfile: "dist/pool.js", platform: "node" });
await build({ ...common, entryPoints: ["src/session/worker.ts"], outfile: "dist/session-worker.js", platform: "node" });
// The exchange-tick bench alone (session, pool of workers, naive): node --expose-gc dist/bench-tick.js [flags in bench/tick.ts].
await build({
  ...common, outfile: "dist/bench-tick.js", platform: "node",
  stdin: { contents: 'import { main } from "./bench/tick.ts"; await main(process.argv.slice(2));', resolveDir: ".", sourcefile: "bench-tick-main.ts", loader: "ts" },
});
