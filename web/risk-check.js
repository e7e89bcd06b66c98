// @ts-check
/**
 * The page's logic, free of the DOM (the browser tests also run it in Node against the same engine):
 * one account's book, its full evaluation, and the pre-trade check.
 *
 * The engine is passed in (an `Engine` from riskgrid's init/initSync), so this module imports nothing.
 */

/** @typedef {{ instrument: string, qty: number }} PositionRow */
/** @typedef {{ instrument: string, side: "buy" | "sell", size: number }} Order */

/** Linear instruments settle in USD: take the account's own stablecoin when it holds one. */
const STABLE_ORDER = ["USDC", "USD", "USDT", "DAI", "USDE"];

/**
 * The book reduced to one account (a client check sees one account), with its positions replaced.
 * Instruments and markets stay: the instrument pass prices the whole listing.
 * @param {any} input  BookInput (parsed JSON)
 * @param {string} accountId
 * @param {PositionRow[]} [positions]  replaces the account's positions when given
 * @returns {any} BookInput
 */
export function accountBook(input, accountId, positions) {
  const account = (input.accounts ?? []).find((/** @type {any} */ a) => a.id === accountId);
  if (!account) throw new Error(`no account "${accountId}" in the book`);
  /** @type {Record<string, number>} */
  const pos = {};
  if (positions) {
    for (const p of positions) {
      if (!p.instrument) continue;
      pos[p.instrument] = (pos[p.instrument] ?? 0) + p.qty;
    }
  }
  return { ...input, accounts: [{ ...account, positions: positions ? pos : { ...(account.positions ?? {}) } }] };
}

/** Registered presets that evaluate on this book without error, the book's own first. */
export function workingPresets(engine, presetNames, book) {
  const own = book.risk?.presets ?? [];
  const order = [...own, ...presetNames.filter((p) => !own.includes(p))].filter((p) => p !== "standard");
  return order.filter((p) => {
    try {
      engine.evaluateBook(book, { presets: [p] });
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Evaluate one-account book input. `presets` lists the portfolio presets besides standard, the book's
 * primary first (so the report's primaryModel is the account's own).
 * @returns {{ book: any, report: any, account: any, micros: number }}
 */
export function evaluateAccount(engine, bookInput, presets) {
  const t0 = performance.now();
  const book = engine.parse(bookInput);
  const report = engine.evaluateBook(book, { presets });
  const micros = (performance.now() - t0) * 1000;
  return { book, report, account: report.accounts[0], micros };
}

/**
 * Book input with the order executed at mark: quantity added to the position, and for instruments
 * with a mark value (options, spot) the premium paid from (or received into) the settlement asset's
 * collateral — the account's coin for inverse instruments, its stablecoin for linear ones. Futures
 * and perpetuals have mark value 0 (no cash moves). Fees are ignored.
 * @param {any} accountInput  one-account BookInput (from accountBook)
 * @param {Order} order
 * @param {{ id: string, settlement: string, underlying: string, value: number } | undefined} instrument
 *   the instrument's line of a report on the same book (its mark value per contract)
 */
export function withOrder(accountInput, order, instrument) {
  const acct = accountInput.accounts[0];
  const signed = order.side === "sell" ? -order.size : order.size;
  const positions = { ...(acct.positions ?? {}) };
  positions[order.instrument] = (positions[order.instrument] ?? 0) + signed;
  const collateral = { ...(acct.collateral ?? {}) };
  if (instrument && instrument.value !== 0) {
    const asset = instrument.settlement === "inverse"
      ? instrument.underlying
      : STABLE_ORDER.find((a) => a in collateral) ?? "USDC";
    collateral[asset] = (collateral[asset] ?? 0) - signed * instrument.value;
  }
  return { ...accountInput, accounts: [{ ...acct, positions, collateral }] };
}

/**
 * Pre-trade check: re-evaluate the account with the order added; accept when equity ≥ IM after the
 * order under the account's primary model.
 * @param {any} engine
 * @param {any} accountInput  one-account BookInput
 * @param {Order} order
 * @param {string[]} presets
 * @param {any} [before]  the report of accountInput (saves one evaluation)
 */
export function preTrade(engine, accountInput, order, presets, before) {
  const t0 = performance.now();
  if (!order.instrument) throw new Error("choose an instrument");
  if (!(order.size > 0) || !Number.isFinite(order.size)) throw new Error("the size must be a positive number of contracts");
  before ??= engine.evaluateBook(engine.parse(accountInput), { presets });
  const ins = before.instruments.find((/** @type {any} */ x) => x.id === order.instrument);
  if (!ins) throw new Error(`no instrument "${order.instrument}" in the book`);
  const after = engine.evaluateBook(engine.parse(withOrder(accountInput, order, ins)), { presets });
  const a0 = before.accounts[0];
  const a1 = after.accounts[0];
  const model = a1.primaryModel;
  const im = a1.margin[model].initial;
  const mm = a1.margin[model].maintenance;
  return {
    accept: a1.equity >= im,
    model,
    currency: a1.currency,
    equity: a1.equity,
    imBefore: a0.margin[model].initial,
    imAfter: im,
    mmAfter: mm,
    /** equity − IM after the order (negative: shortfall). */
    excess: a1.equity - im,
    statusAfter: a1.status,
    premium: (order.side === "sell" ? -order.size : order.size) * ins.value,
    premiumCurrency: ins.settlement === "inverse" ? ins.underlying : "USD",
    micros: (performance.now() - t0) * 1000,
    after,
  };
}
