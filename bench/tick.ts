/**
 * Exchange-tick workload (DESIGN §7): ~2 000 BTC/ETH instruments shaped like the real chain, 100 000
 * accounts × ~10 positions, deribit-pm. Times one tick (index update + evaluate of every account).
 */
import type { Engine } from "../src/engine/engine.js";
import { randomBook } from "../test/helpers/random-book.js";

export interface TickTiming {
  backend: string;
  instruments: number;
  accounts: number;
  positions: number;
  openMs: number;
  tickMs: number[];
  bytesPerPosition: number;
}

export function tickWorkload(engine: Engine, opts: { accounts?: number; ticks?: number } = {}): TickTiming {
  const book = randomBook({ seed: 42, accounts: opts.accounts ?? 100_000, positionsPerAccount: 10, strikesPerExpiry: 125 });
  const t0 = performance.now();
  const session = engine.open(book);
  session.evaluate();
  const openMs = performance.now() - t0;
  const tickMs: number[] = [];
  for (let k = 0; k < (opts.ticks ?? 10); k++) {
    const t = performance.now();
    session.setIndex("BTC", 77_081.8 * (1 + 0.001 * ((k % 5) - 2)));
    session.evaluate();
    tickMs.push(performance.now() - t);
  }
  const positions = session.positions();
  const bytesPerPosition = session.memoryBytes() / positions;
  session.close();
  return {
    backend: engine.backend, instruments: book.instruments.length, accounts: book.accounts!.length, positions,
    openMs, tickMs, bytesPerPosition,
  };
}
