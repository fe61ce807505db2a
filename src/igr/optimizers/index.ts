/**
 * Backward error analysis beyond plain gradient descent, measured with the machinery of
 * `verifyBackwardError`: any explicit Runge–Kutta method on a gradient flow (`rk.ts`), heavy-ball
 * momentum and its first-order modified flow (`momentum.ts`), and SGD with random reshuffling,
 * whose mean iterate follows the modified loss of Smith et al. (`sgd.ts`). The comparison of an
 * optimiser's iterates with candidate flows is the layer's own (`../compare.ts`, exported there).
 */
export * from './rk.js';
export * from './momentum.js';
export * from './sgd.js';
