/**
 * risk.overrides keys must name a parameter of some preset (or `collateral`), globally or under a
 * market's name: a typo such as `mm_factr` would otherwise be ignored and silently change nothing.
 */
import { RiskError } from "../errors.js";
import type { Book } from "../types.js";
import { getPreset, presetNames } from "./registry.js";

/** Keys that are not preset parameters but are read from risk.overrides. */
const OTHER_KEYS = ["collateral"];

function knownKeys(): Set<string> {
  const keys = new Set(OTHER_KEYS);
  for (const name of presetNames()) {
    for (const k of Object.keys(getPreset(name).defaults)) if (k !== "perUnderlying") keys.add(k);
  }
  return keys;
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

function unknown(key: string, path: string, keys: Set<string>): RiskError {
  const best = [...keys].map((k) => [k, distance(key, k)] as const).sort((x, y) => x[1] - y[1])[0];
  const hint = best && best[1] <= Math.max(2, Math.floor(key.length / 3)) ? ` — did you mean "${best[0]}"?` : "";
  return new RiskError("E_PRESET", path, `"${key}" is not a parameter of any preset${hint} (an object under a market's name overrides that underlying only)`);
}

export function validateOverrides(book: Book): void {
  const overrides = Object.entries(book.risk.overrides);
  if (overrides.length === 0) return; // most books: no need to gather every preset's keys
  const keys = knownKeys();
  for (const [k, v] of overrides) {
    const path = `risk.overrides.${k}`;
    if (book.markets[k]) {
      if (typeof v !== "object" || v === null || Array.isArray(v)) {
        throw new RiskError("E_PRESET", path, `overrides for the underlying ${k} must be an object such as { "price_range": 0.16 }`);
      }
      for (const kk of Object.keys(v)) if (!keys.has(kk)) throw unknown(kk, `${path}.${kk}`, keys);
    } else if (!keys.has(k)) {
      throw unknown(k, path, keys);
    }
  }
}
