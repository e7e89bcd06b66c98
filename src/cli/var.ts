/** `riskgrid var <book> --history <csv> [--method …] [--confidence 0.99] [--horizon 1] …` */
import { RiskError } from "../errors.js";
import type { Engine } from "../engine/engine.js";
import { loadPriceHistory } from "../history/node-file.js";
import { formatVarTable, varCommand } from "../var/index.js";
import type { ParsedArgs } from "./args.js";
import { progressBar } from "./progress.js";

const OWN_FLAGS = new Set(["history", "format", "backend", "preset", "quiet"]);

export function runVar(engine: Engine, args: ParsedArgs, bookText: string, format: "table" | "json"): number {
  const paths = args.options.get("history");
  if (!paths) {
    throw new RiskError("E_REQUIRED", "--history", "riskgrid var needs --history prices.csv (a date column and one close column per asset)");
  }
  const flags: Record<string, string> = {};
  for (const [k, v] of args.options) if (!OWN_FLAGS.has(k)) flags[k] = v[v.length - 1];
  const bar = progressBar("riskgrid var", process.stderr.isTTY === true && !args.options.has("quiet"));
  const result = varCommand(engine, bookText, loadPriceHistory(paths), flags, (f, stage) => bar.update(f, stage));
  bar.done();
  process.stdout.write(format === "json" ? JSON.stringify(result, null, 2) + "\n" : formatVarTable(result));
  return 0;
}
