/** Every throw site of src/curvature fed exactly its bad input; messages checked. */
import { describe, expect, it } from 'vitest';
import { sqrt, sum, tensor, zeros, type Tensor } from '../../src/autodiff/index.js';
import {
  CurvatureError,
  checkedOperator,
  eigh,
  eigvalsh,
  hessianDensity,
  hessianEigs,
  hessianOperator,
  hessianPowerIteration,
  hessianTrace,
  hutchPlusPlusTrace,
  hutchinsonTrace,
  lanczosDensity,
  powerIteration,
  lanczosEigs,
  lanczosTridiagonal,
  tridiagonalEigenvalues,
  tridiagonalEigh,
} from '../../src/curvature/index.js';

const diag = (d: number[]) => (v: Float64Array) => v.map((x, i) => d[i]! * x);

/** Expects `fn` to throw a CurvatureError of `kind` whose message contains `text`. */
export function expectCurvatureError(fn: () => unknown, kind: CurvatureError['kind'], text: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected a CurvatureError containing "${text}"`).toBeInstanceOf(CurvatureError);
  expect((caught as CurvatureError).kind).toBe(kind);
  expect((caught as CurvatureError).message).toContain(text);
}

describe('eigh and eigvalsh reject bad matrices, naming the problem', () => {
  it('not a tensor, not 2-D, not square', () => {
    expectCurvatureError(() => eigh([[1, 2], [2, 1]] as never), 'bad-input', 'eigh: expected a Tensor of shape [m, m], got object (an array: wrap it with tensor(...))');
    expectCurvatureError(() => eigh(null as never), 'bad-input', 'eigh: expected a Tensor of shape [m, m], got null');
    expectCurvatureError(() => eigh(tensor([1, 2, 3])), 'shape', 'eigh: expected a square matrix of shape [m, m], got shape [3]');
    expectCurvatureError(() => eigvalsh(tensor([[1, 2, 3], [4, 5, 6]])), 'shape', 'eigvalsh: expected a square matrix of shape [m, m], got shape [2, 3]');
  });
  it('a non-finite entry, with its position', () => {
    expectCurvatureError(() => eigh(tensor([[1, 2], [NaN, 1]])), 'nonfinite', 'eigh: entry A[1, 0] is NaN');
    expectCurvatureError(() => eigvalsh(tensor([[1, 2], [2, -Infinity]])), 'nonfinite', 'eigvalsh: entry A[1, 1] is -Infinity');
  });
  it('an asymmetric matrix: the worst pair and the tolerance', () => {
    expectCurvatureError(
      () => eigh(tensor([[1, 2, 0], [2, 1, 3], [0, 1, 1]])),
      'asymmetric',
      'eigh: the matrix is not symmetric: A[1, 2] = 3 but A[2, 1] = 1 (|difference| 2.00 exceeds symmetryTolerance 1e-10 × max|A| = 3.00e-10)',
    );
  });
  it('a bad symmetryTolerance', () => {
    expectCurvatureError(() => eigh(tensor([[1]]), { symmetryTolerance: -1 }), 'bad-input', 'eigh: symmetryTolerance must be a finite number ≥ 0, got -1');
    expectCurvatureError(() => eigh(tensor([[1]]), { symmetryTolerance: NaN }), 'bad-input', 'eigh: symmetryTolerance must be a finite number ≥ 0, got NaN');
  });
});

describe('tridiagonalEigh and tridiagonalEigenvalues reject bad input', () => {
  it('a wrong off-diagonal length', () => {
    expectCurvatureError(() => tridiagonalEigh([1, 2, 3], [1]), 'shape', 'tridiagonalEigh: the off-diagonal must have length n − 1 = 2 for a diagonal of length 3, got 1');
  });
  it('a non-finite entry', () => {
    expectCurvatureError(() => tridiagonalEigenvalues([1, NaN], [0]), 'nonfinite', 'tridiagonalEigenvalues: diagonal entry 1 is NaN');
    expectCurvatureError(() => tridiagonalEigh([1, 2], [Infinity]), 'nonfinite', 'tridiagonalEigh: off-diagonal entry 0 is Infinity');
  });
});

describe('the tridiagonal QR iteration reports a sweep limit it cannot meet', () => {
  it('one sweep is not enough for a 3 × 3 matrix', async () => {
    const { tridiagonalQR } = await import('../../src/curvature/tridiagonal.js');
    expectCurvatureError(
      () => tridiagonalQR(Float64Array.of(1, 2, 3), Float64Array.of(1, 1), undefined, 0, 'eigh', 1),
      'no-convergence',
      'eigh: the tridiagonal QR iteration did not converge in 1 sweeps (n = 3)',
    );
  });
});

describe('lanczosEigs and hessianEigs reject bad options, naming the option and the valid values', () => {
  const op = diag([1, 2, 3, 4, 5]);
  it('k out of range', () => {
    expectCurvatureError(() => lanczosEigs(op, 5, { k: 6 }), 'bad-input', 'lanczosEigs: k must be an integer in 1..5 (the dimension is 5), got 6');
    expectCurvatureError(() => lanczosEigs(op, 5, { k: 0 }), 'bad-input', 'lanczosEigs: k must be an integer in 1..5 (the dimension is 5), got 0');
    expectCurvatureError(() => lanczosEigs(op, 5, { k: 1.5 }), 'bad-input', 'lanczosEigs: k must be an integer in 1..5 (the dimension is 5), got 1.5');
  });
  it('an unknown which, listing the valid ones', () => {
    expectCurvatureError(() => lanczosEigs(op, 5, { which: 'top' as never }), 'bad-input', `lanczosEigs: unknown which "top"; valid: 'largest', 'smallest', 'magnitude'`);
  });
  it('tol outside (0, 1)', () => {
    expectCurvatureError(() => lanczosEigs(op, 5, { tol: 0 }), 'bad-input', 'lanczosEigs: tol must be a number in (0, 1), got 0');
    expectCurvatureError(() => lanczosEigs(op, 5, { tol: 1 }), 'bad-input', 'lanczosEigs: tol must be a number in (0, 1), got 1');
    expectCurvatureError(() => lanczosEigs(op, 5, { tol: NaN }), 'bad-input', 'lanczosEigs: tol must be a number in (0, 1), got NaN');
  });
  it('maxIter below k or not an integer', () => {
    expectCurvatureError(() => lanczosEigs(op, 5, { k: 3, maxIter: 2 }), 'bad-input', 'lanczosEigs: maxIter must be an integer ≥ 3 (at least k = 3 applications), got 2');
    expectCurvatureError(() => lanczosEigs(op, 5, { maxIter: 10.5 }), 'bad-input', 'lanczosEigs: maxIter must be an integer ≥ 1 (at least k = 1 applications), got 10.5');
  });
  it('basisSize below min(dim, 2k + 1) or above dim', () => {
    expectCurvatureError(() => lanczosEigs(op, 5, { k: 2, basisSize: 4 }), 'bad-input', 'lanczosEigs: basisSize must be 5 (at least min(dim, 2k + 1) for k = 2, dim = 5), got 4');
    expectCurvatureError(() => lanczosEigs(op, 5, { basisSize: 6 }), 'bad-input', 'lanczosEigs: basisSize must be an integer in 3..5 (at least min(dim, 2k + 1) for k = 1, dim = 5), got 6');
  });
  it('a bad seed, symmetryTolerance or start vector', () => {
    expectCurvatureError(() => lanczosEigs(op, 5, { seed: NaN }), 'bad-input', 'lanczosEigs: seed must be a finite number, got NaN');
    expectCurvatureError(() => lanczosEigs(op, 5, { symmetryTolerance: -1 }), 'bad-input', 'lanczosEigs: symmetryTolerance must be a finite number ≥ 0, got -1');
    expectCurvatureError(() => lanczosEigs(op, 5, { start: [1, 2] }), 'shape', 'lanczosEigs: start has length 2, expected 5');
    expectCurvatureError(() => lanczosEigs(op, 5, { start: [0, 0, 0, 0, 0] }), 'bad-input', 'lanczosEigs: start is the zero vector');
    expectCurvatureError(() => lanczosEigs(op, 5, { start: [0, 0, NaN, 0, 0] }), 'nonfinite', 'lanczosEigs: start[2] is NaN');
    expectCurvatureError(() => lanczosEigs(op, 5, { start: 3 as never }), 'bad-input', 'lanczosEigs: start must be an array of 5 numbers, got number');
  });
  it('a bad operator or dimension', () => {
    expectCurvatureError(() => lanczosEigs('A' as never, 5), 'bad-input', 'lanczosEigs: expected the operator as a function (v: Float64Array) => Float64Array, got string');
    expectCurvatureError(() => lanczosEigs(op, 0), 'bad-input', 'lanczosEigs: dim must be a positive integer, got 0');
    expectCurvatureError(() => lanczosEigs(op, 2.5), 'bad-input', 'lanczosEigs: dim must be a positive integer, got 2.5');
  });
});

describe('what the operator returns is checked, with where it went wrong', () => {
  it('a non-finite Hessian-vector product: component and HVP number', () => {
    // ∂²√x/∂x² = −x^{−3/2}/4 is −∞ at x = 0
    expectCurvatureError(() => hessianEigs((x) => sum(sqrt(x)), [1, 0, 4]), 'nonfinite', 'hessianEigs: the Hessian-vector product returned -Infinity at component 1 (HVP 1)');
  });
  it('a non-finite operator result, a wrong length, not an array', () => {
    let calls = 0;
    const laterNaN = (v: Float64Array) => (++calls === 3 ? v.map((x, i) => (i === 2 ? NaN : x)) : v.map((x, i) => (i + 1) * x));
    expectCurvatureError(() => lanczosEigs(laterNaN, 4, { k: 1, basisSize: 4 }), 'nonfinite', 'lanczosEigs: the operator returned NaN at component 2 (application 3)');
    expectCurvatureError(() => lanczosEigs(() => new Float64Array(3), 4), 'shape', 'lanczosEigs: the operator returned an array of length 3, expected 4 (application 1)');
    expectCurvatureError(() => lanczosEigs(() => 7 as never, 4), 'bad-input', 'lanczosEigs: the operator returned number, expected an array of length 4 (application 1)');
    const checked = checkedOperator('myAlgorithm', () => [1, Infinity] as never, 2);
    expectCurvatureError(() => checked.apply(new Float64Array(2)), 'nonfinite', 'myAlgorithm: the operator returned Infinity at component 1 (application 1)');
  });
  it('an asymmetric operator is detected through the Krylov basis', () => {
    // A = [[1, 2], [0, 1]]: q_0ᵀ(A q_1) ≠ q_1ᵀ(A q_0) for any orthonormal pair but a measure-zero set
    expectCurvatureError(() => lanczosEigs((v) => Float64Array.of(v[0]! + 2 * v[1]!, v[1]!), 2), 'asymmetric', 'lanczosEigs: the operator is not symmetric: q_0ᵀ(A q_1) = ');
    expectCurvatureError(
      () => lanczosTridiagonal((v) => Float64Array.of(v[0]! + 1e-3 * v[2]!, v[1]!, v[2]!), 3, { steps: 3 }),
      'asymmetric',
      'lanczosTridiagonal: the operator is not symmetric',
    );
    // the same operator is accepted when the caller allows that much asymmetry
    expect(() => lanczosTridiagonal((v) => Float64Array.of(v[0]! + 1e-3 * v[2]!, v[1]!, v[2]!), 3, { steps: 3, symmetryTolerance: 1e-2 })).not.toThrow();
  });
});

describe('hessianEigs and hessianOperator check f and x', () => {
  const f = (x: Tensor): Tensor => sum(x);
  it('x: not 1-D, empty, not finite, not an array', () => {
    expectCurvatureError(() => hessianEigs(f, zeros([2, 2])), 'shape', 'hessianEigs: x must be a 1-D tensor of shape [m], got shape [2, 2]');
    expectCurvatureError(() => hessianEigs(f, []), 'shape', 'hessianEigs: x is empty');
    expectCurvatureError(() => hessianEigs(f, [1, Infinity]), 'nonfinite', 'hessianEigs: x[1] is Infinity');
    expectCurvatureError(() => hessianEigs(f, 'x' as never), 'bad-input', 'hessianEigs: x must be a Tensor, a Float64Array or an array of numbers, got string');
    expectCurvatureError(() => hessianOperator(f, [NaN]), 'nonfinite', 'hessianOperator: x[0] is NaN');
  });
  it('f not a function', () => {
    expectCurvatureError(() => hessianEigs(null as never, [1]), 'bad-input', 'hessianEigs: expected a loss function f(x: Tensor) => Tensor, got null');
  });
});

describe('lanczosTridiagonal checks its options', () => {
  it('steps missing or out of range', () => {
    expectCurvatureError(() => lanczosTridiagonal(diag([1, 2]), 2, undefined as never), 'bad-input', 'lanczosTridiagonal: options { steps } are required');
    expectCurvatureError(() => lanczosTridiagonal(diag([1, 2]), 2, { steps: 3 }), 'bad-input', 'lanczosTridiagonal: steps must be an integer in 1..2 (the dimension is 2), got 3');
    expectCurvatureError(() => lanczosTridiagonal(diag([1, 2]), 2, { steps: 1, seed: Infinity }), 'bad-input', 'lanczosTridiagonal: seed must be a finite number, got Infinity');
  });
});

describe('powerIteration checks its options', () => {
  const op = diag([1, 2, 3]);
  it('k, tol, maxIter, seed', () => {
    expectCurvatureError(() => powerIteration(op, 3, { k: 4 }), 'bad-input', 'powerIteration: k must be an integer in 1..3 (the dimension is 3), got 4');
    expectCurvatureError(() => powerIteration(op, 3, { tol: -1 }), 'bad-input', 'powerIteration: tol must be a number in (0, 1), got -1');
    expectCurvatureError(() => powerIteration(op, 3, { maxIter: 0 }), 'bad-input', 'powerIteration: maxIter must be an integer ≥ 1, got 0');
    expectCurvatureError(() => powerIteration(op, 3, { seed: NaN }), 'bad-input', 'powerIteration: seed must be a finite number, got NaN');
  });
  it('a non-finite HVP, named by hessianPowerIteration', () => {
    expectCurvatureError(() => hessianPowerIteration((x) => sum(sqrt(x)), [0, 1]), 'nonfinite', 'hessianPowerIteration: the Hessian-vector product returned -Infinity at component 0 (HVP 1)');
  });
});

describe('the trace estimators check their options', () => {
  const op = diag([1, 2, 3]);
  it('samples too few for a standard error', () => {
    expectCurvatureError(() => hutchinsonTrace(op, 3, { samples: 1 }), 'bad-input', 'hutchinsonTrace: samples must be an integer ≥ 2 (a standard error needs two probes), got 1');
    expectCurvatureError(() => hutchPlusPlusTrace(op, 3, { samples: 3 }), 'bad-input', 'hutchPlusPlusTrace: samples must be an integer ≥ 4 (Hutch++ needs a sketch vector and two probes), got 3');
    expectCurvatureError(() => hutchinsonTrace(op, 3, { seed: Infinity }), 'bad-input', 'hutchinsonTrace: seed must be a finite number, got Infinity');
  });
  it('an unknown method, listing the valid ones', () => {
    expectCurvatureError(() => hessianTrace((x) => sum(x), [1, 2], { method: 'exact' as never }), 'bad-input', `hessianTrace: unknown method "exact"; valid: 'hutchinson', 'hutch++'`);
  });
  it('a non-finite HVP or a bad x, named by hessianTrace', () => {
    expectCurvatureError(() => hessianTrace((x) => sum(sqrt(x)), [1, 0]), 'nonfinite', 'hessianTrace: the Hessian-vector product returned');
    expectCurvatureError(() => hessianTrace((x) => sum(x), [1, NaN]), 'nonfinite', 'hessianTrace: x[1] is NaN');
  });
});

describe('the density checks its options', () => {
  const op = diag([1, 2, 3]);
  it('steps, probes, sigma, grid', () => {
    expectCurvatureError(() => lanczosDensity(op, 3, { steps: 4 }), 'bad-input', 'lanczosDensity: steps must be an integer in 1..3 (the dimension is 3), got 4');
    expectCurvatureError(() => lanczosDensity(op, 3, { probes: 0 }), 'bad-input', 'lanczosDensity: probes must be an integer ≥ 1, got 0');
    expectCurvatureError(() => lanczosDensity(op, 3, { sigma: 0 }), 'bad-input', 'lanczosDensity: sigma must be a number in (0, ∞), got 0');
    expectCurvatureError(() => lanczosDensity(op, 3, { grid: 1 }), 'bad-input', 'lanczosDensity: grid must be an integer ≥ 2 (points of the default grid), got 1');
    expectCurvatureError(() => lanczosDensity(op, 3, { grid: [] }), 'bad-input', 'lanczosDensity: grid is empty');
    expectCurvatureError(() => lanczosDensity(op, 3, { grid: [0, NaN] }), 'nonfinite', 'lanczosDensity: grid[1] is NaN');
    expectCurvatureError(() => lanczosDensity(op, 3, { grid: 'fine' as never }), 'bad-input', 'lanczosDensity: grid must be a number of points or an array of points, got string');
    expectCurvatureError(() => lanczosDensity(op, 3, { seed: NaN }), 'bad-input', 'lanczosDensity: seed must be a finite number, got NaN');
    expectCurvatureError(() => lanczosDensity(op, 3, { symmetryTolerance: NaN }), 'bad-input', 'lanczosDensity: symmetryTolerance must be a finite number ≥ 0, got NaN');
  });
  it('an asymmetric operator and a non-finite HVP, named by the density functions', () => {
    expectCurvatureError(() => lanczosDensity((v) => Float64Array.of(v[0]! + 2 * v[1]!, v[1]!), 2), 'asymmetric', 'lanczosDensity: the operator is not symmetric');
    expectCurvatureError(() => hessianDensity((x) => sum(sqrt(x)), [4, 0]), 'nonfinite', 'hessianDensity: the Hessian-vector product returned');
  });
});
