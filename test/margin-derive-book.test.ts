/**
 * derive-pmrm2 as a preset over riskgrid books (issue 4): Derive's published portfolio cases expressed
 * as books and evaluated through the engine, equality with evaluateDerive on hand-built portfolios for a
 * random book, the capital-efficiency table, overrides, and the book → portfolio mapping rules.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { initSync, RiskError } from "../src/index.js";
import type { Engine } from "../src/engine/engine.js";
import type { BackendName, Kernel } from "../src/kernel/abi.js";
import type { MarginResult } from "../src/margin/types.js";
import type { AccountInput, BookInput, InstrumentInput } from "../src/types.js";
import { MS_PER_YEAR, STABLECOINS } from "../src/types.js";
import {
  DERIVE_NUMERIC_DEFAULTS,
  DERIVE_PMRM2_VERSION,
  type DeriveExpiry,
  type DeriveParams,
  type DerivePortfolio,
  deriveDefaultsFor,
  evaluateDerive,
  fromBook,
  resolveDeriveParams,
} from "../src/margin/derive/index.js";
import { presetNames } from "../src/margin/registry.js";
import { BACKENDS, makeKernel } from "./helpers/backends.js";
import { rng } from "./helpers/random-book.js";
import { type DeriveCase, caseInput, caseParams, loadCases } from "./fixtures/derive/load.js";

const CASES = new Map(loadCases().map((c) => [c.id, c]));
const PRESET = "derive-pmrm2";
const T0 = Date.UTC(2026, 7, 22, 8, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();

/** 1e-6 relative (the brief's tolerance for the published cases). */
function rel(actual: number, expected: number, tol = 1e-6): boolean {
  return Math.abs(actual - expected) <= tol * Math.max(Math.abs(expected), 1e-300);
}

/** The case's own parameters (fixture defaults + case overrides + scenarios) as risk.overrides. */
function caseOverrides(c: DeriveCase): Record<string, unknown> {
  const p = caseParams(c) as unknown as Record<string, unknown>;
  const o: Record<string, unknown> = { scenarios: p.scenarios };
  for (const k of Object.keys(DERIVE_NUMERIC_DEFAULTS)) o[k] = p[k];
  return o;
}

interface CaseBookOptions {
  underlying: string;
  /** Option settlement: linear (contractSize below) or inverse (1 coin per contract). */
  settlement?: "linear" | "inverse";
  contractSize?: number;
  currency?: string;
}

/** A Derive portfolio case (options and cash only) as a riskgrid book with one account. */
function caseBook(c: DeriveCase, o: CaseBookOptions): BookInput {
  const i = caseInput(c);
  if (i.perp || (i.coll ?? []).length > 0) throw new Error("caseBook handles option-only cases");
  const u = o.underlying;
  const size = o.contractSize ?? 1;
  const forwards: Record<string, number> = {};
  const rates = new Set<number>();
  for (const [sec, fwd, , rate] of i.feeds) {
    if (!i.opts.some((x) => x[0] === sec)) continue;
    forwards[iso(T0 + sec * 1000)] = fwd;
    rates.add(rate);
  }
  if (rates.size !== 1) throw new Error("a book market has one rate");
  const instruments: InstrumentInput[] = i.opts.map(([sec, strike, isCall, , vol], j) => ({
    id: `${u}-case${c.id}-${j}`, kind: "option", underlying: u, right: isCall ? "call" : "put", strike,
    expiry: iso(T0 + sec * 1000), settlement: o.settlement ?? "linear",
    contractSize: o.settlement === "inverse" ? 1 : size, vol,
  }));
  const positions: Record<string, number> = {};
  i.opts.forEach(([, , , amount], j) => {
    positions[`${u}-case${c.id}-${j}`] = amount / (o.settlement === "inverse" ? 1 : size);
  });
  const currency = o.currency ?? "USD";
  const collateral: Record<string, number> = i.cash !== 0 ? { USDC: i.cash } : {};
  return {
    valuationTime: iso(T0),
    markets: { [u]: { index: i.spot[0], rate: [...rates][0], forwards } },
    instruments,
    accounts: [{ id: `case-${c.id}`, currency, collateral, positions }],
    risk: { presets: [PRESET], overrides: caseOverrides(c) },
  };
}

/** Fixture requirement: MtM + cash − net margin, with the fixture's own MtM and cash. */
function fixtureRequirements(c: DeriveCase): { mm: number; im: number } {
  const i = caseInput(c);
  const mtm = c.out.pfMtm ?? (c.out.optMtm ?? 0) + (c.out.collMtm ?? 0) + (c.out.perpMtm ?? 0) + i.cash;
  return { mm: mtm - c.out.MM, im: mtm - c.out.IM };
}

const deriveOf = (r: { margin: Record<string, MarginResult> }): MarginResult => r.margin[PRESET];

describe("derive-pmrm2 preset registration", () => {
  it("is registered with the Derive version", () => {
    expect(presetNames()).toContain(PRESET);
    const e = initSync({ backend: "js" });
    const c = CASES.get(18)!;
    const r = e.evaluate(caseBook(c, { underlying: "ETH" }), { presets: [PRESET] });
    expect(r.presets).toContain(PRESET);
    expect(deriveOf(r.accounts[0]).version).toBe(DERIVE_PMRM2_VERSION);
    expect(deriveOf(r.accounts[0]).model).toBe(PRESET);
  });
});

for (const backend of BACKENDS) {
  describe(`derive-pmrm2 preset on ${backend}`, () => {
    let engine: Engine;
    let kernel: Kernel;
    beforeAll(() => {
      engine = initSync({ backend });
      kernel = makeKernel(backend as BackendName);
    });

    // ---- (a) published cases through the engine
    const published: [number, string, string][] = [
      [18, "ETH", "ETH OTM call spread"],
      [20, "BTC", "BTC naked short put"],
      [12, "BTC", "BTC naked short call"],
    ];
    for (const [id, u, name] of published) {
      it(`case ${id} (${name}) as a book reproduces the fixture's MM and IM as requirements`, () => {
        const c = CASES.get(id)!;
        const want = fixtureRequirements(c);
        const variants: CaseBookOptions[] = [
          { underlying: u },
          { underlying: u, settlement: "inverse" },
          { underlying: u, contractSize: 0.1 },
        ];
        for (const v of variants) {
          const m = deriveOf(engine.evaluate(caseBook(c, v), { presets: [PRESET] }).accounts[0]);
          expect(m.currency).toBe("USD");
          expect(rel(m.maintenance, want.mm), `${JSON.stringify(v)} MM ${m.maintenance} vs ${want.mm}`).toBe(true);
          expect(rel(m.initial, want.im), `${JSON.stringify(v)} IM ${m.initial} vs ${want.im}`).toBe(true);
          // Derive's own net margins and MtM come through as components
          expect(rel(m.components.netMM, c.out.MM)).toBe(true);
          expect(rel(m.components.netIM, c.out.IM)).toBe(true);
          expect(rel(m.components.optionMtm, c.out.optMtm)).toBe(true);
          expect(rel(m.components.worstRegular, c.out.reg)).toBe(true);
          expect(rel(m.components.mmOptionContingency, -c.out.mmOpt)).toBe(true);
          expect(m.worst).not.toBeNull();
          expect(m.worst!.underlying).toBe(u);
          expect(m.worst!.pnl).toBeCloseTo(m.components.minSpan, 9);
        }
      });
    }

    it("case 18: the figures quoted in METHODOLOGIES §2.1 (MM −25.964, IM −35.758) as requirements", () => {
      const c = CASES.get(18)!;
      const m = deriveOf(engine.evaluate(caseBook(c, { underlying: "ETH" }), { presets: [PRESET] }).accounts[0]);
      const mtm = -0.1944703408568294;
      expect(m.maintenance).toBeCloseTo(mtm + 25.964, 2);
      expect(m.initial).toBeCloseTo(mtm + 35.758, 2);
    });

    it("case 20 in a BTC-margined account: the USD requirement converted at the index", () => {
      const c = CASES.get(20)!;
      const want = fixtureRequirements(c);
      const index = caseInput(c).spot[0];
      const m = deriveOf(engine.evaluate(caseBook(c, { underlying: "BTC", currency: "BTC" }), { presets: [PRESET] }).accounts[0]);
      expect(m.currency).toBe("BTC");
      expect(rel(m.maintenance, want.mm / index)).toBe(true);
      expect(rel(m.initial, want.im / index)).toBe(true);
      expect(rel(m.components.netMM, c.out.MM / index)).toBe(true);
    });

    // ---- (b) equality with evaluateDerive on hand-built portfolios
    it("a random book: every account equals evaluateDerive on its hand-built portfolios", () => {
      const seen = { several: 0, coinAccount: 0, future: 0, linearOption: 0, inverseOption: 0, coinCollateral: 0 };
      for (const seed of [1, 2, 3]) {
        const book = randomDeriveBook(seed);
        for (const a of book.accounts!) {
          const ids = Object.keys(a.positions ?? {});
          if (new Set(ids.map((id) => id.slice(0, 3))).size > 1) seen.several++;
          if (a.currency !== "USD") seen.coinAccount++;
          if (ids.some((id) => id.endsWith("-fut"))) seen.future++;
          if (ids.some((id) => id.endsWith("-lin"))) seen.linearOption++;
          if (ids.some((id) => id.endsWith("-inv"))) seen.inverseOption++;
          if (Object.keys(a.collateral ?? {}).some((s) => !STABLECOINS.has(s))) seen.coinCollateral++;
        }
        const report = engine.evaluate(book, { presets: [PRESET] });
        book.accounts!.forEach((a, k) => {
          const want = handEvaluate(book, a, kernel);
          const got = deriveOf(report.accounts[k]);
          const ctx = `seed ${seed} account ${a.id}`;
          expect(got.currency, ctx).toBe(a.currency ?? "USD");
          expect(rel(got.maintenance, want.mm, 1e-9) || Math.abs(got.maintenance - want.mm) < 1e-9, `${ctx} MM ${got.maintenance} vs ${want.mm}`).toBe(true);
          expect(rel(got.initial, want.im, 1e-9) || Math.abs(got.initial - want.im) < 1e-9, `${ctx} IM ${got.initial} vs ${want.im}`).toBe(true);
          expect(got.initial).toBeGreaterThanOrEqual(got.maintenance);
          expect(got.maintenance).toBeGreaterThanOrEqual(0);
          // components: unprefixed = sum of the prefixed ones when several underlyings
          if (want.underlyings.length > 1) {
            for (const key of ["mmRequirement", "imRequirement", "minSpan", "mmContingency", "netMM"]) {
              const sum = want.underlyings.reduce((s, u) => s + got.components[`${u}.${key}`], 0);
              expect(got.components[key]).toBeCloseTo(sum, 6);
            }
          } else {
            expect(Object.keys(got.components).some((k) => k.includes("."))).toBe(false);
          }
          expect(got.components.mmRequirement).toBeCloseTo(got.maintenance, 6);
          expect(got.components.imRequirement).toBeCloseTo(got.initial, 6);
        });
      }
      // the random books exercise every mapping rule
      for (const [k, n] of Object.entries(seen)) expect(n, k).toBeGreaterThan(0);
    });

    // ---- (c) capital efficiency
    it("appears in the capitalEfficiency table next to isolated and cross", () => {
      const book = randomDeriveBook(7);
      const report = engine.evaluate(book, { presets: [PRESET] });
      for (const acct of report.accounts) {
        const row = acct.capitalEfficiency.find((r) => r.model === PRESET);
        expect(row, acct.id).toBeDefined();
        const m = deriveOf(acct);
        expect(row!.initial).toBe(m.initial);
        const iso = acct.margin.isolated.initial;
        expect(row!.released).toBeCloseTo(iso - m.initial, 9);
        expect(acct.capitalEfficiency.map((r) => r.model)).toEqual(expect.arrayContaining(["isolated", "cross", PRESET]));
      }
    });

    // ---- (d) overrides
    it("mmFactor changes MM by −Δ·minSpan and leaves IM alone; per-underlying overrides touch only that underlying", () => {
      const book = multiBook();
      const base = deriveOf(engine.evaluate(book, { presets: [PRESET] }).accounts[0]);
      const glob = deriveOf(engine.evaluate({ ...book, risk: { overrides: { mmFactor: 0.9 } } }, { presets: [PRESET] }).accounts[0]);
      expect(glob.maintenance - base.maintenance).toBeCloseTo(-0.1 * base.components.minSpan, 6);
      expect(glob.initial).toBeCloseTo(base.initial, 9);
      expect(base.components.minSpan).toBeLessThan(0);

      const btcOnly = deriveOf(engine.evaluate({ ...book, risk: { overrides: { BTC: { mmFactor: 1 } } } }, { presets: [PRESET] }).accounts[0]);
      expect(btcOnly.maintenance - base.maintenance).toBeCloseTo(-0.2 * base.components["BTC.minSpan"], 6);
      expect(btcOnly.components["ETH.mmRequirement"]).toBeCloseTo(base.components["ETH.mmRequirement"], 9);
      expect(btcOnly.components["BTC.mmRequirement"]).toBeGreaterThan(base.components["BTC.mmRequirement"]);
    });

    it("option and collateral parameters as data: IMOptionPercent and the collateral haircuts", () => {
      const book = multiBook();
      const base = deriveOf(engine.evaluate(book, { presets: [PRESET] }).accounts[0]);
      const opt = deriveOf(engine.evaluate({ ...book, risk: { overrides: { IMOptionPercent: 0.012 } } }, { presets: [PRESET] }).accounts[0]);
      // +0.01 × naked shorts × spot on IM only
      expect(opt.maintenance).toBeCloseTo(base.maintenance, 9);
      expect(opt.initial - base.initial).toBeCloseTo(5 * base.components.imOptionContingency, 6);

      const coll = deriveOf(engine.evaluate({
        ...book,
        risk: { overrides: { BTC: { collaterals: { BTC: { MMHaircut: 0.1, IMHaircut: 0.05, isRiskCancelling: true } } } } },
      }, { presets: [PRESET] }).accounts[0]);
      const btcValue = 0.5 * 80_000;
      expect(coll.components["BTC.mmCollateralHaircut"]).toBeCloseTo(btcValue * 0.1, 6);
      expect(coll.components["BTC.imCollateralHaircut"]).toBeCloseTo(btcValue * 0.05, 6);
      expect(coll.maintenance - base.maintenance).toBeCloseTo(btcValue * (0.1 - 0.02), 6);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Mapping rules, one by one (js backend)

describe("derive-pmrm2 book → portfolio mapping", () => {
  let engine: Engine;
  beforeAll(() => {
    engine = initSync({ backend: "js" });
  });
  const ctxOf = (book: BookInput) => engine.context(engine.parse(book));

  it("options: inverse 1 coin per contract, linear contractSize coins; forwards and rates from the market", () => {
    const exp = T0 + 30 * 86_400_000;
    const exp2 = T0 + 90 * 86_400_000;
    const book: BookInput = {
      valuationTime: iso(T0),
      markets: { BTC: { index: 80_000, rate: 0.05, forwards: { [iso(exp)]: 80_500 } } },
      instruments: [
        { id: "inv", kind: "option", underlying: "BTC", right: "put", strike: 70_000, expiry: iso(exp), settlement: "inverse", contractSize: 1, vol: 0.5 },
        { id: "lin", kind: "option", underlying: "BTC", right: "call", strike: 90_000, expiry: iso(exp2), settlement: "linear", contractSize: 0.01, vol: 0.6 },
      ],
      accounts: [{ id: "a", positions: { inv: -2, lin: 300 } }],
    };
    const ctx = ctxOf(book);
    const pf = fromBook(ctx, ctx.book.accounts[0], "BTC", deriveDefaultsFor("BTC"));
    expect(pf.spotPrice).toBe(80_000);
    expect(pf.cash).toBe(0);
    expect(pf.perp).toBeUndefined();
    expect(pf.expiries).toHaveLength(2);
    const [e1, e2] = pf.expiries!;
    expect(e1.secToExpiry).toBe(30 * 86_400);
    expect(e1.forward).toBe(80_500);
    expect(e1.rate).toBe(0.05);
    expect(e1.options).toEqual([{ strike: 70_000, isCall: false, amount: -2, vol: 0.5, volConfidence: 1 }]);
    expect(e2.forward).toBeCloseTo(80_000 * Math.exp(0.05 * (90 * 86_400_000) / MS_PER_YEAR), 9);
    expect(e2.options[0].amount).toBeCloseTo(3, 12);
    expect(e2.options[0].isCall).toBe(true);
  });

  it("perps and futures: coins of exposure, netted into one perp line at the |coins|-weighted mark", () => {
    const fut = Date.UTC(2026, 8, 25, 8);
    const book: BookInput = {
      valuationTime: iso(T0),
      markets: { BTC: { index: 80_000, forwards: { [iso(fut)]: 81_000 } } },
      instruments: [
        { id: "BTC-PERPETUAL", contractSize: 10 },
        { id: "BTC_USDC-PERPETUAL" },
        { id: "BTC-25SEP26", contractSize: 10 },
      ],
      accounts: [{ id: "a", positions: { "BTC-PERPETUAL": 16_000, "BTC_USDC-PERPETUAL": 1, "BTC-25SEP26": 8_100 } }],
    };
    const ctx = ctxOf(book);
    const pf = fromBook(ctx, ctx.book.accounts[0], "BTC", deriveDefaultsFor("BTC"));
    // inverse perp: 160 000 USD face / 80 000 = 2 coins; linear perp 1 coin; future 81 000 USD / 81 000 = 1 coin
    expect(pf.perp!.position).toBeCloseTo(4, 12);
    expect(pf.perp!.price).toBeCloseTo((3 * 80_000 + 81_000) / 4, 9);
    expect(pf.perp!.unrealisedPnl).toBe(0);
    // scenario P&L of the perp line = Σ coins × mark × (m − 1): exact for same-sign positions
    const r = evaluateDerive(pf, deriveDefaultsFor("BTC"), makeKernel("js"));
    const up = r.scenarios.findIndex((s) => s.spotShock === 1.18);
    expect(r.scenarios[up].pnl).toBeCloseTo((3 * 80_000 + 81_000) * 0.18, 6);
    expect(r.components.mmPerpContingency).toBeCloseTo(4 * 80_000 * 0.03, 6);
  });

  it("cash, collateral and spot: stablecoins are cash, the market's own coin is risk-cancelling, other coins are haircut collateral of the home portfolio", () => {
    const book: BookInput = {
      valuationTime: iso(T0),
      markets: { BTC: { index: 80_000 }, ETH: { index: 2_500 }, SOL: { index: 150 } },
      instruments: [{ id: "BTC-PERPETUAL" }, { id: "BTC_USDC" }],
      accounts: [{
        id: "a", collateral: { USDC: 1_000, USDT: 500, BTC: 0.5, ETH: 2, SOL: 10 },
        positions: { "BTC-PERPETUAL": -40_000, BTC_USDC: 0.25 },
      }],
    };
    const ctx = ctxOf(book);
    const acct = ctx.book.accounts[0];
    // SOL has no Derive haircut by default
    try {
      fromBook(ctx, acct, "BTC", deriveDefaultsFor("BTC"));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(RiskError);
      expect((e as RiskError).code).toBe("E_UNKNOWN_ASSET");
      expect((e as RiskError).path).toBe("accounts[0].collateral.SOL");
    }
    const p = resolveDeriveParams({ collaterals: { SOL: { MMHaircut: 0.2, IMHaircut: 0.1, isRiskCancelling: true } } }, "BTC", deriveDefaultsFor("BTC"));
    const pf = fromBook(ctx, acct, "BTC", p);
    expect(pf.cash).toBe(1_500);
    const byName = Object.fromEntries(pf.collaterals!.map((c) => [c.name, c]));
    expect(Object.keys(byName).sort()).toEqual(["BTC", "ETH", "SOL"]);
    expect(byName.BTC.amount).toBe(0.75); // 0.5 collateral + 0.25 spot
    expect(byName.BTC.isRiskCancelling).toBe(true);
    expect(byName.BTC.MMHaircut).toBe(0.02);
    expect(byName.ETH).toMatchObject({ amount: 2, price: 2_500, isRiskCancelling: false, MMHaircut: 0.08 });
    expect(byName.SOL.isRiskCancelling).toBe(false); // a SOL coin cannot hedge a BTC portfolio
    expect(pf.perp!.position).toBeCloseTo(-0.5, 12);

    // USDT listed as a Derive collateral becomes a haircut collateral instead of cash
    const p2 = resolveDeriveParams({ collaterals: { SOL: { MMHaircut: 0.2, IMHaircut: 0.1 }, USDT: { MMHaircut: 0.02, IMHaircut: 0.03 } } }, "BTC", deriveDefaultsFor("BTC"));
    const pf2 = fromBook(ctx, acct, "BTC", p2);
    expect(pf2.cash).toBe(1_000);
    expect(pf2.collaterals!.find((c) => c.name === "USDT")).toMatchObject({ amount: 500, price: 1 });
  });

  it("several underlyings: cash and untraded coins in the home portfolio only, each coin in its own market's portfolio", () => {
    const book = multiBook();
    const ctx = ctxOf(book);
    const acct = ctx.book.accounts[0];
    const btc = fromBook(ctx, acct, "BTC", deriveDefaultsFor("BTC"));
    const eth = fromBook(ctx, acct, "ETH", deriveDefaultsFor("ETH"));
    expect(btc.cash).toBe(20_000);
    expect(eth.cash).toBe(0);
    expect(btc.collaterals!.map((c) => c.name)).toEqual(["BTC"]);
    expect(eth.collaterals!.map((c) => [c.name, c.isRiskCancelling])).toEqual([["ETH", true]]);
  });

  it("reports per-underlying components, their sums, and the worst scenario across portfolios", () => {
    const m = deriveOf(engine.evaluate(multiBook(), { presets: [PRESET] }).accounts[0]);
    for (const u of ["BTC", "ETH"]) {
      expect(m.components[`${u}.mmRequirement`]).toBeGreaterThan(0);
      expect(m.components[`${u}.netMM`]).toBeCloseTo(m.components[`${u}.mtm`] - m.components[`${u}.mmRequirement`], 6);
    }
    expect(m.maintenance).toBeCloseTo(m.components["BTC.mmRequirement"] + m.components["ETH.mmRequirement"], 9);
    expect(m.components.cash).toBe(20_000);
    expect(m.worst).not.toBeNull();
    expect(m.worst!.pnl).toBeCloseTo(Math.min(m.components["BTC.minSpan"], m.components["ETH.minSpan"]), 9);
    expect(typeof m.worst!.label).toBe("string");
    expect("mmFactor" in m.components).toBe(false);
  });

  it("an account with only cash needs nothing; one with only coins pays for their spot risk and haircuts", () => {
    const book: BookInput = {
      valuationTime: iso(T0),
      markets: { BTC: { index: 80_000 }, ETH: { index: 2_500 } },
      instruments: [{ id: "BTC-PERPETUAL" }],
      accounts: [
        { id: "cash", collateral: { USDC: 1_000 } },
        { id: "coins", collateral: { ETH: 4 } },
        { id: "empty" },
      ],
    };
    const r = engine.evaluate(book, { presets: [PRESET] });
    const [cash, coins, empty] = r.accounts.map(deriveOf);
    expect(cash.maintenance).toBe(0);
    expect(cash.initial).toBe(0);
    expect(cash.worst).toBeNull();
    expect(empty.maintenance).toBe(0);
    // One ETH portfolio: the ETH is risk-cancelling, so it is spot-shocked (worst: −18 %) and haircut (1 % / +1.5 %).
    const value = 4 * 2_500;
    expect(coins.components.minSpan).toBeCloseTo(-0.18 * value, 9);
    expect(coins.maintenance).toBeCloseTo(0.8 * 0.18 * value + 0.01 * value, 9);
    expect(coins.initial).toBeCloseTo(0.18 * value + (0.01 + 0.015) * value, 9);
    expect(coins.worst!.underlying).toBe("ETH");
  });

  it("refuses a negative coin balance and bad overrides with a RiskError", () => {
    const book: BookInput = {
      valuationTime: iso(T0),
      markets: { BTC: { index: 80_000 } },
      instruments: [{ id: "BTC-PERPETUAL" }],
      accounts: [{ id: "a", collateral: { BTC: -1, USDC: 100_000 }, positions: { "BTC-PERPETUAL": 1_000 } }],
    };
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(RiskError);
        return [(e as RiskError).code, (e as RiskError).path];
      }
      return null;
    };
    expect(code(() => engine.evaluate(book, { presets: [PRESET] }))).toEqual(["E_RANGE", "accounts[0].collateral.BTC"]);
    const ok = { ...book, accounts: [{ ...book.accounts![0], collateral: { USDC: 100_000 } }] };
    expect(code(() => engine.evaluate({ ...ok, risk: { overrides: { mmFactor: -1 } } }, { presets: [PRESET] }))).toEqual(["E_PRESET", "risk.overrides.mmFactor"]);
    // the engine stays usable
    expect(deriveOf(engine.evaluate(ok, { presets: [PRESET] }).accounts[0]).maintenance).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------------------------------------
// Books and the independent hand-built portfolios

/** One account trading BTC and ETH options and perps, with USDC and coin collateral. */
function multiBook(): BookInput {
  const e1 = iso(T0 + 14 * 86_400_000);
  const e2 = iso(T0 + 60 * 86_400_000);
  return {
    valuationTime: iso(T0),
    markets: { BTC: { index: 80_000, rate: 0.03 }, ETH: { index: 2_500, rate: 0.03 } },
    instruments: [
      { id: "BTC-PERPETUAL", contractSize: 10 },
      { id: "ETH_USDC-PERPETUAL" },
      { id: "b-p", kind: "option", underlying: "BTC", right: "put", strike: 72_000, expiry: e1, settlement: "inverse", contractSize: 1, vol: 0.55 },
      { id: "b-c", kind: "option", underlying: "BTC", right: "call", strike: 90_000, expiry: e2, settlement: "inverse", contractSize: 1, vol: 0.5 },
      { id: "e-c", kind: "option", underlying: "ETH", right: "call", strike: 3_000, expiry: e1, settlement: "linear", contractSize: 1, vol: 0.7 },
      { id: "e-p", kind: "option", underlying: "ETH", right: "put", strike: 2_200, expiry: e2, settlement: "linear", contractSize: 1, vol: 0.75 },
    ],
    accounts: [{
      id: "multi", currency: "USD", collateral: { USDC: 20_000, BTC: 0.5, ETH: 3 },
      positions: { "BTC-PERPETUAL": -4_000, "b-p": -2, "b-c": 1, "e-c": -10, "e-p": 5, "ETH_USDC-PERPETUAL": 2 },
    }],
  };
}

/** Random BTC/ETH book: inverse and linear options, perps and futures, USD and coin accounts. */
function randomDeriveBook(seed: number): BookInput {
  const r = rng(seed);
  const index: Record<string, number> = { BTC: 77_081.8, ETH: 2_411.5 };
  const expiries = [T0 + 6 * 86_400_000, T0 + 34 * 86_400_000, T0 + 125 * 86_400_000];
  const markets: BookInput["markets"] = {
    BTC: { index: index.BTC, rate: 0.04, forwards: { [iso(expiries[1])]: index.BTC * 1.006 } },
    ETH: { index: index.ETH, rate: 0.02, carry: 0.01 },
  };
  const instruments: InstrumentInput[] = [];
  for (const u of ["BTC", "ETH"]) {
    instruments.push({ id: `${u}-PERPETUAL`, contractSize: u === "BTC" ? 10 : 1 }, { id: `${u}_USDC-PERPETUAL` });
    instruments.push({ id: `${u}-fut`, kind: "future", underlying: u, expiry: iso(expiries[2]), settlement: "inverse", contractSize: 10 });
    expiries.forEach((e, ei) => {
      for (let k = 0; k < 4; k++) {
        const strike = Math.round(index[u] * (0.8 + 0.15 * k) / (u === "BTC" ? 1000 : 50)) * (u === "BTC" ? 1000 : 50);
        for (const right of ["call", "put"] as const) {
          const linear = (k + ei) % 2 === 0;
          instruments.push({
            id: `${u}-${ei}-${strike}-${right}-${linear ? "lin" : "inv"}`, kind: "option", underlying: u, right, strike,
            expiry: iso(e), settlement: linear ? "linear" : "inverse", contractSize: linear ? 0.1 : 1, vol: 0.4 + 0.4 * r(),
          });
        }
      }
    });
  }
  const accounts: AccountInput[] = [];
  for (let a = 0; a < 5; a++) {
    const currency = ["USD", "BTC", "ETH", "USD", "USD"][a];
    const positions: Record<string, number> = {};
    const only = a === 3 ? "BTC" : a === 4 ? "ETH" : null;
    const pool = only ? instruments.filter((x) => x.id.startsWith(only)) : instruments;
    for (let p = 0; p < 8; p++) {
      const x = pool[Math.floor(r() * pool.length)];
      const isOpt = x.kind === "option";
      const q = isOpt ? Math.round((r() - 0.5) * 20) / (x.settlement === "linear" ? 0.1 : 1) / 2
        : x.id.includes("_USDC") ? Math.round((r() - 0.5) * 8) : Math.round((r() - 0.5) * 4000);
      if (q !== 0) positions[x.id] = (positions[x.id] ?? 0) + q;
    }
    const collateral: Record<string, number> = currency === "USD"
      ? { USDC: Math.round(50_000 + 200_000 * r()), ...(a === 0 ? { BTC: 0.7, ETH: 5 } : {}) }
      : { [currency]: currency === "BTC" ? 1 + 3 * r() : 20 + 60 * r() };
    accounts.push({ id: `acct-${a}`, currency, collateral, positions });
  }
  return { valuationTime: iso(T0), markets, instruments, accounts };
}

/**
 * The mapping rules written out a second time, straight from the BookInput (explicit instrument fields
 * or the two Deribit names used above), then evaluateDerive per underlying and the sum of requirements.
 */
function handEvaluate(book: BookInput, a: AccountInput, kernel: Kernel): { mm: number; im: number; underlyings: string[] } {
  const t0 = Date.parse(String(book.valuationTime));
  const insts = new Map(book.instruments.map((x) => [x.id, x]));
  const describe = (id: string) => {
    const x = insts.get(id)!;
    if (x.id.endsWith("-PERPETUAL")) {
      const u = x.id.split(/[-_]/)[0];
      const linear = x.id.includes("_USDC");
      return { kind: "perpetual", underlying: u, settlement: linear ? "linear" : "inverse", contractSize: x.contractSize ?? 1 } as InstrumentInput;
    }
    return x;
  };
  const forward = (u: string, expiry?: number): number => {
    const m = book.markets[u];
    if (expiry === undefined) return m.index;
    const f = m.forwards?.[iso(expiry)];
    if (f !== undefined) return f;
    return m.index * Math.exp(((m.rate ?? 0) - (m.carry ?? 0)) * ((expiry - t0) / MS_PER_YEAR));
  };
  const markets = Object.keys(book.markets).sort();
  const positions = Object.entries(a.positions ?? {}).filter(([, q]) => q !== 0);
  const traded = markets.filter((u) => positions.some(([id]) => describe(id).underlying === u));
  const coins = Object.entries(a.collateral ?? {}).filter(([s, q]) => q !== 0 && !STABLECOINS.has(s)).map(([s]) => s);
  const underlyings = traded.length > 0 ? traded : coins.length ? [markets.find((u) => coins.includes(u)) ?? markets[0]] : [];
  const acctUsd = (a.currency ?? "USD") === "USD" ? 1 : book.markets[a.currency!].index;
  let mm = 0;
  let im = 0;
  underlyings.forEach((u, j) => {
    const p: DeriveParams = resolveDeriveParams(book.risk?.overrides ?? {}, u, deriveDefaultsFor(u));
    const exps = new Map<number, DeriveExpiry>();
    let pos = 0;
    let absCoins = 0;
    let absNotional = 0;
    for (const [id, q] of positions) {
      const x = describe(id);
      if (x.underlying !== u) continue;
      const expiry = x.expiry === undefined ? undefined : Date.parse(String(x.expiry));
      if (x.kind === "option") {
        let e = exps.get(expiry!);
        if (!e) exps.set(expiry!, (e = { secToExpiry: (expiry! - t0) / 1000, forward: forward(u, expiry), rate: book.markets[u].rate ?? 0, options: [] }));
        e.options.push({ strike: x.strike!, isCall: x.right === "call", amount: q * x.contractSize!, vol: x.vol! });
      } else {
        const mark = forward(u, expiry);
        const c = x.settlement === "inverse" ? (q * x.contractSize!) / mark : q * x.contractSize!;
        pos += c;
        absCoins += Math.abs(c);
        absNotional += Math.abs(c) * mark;
      }
    }
    const pf: DerivePortfolio = {
      spotPrice: book.markets[u].index,
      cash: j === 0 ? Object.entries(a.collateral ?? {}).filter(([s]) => STABLECOINS.has(s)).reduce((s, [, v]) => s + v, 0) : 0,
      expiries: [...exps.entries()].sort((x, y) => x[0] - y[0]).map(([, e]) => e),
      collaterals: Object.entries(a.collateral ?? {})
        .filter(([s, q]) => q !== 0 && !STABLECOINS.has(s) && (underlyings.includes(s) ? s === u : j === 0))
        .map(([s, q]) => ({ name: s, amount: q, price: book.markets[s].index, isRiskCancelling: s === u && p.collaterals[s].isRiskCancelling })),
    };
    if (absCoins > 0) pf.perp = { position: pos, price: absNotional / absCoins };
    const r = evaluateDerive(pf, p, kernel);
    mm += r.mtm - r.mm;
    im += r.mtm - r.im;
  });
  return { mm: mm / acctUsd, im: im / acctUsd, underlyings };
}
