/**
 * The tick session gives the same IM, MM and equity as the full evaluate path (deribit-pm), before and
 * after market, position and collateral updates, on every backend. The two paths sum in different
 * orders, hence 1e-9 relative rather than bit equality.
 */
import { describe, expect, it } from "vitest";
import { BACKENDS } from "./helpers/backends.js";
import { randomBook } from "./helpers/random-book.js";
import { initSync } from "../src/index.js";

const near = (a: number, b: number, what: string) => {
  const tol = 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  if (Math.abs(a - b) > tol) expect.fail(`${what}: session ${a} vs evaluate ${b}`);
};

describe.each(BACKENDS)("tick session on %s", (backend) => {
  const engine = initSync({ backend });

  function checkAgainstReports(session: ReturnType<typeof engine.open>, ids: string[]) {
    const r = session.evaluate();
    const full = engine.evaluateBook(session.snapshot(), { presets: ["deribit-pm"] });
    ids.forEach((id) => {
      const k = r.ids.indexOf(id);
      const acct = full.accounts.find((a) => a.id === id)!;
      const pm = acct.margin["deribit-pm"];
      near(r.initial[k], pm.initial, `${id} IM`);
      near(r.maintenance[k], pm.maintenance, `${id} MM`);
      near(r.equity[k], acct.equity, `${id} equity`);
    });
  }

  it("matches evaluate() on a random book at open", () => {
    const book = randomBook({ seed: 7, accounts: 40, positionsPerAccount: 8 });
    const s = engine.open(book);
    checkAgainstReports(s, book.accounts!.map((a) => a.id));
  });

  it("matches evaluate() through one-index ticks (each account's other underlyings kept between them)", () => {
    const book = randomBook({ seed: 13, accounts: 40, positionsPerAccount: 7 });
    const s = engine.open(book);
    s.evaluate();
    for (const [u, px] of [["BTC", 78_900], ["ETH", 2_350], ["BTC", 76_100], ["BTC", 77_300]] as const) {
      s.setIndex(u, px);
      checkAgainstReports(s, book.accounts!.map((a) => a.id));
    }
    s.close();
  });

  it("matches evaluate() after index, vol, position and collateral updates", () => {
    const book = randomBook({ seed: 11, accounts: 30, positionsPerAccount: 6 });
    const s = engine.open(book);
    s.evaluate();
    s.setIndex("BTC", 79_500);
    s.setIndex("ETH", 2_301.25);
    s.setVol(book.instruments.find((x) => /-C$/.test(x.id))!.id, 0.95);
    checkAgainstReports(s, book.accounts!.map((a) => a.id));
    s.setPosition("acct-3", "BTC-PERPETUAL", -250_000);
    s.setPosition("acct-4", book.instruments[10].id, 0);
    s.setCollateral("acct-5", "BTC", 2.5);
    checkAgainstReports(s, ["acct-3", "acct-4", "acct-5", "acct-6"]);
  });

  it("a position update re-evaluates only its account", () => {
    const book = randomBook({ seed: 5, accounts: 20, positionsPerAccount: 5 });
    const s = engine.open(book);
    const before = Float64Array.from(s.evaluate().initial);
    s.setPosition("acct-2", "ETH-PERPETUAL", 1_000_000);
    const after = s.evaluate().initial;
    after.forEach((im, k) => {
      if (k === 2) expect(im).not.toBe(before[k]);
      else expect(im).toBe(before[k]);
    });
  });

  it("report(account) agrees with the session's numbers", () => {
    const book = randomBook({ seed: 3, accounts: 5, positionsPerAccount: 6 });
    const s = engine.open(book);
    s.setIndex("BTC", 70_000);
    const r = s.evaluate();
    const rep = s.report("acct-1");
    near(r.initial[1], rep.margin["deribit-pm"].initial, "IM");
    near(r.equity[1], rep.equity, "equity");
  });

  it("a closed session refuses further use", () => {
    const s = engine.open(randomBook({ seed: 1, accounts: 2, positionsPerAccount: 2 }));
    s.close();
    expect(() => s.evaluate()).toThrowError(/closed/);
  });
});
