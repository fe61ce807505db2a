/**
 * igr: implicit gradient regularization, checked by computation.
 * The public API, layer by layer (see DESIGN.md): autodiff, ode, curvature, nn, igr.
 */
export * from './ode/index.js';
export * from './autodiff/index.js';
export * from './curvature/index.js';
export * from './nn/index.js';
export * from './igr/index.js';
export * from './igr/optimizers/index.js';
export * from './igr/experiments/index.js';
export * from './report/index.js';
