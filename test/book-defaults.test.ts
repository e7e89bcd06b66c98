/** What the parser fills in when a field is left out, and how explicit fields override a Deribit name. */
import { describe, expect, it } from "vitest";
import { parseBook } from "../src/book/index.js";

const base = {
  valuationTime: "2026-08-22T15:33:51Z",
  markets: { BTC: { index: 77081.8 }, ETH: { index: 3150 } },
};

describe("defaults", () => {
  it("markets: rate 0, carry 0, no forwards", () => {
    const b = parseBook({ ...base, instruments: [] });
    expect(b.markets.BTC).toEqual({ underlying: "BTC", index: 77081.8, rate: 0, carry: 0, forwards: new Map() });
  });

  it("accounts and risk may be left out", () => {
    const b = parseBook({ ...base, instruments: [] });
    expect(b.accounts).toEqual([]);
    expect(b.risk).toEqual({ presets: ["standard"], overrides: {} });
  });

  it("an account: currency USD, no collateral, no orders; zero quantities dropped; negative collateral kept", () => {
    const b = parseBook({
      ...base,
      instruments: [{ id: "BTC-PERPETUAL" }, { id: "ETH-PERPETUAL" }],
      accounts: [{ id: "a", positions: { "BTC-PERPETUAL": 0, "ETH-PERPETUAL": -3 } }, { id: "b", collateral: { USDT: -500, ETH: 2 } }],
    });
    expect(b.accounts[0]).toEqual({
      id: "a", currency: "USD", collateral: {}, positions: [{ instrument: "ETH-PERPETUAL", qty: -3 }], orders: [],
    });
    expect(b.accounts[1]!.collateral).toEqual({ USDT: -500, ETH: 2 });
  });

  it("instruments with your own id: linear, contract size 1", () => {
    const b = parseBook({ ...base, instruments: [{ id: "p", kind: "perpetual", underlying: "ETH" }] });
    expect(b.instruments[0]).toEqual({ id: "p", kind: "perpetual", underlying: "ETH", settlement: "linear", contractSize: 1 });
  });

  it("risk: preset and presets merge, without repeats", () => {
    const risk = { preset: "deribit-pm", presets: ["standard", "deribit-pm", "span"], overrides: { mm_factor: 0.8 } };
    expect(parseBook({ ...base, instruments: [], risk }).risk).toEqual({
      presets: ["deribit-pm", "standard", "span"], overrides: { mm_factor: 0.8 },
    });
  });

  it("overrides are copied, not shared with the input", () => {
    const overrides = { BTC: { price_range: 0.16 } };
    const b = parseBook({ ...base, instruments: [], risk: { overrides } });
    overrides.BTC.price_range = 0.5;
    expect(b.risk.overrides).toEqual({ BTC: { price_range: 0.16 } });
  });
});

describe("explicit fields override the name", () => {
  it("contract size, settlement, vol and expiry", () => {
    const b = parseBook({
      ...base,
      instruments: [
        { id: "BTC-PERPETUAL", contractSize: 10 }, // Deribit's real BTC perpetual is 10 USD a contract
        { id: "BTC-25SEP26-120000-P", vol: 0.6, settlement: "linear", strike: 110000 },
        { id: "BTC-27DEC26", expiry: "2026-12-27T09:00:00Z" },
      ],
    });
    expect(b.instruments[0]).toMatchObject({ kind: "perpetual", settlement: "inverse", contractSize: 10 });
    expect(b.instruments[1]).toMatchObject({ kind: "option", settlement: "linear", strike: 110000, right: "put", vol: 0.6 });
    expect(b.instruments[2]!.expiry).toBe(Date.UTC(2026, 11, 27, 9));
  });

  it("a changed kind drops the fields the new kind does not use", () => {
    const b = parseBook({ ...base, instruments: [{ id: "BTC-25SEP26-120000-P", kind: "future", vol: 0.6 }] });
    expect(b.instruments[0]).toEqual({
      id: "BTC-25SEP26-120000-P", kind: "future", underlying: "BTC", settlement: "inverse", contractSize: 1,
      expiry: Date.UTC(2026, 8, 25, 8),
    });
  });

  it("the underlying", () => {
    const b = parseBook({ ...base, instruments: [{ id: "BTC-PERPETUAL", underlying: "ETH" }] });
    expect(b.instruments[0]!.underlying).toBe("ETH");
  });
});
