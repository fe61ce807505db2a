/**
 * Activation functions of the MLP, each written with differentiable autodiff
 * operations so that derivatives of any order of a model's loss come out of the
 * autodiff unchanged (the gradient-norm penalty of EGR and IGR needs third
 * derivatives of the network).
 */
import { add, mul, pow, relu, softplus, tanh, type Tensor } from '../autodiff/index.js';

/** The activation functions `mlp` accepts. */
export type Activation = 'tanh' | 'relu' | 'softplus' | 'gelu';

/** Every valid activation name, for error messages and CLI help. */
export const activations: readonly Activation[] = ['tanh', 'relu', 'softplus', 'gelu'];

/** √(2/π), the constant of the tanh approximation of GELU. */
const GELU_C = Math.sqrt(2 / Math.PI);

/**
 * GELU by the tanh approximation of Hendrycks & Gimpel (2016), eq. for "GELU(x) ≈ ...":
 * `0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))`. We use the approximation (not the
 * exact `x Φ(x)`) because it is smooth and built from primitives whose
 * derivative rules already nest to any order; its difference from the erf form
 * is below 1e-3 everywhere.
 */
export function gelu(x: Tensor): Tensor {
  const inner = mul(add(x, mul(pow(x, 3), 0.044715)), GELU_C);
  return mul(mul(x, 0.5), add(tanh(inner), 1));
}

/** Throws unless `name` is a known activation, listing the valid ones. */
export function checkActivation(name: unknown): asserts name is Activation {
  if (typeof name !== 'string' || !(activations as readonly string[]).includes(name)) {
    throw new Error(`unknown activation '${String(name)}': valid activations are ${activations.join(', ')}`);
  }
}

/** Applies the named activation elementwise. */
export function activate(name: Activation, x: Tensor): Tensor {
  switch (name) {
    case 'tanh':
      return tanh(x);
    case 'relu':
      return relu(x);
    case 'softplus':
      return softplus(x);
    case 'gelu':
      return gelu(x);
  }
}
