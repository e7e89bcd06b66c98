/**
 * The `js` backend: the reference kernel in plain TypeScript. Loops are written to read like the
 * formulas; the wasm builds must agree with it to 1e-12.
 */
import { type Dims, type Kernel, type KernelViews, N_GREEKS, type PmDims, type PmViews } from "./abi.js";
import { RiskError } from "../errors.js";
import { type ContractInputs, contractGreeks, contractValue, shockedVol } from "./black76.js";
import { checkRange } from "./range.js";
import { allocPmViews, checkPmDims, checkPmTick, pmTickJs, samePmDims } from "./pm-reduce.js";

function allocViews(d: Dims): KernelViews {
  const f = (n: number) => new Float64Array(n);
  const i = (n: number) => new Int32Array(n);
  const { nInst: n, nScen: S, nFactors: F, nAcc: A, nPos: P, nGroups: G, nBuckets: B } = d;
  return {
    kind: i(n), factor: i(n), cp: f(n), strike: f(n), tau: f(n), fwd: f(n), df: f(n), rate: f(n),
    vol: f(n), volMult: f(n), size: f(n), dFdS: f(n),
    mult: f(F * S), lnMult: f(F * S), volShift: f(F * S), volFloor: f(F * S),
    value: f(n), delta: f(n), gamma: f(n), vega: f(n), theta: f(n), rho: f(n), cube: f(n * S),
    accStart: i(A + 1), posInst: i(P), posQty: f(P), group: i(n), bucket: i(n),
    pnl: f(A * G * S), base: f(A * G), greeks: f(A * B * N_GREEKS),
  };
}

/** The js backend keeps the wasm builds' limit, so a book fails the same way on every backend. */
const MAX_BYTES = 2 * 1024 ** 3;

function checkCapacity(d: Dims): void {
  const { nInst: n, nScen: S, nFactors: F, nAcc: A, nPos: P, nGroups: G, nBuckets: B } = d;
  const doubles = n * (16 + S) + 4 * F * S + P + A * G * (S + 1) + A * B * N_GREEKS;
  const bytes = 8 * doubles + 4 * (4 * n + A + 1 + P);
  if (bytes > MAX_BYTES) {
    throw new RiskError("E_CAPACITY", "",
      `the book needs ${Math.ceil(bytes / 2 ** 20)} MiB of js kernel memory (${n} instruments × ${S} scenarios, ${A} accounts, ` +
      `${P} positions); the limit is 2048 MiB, as for the wasm builds: split the accounts over several evaluations, ` +
      `or use a tick session (engine.open), which passes accounts in chunks`);
  }
}

function sameDims(a: Dims | null, b: Dims): boolean {
  return !!a && a.nInst === b.nInst && a.nScen === b.nScen && a.nFactors === b.nFactors &&
    a.nAcc === b.nAcc && a.nPos === b.nPos && a.nGroups === b.nGroups && a.nBuckets === b.nBuckets;
}

function contractAt(v: KernelViews, i: number): ContractInputs {
  return {
    kind: v.kind[i], cp: v.cp[i], strike: v.strike[i], tau: v.tau[i], fwd: v.fwd[i], df: v.df[i],
    rate: v.rate[i], vol: v.vol[i], size: v.size[i], dFdS: v.dFdS[i],
  };
}

export function createJsKernel(): Kernel {
  let dims: Dims | null = null;
  let v: KernelViews | null = null;
  let pmDims: PmDims | null = null;
  let pm: PmViews | null = null;
  const need = (): KernelViews => {
    if (!v) throw new Error("kernel: reserve() before use");
    return v;
  };
  const needPm = (): PmViews => {
    if (!pm) throw new RiskError("E_STATE", "", "kernel: reservePm() before use");
    return pm;
  };
  return {
    backend: "js",
    reserve(d: Dims): KernelViews {
      if (!sameDims(dims, d)) {
        checkCapacity(d);
        v = allocViews(d);
        dims = { ...d };
        pm = null; // as in the wasm builds: a relayout drops the tick's room
        pmDims = null;
      }
      return v!;
    },
    reservePm(d: PmDims): PmViews {
      need();
      checkPmDims(d);
      if (!samePmDims(pmDims, d)) {
        pm = allocPmViews(d);
        pmDims = { ...d };
      }
      return pm!;
    },
    pmViews: needPm,
    pmTick(from: number, count: number, mmFactor: number, mmp: number): number {
      const w = need();
      const p = needPm();
      checkPmTick(dims!, pmDims!, p, from, count);
      return pmTickJs(dims!, w, pmDims!, p, from, count, mmFactor, mmp);
    },
    views: need,
    instrumentPass(from = 0, to = dims?.nInst ?? 0): void {
      const w = need();
      const { nInst, nScen: S } = dims!;
      checkRange(from, to, nInst);
      for (let i = from; i < to; i++) {
        const c = contractAt(w, i);
        const base = contractValue(c, c.fwd, c.vol);
        w.value[i] = base;
        const g = contractGreeks(c);
        w.delta[i] = g.delta;
        w.gamma[i] = g.gamma;
        w.vega[i] = g.vega;
        w.theta[i] = g.theta;
        w.rho[i] = g.rho;
        const row = w.factor[i] * S;
        for (let s = 0; s < S; s++) {
          const F = c.fwd * w.mult[row + s];
          const sigma = shockedVol(c.vol, w.volShift[row + s], w.volMult[i], w.volFloor[row + s]);
          w.cube[i * S + s] = contractValue(c, F, sigma) - base;
        }
      }
    },
    accountPass(): void {
      const w = need();
      const { nAcc, nScen: S, nGroups: G, nBuckets: B } = dims!;
      w.pnl.fill(0);
      w.base.fill(0);
      w.greeks.fill(0);
      const greekCols = [w.delta, w.gamma, w.vega, w.theta, w.rho];
      for (let a = 0; a < nAcc; a++) {
        for (let p = w.accStart[a]; p < w.accStart[a + 1]; p++) {
          const i = w.posInst[p];
          const q = w.posQty[p];
          const g = a * G + w.group[i];
          w.base[g] += q * w.value[i];
          for (let s = 0; s < S; s++) w.pnl[g * S + s] += q * w.cube[i * S + s];
          const b = (a * B + w.bucket[i]) * N_GREEKS;
          for (let k = 0; k < N_GREEKS; k++) w.greeks[b + k] += q * greekCols[k][i];
        }
      }
    },
    memoryBytes(): number {
      if (!v) return 0;
      const bytes = (o: object) => Object.values(o).reduce((s: number, arr) => s + (arr as ArrayBufferView).byteLength, 0);
      return bytes(v) + (pm ? bytes(pm) : 0);
    },
  };
}
