/**
 * The one error type of the curvature layer. Every message starts with the public function
 * that rejected the input (`eigh: …`, `hessianEigs: …`) and names the bad value: the shape,
 * the entry, the option with its valid range or values, or where a non-finite value appeared.
 */

/**
 * What went wrong:
 * - `bad-input`: an argument or option is invalid (k > dim, an unknown `which`, tol ≤ 0, …).
 * - `shape`: a matrix or vector has the wrong shape or length.
 * - `nonfinite`: an input entry, or a value returned by the operator, is NaN or ±Infinity.
 * - `asymmetric`: the matrix, or the operator as seen through the Krylov basis, is not symmetric.
 * - `no-convergence`: the tridiagonal QR iteration exceeded its sweep limit (not seen in practice;
 *   reported rather than returning unconverged eigenvalues).
 */
export type CurvatureErrorKind = 'bad-input' | 'shape' | 'nonfinite' | 'asymmetric' | 'no-convergence';

/** Thrown by every function of `src/curvature` on bad input or a failed computation. */
export class CurvatureError extends Error {
  override name = 'CurvatureError';
  readonly kind: CurvatureErrorKind;
  /** The public function that threw (`eigh`, `lanczosEigs`, `hessianTrace`, …). */
  readonly fn: string;
  constructor(kind: CurvatureErrorKind, fn: string, message: string) {
    super(`${fn}: ${message}`);
    this.kind = kind;
    this.fn = fn;
  }
}
