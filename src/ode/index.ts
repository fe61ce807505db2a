/**
 * ODE layer: explicit Runge–Kutta integrators on Float64Array states, knowing nothing of autodiff.
 *
 * - Methods are data: a {@link ButcherTableau} (validated, order conditions included), stepped by
 *   one generic routine; built-ins in {@link tableaus}: euler, midpoint, heun, kutta3, rk4, rk38.
 * - Fixed step: {@link integrate}, {@link integrateWithStats}, {@link integrateTrajectory}
 *   (gradient descent is `euler` on -∇E with `dt: h`, bit for bit).
 * - Adaptive: {@link dormandPrince} (Dormand–Prince 5(4)), {@link integrateAdaptive} for any embedded pair
 *   (built-ins in {@link embeddedTableaus}: dormandPrince54, bogackiShampine32, dop853 of order 8, which
 *   also steps at fixed size: `integrate(f, y0, { …, method: 'dop853' })`).
 * - Accuracy: {@link richardsonError} estimates the error of a fixed-step solution.
 * - Failures throw {@link OdeError} with a kind, the 1-based step and the time.
 */
export { OdeError, DEFAULT_BLOWUP, type OdeErrorKind } from './errors.js';
export {
  tableaus,
  embeddedTableaus,
  methodNames,
  validateTableau,
  rootedTrees,
  orderConditionResiduals,
  type ButcherTableau,
  type EmbeddedTableau,
  type MethodName,
  type EmbeddedMethodName,
  type RootedTree,
} from './tableau.js';
export {
  integrate,
  integrateWithStats,
  integrateTrajectory,
  RungeKuttaStepper,
  type VectorField,
  type Method,
  type FixedStepOptions,
  type TrajectoryOptions,
  type IntegrationResult,
  type Trajectory,
} from './rk.js';
export { dormandPrince, integrateAdaptive, type AdaptiveOptions, type AdaptiveResult } from './adaptive.js';
export { richardsonError, type RichardsonResult } from './richardson.js';
