/**
 * Book → canonical JSON form: ISO-8601 times and every instrument field written out, so the text
 * does not depend on name parsing or defaults and `parseBook(bookToJSON(b))` deep-equals `b`.
 */
import type { AccountInput, Book, BookInput, InstrumentInput, MarketInput, Position } from "../types.js";
import { isoTime } from "./iso-time.js";

// Years 0000–9999: the range plain ISO-8601 (and parseTimestamp) accepts.
const ISO_MIN = (() => {
  const d = new Date(0);
  d.setUTCFullYear(0, 0, 1);
  return d.getTime();
})();
const ISO_MAX = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * A time as ISO-8601 UTC (`2026-09-25T08:00:00Z`, milliseconds only when not zero); as epoch ms when
 * ISO cannot hold it exactly (fractions of a millisecond, years outside 0000–9999).
 */
export function formatTime(ms: number): string | number {
  if (!Number.isInteger(ms) || ms < ISO_MIN || ms > ISO_MAX) return ms;
  return isoTime(ms).replace(".000Z", "Z");
}

/**
 * An empty plain object already in V8's dictionary mode. Accounts hold different sets of instrument
 * ids, so filling ordinary objects key by key walks a new hidden class per key sequence: 5× slower
 * for a million positions. Deleting a property that is not the last one switches to dictionary mode.
 */
function dictionaryObject(): Record<string, number> {
  const o: Record<string, number> = { a: 0, b: 0 };
  delete o.a;
  delete o.b;
  return o;
}

/** Instrument id → quantity; repeated ids (possible only in a hand-built Book) are netted. */
function positionsToJSON(positions: Position[]): Record<string, number> {
  if (positions.length === 0) return {};
  const out = dictionaryObject();
  let odd = false;
  for (let i = 0; i < positions.length; i++) {
    const p = positions[i]!;
    if (p.instrument === "__proto__") odd = true;
    else out[p.instrument] = p.qty;
  }
  // Rare: a "__proto__" id (which plain assignment would turn into the prototype) or a repeated id.
  if (odd || Object.keys(out).length !== positions.length) return positionsToJSONSlow(positions);
  return out;
}

function positionsToJSONSlow(positions: Position[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of positions) {
    const prev = Object.prototype.hasOwnProperty.call(out, p.instrument) ? out[p.instrument]! : 0;
    Object.defineProperty(out, p.instrument, { value: prev + p.qty, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

export function bookToJSON(book: Book): BookInput {
  const markets: Record<string, MarketInput> = {};
  for (const u of Object.keys(book.markets)) {
    const m = book.markets[u]!;
    const forwards: Record<string, number> = {};
    for (const [expiry, fwd] of m.forwards) forwards[String(formatTime(expiry))] = fwd;
    markets[u] = { index: m.index, rate: m.rate, carry: m.carry, forwards };
  }

  const instruments: InstrumentInput[] = book.instruments.map((i) => {
    const out: InstrumentInput = {
      id: i.id,
      kind: i.kind,
      underlying: i.underlying,
      settlement: i.settlement,
      contractSize: i.contractSize,
    };
    if (i.right !== undefined) out.right = i.right;
    if (i.strike !== undefined) out.strike = i.strike;
    if (i.expiry !== undefined) out.expiry = formatTime(i.expiry);
    if (i.vol !== undefined) out.vol = i.vol;
    return out;
  });

  const accounts: AccountInput[] = book.accounts.map((a) => ({
    id: a.id,
    currency: a.currency,
    collateral: { ...a.collateral },
    positions: positionsToJSON(a.positions),
    orders: positionsToJSON(a.orders),
  }));

  return {
    valuationTime: formatTime(book.valuationTime),
    markets,
    instruments,
    accounts,
    risk: { presets: [...book.risk.presets], overrides: structuredClone(book.risk.overrides) },
  };
}
