/**
 * Bit-exact comparison of results that crossed from Chromium to Node: every number of a value, with its
 * path, as the hex of its IEEE-754 binary64 bits (so −0, NaN payloads and the last ulp all count).
 */

/** [path, number] for every number of `x`, depth first, object keys sorted. */
export function numbersWithPaths(x: unknown, path = "", out: [string, number][] = []): [string, number][] {
  if (typeof x === "number") out.push([path, x]);
  else if (Array.isArray(x)) x.forEach((y, i) => numbersWithPaths(y, `${path}[${i}]`, out));
  else if (x && typeof x === "object") {
    for (const k of Object.keys(x).sort()) numbersWithPaths((x as Record<string, unknown>)[k], path ? `${path}.${k}` : k, out);
  }
  return out;
}

/** Hex of the binary64 bits of x. */
export function hex64(x: number): string {
  return new BigUint64Array(Float64Array.of(x).buffer)[0].toString(16).padStart(16, "0");
}

/** "path = hexbits" lines of every number of x (compare two of these with toEqual for a readable diff). */
export function bitLines(x: unknown): string[] {
  return numbersWithPaths(x).map(([p, v]) => `${p} = ${hex64(v)} (${v})`);
}

/** Everything of x but its numbers (strings, booleans, nulls, keys): must match exactly too. */
export function shape(x: unknown): unknown {
  if (typeof x === "number") return "#";
  if (Array.isArray(x)) return x.map(shape);
  if (x && typeof x === "object") return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, shape(v)]));
  return x;
}
