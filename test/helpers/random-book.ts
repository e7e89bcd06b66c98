/** A seeded random book shaped like Deribit's chain: options, perpetuals and futures on BTC and ETH. */
import type { AccountInput, BookInput, InstrumentInput } from "../../src/types.js";

export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    // mulberry32
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const EXPIRIES = [Date.UTC(2026, 7, 28, 8), Date.UTC(2026, 8, 25, 8), Date.UTC(2026, 11, 25, 8), Date.UTC(2027, 2, 26, 8)];
const code = (ms: number) => {
  const d = new Date(ms);
  return `${d.getUTCDate()}${MONTHS[d.getUTCMonth()]}${String(d.getUTCFullYear()).slice(2)}`;
};

export interface RandomBookOptions {
  seed: number;
  accounts: number;
  positionsPerAccount: number;
  /** Options per underlying and expiry (each strike gets a call and a put). */
  strikesPerExpiry?: number;
}

export function randomBook(o: RandomBookOptions): BookInput {
  const r = rng(o.seed);
  const index: Record<string, number> = { BTC: 77_081.8, ETH: 2_411.5 };
  const instruments: InstrumentInput[] = [];
  for (const u of ["BTC", "ETH"]) {
    instruments.push({ id: `${u}-PERPETUAL` }, { id: `${u}_USDC-PERPETUAL` });
    for (const e of EXPIRIES) {
      instruments.push({ id: `${u}-${code(e)}` });
      const n = o.strikesPerExpiry ?? 6;
      for (let k = 0; k < n; k++) {
        const step = u === "BTC" ? (n > 40 ? 250 : 1000) : n > 40 ? 5 : 50;
        const strike = Math.round((index[u] * (0.6 + (0.8 * k) / Math.max(1, n - 1))) / step) * step;
        for (const cp of ["C", "P"]) {
          const id = `${u}-${code(e)}-${strike}-${cp}`;
          if (!instruments.some((x) => x.id === id)) instruments.push({ id, vol: 0.4 + 0.4 * r() });
        }
      }
    }
  }
  const accounts: AccountInput[] = [];
  for (let a = 0; a < o.accounts; a++) {
    const cur = ["USD", "BTC", "ETH"][Math.floor(r() * 3)];
    const positions: Record<string, number> = {};
    for (let p = 0; p < o.positionsPerAccount; p++) {
      const x = instruments[Math.floor(r() * instruments.length)];
      const linear = x.id.includes("_USDC");
      const delta1 = !x.id.match(/-[CP]$/);
      const u = x.id.startsWith("BTC") ? "BTC" : "ETH";
      const q = delta1 && !linear ? Math.round((r() - 0.5) * 2 * index[u] * 2) : Math.round((r() - 0.5) * 40) / 4;
      if (q !== 0) positions[x.id] = (positions[x.id] ?? 0) + q;
    }
    const collateral: Record<string, number> = cur === "USD" ? { USDC: 50_000 + 200_000 * r(), BTC: r() < 0.3 ? r() : 0 } : { [cur]: cur === "BTC" ? 1 + 3 * r() : 20 + 60 * r() };
    for (const k of Object.keys(collateral)) if (collateral[k] === 0) delete collateral[k];
    accounts.push({ id: `acct-${a}`, currency: cur, collateral, positions });
  }
  return {
    valuationTime: "2026-08-22T15:33:51Z",
    markets: { BTC: { index: index.BTC }, ETH: { index: index.ETH } },
    instruments, accounts, risk: { presets: ["deribit-pm"] },
  };
}
