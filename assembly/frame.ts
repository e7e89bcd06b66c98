// The frame: a block of i32 slots the TS layer writes once per reserve (src/kernel/wasm-layout.ts,
// same order): the dimensions, then one pointer per column in abi.ts KernelViews order.
export const F_N_INST = 0;
export const F_N_SCEN = 1;
export const F_N_FACTORS = 2;
export const F_N_ACC = 3;
export const F_N_POS = 4;
export const F_N_GROUPS = 5;
export const F_N_BUCKETS = 6;
// instrument inputs
export const F_KIND = 7;
export const F_FACTOR = 8;
export const F_CP = 9;
export const F_STRIKE = 10;
export const F_TAU = 11;
export const F_FWD = 12;
export const F_DF = 13;
export const F_RATE = 14;
export const F_VOL = 15;
export const F_VOL_MULT = 16;
export const F_SIZE = 17;
export const F_DFDS = 18;
// scenario inputs
export const F_MULT = 19;
export const F_LN_MULT = 20;
export const F_VOL_SHIFT = 21;
export const F_VOL_FLOOR = 22;
// instrument outputs
export const F_VALUE = 23;
export const F_DELTA = 24;
export const F_GAMMA = 25;
export const F_VEGA = 26;
export const F_THETA = 27;
export const F_RHO = 28;
export const F_CUBE = 29;
// account inputs
export const F_ACC_START = 30;
export const F_POS_INST = 31;
export const F_POS_QTY = 32;
export const F_GROUP = 33;
export const F_BUCKET = 34;
// account outputs
export const F_PNL = 35;
export const F_BASE = 36;
export const F_GREEKS = 37;
export const FRAME_SLOTS = 38;

/** Integer slot `slot` of the frame. */
@inline export function dim(frame: usize, slot: i32): i32 {
  return load<i32>(frame + (<usize>slot << 2));
}

/** Pointer slot `slot` of the frame. */
@inline export function col(frame: usize, slot: i32): usize {
  return <usize>load<u32>(frame + (<usize>slot << 2));
}
