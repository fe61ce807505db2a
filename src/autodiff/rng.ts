/**
 * Seeded pseudo-random numbers: xoshiro128** (Blackman & Vigna) seeded through splitmix32.
 * The same seed gives the same stream on every platform (32-bit integer arithmetic only).
 */
import { Tensor, checkShape, shapeSize, type Shape } from './tensor.js';

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

const TWO_32 = 4294967296;

/** A seeded generator; `split()` derives independent child streams (for per-worker or per-layer randomness). */
export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare: number | null = null;

  /** `seed`: any finite number; integers up to 2^53 are distinguished exactly. */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`Rng: seed must be a finite number, got ${seed}`);
    const lo = seed >>> 0;
    const hi = Math.floor(Math.abs(seed) / TWO_32) >>> 0;
    const st = { s: lo ^ Math.imul(hi, 0x27d4eb2f) ^ (seed < 0 ? 0x5bd1e995 : 0) };
    this.seedFrom(st, hi);
  }

  private seedFrom(st: { s: number }, extra: number): void {
    this.s0 = splitmix32(st) ^ extra;
    this.s1 = splitmix32(st);
    this.s2 = splitmix32(st);
    this.s3 = splitmix32(st);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
    this.spare = null;
  }

  /** The next 32-bit unsigned integer. */
  nextUint32(): number {
    const s1 = this.s1;
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return r;
  }

  /** Uniform on [0, 1) with 53 random bits. */
  uniform(): number {
    const a = this.nextUint32() >>> 5; // 27 bits
    const b = this.nextUint32() >>> 6; // 26 bits
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** Standard normal by Box–Muller (both variates used, the second cached). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    const u1 = 1 - this.uniform(); // (0, 1]: log is finite
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    const phi = 2 * Math.PI * u2;
    this.spare = r * Math.sin(phi);
    return r * Math.cos(phi);
  }

  /** A uniform integer in 0..n-1 (`n` a positive integer at most 2^32; rejection sampling, no bias). */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_32) {
      throw new Error(`Rng.int: n must be an integer in 1..2^32, got ${n}`);
    }
    const limit = TWO_32 - (TWO_32 % n);
    for (;;) {
      const r = this.nextUint32();
      if (r < limit) return r % n;
    }
  }

  /** Fisher–Yates shuffle in place; returns `a`. */
  shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = a[i]!;
      a[i] = a[j]!;
      a[j] = tmp;
    }
    return a;
  }

  /** A child generator seeded from this stream; parent and child continue independently. */
  split(): Rng {
    const child = new Rng(0);
    const st = { s: this.nextUint32() };
    child.seedFrom(st, this.nextUint32());
    return child;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A plain tensor of independent normal samples with standard deviation `std`. */
export function randomNormal(shape: Shape, rng: Rng, std = 1): Tensor {
  checkShape('randomNormal', shape);
  const data = new Float64Array(shapeSize(shape));
  for (let i = 0; i < data.length; i++) data[i] = std * rng.normal();
  return new Tensor(shape.slice(), data);
}

/** A plain tensor of independent samples uniform on [low, high). */
export function randomUniform(shape: Shape, rng: Rng, low = 0, high = 1): Tensor {
  checkShape('randomUniform', shape);
  const data = new Float64Array(shapeSize(shape));
  for (let i = 0; i < data.length; i++) data[i] = low + (high - low) * rng.uniform();
  return new Tensor(shape.slice(), data);
}
