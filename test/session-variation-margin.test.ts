/**
 * Variation margin of a tick session against its closed form, on every backend: an index move from S0
 * to S1 (forwards in proportion, F1 = F0·S1/S0) pays a linear future q·(F1 − F0) USD and an inverse
 * one (q USD of face) q·(1/F0 − 1/F1) coins, booked to the holder's collateral; options pay nothing.
 * Holdings change between moves (a future resized, one closed, a new holder, an option holder that
 * buys a perpetual), so the packed holdings must follow the positions.
 */
import { describe, expect, it } from "vitest";
import { BACKENDS } from "./helpers/backends.js";
import { initSync } from "../src/index.js";
import type { BookInput } from "../src/types.js";

const S0 = 80_000;
const FWD0 = 81_000; // BTC-25DEC26's forward at the open

function book(): BookInput {
  return {
    valuationTime: "2026-08-22T08:00:00Z",
    markets: { BTC: { index: S0, forwards: { "2026-12-25T08:00:00Z": FWD0 } } },
    instruments: [
      { id: "BTC-PERPETUAL" }, { id: "BTC_USDC-PERPETUAL" }, { id: "BTC-25DEC26" }, { id: "BTC-25DEC26-90000-C", vol: 0.5 },
    ],
    accounts: [
      { id: "lin", currency: "USD", collateral: { USDC: 100_000 }, positions: { "BTC_USDC-PERPETUAL": 2 } },
      { id: "inv", currency: "BTC", collateral: { BTC: 3 }, positions: { "BTC-PERPETUAL": -120_000, "BTC-25DEC26": 40_000 } },
      { id: "opt", currency: "BTC", collateral: { BTC: 1 }, positions: { "BTC-25DEC26-90000-C": -1 } },
      { id: "new", currency: "USD", collateral: { USDC: 50_000 } },
    ],
    risk: { presets: ["deribit-pm"] },
  };
}

const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(b)));

describe.each(BACKENDS)("session variation margin on %s", (backend) => {
  const engine = initSync({ backend });

  it("books q·ΔF (linear, USD) and q·Δ(1/F) (inverse, coins) to the holders, as positions change between moves", () => {
    const s = engine.open(book());
    s.evaluate();
    // Expected booked amounts, kept by hand from the closed form.
    const usd: Record<string, number> = { lin: 0, inv: 0, opt: 0, new: 0 };
    const btc: Record<string, number> = { lin: 0, inv: 0, opt: 0, new: 0 };
    const pos: Record<string, Record<string, number>> = {
      lin: { "BTC_USDC-PERPETUAL": 2 }, inv: { "BTC-PERPETUAL": -120_000, "BTC-25DEC26": 40_000 }, opt: {}, new: {},
    };
    let S = S0;
    let F = FWD0;
    const move = (S1: number) => {
      const F1 = F * (S1 / S);
      for (const [a, ps] of Object.entries(pos)) {
        for (const [id, q] of Object.entries(ps)) {
          const [f0, f1] = id === "BTC-25DEC26" ? [F, F1] : [S, S1];
          if (id.includes("_USDC")) usd[a] += q * (f1 - f0);
          else btc[a] += q * (1 / f0 - 1 / f1);
        }
      }
      s.setIndex("BTC", S1);
      S = S1;
      F = F1;
    };
    const setPos = (a: string, id: string, q: number) => {
      s.setPosition(a, id, q);
      if (q === 0) delete pos[a][id];
      else pos[a][id] = q;
    };
    move(81_200);
    setPos("lin", "BTC_USDC-PERPETUAL", -3.5); // resized, sign flipped
    setPos("inv", "BTC-25DEC26", 0); // closed
    setPos("new", "BTC_USDC-PERPETUAL", 1.25); // a new holder
    move(79_900.5);
    setPos("opt", "BTC-PERPETUAL", 10_000); // an option holder buys a perpetual
    move(80_450);
    move(80_450.25);

    const snap = s.snapshot();
    const start = book().accounts!;
    for (const a of snap.accounts) {
      const opened = start.find((x) => x.id === a.id)!.collateral ?? {};
      close((a.collateral.USD ?? 0) - 0, usd[a.id]);
      close((a.collateral.BTC ?? 0) - (opened.BTC ?? 0), btc[a.id]);
      expect(a.collateral.USDC ?? 0).toBe(opened.USDC ?? 0);
    }
    expect(usd.lin).not.toBe(0);
    expect(btc.inv).not.toBe(0);
    expect(btc.opt).not.toBe(0);
    expect(usd.new).not.toBe(0);
    // The session's equity is the snapshot's equity under the full evaluate path.
    const r = s.evaluate();
    const full = engine.evaluateBook(snap, { presets: ["deribit-pm"] });
    r.ids.forEach((id, k) => {
      const e = full.accounts.find((x) => x.id === id)!.equity;
      expect(Math.abs(r.equity[k] - e)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(e)));
    });
    s.close();
  });
});
