/**
 * Every error code the book parser raises: the code, the JSON path of the offending field, and a
 * sentence that says what is wrong and what to do.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseBook } from "../src/book/index.js";
import { RiskError, type RiskErrorCode } from "../src/errors.js";
import type { BookInput } from "../src/types.js";

const EXAMPLE = readFileSync(new URL("./fixtures/books/design-example.json", import.meta.url), "utf8");

/** A fresh valid book (the DESIGN §3 example) that a test may damage. */
function book(): BookInput & Record<string, unknown> {
  return JSON.parse(EXAMPLE);
}
function with_(edit: (b: any) => void): unknown {
  const b = book();
  edit(b);
  return b;
}

// Words that start the "what to do" half of a message.
const ACTION = /: .*\b(add|write|give|remove|use|set|fix|rename|keep|flatten|name|wrap|correct|check|merge|list)\b/;

function expectError(input: unknown, code: RiskErrorCode, path: string): RiskError {
  let caught: unknown;
  try {
    parseBook(input);
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected ${code} at ${path}`).toBeInstanceOf(RiskError);
  const err = caught as RiskError;
  expect({ code: err.code, path: err.path }).toEqual({ code, path });
  // "path: what is wrong: what to do", in words rather than a stack trace.
  const prefix = path === "" ? "" : `${path}: `;
  expect(err.message.startsWith(prefix)).toBe(true);
  const sentence = err.message.slice(prefix.length);
  expect(sentence.length).toBeGreaterThan(25);
  expect(sentence).toMatch(ACTION);
  expect(sentence).not.toMatch(/undefined|\[object Object\]|NaN is not a number/);
  expect(err.toJSON()).toEqual({ code, path, message: err.message });
  return err;
}

describe("the example book is valid", () => {
  it("parses", () => {
    expect(parseBook(EXAMPLE).instruments).toHaveLength(7);
  });
});

describe("E_JSON", () => {
  it("text that is not JSON", () => {
    expectError('{ "valuationTime": 1, }', "E_JSON", "");
    expectError("", "E_JSON", "");
  });
  it("nesting deeper than 64 levels", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 70; i++) deep = { x: deep };
    const err = expectError(with_((b) => (b.risk.overrides = { deep })), "E_JSON", `risk.overrides.deep${".x".repeat(61)}`);
    expect(err.message).toMatch(/64 levels/);
    // Also in fields the parser otherwise ignores, and in JSON text.
    expectError(JSON.stringify(with_((b) => (b._comment = deep))), "E_JSON", `_comment${".x".repeat(63)}`);
  });
  it("64 levels are still accepted", () => {
    const nest = (n: number): unknown => (n === 0 ? 1 : { x: nest(n - 1) });
    // document (1) › risk (2) › overrides (3) › 61 nested objects: the deepest at level 64.
    expect(() => parseBook(with_((b) => (b.risk.overrides = { deep: nest(61) })))).not.toThrow();
    expectError(with_((b) => (b.risk.overrides = { deep: nest(62) })), "E_JSON", `risk.overrides.deep${".x".repeat(61)}`);
  });
  it("reported ahead of a wrong type or an unknown field", () => {
    const nest = (n: number): unknown => (n === 0 ? 1 : [nest(n - 1)]);
    // document (1) › accounts (2) › [0] (3) › positions (4) › value (5): 60 arrays reach level 64.
    expectError(with_((b) => (b.accounts[0].positions["BTC-PERPETUAL"] = nest(60))), "E_TYPE", 'accounts[0].positions["BTC-PERPETUAL"]');
    expectError(
      with_((b) => (b.accounts[0].positions["BTC-PERPETUAL"] = nest(61))),
      "E_JSON", `accounts[0].positions["BTC-PERPETUAL"]${"[0]".repeat(60)}`,
    );
    expectError(nest(70), "E_JSON", "[0]".repeat(64));
    expectError(with_((b) => (b.markets.BTC.extra = nest(70))), "E_JSON", `markets.BTC.extra${"[0]".repeat(61)}`);
  });
  it("an object that refers to itself", () => {
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expectError(with_((b) => (b.risk.overrides = loop)), "E_JSON", `risk.overrides${".self".repeat(62)}`);
  });
});

describe("E_TYPE", () => {
  it("a top level that is not an object", () => {
    for (const v of [null, 42, [], "[1, 2]", '"text"', true, undefined]) expectError(v, "E_TYPE", "");
  });
  it("a number given as a string", () => {
    const err = expectError(with_((b) => (b.instruments[0].strike = "120000")), "E_TYPE", "instruments[0].strike");
    expect(err.message).toMatch(/without quotes/);
  });
  it("a wrong type anywhere", () => {
    expectError(with_((b) => (b.markets.BTC.index = true)), "E_TYPE", "markets.BTC.index");
    expectError(with_((b) => (b.markets = [])), "E_TYPE", "markets");
    expectError(with_((b) => (b.instruments = {})), "E_TYPE", "instruments");
    expectError(with_((b) => (b.instruments[2] = "BTC_USDC-PERPETUAL")), "E_TYPE", "instruments[2]");
    expectError(with_((b) => (b.instruments[1].id = 7)), "E_TYPE", "instruments[1].id");
    expectError(with_((b) => (b.instruments[1].kind = 1)), "E_TYPE", "instruments[1].kind");
    expectError(with_((b) => (b.accounts[0].positions["BTC-PERPETUAL"] = null)), "E_TYPE", 'accounts[0].positions["BTC-PERPETUAL"]');
    expectError(with_((b) => (b.accounts[1].collateral = [3])), "E_TYPE", "accounts[1].collateral");
    expectError(with_((b) => (b.risk.preset = ["a"])), "E_TYPE", "risk.preset");
    expectError(with_((b) => (b.risk.presets = ["standard", 3])), "E_TYPE", "risk.presets[1]");
    expectError(with_((b) => (b.risk.overrides = "mm_factor=0.8")), "E_TYPE", "risk.overrides");
    expectError(with_((b) => (b.risk.overrides.f = () => 1)), "E_TYPE", "risk.overrides.f");
  });
  it("a Map or a Date where a JSON object belongs", () => {
    const forwards = new Map([["2026-09-25T08:00:00Z", 77405.28]]);
    const err = expectError(with_((b) => (b.markets.BTC.forwards = forwards)), "E_TYPE", "markets.BTC.forwards");
    expect(err.message).toMatch(/got a Map/);
    expectError(with_((b) => (b.accounts[0].positions = new Date())), "E_TYPE", "accounts[0].positions");
  });
  it("a market key that is not an asset symbol", () => {
    expectError(with_((b) => (b.markets["bad key!"] = { index: 1 })), "E_TYPE", 'markets["bad key!"]');
  });
});

describe("E_REQUIRED", () => {
  it("missing top-level fields", () => {
    expectError(with_((b) => delete b.valuationTime), "E_REQUIRED", "valuationTime");
    expectError(with_((b) => delete b.markets), "E_REQUIRED", "markets");
    expectError(with_((b) => delete b.instruments), "E_REQUIRED", "instruments");
  });
  it("missing fields inside", () => {
    const err = expectError(with_((b) => delete b.markets.ETH.index), "E_REQUIRED", "markets.ETH.index");
    expect(err.message).toMatch(/add "index"/);
    expectError(with_((b) => delete b.instruments[3].id), "E_REQUIRED", "instruments[3].id");
    expectError(with_((b) => (b.instruments[3].id = "")), "E_REQUIRED", "instruments[3].id");
    expectError(with_((b) => delete b.accounts[1].id), "E_REQUIRED", "accounts[1].id");
    expectError(with_((b) => (b.risk = { presets: [] })), "E_REQUIRED", "risk.presets");
  });
  it("a field a Deribit name cannot give once the kind is overridden", () => {
    expectError(with_((b) => (b.instruments[1].kind = "future")), "E_REQUIRED", "instruments[1].expiry");
    expectError(
      with_((b) => Object.assign(b.instruments[3], { kind: "option", vol: 0.5 })),
      "E_REQUIRED", "instruments[3].right",
    );
  });
});

describe("E_NOT_FINITE", () => {
  it("NaN and Infinity from JS objects", () => {
    expectError(with_((b) => (b.markets.BTC.index = Infinity)), "E_NOT_FINITE", "markets.BTC.index");
    expectError(with_((b) => (b.instruments[0].vol = NaN)), "E_NOT_FINITE", "instruments[0].vol");
    expectError(with_((b) => (b.accounts[0].positions["BTC-PERPETUAL"] = NaN)), "E_NOT_FINITE", 'accounts[0].positions["BTC-PERPETUAL"]');
    expectError(with_((b) => (b.accounts[0].collateral.BTC = -Infinity)), "E_NOT_FINITE", "accounts[0].collateral.BTC");
    expectError(with_((b) => (b.valuationTime = NaN)), "E_NOT_FINITE", "valuationTime");
    expectError(with_((b) => (b.risk.overrides.BTC.price_range = NaN)), "E_NOT_FINITE", "risk.overrides.BTC.price_range");
  });
});

describe("E_RANGE", () => {
  it("vol out of (0, 10]", () => {
    const err = expectError(with_((b) => (b.instruments[0].vol = 62.46)), "E_RANGE", "instruments[0].vol");
    expect(err.message).toMatch(/0\.6246/);
    expectError(with_((b) => (b.instruments[6].vol = 0)), "E_RANGE", "instruments[6].vol");
    expectError(with_((b) => (b.instruments[6].vol = -0.2)), "E_RANGE", "instruments[6].vol");
  });
  it("rate outside [-1, 1]", () => {
    expectError(with_((b) => (b.markets.BTC.rate = 5)), "E_RANGE", "markets.BTC.rate");
  });
  it("contract size not positive", () => {
    expectError(with_((b) => (b.instruments[6].contractSize = 0)), "E_RANGE", "instruments[6].contractSize");
  });
  it("contract size above 1e20", () => {
    const err = expectError(with_((b) => (b.instruments[6].contractSize = 1e300)), "E_RANGE", "instruments[6].contractSize");
    expect(err.message).toMatch(/above 1e\+20/);
  });
  it("index and forwards outside [1e-20, 1e20] USD", () => {
    const err = expectError(with_((b) => (b.markets.BTC.index = 1e25)), "E_RANGE", "markets.BTC.index");
    expect(err.message).toMatch(/above 1e\+20 USD/);
    expectError(with_((b) => (b.markets.ETH.index = 1e-300)), "E_RANGE", "markets.ETH.index");
    expectError(
      with_((b) => (b.markets.BTC.forwards["2026-09-25T08:00:00Z"] = 1e-30)),
      "E_RANGE", 'markets.BTC.forwards["2026-09-25T08:00:00Z"]',
    );
  });
  it("a strike outside [1e-20, 1e20] USD, given or in a Deribit name", () => {
    expectError(with_((b) => (b.instruments[6].strike = 1e21)), "E_RANGE", "instruments[6].strike");
    const err = expectError(
      with_((b) => b.instruments.push({ id: "BTC-25SEP26-1000000000000000000000-C", vol: 0.5 })),
      "E_RANGE", "instruments[7].id",
    );
    expect(err.message).toMatch(/the strike 1e\+21 in the name/);
  });
  it("an expiry more than 1000 years after valuationTime", () => {
    const err = expectError(with_((b) => (b.instruments[6].expiry = "3026-12-25T08:00:00Z")), "E_RANGE", "instruments[6].expiry");
    expect(err.message).toMatch(/1001 years after valuationTime/);
    // From a Deribit name the path is the id; here valuationTime is the likelier typo, and the message says so.
    expect(expectError(with_((b) => (b.valuationTime = "0900-01-01T00:00:00Z")), "E_RANGE", "instruments[0].id").message)
      .toMatch(/valuationTime/);
  });
  it("a carry that sends a derived forward past 1e20 or below 1e-20 names the carry", () => {
    // instruments[3] (BTC-27DEC26) has no quoted forward: index × e^{(rate − carry)T}, T = 0.35 years
    const err = expectError(with_((b) => (b.markets.BTC.carry = 1000)), "E_RANGE", "markets.BTC.carry");
    expect(err.message).toMatch(/forward .* of instruments\[3\] .* below the 1e-20 limit/);
    expectError(with_((b) => (b.markets.BTC.carry = -1000)), "E_RANGE", "markets.BTC.carry");
  });
  it("a quoted forward for the expiry takes the carry's place: no error", () => {
    const b = parseBook(with_((b) => {
      b.markets.BTC.carry = 1000;
      Object.assign(b.markets.BTC.forwards, { "2026-12-27T08:00:00Z": 78000, "2026-12-25T08:00:00Z": 77990 });
    }));
    expect(b.markets.BTC.carry).toBe(1000);
  });
  it("a rate that sends a derived forward past 1e20 within 100 years names the rate", () => {
    // BTC-25DEC66: 40 years at 100 % a year, e^40 × 77081.8 = 1.8e22
    expectError(with_((b) => {
      b.markets.BTC.rate = 1;
      b.instruments.push({ id: "BTC-25DEC66" });
    }), "E_RANGE", "markets.BTC.rate");
  });
  it("a rate whose discount factor e^{−rT} leaves [1e-20, 1e20] within 100 years names the rate", () => {
    const far = (rate: number) => with_((b) => {
      b.markets.BTC.rate = rate;
      b.instruments[6].expiry = "2096-12-25T08:00:00Z"; // 70 years: e^{∓63}
      b.markets.BTC.forwards["2096-12-25T08:00:00Z"] = 80000;
    });
    expect(expectError(far(0.9), "E_RANGE", "markets.BTC.rate").message).toMatch(/discount factor .* below the 1e-20 limit/);
    expect(expectError(far(-0.9), "E_RANGE", "markets.BTC.rate").message).toMatch(/above the 1e\+20 limit/);
  });
  it("beyond 100 years a discount factor or forward out of range names the expiry", () => {
    // 900 years: e^{−0.06 × 900} = 3e-24
    expectError(with_((b) => {
      b.markets.BTC.rate = 0.06;
      b.instruments[6].expiry = "2926-12-25T08:00:00Z";
    }), "E_RANGE", "instruments[6].expiry");
    // 900 years of a 6 % carry: the future's forward 77081.8 × e^{54} = 2e28
    expectError(with_((b) => {
      b.markets.BTC.carry = -0.06;
      b.instruments.push({ id: "far-future", kind: "future", underlying: "BTC", expiry: "2926-12-25T08:00:00Z" });
    }), "E_RANGE", "instruments[7].expiry");
  });
  it("an index that a modest growth factor takes past 1e20 names the index", () => {
    expectError(with_((b) => {
      b.markets.BTC.index = 9.99e19;
      b.markets.BTC.rate = 0.05;
    }), "E_RANGE", "markets.BTC.index");
  });
});

describe("E_NEGATIVE_PRICE", () => {
  it("index, forward and strike must be positive", () => {
    expectError(with_((b) => (b.markets.BTC.index = 0)), "E_NEGATIVE_PRICE", "markets.BTC.index");
    expectError(with_((b) => (b.markets.ETH.index = -3150)), "E_NEGATIVE_PRICE", "markets.ETH.index");
    expectError(
      with_((b) => (b.markets.BTC.forwards["2026-09-25T08:00:00Z"] = -1)),
      "E_NEGATIVE_PRICE", 'markets.BTC.forwards["2026-09-25T08:00:00Z"]',
    );
    expectError(with_((b) => (b.instruments[6].strike = -90000)), "E_NEGATIVE_PRICE", "instruments[6].strike");
  });
});

describe("E_TIME", () => {
  it("times that cannot be read", () => {
    expectError(with_((b) => (b.valuationTime = "yesterday")), "E_TIME", "valuationTime");
    expectError(with_((b) => (b.valuationTime = "2026-13-01T00:00:00Z")), "E_TIME", "valuationTime");
    expectError(with_((b) => (b.valuationTime = "2026-02-30")), "E_TIME", "valuationTime");
    expectError(with_((b) => (b.valuationTime = 1e20)), "E_TIME", "valuationTime");
    expectError(with_((b) => (b.instruments[6].expiry = "25/12/2026")), "E_TIME", "instruments[6].expiry");
    expectError(
      with_((b) => (b.markets.BTC.forwards = { "next friday": 77000 })),
      "E_TIME", 'markets.BTC.forwards["next friday"]',
    );
  });
});

describe("E_UNKNOWN_FIELD", () => {
  it("a misspelt field is refused, with the likely name", () => {
    const err = expectError(with_((b) => (b.instruments[1].contractsize = 10)), "E_UNKNOWN_FIELD", "instruments[1].contractsize");
    expect(err.message).toMatch(/rename it to "contractSize"/);
    expect(expectError(with_((b) => (b.markets.BTC.rates = 0.05)), "E_UNKNOWN_FIELD", "markets.BTC.rates").message).toMatch(/"rate"/);
    expectError(with_((b) => (b.accounts[0].position = {})), "E_UNKNOWN_FIELD", "accounts[0].position");
    expectError(with_((b) => (b.risk.override = {})), "E_UNKNOWN_FIELD", "risk.override");
    expectError(with_((b) => (b.valuationtime = 1)), "E_UNKNOWN_FIELD", "valuationtime");
  });
  it("an unrelated field is refused; notes starting with _ or $ are allowed", () => {
    const err = expectError(with_((b) => (b.instruments[0].markPrice = 0.55)), "E_UNKNOWN_FIELD", "instruments[0].markPrice");
    expect(err.message).toMatch(/remove it/);
    expect(() => parseBook(with_((b) => Object.assign(b, { _comment: "desk book", $schema: "x" })))).not.toThrow();
    expect(() => parseBook(with_((b) => (b.instruments[0]._source = { from: "deribit" })))).not.toThrow();
  });
});

describe("E_INSTRUMENT_NAME", () => {
  it("an id that is not a Deribit name and lacks the fields its kind needs", () => {
    expectError(with_((b) => (b.instruments[6] = { id: "my-call", vol: 0.5 })), "E_INSTRUMENT_NAME", "instruments[6].kind");
    expectError(with_((b) => delete b.instruments[6].underlying), "E_INSTRUMENT_NAME", "instruments[6].underlying");
    expectError(with_((b) => delete b.instruments[6].strike), "E_INSTRUMENT_NAME", "instruments[6].strike");
    expectError(with_((b) => delete b.instruments[6].right), "E_INSTRUMENT_NAME", "instruments[6].right");
    const err = expectError(with_((b) => delete b.instruments[6].expiry), "E_INSTRUMENT_NAME", "instruments[6].expiry");
    expect(err.message).toMatch(/"my-call" is not a Deribit name/);
  });
});

describe("E_KIND", () => {
  it("unknown kind, right or settlement", () => {
    expectError(with_((b) => (b.instruments[6].kind = "swap")), "E_KIND", "instruments[6].kind");
    const err = expectError(with_((b) => (b.instruments[6].right = "CALL")), "E_KIND", "instruments[6].right");
    expect(err.message).toMatch(/lower case/);
    expectError(with_((b) => (b.instruments[6].settlement = "quanto")), "E_KIND", "instruments[6].settlement");
  });
  it("spot must be linear", () => {
    expectError(with_((b) => (b.instruments[5].settlement = "inverse")), "E_KIND", "instruments[5].settlement");
  });
});

describe("E_DUPLICATE_ID", () => {
  it("two instruments with one id", () => {
    const err = expectError(with_((b) => b.instruments.push({ id: "BTC-PERPETUAL" })), "E_DUPLICATE_ID", "instruments[7].id");
    expect(err.message).toMatch(/instruments\[1\]/);
  });
  it("two accounts with one id", () => {
    expectError(with_((b) => (b.accounts[1].id = "alice")), "E_DUPLICATE_ID", "accounts[1].id");
  });
  it("two forward keys naming the same time", () => {
    expectError(
      with_((b) => (b.markets.BTC.forwards["1790323200000"] = 77400)),
      "E_DUPLICATE_ID", "markets.BTC.forwards[\"1790323200000\"]",
    );
  });
});

describe("E_UNKNOWN_INSTRUMENT", () => {
  it("a position or order naming an instrument the book does not list", () => {
    const err = expectError(
      with_((b) => (b.accounts[0].positions["ETH-PERPETUAL"] = 1)),
      "E_UNKNOWN_INSTRUMENT", 'accounts[0].positions["ETH-PERPETUAL"]',
    );
    expect(err.message).toMatch(/add \{ "id": "ETH-PERPETUAL" \}/);
    expectError(with_((b) => (b.accounts[1].orders.nope = 0)), "E_UNKNOWN_INSTRUMENT", "accounts[1].orders.nope");
  });
});

describe("E_UNKNOWN_MARKET", () => {
  it("an underlying with no market", () => {
    expectError(with_((b) => b.instruments.push({ id: "SOL-PERPETUAL" })), "E_UNKNOWN_MARKET", "instruments[7].id");
    expectError(with_((b) => (b.instruments[6].underlying = "SOL")), "E_UNKNOWN_MARKET", "instruments[6].underlying");
  });
});

describe("E_MISSING_VOL", () => {
  it("an option without vol", () => {
    const err = expectError(with_((b) => delete b.instruments[0].vol), "E_MISSING_VOL", "instruments[0].vol");
    expect(err.message).toBe('instruments[0].vol: an option needs a volatility: add "vol" as a decimal such as 0.55');
  });
});

describe("E_EXPIRED", () => {
  it("an expiry at or before valuationTime", () => {
    expectError(with_((b) => (b.valuationTime = "2026-09-25T08:00:00Z")), "E_EXPIRED", "instruments[0].id");
    expectError(with_((b) => (b.instruments[6].expiry = "2026-08-22T15:33:51Z")), "E_EXPIRED", "instruments[6].expiry");
  });
});

describe("E_UNKNOWN_ASSET", () => {
  it("collateral or currency without a price", () => {
    expectError(with_((b) => (b.accounts[0].collateral.SOL = 10)), "E_UNKNOWN_ASSET", "accounts[0].collateral.SOL");
    expectError(with_((b) => (b.accounts[1].currency = "EUR")), "E_UNKNOWN_ASSET", "accounts[1].currency");
    const err = expectError(with_((b) => (b.accounts[1].currency = "btc")), "E_UNKNOWN_ASSET", "accounts[1].currency");
    expect(err.message).toMatch(/"BTC"/);
  });
});

describe("E_CAPACITY", () => {
  it("overrides that expand to more than a million values (shared sub-objects)", () => {
    let node: unknown = 1;
    for (let i = 0; i < 21; i++) node = { a: node, b: node };
    expectError(with_((b) => (b.risk.overrides = { x: node })), "E_CAPACITY", "risk.overrides");
  });
});

describe("after an error the parser is still usable", () => {
  it("parses a valid book next", () => {
    expect(() => parseBook(with_((b) => (b.markets.BTC.index = -1)))).toThrow(RiskError);
    expect(parseBook(EXAMPLE).accounts).toHaveLength(2);
  });
});
