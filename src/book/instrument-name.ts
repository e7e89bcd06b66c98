/**
 * Deribit instrument names → instrument fields.
 *
 *   BTC-PERPETUAL               inverse perpetual, 1 USD face per contract
 *   BTC-27DEC26                 inverse future, expiry 27 Dec 2026 08:00 UTC, 1 USD face
 *   BTC-25SEP26-120000-P        inverse (coin-settled) option, 1 coin per contract
 *   BTC_USDC-PERPETUAL          linear (USDC-settled), quantity in coins
 *   XRP_USDC-27DEC26-0d625-C    linear option, strike 0.625 ("d" is the decimal point)
 *   BTC_USDC                    spot pair, linear
 *
 * Deribit expires everything at 08:00 UTC; the day may have one or two digits (`5JUN20`).
 */
import type { Instrument, InstrumentKind, OptionRight, Settlement } from "../types.js";

/**
 * What a name tells: every field of an instrument except its id and vol (contractSize: 1 coin for
 * options, spot and linear instruments, 1 USD face for inverse futures and perpetuals).
 */
export type ParsedInstrumentName = Omit<Instrument, "id" | "vol">;

/** Hour (UTC) at which Deribit futures and options expire. */
export const DERIBIT_EXPIRY_HOUR_UTC = 8;

const MONTHS: Record<string, number> = {
  JAN: 0, FEB: 1, MAR: 2, APR: 3, MAY: 4, JUN: 5, JUL: 6, AUG: 7, SEP: 8, OCT: 9, NOV: 10, DEC: 11,
};

// Underlying, optional linear quote, optional "-suffix".
const NAME = /^([A-Z][A-Z0-9]*)(?:_(USDC|USDT))?(?:-(.+))?$/;
const DATE = /^(\d{1,2})([A-Z]{3})(\d{2})$/;
const OPTION = /^(\d{1,2}[A-Z]{3}\d{2})-(\d+(?:d\d+)?)-([CP])$/;

// A chain names each expiry once per strike: date codes seen before are answered from here, without
// the Date object that checks the day (bounded: a long-lived server meets new expiries over time).
const EXPIRY_CODES = new Map<string, number | null>();
const MAX_EXPIRY_CODES = 4096;

/** Expiry of a Deribit date code such as `25SEP26` (epoch ms), or null if it is not a real date. */
export function parseExpiryCode(code: string): number | null {
  const m = DATE.exec(code);
  if (m === null) return null;
  let ms = EXPIRY_CODES.get(m[0]);
  if (ms === undefined) {
    ms = dateCodeExpiry(m);
    if (EXPIRY_CODES.size >= MAX_EXPIRY_CODES) EXPIRY_CODES.clear();
    EXPIRY_CODES.set(m[0], ms);
  }
  return ms;
}

function dateCodeExpiry(m: RegExpExecArray): number | null {
  const month = MONTHS[m[2]!];
  if (month === undefined) return null;
  const day = Number(m[1]);
  const year = 2000 + Number(m[3]);
  const ms = Date.UTC(year, month, day, DERIBIT_EXPIRY_HOUR_UTC);
  // Date.UTC rolls 31 APR over into May: reject days the month does not have.
  if (day < 1 || new Date(ms).getUTCDate() !== day) return null;
  return ms;
}

/**
 * Fields implied by a Deribit-style instrument name, or null when `id` is not one (a user's own id
 * such as "my-call": the book must then give the fields explicitly).
 */
export function parseInstrumentName(id: string): ParsedInstrumentName | null {
  if (typeof id !== "string" || id.length > 64) return null;
  const m = NAME.exec(id);
  if (m === null) return null;
  const underlying = m[1]!;
  const linear = m[2] !== undefined;
  const settlement: Settlement = linear ? "linear" : "inverse";
  const suffix = m[3];

  if (suffix === undefined) {
    // A bare coin ("BTC") is not an instrument; a pair quoted in a stablecoin is spot.
    return linear ? { kind: "spot", underlying, settlement, contractSize: 1 } : null;
  }
  if (suffix === "PERPETUAL") return { kind: "perpetual", underlying, settlement, contractSize: 1 };

  const future = parseExpiryCode(suffix);
  if (future !== null) return { kind: "future", underlying, settlement, contractSize: 1, expiry: future };

  const o = OPTION.exec(suffix);
  if (o === null) return null;
  const expiry = parseExpiryCode(o[1]!);
  const strike = Number(o[2]!.replace("d", "."));
  if (expiry === null || !(strike > 0)) return null;
  const right: OptionRight = o[3] === "C" ? "call" : "put";
  return { kind: "option", underlying, settlement, contractSize: 1, right, strike, expiry };
}
