/**
 * Loads the embedded kernel builds. The .wasm files are embedded as base64 (scripts/embed-wasm.mjs) so
 * Node and browsers load them the same way: no fs, no fetch, no top-level await. Compiled modules are
 * cached per build; every kernel gets its own instance (its own memory).
 */
import { instantiate, instantiateSync } from "@assemblyscript/loader";
import { SCALAR_WASM_BASE64, SIMD_WASM_BASE64 } from "./wasm-bytes.generated.js";

export type WasmFlavor = "simd" | "scalar";

/** The raw exports of assembly/index.ts (pointers are byte addresses; `>>> 0` what comes back). */
export interface KernelExports {
  memory: WebAssembly.Memory;
  abiVersion(): number;
  simdBuild(): number;
  heapBase(): number;
  frameSlots(): number;
  lastBadRow(): number;
  checkInstruments(frame: number): number;
  checkAccounts(frame: number): number;
  instrumentPass(frame: number, from: number, to: number): void;
  accountPass(frame: number): void;
  pmFrameSlots(): number;
  pmTick(frame: number, pmFrame: number, from: number, count: number, mmFactor: number, mmp: number): number;
  lastNonFinite(): number;
  probe(op: number, src: number, dst: number, n: number): void;
}

/** The frame layout of assembly/frame.ts this TS layer writes. */
export const ABI_VERSION = 3;

const bytes: Partial<Record<WasmFlavor, Uint8Array<ArrayBuffer>>> = {};
const modules: Partial<Record<WasmFlavor, WebAssembly.Module>> = {};
const compiling: Partial<Record<WasmFlavor, Promise<WebAssembly.Module>>> = {};

function decodeBase64(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The .wasm bytes of one build. */
export function wasmBytes(flavor: WasmFlavor): Uint8Array<ArrayBuffer> {
  return (bytes[flavor] ??= decodeBase64(flavor === "simd" ? SIMD_WASM_BASE64 : SCALAR_WASM_BASE64));
}

function compiledSync(flavor: WasmFlavor): WebAssembly.Module {
  return (modules[flavor] ??= new WebAssembly.Module(wasmBytes(flavor)));
}

function compiled(flavor: WasmFlavor): Promise<WebAssembly.Module> {
  const done = modules[flavor];
  if (done) return Promise.resolve(done);
  return (compiling[flavor] ??= WebAssembly.compile(wasmBytes(flavor)).then((m) => (modules[flavor] = m)));
}

/** A fresh instance, synchronously (Node, workers; some browsers cap sync compiles on the main thread). */
export function instantiateKernelSync(flavor: WasmFlavor): KernelExports {
  return instantiateSync(compiledSync(flavor)).instance.exports as unknown as KernelExports;
}

/** A fresh instance, asynchronously (works everywhere). */
export async function instantiateKernel(flavor: WasmFlavor): Promise<KernelExports> {
  const r = await instantiate(await compiled(flavor));
  return r.instance.exports as unknown as KernelExports;
}
