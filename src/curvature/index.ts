/**
 * curvature — matrix-free linear algebra on Hessians through Hessian-vector products, and on
 * any symmetric linear map given as a function: Lanczos eigenpairs with residual certificates,
 * Hutchinson and Hutch++ traces, stochastic Lanczos quadrature densities, and a dense
 * symmetric `eigh` for small matrices. Imports only the autodiff; seeded through its `Rng`.
 */
export { CurvatureError } from './errors.js';
export type { CurvatureErrorKind } from './errors.js';
export { eigh, eigvalsh, DEFAULT_SYMMETRY_TOLERANCE } from './eigh.js';
export type { EighOptions, EighResult } from './eigh.js';
export { tridiagonalEigh, tridiagonalEigenvalues } from './tridiagonal.js';
export { hessianOperator, checkedOperator } from './operator.js';
export type { LinearOperator, HessianOperator, CheckedOperator } from './operator.js';
export { lanczosEigs, hessianEigs, lanczosTridiagonal, whichValues, DEFAULT_OPERATOR_SYMMETRY_TOLERANCE } from './lanczos.js';
export type { Which, LanczosEigsOptions, EigsResult, LanczosTridiagonalOptions, LanczosTridiagonalResult } from './lanczos.js';
export { powerIteration, hessianPowerIteration } from './power.js';
export type { PowerIterationOptions } from './power.js';
export { hutchinsonTrace, hutchPlusPlusTrace, hessianTrace, traceMethods } from './trace.js';
export type { TraceOptions, TraceResult, HutchPlusPlusResult, TraceMethod } from './trace.js';
export { lanczosDensity, hessianDensity } from './density.js';
export type { DensityOptions, DensityResult } from './density.js';
