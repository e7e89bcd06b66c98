// Index checks run before each pass: a bad index would read or write outside its column (and past
// the end of memory, a trap). They return a status the TS layer turns into a RiskError.
import {
  col, dim, F_ACC_START, F_BUCKET, F_FACTOR, F_GROUP, F_KIND, F_N_ACC, F_N_BUCKETS, F_N_FACTORS,
  F_N_GROUPS, F_N_INST, F_N_POS, F_POS_INST,
} from "./frame";
import { KIND_DELTA1_INVERSE } from "./consts";

export const BAD_NONE = 0;
export const BAD_KIND = 1;
export const BAD_FACTOR = 2;
export const BAD_ACC_START = 3;
export const BAD_POS_INST = 4;
export const BAD_GROUP = 5;
export const BAD_BUCKET = 6;

/** Row of the last failed check. */
export let badRow: i32 = -1;

/** For the passes that check as they go (pm-tick.ts). */
@inline export function setBadRow(row: i32): void {
  badRow = row;
}

/** True when 0 ≤ x < n (one unsigned compare). */
@inline export function inRange(x: i32, n: i32): bool {
  return <u32>x < <u32>n;
}

/** BAD_NONE, or BAD_KIND / BAD_FACTOR with badRow set. */
export function checkInstruments(frame: usize): i32 {
  const n = dim(frame, F_N_INST);
  const nFactors = dim(frame, F_N_FACTORS);
  const kind = col(frame, F_KIND);
  const factor = col(frame, F_FACTOR);
  for (let i = 0; i < n; i++) {
    badRow = i;
    if (!inRange(load<i32>(kind + (<usize>i << 2)), KIND_DELTA1_INVERSE + 1)) return BAD_KIND;
    if (!inRange(load<i32>(factor + (<usize>i << 2)), nFactors)) return BAD_FACTOR;
  }
  badRow = -1;
  return BAD_NONE;
}

/** BAD_NONE, or the first bad column with badRow set. */
export function checkAccounts(frame: usize): i32 {
  const nInst = dim(frame, F_N_INST);
  const nAcc = dim(frame, F_N_ACC);
  const nPos = dim(frame, F_N_POS);
  const G = dim(frame, F_N_GROUPS);
  const B = dim(frame, F_N_BUCKETS);
  const accStart = col(frame, F_ACC_START);
  const posInst = col(frame, F_POS_INST);
  const group = col(frame, F_GROUP);
  const bucket = col(frame, F_BUCKET);
  let prev = 0;
  for (let a = 0; a <= nAcc; a++) {
    const s = load<i32>(accStart + (<usize>a << 2));
    badRow = a;
    if (s < prev || s > nPos) return BAD_ACC_START;
    prev = s;
  }
  for (let p = 0; p < nPos; p++) {
    badRow = p;
    if (!inRange(load<i32>(posInst + (<usize>p << 2)), nInst)) return BAD_POS_INST;
  }
  for (let i = 0; i < nInst; i++) {
    badRow = i;
    if (!inRange(load<i32>(group + (<usize>i << 2)), G)) return BAD_GROUP;
    if (!inRange(load<i32>(bucket + (<usize>i << 2)), B)) return BAD_BUCKET;
  }
  badRow = -1;
  return BAD_NONE;
}
