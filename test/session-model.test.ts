/**
 * A tick session against the full evaluate path under random sequences of updates (fast-check, every
 * backend): index moves of one or both underlyings, vol changes, positions opened, resized, closed and
 * reopened (futures among them, so variation margin is booked), collateral set in coins and
 * stablecoins, evaluations in between. After each evaluate, every account's IM, MM and equity equal
 * evaluate() of the session's snapshot to 1e-9: what the session keeps between ticks (factor numbers
 * per account, resident positions, packed futures holdings) never goes stale (checked: dropping the
 * cache reset of a collateral update, or the dirty mark of a vol change, fails it).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { initSync } from "../src/index.js";
import { BACKENDS } from "./helpers/backends.js";
import { randomBook } from "./helpers/random-book.js";

const BOOK = randomBook({ seed: 99, accounts: 12, positionsPerAccount: 5 });
const IDS = BOOK.instruments.map((x) => x.id);
const OPTIONS = IDS.filter((id) => /-[CP]$/.test(id));
const DELTA_ONE = IDS.filter((id) => !/-[CP]$/.test(id));
const ACCOUNTS = BOOK.accounts!.map((a) => a.id);
const INDEX = { BTC: 77_081.8, ETH: 2_411.5 };

type Cmd =
  | { kind: "index"; u: "BTC" | "ETH"; move: number }
  | { kind: "vol"; id: string; vol: number }
  | { kind: "position"; account: string; id: string; qty: number }
  | { kind: "collateral"; account: string; asset: string; amount: number }
  | { kind: "evaluate" };

// Whole hundredths and basis points: fc.double's edge cases (denormals) would make every move and
// amount nothing at all.
const arbCmd: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("index" as const), u: fc.constantFrom("BTC" as const, "ETH" as const), move: fc.integer({ min: -500, max: 500 }).map((k) => k / 10_000) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("vol" as const), id: fc.constantFrom(...OPTIONS), vol: fc.integer({ min: 15, max: 150 }).map((k) => k / 100) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("position" as const), account: fc.constantFrom(...ACCOUNTS),
      id: fc.oneof(fc.constantFrom(...DELTA_ONE), fc.constantFrom(...OPTIONS)),
      qty: fc.oneof(fc.constant(0), fc.integer({ min: -40, max: 40 }).map((k) => k / 4)),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("collateral" as const), account: fc.constantFrom(...ACCOUNTS),
      asset: fc.constantFrom("BTC", "ETH", "USDC", "USD"), amount: fc.integer({ min: 0, max: 1_000 }).map((k) => k / 100),
    }),
  },
  // Frequent evaluations: a stale number shows only if it is looked at before a move recomputes it.
  { weight: 3, arbitrary: fc.constant({ kind: "evaluate" as const }) },
);

const near = (a: number, b: number, what: string) => {
  if (!(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b)))) expect.fail(`${what}: session ${a} vs evaluate ${b}`);
};

describe.each(BACKENDS)("tick session under random updates on %s", (backend) => {
  const engine = initSync({ backend });

  it("equals evaluate() of its snapshot after every evaluation", () => {
    fc.assert(
      fc.property(fc.array(arbCmd, { minLength: 1, maxLength: 24 }), (cmds) => {
        const s = engine.open(BOOK);
        const index = { ...INDEX };
        try {
          s.evaluate();
          for (const c of [...cmds, { kind: "evaluate" } as Cmd]) {
            if (c.kind === "index") {
              index[c.u] *= 1 + c.move;
              s.setIndex(c.u, index[c.u]);
            } else if (c.kind === "vol") s.setVol(c.id, c.vol);
            else if (c.kind === "position") {
              // Inverse delta-one contracts are USD of face: whole thousands of USD.
              const inverse = DELTA_ONE.includes(c.id) && !c.id.includes("_USDC");
              s.setPosition(c.account, c.id, inverse ? c.qty * 4_000 : c.qty);
            } else if (c.kind === "collateral") {
              const unit = c.asset === "BTC" ? 1 : c.asset === "ETH" ? 30 : 60_000; // up to 10 BTC, 300 ETH, 600 000 USD
              s.setCollateral(c.account, c.asset, c.amount * unit);
            } else {
              const r = s.evaluate();
              const full = engine.evaluateBook(s.snapshot(), { presets: ["deribit-pm"] });
              r.ids.forEach((id, k) => {
                const acct = full.accounts.find((a) => a.id === id)!;
                near(r.initial[k], acct.margin["deribit-pm"].initial, `${id} IM`);
                near(r.maintenance[k], acct.margin["deribit-pm"].maintenance, `${id} MM`);
                near(r.equity[k], acct.equity, `${id} equity`);
              });
            }
          }
        } finally {
          s.close();
        }
      }),
      { numRuns: Number(process.env.PROP_RUNS ?? 30) },
    );
  });
});
