import { describe, expect, it } from 'vitest';
import { Rng, randomNormal, randomUniform } from '../../src/autodiff/index.js';

describe('Rng', () => {
  it('the same seed gives a bit-identical stream; different seeds differ', () => {
    const a = new Rng(123);
    const b = new Rng(123);
    const c = new Rng(124);
    const xs = Array.from({ length: 100 }, () => a.uniform());
    expect(Array.from({ length: 100 }, () => b.uniform())).toEqual(xs);
    expect(Array.from({ length: 100 }, () => c.uniform())).not.toEqual(xs);
    expect(new Rng(2 ** 40).uniform()).not.toBe(new Rng(0).uniform());
  });
  it('uniform is in [0, 1) with mean 1/2 and variance 1/12 (n = 10^5: 5 standard errors)', () => {
    const r = new Rng(7);
    const n = 100_000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      if (!(u >= 0 && u < 1)) throw new Error(`uniform() returned ${u}`);
      s += u;
      s2 += u * u;
    }
    const mean = s / n;
    expect(Math.abs(mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(s2 / n - mean * mean - 1 / 12)).toBeLessThan(5 * Math.sqrt(1 / 180 / n));
  });
  it('normal has mean 0 and variance 1 (n = 10^5: 5 standard errors)', () => {
    const r = new Rng(8);
    const n = 100_000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const z = r.normal();
      s += z;
      s2 += z * z;
    }
    expect(Math.abs(s / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(s2 / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
  });
  it('int covers 0..n-1 uniformly and rejects bad n', () => {
    const r = new Rng(9);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[r.int(6)]++;
    // each count ~ Binomial(60000, 1/6): sd ≈ 91; 6 sd bound
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(550);
    expect(() => r.int(0)).toThrow('Rng.int: n must be an integer in 1..2^32, got 0');
    expect(() => new Rng(NaN)).toThrow('Rng: seed must be a finite number, got NaN');
  });
  it('shuffle is a permutation, reproducible from the seed', () => {
    const a = new Rng(3).shuffle([1, 2, 3, 4, 5, 6, 7, 8]);
    expect([...a].sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(new Rng(3).shuffle([1, 2, 3, 4, 5, 6, 7, 8])).toEqual(a);
  });
  it('split gives reproducible child streams that differ from the parent and from each other', () => {
    const p = new Rng(11);
    const c1 = p.split();
    const c2 = p.split();
    const q = new Rng(11);
    const d1 = q.split();
    const s1 = Array.from({ length: 20 }, () => c1.uniform());
    expect(Array.from({ length: 20 }, () => d1.uniform())).toEqual(s1);
    expect(Array.from({ length: 20 }, () => c2.uniform())).not.toEqual(s1);
    expect(Array.from({ length: 20 }, () => p.uniform())).not.toEqual(s1);
    // weak independence check: sample correlation of child streams is small (n = 10^4: 5/sqrt(n))
    const n = 10_000;
    let sxy = 0;
    for (let i = 0; i < n; i++) sxy += c1.normal() * c2.normal();
    expect(Math.abs(sxy / n)).toBeLessThan(5 / Math.sqrt(n));
  });
  it('randomNormal and randomUniform fill tensors of the given shape', () => {
    const t = randomNormal([2, 3], new Rng(1), 0.5);
    expect(t.shape).toEqual([2, 3]);
    const u = randomUniform([4], new Rng(1), -1, 1);
    for (const v of u.data) expect(v >= -1 && v < 1).toBe(true);
    expect(randomNormal([2, 3], new Rng(1), 0.5).data).toEqual(t.data);
  });
});
