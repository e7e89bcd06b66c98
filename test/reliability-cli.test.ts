/**
 * Reliability (issue 9): the CLI under fuzzed files and arguments. Runs the built dist/cli.js (npm
 * test builds it first). The contract (src/cli.ts, docs/reliability.md):
 *   exit 0: the answer on stdout, nothing on stderr;
 *   exit 2: bad input — exactly one line on stderr, `riskgrid: E_CODE: message` (a JSON object
 *           { error: { code, path, message } } with --format json), never a stack trace;
 *   exit 1: an internal error (E_INTERNAL), same one-line form.
 * The CLI must also give the API's answer: the same report (through JSON), or the same code and path.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ERROR_CODES, RiskError } from "../src/errors.js";
import { initSync } from "../src/index.js";
import {
  asText, attempt, deepNestText, fcParams, garbageText, knownBook, mutatedBook, mutationArb, nonFinite,
} from "./helpers/fuzz.js";

const dir = mkdtempSync(join(tmpdir(), "riskgrid-reliability-cli-"));
let fileNo = 0;
const file = (content: string | Uint8Array): string => {
  const p = join(dir, `book-${fileNo++}.json`);
  writeFileSync(p, content);
  return p;
};

interface Run {
  code: number | null;
  signal: string | null;
  out: string;
  err: string;
}

const cli = (args: string[], nodeArgs: string[] = []): Run => {
  const r = spawnSync(process.execPath, [...nodeArgs, "dist/cli.js", ...args], { encoding: "utf8", timeout: 60_000, maxBuffer: 1 << 30 });
  return { code: r.status, signal: r.signal, out: r.stdout, err: r.stderr };
};

const STACK = /\n\s+at\s|^\s+at\s|\.js:\d+:\d+/m;

/** Why a run breaks the CLI contract, or null. `format` is the --format the run asked for. */
function contractProblem(r: Run, format: "table" | "json"): string | null {
  if (r.signal) return `killed by ${r.signal}`;
  if (r.code === 0) {
    if (r.err !== "") return `exit 0 with stderr ${JSON.stringify(r.err.slice(0, 200))}`;
    if (format === "json") {
      const bad = nonFinite(JSON.parse(r.out));
      if (bad.length) return `non-finite numbers in the JSON: ${bad.slice(0, 3).join(" ")}`;
    }
    return null;
  }
  if (r.code !== 2 && r.code !== 1) return `exit ${r.code}`;
  if (STACK.test(r.err)) return `a stack trace on stderr: ${r.err.slice(0, 300)}`;
  const lines = r.err.split("\n");
  if (lines.length !== 2 || lines[1] !== "") return `stderr is not exactly one line: ${JSON.stringify(r.err.slice(0, 300))}`;
  let code: string;
  if (format === "json") {
    let e: { code?: unknown; path?: unknown; message?: unknown };
    try {
      e = (JSON.parse(lines[0]) as { error: typeof e }).error;
    } catch {
      return `stderr is not JSON: ${lines[0].slice(0, 200)}`;
    }
    if (typeof e?.path !== "string" || typeof e?.message !== "string" || e.message === "") return `bad error object ${lines[0]}`;
    code = String(e.code);
  } else {
    const m = /^riskgrid: (E_[A-Z_]+): \S.*$/.exec(lines[0]);
    if (!m) return `stderr is not "riskgrid: E_CODE: message": ${lines[0].slice(0, 200)}`;
    code = m[1];
  }
  if (!Object.prototype.hasOwnProperty.call(ERROR_CODES, code)) return `undocumented code ${code}`;
  if ((code === "E_INTERNAL") !== (r.code === 1)) return `${code} with exit ${r.code}`;
  if (code === "E_INTERNAL") return "an internal error (exit 1)";
  return null;
}

const errorOf = (r: Run): { code: string; path: string } => (JSON.parse(r.err.trim()) as { error: { code: string; path: string } }).error;

describe("CLI under fuzzed book files", () => {
  const engines = { js: initSync({ backend: "js" }), simd: initSync({ backend: "simd" }), scalar: initSync({ backend: "scalar" }) };

  it("mutated and garbage books: exit 0 or 2 by the contract, and the API's answer", () => {
    const text = fc.oneof(
      { weight: 3, arbitrary: mutationArb.map((ms) => asText(mutatedBook(ms))).filter((t): t is string => t !== null) },
      { weight: 2, arbitrary: garbageText },
    );
    fc.assert(
      fc.property(text, fc.constantFrom("table", "json"), fc.constantFrom("js", "simd", "scalar"), (t, format, backend) => {
        const path = file(t);
        const r = cli(["report", path, "--backend", backend, "--format", format]);
        const what = `${backend} ${format} ${t.length > 200 ? `${t.slice(0, 200)}…` : t}`;
        expect(contractProblem(r, format), what).toBeNull();
        const api = attempt(() => engines[backend].evaluate(t));
        expect(r.code === 0, `${what}: the API ${api.ok ? "answered" : "refused"}`).toBe(api.ok);
        if (format !== "json") return;
        if (api.ok) {
          expect(JSON.parse(r.out), what).toEqual(JSON.parse(JSON.stringify(api.value)));
        } else {
          const e = api.error as RiskError;
          expect(errorOf(r), what).toEqual({ code: e.code, path: e.path, message: e.message });
        }
      }),
      fcParams(9101, 24),
    );
  });

  it("the health commands on mutated books: exit 0 or 2 by the contract", () => {
    const commands = [
      ["liquidate", "--account", "bob"],
      ["whatif", "--account", "alice", "--order", "BTC-PERPETUAL:1000"],
      ["whatif", "--account", "carol", "--max", "ETH-PERPETUAL"],
    ];
    fc.assert(
      fc.property(mutationArb, fc.constantFrom(...commands), fc.constantFrom("table", "json"), (ms, command, format) => {
        const t = asText(mutatedBook(ms));
        if (t === null) return;
        const r = cli([command[0], file(t), ...command.slice(1), "--format", format, "--backend", "simd"]);
        expect(contractProblem(r, format), `${command.join(" ")} ${format}: ${ms.map((m) => m.name).join("; ")}`).toBeNull();
      }),
      fcParams(9102, 10),
    );
  });

  it("files that are not books: empty, binary, latin-1, a BOM, 100 000 levels deep, a directory, missing", () => {
    const book = JSON.stringify(knownBook());
    const cases: [string, string, number, string | null][] = [
      ["empty", file(""), 2, "E_JSON"],
      ["binary", file(Uint8Array.from({ length: 256 }, (_, k) => k)), 2, "E_JSON"],
      ["latin-1", file(Buffer.from('{"valuationTime": "2026-08-22", "markets": {"BTC\xe9": {"index": 1}}, "instruments": []}', "latin1")), 2, null],
      ["BOM + the known book", file("\uFEFF" + book), 0, null],
      ["deep arrays", file(deepNestText(100_000, "array")), 2, "E_JSON"],
      ["deep objects", file(deepNestText(100_000, "object")), 2, "E_JSON"],
      ["a directory", dir, 2, "E_REQUIRED"],
      ["missing", join(dir, "nope.json"), 2, "E_REQUIRED"],
    ];
    for (const [name, path, exit, code] of cases) {
      for (const format of ["table", "json"] as const) {
        const r = cli(["report", path, "--format", format]);
        expect(contractProblem(r, format), `${name} ${format}`).toBeNull();
        expect(r.code, `${name} ${format}: ${r.err}`).toBe(exit);
        if (code && format === "json") expect(errorOf(r).code, name).toBe(code);
      }
    }
  });

  it("a 10 MB book of 20 000 accounts: exit 0, and the JSON report is finite", () => {
    const accounts = Array.from({ length: 20_000 }, (_, a) => ({
      id: `a${a}`, collateral: { USDC: 10_000 + a }, positions: { "BTC-PERPETUAL": (a % 7) * 100 - 300, "BTC-25SEP26-80000-C": (a % 5) - 2 },
    }));
    const path = file(JSON.stringify({ ...knownBook(), accounts, risk: { presets: ["deribit-pm"] } }));
    const r = cli(["report", path, "--format", "json", "--backend", "simd"]);
    expect(contractProblem(r, "json")).toBeNull();
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as { accounts: unknown[] }).accounts).toHaveLength(20_000);
  });
});

describe("CLI under fuzzed arguments", () => {
  it("random argument lists: exit 0 or 2 by the contract, never 1 or a crash", () => {
    const known = file(JSON.stringify(knownBook()));
    const token = fc.oneof(
      fc.constantFrom(
        "report", "whatif", "liquidate", "grid", "var", "frobnicate", known, join(dir, "nope.json"), "examples/book.json",
        "--backend", "--format", "--preset", "--order", "--account", "--model", "--max", "--buffer", "--history", "--quiet",
        "--backend=js", "--backend=gpu", "--format=json", "--format=xml", "--preset=span", "--preset=nope", "--order=BTC-PERPETUAL:5",
        "--order=BTC-PERPETUAL", "--order=:5", "--order=nope:1", "--account=bob", "--account=nobody", "--model=cross", "--model=nope",
        "--buffer=-1", "--buffer=NaN", "--max=ETH-PERPETUAL", "--history=/dev/null", "--", "-", "--=", "alice", "simd", "json", "NaN", "",
      ),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(fc.array(token, { minLength: 1, maxLength: 6 }), (args) => {
        if (args.includes("bench")) return; // runs the benchmark
        const r = cli(args);
        const format = args.includes("--format=json") || args.some((a, j) => a === "--format" && args[j + 1] === "json") ? "json" : "table";
        const problem = contractProblem(r, format);
        // when --format's own value is bad the error is printed in table form
        const retry = problem && format === "json" ? contractProblem(r, "table") : problem;
        expect(retry, JSON.stringify(args)).toBeNull();
      }),
      fcParams(9103, 24),
    );
  });

  it("an internal error (a fault injected into Math.log, which the js reference kernel calls) exits 1 with E_INTERNAL on one line, table and JSON", () => {
    // The wasm paths and the TS around them use host-free exp/log (src/var/detmath.ts), so the fault
    // is injected into the js backend's Black-76.
    const inject = ["--import", 'data:text/javascript,Math.log=()=>{throw new TypeError("injected fault")}'];
    const table = cli(["report", "examples/book.json", "--backend", "js"], inject);
    expect(table.code).toBe(1);
    expect(table.err).toBe("riskgrid: E_INTERNAL: internal error: injected fault\n");
    const json = cli(["report", "examples/book.json", "--format", "json", "--backend", "js"], inject);
    expect(json.code).toBe(1);
    expect(errorOf(json).code).toBe("E_INTERNAL");
    expect(json.err.trim().split("\n")).toHaveLength(1);
  });

  it("the same book gives byte-identical JSON from two runs, and simd and scalar agree byte for byte", () => {
    const path = "examples/book.json";
    const a = cli(["report", path, "--format", "json", "--backend", "simd"]);
    const b = cli(["report", path, "--format", "json", "--backend", "simd"]);
    const c = cli(["report", path, "--format", "json", "--backend", "scalar"]);
    expect(a.code).toBe(0);
    expect(b.out).toBe(a.out);
    expect(c.out.replace('"backend": "scalar"', '"backend": "simd"')).toBe(a.out);
    expect(readFileSync(path, "utf8").length).toBeGreaterThan(0);
  });
});
