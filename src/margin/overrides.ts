/**
 * risk.overrides: `{ "mm_factor": 0.8, "BTC": { "price_range": 0.16 } }` — global keys apply to every
 * underlying, an object under an underlying's name applies to that underlying only.
 */
import { RiskError } from "../errors.js";

export type Params = Record<string, number>;

/** Defaults merged with the overrides that name a key of `defaults`, for one underlying. */
export function resolveParams<P extends Params>(
  defaults: P,
  overrides: Record<string, unknown>,
  underlying?: string,
  perUnderlyingDefaults?: Record<string, Partial<P>>,
): P {
  const out: Params = { ...defaults, ...(underlying ? perUnderlyingDefaults?.[underlying] : undefined) };
  const apply = (src: Record<string, unknown>, path: string) => {
    for (const [k, v] of Object.entries(src)) {
      if (!(k in defaults)) continue;
      if (typeof v !== "number" || !Number.isFinite(v)) {
        throw new RiskError("E_PRESET", `${path}.${k}`, `override "${k}" must be a finite number`);
      }
      out[k] = v;
    }
  };
  apply(overrides, "risk.overrides");
  const per = underlying ? overrides[underlying] : undefined;
  if (per && typeof per === "object") apply(per as Record<string, unknown>, `risk.overrides.${underlying}`);
  return out as P;
}
