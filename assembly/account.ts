// Account pass: Σ qty × cube rows per (account, group), Σ qty × value, Σ qty × greeks per bucket.
// Positions are added in CSR order with a multiply then an add (never fused), exactly as the JS
// reference does, so every backend gives the same sums from the same cube.
import {
  col, dim, F_ACC_START, F_BASE, F_BUCKET, F_CUBE, F_DELTA, F_GAMMA, F_GREEKS, F_GROUP, F_N_ACC,
  F_N_BUCKETS, F_N_GROUPS, F_N_SCEN, F_PNL, F_POS_INST, F_POS_QTY, F_RHO, F_THETA, F_VALUE, F_VEGA,
} from "./frame";

const N_GREEKS = 5;

/** pnl[0..S) += q·cube[0..S) (byte addresses). */
@inline function addRow(pnl: usize, cube: usize, q: f64, S: i32): void {
  if (ASC_FEATURE_SIMD) {
    const qv = f64x2.splat(q);
    const even = <usize>(S & ~1) << 3;
    let off: usize = 0;
    for (; off < even; off += 16) {
      v128.store(pnl + off, f64x2.add(v128.load(pnl + off), f64x2.mul(qv, v128.load(cube + off))));
    }
    if (S & 1) store<f64>(pnl + off, load<f64>(pnl + off) + q * load<f64>(cube + off));
  } else {
    const end = <usize>S << 3;
    for (let off: usize = 0; off < end; off += 8) {
      store<f64>(pnl + off, load<f64>(pnl + off) + q * load<f64>(cube + off));
    }
  }
}

@inline function addTo(p: usize, x: f64): void {
  store<f64>(p, load<f64>(p) + x);
}

/** Needs a prior instrument pass and valid indexes (checkAccounts). Zeroes its outputs first. */
export function accountPass(frame: usize): void {
  const nAcc = dim(frame, F_N_ACC);
  const S = dim(frame, F_N_SCEN);
  const G = dim(frame, F_N_GROUPS);
  const B = dim(frame, F_N_BUCKETS);
  const pnl = col(frame, F_PNL);
  const base = col(frame, F_BASE);
  const greeks = col(frame, F_GREEKS);
  memory.fill(pnl, 0, (<usize>nAcc * <usize>G * <usize>S) << 3);
  memory.fill(base, 0, (<usize>nAcc * <usize>G) << 3);
  memory.fill(greeks, 0, (<usize>nAcc * <usize>B * N_GREEKS) << 3);

  const accStart = col(frame, F_ACC_START);
  const posInst = col(frame, F_POS_INST);
  const posQty = col(frame, F_POS_QTY);
  const group = col(frame, F_GROUP);
  const bucket = col(frame, F_BUCKET);
  const cube = col(frame, F_CUBE);
  const value = col(frame, F_VALUE);
  const delta = col(frame, F_DELTA);
  const gamma = col(frame, F_GAMMA);
  const vega = col(frame, F_VEGA);
  const theta = col(frame, F_THETA);
  const rho = col(frame, F_RHO);
  const rowBytes = <usize>S << 3;

  for (let a = 0; a < nAcc; a++) {
    const p0 = load<i32>(accStart + (<usize>a << 2));
    const p1 = load<i32>(accStart + (<usize>(a + 1) << 2));
    for (let p = p0; p < p1; p++) {
      const i = <usize>load<i32>(posInst + (<usize>p << 2));
      const q = load<f64>(posQty + (<usize>p << 3));
      const g = <usize>(a * G + load<i32>(group + (i << 2)));
      const o = i << 3;
      addTo(base + (g << 3), q * load<f64>(value + o));
      addRow(pnl + g * rowBytes, cube + i * rowBytes, q, S);
      const b = greeks + ((<usize>(a * B + load<i32>(bucket + (i << 2))) * N_GREEKS) << 3);
      addTo(b, q * load<f64>(delta + o));
      addTo(b + 8, q * load<f64>(gamma + o));
      addTo(b + 16, q * load<f64>(vega + o));
      addTo(b + 24, q * load<f64>(theta + o));
      addTo(b + 32, q * load<f64>(rho + o));
    }
  }
}
