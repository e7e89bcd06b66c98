/**
 * The seeded generator of the Monte Carlo VaR: xoshiro128** (Blackman & Vigna) on 32-bit integer
 * arithmetic (`Math.imul`, shifts, `>>> 0`), seeded by splitmix32, with a deterministic normal
 * transform. Every operation is exact integer math or correctly rounded IEEE arithmetic (plus the
 * deterministic `detLog` and `Math.sqrt`, which is correctly rounded in every engine), so a seed gives
 * the same numbers in Node and in every browser.
 *
 * Streams (the contract test/var-rng.test.ts pins):
 * - seeding: a splitmix32 counter starting at `seed` (uint32) gives the four state words s0…s3 in turn:
 *   `x += 0x9E3779B9; z = x; z = (z ^ z>>>16)·0x85EBCA6B; z = (z ^ z>>>13)·0xC2B2AE35; z ^= z>>>16`.
 * - `nextUint32()`: xoshiro128** output `rotl(s1·5, 7)·9`, then the state step.
 * - `uniform()`: 53 bits from two outputs a, b: `((a >>> 5)·2^26 + (b >>> 6)) / 2^53` ∈ [0, 1).
 * - `normal()`: Marsaglia's polar method on u = 2U₁ − 1, v = 2U₂ − 1 (rejecting s = u² + v² ∉ (0, 1)),
 *   m = √(−2 ln s / s); returns u·m, and v·m on the next call.
 */
import { detLog } from "./detmath.js";

/** One splitmix32 step: returns [new counter, output]. */
export function splitmix32(x: number): [number, number] {
  const c = (x + 0x9e3779b9) >>> 0;
  let z = c;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z = (z ^ (z >>> 16)) >>> 0;
  return [c, z];
}

const TWO26 = 67108864;
const TWO53 = 9007199254740992;

export class Xoshiro128 {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare = 0;
  private hasSpare = false;

  /** `seed`: an integer in [0, 2^32). */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`seed must be an integer in [0, 4294967295], got ${seed}`);
    }
    let x = seed >>> 0;
    const w: number[] = [];
    for (let k = 0; k < 4; k++) {
      const [c, z] = splitmix32(x);
      x = c;
      w.push(z);
    }
    [this.s0, this.s1, this.s2, this.s3] = w;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // never all zero
  }

  /** A generator in an explicit state (s0…s3 uint32, not all zero): for reference vectors. */
  static fromState(s0: number, s1: number, s2: number, s3: number): Xoshiro128 {
    const g = new Xoshiro128(0);
    g.s0 = s0 >>> 0;
    g.s1 = s1 >>> 0;
    g.s2 = s2 >>> 0;
    g.s3 = s3 >>> 0;
    return g;
  }

  nextUint32(): number {
    const s1 = this.s1;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = (this.s3 << 11) | (this.s3 >>> 21);
    return result;
  }

  /** Uniform on [0, 1) with 53 random bits. */
  uniform(): number {
    const a = this.nextUint32();
    const b = this.nextUint32();
    return ((a >>> 5) * TWO26 + (b >>> 6)) / TWO53;
  }

  /** Standard normal (polar method; see the module comment for the exact stream). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    let u = 0;
    let v = 0;
    let s = 0;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * detLog(s)) / s);
    this.spare = v * m;
    this.hasSpare = true;
    return u * m;
  }

  /**
   * Chi-square with an integer number of degrees of freedom ν: Σ of ν squared normals from this stream.
   */
  chiSquare(dof: number): number {
    let c = 0;
    for (let j = 0; j < dof; j++) {
      const z = this.normal();
      c += z * z;
    }
    return c;
  }
}
