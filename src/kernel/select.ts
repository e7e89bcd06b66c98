/**
 * Backend selection. Until the wasm kernel lands only `js` is available.
 */
import type { BackendName, Kernel } from "./abi.js";
import { createJsKernel } from "./js-kernel.js";
import { RiskError } from "../errors.js";

export type BackendChoice = BackendName | "auto";

export function loadKernelSync(choice: BackendChoice): Kernel {
  if (choice === "js" || choice === "auto") return createJsKernel();
  throw new RiskError("E_BACKEND", "backend", `backend "${choice}" is not available in this build`);
}

export async function loadKernel(choice: BackendChoice): Promise<Kernel> {
  return loadKernelSync(choice);
}
