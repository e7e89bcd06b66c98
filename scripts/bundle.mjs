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
