// riskgrid kernel: one source, two builds (asconfig targets `simd` and `scalar`, ASC_FEATURE_SIMD).
// The TS layer (src/kernel/wasm-kernel.ts) owns all memory from heapBase() up and describes its
// columns in a frame (frame.ts); every export takes plain numbers and pointers.
import { FRAME_SLOTS } from "./frame";
import { sexp, sncdf } from "./scalar-math";
import { splat, vexp, vnorm, vtail } from "./simd-math";

export { instrumentPass } from "./instrument";
export { accountPass } from "./account";
export { checkAccounts, checkInstruments } from "./checks";
export { pmTick } from "./pm-tick";
import { firstNonFinite } from "./pm-tick";

/** First account of the last pmTick whose IM, MM or equity is not finite, −1 if none. */
export function lastNonFinite(): i32 {
  return firstNonFinite;
}
import { PM_FRAME_SLOTS } from "./pm-tick";
import { badRow } from "./checks";

/** Bumped when the frame layout or the meaning of an export changes. */
export function abiVersion(): i32 {
  return 3;
}

/** 1 in the SIMD build, 0 in the scalar build. */
export function simdBuild(): i32 {
  return ASC_FEATURE_SIMD ? 1 : 0;
}

/** First byte the TS layer may use (16-byte aligned by the caller). */
export function heapBase(): usize {
  return __heap_base;
}

export function frameSlots(): i32 {
  return FRAME_SLOTS;
}

/** Slots of the deribit-pm tick's frame (pm-tick.ts). */
export function pmFrameSlots(): i32 {
  return PM_FRAME_SLOTS;
}

/** Row of the last failed index check, −1 if none. */
export function lastBadRow(): i32 {
  return badRow;
}

/**
 * Test probe: out[k] = f(in[k]) for k < n (byte addresses, n even). op 0: e^x scalar; 1: e^x in the
 * build's vector form; 2: Φ(x) scalar; 3: Φ(x) vector form (scalar in the scalar build).
 */
export function probe(op: i32, src: usize, dst: usize, n: i32): void {
  for (let k = 0; k < n; k += 2) {
    const o = <usize>k << 3;
    if (ASC_FEATURE_SIMD && (op == 1 || op == 3)) {
      const x = v128.load(src + o);
      let y: v128;
      if (op == 1) y = vexp(x);
      else {
        const a = f64x2.abs(x);
        const t = vtail(a, vexp(f64x2.mul(f64x2.mul(splat(-0.5), a), a)));
        y = vnorm(t, splat(1.0), x);
      }
      v128.store(dst + o, y);
    } else {
      for (let j: usize = 0; j < 2; j++) {
        const x = load<f64>(src + o + (j << 3));
        store<f64>(dst + o + (j << 3), op == 0 || op == 1 ? sexp(x) : sncdf(x));
      }
    }
  }
}
