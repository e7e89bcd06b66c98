// @ts-check
/**
 * The page's logic, free of the DOM (the browser tests also run it in Node against the same engine):
 * one account's book, its full evaluation, and the pre-trade check.
 *
 * The engine is passed in (an `Engine` from riskgrid's init/initSync), so this module imports nothing.
 */

/** @typedef {{ instrument: string, qty: number }} PositionRow */
/** @typedef {{ instrument: string, side: "buy" | "sell", size: number }} Order */

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

/**
 * The presets to evaluate: the book's own list first, in its order (so the report's primary model is
 * the one the engine and its what-if choose: the first preset, or "cross" when that is "standard"),
 * then every other registered preset that evaluates on this book without error.
 */
export function workingPresets(engine, presetNames, book) {
  const own = book.risk?.presets ?? [];
  const works = (p) => {
    try {
      engine.evaluateBook(book, { presets: [p] });
      return true;
    } catch {
      return false;
    }
  };
  return [...own, ...presetNames.filter((p) => !own.includes(p))].filter((p) => p === "standard" || works(p));
}

/**
 * Evaluate one-account book input under `presets` (from workingPresets; standard always comes too).
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
 * Pre-trade check through the engine's own what-if (the same rule and numbers as a server running
 * riskgrid): the order is filled at mark (an option's premium moves through cash, futures and
 * perpetuals move no cash), the account is re-margined under its primary model, and the verdict is
 * accept when equity ≥ IM after the order, or when the order only reduces a held position and lowers
 * IM; otherwise reject.
 * @param {any} engine
 * @param {Function} whatIf  riskgrid's whatIf(engine, book, accountId, orders)
 * @param {any} accountInput  one-account BookInput (from accountBook)
 * @param {Order} order
 * @param {any} [report]  a report of accountInput, for the premium shown (mark value per contract)
 */
export function preTrade(engine, whatIf, accountInput, order, report) {
  const t0 = performance.now();
  if (!order.instrument) throw new Error("choose an instrument");
  if (!(order.size > 0) || !Number.isFinite(order.size)) throw new Error("the size must be a positive number of contracts");
  const qty = order.side === "sell" ? -order.size : order.size;
  const r = whatIf(engine, accountInput, accountInput.accounts[0].id, [{ instrument: order.instrument, qty }]);
  const micros = (performance.now() - t0) * 1000;
  const ins = report?.instruments.find((/** @type {any} */ x) => x.id === order.instrument);
  return {
    accept: r.verdict.accept,
    rule: r.verdict.rule,
    reason: r.verdict.reason,
    model: r.model,
    currency: r.currency,
    equity: r.after.equity,
    imBefore: r.before.initial,
    imAfter: r.after.initial,
    mmAfter: r.after.maintenance,
    /** equity − IM after the order (negative: shortfall). */
    excess: r.after.distance.toInitial,
    statusAfter: r.after.status,
    premium: ins ? qty * ins.value : 0,
    premiumCurrency: ins ? (ins.settlement === "inverse" ? ins.underlying : "USD") : "",
    micros,
    result: r,
  };
}
