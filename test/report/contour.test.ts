import { describe, expect, it } from 'vitest';
import { contourSegments, quantileLevels, sampleGrid } from '../../src/report/contour.js';

describe('marching squares', () => {
  it('is exact for a linear function (interpolation along edges has no error), up to 1e-12', () => {
    const grid = sampleGrid((x, y) => 2 * x + 3 * y, [-1, 1], [-1, 1], 17, 13);
    const segs = contourSegments(grid, 0.7);
    expect(segs.length).toBeGreaterThan(10);
    for (const [xa, ya, xb, yb] of segs) {
      expect(Math.abs(2 * xa + 3 * ya - 0.7)).toBeLessThan(1e-12);
      expect(Math.abs(2 * xb + 3 * yb - 0.7)).toBeLessThan(1e-12);
    }
  });

  it('traces a circle for x² + y² within the linear-interpolation error', () => {
    // Spacing d = 0.05: along an edge x² is off its chord by at most d²/4, so r² is off by
    // ≤ 6.25e-4 and r = 0.8 by ≤ 6.25e-4 / (2 · 0.8) < 4e-4.
    const grid = sampleGrid((x, y) => x * x + y * y, [-1, 1], [-1, 1], 41, 41);
    const segs = contourSegments(grid, 0.64);
    let length = 0;
    for (const [xa, ya, xb, yb] of segs) {
      expect(Math.abs(Math.hypot(xa, ya) - 0.8)).toBeLessThan(4e-4);
      expect(Math.abs(Math.hypot(xb, yb) - 0.8)).toBeLessThan(4e-4);
      length += Math.hypot(xb - xa, yb - ya);
    }
    // Closed curve: the chords add up to the circumference (inscribed, so slightly less).
    expect(length).toBeGreaterThan(2 * Math.PI * 0.8 * 0.995);
    expect(length).toBeLessThan(2 * Math.PI * 0.8);
  });

  it('resolves saddle cells consistently: the branches of xy = 0.1 never cross quadrants', () => {
    const grid = sampleGrid((x, y) => x * y, [-1, 1], [-1, 1], 8, 8);
    const segs = contourSegments(grid, 0.1);
    expect(segs.length).toBeGreaterThan(0);
    for (const [xa, ya, xb, yb] of segs) {
      expect(Math.sign(xa)).toBe(Math.sign(xb));
      expect(Math.sign(ya)).toBe(Math.sign(yb));
      expect(xa * ya).toBeGreaterThan(0);
    }
  });

  it('skips cells with a non-finite corner instead of drawing through them', () => {
    const grid = sampleGrid((x, y) => (x > 0.5 ? NaN : x + y), [0, 1], [0, 1], 11, 11);
    for (const [xa, , xb] of contourSegments(grid, 0.5)) {
      expect(Math.max(xa, xb)).toBeLessThanOrEqual(0.5 + 1e-12);
    }
  });

  it('quantile levels are increasing and lie within the range of the values', () => {
    const grid = sampleGrid((x, y) => Math.exp(5 * x) + y, [0, 1], [0, 1], 20, 20);
    const levels = quantileLevels(grid, 10);
    expect(levels.length).toBeGreaterThan(5);
    for (let i = 1; i < levels.length; i++) expect(levels[i]!).toBeGreaterThan(levels[i - 1]!);
    const vs = Array.from(grid.values);
    expect(levels[0]!).toBeGreaterThanOrEqual(Math.min(...vs));
    expect(levels[levels.length - 1]!).toBeLessThanOrEqual(Math.max(...vs));
  });
});
