/** Fixed-step integration: gradient descent as Euler bit for bit, trajectories, time grids, evaluation counts. */
import { describe, expect, it } from 'vitest';
import { integrate, integrateTrajectory, integrateWithStats, tableaus, type VectorField } from '../../src/ode/index.js';
import { maxDiff, oscillator, seededRandom } from './problems.js';

/** The bit pattern of each component, so equality means identical doubles (and distinguishes -0 from +0). */
function bits(y: Float64Array): bigint[] {
  return Array.from(new BigUint64Array(y.buffer, y.byteOffset, y.length));
}

describe('explicit Euler on -∇E is gradient descent, bit for bit', () => {
  // E(θ) = ½ θᵀAθ - bᵀθ with A symmetric positive definite (5×5, seeded); ∇E = Aθ - b, by hand.
  const rand = seededRandom(7);
  const m = 5;
  const M = Array.from({ length: m }, () => Array.from({ length: m }, () => rand() - 0.5));
  const A = M.map((_, i) => M.map((__, j) => M.reduce((s, row) => s + row[i]! * row[j]!, 0) + (i === j ? 0.5 : 0)));
  const b = Array.from({ length: m }, () => rand() - 0.5);
  const gradE = (theta: Float64Array): Float64Array => {
    const g = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      let s = 0;
      for (let j = 0; j < m; j++) s += A[i]![j]! * theta[j]!;
      g[i] = s - b[i]!;
    }
    return g;
  };
  const theta0 = Float64Array.from({ length: m }, () => 2 * rand() - 1);

  for (const h of [0.1, 0.037, 1 / 3]) {
    it(`h = ${h}: every iterate θ_{n+1} = θ_n - h ∇E(θ_n) is reproduced exactly`, () => {
      const steps = 200;
      const traj = integrateTrajectory((_t, theta) => {
        const g = gradE(theta);
        for (let i = 0; i < m; i++) g[i] = -g[i]!;
        return g;
      }, theta0, { dt: h, steps, method: 'euler' });
      let theta = theta0.slice();
      expect(bits(traj.states[0]!)).toEqual(bits(theta));
      for (let n = 1; n <= steps; n++) {
        const g = gradE(theta);
        const next = new Float64Array(m);
        for (let i = 0; i < m; i++) next[i] = theta[i]! - h * g[i]!;
        theta = next;
        expect(bits(traj.states[n]!)).toEqual(bits(theta));
        expect(traj.times[n]).toBe(n * h);
      }
      expect(traj.evaluations).toBe(steps);
    });
  }
});

describe('time grid', () => {
  it('with t1, the last step ends exactly at t1 and times are t0 + n·dt', () => {
    const traj = integrateTrajectory((_t, y) => y.slice(), [1], { t0: 0.1, t1: 0.7, steps: 3, method: 'euler' });
    const dt = (0.7 - 0.1) / 3;
    expect(Array.from(traj.times)).toEqual([0.1, 0.1 + dt, 0.1 + 2 * dt, 0.7]);
  });
  it('with dt, the steps are exactly dt (end time t0 + steps·dt)', () => {
    const r = integrateWithStats((_t, y) => y.slice(), [1], { t0: 1, dt: 0.1, steps: 7, method: 'heun' });
    expect(r.t).toBe(1 + 7 * 0.1);
  });
  it('stage times are t + c_i dt: the field sees exactly the RK4 nodes', () => {
    const seen: number[] = [];
    integrate((t, y) => { seen.push(t); return y.slice(); }, [1], { t0: 0, t1: 1, steps: 2, method: 'rk4' });
    expect(seen).toEqual([0, 0.25, 0.25, 0.5, 0.5, 0.75, 0.75, 1]);
  });
  it('time-dependent fields use the time argument: y\' = 2t gives t1² exactly with Heun (exact for linear f)', () => {
    const y = integrate((t) => Float64Array.of(2 * t), [0], { t0: 0, t1: 3, steps: 8, method: 'heun' });
    expect(y[0]).toBeCloseTo(9, 13);
  });
  it('integrates backwards in time (t1 < t0): oscillator from t = 2 back to 0 recovers (1, 0)', () => {
    const p = oscillator(2);
    const back = integrate(p.field, p.exact, { t0: 2, t1: 0, steps: 400, method: 'rk4' });
    // Forward, RK4 on [0, 2] has error 5.7e-11 with 256 steps; 400 steps give ~(256/400)^4 of that ≈ 1e-11.
    expect(maxDiff(back, p.y0)).toBeLessThan(1e-10);
  });
  it('dt < 0 also runs backwards', () => {
    const y = integrate((_t, y) => y.slice(), [Math.E], { t0: 1, dt: -1 / 1000, steps: 1000, method: 'rk4' });
    expect(Math.abs(y[0]! - 1)).toBeLessThan(1e-13);
  });
});

describe('trajectory recording', () => {
  const f: VectorField = (_t, y) => Float64Array.of(-y[0]!);
  it('every = k records steps 0, k, 2k, ... and always the last one', () => {
    const traj = integrateTrajectory(f, [1], { t1: 1, steps: 10, every: 4, method: 'rk4' });
    expect(traj.stepIndices).toEqual([0, 4, 8, 10]);
    expect(Array.from(traj.times)).toEqual([0, 0.4, 0.8, 1]);
    expect(traj.states).toHaveLength(4);
    const y = integrate(f, [1], { t1: 1, steps: 10, method: 'rk4' });
    expect(bits(traj.states[3]!)).toEqual(bits(y));
  });
  it('when every divides steps, the last step is recorded once', () => {
    expect(integrateTrajectory(f, [1], { t1: 1, steps: 8, every: 4 }).stepIndices).toEqual([0, 4, 8]);
  });
  it('recorded states are copies (later steps do not overwrite them)', () => {
    const traj = integrateTrajectory(f, [1], { t1: 1, steps: 3, method: 'euler' });
    expect(traj.states.map((s) => s[0])).toEqual([1, 1 - 1 / 3, (1 - 1 / 3) ** 2, (1 - 1 / 3) ** 3]);
  });
  it('a field that returns its own input (y\' = y written as (t, y) => y) is still integrated correctly', () => {
    const aliasing = integrate((_t, y) => y, [1], { t1: 1, steps: 50, method: 'rk4' });
    const fresh = integrate((_t, y) => y.slice(), [1], { t1: 1, steps: 50, method: 'rk4' });
    expect(bits(aliasing)).toEqual(bits(fresh));
  });
  it('does not modify y0', () => {
    const y0 = Float64Array.of(1, 2);
    integrate((_t, y) => y.map((v) => -v), y0, { t1: 1, steps: 5 });
    expect(Array.from(y0)).toEqual([1, 2]);
  });
});

describe('evaluation counts', () => {
  for (const [name, t] of Object.entries(tableaus)) {
    it(`${name}: steps × ${t.stages} evaluations, as counted by the field itself`, () => {
      let calls = 0;
      const r = integrateWithStats((_t, y) => { calls++; return y.slice(); }, [1], { t1: 1, steps: 13, method: t });
      expect(r.evaluations).toBe(13 * t.stages);
      expect(calls).toBe(r.evaluations);
    });
  }
});
