/**
 * Book → Derive PMRM_2 portfolios (the mapping the `derive-pmrm2` preset uses).
 *
 * Derive margins one market per account: a PMRM_2 manager covers one underlying (its options, its perp,
 * cash and collateral), and a trader with BTC and ETH positions holds two subaccounts. riskgrid does the
 * same: an account of the book becomes one `DerivePortfolio` per underlying it trades, and the account's
 * requirement is the sum over those portfolios (src/margin/derive/preset.ts).
 *
 * Mapping rules, for account `a` and underlying `u` (all money in USD, the margin unit of PMRM_2):
 *
 * - Market: `spotPrice` = the index of u; per expiry, the forward from the instrument table (the book's
 *   `markets[u].forwards[expiry]` when given, else index·e^{(rate − carry)T}) and the market's rate;
 *   `secToExpiry` = (expiry − valuationTime) / 1000. Every confidence is 1 (the book has no oracle
 *   confidences), `stablePrice` is 1 (USD is the unit; the peg-loss add-on needs a stable feed the book
 *   does not have).
 * - Options of u, grouped by expiry: strike, right, vol = the instrument's mark vol, amount in coins =
 *   quantity × contractSize (inverse options: 1 coin per contract as Deribit; linear `_USDC` options:
 *   contractSize coins per contract). Inverse and linear options of one expiry share its forward and
 *   are valued alike (PMRM_2 values every option in USD with Black-76).
 * - Perpetuals and dated futures of u: Derive lists no dated futures, so riskgrid treats a future like a
 *   perp at its forward. Each position is converted to coins of exposure (linear: quantity ×
 *   contractSize; inverse: quantity × contractSize USD face / mark) at its mark (perp: the index;
 *   future: its forward), and all of them net into Derive's single perp line: position = Σ coins,
 *   price = the |coins|-weighted mean mark. That is exact for the scenario P&L (Σ coins·mark·(m − 1))
 *   whenever the delta-one positions all have the same sign; for opposite signs (a perp hedged by a
 *   future) the basis between the legs' marks is not charged, and the perp contingency is on the net
 *   coins. Unrealised P&L and funding are 0: riskgrid marks delta-one positions at their own level.
 * - Spot positions (`kind: "spot"`) of u are coins held: they add to the account's u collateral.
 * - Cash: the account's stablecoins (USD, USDC, USDT, DAI, USDE) at their USD price, unless the
 *   parameters list the stablecoin under `collaterals` (then it is a haircut collateral, as USDT is on
 *   Derive). Negative amounts are borrowed cash (Derive allows negative USDC).
 * - Other collateral (coins): per Derive's collateral model, value = amount × USD price, haircuts
 *   `MMHaircut` / `IMHaircut` from `params.collaterals[asset]` (u's parameters). A coin is risk-cancelling
 *   (spot-shocked with u's scenarios) only in the portfolio of its own underlying and only when the
 *   parameters say `isRiskCancelling`; a coin of another market is a plain haircut collateral. Each
 *   collateral goes to exactly one portfolio: its own underlying's when the account trades it, else the
 *   account's home portfolio. An asset without Derive haircuts is refused (E_UNKNOWN_ASSET), as PMRM_2
 *   refuses an asset not enabled for the manager; a negative coin balance is refused (E_RANGE): Derive
 *   borrows only cash.
 * - Home portfolio: the first underlying the account trades (in the book's sorted market order); it
 *   carries the cash and the collateral of untraded assets. An account that trades nothing but holds
 *   non-cash collateral gets one portfolio on the first of its collateral coins that is a market
 *   (else the book's first underlying), so the haircuts are still charged.
 *
 * Open orders are not margined (PMRM_2 has no open-order charge).
 */
import { assetPriceUsd } from "../../engine/account-matrix.js";
import type { InstrumentTable } from "../../engine/instrument-table.js";
import { RiskError } from "../../errors.js";
import type { Account, Book } from "../../types.js";
import { STABLECOINS } from "../../types.js";
import type { DeriveCollateral, DeriveExpiry, DeriveOption, DerivePortfolio } from "./model.js";
import type { DeriveParams } from "./params.js";

/** What the mapping needs from a preset context. */
export interface BookContext {
  book: Book;
  table: InstrumentTable;
}

function accountPath(book: Book, account: Account): string {
  const k = book.accounts.indexOf(account);
  return k >= 0 ? `accounts[${k}]` : `accounts[${JSON.stringify(account.id)}]`;
}

function instrumentIndex(ctx: BookContext, account: Account, id: string): number {
  const i = ctx.table.indexOf.get(id);
  if (i === undefined) {
    throw new RiskError("E_UNKNOWN_INSTRUMENT", `${accountPath(ctx.book, account)}.positions`, `position names unknown instrument "${id}"`);
  }
  return i;
}

/**
 * The account's positions netted per instrument (Derive holds one balance per asset: a position listed
 * in pieces, or bought and sold back, is its net), in instrument order, zero nets dropped.
 */
function netLines(ctx: BookContext, account: Account): { inst: number; qty: number }[] {
  const net = new Map<number, number>();
  for (const p of account.positions) {
    const i = instrumentIndex(ctx, account, p.instrument);
    net.set(i, (net.get(i) ?? 0) + p.qty);
  }
  return [...net].filter(([, q]) => q !== 0).sort((a, b) => a[0] - b[0]).map(([inst, qty]) => ({ inst, qty }));
}

/** Underlyings the account holds net positions in, in the book's market order. */
export function tradedUnderlyings(ctx: BookContext, account: Account): string[] {
  const held = new Set(netLines(ctx, account).map((l) => ctx.table.underlyingOf[l.inst]));
  return ctx.table.underlyings.filter((_, r) => held.has(r));
}

const isCash = (asset: string, params: DeriveParams) => STABLECOINS.has(asset) && !params.collaterals[asset];

/**
 * The PMRM_2 portfolios of an account: the underlyings it trades, or, when it trades nothing, one
 * underlying to carry its non-cash collateral (none when it holds only cash).
 */
export function derivePortfolioUnderlyings(ctx: BookContext, account: Account): string[] {
  const traded = tradedUnderlyings(ctx, account);
  if (traded.length > 0) return traded;
  const coins = Object.entries(account.collateral)
    .filter(([asset, amount]) => amount !== 0 && !STABLECOINS.has(asset))
    .map(([asset]) => asset);
  if (coins.length === 0) return [];
  const markets = ctx.table.underlyings;
  return [markets.find((u) => coins.includes(u)) ?? markets[0]];
}

/**
 * The Derive PMRM_2 portfolio of `account` for `underlying` (see the mapping rules above). `params` are
 * the underlying's resolved parameters (resolveDeriveParams): they say which assets are haircut
 * collateral and which are risk-cancelling.
 */
export function fromBook(ctx: BookContext, account: Account, underlying: string, params: DeriveParams): DerivePortfolio {
  const { book, table } = ctx;
  const market = book.markets[underlying];
  if (!market) {
    throw new RiskError("E_UNKNOWN_MARKET", "", `derive-pmrm2: the book has no market "${underlying}"`);
  }
  const path = accountPath(book, account);
  const portfolios = derivePortfolioUnderlyings(ctx, account);
  const home = portfolios[0] ?? underlying;
  const isHome = underlying === home;

  // ---- positions of u
  const byExpiry = new Map<number, { forward: number; rate: number; options: DeriveOption[] }>();
  let perpCoins = 0;
  let perpAbsCoins = 0;
  let perpAbsNotional = 0;
  let spotCoins = 0;
  for (const pos of netLines(ctx, account)) {
    const i = pos.inst;
    const x = table.instruments[i];
    if (x.underlying !== underlying) continue;
    if (x.kind === "option") {
      const expiry = x.expiry!;
      let e = byExpiry.get(expiry);
      if (!e) {
        e = { forward: table.fwd[i], rate: table.rate[i], options: [] };
        byExpiry.set(expiry, e);
      }
      e.options.push({ strike: x.strike!, isCall: x.right === "call", amount: pos.qty * x.contractSize, vol: x.vol!, volConfidence: 1 });
    } else if (x.kind === "spot") {
      spotCoins += pos.qty * x.contractSize;
    } else {
      // perpetual or dated future: coins of exposure at its mark (index for perps, forward for futures)
      const mark = table.fwd[i];
      const coins = x.settlement === "inverse" ? (pos.qty * x.contractSize) / mark : pos.qty * x.contractSize;
      perpCoins += coins;
      perpAbsCoins += Math.abs(coins);
      perpAbsNotional += Math.abs(coins) * mark;
    }
  }
  const expiries: DeriveExpiry[] = [...byExpiry.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([expiry, e]) => ({
      secToExpiry: (expiry - book.valuationTime) / 1000,
      forward: e.forward,
      forwardConfidence: 1,
      rate: e.rate,
      rateConfidence: 1,
      volConfidence: 1,
      options: e.options,
    }));

  // ---- cash and collateral
  let cash = 0;
  const collaterals: DeriveCollateral[] = [];
  const holdings = new Map<string, number>(Object.entries(account.collateral));
  if (spotCoins !== 0) holdings.set(underlying, (holdings.get(underlying) ?? 0) + spotCoins);
  for (const [asset, amount] of holdings) {
    if (amount === 0) continue;
    if (isCash(asset, params)) {
      if (isHome) cash += amount * assetPriceUsd(book, asset);
      continue;
    }
    // which portfolio holds this asset: its own underlying's when traded, else the home portfolio
    const owner = portfolios.includes(asset) ? asset : home;
    if (owner !== underlying) continue;
    const apath = `${path}.collateral.${asset}`;
    if (amount < 0) {
      throw new RiskError("E_RANGE", apath,
        `derive-pmrm2: a negative ${asset} balance cannot be margined (Derive borrows only USDC cash); hold ${asset} ≥ 0 or use another preset`);
    }
    const cp = params.collaterals[asset];
    if (!cp) {
      throw new RiskError("E_UNKNOWN_ASSET", apath,
        `derive-pmrm2 has no haircuts for collateral "${asset}" in the ${underlying} portfolio: set ` +
        `risk.overrides.collaterals.${asset} (or risk.overrides.${underlying}.collaterals.${asset}) to ` +
        `{ "MMHaircut": …, "IMHaircut": …, "isRiskCancelling": … }`);
    }
    collaterals.push({
      name: asset,
      amount,
      price: assetPriceUsd(book, asset),
      confidence: 1,
      MMHaircut: cp.MMHaircut,
      IMHaircut: cp.IMHaircut,
      isRiskCancelling: asset === underlying && cp.isRiskCancelling,
    });
  }

  const pf: DerivePortfolio = {
    underlying,
    spotPrice: market.index,
    spotConfidence: 1,
    stablePrice: 1,
    cash,
    collaterals,
    expiries,
  };
  if (perpAbsCoins > 0) {
    pf.perp = {
      position: perpCoins,
      price: perpAbsNotional / perpAbsCoins,
      confidence: 1,
      unrealisedPnl: 0,
      unrealisedFunding: 0,
    };
  }
  return pf;
}
