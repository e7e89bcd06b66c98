/**
 * The CLI's contract: exit 0 on success, 2 on bad input with one readable line on stderr (JSON with
 * --format json), never a stack trace. Runs the built dist/cli.js (npm test builds it first).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const cli = (args: string[]) => {
  const r = spawnSync(process.execPath, ["dist/cli.js", ...args], { encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

const dir = mkdtempSync(join(tmpdir(), "riskgrid-cli-"));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe("riskgrid CLI exit codes", () => {
  it("reports the example book with exit code 0", () => {
    const r = cli(["report", "examples/book.json", "--backend", "js"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain("Instruments");
  });

  it("prints JSON that parses with --format json", () => {
    const r = cli(["report", "examples/book.json", "--format", "json"]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(report.instruments.length).toBeGreaterThan(0);
    expect(report.accounts.length).toBeGreaterThan(0);
  });

  it("bad JSON → exit 2 and one line naming the code, no stack trace", () => {
    const r = cli(["report", file("bad.json", "{ not json")]);
    expect(r.code).toBe(2);
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).toMatch(/^riskgrid: E_JSON: /);
    expect(r.err).not.toMatch(/\bat .*\.js:\d+/);
  });

  it("bad input with --format json → exit 2 and a JSON error with code and path", () => {
    const book = { valuationTime: "2026-08-22T00:00:00Z", markets: { BTC: { index: -5 } }, instruments: [] };
    const r = cli(["report", file("neg.json", JSON.stringify(book)), "--format", "json"]);
    expect(r.code).toBe(2);
    const e = JSON.parse(r.err).error;
    expect(e.code).toBe("E_NEGATIVE_PRICE");
    expect(e.path).toBe("markets.BTC.index");
  });

  it("a missing file, an unknown command or an unknown backend → exit 2", () => {
    expect(cli(["report", join(dir, "nope.json")]).code).toBe(2);
    expect(cli(["frobnicate", "examples/book.json"]).code).toBe(2);
    expect(cli(["report", "examples/book.json", "--backend", "gpu"]).code).toBe(2);
  });

  it("an option the command does not read (a typo) → exit 2 naming it", () => {
    const r = cli(["report", "examples/book.json", "--presets", "span"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^riskgrid: E_RANGE: --presets: riskgrid report has no option --presets/);
  });

  it("--help prints usage with exit 0", () => {
    const r = cli(["--help"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("usage: riskgrid");
  });
});
