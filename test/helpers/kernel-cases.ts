/**
 * Random kernel inputs for the backend comparison tests (agreement, bit identity): instruments of
 * every kind, scenario grids of any size (odd ones too), CSR accounts, written identically into any
 * backend's views.
 */
import fc from "fast-check";
import {
  type Dims,
  type Kernel,
  KIND_DELTA1_INVERSE,
  KIND_DELTA1_LINEAR,
  KIND_OPTION_INVERSE,
  KIND_OPTION_LINEAR,
  type KernelViews,
} from "../../src/kernel/abi.js";

export interface Inst {
  kind: number;
  factor: number;
  cp: number;
  strike: number;
  tau: number;
  fwd: number;
  rate: number;
  vol: number;
  volMult: number;
  size: number;
  dFdS: number;
  group: number;
  bucket: number;
}

export interface Scen {
  mult: number;
  volShift: number;
  volFloor: number;
}

export interface Case {
  nFactors: number;
  nScen: number;
  nGroups: number;
  nBuckets: number;
  insts: Inst[];
  /** nFactors × nScen, row-major by factor. */
  scens: Scen[];
  /** Positions per account: [instrument index, quantity]. */
  accounts: [number, number][][];
}

const YEAR_MIN = 1 / (365 * 24 * 60);
/** Edge values the brief names: vol 0.01 and 5, T of minutes and 3 years, |ln F/K| up to 10. */
export const EDGE = { vols: [0.01, 5], taus: [3 * YEAR_MIN, 20 * YEAR_MIN, 3], lnFK: [-10, 10] };

const logUniform = (lo: number, hi: number) =>
  fc.double({ min: Math.log(lo), max: Math.log(hi), noNaN: true }).map(Math.exp);

const vol = fc.oneof(fc.constantFrom(...EDGE.vols), logUniform(0.01, 5));
const tau = fc.oneof(fc.constantFrom(...EDGE.taus), logUniform(3 * YEAR_MIN, 3));
const lnFK = fc.oneof(fc.constantFrom(...EDGE.lnFK, 0), fc.double({ min: -10, max: 10, noNaN: true }));

function instArb(nFactors: number, nGroups: number, nBuckets: number): fc.Arbitrary<Inst> {
  return fc
    .record({
      kind: fc.constantFrom(KIND_OPTION_LINEAR, KIND_OPTION_INVERSE, KIND_OPTION_LINEAR, KIND_OPTION_INVERSE,
        KIND_DELTA1_LINEAR, KIND_DELTA1_INVERSE),
      factor: fc.integer({ min: 0, max: nFactors - 1 }),
      call: fc.boolean(),
      fwd: logUniform(1, 200_000),
      lnFK,
      tau,
      rate: fc.double({ min: -0.05, max: 0.2, noNaN: true }),
      vol,
      volMult: logUniform(0.2, 5),
      size: fc.constantFrom(1, 0.1, 10, 0.001),
      dFdS: fc.double({ min: 0.9, max: 1.2, noNaN: true }),
      group: fc.integer({ min: 0, max: nGroups - 1 }),
      bucket: fc.integer({ min: 0, max: nBuckets - 1 }),
    })
    .map((r) => {
      const option = r.kind === KIND_OPTION_LINEAR || r.kind === KIND_OPTION_INVERSE;
      return {
        kind: r.kind,
        factor: r.factor,
        cp: option ? (r.call ? 1 : -1) : 0,
        // delta-one: the reference level is a traded price near the forward
        strike: option ? r.fwd * Math.exp(-r.lnFK) : r.fwd * Math.exp(r.lnFK / 100),
        tau: option ? r.tau : 0,
        fwd: r.fwd,
        rate: r.rate,
        vol: option ? r.vol : 0,
        volMult: r.volMult,
        // inverse delta-one: USD face
        size: r.kind === KIND_DELTA1_INVERSE ? r.size * 1000 : r.size,
        dFdS: r.dFdS,
        group: r.group,
        bucket: r.bucket,
      };
    });
}

const scenArb: fc.Arbitrary<Scen> = fc.record({
  mult: fc.oneof(fc.constant(1), logUniform(0.3, 2)),
  volShift: fc.oneof(fc.constant(0), fc.double({ min: -0.95, max: 1.5, noNaN: true })),
  volFloor: fc.oneof(fc.constant(0), fc.constant(0), fc.double({ min: 0, max: 0.8, noNaN: true })),
});

export const caseArb: fc.Arbitrary<Case> = fc
  .record({
    nFactors: fc.integer({ min: 1, max: 3 }),
    nScen: fc.oneof(fc.integer({ min: 1, max: 9 }), fc.constantFrom(63, 64, 65, 129)),
    nGroups: fc.integer({ min: 1, max: 3 }),
    nBuckets: fc.integer({ min: 1, max: 4 }),
    nInst: fc.integer({ min: 1, max: 12 }),
  })
  .chain((d) =>
    fc.record({
      nFactors: fc.constant(d.nFactors),
      nScen: fc.constant(d.nScen),
      nGroups: fc.constant(d.nGroups),
      nBuckets: fc.constant(d.nBuckets),
      insts: fc.array(instArb(d.nFactors, d.nGroups, d.nBuckets), { minLength: d.nInst, maxLength: d.nInst }),
      scens: fc.array(scenArb, { minLength: d.nFactors * d.nScen, maxLength: d.nFactors * d.nScen }),
      accounts: fc.array(
        fc.array(
          fc.tuple(fc.integer({ min: 0, max: d.nInst - 1 }), fc.double({ min: -100, max: 100, noNaN: true })),
          { maxLength: 8 },
        ),
        { minLength: 1, maxLength: 5 },
      ),
    }),
  );

export function dimsOf(c: Case): Dims {
  return {
    nInst: c.insts.length,
    nScen: c.nScen,
    nFactors: c.nFactors,
    nAcc: c.accounts.length,
    nPos: c.accounts.reduce((n, a) => n + a.length, 0),
    nGroups: c.nGroups,
    nBuckets: c.nBuckets,
  };
}

/** Reserves and writes every input of `c`; returns the views. */
export function writeCase(k: Kernel, c: Case): KernelViews {
  const v = k.reserve(dimsOf(c));
  c.insts.forEach((x, i) => {
    v.kind[i] = x.kind;
    v.factor[i] = x.factor;
    v.cp[i] = x.cp;
    v.strike[i] = x.strike;
    v.tau[i] = x.tau;
    v.fwd[i] = x.fwd;
    v.df[i] = Math.exp(-x.rate * x.tau);
    v.rate[i] = x.rate;
    v.vol[i] = x.vol;
    v.volMult[i] = x.volMult;
    v.size[i] = x.size;
    v.dFdS[i] = x.dFdS;
    v.group[i] = x.group;
    v.bucket[i] = x.bucket;
  });
  c.scens.forEach((s, j) => {
    v.mult[j] = s.mult;
    v.lnMult[j] = Math.log(s.mult);
    v.volShift[j] = s.volShift;
    v.volFloor[j] = s.volFloor;
  });
  let p = 0;
  c.accounts.forEach((a, j) => {
    v.accStart[j] = p;
    for (const [i, q] of a) {
      v.posInst[p] = i;
      v.posQty[p] = q;
      p++;
    }
  });
  v.accStart[c.accounts.length] = p;
  return v;
}

export const OUTPUTS = ["value", "delta", "gamma", "vega", "theta", "rho", "cube", "pnl", "base", "greeks"] as const;
export type Output = (typeof OUTPUTS)[number];

/** Runs both passes and copies every output out of the kernel. */
export function runCase(k: Kernel, c: Case): Record<Output, Float64Array> {
  writeCase(k, c);
  k.instrumentPass();
  k.accountPass();
  const v = k.views();
  return Object.fromEntries(OUTPUTS.map((o) => [o, Float64Array.from(v[o])])) as Record<Output, Float64Array>;
}
