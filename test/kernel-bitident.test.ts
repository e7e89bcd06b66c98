/**
 * Statement: the simd and scalar builds are BIT-IDENTICAL on every output of both passes, for finite
 * inputs (NaN inputs give NaN in both; payloads are not compared). browser-kernel.test.ts shows the
 * same bits again in headless Chromium.
 *
 * Why it holds: both are one AssemblyScript source. Every lane of the SIMD code performs the same IEEE
 * operations in the same order as the scalar twin (assembly/scalar-math.ts ↔ simd-math.ts, black1 ↔
 * the staged loops), with no FMA and no relaxed SIMD; the base value and greeks use the same scalar
 * code in both builds; the account pass multiplies then adds per element in CSR order in both. The
 * near-only tail loop gives the same bits as the full branch-free tail where it is used.
 *
 * Not bit-identical: wasm vs js (AssemblyScript's Math.log and the kernels' own exp differ from V8's in
 * the last bits); kernel-agreement.test.ts holds those to 1e-12.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { KernelExports } from "../src/kernel/wasm-loader.js";
import type { WasmKernel } from "../src/kernel/wasm-kernel.js";
import { makeKernel } from "./helpers/backends.js";
import { caseArb, type Case, OUTPUTS, runCase } from "./helpers/kernel-cases.js";

/** Bit patterns, so −0 vs +0 and NaN payloads count as differences. */
function bits(a: Float64Array): BigUint64Array {
  return new BigUint64Array(a.buffer, a.byteOffset, a.length);
}

function firstDifference(a: Float64Array, b: Float64Array): number {
  const x = bits(a);
  const y = bits(b);
  if (x.length !== y.length) return 0;
  for (let j = 0; j < x.length; j++) if (x[j] !== y[j]) return j;
  return -1;
}

/** Short expiries and tiny vols push |d| past Hart's split (7.07) and cutoff (37): the full tail loop. */
const tailHeavy: fc.Arbitrary<Case> = caseArb.map((c) => ({
  ...c,
  insts: c.insts.map((x, i) => (x.cp === 0 ? x : { ...x, vol: i % 2 ? 0.01 : x.vol, tau: i % 3 ? 1e-5 : x.tau })),
}));

describe("simd and scalar builds are bit-identical", () => {
  const simd = makeKernel("simd");
  const scalar = makeKernel("scalar");

  for (const [name, arb] of [["random books", caseArb], ["tail-heavy books", tailHeavy]] as const) {
    it(`every output, ${name}`, () => {
      let values = 0;
      fc.assert(
        fc.property(arb, (c) => {
          const a = runCase(simd, c);
          const b = runCase(scalar, c);
          for (const o of OUTPUTS) {
            const j = firstDifference(a[o], b[o]);
            expect(j, `${o}[${j}]: simd ${a[o][j]} vs scalar ${b[o][j]}`).toBe(-1);
            values += a[o].length;
          }
        }),
        { numRuns: 200, seed: 7 },
      );
      console.log(`[bit identity] ${name}: ${values} values, all identical`);
    });
  }

  it("the vector and scalar forms of exp and Φ, on 100 002 arguments", () => {
    const ex = (simd as WasmKernel).exports as KernelExports;
    const n = 100_002;
    // probe scratch: past the current layout's end, inside memory
    const layout = (simd as WasmKernel).layout();
    const src = Math.ceil((layout?.end ?? ex.heapBase()) / 16) * 16;
    const dst = src + n * 8;
    const need = dst + n * 8 - ex.memory.buffer.byteLength;
    if (need > 0) ex.memory.grow(Math.ceil(need / 65536));
    const x = new Float64Array(ex.memory.buffer, src, n);
    for (let k = 0; k < n; k++) x[k] = -40 + (80 * k) / (n - 1) + (k % 7) * 1e-9; // Φ domain, both tails
    const run = (op: number) => {
      ex.probe(op, src, dst, n);
      return Float64Array.from(new Float64Array(ex.memory.buffer, dst, n));
    };
    const ncdfVector = run(3);
    const ncdfScalar = run(2);
    expect(firstDifference(ncdfVector, ncdfScalar)).toBe(-1);
    x.set(Float64Array.from({ length: n }, (_, k) => -745 + (755 * k) / (n - 1))); // exp domain
    const expVector = run(1);
    const expScalar = run(0);
    expect(firstDifference(expVector, expScalar)).toBe(-1);
  });
});
