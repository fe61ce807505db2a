/**
 * igr layer: backward error analysis of gradient descent. Modified equations of any order from
 * B-series over rooted trees (`trees.ts`, `modified.ts`), the modified loss E + (h/4)|∇E|² and the
 * IGR regulariser, gradient descent as explicit Euler (`descent.ts`), and the order-by-order
 * verification that gradient descent follows its modified flows (`verify.ts`, `problems.ts`), on a
 * ladder chosen for the loss where none is given (`ladder.ts`), with
 * the measuring machine it shares with other optimisers (`compare.ts`, `optimizers/`); where the
 * expansion ends: optimal truncation (`truncation.ts`, the 1-D closed form `polynomial.ts`), the
 * principal flow (`principal.ts`) and where each flow stops tracking gradient descent (`tracking.ts`).
 */
export * from './types.js';
export * from './trees.js';
export * from './modified.js';
export * from './descent.js';
export * from './compare.js';
export * from './verify.js';
export * from './ladder.js';
export * from './problems.js';
export * from './polynomial.js';
export * from './truncation.js';
export * from './truncationProblems.js';
export * from './principal.js';
export * from './tracking.js';
