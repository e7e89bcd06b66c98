/**
 * Reliability fuzzing helpers (issue 9): a known-good book, hostile values and mutations of it,
 * garbage inputs, walkers over every number of a result, the "user error" contract and bit-for-bit
 * comparison of two results.
 */
import fc from "fast-check";
import { ERROR_CODES, RiskError } from "../../src/errors.js";
import { presetNames } from "../../src/margin/registry.js";
import "../../src/margin/presets.js";
import type { BookInput } from "../../src/types.js";
import { rng } from "./random-book.js";

// ───────────────────────────── walking results ─────────────────────────────

/** Calls `visit` on every number under `x` (objects, arrays, typed arrays, Maps), with its path. */
export function walkNumbers(x: unknown, visit: (path: string, v: number) => void, path = ""): void {
  if (typeof x === "number") visit(path, x);
  else if (typeof x !== "object" || x === null) return;
  else if (ArrayBuffer.isView(x)) {
    const a = x as unknown as ArrayLike<number | bigint>;
    for (let j = 0; j < a.length; j++) if (typeof a[j] === "number") visit(`${path}[${j}]`, a[j] as number);
  } else if (Array.isArray(x)) x.forEach((v, j) => walkNumbers(v, visit, `${path}[${j}]`));
  else if (x instanceof Map) for (const [k, v] of x) walkNumbers(v, visit, `${path}.${String(k)}`);
  else for (const k of Object.keys(x)) walkNumbers((x as Record<string, unknown>)[k], visit, `${path}.${k}`);
}

/** Paths of the NaN and ±Infinity numbers under `x` (empty when every number is finite). */
export function nonFinite(x: unknown): string[] {
  const out: string[] = [];
  walkNumbers(x, (p, v) => {
    if (!Number.isFinite(v)) out.push(`${p}=${v}`);
  });
  return out;
}

/**
 * First difference between two results, compared bit for bit (numbers with Object.is, so 0 ≠ −0
 * and NaN = NaN; same keys in the same order; Maps entry by entry), or null when identical.
 */
export function firstDifference(a: unknown, b: unknown, path = ""): string | null {
  if (typeof a === "number" || typeof b === "number") {
    return Object.is(a, b) ? null : `${path}: ${String(a)} vs ${String(b)}`;
  }
  if (typeof a !== "object" || a === null || typeof b !== "object" || b === null) {
    return a === b ? null : `${path}: ${String(a)} vs ${String(b)}`;
  }
  if (a instanceof Map || b instanceof Map) {
    if (!(a instanceof Map && b instanceof Map)) return `${path}: shapes differ`;
    return firstDifference([...a], [...b], path); // [key, value] entries in order
  }
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b) || Array.isArray(a) || Array.isArray(b)) {
    const x = a as ArrayLike<unknown>;
    const y = b as ArrayLike<unknown>;
    if (Array.isArray(a) !== Array.isArray(b) || x.length !== y.length) return `${path}: shapes differ`;
    for (let j = 0; j < x.length; j++) {
      const d = firstDifference(x[j], y[j], `${path}[${j}]`);
      if (d) return d;
    }
    return null;
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.join("\u0000") !== kb.join("\u0000")) return `${path}: keys ${ka.join(",")} vs ${kb.join(",")}`;
  for (const k of ka) {
    const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    if (d) return d;
  }
  return null;
}

// ───────────────────────────── the error contract ─────────────────────────────

export type Outcome<T> = { ok: true; value: T; ms: number } | { ok: false; error: unknown; ms: number };

export function attempt<T>(f: () => T): Outcome<T> {
  const t0 = performance.now();
  try {
    const value = f();
    return { ok: true, value, ms: performance.now() - t0 };
  } catch (error) {
    return { ok: false, error, ms: performance.now() - t0 };
  }
}

/**
 * Why `e` breaks the user-error contract (DESIGN §3), or null when it keeps it: a RiskError with a
 * documented code other than E_INTERNAL, a string path, and a one-line message a user can act on.
 * Traps (WebAssembly.RuntimeError), TypeErrors, stack overflows and E_INTERNAL are all failures.
 */
export function userErrorProblem(e: unknown): string | null {
  if (!(e instanceof RiskError)) {
    const name = e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e);
    return `not a RiskError: ${name}`;
  }
  if (!Object.prototype.hasOwnProperty.call(ERROR_CODES, e.code)) return `undocumented code ${e.code}`;
  if (e.code === "E_INTERNAL") return `E_INTERNAL: ${e.message}`;
  if (typeof e.path !== "string") return `path is ${typeof e.path}`;
  if (typeof e.message !== "string" || e.message.trim() === "") return "empty message";
  if (/[\r\n]/.test(e.message)) return `message spans lines: ${JSON.stringify(e.message)}`;
  return null;
}

/** Why an outcome breaks the contract: an error that is not a user error, or a non-finite number. */
export function outcomeProblem(o: Outcome<unknown>): string | null {
  if (!o.ok) return userErrorProblem(o.error);
  const bad = nonFinite(o.value);
  return bad.length ? `non-finite numbers: ${bad.slice(0, 5).join(" ")}` : null;
}

export const describeError = (e: unknown): string =>
  e instanceof RiskError ? `${e.code} at "${e.path}": ${e.message}` : String(e);

// ───────────────────────────── the known book ─────────────────────────────

/** Portfolio presets a plain evaluate can run (var needs a price history). */
export function bookPresets(): string[] {
  return presetNames().filter((p) => p !== "standard" && p !== "var");
}

/**
 * A small valid book that touches every instrument kind and settlement, two underlyings with
 * given and derived forwards, and accounts in USD and in coins with collateral and open orders.
 * Returns a fresh object on every call.
 */
export function knownBook(): BookInput {
  return {
    valuationTime: "2026-08-22T15:33:51Z",
    markets: {
      BTC: { index: 77081.8, rate: 0.01, forwards: { "2026-09-25T08:00:00Z": 77405.28 } },
      ETH: { index: 2410.91, carry: 0.005 },
    },
    instruments: [
      { id: "BTC-PERPETUAL" },
      { id: "BTC_USDC-PERPETUAL" },
      { id: "BTC-25SEP26" },
      { id: "BTC-25SEP26-80000-C", vol: 0.52 },
      { id: "BTC-25SEP26-70000-P", vol: 0.58 },
      { id: "BTC-25DEC26-120000-C", vol: 0.61 },
      { id: "ETH-PERPETUAL" },
      { id: "ETH-25DEC26-2500-P", vol: 0.7 },
      { id: "ETH_USDC-25SEP26-2400-C", vol: 0.66 },
      {
        id: "my-btc-call", kind: "option", underlying: "BTC", right: "call", strike: 90000,
        expiry: "2026-12-25T08:00:00Z", settlement: "linear", contractSize: 0.1, vol: 0.55,
      },
      { id: "eth-spot", kind: "spot", underlying: "ETH" },
    ],
    accounts: [
      {
        id: "alice", currency: "USD", collateral: { USDC: 250000, BTC: 1.2 },
        positions: { "BTC-25SEP26-70000-P": -5, "BTC-PERPETUAL": 31000, "my-btc-call": 20, "eth-spot": 3 },
        orders: { "BTC-25SEP26-80000-C": 2 },
      },
      {
        id: "bob", currency: "BTC", collateral: { BTC: 3.5 },
        positions: { "BTC-25SEP26": -120000, "BTC-25SEP26-80000-C": -10, "BTC-25DEC26-120000-C": 4 },
      },
      {
        id: "carol", currency: "ETH", collateral: { ETH: 40, USDT: 5000 },
        positions: { "ETH-PERPETUAL": -2000, "ETH-25DEC26-2500-P": 25, "ETH_USDC-25SEP26-2400-C": -3, "BTC_USDC-PERPETUAL": 0.4 },
      },
    ],
    risk: { presets: bookPresets() },
  };
}

// ───────────────────────────── hostile values and mutations ─────────────────────────────

/** A value nested `depth` levels deep (arrays or objects), built without recursion. */
export function deepNest(depth: number, kind: "array" | "object"): unknown {
  let v: unknown = 1;
  for (let d = 0; d < depth; d++) v = kind === "array" ? [v] : { x: v };
  return v;
}

/** The same nesting as JSON text (no intermediate objects). */
export function deepNestText(depth: number, kind: "array" | "object"): string {
  return kind === "array" ? "[".repeat(depth) + "1" + "]".repeat(depth) : '{"x":'.repeat(depth) + "1" + "}".repeat(depth);
}

class Weird {
  index = 1;
}

/** Values no field of a book should accept, or accepts only in some places (objects, not JSON). */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    NaN, Infinity, -Infinity, 0, -0, -1, -1e-300, 5e-324, 1e-300, 1e300, 1.7976931348623157e308, -1e308,
    2 ** 53 + 1, 0.1, 1e9, -1e9, 8.64e15 + 1,
    "", " ", "abc", "1", "NaN", "Infinity", "-5", "2026-13-45", "BTC-31FEB26-1-C", "\u0000", "__proto__", "constructor",
    null, undefined, true, false, [], {}, [1, 2], { index: 1 }, [null], [[]], { "": 1 },
  ),
  fc.constantFrom<() => unknown>(
    () => "x".repeat(100_000),
    () => deepNest(100, "array"),
    () => deepNest(100, "object"),
    () => deepNest(20_000, "object"),
    () => new Map([["index", 1]]),
    () => new Date(0),
    () => new Number(5),
    () => new Weird(),
    () => Object.create(null) as object,
    () => BigInt(5),
    () => Symbol("s"),
    () => function index() { return 1; },
    // eslint-disable-next-line no-sparse-arrays
    () => [, 1],
  ).map((make) => make()),
  fc.double(),
  fc.integer(),
  fc.string({ maxLength: 12 }),
  fc.jsonValue({ maxDepth: 3 }),
);

type Key = string | number;

/** Every path (list of keys) inside a plain JSON-like value, containers included, root excluded. */
export function pathsOf(x: unknown, base: Key[] = [], out: Key[][] = []): Key[][] {
  if (Array.isArray(x)) {
    x.forEach((v, j) => {
      out.push([...base, j]);
      pathsOf(v, [...base, j], out);
    });
  } else if (typeof x === "object" && x !== null) {
    for (const k of Object.keys(x)) {
      out.push([...base, k]);
      pathsOf((x as Record<string, unknown>)[k], [...base, k], out);
    }
  }
  return out;
}

function parentOf(root: unknown, path: Key[]): Record<Key, unknown> | null {
  let at: unknown = root;
  for (const k of path.slice(0, -1)) {
    if (typeof at !== "object" || at === null) return null;
    at = (at as Record<Key, unknown>)[k];
  }
  return typeof at === "object" && at !== null ? (at as Record<Key, unknown>) : null;
}

export const showPath = (path: Key[]): string =>
  path.map((k, j) => (typeof k === "number" ? `[${k}]` : j === 0 ? k : `.${k}`)).join("");

/** One change to a book; `apply` edits the (cloned) book in place. */
export interface Mutation {
  name: string;
  apply(book: Record<string, unknown>): void;
}

const KNOWN_PATHS = pathsOf(knownBook());

/** Structural mistakes, each with its own error code (DESIGN §3). */
export const STRUCTURAL: readonly Mutation[] = [
  { name: "duplicate instrument id", apply: (b) => (b.instruments as unknown[]).push({ id: "BTC-PERPETUAL" }) },
  { name: "duplicate account id", apply: (b) => (b.accounts as unknown[]).push({ id: "bob" }) },
  { name: "unknown instrument in a position", apply: (b) => ((b.accounts as { positions: Record<string, number> }[])[0].positions["BTC-1JAN27-1-C"] = 1) },
  { name: "unknown instrument in an order", apply: (b) => ((b.accounts as Record<string, unknown>[])[0].orders = { nope: 1 }) },
  { name: "expired option", apply: (b) => ((b.instruments as unknown[]).push({ id: "BTC-1AUG26-70000-C", vol: 0.5 })) },
  { name: "expiry at valuation time", apply: (b) => ((b.instruments as Record<string, unknown>[])[9].expiry = "2026-08-22T15:33:51Z") },
  { name: "missing vol", apply: (b) => delete (b.instruments as Record<string, unknown>[])[3].vol },
  { name: "unknown underlying", apply: (b) => (b.instruments as unknown[]).push({ id: "SOL-PERPETUAL" }) },
  { name: "unknown collateral asset", apply: (b) => ((b.accounts as { collateral: Record<string, number> }[])[0].collateral.DOGE = 5) },
  { name: "unknown currency", apply: (b) => ((b.accounts as Record<string, unknown>[])[1].currency = "XBT") },
  { name: "unknown preset", apply: (b) => ((b.risk as Record<string, unknown>).presets = ["deribit-pmm"]) },
  { name: "unknown field", apply: (b) => ((b.markets as Record<string, Record<string, unknown>>).BTC.idnex = 1) },
  { name: "unknown kind", apply: (b) => ((b.instruments as Record<string, unknown>[])[9].kind = "swap") },
  { name: "unparseable id without fields", apply: (b) => (b.instruments as unknown[]).push({ id: "whatever" }) },
  { name: "negative index", apply: (b) => ((b.markets as Record<string, Record<string, unknown>>).BTC.index = -77000) },
  { name: "zero strike", apply: (b) => ((b.instruments as Record<string, unknown>[])[9].strike = 0) },
  { name: "vol in percent", apply: (b) => ((b.instruments as Record<string, unknown>[])[3].vol = 52) },
  { name: "bad time", apply: (b) => (b.valuationTime = "yesterday") },
  { name: "rate in percent", apply: (b) => ((b.markets as Record<string, Record<string, unknown>>).BTC.rate = 5) },
  { name: "no instruments field", apply: (b) => delete b.instruments },
  { name: "spot settled inverse", apply: (b) => ((b.instruments as Record<string, unknown>[])[10].settlement = "inverse") },
  { name: "empty preset list", apply: (b) => ((b.risk as Record<string, unknown>).presets = []) },
  { name: "deep nesting in a note", apply: (b) => ((b.markets as Record<string, Record<string, unknown>>).BTC._note = deepNest(200, "object")) },
  { name: "deep nesting in overrides", apply: (b) => ((b.risk as Record<string, unknown>).overrides = deepNest(200, "object")) },
];

/** Expected code and path of each structural mistake. */
export const STRUCTURAL_EXPECTED: Record<string, [string, string]> = {
  "duplicate instrument id": ["E_DUPLICATE_ID", "instruments[11].id"],
  "duplicate account id": ["E_DUPLICATE_ID", "accounts[3].id"],
  "unknown instrument in a position": ["E_UNKNOWN_INSTRUMENT", 'accounts[0].positions["BTC-1JAN27-1-C"]'],
  "unknown instrument in an order": ["E_UNKNOWN_INSTRUMENT", "accounts[0].orders.nope"],
  "expired option": ["E_EXPIRED", "instruments[11].id"],
  "expiry at valuation time": ["E_EXPIRED", "instruments[9].expiry"],
  "missing vol": ["E_MISSING_VOL", "instruments[3].vol"],
  "unknown underlying": ["E_UNKNOWN_MARKET", "instruments[11].id"],
  "unknown collateral asset": ["E_UNKNOWN_ASSET", "accounts[0].collateral.DOGE"],
  "unknown currency": ["E_UNKNOWN_ASSET", "accounts[1].currency"],
  "unknown preset": ["E_PRESET", "risk.presets"],
  "unknown field": ["E_UNKNOWN_FIELD", "markets.BTC.idnex"],
  "unknown kind": ["E_KIND", "instruments[9].kind"],
  "unparseable id without fields": ["E_INSTRUMENT_NAME", "instruments[11].kind"],
  "negative index": ["E_NEGATIVE_PRICE", "markets.BTC.index"],
  "zero strike": ["E_NEGATIVE_PRICE", "instruments[9].strike"],
  "vol in percent": ["E_RANGE", "instruments[3].vol"],
  "bad time": ["E_TIME", "valuationTime"],
  "rate in percent": ["E_RANGE", "markets.BTC.rate"],
  "no instruments field": ["E_REQUIRED", "instruments"],
  "spot settled inverse": ["E_KIND", "instruments[10].settlement"],
  "empty preset list": ["E_REQUIRED", "risk.presets"],
};

/** Multiplies one number of the book by 10^k: huge and tiny magnitudes the parser may accept. */
const scaleMutation: fc.Arbitrary<Mutation> = fc
  .record({
    path: fc.constantFrom(...KNOWN_PATHS.filter((p) => typeof valueAt(knownBook(), p) === "number")),
    k: fc.oneof(fc.integer({ min: -330, max: 310 }), fc.constantFrom(-300, -12, -9, 9, 12, 300)),
  })
  .map(({ path, k }) => ({
    name: `${showPath(path)} × 1e${k}`,
    apply(b: Record<string, unknown>) {
      const parent = parentOf(b, path);
      const key = path[path.length - 1];
      if (parent && typeof parent[key] === "number") parent[key] = (parent[key] as number) * 10 ** k;
    },
  }));

function valueAt(root: unknown, path: Key[]): unknown {
  let at: unknown = root;
  for (const k of path) at = (at as Record<Key, unknown>)[k];
  return at;
}

const replaceMutation: fc.Arbitrary<Mutation> = fc
  .record({ path: fc.constantFrom(...KNOWN_PATHS), value: hostileValue })
  .map(({ path, value }) => ({
    name: `${showPath(path)} = ${safeShow(value)}`,
    apply(b: Record<string, unknown>) {
      const parent = parentOf(b, path);
      if (parent) parent[path[path.length - 1]] = value;
    },
  }));

const deleteMutation: fc.Arbitrary<Mutation> = fc.constantFrom(...KNOWN_PATHS).map((path) => ({
  name: `delete ${showPath(path)}`,
  apply(b: Record<string, unknown>) {
    const parent = parentOf(b, path);
    if (!parent) return;
    if (Array.isArray(parent)) parent.splice(path[path.length - 1] as number, 1);
    else delete parent[path[path.length - 1]];
  },
}));

const OBJECT_PATHS: Key[][] = [[], ...KNOWN_PATHS.filter((p) => {
  const v = valueAt(knownBook(), p);
  return typeof v === "object" && v !== null && !Array.isArray(v);
})];

const addKeyMutation: fc.Arbitrary<Mutation> = fc
  .record({
    path: fc.constantFrom(...OBJECT_PATHS),
    key: fc.oneof(fc.constantFrom("__proto__", "constructor", "toString", "", "_note", "vol", "index", "BTC", "USDC", "BTC-PERPETUAL", "17"), fc.string({ maxLength: 8 })),
    value: hostileValue,
  })
  .map(({ path, key, value }) => ({
    name: `${showPath([...path, key])} := ${safeShow(value)}`,
    apply(b: Record<string, unknown>) {
      const at = path.length === 0 ? b : valueAt(b, path);
      if (typeof at === "object" && at !== null && !Array.isArray(at)) {
        // defineProperty: a real own key even for "__proto__", as JSON.parse makes it
        Object.defineProperty(at, key, { value, enumerable: true, configurable: true, writable: true });
      }
    },
  }));

/** A random change to the known book (or several). */
export const mutationArb: fc.Arbitrary<Mutation[]> = fc.array(
  fc.oneof(
    { weight: 5, arbitrary: replaceMutation },
    { weight: 2, arbitrary: deleteMutation },
    { weight: 2, arbitrary: addKeyMutation },
    { weight: 3, arbitrary: scaleMutation },
    { weight: 2, arbitrary: fc.constantFrom(...STRUCTURAL) },
  ),
  { minLength: 1, maxLength: 3 },
);

/** The known book with `mutations` applied. */
export function mutatedBook(mutations: readonly Mutation[]): Record<string, unknown> {
  const b = knownBook() as unknown as Record<string, unknown>;
  for (const m of mutations) {
    try {
      m.apply(b);
    } catch {
      // an earlier mutation removed what this one edits (e.g. risk = NaN, then risk.presets = [])
    }
  }
  return b;
}

export function safeShow(v: unknown): string {
  try {
    if (typeof v === "symbol" || typeof v === "bigint" || typeof v === "function") return `${typeof v} ${String(v)}`;
    if (typeof v === "number") return Object.is(v, -0) ? "-0" : String(v);
    if (v === undefined) return "undefined";
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 60)}…(${s.length})` : s;
  } catch {
    return Object.prototype.toString.call(v);
  }
}

/** The book as JSON text when it survives JSON (NaN/Infinity become null there, functions vanish). */
export function asText(b: unknown): string | null {
  try {
    return JSON.stringify(b) ?? null;
  } catch {
    return null; // BigInt, cycles
  }
}

// ───────────────────────────── garbage documents ─────────────────────────────

const KNOWN_TEXT = JSON.stringify(knownBook());

/** Text that is not a book: broken JSON, JSON of the wrong shape, binary noise, deep nesting. */
export const garbageText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "", " ", "\n", "{", "}", "[", "null", "true", "0", "-0", "1e999", '"book"', "[]", "{}", "[{}]", "NaN", "Infinity", "undefined",
    "{ valuationTime: 1 }", "{'a': 1}", '{"valuationTime": "2026-08-22", }', "\uFEFF{}", '{"__proto__": {"index": 1}}',
    '{"valuationTime": 1, "markets": {"BTC": {"index": 1e400}}, "instruments": []}',
    '{"valuationTime": 1, "markets": {"BTC": {"index": -0}}, "instruments": []}',
    '{"valuationTime": 1, "valuationTime": 2, "markets": {}, "instruments": []}',
    KNOWN_TEXT.replace("77081.8", "77081.8.1"),
    KNOWN_TEXT + "garbage",
    KNOWN_TEXT.replace(/"/g, "'"),
    deepNestText(100_000, "array"),
    deepNestText(100_000, "object"),
    `{"valuationTime": 1, "markets": {}, "instruments": [], "risk": {"overrides": ${deepNestText(5_000, "object")}}}`,
  ),
  fc.integer({ min: 1, max: KNOWN_TEXT.length - 1 }).map((n) => KNOWN_TEXT.slice(0, n)),
  fc.tuple(fc.integer({ min: 0, max: KNOWN_TEXT.length - 1 }), fc.string({ maxLength: 3 }))
    .map(([n, s]) => KNOWN_TEXT.slice(0, n) + s + KNOWN_TEXT.slice(n + 1)),
  fc.string({ maxLength: 40 }),
  fc.uint8Array({ maxLength: 64 }).map((b) => String.fromCharCode(...b)),
);

/** Values that are not a book at all (API only). */
export const notABook: fc.Arbitrary<unknown> = fc.oneof(hostileValue, garbageText);

// ───────────────────────────── big books ─────────────────────────────

/**
 * A book with exactly `accounts × perAccount` positions over a Deribit-like chain (BTC and ETH:
 * perpetuals, futures, options on 4 expiries), each account holding distinct instruments.
 */
export function bigBook(accounts: number, perAccount: number, seed = 1): BookInput {
  const r = rng(seed);
  const instruments: { id: string; vol?: number }[] = [];
  const MONTHS = ["28AUG26", "25SEP26", "25DEC26", "26MAR27"];
  for (const [u, spot, step] of [["BTC", 77_081.8, 2000], ["ETH", 2_410.91, 50]] as const) {
    instruments.push({ id: `${u}-PERPETUAL` }, { id: `${u}_USDC-PERPETUAL` });
    for (const m of MONTHS) {
      instruments.push({ id: `${u}-${m}` });
      for (let k = -10; k <= 10; k++) {
        const strike = Math.round(spot / step) * step + k * step;
        for (const cp of ["C", "P"]) instruments.push({ id: `${u}-${m}-${strike}-${cp}`, vol: 0.4 + 0.3 * r() });
      }
    }
  }
  if (perAccount > instruments.length) throw new Error("bigBook: perAccount > instruments");
  const out: BookInput["accounts"] = [];
  for (let a = 0; a < accounts; a++) {
    const positions: Record<string, number> = {};
    const start = Math.floor(r() * instruments.length);
    const stride = 1 + Math.floor(r() * 3);
    for (let p = 0; p < perAccount; p++) {
      const x = instruments[(start + p * stride) % instruments.length];
      const delta1 = !x.vol;
      positions[x.id] = delta1 ? Math.round((r() - 0.5) * 20_000) || 10 : Math.round((r() - 0.5) * 40) / 4 || 0.25;
    }
    out.push({ id: `acct-${a}`, currency: a % 3 === 1 ? "BTC" : "USD", collateral: a % 3 === 1 ? { BTC: 2 + r() } : { USDC: 100_000 + 100_000 * r() }, positions });
  }
  // distinct instruments per account (a stride that wraps could repeat one): recount
  const n = out.reduce((s, a) => s + Object.keys(a.positions ?? {}).length, 0);
  if (n !== accounts * perAccount) throw new Error(`bigBook: ${n} positions, wanted ${accounts * perAccount}`);
  return {
    valuationTime: "2026-08-22T15:33:51Z",
    markets: { BTC: { index: 77_081.8 }, ETH: { index: 2_410.91 } },
    instruments,
    accounts: out,
  };
}

// ───────────────────────────── run sizes ─────────────────────────────

/**
 * fast-check parameters: the committed seeds and modest run counts keep each file under ~20 s on
 * the shared machine. RELIABILITY_SEED=<n> shifts every seed and RELIABILITY_RUNS=<k> multiplies
 * the run counts for a deeper local hunt (e.g. RELIABILITY_SEED=$RANDOM RELIABILITY_RUNS=20).
 */
export function fcParams(seed: number, numRuns: number): { seed: number; numRuns: number } {
  const shift = Number(process.env.RELIABILITY_SEED ?? 0) || 0;
  const mult = Number(process.env.RELIABILITY_RUNS ?? 1) || 1;
  return { seed: seed + shift, numRuns: Math.max(1, Math.round(numRuns * mult)) };
}
