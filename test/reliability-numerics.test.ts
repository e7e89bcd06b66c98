/**
 * Reliability (issue 9): numerical edges on every backend. Minutes to expiry, vol from 1e-6 to 5,
 * |ln(F/K)| up to 10, 1e-9 to 1e9 contracts: prices stay within the no-arbitrage bounds
 * (0 ≤ call ≤ df·F, 0 ≤ put ≤ df·K, call − put = df·(F − K), per coin), greeks stay finite with the
 * right signs, every scenario of the cube obeys the same bounds, and the backends agree to 1e-12
 * relative with the absolute floor of test/kernel-agreement.test.ts (a notional in the output's unit).
 *
 * Options with no time value left (σ√T < 1e-12, MIN_STDDEV): the reference returns gamma 0 and no
 * time-value theta (src/kernel/black76.ts); the wasm kernels must do the same, and such options are
 * reachable from a book (vol 1e-300 passes the parser, an expiry 1 ms away) and from a session
 * (setVol accepts any vol in (0, 10]).
 */
import { describe, expect, it } from "vitest";
import { MIN_STDDEV } from "../src/kernel/abi.js";
import { initSync } from "../src/index.js";
import { BACKENDS, makeKernel } from "./helpers/backends.js";
import {
  type Contract, KIND_OPTION_INVERSE, KIND_OPTION_LINEAR, type PassResult, runContracts, type ScenarioSet,
} from "./helpers/contracts.js";
import { firstDifference, knownBook, nonFinite } from "./helpers/fuzz.js";

const REL = 1e-12;
const PHI0 = 0.3989422804014327;
const MINUTE = 1 / (365 * 24 * 60);

const TAUS = [MINUTE, 5 * MINUTE, 60 * MINUTE, 1 / 365, 30 / 365, 1, 3];
const VOLS = [1e-6, 1e-3, 0.01, 0.5, 2, 5];
const LN_FK = [-10, -3, -0.5, 0, 1e-9, 0.5, 3, 10];
const SIZES = [1e-9, 1, 1e9];
const RATES = [0, 0.05, -0.02];
const F0 = 80_000;

/** Spot moves × vol shocks, with a vol floor on the up shocks. */
const SCENARIOS: ScenarioSet = (() => {
  const mult: number[] = [];
  const volShift: number[] = [];
  const volFloor: number[] = [];
  for (const m of [0.5, 0.9, 1, 1.1, 2]) {
    for (const [a, floor] of [[-0.95, 0], [0, 0], [1.5, 0.3]]) {
      mult.push(m);
      volShift.push(a);
      volFloor.push(floor);
    }
  }
  return { mult: [mult], volShift: [volShift], volFloor: [volFloor] };
})();
const S = SCENARIOS.mult[0].length;

/** Every combination; calls and puts of the same parameters side by side (parity). */
function edgeContracts(): Contract[] {
  const out: Contract[] = [];
  for (const kind of [KIND_OPTION_LINEAR, KIND_OPTION_INVERSE]) {
    for (const tau of TAUS) {
      for (const vol of VOLS) {
        for (const x of LN_FK) {
          for (const size of SIZES) {
            for (const rate of RATES) {
              for (const cp of [1, -1]) {
                out.push({ kind, cp, strike: F0 * Math.exp(-x), tau, fwd: F0, rate, vol, size, dFdS: 1.004 });
              }
            }
          }
        }
      }
    }
  }
  return out;
}

/** Notional in the settlement currency at forward F (the absolute floor of value and cube). */
function valueScale(c: Contract, F: number): number {
  const usd = (c.size ?? 1) * Math.max(F, c.strike);
  return c.kind === KIND_OPTION_INVERSE ? usd / F : usd;
}

/** At-the-money magnitude of each greek (kernel-agreement's floors). */
function greekScales(c: Contract): Record<"delta" | "gamma" | "vega" | "theta" | "rho", number> {
  const size = c.size ?? 1;
  const rate = c.rate ?? 0;
  const tau = c.tau ?? 0;
  const vol = c.vol ?? 0;
  const dFdS = c.dFdS ?? 1;
  const df = Math.exp(-rate * tau);
  const sqrtT = Math.sqrt(tau);
  const sd = Math.max(vol * sqrtT, MIN_STDDEV);
  const big = size * Math.max(c.fwd, c.strike);
  return {
    delta: size * df * dFdS,
    gamma: (size * df * PHI0 * dFdS * dFdS) / (c.fwd * sd),
    vega: size * df * c.fwd * sqrtT * PHI0 * 0.01,
    theta: (Math.abs(rate) * big + (size * df * c.fwd * PHI0 * vol) / (2 * Math.max(sqrtT, MIN_STDDEV))) / 365,
    rho: tau * big * 0.01,
  };
}

const GREEKS = ["delta", "gamma", "vega", "theta", "rho"] as const;

describe("numerical edges: minutes to expiry, vol 1e-6…5, |ln F/K| ≤ 10, 1e-9…1e9 contracts", () => {
  const contracts = edgeContracts();
  const results = Object.fromEntries(BACKENDS.map((b) => [b, runContracts(makeKernel(b), contracts, SCENARIOS)])) as
    Record<(typeof BACKENDS)[number], PassResult>;

  it.each(BACKENDS)("%s: every value, greek and cube entry is finite", (b) => {
    const r = results[b];
    expect(nonFinite(r)).toEqual([]);
  });

  it.each(BACKENDS)("%s: no-arbitrage bounds and put-call parity, at the base and under every scenario", (b) => {
    const r = results[b];
    let worst = 0;
    let where = "";
    const check = (ok: number, tol: number, what: string) => {
      // ok ≥ 0 passes; a negative ok is a violation, measured in units of the tolerance
      if (ok < 0 && -ok / tol > worst) [worst, where] = [-ok / tol, what];
    };
    for (let i = 0; i < contracts.length; i++) {
      const c = contracts[i];
      const size = c.size ?? 1;
      const df = Math.exp(-(c.rate ?? 0) * (c.tau ?? 0));
      for (let s = -1; s < S; s++) {
        const F = s < 0 ? c.fwd : c.fwd * SCENARIOS.mult[0][s];
        const v = s < 0 ? r.value[i] : r.value[i] + r.cube[i][s];
        const usd = c.kind === KIND_OPTION_INVERSE ? v * F : v;
        const tol = 4 * REL * size * Math.max(F, c.strike) * (s < 0 ? 1 : 2);
        const what = `${i} (cp ${c.cp} K ${c.strike} T ${c.tau} σ ${c.vol} size ${size}) scenario ${s}: ${usd}`;
        check(usd + tol, tol, `${what} < 0`);
        check((c.cp === 1 ? df * F : df * c.strike) * size - usd + tol, tol, `${what} above its bound`);
        if (c.cp === 1) {
          // the put of the same parameters is the next contract
          const vp = s < 0 ? r.value[i + 1] : r.value[i + 1] + r.cube[i + 1][s];
          const usdPut = c.kind === KIND_OPTION_INVERSE ? vp * F : vp;
          const parity = usd - usdPut - df * size * (F - c.strike);
          check(tol - Math.abs(parity), tol, `${what}: parity off by ${parity}`);
        }
      }
    }
    expect(worst, `worst violation ${worst.toFixed(2)}× the tolerance at ${where}`).toBe(0);
  });

  it.each(BACKENDS)("%s: greeks have the right signs (call delta in [0, df·dF/dS], puts ≤ 0; gamma, vega ≥ 0)", (b) => {
    const r = results[b];
    for (let i = 0; i < contracts.length; i++) {
      const c = contracts[i];
      const g = greekScales(c);
      const tol = (k: keyof typeof g) => 4 * REL * g[k];
      const what = `${i} (cp ${c.cp} K ${c.strike} T ${c.tau} σ ${c.vol} size ${c.size})`;
      if (c.cp === 1) {
        expect(r.delta[i], what).toBeGreaterThanOrEqual(-tol("delta"));
        expect(r.delta[i], what).toBeLessThanOrEqual(g.delta + tol("delta"));
      } else {
        expect(r.delta[i], what).toBeLessThanOrEqual(tol("delta"));
        expect(r.delta[i], what).toBeGreaterThanOrEqual(-g.delta - tol("delta"));
      }
      expect(r.gamma[i], what).toBeGreaterThanOrEqual(0);
      expect(r.vega[i], what).toBeGreaterThanOrEqual(0);
    }
  });

  for (const b of BACKENDS.filter((x) => x !== "js")) {
    it(`${b} agrees with js to 1e-12 relative (floor: the notional in the output's unit)`, () => {
      const ref = results.js;
      const got = results[b];
      let worst = 0;
      let where = "";
      const cmp = (x: number, y: number, floor: number, what: string) => {
        const d = Math.abs(x - y);
        const usage = d === 0 ? 0 : d / (REL * Math.max(Math.abs(x), Math.abs(y)) + REL * floor);
        if (usage > worst) [worst, where] = [usage, `${what}: ${x} vs ${y}`];
      };
      contracts.forEach((c, i) => {
        cmp(got.value[i], ref.value[i], valueScale(c, c.fwd), `value[${i}]`);
        const g = greekScales(c);
        for (const k of GREEKS) cmp(got[k][i], ref[k][i], g[k], `${k}[${i}]`);
        for (let s = 0; s < S; s++) {
          cmp(got.cube[i][s], ref.cube[i][s], valueScale(c, c.fwd * SCENARIOS.mult[0][s]) + valueScale(c, c.fwd), `cube[${i}][${s}]`);
        }
      });
      expect(worst, `largest difference ${worst.toFixed(3)}× the allowance at ${where}`).toBeLessThanOrEqual(1);
    });
  }
});

describe("no time value left (σ√T < 1e-12): gamma 0 and no time-value theta on every backend", () => {
  // σ√T: 1e-13·1, 1e-300·√3, 1e-9·√(1 ms in years) = 5.6e-15, and 1e-6 / 1 minute (= 1.4e-9, with time value)
  const cases: Contract[] = [];
  for (const [vol, tau] of [[1e-13, 1], [1e-300, 3], [1e-9, 1 / (365 * 86_400_000)], [1e-6, MINUTE]] as const) {
    for (const x of [0, 1e-14, -1e-14, 0.2, -0.2]) {
      for (const cp of [1, -1]) {
        for (const kind of [KIND_OPTION_LINEAR, KIND_OPTION_INVERSE]) {
          cases.push({ kind, cp, strike: F0 * Math.exp(-x), tau, fwd: F0, rate: 0.03, vol, size: 2, dFdS: 1.01 });
        }
      }
    }
  }
  const results = Object.fromEntries(BACKENDS.map((b) => [b, runContracts(makeKernel(b), cases, SCENARIOS)]));

  it.each(BACKENDS)("%s: gamma is exactly 0, theta is the discounting part r·V/365 only", (b) => {
    const r = results[b];
    cases.forEach((c, i) => {
      if ((c.vol ?? 0) * Math.sqrt(c.tau ?? 0) >= MIN_STDDEV) return;
      const what = `${b} case ${i}: σ ${c.vol} T ${c.tau} K ${c.strike} cp ${c.cp}`;
      expect(r.gamma[i], what).toBe(0);
      const usd = c.kind === KIND_OPTION_INVERSE ? r.value[i] * c.fwd : r.value[i];
      const theta = (0.03 * usd) / 365; // −(−r·V)/365
      expect(Math.abs(r.theta[i] - theta), what).toBeLessThanOrEqual(1e-12 * Math.abs(theta) + 1e-300);
    });
  });

  it.each(BACKENDS.filter((b) => b !== "js"))("%s equals js on these options (value, greeks and cube, 1e-12)", (b) => {
    const ref = results.js;
    const got = results[b];
    cases.forEach((c, i) => {
      const floor = valueScale(c, c.fwd);
      const near = (x: number, y: number, scale: number, what: string) =>
        expect(Math.abs(x - y), `${b} ${what} case ${i}: ${x} vs ${y}`).toBeLessThanOrEqual(REL * (Math.max(Math.abs(x), Math.abs(y)) + scale));
      near(got.value[i], ref.value[i], floor, "value");
      const g = greekScales(c);
      for (const k of GREEKS) near(got[k][i], ref[k][i], k === "gamma" ? 0 : g[k], k);
      for (let s = 0; s < S; s++) near(got.cube[i][s], ref.cube[i][s], 2 * floor, `cube[${s}]`);
    });
  });

  // A book the parser accepts: vol 1e-300 (any vol > 0 passes) and an option 1 ms from expiry.
  const tinyVolBook = () => {
    const b = knownBook() as unknown as { instruments: Record<string, unknown>[] };
    b.instruments[3].vol = 1e-300; // BTC-25SEP26-80000-C, held by alice (order) and bob
    b.instruments.push({
      id: "last-ms", kind: "option", underlying: "BTC", right: "put", strike: 77405.28, expiry: "2026-08-22T15:33:51.001Z",
      settlement: "linear", vol: 1e-7,
    });
    (b as unknown as { accounts: { positions: Record<string, number> }[] }).accounts[1].positions["last-ms"] = 3;
    return b;
  };

  it("through a book: the parser accepts vol 1e-300 and a 1 ms expiry; every backend reports gamma 0 and agrees", () => {
    const reports = BACKENDS.map((b) => initSync({ backend: b }).evaluate(tinyVolBook()));
    for (const r of reports) {
      expect(nonFinite(r)).toEqual([]);
      const tiny = r.instruments.filter((x) => x.id === "BTC-25SEP26-80000-C" || x.id === "last-ms");
      expect(tiny.map((x) => x.gamma), r.backend).toEqual([0, 0]);
    }
    // simd and scalar bit for bit; js to 1e-12 of each number's magnitude or of the instrument's notional
    expect(firstDifference({ ...reports[1], backend: "" }, { ...reports[2], backend: "" })).toBeNull();
    for (const [i, x] of reports[0].instruments.entries()) {
      const y = reports[1].instruments[i];
      const notional = Math.max(x.forward, x.price) * 10;
      for (const k of ["price", "delta", "gamma", "vega", "theta", "rho"] as const) {
        expect(Math.abs(x[k] - y[k]), `${x.id}.${k}`).toBeLessThanOrEqual(REL * (Math.max(Math.abs(x[k]), Math.abs(y[k])) + notional));
      }
    }
  });

  it("through a session: setVol accepts 1e-300 (and refuses 0, NaN, > 10); the account report has gamma 0 on every backend", () => {
    for (const b of BACKENDS) {
      const s = initSync({ backend: b }).open(knownBook());
      for (const bad of [0, -1, NaN, Infinity, 10.5]) {
        expect(() => s.setVol("BTC-25SEP26-80000-C", bad), `${b} setVol(${bad})`).toThrow(expect.objectContaining({ code: "E_RANGE" }));
      }
      s.setVol("BTC-25SEP26-80000-C", 1e-300);
      const r = s.evaluate();
      expect(nonFinite(r), b).toEqual([]);
      const bob = s.report("bob");
      expect(nonFinite(bob), b).toEqual([]);
      // bob: short 10 of the 1e-300-vol call and long 4 of a December call (same bucket only for the call)
      expect(bob.greeks.byExpiry["BTC 2026-09-25"].gamma, b).toBe(0);
      s.close();
    }
  });
});

describe("huge and tiny notionals through the engine", () => {
  const scaled = (k: number, size?: number) => {
    const b = knownBook() as unknown as {
      instruments: Record<string, unknown>[];
      accounts: { positions: Record<string, number>; collateral: Record<string, number>; orders?: Record<string, number> }[];
    };
    for (const a of b.accounts) {
      for (const id of Object.keys(a.positions)) a.positions[id] *= k;
      for (const id of Object.keys(a.orders ?? {})) a.orders![id] *= k;
      for (const id of Object.keys(a.collateral)) a.collateral[id] *= k;
    }
    if (size !== undefined) b.instruments[9].contractSize = size;
    return b;
  };

  it.each(BACKENDS)("%s: 1e9× and 1e-9× the known book's positions and collateral, and a 1e-9 contract size, give finite reports", (b) => {
    const e = initSync({ backend: b });
    const base = e.evaluate(knownBook());
    for (const [k, size] of [[1e9, undefined], [1e-9, undefined], [1, 1e-9], [1e9, 1e9]] as const) {
      const r = e.evaluate(scaled(k, size));
      expect(nonFinite(r), `×${k} size ${size}`).toEqual([]);
      if (size === undefined) {
        // instrument rows do not depend on quantities
        expect(firstDifference(r.instruments, base.instruments), `×${k}`).toBeNull();
        // margins scale with the book (standard margin is tiered by size, so only the portfolio models)
        for (const [j, a] of r.accounts.entries()) {
          const pm = a.margin["deribit-pm"];
          const pm0 = base.accounts[j].margin["deribit-pm"];
          if (pm && pm0 && pm0.initial > 0 && k < 1) {
            expect(pm.initial / pm0.initial, `${a.id} ×${k}`).toBeLessThanOrEqual(k * 1.5);
          }
        }
      }
    }
  });
});
