/**
 * The same .wasm gives the same bits in Node and in Chromium: the simd and scalar kernels run on
 * identical input columns (generated once in Node) in both engines and every output must match bit for
 * bit. The js reference is not held to this (it uses the host's Math.exp/log, whose last bits differ
 * between V8 versions); the test reports whether it happened to match. Also checks that the loader
 * needs nothing Node-specific: the page gets an esbuild IIFE bundle of src/kernel/select.ts.
 *
 * Runs in Debian's Chromium (/usr/bin/chromium, or RISKGRID_CHROMIUM) through playwright-core; without
 * it the test is skipped with a warning.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Dims, Kernel } from "../src/kernel/abi.js";
import { createJsKernel } from "../src/kernel/js-kernel.js";
import { loadKernelSync } from "../src/kernel/select.js";
import { caseArb, dimsOf, OUTPUTS, writeCase } from "./helpers/kernel-cases.js";

const CHROMIUM = process.env.RISKGRID_CHROMIUM ?? "/usr/bin/chromium";
const HAVE = existsSync(CHROMIUM);
if (!HAVE) console.warn(`kernel-browser.test.ts SKIPPED: no Chromium at ${CHROMIUM}`);

const INPUTS = [
  "kind", "factor", "cp", "strike", "tau", "fwd", "df", "rate", "vol", "volMult", "size", "dFdS",
  "mult", "lnMult", "volShift", "volFloor", "accStart", "posInst", "posQty", "group", "bucket",
] as const;

interface Input {
  dims: Dims;
  cols: Record<string, number[]>;
}

/** Runs every input through one kernel; each output as hex bit patterns (−0 and NaN kept exact). */
function runAll(k: Kernel, inputs: Input[]): string[][] {
  return inputs.map((inp) => {
    const v = k.reserve(inp.dims) as unknown as Record<string, Float64Array | Int32Array>;
    for (const [name, xs] of Object.entries(inp.cols)) v[name].set(xs);
    k.instrumentPass();
    k.accountPass();
    const w = k.views() as unknown as Record<string, Float64Array>;
    return OUTPUTS.map((o) => Array.from(new BigUint64Array(Float64Array.from(w[o]).buffer), (b) => b.toString(16)).join(","));
  });
}

// The page-side program: the same runAll over loadKernel, bundled by esbuild.
const PAGE_ENTRY = `
import { loadKernel, simdSupported } from "./src/kernel/select.ts";
const OUTPUTS = ${JSON.stringify(OUTPUTS)};
globalThis.riskgridKernelRun = async (inputs) => {
  const out = { simdSupported: simdSupported(), auto: (await loadKernel("auto")).backend };
  for (const b of ["simd", "scalar", "js"]) {
    const k = await loadKernel(b);
    out[b] = inputs.map((inp) => {
      const v = k.reserve(inp.dims);
      for (const [name, xs] of Object.entries(inp.cols)) v[name].set(xs);
      k.instrumentPass();
      k.accountPass();
      const w = k.views();
      return OUTPUTS.map((o) => Array.from(new BigUint64Array(Float64Array.from(w[o]).buffer), (x) => x.toString(16)).join(","));
    });
  }
  return out;
};
`;

describe.skipIf(!HAVE)("kernels in Chromium", () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let browser: any;
  let script = "";
  const inputs: Input[] = fc.sample(caseArb, { numRuns: 60, seed: 99 }).map((c) => {
    const v = writeCase(createJsKernel(), c) as unknown as Record<string, ArrayLike<number>>;
    return { dims: dimsOf(c), cols: Object.fromEntries(INPUTS.map((n) => [n, Array.from(v[n])])) };
  });

  beforeAll(async () => {
    const out = await build({
      stdin: { contents: PAGE_ENTRY, resolveDir: fileURLToPath(new URL("..", import.meta.url)), loader: "ts" },
      bundle: true, format: "iife", target: "es2022", platform: "browser", write: false, logLevel: "silent",
    });
    script = out.outputFiles[0].text;
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it("simd and scalar give the same bits as in Node on every output; auto picks simd", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e: Error) => errors.push(e.message));
    await page.addScriptTag({ content: script });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const got: any = await page.evaluate((i: Input[]) => (globalThis as any).riskgridKernelRun(i), inputs);
    expect(errors).toEqual([]);
    expect(got.simdSupported).toBe(true);
    expect(got.auto).toBe("simd");
    for (const b of ["simd", "scalar"] as const) {
      const node = runAll(loadKernelSync(b), inputs);
      node.forEach((outs, c) => outs.forEach((bits, o) => expect(got[b][c][o], `${b} case ${c} ${OUTPUTS[o]}`).toBe(bits)));
    }
    const js = runAll(loadKernelSync("js"), inputs);
    const same = js.flat().filter((bits, j) => bits === got.js.flat()[j]).length;
    console.log(`[Chromium ${browser.version()}] simd and scalar: every output bit-identical to Node ${process.version}; ` +
      `js reference: ${same}/${js.flat().length} output arrays identical (host Math differs)`);
    await page.close();
  });
});
