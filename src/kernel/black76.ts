/**
 * Closed-form values and greeks of one contract, written for clarity: this is the oracle the wasm
 * kernels are held to. Conventions in abi.ts and DESIGN §2.
 */
import {
  KIND_DELTA1_INVERSE,
  KIND_DELTA1_LINEAR,
  KIND_OPTION_INVERSE,
  KIND_OPTION_LINEAR,
  MIN_STDDEV,
} from "./abi.js";
import { ncdf, npdf } from "./normal.js";

/** One instrument's pricing inputs (one row of the kernel's instrument columns). */
export interface ContractInputs {
  kind: number;
  cp: number;
  strike: number;
  tau: number;
  fwd: number;
  df: number;
  rate: number;
  vol: number;
  size: number;
  dFdS: number;
}

export interface ContractGreeks {
  delta: number;
  gamma: number;
  vega: number;
  theta: number;
  rho: number;
}

export function isOption(kind: number): boolean {
  return kind === KIND_OPTION_LINEAR || kind === KIND_OPTION_INVERSE;
}

/** Black-76 value in USD of one option on one coin: df·cp·(F·N(cp·d1) − K·N(cp·d2)). */
export function black76(cp: number, F: number, K: number, tau: number, df: number, sigma: number): number {
  const sd = Math.max(sigma * Math.sqrt(tau), MIN_STDDEV);
  const d1 = Math.log(F / K) / sd + 0.5 * sd;
  const d2 = d1 - sd;
  return df * cp * (F * ncdf(cp * d1) - K * ncdf(cp * d2));
}

/** Value of one contract, in its settlement currency, at forward `F` and volatility `sigma`. */
export function contractValue(c: ContractInputs, F: number, sigma: number): number {
  switch (c.kind) {
    case KIND_OPTION_LINEAR:
      return c.size * black76(c.cp, F, c.strike, c.tau, c.df, sigma);
    case KIND_OPTION_INVERSE:
      // Deribit's convention: coin price = Black-76 USD value / forward of the expiry.
      return (c.size * black76(c.cp, F, c.strike, c.tau, c.df, sigma)) / F;
    case KIND_DELTA1_LINEAR:
      return c.size * (F - c.strike);
    case KIND_DELTA1_INVERSE:
      // USD face `size` bought at K: worth size·(1/K − 1/F) coin at F.
      return c.size * (1 / c.strike - 1 / F);
    default:
      throw new Error(`unknown instrument kind ${c.kind}`);
  }
}

/** Analytic greeks of the USD value of one contract. */
export function contractGreeks(c: ContractInputs): ContractGreeks {
  if (!isOption(c.kind)) {
    const perForward = c.kind === KIND_DELTA1_LINEAR ? c.size : c.size / c.strike;
    return { delta: perForward * c.dFdS, gamma: 0, vega: 0, theta: 0, rho: 0 };
  }
  const { cp, fwd: F, strike: K, tau, df, vol, size, dFdS, rate } = c;
  const sqrtT = Math.sqrt(tau);
  // With no time value left (σ√T below MIN_STDDEV) the option is worth its discounted intrinsic value:
  // gamma and the time-value part of theta are 0, not the 1/σ√T spike of the formulas at F = K.
  const noTimeValue = vol * sqrtT < MIN_STDDEV;
  const sd = Math.max(vol * sqrtT, MIN_STDDEV);
  const d1 = Math.log(F / K) / sd + 0.5 * sd;
  const pdf1 = npdf(d1);
  const usd = size * black76(cp, F, K, tau, df, vol);
  const deltaF = df * cp * ncdf(cp * d1);
  // ∂V/∂T with F fixed: −r·V + df·F·φ(d1)·σ / (2√T)
  const dVdT = -rate * usd + (noTimeValue ? 0 : (size * df * F * pdf1 * vol) / (2 * sqrtT));
  return {
    delta: size * deltaF * dFdS,
    gamma: noTimeValue ? 0 : ((size * df * pdf1) / (F * sd)) * dFdS * dFdS,
    // Vega stays F·φ(d1)·√T: finite and continuous as σ → 0 (its limit at F = K is F·φ(0)·√T).
    vega: size * df * F * pdf1 * sqrtT * 0.01,
    theta: -dVdT / 365,
    rho: -tau * usd * 0.01,
  };
}

/** Shocked volatility of a scenario: max(floor, σ·max(0, 1 + a·volMult)). */
export function shockedVol(sigma: number, volShift: number, volMult: number, volFloor: number): number {
  return Math.max(volFloor, sigma * Math.max(0, 1 + volShift * volMult));
}
