/**
 * The JS heap after a full GC, for the memory tests (gc() is obtained at run time when node was not
 * started with --expose-gc).
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

function getGc(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === "function") return g;
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}
const gc = getGc();

/** process.memoryUsage().heapUsed after two full collections. */
export function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}
