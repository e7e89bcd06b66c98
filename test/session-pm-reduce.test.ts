/**
 * The kernel's deribit-pm reduction (Kernel.pmReduce, issue 7): the wasm builds (assembly/pm-reduce.ts)
 * give the js reference's numbers (src/kernel/pm-reduce.ts) to 1e-12 relative from the same inputs, and
 * the simd and scalar builds give the same bits: on the account-pass outputs of random books' tick
 * sessions, and on random inputs that reach every branch (gains that count when pnl_offset is negative,
 * accounts in each coin, odd scenario counts, accounts without options, repeated edges).
 */
import { describe, expect, it } from "vitest";
import type { Dims, Kernel, PmDims, PmViews } from "../src/kernel/abi.js";
import { PM_N_STD, PM_STRIDE } from "../src/kernel/abi.js";
import { initSync } from "../src/index.js";
import { Engine } from "../src/engine/engine.js";
import { makeKernel } from "./helpers/backends.js";
import { randomBook, rng } from "./helpers/random-book.js";

const WASM = ["simd", "scalar"] as const;
const OUT = ["initial", "maintenance", "equity"] as const;

interface Reduced {
  initial: Float64Array;
  maintenance: Float64Array;
  equity: Float64Array;
  status: Int32Array;
}

const take = (v: PmViews, count: number): Reduced => ({
  initial: v.initial.slice(0, count), maintenance: v.maintenance.slice(0, count), equity: v.equity.slice(0, count),
  status: v.status.slice(0, count),
});

function expectNear(a: Reduced, ref: Reduced, what: string): void {
  for (const c of OUT) {
    for (let j = 0; j < ref[c].length; j++) {
      const x = a[c][j];
      const y = ref[c][j];
      const tol = 1e-12 * Math.max(Math.abs(x), Math.abs(y), 1e-300);
      if (!(Math.abs(x - y) <= tol) && !Object.is(x, y)) expect.fail(`${what}: ${c}[${j}] ${x} vs js ${y}`);
    }
  }
  for (let j = 0; j < ref.status.length; j++) {
    // A status can only differ where the equity sits on a threshold within rounding.
    if (a.status[j] !== ref.status[j]) {
      const e = ref.equity[j];
      const edge = [0, ref.maintenance[j], ref.initial[j]].some((t) => Math.abs(e - t) <= 1e-12 * Math.max(Math.abs(e), Math.abs(t)));
      if (!edge) expect.fail(`${what}: status[${j}] ${a.status[j]} vs js ${ref.status[j]}`);
    }
  }
}

function expectSameBits(a: Reduced, b: Reduced, what: string): void {
  for (const c of [...OUT, "status"] as const) {
    for (let j = 0; j < b[c].length; j++) {
      if (!Object.is(a[c][j], b[c][j])) expect.fail(`${what}: ${c}[${j}] simd ${a[c][j]} vs scalar ${b[c][j]}`);
    }
  }
}

/** Inputs of one reduction: the account pass's outputs and mult, the reduction's columns. */
interface ReduceCase {
  dims: Dims;
  pmDims: PmDims;
  mult: Float64Array;
  pnl: Float64Array;
  base: Float64Array;
  greeks: Float64Array;
  pm: Partial<Record<keyof PmViews, ArrayLike<number>>>;
  count: number;
  mmFactor: number;
  mmp: number;
}

const PM_INPUTS: (keyof PmViews)[] = [
  "index", "pmConst", "edge", "extScale", "dampUsd", "bucketFactor", "bucketRolls", "rollRate", "accCurrency", "accCoin",
  "accFixed", "accCoinWeight", "accFixedWeight",
];

function reduceOn(k: Kernel, c: ReduceCase): Reduced {
  const v = k.reserve(c.dims);
  v.mult.set(c.mult);
  v.pnl.set(c.pnl);
  v.base.set(c.base);
  v.greeks.set(c.greeks);
  const p = k.reservePm!(c.pmDims);
  for (const name of PM_INPUTS) (p[name] as Float64Array | Int32Array).set(c.pm[name] as ArrayLike<number>);
  k.pmReduce!(c.count, c.mmFactor, c.mmp);
  return take(k.pmViews!(), c.count);
}

function checkCase(c: ReduceCase, what: string): void {
  const ref = reduceOn(makeKernel("js"), c);
  const got = WASM.map((b) => reduceOn(makeKernel(b), c));
  got.forEach((g, k) => expectNear(g, ref, `${what} ${WASM[k]}`));
  expectSameBits(got[0], got[1], what);
}

/** The inputs of the last chunk a session reduced, read back from its (wasm) kernel. */
function sessionCase(k: Kernel, count: number, mmFactor: number, mmp: number): ReduceCase {
  const v = k.views();
  const p = k.pmViews!();
  const lay = (k as unknown as { layout(): { dims: Dims } }).layout().dims;
  const pmLay = (k as unknown as { pmLayout(): { dims: PmDims } }).pmLayout().dims;
  const pm: ReduceCase["pm"] = {};
  for (const name of PM_INPUTS) pm[name] = p[name].slice();
  return {
    dims: { ...lay }, pmDims: { ...pmLay }, mult: v.mult.slice(), pnl: v.pnl.slice(), base: v.base.slice(), greeks: v.greeks.slice(),
    pm, count, mmFactor, mmp,
  };
}

describe("deribit-pm reduction in the kernel", () => {
  it.each([1, 2, 3])("wasm = js to 1e-12 and simd = scalar bit for bit on a random book's tick session (seed %i)", (seed) => {
    const book = randomBook({ seed: 300 + seed, accounts: 150, positionsPerAccount: 3 + 4 * seed });
    for (const b of WASM) {
      const engine = initSync({ backend: b });
      const s = engine.open(book, { chunk: 1000 }); // one chunk: the kernel keeps every account's inputs
      s.evaluate();
      s.setIndex("BTC", 78_000 + 1_000 * seed);
      s.setIndex("ETH", 2_200 + 50 * seed);
      s.evaluate();
      const internals = s as unknown as { mmFactor: number; mmp: number };
      checkCase(sessionCase(engine.kernel, book.accounts!.length, internals.mmFactor, internals.mmp), `book ${seed} (${b} pass)`);
      s.close();
    }
  });

  it("tick sessions on simd and scalar give the same bits; js agrees to 1e-9", () => {
    const book = randomBook({ seed: 77, accounts: 300, positionsPerAccount: 9 });
    const run = (b: "simd" | "scalar" | "js") => {
      const s = initSync({ backend: b }).open(book, { chunk: 64 });
      s.setIndex("BTC", 76_500);
      const r = s.evaluate();
      const out = { initial: r.initial.slice(), maintenance: r.maintenance.slice(), equity: r.equity.slice(), status: Int32Array.from(r.status) };
      s.close();
      return out;
    };
    const [simd, scalar, js] = [run("simd"), run("scalar"), run("js")];
    expectSameBits(simd, scalar, "session");
    for (const c of OUT) {
      for (let j = 0; j < js[c].length; j++) {
        const tol = 1e-9 * Math.max(1, Math.abs(js[c][j]));
        if (!(Math.abs(simd[c][j] - js[c][j]) <= tol)) expect.fail(`${c}[${j}] simd ${simd[c][j]} vs js ${js[c][j]}`);
      }
    }
  });

  it("wasm = js and simd = scalar on random inputs reaching every branch", () => {
    for (let seed = 1; seed <= 40; seed++) {
      const r = rng(seed);
      const U = 1 + Math.floor(r() * 3);
      const nExt = Math.floor(r() * 9);
      const nStd = 1 + Math.floor(r() * 30);
      const S = nStd + nExt + Math.floor(r() * 3);
      const B = 1 + Math.floor(r() * 7);
      const A = 1 + Math.floor(r() * 40);
      const G = 4 * U;
      const dims: Dims = { nInst: 1, nScen: S, nFactors: U, nAcc: A, nPos: 1, nGroups: G, nBuckets: B };
      const pmDims: PmDims = { nAcc: A + Math.floor(r() * 3), nFactors: U, nScen: S, nBuckets: B, nExt };
      const sym = (scale: number) => (r() - 0.5) * 2 * scale;
      const zeroSome = (x: number) => (r() < 0.2 ? 0 : x);
      const index = Float64Array.from({ length: U }, () => 10 + r() * 80_000);
      const mult = Float64Array.from({ length: U * S }, () => 0.3 + r() * 1.5);
      const pnl = new Float64Array(A * G * S);
      const base = new Float64Array(A * G);
      for (let a = 0; a < A; a++) {
        for (let g = 0; g < G; g++) {
          const on = r() < 0.7;
          base[a * G + g] = on ? zeroSome(sym(1e5)) : 0;
          for (let s = 0; s < S; s++) pnl[(a * G + g) * S + s] = on ? sym(1e4) : 0;
        }
      }
      const greeks = Float64Array.from({ length: A * B * 5 }, () => zeroSome(sym(50)));
      const pmConst = new Float64Array(U * PM_STRIDE);
      const edge = new Int32Array(U * nExt);
      for (let u = 0; u < U; u++) {
        const gains = r() < 0.3; // a negative pnl_offset: gains count
        pmConst.set([nStd, gains ? -r() : r() * 0.5, gains && r() < 0.5 ? -r() * 1e3 : r() * 1e5, r() * 1e7, r() * 1e-6, r() * 0.3], u * PM_STRIDE);
        expect(pmConst[u * PM_STRIDE + PM_N_STD]).toBe(nStd);
        for (let e = 0; e < nExt; e++) edge[u * nExt + e] = e > 0 && r() < 0.4 ? edge[u * nExt + e - 1] : Math.floor(r() * nStd);
      }
      checkCase({
        dims, pmDims, mult, pnl, base, greeks, count: A, mmFactor: 0.5 + r(), mmp: r() * 100,
        pm: {
          index, pmConst, edge,
          extScale: Float64Array.from({ length: U * nExt }, () => r() * 3),
          dampUsd: Float64Array.from({ length: U * nExt }, () => r() * 1e4),
          bucketFactor: Int32Array.from({ length: B }, () => Math.floor(r() * (U + 1)) - (r() < 0.1 ? 1 : 0)),
          bucketRolls: Int32Array.from({ length: B }, () => (r() < 0.8 ? 1 : 0)),
          rollRate: Float64Array.from({ length: B }, () => r() * 0.1),
          accCurrency: Int32Array.from({ length: pmDims.nAcc }, () => Math.floor(r() * (U + 1)) - 1),
          accCoin: Float64Array.from({ length: pmDims.nAcc * U }, () => zeroSome(sym(100))),
          accFixed: Float64Array.from({ length: pmDims.nAcc }, () => zeroSome(sym(1e6))),
          accCoinWeight: Float64Array.from({ length: pmDims.nAcc * U }, () => r()),
          accFixedWeight: Float64Array.from({ length: pmDims.nAcc }, () => r()),
        },
      }, `random inputs ${seed}`);
    }
  });

  it("a kernel without pmReduce (an optional method) gets the js reference's bits through the session", () => {
    const book = randomBook({ seed: 21, accounts: 40, positionsPerAccount: 6 });
    const inner = makeKernel("js");
    const bare: Kernel = {
      backend: inner.backend,
      reserve: (d) => inner.reserve(d),
      views: () => inner.views(),
      instrumentPass: () => inner.instrumentPass(),
      accountPass: () => inner.accountPass(),
      memoryBytes: () => inner.memoryBytes(),
    };
    const results = [new Engine(bare), initSync({ backend: "js" })].map((engine) => {
      const s = engine.open(book, { chunk: 16 });
      s.evaluate();
      s.setIndex("ETH", 2_350);
      s.setCollateral("acct-2", "BTC", 1.5);
      const r = s.evaluate();
      const out = { initial: r.initial.slice(), maintenance: r.maintenance.slice(), equity: r.equity.slice(), status: Int32Array.from(r.status) };
      s.close();
      return out;
    });
    expectSameBits(results[0], results[1], "kernel without pmReduce");
  });

  it("checks what it indexes with: E_INTERNAL, never a trap", () => {
    for (const b of ["js", ...WASM] as const) {
      const k = makeKernel(b);
      const dims: Dims = { nInst: 1, nScen: 5, nFactors: 1, nAcc: 2, nPos: 1, nGroups: 4, nBuckets: 1 };
      k.reserve(dims);
      const p = k.reservePm!({ nAcc: 2, nFactors: 1, nScen: 5, nBuckets: 1, nExt: 1 });
      p.pmConst[PM_N_STD] = 4;
      p.index[0] = 100;
      expect(() => k.pmReduce!(2, 1, 0)).not.toThrow();
      const bad: Array<[() => void, RegExp]> = [
        [() => k.pmReduce!(3, 1, 0), /pmReduce/],
        [() => { p.edge[0] = 5; }, /edge/],
        [() => { p.edge[0] = 0; p.accCurrency[1] = 1; }, /accCurrency/],
        [() => { p.accCurrency[1] = -1; p.pmConst[PM_N_STD] = 5; }, /pmConst/],
      ];
      for (const [setUp, path] of bad) {
        let err: unknown = null;
        try {
          setUp();
          k.pmReduce!(2, 1, 0);
        } catch (e) {
          err = e;
        }
        expect(err, `${b} ${path}`).toMatchObject({ code: "E_INTERNAL", path: expect.stringMatching(path) });
      }
      k.reserve({ ...dims, nScen: 6 });
      expect(() => k.pmReduce!(1, 1, 0), `${b}: a relayout drops the reduction's room`).toThrow(/reservePm/);
    }
  });
});
