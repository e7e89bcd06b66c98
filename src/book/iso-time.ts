/**
 * `new Date(ms).toISOString()`, remembered: it costs ~0.45 µs a call, and every report writes the same
 * few expiries again (greek buckets, their labels, a book written back to JSON). Strings are immutable,
 * so handing the same one to every caller is safe.
 */
const MAX_ENTRIES = 4096; // a long-lived server meets new expiries over time: start over when full
const memo = new Map<number, string>();

export function isoTime(ms: number): string {
  let s = memo.get(ms);
  if (s === undefined) {
    s = new Date(ms).toISOString(); // throws RangeError as before for an invalid time (nothing stored)
    if (memo.size >= MAX_ENTRIES) memo.clear();
    memo.set(ms, s);
  }
  return s;
}
