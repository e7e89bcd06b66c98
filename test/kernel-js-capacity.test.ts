/**
 * The js backend refuses the books the wasm builds refuse (E_CAPACITY naming the 2048 MiB limit)
 * instead of allocating gigabytes, and stays usable afterwards.
 */
import { describe, expect, it } from "vitest";
import { loadKernelSync } from "../src/kernel/select.js";
import { RiskError } from "../src/errors.js";

describe("js kernel capacity", () => {
  it("E_CAPACITY before allocating an oversized layout; a small layout still works", () => {
    const k = loadKernelSync("js");
    const huge = { nInst: 2000, nScen: 63, nFactors: 25, nAcc: 100_000, nPos: 1_000_000, nGroups: 50, nBuckets: 300 };
    let err: unknown = null;
    try {
      k.reserve(huge);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RiskError);
    expect((err as RiskError).code).toBe("E_CAPACITY");
    expect((err as RiskError).message).toMatch(/the limit is 2048 MiB/);
    const v = k.reserve({ nInst: 1, nScen: 1, nFactors: 1, nAcc: 1, nPos: 1, nGroups: 1, nBuckets: 1 });
    expect(v.cube.length).toBe(1);
  });
});
