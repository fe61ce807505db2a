/**
 * igr: implicit gradient regularization, checked by computation.
 *
 * The browser-safe entry (`import … from 'igr'`), layer by layer: autodiff, ode, curvature, nn,
 * igr (the mathematics, the verification, the optimisers and the experiments), and the report
 * renderers that return strings. Nothing reachable from here imports a `node:` module or mathjs:
 * what needs Node is `igr/node` (./node/index.ts), the mathjs front end is `igr/expression`
 * (./expression/index.ts).
 */
export * from './autodiff/index.js';
export * from './ode/index.js';
export * from './curvature/index.js';
export * from './nn/index.js';
export * from './igr/index.js';
export * from './igr/optimizers/index.js';
export * from './igr/experiments/index.js';
export * from './report/index.js';
