/**
 * A market's forward and discount factor at an expiry (DESIGN §2). One definition for the parser,
 * which refuses a book whose forwards or discount factors leave the range the engine computes with,
 * and for the instrument table, which prices with them: the numbers checked are the numbers used.
 */
import { MS_PER_YEAR, type Market } from "../types.js";
// Host-free exp: Math.exp differs in the last bit between engines, and these feed reported numbers.
import { detExp } from "../var/detmath.js";

/** Years from `valuationTime` to `expiry` (ACT/365 on milliseconds). */
export function yearsTo(expiry: number, valuationTime: number): number {
  return (expiry - valuationTime) / MS_PER_YEAR;
}

/** Forward of `m` at `expiry`: the book's forward when given, else index·e^{(rate − carry)T}. */
export function forwardOf(m: Market, expiry: number | undefined, valuationTime: number): number {
  if (expiry === undefined) return m.index;
  const given = m.forwards.get(expiry);
  if (given !== undefined) return given;
  return m.index * detExp((m.rate - m.carry) * yearsTo(expiry, valuationTime));
}

/** Discount factor e^{−rT} over `T` years. */
export function discountFactor(rate: number, T: number): number {
  return detExp(-rate * T);
}
