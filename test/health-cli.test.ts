/**
 * `riskgrid whatif` and `riskgrid liquidate`: tables for people, JSON for programs, exit code 2 with
 * one line for bad input. The CLI is bundled from src/ into a temporary directory first, so this file
 * does not depend on (or race with) the shared dist/ build.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "riskgrid-health-cli-"));
const cliPath = join(dir, "cli.mjs");
const cli = (args: string[]) => {
  const r = spawnSync(process.execPath, [cliPath, ...args, "--backend", "js"], { encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

const bookFile = join(dir, "book.json");
writeFileSync(bookFile, JSON.stringify({
  valuationTime: "2026-08-22T08:00:00Z",
  markets: { BTC: { index: 80000 } },
  instruments: [{ id: "BTC_USDC-PERPETUAL" }, { id: "BTC-PERPETUAL" }, { id: "BTC-25SEP26-70000-P", vol: 0.6 }],
  accounts: [
    { id: "weak", currency: "USD", collateral: { USDC: 4000 }, positions: { "BTC_USDC-PERPETUAL": 5 } },
    { id: "fine", currency: "USD", collateral: { USDC: 500000 }, positions: { "BTC-25SEP26-70000-P": -3 } },
  ],
}));

beforeAll(async () => {
  await build({
    entryPoints: ["src/cli.ts"], outfile: cliPath, bundle: true, format: "esm", platform: "node", target: "es2022", logLevel: "silent",
  });
});

describe("riskgrid whatif / liquidate", () => {
  it("whatif prints margins before and after, the verdict and the max sizes", () => {
    const r = cli(["whatif", bookFile, "--account", "fine", "--order", "BTC-25SEP26-70000-P:1", "--order", "BTC-PERPETUAL:-1000", "--max", "BTC-PERPETUAL"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain("Verdict: ACCEPT (im-covered)");
    expect(r.out).toContain("Margin under cross");
    expect(r.out).toContain("Largest order keeping equity ≥ IM");
  });

  it("whatif --format json parses and carries the verdict", () => {
    const r = cli(["whatif", bookFile, "--account", "weak", "--order", "BTC_USDC-PERPETUAL:-1", "--format", "json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.whatIf.verdict.rule).toBe("risk-reducing");
    expect(j.whatIf.after.initial).toBeLessThan(j.whatIf.before.initial);
  });

  it("liquidate prints the plan, the comparisons and the explain tables for every account", () => {
    const r = cli(["liquidate", bookFile]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain("Account weak");
    expect(r.out).toContain("Account fine");
    expect(r.out).toContain("Plan (greedy");
    expect(r.out).toContain("Derive f = BM/(BM − MtM·d)");
    expect(r.out).toContain("Drift's sizing");
    expect(r.out).toContain("Margin contributions");
    expect(r.out).toContain("Liquidation prices");
  });

  it("liquidate --format json with --account and cost options", () => {
    const r = cli(["liquidate", bookFile, "--account", "weak", "--buffer", "0.2", "--half-spread", "0.001", "--format", "json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.accounts).toHaveLength(1);
    const a = j.accounts[0];
    expect(a.plan.buffer).toBe(0.2);
    expect(a.plan.saveable).toBe(true);
    expect(a.plan.after.equity).toBeGreaterThanOrEqual(1.2 * a.plan.after.maintenance);
    expect(a.liquidationPrices[0].underlying).toBe("BTC");
    expect(a.explain.margin.length).toBeGreaterThan(0);
  });

  it("bad input exits 2 with one line", () => {
    for (const args of [
      ["whatif", bookFile, "--account", "fine", "--order", "NOPE:1"],
      ["whatif", bookFile, "--account", "fine", "--order", "BTC-PERPETUAL"],
      ["whatif", bookFile, "--order", "BTC-PERPETUAL:10"],
      ["whatif", bookFile, "--account", "fine"],
      ["liquidate", bookFile, "--account", "nobody"],
      ["liquidate", bookFile, "--buffer", "lots"],
      ["liquidate", bookFile, "--model", "nope"],
    ]) {
      const r = cli(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.err.trim().split("\n")).toHaveLength(1);
      expect(r.err).toMatch(/^riskgrid: E_[A-Z_]+: /);
    }
    const j = cli(["whatif", bookFile, "--account", "fine", "--order", "NOPE:1", "--format", "json"]);
    expect(JSON.parse(j.err).error.code).toBe("E_UNKNOWN_INSTRUMENT");
  });
});
