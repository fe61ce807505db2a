/**
 * Test problems with exact solutions, shared by the ODE tests.
 * Exact solutions come from outside the code under test: mathjs' expm for y' = Ay,
 * closed forms for the rest.
 */
import { expm, matrix, multiply } from 'mathjs';
import type { VectorField } from '../../src/ode/index.js';

/** A tiny seeded generator (mulberry32) so every test is reproducible. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Problem {
  name: string;
  field: VectorField;
  y0: Float64Array;
  t0: number;
  t1: number;
  exact: Float64Array;
}

/** y' = A y with a seeded random 4×4 A (entries uniform in [-1, 1]); exact y(t1) = expm(t1 A) y0 by mathjs. */
export function linearProblem(seed = 1, t1 = 1): Problem & { A: number[][] } {
  const rand = seededRandom(seed);
  const A = Array.from({ length: 4 }, () => Array.from({ length: 4 }, () => 2 * rand() - 1));
  const y0 = Float64Array.from({ length: 4 }, () => 2 * rand() - 1);
  const E = expm(matrix(A.map((row) => row.map((x) => x * t1))));
  const exact = Float64Array.from(multiply(E, matrix(Array.from(y0))).toArray() as number[]);
  const field: VectorField = (_t, y) => {
    const out = new Float64Array(4);
    for (let i = 0; i < 4; i++) out[i] = A[i]![0]! * y[0]! + A[i]![1]! * y[1]! + A[i]![2]! * y[2]! + A[i]![3]! * y[3]!;
    return out;
  };
  return { name: "y' = Ay (4×4)", field, y0, t0: 0, t1, exact, A };
}

/** Harmonic oscillator q' = p, p' = -q from (1, 0): exact (cos t, -sin t). */
export function oscillator(t1 = 2): Problem {
  return {
    name: 'oscillator',
    field: (_t, y) => Float64Array.of(y[1]!, -y[0]!),
    y0: Float64Array.of(1, 0),
    t0: 0,
    t1,
    exact: Float64Array.of(Math.cos(t1), -Math.sin(t1)),
  };
}

/** y' = y² from y0 = 1/2: exact 1/(1/y0 - t), singular at t = 2; integrated to t1 = 1 (y = 1). */
export function riccati(t1 = 1): Problem {
  const y0 = 0.5;
  return {
    name: "y' = y²",
    field: (_t, y) => Float64Array.of(y[0]! * y[0]!),
    y0: Float64Array.of(y0),
    t0: 0,
    t1,
    exact: Float64Array.of(1 / (1 / y0 - t1)),
  };
}

/** Non-autonomous y' = cos(t) y from 1: exact exp(sin t); exercises the nodes c. */
export function nonAutonomous(t1 = 2): Problem {
  return {
    name: "y' = cos(t) y",
    field: (t, y) => Float64Array.of(Math.cos(t) * y[0]!),
    y0: Float64Array.of(1),
    t0: 0,
    t1,
    exact: Float64Array.of(Math.exp(Math.sin(t1))),
  };
}

/** Max-norm distance. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Max-norm. */
export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/** Least-squares slope of ys against xs. */
export function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
  }
  return sxy / sxx;
}
