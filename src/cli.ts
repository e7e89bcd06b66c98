/**
 * riskgrid CLI: `riskgrid <command> <book.json> [--preset P] [--backend B] [--format table|json]`.
 * Exit codes: 0 ok, 2 bad input (a RiskError: one line on stderr, JSON with --format json), 1 internal error.
 */
import { existsSync, readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { RiskError } from "./errors.js";
import { getPreset, initSync } from "./index.js";
import { type ParsedArgs, oneOf, parseArgs } from "./cli/args.js";
import { formatReport } from "./report/format-report.js";
import { runWhatIf } from "./cli/whatif.js";
import { runLiquidate } from "./cli/liquidate.js";
import { runVar } from "./cli/var.js";
import { runGrid } from "./cli/grid.js";
import { loadPriceHistory } from "./history/node-file.js";
import { FLAG_FIELDS } from "./var/command.js";
import type { BackendChoice } from "./kernel/select.js";

const USAGE = `usage: riskgrid <command> <book.json> [options]

commands:
  report     prices, greeks, netted greeks, grid worst loss and margins per account (default)
             [--preset P] [--history prices.csv for --preset var] [--dynamic Z: scan ranges ≥ Z × forecast vol]
  grid       the spot × vol P&L grid (21 moves −50 %…+50 % × vol up/same/down) per account and underlying:
             [--account ID] [--underlying U]
  var        VaR and expected shortfall over a price history:
             --history prices.csv [--method historical|fhs|mc|parametric] [--confidence 0.99] [--horizon 1]
             [--window 1000] [--paths 10000] [--seed 1] [--distribution normal|t]
  whatif     margin, greeks and verdict after hypothetical orders:
             --order INSTRUMENT:SIZE (repeatable; + buy, − sell) [--account ID] [--model M] [--max INSTRUMENT]
  bench      the performance contract on this machine (same as npm run bench): kernel, account pass,
             client check, VaR, exchange tick; writes bench/results/latest.json
  liquidate  status, liquidation prices, partial-liquidation plan and explain per account:
             [--account ID] [--model M] [--buffer 0.15] [--half-spread H] [--slippage S] [--depth-usd D]

options:
  --preset P        portfolio preset(s) to evaluate besides standard (repeatable): deribit-pm, derive-pmrm2, span, var
  --backend B       auto | simd | scalar | js (default auto)
  --format F        table | json (default table)

exit codes: 0 ok, 2 bad input, 1 internal error`;

function readBook(args: ParsedArgs): string {
  const path = args.positionals[1];
  if (!path) throw new RiskError("E_REQUIRED", "book", "give the path of a book JSON file, e.g. riskgrid report examples/book.json");
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new RiskError("E_REQUIRED", "book", `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

const COMMANDS = ["report", "grid", "var", "whatif", "liquidate", "bench"];

/** Options each command reads (besides --backend, --format, --help, --quiet): anything else is a typo. */
const COMMAND_OPTIONS: Record<string, string[]> = {
  report: ["preset", "history", "dynamic"],
  grid: ["account", "underlying"],
  var: ["history", "preset", ...Object.keys(FLAG_FIELDS)],
  whatif: ["order", "max", "account", "model", "preset"],
  liquidate: ["account", "model", "preset", "buffer", "half-spread", "slippage", "depth-usd"],
  bench: [],
};

function checkOptions(command: string, args: ParsedArgs): void {
  const allowed = new Set(["backend", "format", "help", "quiet", ...(COMMAND_OPTIONS[command] ?? [])]);
  for (const name of args.options.keys()) {
    if (!allowed.has(name)) {
      throw new RiskError("E_RANGE", `--${name}`, `riskgrid ${command} has no option --${name}; its options: ${[...allowed].map((o) => `--${o}`).join(", ")}`);
    }
  }
}

/** `riskgrid bench`: the bundled benchmark next to this CLI (dist/bench.js). */
function runBench(): number {
  const bench = join(dirname(fileURLToPath(import.meta.url)), "bench.js");
  if (!existsSync(bench)) throw new RiskError("E_STATE", "bench", "the benchmark is not built: run npm run build first");
  return spawnSync(process.execPath, ["--expose-gc", bench], { stdio: "inherit" }).status ?? 1;
}

function main(argv: string[]): number {
  let format: "table" | "json" = "table";
  try {
    const args = parseArgs(argv);
    format = oneOf(args, "format", ["table", "json"], "table");
    if (args.options.has("help")) {
      process.stdout.write(USAGE + "\n");
      return 0;
    }
    if (args.positionals.length === 0) {
      // a usage error like any other: one line on stderr, exit 2 (the usage text is --help's)
      throw new RiskError("E_REQUIRED", "command", "give a command and a book, e.g. riskgrid report book.json (riskgrid --help lists the commands)");
    }
    // `riskgrid book.json` is `riskgrid report book.json`.
    if (!COMMANDS.includes(args.positionals[0]) && args.positionals[0].endsWith(".json")) args.positionals.unshift("report");
    const command = args.positionals[0];
    if (COMMANDS.includes(command)) checkOptions(command, args);
    if (command === "bench") return runBench();
    const backend = oneOf<BackendChoice>(args, "backend", ["auto", "simd", "scalar", "js"], "auto");
    const engine = initSync({ backend });
    switch (command) {
      case "report": {
        const presets = args.options.get("preset");
        presets?.forEach((p) => getPreset(p, "--preset")); // the user's flag in the error, not options.presets[0]
        const historyPaths = args.options.get("history");
        const history = historyPaths ? loadPriceHistory(historyPaths) : null;
        const dynamic = args.options.get("dynamic");
        const z = dynamic ? Number(dynamic[dynamic.length - 1]) : 0;
        if (dynamic && !(z > 0)) throw new RiskError("E_RANGE", "--dynamic", "--dynamic takes z, the multiple of the forecast daily vol, e.g. --dynamic 3");
        const report = engine.evaluate(readBook(args), { ...(presets ? { presets } : {}), history, ...(dynamic ? { dynamic: { z } } : {}) });
        process.stdout.write(format === "json" ? JSON.stringify(report, null, 2) + "\n" : formatReport(report));
        return 0;
      }
      case "whatif":
        return runWhatIf(engine, args, readBook(args), format);
      case "liquidate":
        return runLiquidate(engine, args, readBook(args), format);
      case "var":
        return runVar(engine, args, readBook(args), format);
      case "grid":
        return runGrid(engine, args, readBook(args), format);
      default:
        throw new RiskError("E_RANGE", "command", `unknown command "${command}"; run riskgrid --help`);
    }
  } catch (e) {
    const err = e instanceof RiskError ? e : null;
    const payload = err ? err.toJSON() : { code: "E_INTERNAL", path: "", message: `internal error: ${(e as Error)?.message ?? e}` };
    // one line whatever the message echoes from the input (an id or a JSON excerpt with a newline)
    const line = payload.message.replace(/[\r\n\u2028\u2029]+/g, " ");
    process.stderr.write(format === "json" ? JSON.stringify({ error: payload }) + "\n" : `riskgrid: ${payload.code}: ${line}\n`);
    // E_INTERNAL is a RiskError too (evaluate and the health calls wrap unexpected exceptions in
    // it), but it is our bug, not the user's input: exit 1 as documented.
    return err && err.code !== "E_INTERNAL" ? 2 : 1;
  }
}

process.exitCode = main(process.argv.slice(2));

