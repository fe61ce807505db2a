/** Every throw site of src/curvature fed exactly its bad input; messages checked. */
import { describe, expect, it } from 'vitest';
import { tensor } from '../../src/autodiff/index.js';
import { CurvatureError, eigh, eigvalsh, tridiagonalEigenvalues, tridiagonalEigh } from '../../src/curvature/index.js';

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
