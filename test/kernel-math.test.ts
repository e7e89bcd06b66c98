/**
 * The wasm kernels' own exp and normal CDF (assembly/simd-math.ts and its scalar twin), through the
 * `probe` export: exp within 2 ulp of V8's Math.exp; Φ within ~1e-16 absolute of the reference
 * (src/kernel/normal.ts, the same Hart/West coefficients) and within 1e-14 relative in the lower tail
 * (deep out-of-the-money prices keep their relative accuracy); +0 for e^x below the normal range.
 */
import { describe, expect, it } from "vitest";
import { ncdf } from "../src/kernel/normal.js";
import { loadKernelSync } from "../src/kernel/select.js";
import type { WasmKernel } from "../src/kernel/wasm-kernel.js";

const OPS = { expScalar: 0, expVector: 1, ncdfScalar: 2, ncdfVector: 3 };

function prober(backend: "simd" | "scalar") {
  const k = loadKernelSync(backend) as WasmKernel;
  const ex = k.exports;
  return (op: number, xs: Float64Array): Float64Array => {
    const n = xs.length + (xs.length & 1);
    const src = Math.ceil(ex.heapBase() / 16) * 16;
    const dst = src + n * 8;
    const need = dst + n * 8 - ex.memory.buffer.byteLength;
    if (need > 0) ex.memory.grow(Math.ceil(need / 65536));
    new Float64Array(ex.memory.buffer, src, n).set(xs);
    ex.probe(op, src, dst, n);
    return Float64Array.from(new Float64Array(ex.memory.buffer, dst, xs.length));
  };
}

const grid = (lo: number, hi: number, n: number) => Float64Array.from({ length: n }, (_, k) => lo + ((hi - lo) * k) / (n - 1));

describe.each(["simd", "scalar"] as const)("%s kernel math", (backend) => {
  const probe = prober(backend);

  it("exp is within 2 ulp of Math.exp on [−708, 709] and flushes to +0 below e^−708.4", () => {
    const xs = grid(-708.3, 709, 200_001);
    for (const op of [OPS.expScalar, OPS.expVector]) {
      const ys = probe(op, xs);
      let worst = 0;
      xs.forEach((x, k) => {
        const ref = Math.exp(x);
        worst = Math.max(worst, Math.abs(ys[k] - ref) / ref);
      });
      console.log(`[${backend}] exp op ${op}: max relative error ${worst.toExponential(2)} (ulp = 2.2e-16)`);
      expect(worst).toBeLessThanOrEqual(4.5e-16);
      const low = probe(op, Float64Array.of(-708.5, -745, -1e300, -Infinity));
      expect(Array.from(low)).toEqual([0, 0, 0, 0]);
      expect(Object.is(low[0], 0)).toBe(true);
    }
  });

  it("Φ matches the reference to ~1e-16 absolute everywhere, 1e-14 relative in the lower tail", () => {
    const xs = grid(-38, 38, 400_001);
    for (const op of [OPS.ncdfScalar, OPS.ncdfVector]) {
      const ys = probe(op, xs);
      let abs = 0;
      let rel = 0;
      xs.forEach((x, k) => {
        const ref = ncdf(x);
        abs = Math.max(abs, Math.abs(ys[k] - ref));
        if (x < 0 && ref > 0) rel = Math.max(rel, Math.abs(ys[k] - ref) / ref);
      });
      console.log(`[${backend}] Φ op ${op}: max abs ${abs.toExponential(2)}, max rel (x < 0) ${rel.toExponential(2)}`);
      expect(abs).toBeLessThanOrEqual(3.4e-16);
      expect(rel).toBeLessThanOrEqual(1e-14);
      expect(Array.from(probe(op, Float64Array.of(-37, -40, 37, 40, 0)))).toEqual([0, 0, 1, 1, 0.5]);
    }
  });
});
