/**
 * The kernel's deribit-pm tick (Kernel.pmTick, issue 7): the wasm builds (assembly/pm-tick.ts) give the
 * js reference's numbers (src/kernel/pm-reduce.ts) to 1e-12 relative from the same inputs, and the simd
 * and scalar builds give the same bits: on random books' tick sessions, and on random inputs that reach
 * every branch (gains that count when pnl_offset is negative, accounts in each coin, odd scenario
 * counts, accounts without options, repeated edges, factors skipped, slack between accounts' slots).
 * That the numbers are deribit-pm's is checked against the preset through evaluate() in
 * test/session-tick.test.ts.
 */
import { describe, expect, it } from "vitest";
import type { Dims, Kernel, KernelViews, PmDims, PmViews } from "../src/kernel/abi.js";
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

/** Inputs of one tick: the instrument pass's outputs and mult, the tick room's inputs. */
interface TickCase {
  dims: Dims;
  pmDims: PmDims;
  kernel: Partial<Record<keyof KernelViews, ArrayLike<number>>>;
  pm: Partial<Record<keyof PmViews, ArrayLike<number>>>;
  from: number;
  count: number;
  mmFactor: number;
  mmp: number;
}

const KERNEL_INPUTS: (keyof KernelViews)[] = ["mult", "cube", "value", "delta", "group", "bucket"];
const PM_INPUTS: (keyof PmViews)[] = [
  "index", "pmConst", "edge", "extScale", "dampUsd", "bucketFactor", "bucketRolls", "rollRate", "posStart", "posLen",
  "posInst", "posQty", "accCurrency", "accCoin", "accFixed", "accCoinWeight", "accFixedWeight",
];

function tickOn(k: Kernel, c: TickCase): Reduced {
  const v = k.reserve(c.dims);
  for (const name of KERNEL_INPUTS) (v[name] as Float64Array | Int32Array).set(c.kernel[name] as ArrayLike<number>);
  const p = k.reservePm!(c.pmDims);
  for (const name of PM_INPUTS) (p[name] as Float64Array | Int32Array).set(c.pm[name] as ArrayLike<number>);
  k.pmTick!(c.from, c.count, c.mmFactor, c.mmp);
  const out = k.pmViews!();
  const at = (x: Float64Array | Int32Array) => x.slice(c.from, c.from + c.count);
  return { initial: at(out.initial) as Float64Array, maintenance: at(out.maintenance) as Float64Array, equity: at(out.equity) as Float64Array, status: at(out.status) as Int32Array };
}

function checkCase(c: TickCase, what: string): void {
  const ref = tickOn(makeKernel("js"), c);
  const got = WASM.map((b) => tickOn(makeKernel(b), c));
  got.forEach((g, k) => expectNear(g, ref, `${what} ${WASM[k]}`));
  expectSameBits(got[0], got[1], what);
}

/** The inputs of a session's last tick, read back from its (wasm) kernel. */
function sessionCase(k: Kernel, count: number, mmFactor: number, mmp: number): TickCase {
  const v = k.views();
  const p = k.pmViews!();
  const lay = (k as unknown as { layout(): { dims: Dims } }).layout().dims;
  const pmLay = (k as unknown as { pmLayout(): { dims: PmDims } }).pmLayout().dims;
  const kernel: TickCase["kernel"] = {};
  for (const name of KERNEL_INPUTS) kernel[name] = v[name].slice();
  const pm: TickCase["pm"] = {};
  for (const name of PM_INPUTS) pm[name] = p[name].slice();
  return { dims: { ...lay }, pmDims: { ...pmLay }, kernel, pm, from: 0, count, mmFactor, mmp };
}

describe("deribit-pm tick in the kernel", () => {
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
      const nInst = 1 + Math.floor(r() * 30);
      const G = 4 * U;
      const sym = (scale: number) => (r() - 0.5) * 2 * scale;
      const zeroSome = (x: number) => (r() < 0.2 ? 0 : x);
      // Positions: some accounts empty, slack slots (garbage) between accounts, repeated instruments.
      const posStart = new Int32Array(A);
      const posLen = new Int32Array(A);
      const inst: number[] = [];
      const qty: number[] = [];
      for (let a = 0; a < A; a++) {
        const slack = Math.floor(r() * 3);
        for (let k = 0; k < slack; k++) {
          inst.push(Math.floor(r() * nInst));
          qty.push(sym(1e3));
        }
        posStart[a] = inst.length;
        posLen[a] = r() < 0.15 ? 0 : 1 + Math.floor(r() * 12);
        for (let k = 0; k < posLen[a]; k++) {
          inst.push(Math.floor(r() * nInst));
          qty.push(zeroSome(sym(50)));
        }
      }
      const nPos = inst.length + Math.floor(r() * 4);
      const dims: Dims = { nInst, nScen: S, nFactors: U, nAcc: 1, nPos: 1, nGroups: G, nBuckets: B };
      const pmDims: PmDims = { nAcc: A + Math.floor(r() * 3), nPos, nFactors: U, nScen: S, nBuckets: B, nExt };
      const pmConst = new Float64Array(U * PM_STRIDE);
      const edge = new Int32Array(U * nExt);
      for (let u = 0; u < U; u++) {
        const gains = r() < 0.3; // a negative pnl_offset: gains count
        pmConst.set([nStd, gains ? -r() : r() * 0.5, gains && r() < 0.5 ? -r() * 1e3 : r() * 1e5, r() * 1e7, r() * 1e-6, r() * 0.3], u * PM_STRIDE);
        expect(pmConst[u * PM_STRIDE + PM_N_STD]).toBe(nStd);
        for (let e = 0; e < nExt; e++) edge[u * nExt + e] = e > 0 && r() < 0.4 ? edge[u * nExt + e - 1] : Math.floor(r() * nStd);
      }
      const from = Math.floor(r() * A);
      checkCase({
        dims, pmDims, from, count: A - from, mmFactor: 0.5 + r(), mmp: r() * 100,
        kernel: {
          mult: Float64Array.from({ length: U * S }, () => 0.3 + r() * 1.5),
          cube: Float64Array.from({ length: nInst * S }, () => sym(1e3)),
          value: Float64Array.from({ length: nInst }, () => zeroSome(sym(1e4))),
          delta: Float64Array.from({ length: nInst }, () => zeroSome(sym(1))),
          group: Int32Array.from({ length: nInst }, () => Math.floor(r() * G)),
          bucket: Int32Array.from({ length: nInst }, () => Math.floor(r() * B)),
        },
        pm: {
          index: Float64Array.from({ length: U }, () => 10 + r() * 80_000), pmConst, edge,
          extScale: Float64Array.from({ length: U * nExt }, () => r() * 3),
          dampUsd: Float64Array.from({ length: U * nExt }, () => r() * 1e4),
          bucketFactor: Int32Array.from({ length: B }, () => Math.floor(r() * (U + 1)) - (r() < 0.1 ? 1 : 0)),
          bucketRolls: Int32Array.from({ length: B }, () => (r() < 0.8 ? 1 : 0)),
          rollRate: Float64Array.from({ length: B }, () => r() * 0.1),
          posStart, posLen, posInst: Int32Array.from(inst), posQty: Float64Array.from(qty),
          accCurrency: Int32Array.from({ length: pmDims.nAcc }, () => Math.floor(r() * (U + 1)) - 1),
          accCoin: Float64Array.from({ length: pmDims.nAcc * U }, () => (r() < 0.5 ? 0 : sym(100))),
          accFixed: Float64Array.from({ length: pmDims.nAcc }, () => zeroSome(sym(1e6))),
          accCoinWeight: Float64Array.from({ length: pmDims.nAcc * U }, () => r()),
          accFixedWeight: Float64Array.from({ length: pmDims.nAcc }, () => r()),
        },
      }, `random inputs ${seed}`);
    }
  });

  it("what the wasm kernel keeps between ticks is what recomputing gives: sessions driven alike agree with js", () => {
    const book = randomBook({ seed: 91, accounts: 120, positionsPerAccount: 7 });
    const sessions = (["js", "simd", "scalar"] as const).map((b) => initSync({ backend: b }).open(book, { chunk: 50 }));
    const r = rng(17);
    const ids = book.accounts!.map((a) => a.id);
    const options = initSync({ backend: "js" }).parse(book).instruments.filter((x) => x.kind === "option").map((x) => x.id);
    expect(options.length).toBeGreaterThan(10);
    const spot = { BTC: 77_000, ETH: 2_400 } as Record<string, number>;
    for (let step = 0; step < 60; step++) {
      const op = r();
      for (const s of sessions) {
        // One index at a time (the other factor's contributions are kept), vols, positions, collateral.
        if (op < 0.5) s.setIndex(step % 2 ? "BTC" : "ETH", spot[step % 2 ? "BTC" : "ETH"] * (0.97 + 0.06 * ((step * 7919) % 13) / 13));
        else if (op < 0.65) s.setVol(options[step % options.length], 0.3 + 0.4 * ((step * 31) % 17) / 17);
        else if (op < 0.85) s.setPosition(ids[(step * 13) % ids.length], options[(step * 5) % options.length], ((step % 7) - 3) * 1.5);
        else s.setCollateral(ids[(step * 11) % ids.length], step % 3 ? "USDC" : "BTC", 1_000 * (step % 5));
      }
      if (step % 3 === 2) {
        const [js, simd, scalar] = sessions.map((s) => {
          const x = s.evaluate();
          return { initial: x.initial.slice(), maintenance: x.maintenance.slice(), equity: x.equity.slice(), status: Int32Array.from(x.status) };
        });
        expectSameBits(simd, scalar, `step ${step}`);
        // js prices the cube to 1e-12, not bit for bit; a stale kept contribution would be off by far more.
        for (const c of OUT) {
          for (let j = 0; j < js[c].length; j++) {
            const tol = 1e-9 * Math.max(1, Math.abs(js[c][j]));
            if (!(Math.abs(simd[c][j] - js[c][j]) <= tol)) expect.fail(`step ${step}: ${c}[${j}] simd ${simd[c][j]} vs js ${js[c][j]}`);
          }
        }
      }
    }
    sessions.forEach((s) => s.close());
  });

  it("a kernel without pmTick (an optional method) gets the js reference's bits through the session", () => {
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
    expectSameBits(results[0], results[1], "kernel without pmTick");
  });

  it("checks what it indexes with: E_INTERNAL naming the input, never a trap", () => {
    for (const b of ["js", ...WASM] as const) {
      const k = makeKernel(b);
      const dims: Dims = { nInst: 2, nScen: 5, nFactors: 1, nAcc: 1, nPos: 1, nGroups: 4, nBuckets: 1 };
      k.reserve(dims);
      const p = k.reservePm!({ nAcc: 2, nPos: 4, nFactors: 1, nScen: 5, nBuckets: 1, nExt: 1 });
      p.pmConst[PM_N_STD] = 4;
      p.index[0] = 100;
      p.posStart.set([0, 2]);
      p.posLen.set([2, 2]);
      p.posQty.set([1, -2, 3, 4]);
      expect(() => k.pmTick!(0, 2, 1, 0)).not.toThrow();
      const v = k.views();
      const bad: Array<[() => void, RegExp]> = [
        [() => {}, /pmTick/], // the range below
        [() => { p.edge[0] = 5; }, /edge\[0\]/],
        [() => { p.edge[0] = 0; p.pmConst[PM_N_STD] = 5; }, /pmConst\[0\]/],
        [() => { p.pmConst[PM_N_STD] = 4; p.accCurrency[1] = 1; }, /accCurrency\[1\]/],
        [() => { p.accCurrency[1] = -1; p.posLen[1] = 3; }, /posStart\[1\]/],
        [() => { p.posLen[1] = 2; p.posStart[0] = -1; }, /posStart\[0\]/],
        [() => { p.posStart[0] = 0; p.posInst[3] = 2; }, /posInst\[3\]/],
        [() => { p.posInst[3] = 0; v.group[1] = 4; p.posInst[2] = 1; }, /group\[1\]/],
        [() => { v.group[1] = 0; v.bucket[1] = -1; }, /bucket\[1\]/],
      ];
      bad.forEach(([setUp, path], n) => {
        let err: unknown = null;
        try {
          setUp();
          p.factorDirty.fill(1); // the inputs changed: nothing kept from the last call
          if (n === 0) k.pmTick!(1, 2, 1, 0);
          else k.pmTick!(0, 2, 1, 0);
        } catch (e) {
          err = e;
        }
        expect(err, `${b} ${path}`).toMatchObject({ code: "E_INTERNAL", path: expect.stringMatching(path) });
      });
      v.bucket[1] = 0;
      expect(() => k.pmTick!(0, 2, 1, 0), `${b}: fixed inputs work again`).not.toThrow();
      k.reserve({ ...dims, nScen: 6 });
      expect(() => k.pmTick!(0, 1, 1, 0), `${b}: a relayout drops the tick's room`).toThrow(/reservePm/);
    }
  });
});
