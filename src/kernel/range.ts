/** The instrument range of a partial instrument pass (Kernel.instrumentPass(from, to)), checked. */
import { RiskError } from "../errors.js";

/** [from, to) within [0, n), whole numbers: else E_INTERNAL (the wasm builds would read past a column). */
export function checkRange(from: number, to: number, n: number): void {
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || from > to || to > n) {
    throw new RiskError("E_INTERNAL", "kernel.instrumentPass", `instrument range [${from}, ${to}) is not within [0, ${n})`);
  }
}
