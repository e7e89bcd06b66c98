/**
 * Derive (Lyra v2) PMRM_2 parameters as data.
 *
 * Names follow `src/interfaces/IPMRMLib_2.sol` of derivexyz/v2-core (VolShockParameters,
 * MarginParameters, BasisContingencyParameters, OtherContingencyParameters, SkewShockParameters,
 * CollateralParameters). They are kept flat here (every name is unique across those structs) so that
 * `risk.overrides` can set any of them globally or per underlying:
 * `{ "mmFactor": 0.8, "ETH": { "volRangeUp": 0.6 } }`.
 *
 * Units: decimals as in the contracts with the 1e18 scaling removed (0.8 = 80 %), except `dteFloor`,
 * which is in seconds as in the contract (1 day = 86 400).
 *
 * Defaults: the mainnet PM2 configuration (`scripts/config-mainnet.sol`, `getPMRM2Params` and
 * `getDefaultPM2Scenarios`) as transcribed in the team's METHODOLOGIES.md §4. Only the figures are
 * taken; nothing here is copied code (v2-core is BUSL-1.1).
 */
import { RiskError } from "../../errors.js";
import { resolveParams } from "../overrides.js";

export const DERIVE_PMRM2_VERSION = "derive-pmrm2@v2-core-7736900d";

/** Vol-shock direction of a scenario, as `IPMRM_2.VolShockDirection`. */
export type VolShockDirection = "None" | "Up" | "Down" | "Linear" | "Abs";

/** One margin scenario (`IPMRM_2.Scenario`), plus the report class it belongs to. */
export interface DeriveScenario {
  /** Spot multiplier (1.18 = +18 %). */
  spotShock: number;
  volShock: VolShockDirection;
  /** Multiplies the scenario's P&L (1 for regular scenarios, < 1 for the dampened tails). */
  dampeningFactor: number;
  /** Reporting class only; derived from the other fields when absent (see `scenarioKind`). */
  kind?: "regular" | "tail" | "skew";
}

/** `IPMRMLib_2.CollateralParameters` (isEnabled is implied by being listed). */
export interface DeriveCollateralParams {
  isRiskCancelling: boolean;
  /** Fraction of the collateral's value taken off MM. */
  MMHaircut: number;
  /** Fraction taken off IM, on top of MMHaircut. */
  IMHaircut: number;
}

/** Every numeric parameter, flat. */
export interface DeriveNumericParams {
  // VolShockParameters
  volRangeUp: number;
  volRangeDown: number;
  shortTermPower: number;
  longTermPower: number;
  /** Seconds. */
  dteFloor: number;
  minVolUpShock: number;
  // MarginParameters
  imFactor: number;
  mmFactor: number;
  shortRateMultScale: number;
  longRateMultScale: number;
  shortRateAddScale: number;
  longRateAddScale: number;
  shortBaseStaticDiscount: number;
  longBaseStaticDiscount: number;
  // BasisContingencyParameters
  scenarioSpotUp: number;
  scenarioSpotDown: number;
  basisContAddFactor: number;
  basisContMultFactor: number;
  // OtherContingencyParameters
  pegLossThreshold: number;
  pegLossFactor: number;
  confThreshold: number;
  confMargin: number;
  MMPerpPercent: number;
  IMPerpPercent: number;
  MMOptionPercent: number;
  IMOptionPercent: number;
  // SkewShockParameters
  linearBaseCap: number;
  absBaseCap: number;
  linearCBase: number;
  absCBase: number;
  minKStar: number;
  widthScale: number;
  volParamStatic: number;
  volParamScale: number;
}

export interface DeriveParams extends DeriveNumericParams {
  version: string;
  scenarios: DeriveScenario[];
  /** Per collateral asset name; a portfolio collateral may also carry its own parameters. */
  collaterals: Record<string, DeriveCollateralParams>;
}

const regular = (spotShock: number, volShock: VolShockDirection): DeriveScenario => ({
  spotShock,
  volShock,
  dampeningFactor: 1,
  kind: "regular",
});
const tail = (spotShock: number, dampeningFactor: number): DeriveScenario => ({
  spotShock,
  volShock: "Up",
  dampeningFactor,
  kind: "tail",
});

/** Mainnet PM2 scenarios: 23 regular (±18 % in 4.5 % steps × vol up/none/down), 8 dampened tails, 2 skews. */
export function mainnetScenarios(): DeriveScenario[] {
  const out: DeriveScenario[] = [regular(1.18, "Up")];
  for (const m of [1.135, 1.09, 1.045, 1.0, 0.955, 0.91, 0.865]) {
    out.push(regular(m, "Up"), regular(m, "None"), regular(m, "Down"));
  }
  out.push(regular(0.82, "Up"));
  out.push(
    tail(0.34, 0.21),
    tail(0.67, 0.42),
    tail(1.5, 0.2772),
    tail(2.0, 0.1386),
    tail(3.0, 0.0693),
    tail(4.0, 0.0462),
    tail(5.0, 0.03465),
    tail(6.0, 0.02772),
  );
  out.push(
    { spotShock: 1, volShock: "Linear", dampeningFactor: 1, kind: "skew" },
    { spotShock: 1, volShock: "Abs", dampeningFactor: 1, kind: "skew" },
  );
  return out;
}

export const DERIVE_NUMERIC_DEFAULTS: Readonly<DeriveNumericParams> = Object.freeze({
  volRangeUp: 0.5,
  volRangeDown: 0.3,
  shortTermPower: 0.3,
  longTermPower: 0.13,
  dteFloor: 86_400,
  minVolUpShock: 0.4,
  imFactor: 1.0,
  mmFactor: 0.8,
  shortRateMultScale: 0,
  longRateMultScale: 0,
  shortRateAddScale: 0.16,
  longRateAddScale: 0.16,
  // The long (positive-MtM) static discount is below 1 and the short one above 1: positive expiry MtM is
  // marked down, negative MtM marked up. (METHODOLOGIES.md §4 lists "short 0.95 / long 1.05"; in the
  // contract `longBaseStaticDiscount` scales *positive* MtM and every test vector sets it below 1, so the
  // figures are assigned that way round here. Unverified against the mainnet script itself.)
  shortBaseStaticDiscount: 1.05,
  longBaseStaticDiscount: 0.95,
  scenarioSpotUp: 1.045,
  scenarioSpotDown: 0.955,
  basisContAddFactor: 0.5,
  basisContMultFactor: 2.0,
  pegLossThreshold: 0.99,
  pegLossFactor: 4,
  confThreshold: 0.55,
  confMargin: 1.0,
  MMPerpPercent: 0.03,
  IMPerpPercent: 0.01,
  MMOptionPercent: 0.003,
  IMOptionPercent: 0.002,
  linearBaseCap: 0.25,
  absBaseCap: 0.25,
  linearCBase: -0.1,
  absCBase: -0.1,
  minKStar: 0.01,
  widthScale: 4,
  volParamStatic: 0.6,
  volParamScale: 0,
});

export function defaultDeriveParams(): DeriveParams {
  return {
    version: DERIVE_PMRM2_VERSION,
    ...DERIVE_NUMERIC_DEFAULTS,
    scenarios: mainnetScenarios(),
    collaterals: {},
  };
}

const VOL_SHOCKS: ReadonlySet<string> = new Set(["None", "Up", "Down", "Linear", "Abs"]);

/** Reporting class of a scenario: skew for Linear/Abs, tail when dampened, else regular. */
export function scenarioKind(s: DeriveScenario): "regular" | "tail" | "skew" {
  if (s.kind) return s.kind;
  if (s.volShock === "Linear" || s.volShock === "Abs") return "skew";
  return s.dampeningFactor < 1 ? "tail" : "regular";
}

function checkScenarios(v: unknown, path: string): DeriveScenario[] {
  if (!Array.isArray(v) || v.length === 0) {
    throw new RiskError("E_PRESET", path, "scenarios must be a non-empty array");
  }
  return v.map((s, i) => {
    const p = `${path}[${i}]`;
    const o = s as Record<string, unknown>;
    if (!o || typeof o !== "object") throw new RiskError("E_PRESET", p, "a scenario must be an object");
    for (const k of ["spotShock", "dampeningFactor"]) {
      if (typeof o[k] !== "number" || !Number.isFinite(o[k] as number) || (o[k] as number) < 0) {
        throw new RiskError("E_PRESET", `${p}.${k}`, `${k} must be a finite number ≥ 0`);
      }
    }
    if (typeof o.volShock !== "string" || !VOL_SHOCKS.has(o.volShock)) {
      throw new RiskError("E_PRESET", `${p}.volShock`, "volShock must be one of None, Up, Down, Linear, Abs");
    }
    if ((o.volShock === "Linear" || o.volShock === "Abs") && o.spotShock !== 1) {
      throw new RiskError("E_PRESET", `${p}.spotShock`, "skew scenarios (Linear, Abs) must have spotShock 1");
    }
    const out: DeriveScenario = {
      spotShock: o.spotShock as number,
      volShock: o.volShock as VolShockDirection,
      dampeningFactor: o.dampeningFactor as number,
    };
    if (o.kind === "regular" || o.kind === "tail" || o.kind === "skew") out.kind = o.kind;
    return out;
  });
}

function checkCollaterals(v: unknown, path: string): Record<string, DeriveCollateralParams> {
  if (!v || typeof v !== "object") throw new RiskError("E_PRESET", path, "collaterals must be an object");
  const out: Record<string, DeriveCollateralParams> = {};
  for (const [name, c] of Object.entries(v as Record<string, unknown>)) {
    const o = c as Record<string, unknown>;
    const p = `${path}.${name}`;
    for (const k of ["MMHaircut", "IMHaircut"]) {
      const x = o?.[k];
      if (typeof x !== "number" || !Number.isFinite(x) || x < 0 || x > 1) {
        throw new RiskError("E_PRESET", `${p}.${k}`, `${k} must be a number in [0, 1]`);
      }
    }
    out[name] = {
      isRiskCancelling: o.isRiskCancelling === true,
      MMHaircut: o.MMHaircut as number,
      IMHaircut: o.IMHaircut as number,
    };
  }
  return out;
}

/**
 * Parameters for one underlying: defaults (or `base`), then the global keys of `overrides`, then the
 * keys under `overrides[underlying]`. Numeric keys not named here are ignored (they may belong to other
 * presets); `scenarios` and `collaterals` replace / extend the defaults.
 */
export function resolveDeriveParams(
  overrides: Record<string, unknown> = {},
  underlying?: string,
  base: DeriveParams = defaultDeriveParams(),
): DeriveParams {
  const numeric: Record<string, number> = {};
  for (const k of Object.keys(DERIVE_NUMERIC_DEFAULTS)) numeric[k] = (base as unknown as Record<string, number>)[k];
  const resolved = resolveParams(numeric, overrides, underlying) as unknown as DeriveNumericParams;
  let scenarios = base.scenarios;
  let collaterals = { ...base.collaterals };
  const layers: [Record<string, unknown>, string][] = [[overrides, "risk.overrides"]];
  const per = underlying ? overrides[underlying] : undefined;
  if (per && typeof per === "object") layers.push([per as Record<string, unknown>, `risk.overrides.${underlying}`]);
  for (const [src, path] of layers) {
    if (src.scenarios !== undefined) scenarios = checkScenarios(src.scenarios, `${path}.scenarios`);
    if (src.collaterals !== undefined) {
      collaterals = { ...collaterals, ...checkCollaterals(src.collaterals, `${path}.collaterals`) };
    }
  }
  const out: DeriveParams = { ...resolved, version: base.version, scenarios, collaterals };
  validateDeriveParams(out);
  return out;
}

/** Range checks in the spirit of the contract's setters; throws RiskError("E_PRESET"). */
export function validateDeriveParams(p: DeriveParams): void {
  const bad = (k: string, why: string) => {
    throw new RiskError("E_PRESET", `risk.overrides.${k}`, `${k} ${why}`);
  };
  for (const k of Object.keys(DERIVE_NUMERIC_DEFAULTS) as (keyof DeriveNumericParams)[]) {
    if (typeof p[k] !== "number" || !Number.isFinite(p[k])) bad(k, "must be a finite number");
  }
  if (!(p.scenarioSpotUp > 1)) bad("scenarioSpotUp", "must be above 1");
  if (!(p.scenarioSpotDown < 1 && p.scenarioSpotDown >= 0)) bad("scenarioSpotDown", "must be in [0, 1)");
  if (p.imFactor <= 0) bad("imFactor", "must be positive");
  if (p.mmFactor <= 0) bad("mmFactor", "must be positive");
  if (p.dteFloor < 0) bad("dteFloor", "must be ≥ 0 seconds");
  if (p.minKStar < 0) bad("minKStar", "must be ≥ 0");
  checkScenarios(p.scenarios, "risk.overrides.scenarios");
}
