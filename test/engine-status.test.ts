/**
 * Account status and distances against Deribit's standard perpetual formula worked by hand:
 * long 1 BTC_USDC-PERPETUAL at 80 000 → IM = (2 % + 1 × 0.005 %) × 80 000 = 1 604 USDC,
 * MM = (1 % + 0.005 %) × 80 000 = 804 USDC; USDC collateral at par.
 */
import { describe, expect, it } from "vitest";
import { BACKENDS } from "./helpers/backends.js";
import { initSync } from "../src/index.js";

const book = (usdc: number) => ({
  valuationTime: "2026-08-22T08:00:00Z",
  markets: { BTC: { index: 80_000 } },
  instruments: [{ id: "BTC_USDC-PERPETUAL" }],
  accounts: [{ id: "a", currency: "USD", collateral: { USDC: usdc }, positions: { "BTC_USDC-PERPETUAL": 1 } }],
  risk: { presets: ["standard"] },
});

describe.each(BACKENDS)("status on %s", (backend) => {
  const engine = initSync({ backend });
  it.each([
    [2_000, "healthy"], [1_605, "healthy"], [1_000, "restricted"], [805, "restricted"], [803, "liquidation"], [500, "liquidation"], [-100, "bankrupt"],
  ])("collateral %d USDC → %s, with the distances to IM, MM and zero", (usdc, status) => {
    const a = engine.evaluate(book(usdc)).accounts[0];
    expect(a.margin.cross.initial).toBeCloseTo(1_604, 9);
    expect(a.margin.cross.maintenance).toBeCloseTo(804, 9);
    expect(a.status).toBe(status);
    expect(a.distances.toInitial).toBeCloseTo(usdc - 1_604, 9);
    expect(a.distances.toMaintenance).toBeCloseTo(usdc - 804, 9);
    expect(a.distances.toBankruptcy).toBe(usdc);
    expect(a.marginRatio).toBeCloseTo(usdc / 804, 12);
  });
});
