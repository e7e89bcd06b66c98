/**
 * Backend selection: `auto` is the SIMD build when this engine validates it, else the scalar build;
 * `simd`, `scalar` and `js` ask for one backend (a RiskError E_BACKEND when it cannot load here).
 * Identical in Node and browsers. In browsers prefer `loadKernel`: some cap synchronous compiles on
 * the main thread.
 */
import type { BackendName, Kernel } from "./abi.js";
import { createJsKernel } from "./js-kernel.js";
import { RiskError } from "../errors.js";
import { createWasmKernel } from "./wasm-kernel.js";
import { instantiateKernel, instantiateKernelSync, type WasmFlavor, wasmBytes } from "./wasm-loader.js";

export type BackendChoice = BackendName | "auto";

let simdOk: boolean | undefined;

/** True when this engine accepts the SIMD build (WebAssembly.validate). */
export function simdSupported(): boolean {
  return (simdOk ??= typeof WebAssembly === "object" && WebAssembly.validate(wasmBytes("simd")));
}

/** The wasm build a choice resolves to, or null for `js`. */
function flavorOf(choice: BackendChoice): WasmFlavor | null {
  switch (choice) {
    case "js":
      return null;
    case "auto":
      return simdSupported() ? "simd" : "scalar";
    case "simd":
      if (!simdSupported()) {
        throw new RiskError("E_BACKEND", "backend", "this engine has no WebAssembly SIMD: use \"auto\" or \"scalar\"");
      }
      return "simd";
    case "scalar":
      if (typeof WebAssembly !== "object") {
        throw new RiskError("E_BACKEND", "backend", "this engine has no WebAssembly: use \"js\"");
      }
      return "scalar";
    default:
      throw new RiskError("E_BACKEND", "backend", `unknown backend ${
        typeof choice === "string" ? JSON.stringify(choice) : `(a ${choice === null ? "null" : typeof choice})`}: use auto, simd, scalar or js`);
  }
}

function loadError(flavor: WasmFlavor, e: unknown): RiskError {
  if (e instanceof RiskError) return e;
  const why = e instanceof Error ? e.message : String(e);
  return new RiskError("E_BACKEND", "backend", `the ${flavor} kernel cannot be loaded here: ${why}`);
}

export function loadKernelSync(choice: BackendChoice): Kernel {
  const flavor = flavorOf(choice);
  if (!flavor) return createJsKernel();
  try {
    return createWasmKernel(flavor, instantiateKernelSync(flavor));
  } catch (e) {
    throw loadError(flavor, e);
  }
}

export async function loadKernel(choice: BackendChoice): Promise<Kernel> {
  const flavor = flavorOf(choice);
  if (!flavor) return createJsKernel();
  try {
    return createWasmKernel(flavor, await instantiateKernel(flavor));
  } catch (e) {
    throw loadError(flavor, e);
  }
}
