/** Times in a book: ISO-8601 (any offset, UTC when none), epoch ms, JS Dates; written back as ISO. */
import { describe, expect, it } from "vitest";
import { formatTime, parseBook, parseTimestamp } from "../src/book/index.js";

const T = Date.UTC(2026, 8, 25, 8, 0, 0); // 2026-09-25T08:00:00Z

describe("parseTimestamp", () => {
  it.each([
    ["2026-09-25T08:00:00Z", T],
    ["2026-09-25T08:00:00.000Z", T],
    ["2026-09-25T08:00Z", T],
    ["2026-09-25T08:00:00+00:00", T],
    ["2026-09-25T10:00:00+02:00", T],
    ["2026-09-25T03:30:00-0430", T],
    ["2026-09-25T09:00:00+01", T],
    ["2026-09-25 08:00:00Z", T],
    ["2026-09-25T08:00:00", T], // no offset: UTC, never the machine's zone
    ["2026-09-25T08:00:00.123456+00:00", T + 123], // beyond milliseconds: dropped
    ["2026-09-25", Date.UTC(2026, 8, 25)],
    ["1790323200000", T],
    [T, T],
    ["2028-02-29T00:00:00Z", Date.UTC(2028, 1, 29)],
    ["0099-01-01T00:00:00Z", -59042995200000], // two-digit years are not 19xx
  ])("%j → %d", (text, ms) => {
    expect(parseTimestamp(text)).toBe(ms);
  });

  it.each([
    "", "yesterday", "2026-9-25", "2026-13-01", "2026-02-30", "2027-02-29", "2026-09-25T24:00:00Z",
    "2026-09-25T08:60Z", "2026-09-25T08:00:00+25:00", "25/09/2026", "2026-09-25Z", "1.5e12", NaN, Infinity, 9e15, null, {},
  ])("%j is not a time", (v) => {
    expect(parseTimestamp(v)).toBeNull();
  });
});

describe("times in a book", () => {
  const book = (valuationTime: unknown, expiry: unknown) => ({
    valuationTime,
    markets: { BTC: { index: 77000, forwards: { "2026-09-25T10:00:00+02:00": 77400 } } },
    instruments: [{ id: "c", kind: "future", underlying: "BTC", expiry }],
  });

  it("every form gives epoch ms", () => {
    const b = parseBook(book(new Date(T - 86_400_000), "2026-09-25T10:00:00+02:00"));
    expect(b.valuationTime).toBe(T - 86_400_000);
    expect(b.instruments[0]!.expiry).toBe(T);
    expect([...b.markets.BTC!.forwards]).toEqual([[T, 77400]]);
    expect(parseBook(book(String(T - 1), T)).valuationTime).toBe(T - 1);
  });

  it("formatTime writes ISO UTC, with milliseconds only when needed, and epoch ms when ISO cannot hold it", () => {
    expect(formatTime(T)).toBe("2026-09-25T08:00:00Z");
    expect(formatTime(T + 5)).toBe("2026-09-25T08:00:00.005Z");
    expect(formatTime(T + 0.5)).toBe(T + 0.5);
    expect(formatTime(Date.UTC(10000, 0, 1))).toBe(Date.UTC(10000, 0, 1));
    for (const ms of [T, T + 5, 0, -1, Date.UTC(9999, 11, 31, 23, 59, 59, 999)]) expect(parseTimestamp(formatTime(ms))).toBe(ms);
  });
});
