/**
 * Book parser and validator (DESIGN §3): JSON text or an object → a `Book` in which every field is
 * present, every number finite and every time in epoch milliseconds; or a `RiskError` naming the
 * JSON path of the first offending field and what to do about it.
 *
 * Speed matters for exchange-sized books (millions of positions), so the hot loops (positions,
 * collateral) check numbers inline and build path strings only when they throw.
 */
import { RiskError, type RiskErrorCode } from "../errors.js";
import {
  STABLECOINS,
  type Account,
  type Book,
  type Instrument,
  type InstrumentKind,
  type Market,
  type OptionRight,
  type Position,
  type Settlement,
} from "../types.js";
import { parseInstrumentName } from "./instrument-name.js";
import { discountFactor, forwardOf, yearsTo } from "./market.js";

/** Deepest nesting accepted (the document itself is level 1). */
export const MAX_JSON_DEPTH = 64;
/** Largest |epoch ms| a JS Date can hold (±100 000 000 days). */
const MAX_EPOCH_MS = 8.64e15;
/** Vol is a decimal; anything above this is almost surely a percentage typed by mistake. */
export const MAX_VOL = 10;
/** Rates are decimals per year; ±100 % catches percentages typed by mistake. */
export const MAX_ABS_RATE = 1;
/**
 * Prices (index, forwards given or derived from rate and carry, strikes) in USD per coin. Real
 * prices sit many orders of magnitude inside; outside, the engine's products (size × forward ×
 * quantity, 1/forward for inverse contracts, gamma's (F/index)²) can overflow or lose every digit.
 */
export const MIN_PRICE = 1e-20;
export const MAX_PRICE = 1e20;
/** Contract sizes (coins, or USD face for inverse futures and perpetuals); tiny ones are harmless. */
export const MAX_CONTRACT_SIZE = 1e20;
/**
 * Years from valuationTime to an expiry. Margin models grow with the horizon (Deribit PM's roll
 * charge e^{0.075·T} passes 1e308 after ~9 460 years); no real contract comes near.
 */
export const MAX_YEARS_TO_EXPIRY = 1000;
/** The discount factor e^{−rT} of an option stays within [1/MAX_DISCOUNT, MAX_DISCOUNT]. */
export const MAX_DISCOUNT = 1e20;
/**
 * When a forward or a discount factor leaves its range, an expiry further than this is named as the
 * cause; a nearer one names the market's index, rate or carry (carryError).
 */
const FAR_EXPIRY_YEARS = 100;
/** Bound on values copied from `risk.overrides` (only reachable with shared sub-objects in JS input). */
const MAX_OVERRIDE_NODES = 1_000_000;

type Obj = Record<string, unknown>;

const KINDS: ReadonlySet<string> = new Set<InstrumentKind>(["spot", "perpetual", "future", "option"]);
const RIGHTS: ReadonlySet<string> = new Set<OptionRight>(["call", "put"]);
const SETTLEMENTS: ReadonlySet<string> = new Set<Settlement>(["linear", "inverse"]);

// Asset symbols become keys of plain objects (markets, collateral): a strict alphabet also keeps
// "__proto__" and friends out of them.
const ASSET_SYMBOL = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;

const ROOT_KEYS = new Set(["valuationTime", "markets", "instruments", "accounts", "risk"]);
const MARKET_KEYS = new Set(["index", "rate", "carry", "forwards"]);
const INSTRUMENT_KEYS = new Set([
  "id", "kind", "underlying", "right", "strike", "expiry", "settlement", "contractSize", "vol",
]);
const ACCOUNT_KEYS = new Set(["id", "currency", "collateral", "positions", "orders"]);
const RISK_KEYS = new Set(["preset", "presets", "overrides"]);

// ───────────────────────────── paths and messages ─────────────────────────────

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `base.key` for identifier-like keys, `base["odd key"]` otherwise, `base[3]` for indices. */
export function joinPath(base: string, key: string | number): string {
  if (typeof key === "number") return `${base}[${key}]`;
  if (IDENTIFIER.test(key)) return base === "" ? key : `${base}.${key}`;
  return `${base}[${JSON.stringify(key)}]`;
}

function fail(code: RiskErrorCode, path: string, sentence: string): never {
  throw new RiskError(code, path, sentence);
}

/** Nesting level of the value at `path`: the document is 1, `markets` 2, `markets.BTC` 3. */
function depthOf(path: string): number {
  return 1 + (path.match(/(?:^|\.)[A-Za-z_$][A-Za-z0-9_$]*|\[(?:\d+|"(?:[^"\\]|\\.)*")\]/g)?.length ?? 0);
}

/**
 * E_TYPE for `v` at `path`, unless `v` nests too deep: the 64-level limit (E_JSON) is reported
 * wherever it is broken, ahead of what else is wrong with the value.
 */
function typeError(v: unknown, path: string, sentence: string): never {
  if (typeof v === "object" && v !== null) new JsonWalker("depth").run(v, path, depthOf(path));
  fail("E_TYPE", path, sentence);
}

/** Short description of a value for messages, e.g. `the string "abc"`, `an array`. */
function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  switch (typeof v) {
    case "string":
      return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
    case "number":
    case "boolean":
    case "bigint":
      return String(v);
    case "object": {
      // "[object Map]" → "a Map"; plain objects and class instances are "an object".
      const tag = Object.prototype.toString.call(v).slice(8, -1);
      return isRecord(v) ? "an object" : `a ${tag}`;
    }
    case "undefined":
      return "nothing";
    default:
      return `a ${typeof v}`;
  }
}

/**
 * A JSON object: plain objects (the common, fast case) and class instances; not arrays, and not
 * the built-ins whose contents Object.keys cannot see (a Map of forwards must not read as empty).
 */
function isRecord(v: unknown): v is Obj {
  if (typeof v !== "object" || v === null) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) return true;
  return !(Array.isArray(v) || v instanceof Map || v instanceof Set || v instanceof Date || ArrayBuffer.isView(v)
    || v instanceof Number || v instanceof String || v instanceof Boolean || v instanceof RegExp);
}

function keyOf(path: string): string {
  const m = /(?:\.([^.[\]]+)|\[("(?:[^"\\]|\\.)*")\])$/.exec(path);
  if (m === null) return path;
  return m[1] ?? (JSON.parse(m[2]!) as string);
}

function missing(path: string, hint: string): never {
  if (path.endsWith("]") && !path.endsWith('"]')) fail("E_REQUIRED", path, `this entry is empty: give ${hint}`);
  fail("E_REQUIRED", path, `this field is missing: add "${keyOf(path)}" as ${hint}`);
}

function wrongNumber(v: unknown, path: string, hint: string): never {
  if (v === undefined) missing(path, hint);
  if (typeof v === "number") fail("E_NOT_FINITE", path, `${v} is not a finite number: give ${hint}`);
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) {
    typeError(v, path, `expected a number but got ${describe(v)}: write it without quotes`);
  }
  typeError(v, path, `expected a number but got ${describe(v)}: give ${hint}`);
}

/** A required finite number (−0 becomes 0 so that JSON round trips are exact). */
function readNumber(v: unknown, path: string, hint: string): number {
  if (typeof v !== "number" || v - v !== 0) wrongNumber(v, path, hint);
  return v + 0;
}

function readPositive(v: unknown, path: string, hint: string, code: RiskErrorCode): number {
  const x = readNumber(v, path, hint);
  if (!(x > 0)) fail(code, path, `${x} is not positive: give ${hint}`);
  return x;
}

function readString(v: unknown, path: string, hint: string): string {
  if (typeof v === "string") {
    if (v === "") fail("E_REQUIRED", path, `this field is empty: give ${hint}`);
    return v;
  }
  if (v === undefined) missing(path, hint);
  typeError(v, path, `expected a string but got ${describe(v)}: give ${hint}`);
}

function readRecord(v: unknown, path: string, hint: string): Obj {
  if (isRecord(v)) return v;
  if (v === undefined) missing(path, hint);
  typeError(v, path, `expected an object but got ${describe(v)}: give ${hint}`);
}

function readArray(v: unknown, path: string, hint: string): unknown[] {
  if (Array.isArray(v)) return v;
  if (v === undefined) missing(path, hint);
  typeError(v, path, `expected an array but got ${describe(v)}: give ${hint}`);
}

function readEnum(v: unknown, allowed: ReadonlySet<string>, path: string, what: string): string {
  // The list is for the error messages only (building it on every call was a sixth of a parse).
  const list = () => [...allowed].map((s) => `"${s}"`).join(", ");
  if (typeof v !== "string") {
    typeError(v, path, `expected a string but got ${describe(v)}: give the ${what}, one of ${list()}`);
  }
  if (!allowed.has(v)) {
    const lower = v.toLowerCase();
    const hint = allowed.has(lower) ? `write "${lower}" in lower case` : `use one of ${list()}`;
    fail("E_KIND", path, `${describe(v)} is not a known ${what}: ${hint}`);
  }
  return v;
}

// ───────────────────────────── time ─────────────────────────────

const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;
const EPOCH_MS_TEXT = /^-?\d{1,16}$/;

function daysInMonth(year: number, month1: number): number {
  return new Date(Date.UTC(year, month1, 0)).getUTCDate();
}

/**
 * Epoch ms of an ISO-8601 time (`2026-09-25T08:00:00Z`, `2026-09-25T10:00+02:00`, `2026-09-25`) or of
 * epoch milliseconds (a number or a string of digits); null when it is neither.
 * A time without an offset is UTC, never the machine's zone: server and browser must agree.
 * Digits beyond milliseconds are dropped.
 */
export function parseTimestamp(v: unknown): number | null {
  if (typeof v === "number") return Number.isFinite(v) && Math.abs(v) <= MAX_EPOCH_MS ? v + 0 : null;
  if (typeof v !== "string") return null;
  const s = v.trim();
  if (EPOCH_MS_TEXT.test(s)) {
    const ms = Number(s);
    return Math.abs(ms) <= MAX_EPOCH_MS ? ms + 0 : null;
  }
  const known = ISO_TIMES.get(s);
  if (known !== undefined) return known;
  const ms = isoTimestamp(s);
  if (ms !== null && s.length <= MAX_ISO_TIME_LENGTH) {
    if (ISO_TIMES.size >= MAX_ISO_TIMES) ISO_TIMES.clear();
    ISO_TIMES.set(s, ms);
  }
  return ms;
}

// A book written out (bookToJSON) gives every instrument's expiry as ISO text, a few distinct times
// many times over: valid ones seen before are answered from here (bounded).
const ISO_TIMES = new Map<string, number>();
const MAX_ISO_TIMES = 4096;
const MAX_ISO_TIME_LENGTH = 40; // digits beyond milliseconds may run on: such text is not kept

function isoTimestamp(s: string): number | null {
  const m = ISO_8601.exec(s);
  if (m === null) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const milli = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, "0"));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  let offsetMin = 0;
  const zone = m[8];
  if (zone !== undefined && zone !== "Z" && zone !== "z") {
    const digits = zone.slice(1).replace(":", "");
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2)) : 0;
    if (oh > 23 || om > 59) return null;
    offsetMin = (zone[0] === "-" ? -1 : 1) * (oh * 60 + om);
  }
  // Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear does not.
  const d = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, milli));
  d.setUTCFullYear(year);
  return d.getTime() - offsetMin * 60_000;
}

const TIME_HINT = `an ISO-8601 time such as "2026-09-25T08:00:00Z" or epoch milliseconds such as 1790323200000`;

function readTime(v: unknown, path: string): number {
  // A JS Date is a time too (API users); an invalid one reads as NaN.
  if (v instanceof Date) v = v.getTime();
  if (typeof v === "number") {
    if (!Number.isFinite(v)) fail("E_NOT_FINITE", path, `${v} is not a time: give ${TIME_HINT}`);
  } else if (typeof v !== "string") {
    if (v === undefined) missing(path, TIME_HINT);
    typeError(v, path, `expected a time but got ${describe(v)}: give ${TIME_HINT}`);
  }
  const t = parseTimestamp(v);
  if (t === null) fail("E_TIME", path, `${describe(v)} cannot be read as a time: write ${TIME_HINT}`);
  return t;
}

/** Canonical text of a time for messages. */
function showTime(ms: number): string {
  return Math.abs(ms) <= MAX_EPOCH_MS ? new Date(ms).toISOString().replace(".000Z", "Z") : String(ms);
}

// ───────────────────────────── nesting limit ─────────────────────────────

/**
 * Walks JSON data the parser does not read field by field. `copy` (for `risk.overrides`): a deep
 * copy that refuses values JSON cannot hold and non-finite numbers. `depth` (notes, values of the
 * wrong type): only the nesting limit. Both refuse nesting beyond MAX_JSON_DEPTH, which also stops
 * cycles in JS input.
 */
class JsonWalker {
  private nodes = 0;
  private root = "";
  private readonly copy: boolean;
  constructor(mode: "copy" | "depth") {
    this.copy = mode === "copy";
  }

  /** Walk `v`, found at `path` and nesting level `depth`. */
  run(v: unknown, path: string, depth: number): unknown {
    this.nodes = 0;
    this.root = path;
    return this.walk(v, path, depth);
  }

  private walk(v: unknown, path: string, depth: number): unknown {
    if (++this.nodes > MAX_OVERRIDE_NODES) {
      fail("E_CAPACITY", this.root, `it holds more than ${MAX_OVERRIDE_NODES} values (counting shared objects each time they appear): keep it small`);
    }
    if (!this.copy && (typeof v !== "object" || v === null)) return v;
    switch (typeof v) {
      case "number":
        if (!Number.isFinite(v)) fail("E_NOT_FINITE", path, `${v} is not a finite number: give a real value`);
        return v + 0;
      case "string":
      case "boolean":
        return v;
      case "object":
        break;
      default:
        fail("E_TYPE", path, `${describe(v)} cannot be written in JSON: use a number, string, boolean, array or object`);
    }
    if (v === null) return null;
    if (depth > MAX_JSON_DEPTH) {
      fail("E_JSON", path, `nesting is deeper than ${MAX_JSON_DEPTH} levels (or the object refers to itself): flatten it`);
    }
    if (Array.isArray(v)) {
      const out: unknown[] | null = this.copy ? new Array(v.length) : null;
      for (let i = 0; i < v.length; i++) {
        const x = this.walk(v[i], joinPath(path, i), depth + 1);
        if (out !== null) out[i] = x;
      }
      return out;
    }
    const out: Obj | null = this.copy ? {} : null;
    for (const k of Object.keys(v)) {
      const x = this.walk((v as Obj)[k], joinPath(path, k), depth + 1);
      // defineProperty: a "__proto__" key must stay data, not become the prototype.
      if (out !== null) Object.defineProperty(out, k, { value: x, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
}

/** Whether `obj` has a key outside `known` (cheap: no allocation). */
function hasExtraFields(obj: Obj, known: ReadonlySet<string>): boolean {
  for (const k in obj) if (!known.has(k)) return true;
  return false;
}

/** Keys starting with "_" or "$" are notes ("_comment", "$schema"): kept out of the book, still bounded. */
const isNote = (key: string): boolean => key.startsWith("_") || key.startsWith("$");

/**
 * Fields outside the format are refused: a misspelt override ("contractsize") must not silently
 * leave the parsed default in place. Notes are allowed. `what` names the object for the message.
 */
function checkExtraFields(obj: Obj, known: ReadonlySet<string>, base: string, depth: number, what: string): void {
  for (const k of Object.keys(obj)) {
    if (known.has(k)) continue;
    const path = joinPath(base, k);
    const v = obj[k];
    if (typeof v === "object" && v !== null) new JsonWalker("depth").run(v, path, depth + 1);
    if (isNote(k)) continue;
    const near = closest(k, known);
    const fix = near !== null ? `rename it to "${near}"` : `remove it (or start its name with "_" to keep it as a note)`;
    fail("E_UNKNOWN_FIELD", path, `${JSON.stringify(k)} is not a field of ${what} (${[...known].join(", ")}): ${fix}`);
  }
}

/** The known key that `key` most likely misspells: same letters in another case, or ≤ 2 edits away. */
function closest(key: string, known: ReadonlySet<string>): string | null {
  let best: string | null = null;
  let bestD = key.length <= 4 ? 2 : 3;
  for (const k of known) {
    if (k.toLowerCase() === key.toLowerCase()) return k;
    const d = editDistance(key.toLowerCase(), k.toLowerCase(), bestD);
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best;
}

/** Levenshtein distance, or `limit` as soon as it is certain to reach it. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    if (Math.min(...row) >= limit) return limit;
    prev = row;
  }
  return Math.min(prev[b.length]!, limit);
}

// ───────────────────────────── the document ─────────────────────────────

function parseJsonText(text: string): unknown {
  try {
    // A byte-order mark (files saved by some Windows editors) is not part of the document (RFC 8259 §8.1).
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    // V8 quotes the offending text raw: keep the message on one line (the CLI prints one line).
    const why = (e instanceof Error ? e.message : String(e))
      .replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
    fail("E_JSON", "", `the book is not valid JSON (${why}): fix the syntax, e.g. quote every key and drop trailing commas`);
  }
}

/**
 * Validate a book given as JSON text or as an object (`BookInput`). Throws `RiskError` on the first
 * problem found; never returns a partially valid book.
 */
export function parseBook(input: unknown): Book {
  const doc = typeof input === "string" ? parseJsonText(input) : input;
  if (!isRecord(doc)) {
    typeError(doc, "", `a book is an object, not ${describe(doc)}: give { "valuationTime": …, "markets": { … }, "instruments": [ … ] }`);
  }
  checkExtraFields(doc, ROOT_KEYS, "", 1, "a book");

  const valuationTime = readTime(doc.valuationTime, "valuationTime");
  const markets = parseMarkets(doc.markets);
  const index = new Map<string, number>();
  const instruments = parseInstruments(doc.instruments, valuationTime, markets, index);
  const accounts = parseAccounts(doc.accounts, markets, index);
  const risk = parseRisk(doc.risk);
  return { valuationTime, markets, instruments, accounts, risk };
}

// ───────────────────────────── markets ─────────────────────────────

function readAssetKey(key: string, path: string, what: string): void {
  if (!ASSET_SYMBOL.test(key)) {
    fail("E_TYPE", path, `${describe(key)} is not an asset symbol: name the ${what} by its symbol, such as "BTC" (letters, digits, ".", "_", "-")`);
  }
}

function parseMarkets(v: unknown): Record<string, Market> {
  const src = readRecord(v, "markets", `an object of underlyings, such as { "BTC": { "index": 77081.8 } }`);
  const out: Record<string, Market> = {};
  for (const u of Object.keys(src)) {
    const path = joinPath("markets", u);
    readAssetKey(u, path, "market");
    out[u] = parseMarket(src[u], u, path);
  }
  return out;
}

function parseMarket(v: unknown, underlying: string, path: string): Market {
  const m = readRecord(v, path, `the market of ${underlying}, such as { "index": 77081.8 }`);
  checkExtraFields(m, MARKET_KEYS, path, 3, "a market");
  const index = readPrice(m.index, joinPath(path, "index"), `the ${underlying} index price in USD, such as 77081.8`);

  let rate = 0;
  if (m.rate !== undefined) {
    const p = joinPath(path, "rate");
    rate = readNumber(m.rate, p, "the interest rate as a decimal per year, such as 0.05 for 5 %");
    if (Math.abs(rate) > MAX_ABS_RATE) {
      fail("E_RANGE", p, `${rate} is outside [-${MAX_ABS_RATE}, ${MAX_ABS_RATE}]: write the rate as a decimal per year (0.05 for 5 %)`);
    }
  }
  const carry = m.carry === undefined ? 0
    : readNumber(m.carry, joinPath(path, "carry"), "the carry as a decimal per year, such as 0.02");

  const forwards = new Map<number, number>();
  if (m.forwards !== undefined) {
    const fp = joinPath(path, "forwards");
    const src = readRecord(m.forwards, fp, `an object of expiry → forward price, such as { "2026-09-25T08:00:00Z": 77405.28 }`);
    for (const key of Object.keys(src)) {
      const kp = joinPath(fp, key);
      const t = parseTimestamp(key);
      if (t === null) fail("E_TIME", kp, `the key ${describe(key)} cannot be read as an expiry: write ${TIME_HINT}`);
      if (forwards.has(t)) {
        fail("E_DUPLICATE_ID", kp, `another key already gives the forward of ${showTime(t)}: keep only one`);
      }
      forwards.set(t, readPrice(src[key], kp, `the ${underlying} forward price in USD for that expiry, such as 77405.28`));
    }
  }
  return { underlying, index, rate, carry, forwards };
}

// ───────────────────────────── instruments ─────────────────────────────

const KIND_VALUES = `"spot", "perpetual", "future" or "option"`;
const STRIKE_HINT = "the strike in USD per coin, such as 120000";

/** Fills `seen` with id → position in the list (the lookup accounts use). */
function parseInstruments(v: unknown, valuationTime: number, markets: Record<string, Market>, seen: Map<string, number>): Instrument[] {
  const src = readArray(v, "instruments", `a list of instruments, such as [{ "id": "BTC-PERPETUAL" }]`);
  const out: Instrument[] = new Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const base = `instruments[${i}]`;
    const ins = parseInstrument(src[i], base, valuationTime, markets);
    const first = seen.get(ins.id);
    if (first !== undefined) {
      fail("E_DUPLICATE_ID", `${base}.id`, `${JSON.stringify(ins.id)} is already the id of instruments[${first}]: give each instrument its own id, or remove the duplicate`);
    }
    seen.set(ins.id, i);
    out[i] = ins;
  }
  return out;
}

/**
 * Fields given explicitly override those implied by a Deribit name. Fields a kind does not use
 * (a strike on a perpetual) are still checked, then dropped.
 */
function parseInstrument(v: unknown, base: string, valuationTime: number, markets: Record<string, Market>): Instrument {
  const src = readRecord(v, base, `an instrument, such as { "id": "BTC-PERPETUAL" }`);
  if (hasExtraFields(src, INSTRUMENT_KEYS)) checkExtraFields(src, INSTRUMENT_KEYS, base, 3, "an instrument");
  const id = readString(src.id, `${base}.id`, `the instrument's id, a Deribit name such as "BTC-25SEP26-120000-P" or your own`);
  const parsed = parseInstrumentName(id);

  const kind = src.kind === undefined ? undefined : readEnum(src.kind, KINDS, `${base}.kind`, "instrument kind") as InstrumentKind;
  const underlying = src.underlying === undefined ? undefined
    : readString(src.underlying, `${base}.underlying`, `the underlying's symbol, such as "BTC"`);
  const settlement = src.settlement === undefined ? undefined
    : readEnum(src.settlement, SETTLEMENTS, `${base}.settlement`, "settlement") as Settlement;
  const contractSize = src.contractSize === undefined ? undefined : readContractSize(src.contractSize, `${base}.contractSize`);
  const right = src.right === undefined ? undefined : readEnum(src.right, RIGHTS, `${base}.right`, "option right") as OptionRight;
  const strike = src.strike === undefined ? undefined : readPrice(src.strike, `${base}.strike`, STRIKE_HINT);
  const expiry = src.expiry === undefined ? undefined : readTime(src.expiry, `${base}.expiry`);
  const vol = src.vol === undefined ? undefined : readVol(src.vol, `${base}.vol`);

  // A field the user must give because the id does not imply it.
  const need = (field: string, hint: string): never => {
    if (parsed === null) {
      fail("E_INSTRUMENT_NAME", `${base}.${field}`, `"${id}" is not a Deribit name such as "BTC-25SEP26-120000-P", so the instrument must give its ${field}: add "${field}" as ${hint}`);
    }
    missing(`${base}.${field}`, hint);
  };
  // Errors about a field implied by the name point at the id.
  const at = (explicit: unknown, field: string): string => `${base}.${explicit !== undefined ? field : "id"}`;

  const k = kind ?? parsed?.kind ?? need("kind", `one of ${KIND_VALUES}`);
  const u = underlying ?? parsed?.underlying ?? need("underlying", `the underlying's symbol, such as "BTC"`);
  if (!Object.prototype.hasOwnProperty.call(markets, u)) {
    fail("E_UNKNOWN_MARKET", at(underlying, "underlying"), `the underlying ${JSON.stringify(u)} has no market: add ${JSON.stringify(u)}: { "index": <its index price in USD> } to "markets"`);
  }
  // A user's own id defaults to linear (USD-quoted); a Deribit name says which it is.
  const s = settlement ?? parsed?.settlement ?? "linear";
  if (k === "spot" && s !== "linear") {
    fail("E_KIND", at(settlement, "settlement"), `spot is always linear (quantity in coins, value in USD): set "settlement" to "linear" or remove it`);
  }
  const ins: Instrument = { id, kind: k, underlying: u, settlement: s, contractSize: contractSize ?? parsed?.contractSize ?? 1 };
  if (k === "spot" || k === "perpetual") return ins;

  const t = expiry ?? parsed?.expiry ?? need("expiry", TIME_HINT);
  if (t <= valuationTime) {
    fail("E_EXPIRED", at(expiry, "expiry"), `it expires at ${showTime(t)}, at or before valuationTime ${showTime(valuationTime)}: remove the instrument and its positions, or check the times`);
  }
  ins.expiry = t;
  checkCarry(k, t, valuationTime, markets[u], at(expiry, "expiry"), base);
  if (k === "future") return ins;

  ins.right = right ?? parsed?.right ?? need("right", `"call" or "put"`);
  ins.strike = strike ?? parsed?.strike ?? need("strike", STRIKE_HINT);
  // A strike in the name is positive; only its range is left to check.
  if (strike === undefined && !inPriceRange(ins.strike)) {
    fail("E_RANGE", `${base}.id`, `the strike ${ins.strike} in the name is ${outsidePrices(ins.strike)}: correct the strike in the id`);
  }
  if (vol === undefined) fail("E_MISSING_VOL", `${base}.vol`, `an option needs a volatility: add "vol" as a decimal such as 0.55`);
  ins.vol = vol;
  return ins;
}

function readContractSize(v: unknown, path: string): number {
  const hint = "the size of one contract (coins, or USD face for inverse futures), such as 1";
  const x = readNumber(v, path, hint);
  if (!(x > 0)) fail("E_RANGE", path, `${x} is not positive: give ${hint}`);
  if (x > MAX_CONTRACT_SIZE) fail("E_RANGE", path, `${x} is above ${sci(MAX_CONTRACT_SIZE)}, the largest contract size the engine computes with: give ${hint}`);
  return x;
}

// ───────────────────────────── prices, forwards and discounting ─────────────────────────────

const inPriceRange = (x: number): boolean => x >= MIN_PRICE && x <= MAX_PRICE;

/** A limit in messages: 1e+20, not 100000000000000000000. */
const sci = (x: number): string => x.toExponential();

/** Years in messages: to the hundredth (1000.34, not 1000 beside a 1000-year limit), or 4 digits below 1. */
const years = (T: number): string => `${Number(T >= 1 ? T.toFixed(2) : T.toPrecision(4))} years`;

/** A number in messages: 6 digits, in exponent form (1.234e-25) when very large or small. */
function show(x: number): string {
  if (x === 0 || !Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 1e6 || Math.abs(x) < 1e-4 ? x.toPrecision(4) : String(Number(x.toPrecision(6)));
}

function outsidePrices(x: number): string {
  return x < MIN_PRICE
    ? `below ${sci(MIN_PRICE)} USD, the smallest price the engine computes with`
    : `above ${sci(MAX_PRICE)} USD, the largest price the engine computes with`;
}

/** A positive price within [MIN_PRICE, MAX_PRICE]: an index, a forward or a strike. */
function readPrice(v: unknown, path: string, hint: string): number {
  const x = readPositive(v, path, hint, "E_NEGATIVE_PRICE");
  if (!inPriceRange(x)) fail("E_RANGE", path, `${x} is ${outsidePrices(x)}: give ${hint}`);
  return x;
}

/** "below the 1e-20 limit" or "above the 1e+20 limit". */
const beyond = (x: number, lo: number, hi: number): string => (x < lo ? `below the ${sci(lo)} limit` : `above the ${sci(hi)} limit`);

/**
 * The horizon, discount factor e^{−rT} (options) and forward index·e^{(rate − carry)T} (when the
 * market gives none for this expiry) of a dated instrument must stay in the ranges the engine
 * computes with; each is computed by the functions the instrument table prices with.
 */
function checkCarry(kind: InstrumentKind, expiry: number, valuationTime: number, m: Market, expiryPath: string, base: string): void {
  const T = yearsTo(expiry, valuationTime);
  if (T > MAX_YEARS_TO_EXPIRY) {
    fail("E_RANGE", expiryPath, `it is ${years(T)} after valuationTime ${showTime(valuationTime)}, more than the ${MAX_YEARS_TO_EXPIRY} years the engine computes with: check the year of the expiry and of valuationTime`);
  }
  if (kind === "option") {
    const df = discountFactor(m.rate, T);
    if (!(df >= 1 / MAX_DISCOUNT && df <= MAX_DISCOUNT)) carryError("discount", df, T, expiry, m, expiryPath, base);
  }
  if (m.forwards.has(expiry)) return;
  const F = forwardOf(m, expiry, valuationTime);
  if (!inPriceRange(F)) carryError("forward", F, T, expiry, m, expiryPath, base);
}

/**
 * A discount factor or derived forward `x` out of range, reported at the field to change: the
 * expiry (at `expiryPath`) when it is more than FAR_EXPIRY_YEARS away; else, for a forward, the
 * market's index when the growth factor is at most e; else its rate or carry, whichever is larger.
 */
function carryError(what: "discount" | "forward", x: number, T: number, expiry: number, m: Market, expiryPath: string, base: string): never {
  const mp = joinPath("markets", m.underlying);
  const far = T > FAR_EXPIRY_YEARS;
  const of = `of ${far ? "this instrument" : base} over ${years(T)}`;
  if (what === "discount") {
    const fact = `the discount factor e^{−rate·T} ${of} would be ${show(x)} with rate ${m.rate}, ${beyond(x, 1 / MAX_DISCOUNT, MAX_DISCOUNT)}`;
    if (far) fail("E_RANGE", expiryPath, `${fact}: check the year of the expiry`);
    fail("E_RANGE", joinPath(mp, "rate"), `${fact}: check the rate (a decimal per year: 0.05 for 5 %) and that expiry`);
  }
  const fact = `the forward index × e^{(rate − carry)·T} ${of} would be ${show(x)} USD with index ${show(m.index)}, ` +
    `rate ${m.rate} and carry ${m.carry}, ${beyond(x, MIN_PRICE, MAX_PRICE)}`;
  const orGive = `or give the forward of ${showTime(expiry)} in ${joinPath(mp, "forwards")}`;
  if (far) fail("E_RANGE", expiryPath, `${fact}: check the year of the expiry, ${orGive}`);
  if (Math.abs((m.rate - m.carry) * T) <= 1) fail("E_RANGE", joinPath(mp, "index"), `${fact}: give the index in USD per coin, ${orGive}`);
  const field = Math.abs(m.carry) > Math.abs(m.rate) ? "carry" : "rate";
  fail("E_RANGE", joinPath(mp, field), `${fact}: check the ${field} (a decimal per year: 0.05 for 5 %), ${orGive}`);
}

function readVol(v: unknown, path: string): number {
  const hint = "the implied volatility as a decimal, such as 0.55 for 55 %";
  const vol = readNumber(v, path, hint);
  if (!(vol > 0)) fail("E_RANGE", path, `${vol} is not a volatility: give ${hint}`);
  if (vol > MAX_VOL) {
    fail("E_RANGE", path, `${vol} is above ${MAX_VOL} (${MAX_VOL * 100} %): vol is a decimal, so write ${vol / 100} for ${vol} %`);
  }
  return vol;
}

// ───────────────────────────── accounts ─────────────────────────────

function isPriced(asset: string, markets: Record<string, Market>): boolean {
  return STABLECOINS.has(asset) || Object.prototype.hasOwnProperty.call(markets, asset);
}

function unpriced(asset: string, path: string, what: string, markets: Record<string, Market>): never {
  const upper = asset.toUpperCase();
  const fix = upper !== asset && isPriced(upper, markets)
    ? `write "${upper}" in upper case`
    : `use a stablecoin (${[...STABLECOINS].join(", ")}) or add a market for ${JSON.stringify(asset)} to "markets"`;
  fail("E_UNKNOWN_ASSET", path, `${what} ${JSON.stringify(asset)} has no price: ${fix}`);
}

// Per-account paths are built only when something is wrong: a big book has 10⁵ accounts.
const accountPath = (a: number, field: string): string => `accounts[${a}].${field}`;

function parseAccounts(v: unknown, markets: Record<string, Market>, index: Map<string, number>): Account[] {
  if (v === undefined) return [];
  const src = readArray(v, "accounts", `a list of accounts, such as [{ "id": "alice", "positions": { "BTC-PERPETUAL": 100 } }]`);
  const out: Account[] = new Array(src.length);
  const seen = new Map<string, number>();
  for (let a = 0; a < src.length; a++) {
    const raw = src[a];
    const acc = isRecord(raw) ? raw
      : readRecord(raw, `accounts[${a}]`, `an account, such as { "id": "alice", "positions": { "BTC-PERPETUAL": 100 } }`);
    if (hasExtraFields(acc, ACCOUNT_KEYS)) checkExtraFields(acc, ACCOUNT_KEYS, `accounts[${a}]`, 3, "an account");
    const id = typeof acc.id === "string" && acc.id !== "" ? acc.id
      : readString(acc.id, accountPath(a, "id"), `the account's id, such as "alice"`);
    const first = seen.get(id);
    if (first !== undefined) {
      fail("E_DUPLICATE_ID", accountPath(a, "id"), `${JSON.stringify(id)} is already the id of accounts[${first}]: give each account its own id, or merge the two`);
    }
    seen.set(id, a);

    let currency = "USD";
    if (acc.currency !== undefined) {
      currency = readString(acc.currency, accountPath(a, "currency"), `the margin currency, "USD" or a coin such as "BTC"`);
      if (!isPriced(currency, markets)) unpriced(currency, accountPath(a, "currency"), "the margin currency", markets);
    }
    out[a] = {
      id,
      currency,
      collateral: parseCollateral(acc.collateral, a, markets),
      positions: parsePositions(acc.positions, a, "positions", index),
      orders: parsePositions(acc.orders, a, "orders", index),
    };
  }
  return out;
}

function parseCollateral(v: unknown, a: number, markets: Record<string, Market>): Record<string, number> {
  const out: Record<string, number> = {};
  if (v === undefined) return out;
  const src = isRecord(v) ? v
    : readRecord(v, accountPath(a, "collateral"), `an object of asset → amount, such as { "USDC": 250000, "BTC": 1.2 }`);
  for (const asset in src) {
    const amount = src[asset];
    // Negative amounts are allowed: they are borrowed (a loan against the account's other assets).
    if (typeof amount !== "number" || amount - amount !== 0) {
      wrongNumber(amount, joinPath(accountPath(a, "collateral"), asset), `the amount of ${asset} in coins (negative if borrowed), such as 1.2`);
    }
    // Priced assets are stablecoins or market keys, whose names were checked: safe object keys.
    if (!isPriced(asset, markets)) {
      unpriced(asset, joinPath(accountPath(a, "collateral"), asset), "the collateral asset", markets);
    }
    out[asset] = amount + 0;
  }
  return out;
}

/** Instrument id → signed contracts; zero quantities are dropped. The hot loop of big books. */
function parsePositions(v: unknown, a: number, field: string, index: Map<string, number>): Position[] {
  const out: Position[] = [];
  if (v === undefined) return out;
  const src = isRecord(v) ? v
    : readRecord(v, accountPath(a, field), `an object of instrument id → quantity in contracts, such as { "BTC-PERPETUAL": -100 }`);
  for (const instrument in src) {
    const qty = src[instrument];
    if (typeof qty !== "number" || qty - qty !== 0) {
      wrongNumber(qty, joinPath(accountPath(a, field), instrument), "the signed quantity in contracts (negative = short), such as -5");
    }
    if (!index.has(instrument)) unknownInstrument(instrument, joinPath(accountPath(a, field), instrument));
    if (qty !== 0) out.push({ instrument, qty });
  }
  return out;
}

function unknownInstrument(id: string, path: string): never {
  const fix = parseInstrumentName(id) !== null
    ? `add { "id": ${JSON.stringify(id)} } to "instruments"`
    : `add it to "instruments" with its fields, or correct the id`;
  fail("E_UNKNOWN_INSTRUMENT", path, `no instrument has the id ${JSON.stringify(id)}: ${fix}`);
}

// ───────────────────────────── risk ─────────────────────────────

/** Preset names are checked by the preset registry; here only their types. */
function parseRisk(v: unknown): Book["risk"] {
  if (v === undefined) return { presets: ["standard"], overrides: {} };
  const src = readRecord(v, "risk", `an object such as { "preset": "deribit-pm", "overrides": {} }`);
  checkExtraFields(src, RISK_KEYS, "risk", 2, "risk");
  const presets: string[] = [];
  const add = (name: string): void => {
    if (!presets.includes(name)) presets.push(name);
  };
  if (src.preset !== undefined) add(readString(src.preset, "risk.preset", `a preset name such as "deribit-pm"`));
  if (src.presets !== undefined) {
    const list = readArray(src.presets, "risk.presets", `a list of preset names, such as ["standard", "deribit-pm"]`);
    if (list.length === 0) {
      fail("E_REQUIRED", "risk.presets", `the list is empty: name at least one preset, such as ["standard"], or remove "presets" to use the default`);
    }
    for (let i = 0; i < list.length; i++) add(readString(list[i], `risk.presets[${i}]`, `a preset name such as "deribit-pm"`));
  }
  if (presets.length === 0) presets.push("standard");

  let overrides: Record<string, unknown> = {};
  if (src.overrides !== undefined) {
    readRecord(src.overrides, "risk.overrides", `an object of parameters, such as { "mm_factor": 0.8, "BTC": { "price_range": 0.16 } }`);
    overrides = new JsonWalker("copy").run(src.overrides, "risk.overrides", 3) as Record<string, unknown>;
  }
  return { presets, overrides };
}
