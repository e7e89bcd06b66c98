/**
 * Derive (Lyra v2) PMRM_2 margin of one portfolio, written from the methodology of
 * derivexyz/v2-core `PMRMLib_2.sol` / `PMRM_2.sol` (no code copied; that repository is BUSL-1.1).
 *
 * Outline (all money in the stable / USD unit of the account):
 * - Per expiry: forward F = variable + fixed portion; under a spot shock m the forward is
 *   variable·m + fixed, i.e. the expiry's forward multiplier is (variable·m + fixed) / F. Options are
 *   Black-76 with discount e^{−rT} (rate floored at 0), T = seconds / (365 × 86 400).
 * - Vol shocks: mult = (30 d / max(T, dteFloor))^(T ≤ 30 d ? shortTermPower : longTermPower);
 *   up: max(minVolUpShock, σ·(1 + volRangeUp·mult)); down: σ·max(0, 1 − volRangeDown·mult).
 * - Skew scenarios (Linear / Abs, spot unchanged): σ' = σ·max(0, 1 + clamp(k·cap/k*, −cap, cap)) with
 *   k = ln(K/F) (|k| for Abs), cap = cBase·√T + baseCap, k* = max(minKStar, √T·widthScale·(volParamStatic
 *   + √T·volParamScale)); each expiry's P&L counts as −|P&L|.
 * - Static discount of the shocked expiry MtM: positive × longBaseStaticDiscount·e^{−T(r·longRateMultScale
 *   + longRateAddScale)}, negative × min(1/df, shortBaseStaticDiscount / e^{−T(r·shortRateMultScale +
 *   shortRateAddScale)}). Scenario P&L of an expiry = (discounted shocked MtM − MtM) × dampening.
 * - Perp P&L = position·(m − 1)·perpPrice × dampening; risk-cancelling collateral P&L = value·(m − 1) ×
 *   dampening.
 * - Basis contingency = Σ_expiry min(MtM(up) − MtM, MtM(down) − MtM, 0)·(basisContAddFactor +
 *   basisContMultFactor·T), with no vol shock and no static discount; it acts as one more scenario.
 * - Contingencies: MM = |perp|·spot·MMPerpPercent + nakedShorts·spot·MMOptionPercent + Σ collateral value ×
 *   MMHaircut; IM adds |perp|·spot·IMPerpPercent + nakedShorts·spot·IMOptionPercent + Σ value × IMHaircut +
 *   oracle-confidence contingencies ((1 − conf)·confMargin·notional when conf < confThreshold).
 * - margin = factor·min(basis, every scenario P&L) − contingencies + MtM + cash, factor = mmFactor for MM,
 *   imFactor (+ (pegLossThreshold − stablePrice)·pegLossFactor when the stable is below the threshold)
 *   for IM. Results are *net* margins: negative ⇒ short of margin.
 *
 * The option revaluation runs on the riskgrid kernel: one kernel factor per expiry (so each expiry's
 * forward gets its own multiplier), vol shocks via volShift / volMult / volFloor, and the account pass
 * sums each expiry (one P&L group per expiry). Skew scenarios change vol per strike, so they are a second
 * kernel call with the skewed vols written into `vol` (one instrument block per skew scenario).
 */
import { type Dims, KIND_OPTION_LINEAR, type Kernel, type KernelViews } from "../../kernel/abi.js";
import { RiskError } from "../../errors.js";
import { type DeriveParams, type DeriveScenario, defaultDeriveParams, scenarioKind } from "./params.js";
// Host-free exp/log: reported numbers must have the same bits in Node and browsers.
import { detExp, detLog } from "../../var/detmath.js";

export const SECONDS_PER_YEAR = 365 * 86_400;
const THIRTY_DAYS = 30 * 86_400;

export interface DeriveOption {
  strike: number;
  isCall: boolean;
  /** Signed number of contracts (one coin each). */
  amount: number;
  /** Mark implied volatility, decimal. */
  vol: number;
  /** Confidence of the vol feed for this option (defaults to the expiry's `volConfidence`). */
  volConfidence?: number;
}

export interface DeriveExpiry {
  /** Seconds from valuation to expiry; 0 (or negative: treated as 0) once expired. */
  secToExpiry: number;
  /** Forward of the expiry. Either this, or both portions below. */
  forward?: number;
  /** Part of the forward that does not move with spot (e.g. already-averaged settlement). Default 0. */
  forwardFixedPortion?: number;
  /** Part of the forward that moves with spot. Default `forward`. */
  forwardVariablePortion?: number;
  forwardConfidence?: number;
  /** Continuously compounded rate (negative rates are floored at 0, as the contract does). */
  rate: number;
  rateConfidence?: number;
  /** Default vol-feed confidence of this expiry's options. */
  volConfidence?: number;
  options: DeriveOption[];
}

export interface DeriveCollateral {
  name: string;
  amount: number;
  /** Price in USD. Its value in the margin unit is amount × price / stablePrice. */
  price: number;
  confidence?: number;
  /** Overrides params.collaterals[name]. */
  MMHaircut?: number;
  IMHaircut?: number;
  isRiskCancelling?: boolean;
}

export interface DerivePerp {
  /** Signed position, coins. */
  position: number;
  /** Perp mark price, USD. */
  price: number;
  confidence?: number;
  /** Unrealised P&L and funding not yet settled into cash (part of MtM). */
  unrealisedPnl?: number;
  unrealisedFunding?: number;
}

/** One Derive PM2 account for one underlying. */
export interface DerivePortfolio {
  /** Underlying symbol, used for per-underlying overrides. */
  underlying?: string;
  spotPrice: number;
  spotConfidence?: number;
  /** Price of the stable coin the account is margined in (default 1). */
  stablePrice?: number;
  cash?: number;
  perp?: DerivePerp;
  collaterals?: DeriveCollateral[];
  expiries?: DeriveExpiry[];
}

export interface DeriveScenarioResult extends DeriveScenario {
  kind: "regular" | "tail" | "skew";
  /** Scenario P&L (after discounting and dampening), margin unit. */
  pnl: number;
}

export interface DeriveExpiryResult {
  secToExpiry: number;
  forward: number;
  discount: number;
  mtm: number;
  basisUpMtm: number;
  basisDownMtm: number;
  /** This expiry's basis contingency (≤ 0). */
  basisContingency: number;
  volShockUp: number;
  volShockDown: number;
  staticDiscountPos: number;
  staticDiscountNeg: number;
  minConfidence: number;
  nakedShorts: number;
}

export interface DeriveComponents {
  optionMtm: number;
  /** Perp mark: unrealised P&L + unrealised funding. */
  perpMtm: number;
  perpPnl: number;
  perpFunding: number;
  collateralMtm: number;
  cash: number;
  /** optionMtm + perpMtm + collateralMtm + cash. */
  mtm: number;
  worstRegular: number;
  worstTail: number;
  worstSkew: number;
  worstScenarioPnl: number;
  /** Σ per-expiry basis (forward) contingency (≤ 0). */
  basisContingency: number;
  /** min(basisContingency, every scenario P&L): the loss the factors multiply. */
  minSpan: number;
  mmFactor: number;
  /** imFactor plus the peg-loss add-on. */
  imFactor: number;
  pegLoss: number;
  mmPerpContingency: number;
  imPerpContingency: number;
  mmOptionContingency: number;
  imOptionContingency: number;
  mmCollateralHaircut: number;
  imCollateralHaircut: number;
  oracleContingencyPerp: number;
  oracleContingencyOptions: number;
  oracleContingencyCollateral: number;
  oracleContingency: number;
  /** Subtracted from MM (all positive amounts). */
  mmContingency: number;
  /** Subtracted from IM on top of mmContingency. */
  imContingency: number;
}

export interface DeriveWorst {
  /** Index into params.scenarios; scenarios.length means the basis contingency. */
  index: number;
  kind: "regular" | "tail" | "skew" | "basis";
  spotShock: number;
  volShock: string;
  dampeningFactor: number;
  pnl: number;
}

export interface DeriveResult {
  version: string;
  /** Maintenance margin, net: MtM + cash − requirement (negative ⇒ below MM). */
  mm: number;
  /** Initial margin, net. */
  im: number;
  /** MtM + cash. */
  mtm: number;
  components: DeriveComponents;
  worst: DeriveWorst;
  scenarios: DeriveScenarioResult[];
  expiries: DeriveExpiryResult[];
}

// ---------------------------------------------------------------------------------------------

interface PreparedExpiry {
  sec: number;
  tau: number;
  fixed: number;
  variable: number;
  forward: number;
  rate: number;
  discount: number;
  volMult: number;
  volShockUp: number;
  volShockDown: number;
  staticDiscountPos: number;
  staticDiscountNeg: number;
  minConfidence: number;
  netOptions: number;
  options: DeriveOption[];
}

function finite(x: unknown, path: string, what: string, min = -Infinity): number {
  if (typeof x !== "number" || !Number.isFinite(x)) {
    throw new RiskError(Number.isNaN(x) ? "E_NOT_FINITE" : "E_TYPE", path, `${what} must be a finite number`);
  }
  if (x < min) throw new RiskError("E_RANGE", path, `${what} must be ≥ ${min}`);
  return x;
}

function positive(x: unknown, path: string, what: string): number {
  const v = finite(x, path, what);
  if (!(v > 0)) throw new RiskError("E_NEGATIVE_PRICE", path, `${what} must be positive`);
  return v;
}

function confidence(x: unknown, path: string): number {
  if (x === undefined) return 1;
  const v = finite(x, path, "confidence", 0);
  if (v > 1) throw new RiskError("E_RANGE", path, "confidence must be in [0, 1]");
  return v;
}

/** Naked short contracts of one expiry: per strike, shorts not covered by longs at the same strike. */
export function nakedShorts(options: readonly DeriveOption[]): number {
  const byStrike = new Map<number, { long: number; short: number }>();
  for (const o of options) {
    const e = byStrike.get(o.strike) ?? { long: 0, short: 0 };
    if (o.amount > 0) e.long += o.amount;
    else e.short -= o.amount;
    byStrike.set(o.strike, e);
  }
  let n = 0;
  for (const { long, short } of byStrike.values()) n += Math.max(0, short - long);
  return n;
}

function prepareExpiry(e: DeriveExpiry, i: number, p: DeriveParams, portfolioConf: number): PreparedExpiry {
  const path = `expiries[${i}]`;
  const sec = Math.max(0, finite(e.secToExpiry, `${path}.secToExpiry`, "secToExpiry"));
  let fixed: number;
  let variable: number;
  if (e.forwardFixedPortion !== undefined || e.forwardVariablePortion !== undefined) {
    fixed = finite(e.forwardFixedPortion ?? 0, `${path}.forwardFixedPortion`, "forwardFixedPortion", 0);
    variable = finite(e.forwardVariablePortion ?? 0, `${path}.forwardVariablePortion`, "forwardVariablePortion", 0);
  } else {
    fixed = 0;
    variable = positive(e.forward, `${path}.forward`, "forward");
  }
  const forward = variable + fixed;
  if (!(forward > 0)) throw new RiskError("E_NEGATIVE_PRICE", `${path}.forward`, "forward must be positive");
  const rate = Math.max(0, finite(e.rate, `${path}.rate`, "rate"));
  const tau = sec / SECONDS_PER_YEAR;
  const discount = detExp(-rate * tau);

  // Vol-shock term structure.
  const tauVol = THIRTY_DAYS / Math.max(sec, p.dteFloor);
  const volMult = detExp((sec <= THIRTY_DAYS ? p.shortTermPower : p.longTermPower) * detLog(tauVol));
  const volShockUp = 1 + p.volRangeUp * volMult;
  const volShockDown = Math.max(0, 1 - p.volRangeDown * volMult);

  // Static discounts.
  const staticDiscountPos =
    p.longBaseStaticDiscount * detExp(-tau * (rate * p.longRateMultScale + p.longRateAddScale));
  const staticDiscountNeg = Math.min(
    1 / discount,
    p.shortBaseStaticDiscount / detExp(-tau * (rate * p.shortRateMultScale + p.shortRateAddScale)),
  );

  let minConfidence = Math.min(
    confidence(e.forwardConfidence, `${path}.forwardConfidence`),
    confidence(e.rateConfidence, `${path}.rateConfidence`),
    portfolioConf,
  );
  const expVolConf = confidence(e.volConfidence, `${path}.volConfidence`);
  let netOptions = 0;
  const options = (e.options ?? []).map((o, j) => {
    const op = `${path}.options[${j}]`;
    const opt: DeriveOption = {
      strike: positive(o.strike, `${op}.strike`, "strike"),
      isCall: !!o.isCall,
      amount: finite(o.amount, `${op}.amount`, "amount"),
      vol: finite(o.vol, `${op}.vol`, "vol", 0),
    };
    const vc = o.volConfidence === undefined ? expVolConf : confidence(o.volConfidence, `${op}.volConfidence`);
    minConfidence = Math.min(minConfidence, vc);
    netOptions += Math.abs(opt.amount);
    return opt;
  });
  return {
    sec, tau, fixed, variable, forward, rate, discount, volMult, volShockUp, volShockDown,
    staticDiscountPos, staticDiscountNeg, minConfidence, netOptions, options,
  };
}

/** Skew multiplier of the vol of one strike (Linear or Abs). */
export function skewMultiplier(
  strike: number,
  forward: number,
  tau: number,
  linear: boolean,
  p: DeriveParams,
): number {
  const sqrtTau = Math.sqrt(tau);
  const cap = linear ? p.linearCBase * sqrtTau + p.linearBaseCap : p.absCBase * sqrtTau + p.absBaseCap;
  const kStar = Math.max(p.minKStar, sqrtTau * p.widthScale * (p.volParamStatic + sqrtTau * p.volParamScale));
  let k = detLog(strike / forward);
  if (!linear) k = Math.abs(k);
  let x = (k * cap) / kStar;
  if (Number.isNaN(x)) x = 0; // 0 · cap / 0: at the money with a zero k*
  return 1 + (k >= 0 ? Math.min(cap, x) : Math.max(-cap, x));
}

/** Write the option columns and the one-account CSR: `blocks` copies of every option, block b's vol from `volOf`. */
function fillInstruments(
  v: KernelViews,
  exps: PreparedExpiry[],
  blocks: number,
  volOf: (x: PreparedExpiry, o: DeriveOption, b: number) => number,
  factorOf: (e: number, b: number) => number,
  groupOf: (e: number, b: number) => number,
): void {
  let i = 0;
  for (let b = 0; b < blocks; b++) {
    for (let e = 0; e < exps.length; e++) {
      const x = exps[e];
      for (const o of x.options) {
        v.kind[i] = KIND_OPTION_LINEAR;
        v.factor[i] = factorOf(e, b);
        v.cp[i] = o.isCall ? 1 : -1;
        v.strike[i] = o.strike;
        v.tau[i] = x.tau;
        v.fwd[i] = x.forward;
        v.df[i] = x.discount;
        v.rate[i] = x.rate;
        v.vol[i] = volOf(x, o, b);
        v.volMult[i] = x.volMult;
        v.size[i] = 1;
        v.dFdS[i] = 1;
        v.group[i] = groupOf(e, b);
        v.bucket[i] = 0;
        v.posInst[i] = i;
        v.posQty[i] = o.amount;
        i++;
      }
    }
  }
  v.accStart[0] = 0;
  v.accStart[1] = i;
}

/**
 * Evaluate one portfolio under Derive PMRM_2. `params` defaults to the mainnet set; resolve overrides with
 * `resolveDeriveParams` first.
 */
export function evaluateDerive(
  portfolio: DerivePortfolio,
  params: DeriveParams = defaultDeriveParams(),
  kernel: Kernel,
): DeriveResult {
  const p = params;
  const spot = positive(portfolio.spotPrice, "spotPrice", "spotPrice");
  const spotConf = confidence(portfolio.spotConfidence, "spotConfidence");
  const stablePrice = portfolio.stablePrice === undefined ? 1 : positive(portfolio.stablePrice, "stablePrice", "stablePrice");
  const cash = portfolio.cash === undefined ? 0 : finite(portfolio.cash, "cash", "cash");

  // ---- perp
  const perp = portfolio.perp;
  let perpPos = 0;
  let perpPrice = 0;
  let perpPnl = 0;
  let perpFunding = 0;
  let portfolioConf = spotConf;
  if (perp) {
    perpPos = finite(perp.position, "perp.position", "perp position");
    if (perpPos !== 0) {
      perpPrice = finite(perp.price, "perp.price", "perp price", 0);
      portfolioConf = Math.min(portfolioConf, confidence(perp.confidence, "perp.confidence"));
      perpPnl = finite(perp.unrealisedPnl ?? 0, "perp.unrealisedPnl", "unrealised P&L");
      perpFunding = finite(perp.unrealisedFunding ?? 0, "perp.unrealisedFunding", "unrealised funding");
    }
  }
  const perpMtm = perpPnl + perpFunding;
  const oracle = (conf: number, notional: number) =>
    conf < p.confThreshold ? (1 - conf) * p.confMargin * notional : 0;
  const perpNotional = Math.abs(perpPos) * spot;
  const mmPerpContingency = perpNotional * p.MMPerpPercent;
  const imPerpContingency = perpNotional * p.IMPerpPercent;
  const oracleContingencyPerp = oracle(portfolioConf, perpNotional);

  // ---- collaterals (their confidence is taken against the spot feed's only, as the contract does)
  let collateralMtm = 0;
  let mmCollateralHaircut = 0;
  let imCollateralHaircut = 0;
  let oracleContingencyCollateral = 0;
  const riskCancelling: number[] = [];
  (portfolio.collaterals ?? []).forEach((c, j) => {
    const path = `collaterals[${j}]`;
    const cp = p.collaterals[c.name];
    const mmH = c.MMHaircut ?? cp?.MMHaircut;
    const imH = c.IMHaircut ?? cp?.IMHaircut;
    if (mmH === undefined || imH === undefined) {
      throw new RiskError("E_UNKNOWN_ASSET", `${path}.name`, `collateral "${c.name}" has no Derive haircuts; set them on the collateral or in params.collaterals`);
    }
    const amount = finite(c.amount, `${path}.amount`, "amount", 0);
    const price = finite(c.price, `${path}.price`, "price", 0);
    const value = (amount * price) / stablePrice;
    collateralMtm += value;
    mmCollateralHaircut += value * finite(mmH, `${path}.MMHaircut`, "MMHaircut", 0);
    imCollateralHaircut += value * finite(imH, `${path}.IMHaircut`, "IMHaircut", 0);
    oracleContingencyCollateral += oracle(Math.min(confidence(c.confidence, `${path}.confidence`), spotConf), value);
    if (c.isRiskCancelling ?? cp?.isRiskCancelling ?? false) riskCancelling.push(value);
  });

  // ---- expiries
  const exps = (portfolio.expiries ?? []).map((e, i) => prepareExpiry(e, i, p, portfolioConf));
  const nExp = exps.length;
  const nOpt = exps.reduce((s, e) => s + e.options.length, 0);
  let mmOptionContingency = 0;
  let imOptionContingency = 0;
  let oracleContingencyOptions = 0;
  const naked = exps.map((e) => nakedShorts(e.options));
  exps.forEach((e, i) => {
    mmOptionContingency += naked[i] * spot * p.MMOptionPercent;
    imOptionContingency += naked[i] * spot * p.IMOptionPercent;
    oracleContingencyOptions += oracle(e.minConfidence, e.netOptions * spot);
  });

  // ---- scenarios
  const scen = p.scenarios;
  const priced: number[] = []; // indices of scenarios revalued in the first kernel call
  const skewIdx: { linear: boolean; s: number }[] = [];
  scen.forEach((s, k) => {
    if (s.volShock === "Linear" || s.volShock === "Abs") skewIdx.push({ linear: s.volShock === "Linear", s: k });
    else priced.push(k);
  });
  // Kernel scenario columns: the priced scenarios, then basis up, basis down.
  const S1 = priced.length + 2;
  const mtm = new Float64Array(nExp);
  const shocked = new Float64Array(nExp * S1); // undiscounted shocked MtM per expiry × column
  const skewShocked: Float64Array[] = skewIdx.map(() => new Float64Array(nExp));

  if (nOpt > 0) {
    const dims: Dims = { nInst: nOpt, nScen: S1, nFactors: nExp, nAcc: 1, nPos: nOpt, nGroups: nExp, nBuckets: 1 };
    const v = kernel.reserve(dims);
    kernel.owner = null; // we keep nothing in kernel memory between calls; a tick session must relayout
    fillInstruments(v, exps, 1, (_x, o) => o.vol, (e) => e, (e) => e);
    for (let e = 0; e < nExp; e++) {
      const x = exps[e];
      for (let c = 0; c < S1; c++) {
        let spotShock: number;
        let volShift = 0;
        let volFloor = 0;
        if (c < priced.length) {
          const s = scen[priced[c]];
          spotShock = s.spotShock;
          if (s.volShock === "Up") {
            volShift = p.volRangeUp;
            volFloor = p.minVolUpShock;
          } else if (s.volShock === "Down") {
            volShift = -p.volRangeDown;
          }
        } else {
          spotShock = c === priced.length ? p.scenarioSpotUp : p.scenarioSpotDown;
        }
        const m = (x.variable * spotShock + x.fixed) / x.forward;
        const at = e * S1 + c;
        v.mult[at] = m;
        v.lnMult[at] = detLog(m);
        v.volShift[at] = volShift;
        v.volFloor[at] = volFloor;
      }
    }
    kernel.instrumentPass();
    kernel.accountPass();
    const w = kernel.views();
    for (let e = 0; e < nExp; e++) {
      mtm[e] = w.base[e];
      for (let c = 0; c < S1; c++) shocked[e * S1 + c] = w.base[e] + w.pnl[e * S1 + c];
    }

    if (skewIdx.length > 0) {
      const nb = skewIdx.length;
      const d2: Dims = { nInst: nOpt * nb, nScen: 1, nFactors: 1, nAcc: 1, nPos: nOpt * nb, nGroups: nExp * nb, nBuckets: 1 };
      const v2 = kernel.reserve(d2);
      fillInstruments(
        v2,
        exps,
        nb,
        (x, o, b) => {
          const mult = skewMultiplier(o.strike, x.forward, x.tau, skewIdx[b].linear, p);
          return o.vol * (mult < 0 ? 0 : mult);
        },
        () => 0,
        (e, b) => b * nExp + e,
      );
      v2.mult[0] = 1;
      v2.lnMult[0] = 0;
      v2.volShift[0] = 0;
      v2.volFloor[0] = 0;
      kernel.instrumentPass();
      kernel.accountPass();
      const w2 = kernel.views();
      for (let b = 0; b < nb; b++) for (let e = 0; e < nExp; e++) skewShocked[b][e] = w2.base[b * nExp + e];
    }
  }

  // ---- basis contingency
  let basisContingency = 0;
  const expResults: DeriveExpiryResult[] = exps.map((x, e) => {
    const up = shocked[e * S1 + priced.length];
    const down = shocked[e * S1 + priced.length + 1];
    const worst = Math.min(up - mtm[e], down - mtm[e], 0);
    const bc = worst * (p.basisContAddFactor + p.basisContMultFactor * x.tau);
    basisContingency += bc;
    return {
      secToExpiry: x.sec, forward: x.forward, discount: x.discount, mtm: mtm[e],
      basisUpMtm: up, basisDownMtm: down, basisContingency: bc,
      volShockUp: x.volShockUp, volShockDown: x.volShockDown,
      staticDiscountPos: x.staticDiscountPos, staticDiscountNeg: x.staticDiscountNeg,
      minConfidence: x.minConfidence, nakedShorts: naked[e],
    };
  });

  // ---- scenario P&L
  const expiryPnl = (e: number, shockedMtm: number, damp: number): number => {
    const x = exps[e];
    const disc = shockedMtm >= 0 ? x.staticDiscountPos : x.staticDiscountNeg;
    return (shockedMtm * disc - mtm[e]) * damp;
  };
  const pnl = new Float64Array(scen.length);
  priced.forEach((k, c) => {
    const s = scen[k];
    let total = perpPos === 0 ? 0 : perpPos * ((s.spotShock - 1) * perpPrice) * s.dampeningFactor;
    for (let e = 0; e < nExp; e++) total += expiryPnl(e, shocked[e * S1 + c], s.dampeningFactor);
    for (const value of riskCancelling) total += value * (s.spotShock - 1) * s.dampeningFactor;
    pnl[k] = total;
  });
  skewIdx.forEach(({ s: k }, b) => {
    const s = scen[k];
    let total = perpPos === 0 ? 0 : perpPos * ((s.spotShock - 1) * perpPrice) * s.dampeningFactor;
    for (let e = 0; e < nExp; e++) total -= Math.abs(expiryPnl(e, skewShocked[b][e], s.dampeningFactor));
    for (const value of riskCancelling) total += value * (s.spotShock - 1) * s.dampeningFactor;
    pnl[k] = total;
  });

  // ---- worst
  let minSpan = basisContingency;
  let worstIndex = scen.length;
  let worstRegular = Infinity;
  let worstTail = Infinity;
  let worstSkew = Infinity;
  const scenarios: DeriveScenarioResult[] = scen.map((s, k) => {
    const kind = scenarioKind(s);
    if (pnl[k] < minSpan) {
      minSpan = pnl[k];
      worstIndex = k;
    }
    if (kind === "regular") worstRegular = Math.min(worstRegular, pnl[k]);
    else if (kind === "tail") worstTail = Math.min(worstTail, pnl[k]);
    else worstSkew = Math.min(worstSkew, pnl[k]);
    return { ...s, kind, pnl: pnl[k] };
  });
  const orZero = (x: number) => (Number.isFinite(x) ? x : 0);
  const worstScenarioPnl = orZero(Math.min(worstRegular, worstTail, worstSkew));
  const worst: DeriveWorst =
    worstIndex === scen.length
      ? { index: worstIndex, kind: "basis", spotShock: 1, volShock: "None", dampeningFactor: 1, pnl: basisContingency }
      : {
          index: worstIndex, kind: scenarios[worstIndex].kind, spotShock: scen[worstIndex].spotShock,
          volShock: scen[worstIndex].volShock, dampeningFactor: scen[worstIndex].dampeningFactor, pnl: minSpan,
        };

  // ---- margins
  const optionMtm = mtm.reduce((a, b) => a + b, 0);
  const totalMtm = perpMtm + optionMtm + collateralMtm;
  const pegLoss = stablePrice < p.pegLossThreshold ? (p.pegLossThreshold - stablePrice) * p.pegLossFactor : 0;
  const imFactor = p.imFactor + pegLoss;
  const oracleContingency = oracleContingencyPerp + oracleContingencyOptions + oracleContingencyCollateral;
  const mmContingency = mmPerpContingency + mmOptionContingency + mmCollateralHaircut;
  const imContingency = imPerpContingency + imOptionContingency + imCollateralHaircut + oracleContingency;
  const mm = minSpan * p.mmFactor - mmContingency + totalMtm + cash;
  const im = minSpan * imFactor - imContingency - mmContingency + totalMtm + cash;

  return {
    version: p.version,
    mm,
    im,
    mtm: totalMtm + cash,
    components: {
      optionMtm, perpMtm, perpPnl, perpFunding, collateralMtm, cash, mtm: totalMtm + cash,
      worstRegular: orZero(worstRegular), worstTail: orZero(worstTail), worstSkew: orZero(worstSkew),
      worstScenarioPnl,
      basisContingency, minSpan, mmFactor: p.mmFactor, imFactor, pegLoss,
      mmPerpContingency, imPerpContingency, mmOptionContingency, imOptionContingency,
      mmCollateralHaircut, imCollateralHaircut,
      oracleContingencyPerp, oracleContingencyOptions, oracleContingencyCollateral, oracleContingency,
      mmContingency, imContingency,
    },
    worst,
    scenarios,
    expiries: expResults,
  };
}
