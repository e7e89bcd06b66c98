/**
 * A small reader of wasm binaries for tests: sections, exports, the memory limits and a decoder of
 * function bodies that counts instructions (so a byte 0xFD inside an immediate is never mistaken for
 * the SIMD prefix). Covers the MVP, bulk-memory, sign-extension, saturating-conversion and SIMD
 * instructions that asc emits.
 */

class Reader {
  constructor(readonly b: Uint8Array, public at = 0) {}
  byte(): number {
    if (this.at >= this.b.length) throw new Error("wasm: unexpected end");
    return this.b[this.at++];
  }
  u32(): number {
    let x = 0;
    let shift = 0;
    for (;;) {
      const c = this.byte();
      x += (c & 0x7f) * 2 ** shift;
      if (!(c & 0x80)) return x;
      shift += 7;
    }
  }
  /** Signed LEB128: only skipped (i32/i64 constants). */
  sleb(): void {
    while (this.byte() & 0x80);
  }
  skip(n: number): void {
    this.at += n;
  }
  name(): string {
    const n = this.u32();
    const s = new TextDecoder().decode(this.b.subarray(this.at, this.at + n));
    this.at += n;
    return s;
  }
}

export interface Section {
  id: number;
  start: number;
  end: number;
}

export function sections(bytes: Uint8Array): Section[] {
  const r = new Reader(bytes, 8);
  const out: Section[] = [];
  while (r.at < bytes.length) {
    const id = r.byte();
    const size = r.u32();
    out.push({ id, start: r.at, end: r.at + size });
    r.skip(size);
  }
  return out;
}

function section(bytes: Uint8Array, id: number): Section | undefined {
  return sections(bytes).find((s) => s.id === id);
}

/** Number of imported functions (they come first in the function index space). */
function importedFunctions(bytes: Uint8Array): number {
  const s = section(bytes, 2);
  if (!s) return 0;
  const r = new Reader(bytes, s.start);
  let funcs = 0;
  for (let n = r.u32(); n > 0; n--) {
    r.name();
    r.name();
    const kind = r.byte();
    if (kind === 0) {
      r.u32();
      funcs++;
    } else if (kind === 1) {
      r.byte();
      limits(r);
    } else if (kind === 2) limits(r);
    else if (kind === 3) r.skip(2);
    else throw new Error(`wasm: import kind ${kind}`);
  }
  return funcs;
}

function limits(r: Reader): { min: number; max?: number } {
  const flags = r.byte();
  const min = r.u32();
  return flags & 1 ? { min, max: r.u32() } : { min };
}

/** Function index of each exported function. */
export function exportedFunctions(bytes: Uint8Array): Map<string, number> {
  const s = section(bytes, 7);
  const out = new Map<string, number>();
  if (!s) return out;
  const r = new Reader(bytes, s.start);
  for (let n = r.u32(); n > 0; n--) {
    const name = r.name();
    const kind = r.byte();
    const index = r.u32();
    if (kind === 0) out.set(name, index);
  }
  return out;
}

/** Limits of the module's own memory, in 64 KiB pages. */
export function memoryLimits(bytes: Uint8Array): { min: number; max?: number } {
  const s = section(bytes, 5);
  if (!s) throw new Error("wasm: no memory section");
  const r = new Reader(bytes, s.start);
  r.u32();
  return limits(r);
}

export interface FunctionCode {
  /** Count per opcode name: "f64.mul", "simd:0xf2" (SIMD by sub-opcode), "misc:0x0b", … */
  ops: Map<string, number>;
  /** Function indexes this body calls. */
  calls: Set<number>;
}

const MEMARG_OPS = new Set(Array.from({ length: 0x3e - 0x28 + 1 }, (_, k) => 0x28 + k));

function skipBlockType(r: Reader): void {
  const t = r.b[r.at];
  if (t === 0x40 || (t >= 0x6f && t <= 0x7f) || t === 0x7b) r.at++;
  else r.sleb();
}

function simdImmediates(r: Reader, op: number): void {
  if (op <= 0x0b || op === 0x5c || op === 0x5d) {
    r.u32(); // align
    r.u32(); // offset
  } else if (op === 0x0c || op === 0x0d) {
    r.skip(16); // v128.const, i8x16.shuffle
  } else if (op >= 0x15 && op <= 0x22) {
    r.skip(1); // extract/replace lane
  } else if (op >= 0x54 && op <= 0x5b) {
    r.u32();
    r.u32();
    r.skip(1); // load/store lane
  }
}

/** Decodes one function body (from its locals to its final `end`). */
function decodeBody(r: Reader, end: number): FunctionCode {
  const ops = new Map<string, number>();
  const calls = new Set<number>();
  const count = (k: string) => ops.set(k, (ops.get(k) ?? 0) + 1);
  for (let groups = r.u32(); groups > 0; groups--) {
    r.u32();
    r.byte();
  }
  while (r.at < end) {
    const op = r.byte();
    if (op === 0xfd) {
      const sub = r.u32();
      count(`simd:0x${sub.toString(16)}`);
      simdImmediates(r, sub);
      continue;
    }
    if (op === 0xfc) {
      const sub = r.u32();
      count(`misc:0x${sub.toString(16)}`);
      if (sub === 0x0a) r.skip(2); // memory.copy
      else if (sub === 0x0b) r.skip(1); // memory.fill
      else if (sub === 0x08) { r.u32(); r.skip(1); } // memory.init
      else if (sub === 0x09) r.u32(); // data.drop
      continue;
    }
    count(`0x${op.toString(16)}`);
    if (op === 0x02 || op === 0x03 || op === 0x04) skipBlockType(r);
    else if (op === 0x0c || op === 0x0d || (op >= 0x20 && op <= 0x24)) r.u32();
    else if (op === 0x0e) {
      for (let n = r.u32() + 1; n > 0; n--) r.u32();
    } else if (op === 0x10) calls.add(r.u32());
    else if (op === 0x11) {
      r.u32();
      r.u32();
    } else if (op === 0x1c) {
      for (let n = r.u32(); n > 0; n--) r.byte();
    } else if (MEMARG_OPS.has(op)) {
      r.u32();
      r.u32();
    } else if (op === 0x3f || op === 0x40) r.byte();
    else if (op === 0x41 || op === 0x42) r.sleb();
    else if (op === 0x43) r.skip(4);
    else if (op === 0x44) r.skip(8);
    else if (op === 0xd0) r.byte();
    else if (op === 0xd2) r.u32();
  }
  return { ops, calls };
}

/** Decoded bodies of every defined function, by function index. */
export function functionBodies(bytes: Uint8Array): Map<number, FunctionCode> {
  const s = section(bytes, 10);
  if (!s) throw new Error("wasm: no code section");
  const base = importedFunctions(bytes);
  const r = new Reader(bytes, s.start);
  const out = new Map<number, FunctionCode>();
  const n = r.u32();
  for (let k = 0; k < n; k++) {
    const size = r.u32();
    const end = r.at + size;
    out.set(base + k, decodeBody(r, end));
    r.at = end;
  }
  return out;
}

/** Opcode counts of an exported function and everything it calls (transitively). */
export function reachableOps(bytes: Uint8Array, exportName: string): Map<string, number> {
  const root = exportedFunctions(bytes).get(exportName);
  if (root === undefined) throw new Error(`wasm: no export ${exportName}`);
  const bodies = functionBodies(bytes);
  const total = new Map<string, number>();
  const seen = new Set<number>();
  const todo = [root];
  while (todo.length) {
    const f = todo.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    const body = bodies.get(f);
    if (!body) continue; // an import
    for (const [k, v] of body.ops) total.set(k, (total.get(k) ?? 0) + v);
    todo.push(...body.calls);
  }
  return total;
}

/** SIMD sub-opcodes the tests look for (WebAssembly SIMD spec numbering). */
export const SIMD = {
  "v128.load": 0x00,
  "v128.store": 0x0b,
  "f64x2.splat": 0x14,
  "f64x2.lt": 0x49,
  "f64x2.gt": 0x4a,
  "f64x2.ge": 0x4c,
  "v128.andnot": 0x4f,
  "v128.bitselect": 0x52,
  "i64x2.shl": 0xcb,
  "i64x2.add": 0xce,
  "f64x2.abs": 0xec,
  "f64x2.add": 0xf0,
  "f64x2.sub": 0xf1,
  "f64x2.mul": 0xf2,
  "f64x2.div": 0xf3,
  "f64x2.pmin": 0xf6,
  "f64x2.pmax": 0xf7,
} as const;

/** Relaxed-SIMD sub-opcodes live at 0x100–0x113. */
export function isRelaxedSimd(key: string): boolean {
  if (!key.startsWith("simd:")) return false;
  const sub = Number(key.slice(5));
  return sub >= 0x100 && sub <= 0x113;
}

export function countSimd(ops: Map<string, number>, name: keyof typeof SIMD): number {
  return ops.get(`simd:0x${SIMD[name].toString(16)}`) ?? 0;
}

export function totalSimd(ops: Map<string, number>): number {
  let n = 0;
  for (const [k, v] of ops) if (k.startsWith("simd:")) n += v;
  return n;
}
