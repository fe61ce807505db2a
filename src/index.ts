/**
 * igr: implicit gradient regularization, checked by computation.
 *
 * The browser-safe entry (`import … from 'igr'`), layer by layer: autodiff, ode, curvature, nn,
 * igr (the mathematics, the verification and the optimisers), and the report renderers that
 * return strings. Nothing reachable from here imports a `node:` module or mathjs: what needs Node
 * is `igr/node` (./node/index.ts), which also carries the machinery of `igr train` / `igr sweep`
 * (src/igr/experiments: run configs, presets, the runner), next to the worker pool that runs it;
 * the mathjs front end is `igr/expression` (./expression/index.ts). README.md, "Architecture",
 * lists the layers and what each entry holds.
 */
export * from './autodiff/index.js';
export * from './ode/index.js';
export * from './curvature/index.js';
export * from './nn/index.js';
export * from './igr/index.js';
export * from './igr/optimizers/index.js';
export * from './report/index.js';
