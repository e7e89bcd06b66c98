/**
 * The `simd` and `scalar` backends: the Kernel interface over one instance of the AssemblyScript
 * kernel. This layer owns the instance's memory: it lays the columns out from heapBase() up
 * (wasm-layout.ts), grows memory when a reserve needs more, refreshes views after a grow, and checks
 * indexes (inside wasm, without trapping) before each pass.
 */
import type { Dims, Kernel, KernelViews, PmDims, PmViews } from "./abi.js";
import { RiskError } from "../errors.js";
import { ABI_VERSION, type KernelExports, type WasmFlavor } from "./wasm-loader.js";
import {
  computeLayout, computePmLayout, DIM_KEYS, FRAME_SLOTS, type Layout, makePmViews, makeViews, PM_FRAME_SLOTS, type PmLayout,
  writeFrame, writePmFrame,
} from "./wasm-layout.js";
import { checkRange } from "./range.js";
import { checkPmDims, checkPmTick, samePmDims, tickFault } from "./pm-reduce.js";

export const WASM_PAGE_BYTES = 65536;
/** asconfig.json `maximumMemory` (pages); test/kernel-memory.test.ts reads it back from the binary. */
export const MAX_MEMORY_PAGES = 32768;
export const MAX_MEMORY_BYTES = MAX_MEMORY_PAGES * WASM_PAGE_BYTES;

/** A wasm Kernel, with its raw exports and current layout for tests and tools. */
export interface WasmKernel extends Kernel {
  readonly backend: WasmFlavor;
  readonly exports: KernelExports;
  layout(): Layout | null;
  pmLayout(): PmLayout | null;
}

// Status codes of assembly/checks.ts → the column they name.
const BAD_COLUMN = ["", "kind", "factor", "accStart", "posInst", "group", "bucket"];

function sameDims(a: Dims, b: Dims): boolean {
  return DIM_KEYS.every((k) => a[k] === b[k]);
}

function checkDims(d: Dims): void {
  for (const k of DIM_KEYS) {
    const x = d[k];
    if (!Number.isInteger(x) || x < 0 || x > 0x7fffffff) {
      throw new RiskError("E_INTERNAL", `kernel.dims.${k}`, `kernel dimension ${k} must be an integer in [0, 2^31), got ${x}`);
    }
  }
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}

export function createWasmKernel(backend: WasmFlavor, ex: KernelExports): WasmKernel {
  if (ex.abiVersion() !== ABI_VERSION || ex.frameSlots() !== FRAME_SLOTS || ex.pmFrameSlots() !== PM_FRAME_SLOTS) {
    throw new RiskError("E_INTERNAL", "", `the ${backend} kernel build does not match this library (ABI ${ex.abiVersion()})`);
  }
  const base = ex.heapBase() >>> 0;
  const memory = ex.memory;
  let layout: Layout | null = null;
  let views: KernelViews | null = null;
  let pmLayout: PmLayout | null = null;
  let pmViews: PmViews | null = null;

  function ensureMemory(end: number, d: Dims): void {
    const have = memory.buffer.byteLength;
    if (end <= have) return;
    const tooBig = () => new RiskError(
      "E_CAPACITY", "",
      `the book needs ${mib(end)} MiB of ${backend} kernel memory (${d.nInst} instruments × ${d.nScen} scenarios, ` +
      `${d.nAcc} accounts, ${d.nPos} positions); the limit is ${mib(MAX_MEMORY_BYTES)} MiB ` +
      `(wasm maximumMemory ${MAX_MEMORY_PAGES} pages): split the accounts over several evaluations, or use a tick ` +
      `session (engine.open), which passes accounts in chunks`,
    );
    if (end > MAX_MEMORY_BYTES) throw tooBig();
    try {
      memory.grow(Math.ceil((end - have) / WASM_PAGE_BYTES));
    } catch {
      throw tooBig(); // the host refused the pages
    }
  }

  function current(): KernelViews {
    if (!layout) throw new RiskError("E_STATE", "", "kernel: reserve() before use");
    // memory.grow detaches every view: rebuild them over the new buffer
    if (!views || views.kind.buffer !== memory.buffer) views = makeViews(memory.buffer, layout);
    return views;
  }

  function currentPm(): PmViews {
    if (!pmLayout) throw new RiskError("E_STATE", "", "kernel: reservePm() before use");
    if (!pmViews || pmViews.index.buffer !== memory.buffer) pmViews = makePmViews(memory.buffer, pmLayout);
    return pmViews;
  }

  function failed(status: number): RiskError {
    const row = ex.lastBadRow();
    const name = BAD_COLUMN[status] ?? `status ${status}`;
    return new RiskError("E_INTERNAL", `kernel.${name}[${row}]`, `kernel input ${name}[${row}] is out of range`);
  }

  return {
    backend,
    exports: ex,
    layout: () => layout,
    pmLayout: () => pmLayout,
    reserve(d: Dims): KernelViews {
      checkDims(d);
      if (layout && sameDims(layout.dims, d)) return current();
      const next = computeLayout(d, base);
      ensureMemory(next.end, d);
      layout = next;
      views = null;
      pmLayout = null; // it lived past the old layout's end
      pmViews = null;
      writeFrame(memory.buffer, next);
      return current();
    },
    views: current,
    instrumentPass(from = 0, to = layout?.dims.nInst ?? 0): void {
      current();
      checkRange(from, to, layout!.dims.nInst);
      const status = ex.checkInstruments(layout!.frame);
      if (status !== 0) throw failed(status);
      ex.instrumentPass(layout!.frame, from, to);
    },
    accountPass(): void {
      current();
      const status = ex.checkAccounts(layout!.frame);
      if (status !== 0) throw failed(status);
      ex.accountPass(layout!.frame);
    },
    reservePm(d: PmDims): PmViews {
      current();
      checkPmDims(d);
      if (pmLayout && samePmDims(pmLayout.dims, d)) return currentPm();
      const next = computePmLayout(d, layout!.end);
      ensureMemory(next.end, layout!.dims);
      pmLayout = next;
      pmViews = null;
      writePmFrame(memory.buffer, next);
      return currentPm();
    },
    pmViews: currentPm,
    pmTick(from: number, count: number, mmFactor: number, mmp: number): number {
      current();
      const p = currentPm();
      checkPmTick(layout!.dims, pmLayout!.dims, p, from, count);
      const status = ex.pmTick(layout!.frame, pmLayout!.frame, from, count, mmFactor, mmp);
      if (status !== 0) throw tickFault(status, ex.lastBadRow());
      return ex.lastNonFinite();
    },
    memoryBytes: () => memory.buffer.byteLength,
  };
}
