/** Minimal argv parsing: positionals and `--flag value` / `--flag=value` options (repeatable). */
import { RiskError } from "../errors.js";

export interface ParsedArgs {
  positionals: string[];
  options: Map<string, string[]>;
}

const BOOLEAN_FLAGS = new Set(["help", "quiet"]);

export function parseArgs(argv: string[]): ParsedArgs {
  const positionals: string[] = [];
  const options = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    let value: string;
    if (eq > 0) value = a.slice(eq + 1);
    else if (BOOLEAN_FLAGS.has(name)) value = "true";
    else {
      if (i + 1 >= argv.length) throw new RiskError("E_REQUIRED", `--${name}`, `option --${name} needs a value`);
      value = argv[++i];
    }
    options.set(name, [...(options.get(name) ?? []), value]);
  }
  return { positionals, options };
}

export function option(args: ParsedArgs, name: string): string | undefined {
  const v = args.options.get(name);
  return v ? v[v.length - 1] : undefined;
}

export function oneOf<T extends string>(args: ParsedArgs, name: string, allowed: readonly T[], fallback: T): T {
  const v = option(args, name) ?? fallback;
  if (!(allowed as readonly string[]).includes(v)) {
    throw new RiskError("E_RANGE", `--${name}`, `--${name} must be one of ${allowed.join(", ")} (got "${v}")`);
  }
  return v as T;
}
