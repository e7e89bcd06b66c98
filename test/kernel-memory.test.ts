/**
 * Kernel memory: the TS layer owns the wasm memory. Reserving grows it when needed and never shrinks
 * it; views stay valid (refreshed after memory.grow); contents survive a reserve of the same
 * dimensions; passes never grow memory; a book too large for maximumMemory is an E_CAPACITY error
 * raised before any growth, and the kernel stays usable; bad indexes are errors, never traps.
 */
import { describe, expect, it } from "vitest";
import type { Dims, KernelViews } from "../src/kernel/abi.js";
import { isRiskError, RiskError } from "../src/errors.js";
import { loadKernel, loadKernelSync, simdSupported } from "../src/kernel/select.js";
import { MAX_MEMORY_PAGES, type WasmKernel } from "../src/kernel/wasm-kernel.js";
import { COLUMNS } from "../src/kernel/wasm-layout.js";
import { wasmBytes } from "../src/kernel/wasm-loader.js";
import { memoryLimits } from "./helpers/wasm-code.js";
import { caseArb, runCase, writeCase } from "./helpers/kernel-cases.js";
import fc from "fast-check";

const WASM = ["simd", "scalar"] as const;
const small: Dims = { nInst: 3, nScen: 5, nFactors: 1, nAcc: 2, nPos: 4, nGroups: 1, nBuckets: 2 };
const big: Dims = { nInst: 20_000, nScen: 63, nFactors: 4, nAcc: 10_000, nPos: 100_000, nGroups: 4, nBuckets: 8 };

function expectValid(v: KernelViews, d: Dims): void {
  expect(v.kind.length).toBe(d.nInst);
  expect(v.cube.length).toBe(d.nInst * d.nScen);
  expect(v.mult.length).toBe(d.nFactors * d.nScen);
  expect(v.accStart.length).toBe(d.nAcc + 1);
  expect(v.posQty.length).toBe(d.nPos);
  expect(v.pnl.length).toBe(d.nAcc * d.nGroups * d.nScen);
  expect(v.greeks.length).toBe(d.nAcc * d.nBuckets * 5);
  for (const c of COLUMNS) {
    const a = v[c.name];
    expect(a instanceof (c.type === "f64" ? Float64Array : Int32Array), `${c.name} is ${c.type}`).toBe(true);
    expect(a.byteOffset % 16, `${c.name} is 16-byte aligned`).toBe(0);
    expect(a.buffer.byteLength, `${c.name} is attached`).toBeGreaterThan(0);
  }
}

function expectCapacityError(f: () => unknown): RiskError {
  try {
    f();
  } catch (e) {
    expect(isRiskError(e)).toBe(true);
    expect((e as RiskError).code).toBe("E_CAPACITY");
    return e as RiskError;
  }
  throw new Error("expected E_CAPACITY");
}

describe.each(WASM)("%s kernel memory", (backend) => {
  it("grows for a larger reserve, keeps views valid and columns aligned, never shrinks", () => {
    const k = loadKernelSync(backend);
    const v0 = k.reserve(small);
    expectValid(v0, small);
    const before = k.memoryBytes();
    const v1 = k.reserve(big);
    expectValid(v1, big);
    expect(k.memoryBytes()).toBeGreaterThan(before);
    expect(v0.kind.length, "views of the old buffer are detached by memory.grow").toBe(0);
    const grown = k.memoryBytes();
    const v2 = k.reserve(small);
    expectValid(v2, small);
    expect(k.memoryBytes(), "memory never shrinks").toBe(grown);
  });

  it("keeps contents when the dimensions do not change", () => {
    const k = loadKernelSync(backend);
    const v = k.reserve(small);
    v.strike.set([1, 2, 3]);
    v.posInst.set([2, 1, 0, 2]);
    const again = k.reserve({ ...small });
    expect(Array.from(again.strike)).toEqual([1, 2, 3]);
    expect(Array.from(again.posInst)).toEqual([2, 1, 0, 2]);
  });

  it("views() refreshes after memory.grow from elsewhere, with the same contents", () => {
    const k = loadKernelSync(backend) as WasmKernel;
    const v = k.reserve(small);
    v.fwd.set([10, 20, 30]);
    k.exports.memory.grow(1);
    expect(v.fwd.length, "the old view is detached").toBe(0);
    const fresh = k.views();
    expectValid(fresh, small);
    expect(Array.from(fresh.fwd)).toEqual([10, 20, 30]);
    expect(k.views(), "views are cached until the next grow").toBe(fresh);
  });

  it("repeated passes do not grow memory and give the same answer", () => {
    const k = loadKernelSync(backend);
    const c = fc.sample(caseArb, { numRuns: 1, seed: 3 })[0];
    const first = runCase(k, c);
    const bytes = k.memoryBytes();
    for (let r = 0; r < 200; r++) {
      k.instrumentPass();
      k.accountPass();
    }
    expect(k.memoryBytes()).toBe(bytes);
    const v = k.views();
    expect(Array.from(v.pnl)).toEqual(Array.from(first.pnl));
    expect(Array.from(v.cube)).toEqual(Array.from(first.cube));
  });

  it("E_CAPACITY names the limit, before growing, and the kernel stays usable", () => {
    const k = loadKernelSync(backend);
    k.reserve(small);
    const bytes = k.memoryBytes();
    const e = expectCapacityError(() => k.reserve({ ...small, nInst: 1_000_000, nScen: 1_000 }));
    expect(e.message).toMatch(/2048\.0 MiB/);
    expect(e.message).toMatch(/maximumMemory 32768 pages/);
    expect(k.memoryBytes(), "nothing was grown").toBe(bytes);
    const c = fc.sample(caseArb, { numRuns: 1, seed: 4 })[0];
    expect(() => runCase(k, c)).not.toThrow();
  });

  it("rejects out-of-range indexes and bad dimensions with RiskErrors, never a trap", () => {
    const k = loadKernelSync(backend);
    const c = fc.sample(caseArb, { numRuns: 1, seed: 5 })[0];
    const cases: [keyof KernelViews, number, string, "instrument" | "account"][] = [
      ["kind", 7, "kind", "instrument"],
      ["factor", c.nFactors, "factor", "instrument"],
      ["posInst", -1, "posInst", "account"],
      ["group", c.nGroups, "group", "account"],
      ["bucket", 99, "bucket", "account"],
      ["accStart", 1 << 30, "accStart", "account"],
    ];
    for (const [col, bad, name, pass] of cases) {
      const v = writeCase(k, c);
      if (v[col].length === 0) continue;
      v[col][0] = bad;
      try {
        if (pass === "instrument") k.instrumentPass();
        else {
          k.instrumentPass();
          k.accountPass();
        }
        throw new Error(`no error for ${name}`);
      } catch (e) {
        expect(isRiskError(e), String(e)).toBe(true);
        expect((e as RiskError).code).toBe("E_INTERNAL");
        expect((e as RiskError).path).toBe(`kernel.${name}[0]`);
      }
    }
    expect(() => k.reserve({ ...small, nInst: -1 })).toThrow(RiskError);
    expect(() => k.reserve({ ...small, nScen: 1.5 })).toThrow(RiskError);
    expect(() => runCase(k, c)).not.toThrow();
  });

  it("non-finite inputs give non-finite or finite numbers, never a trap", () => {
    const k = loadKernelSync(backend);
    const c = fc.sample(caseArb, { numRuns: 1, seed: 6 })[0];
    for (const bad of [NaN, Infinity, -Infinity, 0, -0, 1e308, 5e-324]) {
      const v = writeCase(k, c);
      for (const col of ["strike", "fwd", "tau", "vol", "df", "volMult", "size"] as const) v[col].fill(bad);
      v.mult.fill(bad);
      v.lnMult.fill(bad);
      expect(() => {
        k.instrumentPass();
        k.accountPass();
      }).not.toThrow();
    }
  });
});

describe("memory limits and loading", () => {
  it("MAX_MEMORY_PAGES is the binaries' maximumMemory", () => {
    for (const b of WASM) expect(memoryLimits(wasmBytes(b)).max, b).toBe(MAX_MEMORY_PAGES);
  });

  it("auto is simd where WebAssembly.validate accepts the SIMD build (Node 20: yes)", async () => {
    expect(simdSupported()).toBe(WebAssembly.validate(wasmBytes("simd")));
    expect(simdSupported()).toBe(true);
    expect(loadKernelSync("auto").backend).toBe("simd");
    expect((await loadKernel("auto")).backend).toBe("simd");
  });

  it("loadKernel and loadKernelSync give the same backends, unknown names are E_BACKEND", async () => {
    for (const b of ["js", "simd", "scalar"] as const) {
      expect(loadKernelSync(b).backend).toBe(b);
      expect((await loadKernel(b)).backend).toBe(b);
    }
    expect(() => loadKernelSync("gpu" as never)).toThrow(expect.objectContaining({ code: "E_BACKEND" }));
    await expect(loadKernel("gpu" as never)).rejects.toMatchObject({ code: "E_BACKEND" });
  });

  it("every kernel has its own memory", () => {
    const a = loadKernelSync("simd");
    const b = loadKernelSync("simd");
    a.reserve(small).strike.fill(1);
    b.reserve(small).strike.fill(2);
    expect(Array.from(a.views().strike)).toEqual([1, 1, 1]);
  });
});
