/**
 * Deterministic benchmark inputs: options on two underlyings, the 63-scenario grid (21 spot shocks
 * −50 %…+50 % × 3 vol shocks), random CSR accounts, and the writers that marshal them into a kernel's
 * views (the same code an engine's layout step runs).
 */
import type { ContractInputs } from "../src/kernel/black76.js";
import { type Dims, KIND_OPTION_INVERSE, KIND_OPTION_LINEAR, type KernelViews } from "../src/kernel/abi.js";

export const SPOT_SHOCKS = 21;
export const VOL_SHOCKS = [-0.3, 0, 0.3] as const;
export const N_SCEN = SPOT_SHOCKS * VOL_SHOCKS.length;
export const N_FACTORS = 2;
const FORWARDS = [77_081.8, 3_012.4];

/** Small fast PRNG (mulberry32): the same book on every run and machine. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One instrument's kernel inputs, as an engine holds them after validation. */
export interface OptionRow extends ContractInputs {
  factor: number;
  volMult: number;
  group: number;
  bucket: number;
}

/**
 * `book`: strikes 0.5–2 F, expiries 1 day–1 year, vol 40–100 % (an exchange's listed chain);
 * `tail`: strikes 0.2–5 F, expiries 1–7 days, so most rows reach Hart's far branch (the full CDF).
 */
export type Style = "book" | "tail";

export function optionRows(n: number, seed: number, style: Style = "book"): OptionRow[] {
  const r = rng(seed);
  const rows: OptionRow[] = [];
  for (let i = 0; i < n; i++) {
    const f = i % N_FACTORS;
    const F = FORWARDS[f];
    const days = style === "book" ? 1 + Math.floor(r() * 365) : 1 + Math.floor(r() * 7);
    const tau = days / 365;
    const rate = 0.03;
    const m = style === "book" ? 0.5 + 1.5 * r() : Math.exp(Math.log(0.2) + Math.log(25) * r());
    rows.push({
      kind: r() < 0.5 ? KIND_OPTION_INVERSE : KIND_OPTION_LINEAR,
      factor: f,
      cp: r() < 0.5 ? 1 : -1,
      strike: Math.round(F * m),
      tau,
      fwd: F * Math.exp(rate * tau),
      df: Math.exp(-rate * tau),
      rate,
      vol: 0.4 + 0.6 * r(),
      volMult: Math.pow(30 / Math.max(days, 1), days <= 30 ? 0.5 : 0.3),
      size: 1,
      dFdS: Math.exp(rate * tau),
      group: f,
      bucket: Math.floor(r() * 4),
    });
  }
  return rows;
}

/** Positions of each account: [instrument index, quantity in contracts]. */
export type Accounts = [number, number][][];

export function accountList(nAcc: number, perAcc: number, nInst: number, seed: number): Accounts {
  const r = rng(seed);
  return Array.from({ length: nAcc }, () =>
    Array.from({ length: perAcc }, () => [Math.floor(r() * nInst), Math.round((r() - 0.5) * 200) / 10 || 0.1]),
  );
}

export function dims(nInst: number, nAcc = 0, nPos = 0): Dims {
  return { nInst, nScen: N_SCEN, nFactors: N_FACTORS, nAcc, nPos, nGroups: N_FACTORS, nBuckets: 4 };
}

const GRID_MULT = Array.from({ length: N_SCEN }, (_, s) => 0.5 + (s % SPOT_SHOCKS) / (SPOT_SHOCKS - 1));
/** ln M once per grid, as a scenario set would hold it. */
const GRID_LN_MULT = GRID_MULT.map(Math.log);

/** Scenario s = v·21 + k: spot multiplier 0.5 + k/20, relative vol shock VOL_SHOCKS[v]. */
export function writeScenarios(v: KernelViews): void {
  const { mult, lnMult, volShift, volFloor } = v;
  for (let f = 0; f < N_FACTORS; f++) {
    for (let s = 0; s < N_SCEN; s++) {
      const j = f * N_SCEN + s;
      mult[j] = GRID_MULT[s];
      lnMult[j] = GRID_LN_MULT[s];
      volShift[j] = VOL_SHOCKS[Math.floor(s / SPOT_SHOCKS)];
      volFloor[j] = 0;
    }
  }
}

export function writeInstruments(v: KernelViews, rows: readonly OptionRow[]): void {
  const { kind, factor, cp, strike, tau, fwd, df, rate, vol, volMult, size, dFdS, group, bucket } = v;
  for (let i = 0; i < rows.length; i++) {
    const x = rows[i];
    kind[i] = x.kind;
    factor[i] = x.factor;
    cp[i] = x.cp;
    strike[i] = x.strike;
    tau[i] = x.tau;
    fwd[i] = x.fwd;
    df[i] = x.df;
    rate[i] = x.rate;
    vol[i] = x.vol;
    volMult[i] = x.volMult;
    size[i] = x.size;
    dFdS[i] = x.dFdS;
    group[i] = x.group;
    bucket[i] = x.bucket;
  }
}

/** The marshalling the bench times: accounts' positions into the CSR columns. */
export function writePositions(v: KernelViews, accounts: Accounts): void {
  const { accStart, posInst, posQty } = v;
  let p = 0;
  for (let a = 0; a < accounts.length; a++) {
    accStart[a] = p;
    const list = accounts[a];
    for (let k = 0; k < list.length; k++) {
      const pos = list[k];
      posInst[p] = pos[0];
      posQty[p] = pos[1];
      p++;
    }
  }
  accStart[accounts.length] = p;
}
