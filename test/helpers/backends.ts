/** The backends every kernel test runs on. */
import type { BackendName, Kernel } from "../../src/kernel/abi.js";
import { loadKernelSync } from "../../src/kernel/select.js";

export const BACKENDS: BackendName[] = ["js", "simd", "scalar"];

export function makeKernel(name: BackendName): Kernel {
  return loadKernelSync(name);
}
