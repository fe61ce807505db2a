/**
 * A small seeded generator for the peer benchmark's data, kept here so the
 * problems are identical for every library and do not depend on any library's
 * own generator (igr's included): the same seed gives bit-identical inputs.
 *
 * mulberry32 (Tommy Ettinger's 32-bit generator) for uniforms, Box-Muller for
 * normals. Statistical quality is ample for benchmark data; it is not meant
 * for anything else.
 */
export class BenchRng {
  private state: number;
  private spare: number | null = null;

  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw new Error(`BenchRng: seed must be an integer, got ${seed}`);
    this.state = seed >>> 0;
  }

  /** Uniform on [0, 1) with 32 random bits. */
  uniform(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal (Box-Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    // 1 - u lies in (0, 1], so the logarithm is finite.
    const r = Math.sqrt(-2 * Math.log(1 - this.uniform()));
    const phi = 2 * Math.PI * this.uniform();
    this.spare = r * Math.sin(phi);
    return r * Math.cos(phi);
  }

  /** Integer uniform on 0..n-1. */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }
}
