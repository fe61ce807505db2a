/**
 * autodiff — float64 tensors and reverse-mode differentiation that nests to any order.
 * Every primitive has its forward rule and its derivative rule side by side (ops/*.ts);
 * derivative rules are written in the same differentiable operations, so `grad` of `grad`
 * is exact, and a first-order gradient records nothing beyond its own tape.
 */
export { Tensor, Trace, tensor, scalar, zeros, ones, full, eye, asTensor, shapeSize } from './tensor.js';
export type { Shape, TensorLike, NestedArray, Primitive, Rule, TapeNode } from './tensor.js';
export { Rng, randomNormal, randomUniform } from './rng.js';
export { bind, lower, stopGradient, setFiniteCheck, withFiniteCheck, NonFiniteError } from './engine.js';
export { ShapeError } from './kernels.js';
export {
  add, sub, mul, div, neg, pow, square, sqrt, exp, log, log1p, sin, cos, tanh, sigmoid, softplus, relu, abs,
} from './ops/elementwise.js';
export { sum, mean, max, sumTo, broadcastTo, unbroadcast } from './ops/reduce.js';
export { reshape, transpose, slice, sliceAxis, padAxis, concat } from './ops/shape.js';
export { matmul, dot } from './ops/linalg.js';
export { logSumExp, softmax, logSoftmax, softmaxCrossEntropy } from './ops/softmax.js';
export { grad, valueAndGrad, vjp, jvp, hvp, hvpForwardOverReverse, jacobian, hessian } from './transforms.js';
export type { ScalarFn } from './transforms.js';
export { checkGrads, GradCheckError } from './check.js';
export type { GradCheckOptions, GradCheckReport, GradCheckEntry } from './check.js';
