/**
 * Collateral haircuts: tiered by USD amount (Binance/OKX style) and size-scaled (Drift style).
 *
 * A spec per asset (defaults in ./defaults.ts):
 *   { "weight": 0.9 }                                   flat: value = amount × price × weight
 *   { "tiers": [{ "upTo": 1e8, "weight": 1 }, { "upTo": 1.2e8, "weight": 0.975 }, { "upTo": null, "weight": 0.9 }] }
 *                                                       marginal tiers on the USD value: each slice of
 *                                                       value between two bounds counts at its weight
 *                                                       (Binance: 100 M × 1 + 20 M × 0.975); beyond the
 *                                                       last bound the last weight continues
 *   { "imf": 0.001 }                                    Drift size discount on top of either:
 *                                                       weight = min(w0, 1.1 / (1 + imf·√size)), size in
 *                                                       coins, w0 = the flat or tiered weight
 *   { "liability_weight": 1.1 }                         negative amounts (borrowed) count at
 *                                                       amount × price × liability weight, with Drift's
 *                                                       premium max(lw, 0.8·lw + imf·√size) when imf > 0
 * (Drift works in fixed point with its own precision constants; here imf is per √coin in floating
 * point, so Drift's on-chain imf values must be rescaled before use.)
 *
 * risk.overrides.collateral: `{ "collateral": { "BTC": { ...spec }, "default": { ...spec } } }`. An
 * asset's override is merged field by field over its default spec (then over `default` for assets
 * without one); an override that gives `weight` without `tiers` makes the asset flat (drops default
 * tiers). Every field is validated; a bad one is a RiskError (E_PRESET) with its JSON path.
 */
import { RiskError } from "../../errors.js";
import { DEFAULT_COLLATERAL } from "./defaults.js";

export interface CollateralTier {
  /** Upper bound of the tier's USD value; null = unbounded (must be last). */
  upTo: number | null;
  /** Fraction of this slice of value that counts, in [0, 1]. */
  weight: number;
}

export interface CollateralSpec {
  weight?: number;
  tiers?: CollateralTier[];
  imf?: number;
  liability_weight?: number;
  /** Where the numbers come from (documentation only). */
  source?: string;
}

export { DEFAULT_COLLATERAL, HAIRCUTS_VERSION } from "./defaults.js";

/** Collateral value of `valueUsd` under marginal tiers. */
export function tieredValue(valueUsd: number, tiers: readonly CollateralTier[]): number {
  let out = 0;
  let lower = 0;
  for (const t of tiers) {
    const upper = t.upTo ?? Infinity;
    if (valueUsd <= lower) break;
    out += (Math.min(valueUsd, upper) - lower) * t.weight;
    lower = upper;
  }
  if (valueUsd > lower && tiers.length > 0) out += (valueUsd - lower) * tiers[tiers.length - 1].weight;
  return out;
}

/** Drift's size-discounted asset weight: min(w0, 1.1 / (1 + imf·√size)). */
export function sizeDiscountedWeight(w0: number, imf: number, size: number): number {
  if (!(imf > 0)) return w0;
  return Math.min(w0, 1.1 / (1 + imf * Math.sqrt(Math.abs(size))));
}

/** Drift's size-premium liability weight: max(w0, 0.8·w0 + imf·√size). */
export function sizePremiumLiabilityWeight(w0: number, imf: number, size: number): number {
  if (!(imf > 0)) return w0;
  return Math.max(w0, 0.8 * w0 + imf * Math.sqrt(Math.abs(size)));
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function fail(path: string, msg: string): never {
  throw new RiskError("E_PRESET", path, msg);
}

/** Validates one override spec (user input) and returns it typed. */
export function readSpec(v: unknown, path: string): CollateralSpec {
  if (!isObj(v)) fail(path, `a collateral spec must be an object such as { "weight": 0.9 } or { "tiers": [...] }`);
  const out: CollateralSpec = {};
  for (const [k, x] of Object.entries(v)) {
    const p = `${path}.${k}`;
    const num = (lo: number, hi: number): number => {
      if (typeof x !== "number" || !Number.isFinite(x) || x < lo || x > hi) fail(p, `"${k}" must be a number in [${lo}, ${hi}]`);
      return x;
    };
    switch (k) {
      case "weight": out.weight = num(0, 1); break;
      case "imf": out.imf = num(0, Number.MAX_VALUE); break;
      case "liability_weight": out.liability_weight = num(1, Number.MAX_VALUE); break;
      case "source": if (typeof x === "string") out.source = x; break;
      case "tiers": {
        if (!Array.isArray(x) || x.length === 0) fail(p, `"tiers" must be a non-empty list of { "upTo": USD, "weight": 0..1 }`);
        let last = 0;
        out.tiers = x.map((t, i) => {
          const tp = `${p}[${i}]`;
          if (!isObj(t)) fail(tp, `a tier is { "upTo": USD value or null, "weight": 0..1 }`);
          const w = t.weight;
          if (typeof w !== "number" || !(w >= 0 && w <= 1)) fail(`${tp}.weight`, `a tier's weight must be a number in [0, 1]`);
          const up = t.upTo ?? null;
          if (up !== null) {
            if (typeof up !== "number" || !Number.isFinite(up) || !(up > last)) {
              fail(`${tp}.upTo`, `tier bounds must be finite USD values increasing from 0 (null for the last, unbounded tier)`);
            }
            last = up;
          } else if (i !== x.length - 1) {
            fail(`${tp}.upTo`, `only the last tier may be unbounded (upTo null)`);
          }
          return { upTo: up, weight: w };
        });
        break;
      }
      default:
        fail(p, `unknown collateral field "${k}": use weight, tiers, imf or liability_weight`);
    }
  }
  return out;
}

/** The effective spec of `asset` under `risk.overrides` (defaults merged with `overrides.collateral`). */
export function collateralSpec(asset: string, overrides: Record<string, unknown> = {}): CollateralSpec {
  const raw = overrides.collateral;
  if (raw !== undefined && !isObj(raw)) {
    fail("risk.overrides.collateral", `must be an object of asset → spec, such as { "BTC": { "weight": 0.95 } }`);
  }
  const over = raw as Record<string, unknown> | undefined;
  const base: CollateralSpec = { ...(DEFAULT_COLLATERAL[asset] ?? DEFAULT_COLLATERAL.default) };
  const apply = (spec: CollateralSpec, src: unknown, path: string): CollateralSpec => {
    if (src === undefined) return spec;
    const o = readSpec(src, path);
    const merged: CollateralSpec = { ...spec, ...o };
    if (o.weight !== undefined && o.tiers === undefined) delete merged.tiers;
    return merged;
  };
  // An asset without its own default takes the (possibly overridden) `default` spec.
  const start = DEFAULT_COLLATERAL[asset] ? base : apply(base, over?.default, "risk.overrides.collateral.default");
  return apply(start, over?.[asset], `risk.overrides.collateral.${asset}`);
}

/**
 * Effective weight of `amount` coins at `priceUsd` (value counted = amount × price × weight), and the
 * method that set it.
 */
export function collateralWeight(
  spec: CollateralSpec,
  amount: number,
  priceUsd: number,
): { weight: number; method: "flat" | "tiered" | "size-scaled" | "liability" } {
  const imf = spec.imf ?? 0;
  if (amount < 0) {
    return { weight: sizePremiumLiabilityWeight(spec.liability_weight ?? 1, imf, amount), method: "liability" };
  }
  const value = amount * priceUsd;
  let w0: number;
  let method: "flat" | "tiered" | "size-scaled" = "flat";
  if (spec.tiers && spec.tiers.length > 0) {
    w0 = value > 0 ? tieredValue(value, spec.tiers) / value : spec.tiers[0].weight;
    method = "tiered";
  } else {
    w0 = spec.weight ?? 1;
  }
  const w = sizeDiscountedWeight(w0, imf, amount);
  return { weight: w, method: w < w0 ? "size-scaled" : method };
}
