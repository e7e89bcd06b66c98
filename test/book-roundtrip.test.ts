/**
 * parse → serialize → parse is the identity on valid books (10 000 positions each), through objects
 * and through JSON text; and no input at all makes the parser throw anything but a RiskError.
 */
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { bookToJSON, parseBook } from "../src/book/index.js";
import { RiskError } from "../src/errors.js";
import { MS_PER_DAY, type BookInput, type InstrumentInput } from "../src/types.js";

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const UNDERLYINGS = ["BTC", "ETH", "SOL", "XRP"];
const STABLE = ["USD", "USDC", "USDT", "DAI"];
const POSITIONS_PER_ACCOUNT = 200;
const ACCOUNTS = 50; // 50 × 200 = 10 000 positions

/** Deribit date code of the day holding `ms` (its 08:00 UTC expiry), with a one- or two-digit day. */
function dateCode(ms: number, padDay: boolean): string {
  const d = new Date(ms);
  const day = String(d.getUTCDate());
  return `${padDay ? day.padStart(2, "0") : day}${MONTHS[d.getUTCMonth()]}${String(d.getUTCFullYear() % 100).padStart(2, "0")}`;
}

/** A time written as ISO with some UTC offset, as epoch ms, or as a string of digits. */
function writeTime(ms: number, form: number, offsetMin: number): string | number {
  if (form === 0) return ms;
  if (form === 1) return String(ms);
  const local = new Date(ms + offsetMin * 60_000).toISOString().slice(0, 23);
  const sign = offsetMin < 0 ? "-" : "+";
  const abs = Math.abs(offsetMin);
  const zone = offsetMin === 0 ? "Z" : `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
  return local + zone;
}

const positive = fc.double({ min: 1e-6, max: 1e7, noNaN: true });
const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
const timeForm = fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: -14 * 60, max: 14 * 60 }));

/** One instrument as a user might write it: a bare Deribit name, a name with overrides, or fully explicit. */
function instrumentArb(valuationTime: number, underlyings: string[]): fc.Arbitrary<InstrumentInput> {
  const day0 = Math.floor(valuationTime / MS_PER_DAY) * MS_PER_DAY;
  const u = fc.constantFrom(...underlyings);
  const deribitExpiry = fc.integer({ min: 1, max: 1500 }).map((k) => day0 + k * MS_PER_DAY);
  const strikeText = fc.oneof(fc.integer({ min: 1, max: 500_000 }).map(String), fc.integer({ min: 1, max: 9999 }).map((n) => String(n / 1000).replace(".", "d")));
  const vol = fc.double({ min: 1e-4, max: 10, noNaN: true });

  const deribit = fc.record({
    u, linear: fc.boolean(), kind: fc.constantFrom("spot", "perpetual", "future", "option"), expiry: deribitExpiry,
    pad: fc.boolean(), strike: strikeText, call: fc.boolean(), vol, size: fc.option(positive, { nil: undefined }),
  }).map(({ u, linear, kind, expiry, pad, strike, call, vol, size }): InstrumentInput => {
    const base = linear || kind === "spot" ? `${u}_USDC` : u;
    const id = kind === "spot" ? base
      : kind === "perpetual" ? `${base}-PERPETUAL`
        : kind === "future" ? `${base}-${dateCode(expiry, pad)}`
          : `${base}-${dateCode(expiry, pad)}-${strike}-${call ? "C" : "P"}`;
    const out: InstrumentInput = { id };
    if (kind === "option") out.vol = vol;
    if (size !== undefined) out.contractSize = size;
    return out;
  });

  const explicit = fc.record({
    // Own ids, including ones that are awkward as object keys ("__proto__", integer-like "17").
    id: fc.oneof(
      fc.string({ minLength: 1, maxLength: 12 }).map((s) => `x:${s}`),
      fc.constantFrom("__proto__", "constructor", "toString", "hasOwnProperty", "17", "0", "my-call"),
    ),
    u, kind: fc.constantFrom("spot", "perpetual", "future", "option"),
    settlement: fc.option(fc.constantFrom("linear", "inverse"), { nil: undefined }), size: fc.option(positive, { nil: undefined }),
    expiryAfter: fc.integer({ min: 1, max: 3 * 365 * MS_PER_DAY }), form: timeForm, strike: positive, call: fc.boolean(), vol,
  }).map(({ id, u, kind, settlement, size, expiryAfter, form, strike, call, vol }): InstrumentInput => {
    const out: Record<string, unknown> = { id, kind, underlying: u };
    if (settlement !== undefined && kind !== "spot") out.settlement = settlement;
    if (size !== undefined) out.contractSize = size;
    if (kind === "future" || kind === "option") out.expiry = writeTime(valuationTime + expiryAfter, form[0], form[1]);
    if (kind === "option") Object.assign(out, { right: call ? "call" : "put", strike, vol });
    return out as unknown as InstrumentInput;
  });
  return fc.oneof(deribit, explicit);
}

/** A valid book with ACCOUNTS × POSITIONS_PER_ACCOUNT non-zero positions. */
const bookArb: fc.Arbitrary<BookInput> = fc
  .record({
    valuationTime: fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }),
    form: timeForm,
    underlyings: fc.subarray(UNDERLYINGS, { minLength: 1 }),
  })
  .chain(({ valuationTime, form, underlyings }) => {
    const market = fc.record({
      index: positive,
      rate: fc.option(fc.double({ min: -1, max: 1, noNaN: true }), { nil: undefined }),
      carry: fc.option(fc.double({ min: -5, max: 5, noNaN: true }), { nil: undefined }),
      forwards: fc.option(
        fc.uniqueArray(fc.tuple(fc.integer({ min: 1, max: 1000 }), positive, timeForm), { selector: (t) => t[0], maxLength: 6 }),
        { nil: undefined },
      ),
    }).map(({ index, rate, carry, forwards }) => {
      const m: Record<string, unknown> = { index };
      if (rate !== undefined) m.rate = rate;
      if (carry !== undefined) m.carry = carry;
      if (forwards !== undefined) {
        m.forwards = Object.fromEntries(forwards.map(([k, f, [form, off]]) => [String(writeTime(valuationTime + k * 3_600_000, form === 0 ? 1 : form, off)), f]));
      }
      return m;
    });
    const priced = [...underlyings, ...STABLE];
    const account = fc.record({
      id: fc.string({ maxLength: 8 }),
      currency: fc.option(fc.constantFrom(...priced), { nil: undefined }),
      collateral: fc.option(fc.dictionary(fc.constantFrom(...priced), finite), { nil: undefined }),
      qty: fc.array(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: 1e9 }).filter((q) => q !== 0), {
        minLength: POSITIONS_PER_ACCOUNT, maxLength: POSITIONS_PER_ACCOUNT,
      }),
      orders: fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { maxLength: 3 }),
      offset: fc.nat(),
    });
    return fc.record({
      valuationTime: fc.constant(writeTime(valuationTime, form[0], form[1])),
      markets: fc.tuple(...underlyings.map(() => market)).map((ms) => Object.fromEntries(underlyings.map((u, i) => [u, ms[i]]))),
      instruments: fc.uniqueArray(instrumentArb(valuationTime, underlyings), {
        selector: (i) => i.id, minLength: POSITIONS_PER_ACCOUNT, maxLength: POSITIONS_PER_ACCOUNT + 60,
      }),
      accounts: fc.array(account, { minLength: ACCOUNTS, maxLength: ACCOUNTS }),
      risk: fc.option(
        fc.record({
          preset: fc.option(fc.constantFrom("standard", "deribit-pm", "span"), { nil: undefined }),
          overrides: fc.option(fc.dictionary(fc.string(), fc.jsonValue()), { nil: undefined }),
        }),
        { nil: undefined },
      ),
    }).map(({ instruments, accounts, risk, ...rest }) => ({
      ...rest,
      instruments,
      // Each account holds a window of distinct instruments (ids may be any string: fromEntries keeps "__proto__" a key).
      accounts: accounts.map((a, n) => ({
        id: `${n}:${a.id}`,
        ...(a.currency !== undefined && { currency: a.currency }),
        ...(a.collateral !== undefined && { collateral: a.collateral }),
        positions: Object.fromEntries(a.qty.map((q, k) => [instruments[(a.offset + k) % instruments.length]!.id, q])),
        orders: Object.fromEntries(a.orders.map((q, k) => [instruments[(a.offset * 7 + k) % instruments.length]!.id, q])),
      })),
      ...(risk !== undefined && { risk: JSON.parse(JSON.stringify(risk)) }),
    }) as unknown as BookInput);
  });

describe("round trip", () => {
  it("the DESIGN example", () => {
    const b = parseBook(readFileSync(new URL("./fixtures/books/design-example.json", import.meta.url), "utf8"));
    const j = bookToJSON(b);
    expect(parseBook(j)).toStrictEqual(b);
    expect(parseBook(JSON.stringify(j))).toStrictEqual(b);
    expect(j.instruments[0]).toEqual({
      id: "BTC-25SEP26-120000-P", kind: "option", underlying: "BTC", settlement: "inverse", contractSize: 1,
      right: "put", strike: 120000, expiry: "2026-09-25T08:00:00Z", vol: 0.6246,
    });
  });

  it("random valid books with 10 000 positions: parse → serialize → parse is the identity", () => {
    fc.assert(
      fc.property(bookArb, (input) => {
        const b = parseBook(input);
        expect(b.accounts.reduce((n, a) => n + a.positions.length, 0)).toBe(ACCOUNTS * POSITIONS_PER_ACCOUNT);
        const j = bookToJSON(b);
        expect(parseBook(j)).toStrictEqual(b);
        expect(parseBook(JSON.stringify(j))).toStrictEqual(b);
        expect(bookToJSON(parseBook(j))).toStrictEqual(j);
      }),
      // Shrinking a 10 000-position book takes minutes; the first counterexample is report enough.
      { numRuns: 15, endOnFailure: true },
    );
  });
});

/** Either a Book or a RiskError: any other exception is a bug. */
function bookOrRiskError(input: unknown): void {
  try {
    const b = parseBook(input);
    expect(typeof b.valuationTime).toBe("number");
  } catch (e) {
    if (!(e instanceof RiskError)) throw e;
    expect(typeof e.message).toBe("string");
  }
}

const anything = fc.anything({
  withBigInt: true, withBoxedValues: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true,
  withObjectString: true, withSparseArray: true, withTypedArray: true, withUnicodeString: true,
});

/** Every path into a JSON value, as key lists. */
function paths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out = [prefix];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...prefix, i])));
  else if (typeof v === "object" && v !== null) for (const k of Object.keys(v)) out.push(...paths((v as Record<string, unknown>)[k], [...prefix, k]));
  return out;
}

describe("garbage in: a Book or a RiskError, never another exception", () => {
  const EXAMPLE = readFileSync(new URL("./fixtures/books/design-example.json", import.meta.url), "utf8");
  const example = JSON.parse(EXAMPLE);
  const examplePaths = paths(example).filter((p) => p.length > 0);

  it("fc.anything()", () => {
    fc.assert(fc.property(fc.anything(), bookOrRiskError), { numRuns: 2000 });
    fc.assert(fc.property(anything, bookOrRiskError), { numRuns: 2000 });
  });

  it("arbitrary text", () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.json()), bookOrRiskError), { numRuns: 2000 });
  });

  it("a valid book with one or two fields replaced by anything or deleted", () => {
    const edit = fc.tuple(fc.constantFrom(...examplePaths), fc.option(anything, { nil: undefined }));
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 2 }), fc.boolean(), (edits, asText) => {
        const b = JSON.parse(EXAMPLE);
        for (const [path, value] of edits) {
          let parent = b;
          for (const k of path.slice(0, -1)) parent = parent?.[k];
          // Edit only JSON-like containers (an earlier edit may have put a typed array or a Map there).
          if (!Array.isArray(parent) && Object.getPrototypeOf(parent ?? 0) !== Object.prototype) continue;
          const last = path[path.length - 1]!;
          if (value === undefined) delete parent[last];
          else parent[last] = value;
        }
        let input: unknown = b;
        if (asText) {
          try {
            input = JSON.stringify(b);
          } catch {
            return; // BigInt and the like: not expressible as text
          }
        }
        bookOrRiskError(input);
      }),
      { numRuns: 3000 },
    );
  });
});
