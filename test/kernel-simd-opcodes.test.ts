/**
 * The SIMD build really computes in f64x2: its hot functions' bodies (decoded instruction by
 * instruction, with everything they call) contain the vector arithmetic of the instrument and account
 * passes. A build that silently fell back to scalar code fails here. The scalar build has no SIMD at
 * all, and nothing uses relaxed SIMD (its rounding depends on the CPU).
 */
import { describe, expect, it } from "vitest";
import { wasmBytes } from "../src/kernel/wasm-loader.js";
import { countSimd, isRelaxedSimd, reachableOps, totalSimd } from "./helpers/wasm-code.js";

const simd = wasmBytes("simd");
const scalar = wasmBytes("scalar");

describe("SIMD build opcodes", () => {
  it("instrumentPass revalues in f64x2: arithmetic, division, exp bit tricks, branch-free selects", () => {
    const ops = reachableOps(simd, "instrumentPass");
    expect(countSimd(ops, "f64x2.mul")).toBeGreaterThanOrEqual(50);
    expect(countSimd(ops, "f64x2.add")).toBeGreaterThanOrEqual(40);
    expect(countSimd(ops, "f64x2.sub")).toBeGreaterThanOrEqual(5);
    expect(countSimd(ops, "f64x2.div")).toBeGreaterThanOrEqual(3); // d1, the tail ratios, inverse settlement
    expect(countSimd(ops, "f64x2.pmax")).toBeGreaterThanOrEqual(3); // shocked vol and σ√T floors
    expect(countSimd(ops, "i64x2.shl")).toBeGreaterThanOrEqual(1); // 2^n of the vector exp
    expect(countSimd(ops, "i64x2.add")).toBeGreaterThanOrEqual(1);
    expect(countSimd(ops, "v128.bitselect")).toBeGreaterThanOrEqual(3); // Hart/West branch, N(cp·d)
    expect(countSimd(ops, "v128.load")).toBeGreaterThanOrEqual(10);
    expect(countSimd(ops, "v128.store")).toBeGreaterThanOrEqual(5);
    // the vector work dominates the scalar float work of the per-instrument set-up
    const scalarFloat = (ops.get("0xa2") ?? 0) + (ops.get("0xa0") ?? 0); // f64.mul, f64.add
    expect(totalSimd(ops)).toBeGreaterThan(scalarFloat);
  });

  it("accountPass accumulates pnl rows with f64x2 multiply and add", () => {
    const ops = reachableOps(simd, "accountPass");
    expect(countSimd(ops, "f64x2.mul")).toBeGreaterThanOrEqual(1);
    expect(countSimd(ops, "f64x2.add")).toBeGreaterThanOrEqual(1);
    expect(countSimd(ops, "v128.load")).toBeGreaterThanOrEqual(2);
    expect(countSimd(ops, "v128.store")).toBeGreaterThanOrEqual(1);
  });

  it("pmTick (the tick's sums and deribit-pm reduction) accumulates, divides and takes the worst loss in f64x2", () => {
    const ops = reachableOps(simd, "pmTick");
    expect(countSimd(ops, "f64x2.mul")).toBeGreaterThanOrEqual(2); // qty × cube rows; scenario moves
    expect(countSimd(ops, "f64x2.div")).toBeGreaterThanOrEqual(2); // standard scenarios of coin accounts; extended moves
    expect(countSimd(ops, "f64x2.pmin")).toBeGreaterThanOrEqual(1); // lowest value over standard scenarios
    expect(countSimd(ops, "f64x2.pmax")).toBeGreaterThanOrEqual(1); // worst loss over extended moves
    expect(countSimd(ops, "v128.store")).toBeGreaterThanOrEqual(1);
  });

  it("reports itself as the SIMD build", async () => {
    const { instance } = await WebAssembly.instantiate(simd, {});
    expect((instance.exports.simdBuild as () => number)()).toBe(1);
  });

  it("uses no relaxed-SIMD instruction", () => {
    for (const name of ["instrumentPass", "accountPass", "pmTick", "probe"]) {
      const relaxed = [...reachableOps(simd, name).keys()].filter(isRelaxedSimd);
      expect(relaxed, name).toEqual([]);
    }
  });
});

describe("scalar build opcodes", () => {
  it("has no SIMD instruction and reports itself as scalar", async () => {
    for (const name of ["instrumentPass", "accountPass", "pmTick", "probe"]) {
      expect(totalSimd(reachableOps(scalar, name)), name).toBe(0);
    }
    const { instance } = await WebAssembly.instantiate(scalar, {});
    expect((instance.exports.simdBuild as () => number)()).toBe(0);
  });

  it("validates without SIMD support being needed (the fallback of `auto`)", () => {
    expect(WebAssembly.validate(scalar)).toBe(true);
  });
});
