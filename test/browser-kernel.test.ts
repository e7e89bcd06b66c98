/**
 * The shipped browser bundle (dist/browser/riskgrid.js, built by scripts/bundle-browser.mjs) in real
 * headless Chromium, served under the page's strict Content-Security-Policy:
 * - fixed kernel passes (instrument pass + account pass, every kind and edge of test/helpers/
 *   kernel-cases.ts, fixed seed) through `(await init({ backend })).kernel` on every backend the page
 *   offers: simd and scalar give the same Float64 bits as Node; the js reference agrees to 1e-12
 *   (it uses the host's Math.exp/log, whose last bits may differ between V8 versions: the test prints
 *   how many outputs happened to match bit for bit);
 * - `initSync()` in a module Web Worker evaluates a book to the same bits as Node (simd, scalar);
 * - a tick session (the kernel's deribit-pm tick, with numbers kept between ticks) gives Node's bits
 *   through index, position and collateral updates (simd, scalar);
 * - the CSP is real: without 'wasm-unsafe-eval' the wasm backends fail with E_BACKEND (and a CSP
 *   violation), js still works, and the page falls back to js with a visible warning.
 * Without Chromium the file skips with a loud banner (test/browser/chromium.ts).
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import type { Dims, Kernel } from "../src/kernel/abi.js";
import { createJsKernel } from "../src/kernel/js-kernel.js";
import { loadKernelSync } from "../src/kernel/select.js";
import { initSync } from "../src/index.js";
import { caseArb, dimsOf, OUTPUTS, writeCase } from "./helpers/kernel-cases.js";
import {
  browserTestsEnabled, buildAndServe, cspViolations, defaultCsp, launch, newContext, serveDir, type Served, watchPage,
} from "./browser/chromium.js";
import { bitLines, hex64, numbersWithPaths } from "./browser/compare.js";

const RUN = browserTestsEnabled("browser-kernel.test.ts");
const BOOK_TEXT = readFileSync(new URL("../examples/book.json", import.meta.url), "utf8");
const BACKENDS = ["simd", "scalar", "js"] as const;

const INPUTS = [
  "kind", "factor", "cp", "strike", "tau", "fwd", "df", "rate", "vol", "volMult", "size", "dFdS",
  "mult", "lnMult", "volShift", "volFloor", "accStart", "posInst", "posQty", "group", "bucket",
] as const;

interface Input {
  dims: Dims;
  /** Input columns as hex bits (−0 and every last bit survive the trip into the page). */
  cols: Record<string, string[]>;
  ints: Record<string, number[]>;
}

/** The fixed set: 40 cases of the kernel-cases generator under a fixed seed (every instrument kind,
 * vols 0.01…5, expiries of minutes to 3 years, |ln F/K| up to 10, odd grid sizes, CSR accounts). */
function fixedInputs(): Input[] {
  return fc.sample(caseArb, { numRuns: 40, seed: 20260822 }).map((c) => {
    const v = writeCase(createJsKernel(), c) as unknown as Record<string, Float64Array | Int32Array>;
    const cols: Input["cols"] = {};
    const ints: Input["ints"] = {};
    for (const n of INPUTS) {
      if (v[n] instanceof Int32Array) ints[n] = Array.from(v[n]);
      else cols[n] = Array.from(v[n], hex64);
    }
    return { dims: dimsOf(c), cols, ints };
  });
}

const fromHex = (h: string) => new Float64Array(new BigUint64Array([BigInt("0x" + h)]).buffer)[0];

/** Node side: the same passes, outputs as hex bits, [case][output][element]. */
function runNode(k: Kernel, inputs: Input[]): string[][][] {
  return inputs.map((inp) => {
    const v = k.reserve(inp.dims) as unknown as Record<string, Float64Array | Int32Array>;
    for (const [n, xs] of Object.entries(inp.cols)) v[n].set(xs.map(fromHex));
    for (const [n, xs] of Object.entries(inp.ints)) v[n].set(xs);
    k.instrumentPass();
    k.accountPass();
    const w = k.views() as unknown as Record<string, Float64Array>;
    return OUTPUTS.map((o) => Array.from(w[o], hex64));
  });
}

// Page side, as source text: the test runner would rewrite a dynamic import() inside a function.
const PAGE_HELPERS = `
  const hex64 = (x) => new BigUint64Array(Float64Array.of(x).buffer)[0].toString(16).padStart(16, "0");
  const fromHex = (h) => new Float64Array(new BigUint64Array([BigInt("0x" + h)]).buffer)[0];
  function bitLines(x, path = "", out = []) {
    if (typeof x === "number") out.push(path + " = " + hex64(x) + " (" + x + ")");
    else if (Array.isArray(x)) x.forEach((y, i) => bitLines(y, path + "[" + i + "]", out));
    else if (x && typeof x === "object") for (const k of Object.keys(x).sort()) bitLines(x[k], path ? path + "." + k : k, out);
    return out;
  }
`;

const PAGE_KERNEL_RUN = `(async () => {
  ${PAGE_HELPERS}
  const rg = await import("/riskgrid.js");
  const inputs = globalThis.__inputs;
  const out = { auto: (await rg.init()).backend, outputs: ${JSON.stringify(OUTPUTS)}, runs: {} };
  for (const backend of ${JSON.stringify(BACKENDS)}) {
    const k = (await rg.init({ backend })).kernel;
    out.runs[backend] = inputs.map((inp) => {
      const v = k.reserve(inp.dims);
      for (const [n, xs] of Object.entries(inp.cols)) v[n].set(xs.map(fromHex));
      for (const [n, xs] of Object.entries(inp.ints)) v[n].set(xs);
      k.instrumentPass();
      k.accountPass();
      const w = k.views();
      return out.outputs.map((o) => Array.from(w[o], hex64));
    });
  }
  return out;
})()`;

const PAGE_WORKER_RUN = `(async () => {
  ${PAGE_HELPERS}
  const w = new Worker("/worker.js", { type: "module" });
  const call = (msg) => new Promise((ok, fail) => {
    w.onmessage = (e) => ok(e.data);
    w.onerror = (e) => fail(new Error("worker: " + (e.message || "failed to load")));
    w.postMessage(msg);
  });
  const out = {};
  for (const backend of ${JSON.stringify(BACKENDS)}) {
    const r = await call({ id: backend, backend, book: ${JSON.stringify(BOOK_TEXT)} });
    out[backend] = r.error ? { error: r.error } : { backend: r.backend, bits: bitLines(r.report), micros: r.micros };
  }
  w.terminate();
  return out;
})()`;

/** The same session script in Node and in the page: IM, MM, equity bits after each evaluate. */
const SESSION_SCRIPT = `
  const s = engine.open(book);
  const out = [];
  const take = (r) => out.push([...r.initial, ...r.maintenance, ...r.equity].map(hex64));
  take(s.evaluate());
  s.setIndex("BTC", 78500); take(s.evaluate());
  s.setIndex("ETH", 2300); take(s.evaluate());
  s.setIndex("BTC", 76900); take(s.evaluate());
  const id = s.snapshot().accounts[1].id;
  s.setCollateral(id, "USDC", 25000); take(s.evaluate());
  s.close();
  return out;
`;

function sessionNode(backend: "simd" | "scalar"): string[][] {
  const hex64 = (x: number) => new BigUint64Array(Float64Array.of(x).buffer)[0].toString(16).padStart(16, "0");
  const run = new Function("engine", "book", "hex64", SESSION_SCRIPT) as (e: unknown, b: string, h: typeof hex64) => string[][];
  return run(initSync({ backend }), BOOK_TEXT, hex64);
}

describe.skipIf(!RUN)("the browser bundle in Chromium: kernels, workers, CSP", () => {
  let served: Served;
  let browser: Browser;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    served = await buildAndServe("browser-kernel");
    browser = await launch();
    page = await (await newContext(browser)).newPage();
    problems = watchPage(page).problems;
    await page.goto(served.url + "harness.html");
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await served?.close();
  });

  it("fixed instrument and account passes: simd and scalar bit-identical to Node, js to 1e-12; auto is simd", async () => {
    const inputs = fixedInputs();
    await page.evaluate((x) => {
      (globalThis as unknown as { __inputs: unknown }).__inputs = x;
    }, inputs);
    const got = (await page.evaluate(PAGE_KERNEL_RUN)) as { auto: string; runs: Record<string, string[][][]> };
    expect(got.auto).toBe("simd");
    let values = 0;
    for (const b of ["simd", "scalar"] as const) {
      const node = runNode(loadKernelSync(b), inputs);
      node.forEach((outs, c) => outs.forEach((bits, o) => {
        values += bits.length;
        expect(got.runs[b][c][o], `${b}: case ${c}, output ${OUTPUTS[o]}`).toEqual(bits);
      }));
    }
    // js: same code on two V8s; only the host Math may differ in the last bits.
    const node = runNode(loadKernelSync("js"), inputs);
    let same = 0;
    let total = 0;
    let worst = 0;
    node.forEach((outs, c) => outs.forEach((bits, o) => {
      const a = bits.map(fromHex);
      const b = got.runs.js[c][o].map(fromHex);
      expect(b.length).toBe(a.length);
      const scale = a.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
      a.forEach((x, i) => {
        total++;
        if (Object.is(x, b[i])) return void same++;
        const tol = 1e-12 * Math.max(Math.abs(x), Math.abs(b[i])) + 1e-12 * scale;
        worst = Math.max(worst, Math.abs(x - b[i]) / Math.max(Math.abs(x), 1e-300));
        expect(Math.abs(x - b[i]), `js: case ${c}, ${OUTPUTS[o]}[${i}]: ${x} vs ${b[i]}`).toBeLessThanOrEqual(tol);
      });
    }));
    console.log(`[Chromium ${browser.version()} vs Node ${process.version}] ${inputs.length} fixed cases: simd and scalar ` +
      `${values} values bit-identical; js ${same}/${total} bit-identical, the rest within 1e-12 of max(|x|, the output's largest |x|) (worst relative to |x| itself: ${worst.toExponential(2)})`);
    expect(problems).toEqual([]);
    expect(await cspViolations(page)).toEqual([]);
  });

  it("a tick session (pmTick, kept numbers) gives Node's bits through index and collateral updates", async () => {
    const got = (await page.evaluate(`(async () => {
      ${PAGE_HELPERS}
      const rg = await import("/riskgrid.js");
      const out = {};
      for (const backend of ["simd", "scalar"]) {
        const engine = await rg.init({ backend });
        out[backend] = ((engine, book) => { ${SESSION_SCRIPT} })(engine, ${JSON.stringify(BOOK_TEXT)});
      }
      return out;
    })()`)) as Record<string, string[][]>;
    for (const b of ["simd", "scalar"] as const) {
      const node = sessionNode(b);
      expect(node.length).toBe(5);
      expect(got[b], `session on ${b}`).toEqual(node);
    }
    expect(problems).toEqual([]);
  });

  it("initSync() in a module worker (under the same CSP) evaluates a book to Node's bits", async () => {
    const got = (await page.evaluate(PAGE_WORKER_RUN)) as Record<string, { error?: unknown; backend?: string; bits?: string[]; micros?: number }>;
    for (const b of BACKENDS) {
      expect(got[b].error, `worker ${b}`).toBeUndefined();
      expect(got[b].backend).toBe(b);
      const node = bitLines(initSync({ backend: b }).evaluate(BOOK_TEXT));
      expect(node.length).toBeGreaterThan(500);
      if (b === "js") {
        const web = got[b].bits!.map((l) => Number(l.slice(l.lastIndexOf("(") + 1, -1)));
        const ref = numbersWithPaths(initSync({ backend: b }).evaluate(BOOK_TEXT)).map(([, v]) => v);
        expect(web.length).toBe(ref.length);
        web.forEach((x, i) => expect(Math.abs(x - ref[i])).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(ref[i]))));
      } else {
        expect(got[b].bits, `worker ${b}`).toEqual(node);
      }
    }
    expect(problems).toEqual([]);
    expect(await cspViolations(page)).toEqual([]);
  });

  it("without 'wasm-unsafe-eval' the CSP blocks the wasm backends (E_BACKEND), js still works, the page falls back to js", async () => {
    const csp = (await defaultCsp()).replace(" 'wasm-unsafe-eval'", "");
    expect(csp).not.toContain("wasm-unsafe-eval");
    const strict = await serveDir(served.dir, csp);
    const p = await (await newContext(browser)).newPage();
    try {
      await p.goto(strict.url + "harness.html");
      const r = (await p.evaluate(`(async () => {
        const rg = await import("/riskgrid.js");
        const out = {};
        for (const backend of ["simd", "scalar", "js"]) {
          try { out[backend] = { ok: (await rg.init({ backend })).backend }; }
          catch (e) { out[backend] = { code: e.code, message: String(e.message) }; }
        }
        return out;
      })()`)) as Record<string, { ok?: string; code?: string; message?: string }>;
      expect(r.simd.code).toBe("E_BACKEND");
      expect(r.scalar.code).toBe("E_BACKEND");
      expect(r.js.ok).toBe("js");
      expect((await cspViolations(p)).join(" ")).toMatch(/script-src/);

      await p.goto(strict.url);
      await p.waitForSelector("[data-testid=margins] tbody tr", { timeout: 30_000 });
      expect(await p.textContent("[data-testid=backend]")).toMatch(/^js/);
      expect(await p.textContent("[data-testid=warning]")).toContain("wasm-unsafe-eval");
    } finally {
      await p.context().close();
      await strict.close();
    }
  });
});
