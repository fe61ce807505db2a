/**
 * Elementwise operations. Each primitive's forward rule and derivative rule sit side by
 * side; derivative rules use the public (differentiable) operations, and reuse a
 * primitive's output only as the level-down tensor `y`, so that second and third
 * derivatives of tanh, sigmoid, exp, sqrt are recorded correctly.
 */
import { bind, fusable } from '../engine.js';
import { Bin, binaryKernel, broadcastShapes, tanhKernel } from '../kernels.js';
import { Tensor, asTensor, sameShape, type Primitive, type TensorLike } from '../tensor.js';
import { unbroadcast } from './reduce.js';

// --- binary, broadcasting ----------------------------------------------------

function binaryPrim(name: string, kind: Bin, rule: Primitive<null>['rule']): Primitive<null> {
  return {
    name,
    forward([a, b]) {
      const shape = sameShape(a!.shape, b!.shape) ? a!.shape : broadcastShapes(name, a!.shape, b!.shape);
      return new Tensor(shape, binaryKernel(kind, a!.data, a!.shape, b!.data, b!.shape, shape));
    },
    rule,
  };
}

const ADD = binaryPrim('add', Bin.Add, (g, [a, b], _y, _p, needs) => [
  needs[0] ? unbroadcast(g, a!.shape) : null,
  needs[1] ? unbroadcast(g, b!.shape) : null,
]);

const SUB = binaryPrim('sub', Bin.Sub, (g, [a, b], _y, _p, needs) => [
  needs[0] ? unbroadcast(g, a!.shape) : null,
  needs[1] ? unbroadcast(neg(g), b!.shape) : null,
]);

// d(ab) = b da + a db
const MUL = binaryPrim('mul', Bin.Mul, (g, [a, b], _y, _p, needs) => [
  needs[0] ? unbroadcast(mul(g, b!), a!.shape) : null,
  needs[1] ? unbroadcast(mul(g, a!), b!.shape) : null,
]);

// d(a/b) = da / b - (a / b^2) db
const DIV = binaryPrim('div', Bin.Div, (g, [a, b], _y, _p, needs) => [
  needs[0] ? unbroadcast(div(g, b!), a!.shape) : null,
  needs[1] ? unbroadcast(neg(div(mul(g, a!), square(b!))), b!.shape) : null,
]);

/** `a + b`, broadcasting. */
export function add(a: TensorLike, b: TensorLike): Tensor {
  return bind(ADD, [asTensor(a, 'add'), asTensor(b, 'add')], null);
}
/** `a - b`, broadcasting. */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  return bind(SUB, [asTensor(a, 'sub'), asTensor(b, 'sub')], null);
}
/** `a * b` elementwise, broadcasting. */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  return bind(MUL, [asTensor(a, 'mul'), asTensor(b, 'mul')], null);
}
/** `a / b` elementwise, broadcasting. */
export function div(a: TensorLike, b: TensorLike): Tensor {
  return bind(DIV, [asTensor(a, 'div'), asTensor(b, 'div')], null);
}

// --- unary -------------------------------------------------------------------

/** Fills `out[i]` from `X[i]`: each primitive passes its own loop (see {@link unaryPrim}). */
type UnaryLoop = (X: Float64Array, out: Float64Array) => void;

/**
 * A unary primitive from its raw loop and its derivative rule. Each primitive has its own
 * loop function literal rather than one shared loop calling `f(v)`: a shared call site sees
 * every primitive's `f`, goes megamorphic and is never inlined (the unary forward was 19% of
 * the medium MLP's gradient in the node --cpu-prof profile of issue 7, 2026-11-27).
 */
function unaryPrim(name: string, loop: UnaryLoop, rule: (g: Tensor, x: Tensor, y: Tensor) => Tensor): Primitive<null> {
  return {
    name,
    forward([x]) {
      const out = new Float64Array(x!.data.length);
      loop(x!.data, out);
      return new Tensor(x!.shape, out);
    },
    rule: (g, [x], y) => [rule(g, x!, y)],
  };
}

/** A plain 0/1 (or sign) mask computed from concrete values: a constant, so its own derivative is zero. */
function constantMap(x: Tensor, f: (v: number) => number): Tensor {
  const X = x.data;
  const out = new Float64Array(X.length);
  for (let i = 0; i < X.length; i++) out[i] = f(X[i]!);
  return new Tensor(x.shape, out);
}

/**
 * `g ⊙ h(y)` in one raw loop, for a first-order derivative rule whose factor is a
 * function of the primitive's output (tanh′ = 1 − y², sigmoid′ = y(1 − y)). Only called
 * when {@link fusable}: nothing is traced, so there is nothing to record. The arithmetic
 * is exactly that of the differentiable form (same operations, same order), so the result
 * is the same to the bit; the nested case keeps the differentiable form.
 */
function fusedOutputRule(g: Tensor, y: Tensor, kind: 'tanh' | 'sigmoid'): Tensor {
  const G = g.data;
  const Y = y.data;
  const out = new Float64Array(G.length);
  if (kind === 'tanh') for (let i = 0; i < G.length; i++) out[i] = G[i]! * (1 - Y[i]! * Y[i]!);
  else for (let i = 0; i < G.length; i++) out[i] = G[i]! * (Y[i]! * (1 - Y[i]!));
  return new Tensor(y.shape, out);
}

const NEG = unaryPrim('neg', (X, o) => { for (let i = 0; i < X.length; i++) o[i] = -X[i]!; }, (g) => neg(g));
const SQUARE = unaryPrim('square', (X, o) => { for (let i = 0; i < X.length; i++) o[i] = X[i]! * X[i]!; }, (g, x) => mul(g, mul(x, 2)));
// sqrt' = 1 / (2 sqrt x), from the output
const SQRT = unaryPrim('sqrt', (X, o) => { for (let i = 0; i < X.length; i++) o[i] = Math.sqrt(X[i]!); }, (g, _x, y) => div(g, mul(y, 2)));
const EXP = unaryPrim('exp', (X, o) => { for (let i = 0; i < X.length; i++) o[i] = Math.exp(X[i]!); }, (g, _x, y) => mul(g, y));
const LOG = unaryPrim('log', (X, o) => { for (let i = 0; i < X.length; i++) o[i] = Math.log(X[i]!); }, (g, x) => div(g, x));
const LOG1P = unaryPrim('log1p', (X, o) => { for (let i = 0; i < X.length; i++) o[i] = Math.log1p(X[i]!); }, (g, x) => div(g, add(x, 1)));
const SIN = unaryPrim('sin', (X, o) => { for (let i = 0; i < X.length; i++) o[i] = Math.sin(X[i]!); }, (g, x) => mul(g, cos(x)));
const COS = unaryPrim('cos', (X, o) => { for (let i = 0; i < X.length; i++) o[i] = Math.cos(X[i]!); }, (g, x) => neg(mul(g, sin(x))));
// tanh' = 1 - tanh^2, from the output (fused into one loop for a first-order gradient);
// the values from a branch-free kernel (Math.tanh mispredicts on network pre-activations)
const TANH = unaryPrim(
  'tanh',
  tanhKernel,
  (g, _x, y) => (fusable(g, y) ? fusedOutputRule(g, y, 'tanh') : mul(g, sub(1, square(y)))),
);
// sigmoid(v) = 1 / (1 + e^-v), written to avoid overflow for either sign; sigmoid' = s (1 - s)
const sigmoidValue = (v: number): number => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));
const SIGMOID = unaryPrim(
  'sigmoid',
  (X, o) => { for (let i = 0; i < X.length; i++) o[i] = sigmoidValue(X[i]!); },
  (g, _x, y) => (fusable(g, y) ? fusedOutputRule(g, y, 'sigmoid') : mul(g, mul(y, sub(1, y)))),
);
// softplus(v) = log(1 + e^v) = max(v, 0) + log1p(e^-|v|) (no overflow); softplus' = sigmoid
const SOFTPLUS = unaryPrim(
  'softplus',
  (X, o) => { for (let i = 0; i < X.length; i++) { const v = X[i]!; o[i] = Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v))); } },
  (g, x) => mul(g, sigmoid(x)),
);
// relu'(v) = 1 for v > 0, 0 for v <= 0 (0 at the kink, by convention); the mask is a constant
const RELU = unaryPrim('relu', (X, o) => { for (let i = 0; i < X.length; i++) o[i] = X[i]! > 0 ? X[i]! : 0; }, (g, x) => mul(g, constantMap(x, (v) => (v > 0 ? 1 : 0))));
// abs'(v) = sign(v), 0 at 0
const ABS = unaryPrim('abs', (X, o) => { for (let i = 0; i < X.length; i++) o[i] = Math.abs(X[i]!); }, (g, x) => mul(g, constantMap(x, (v) => (v > 0 ? 1 : v < 0 ? -1 : 0))));

/** `-x`. */
export function neg(x: TensorLike): Tensor {
  return bind(NEG, [asTensor(x, 'neg')], null);
}
/** `x²`. */
export function square(x: TensorLike): Tensor {
  return bind(SQUARE, [asTensor(x, 'square')], null);
}
/** `√x` (NaN below 0). */
export function sqrt(x: TensorLike): Tensor {
  return bind(SQRT, [asTensor(x, 'sqrt')], null);
}
/** `eˣ`. */
export function exp(x: TensorLike): Tensor {
  return bind(EXP, [asTensor(x, 'exp')], null);
}
/** Natural logarithm. */
export function log(x: TensorLike): Tensor {
  return bind(LOG, [asTensor(x, 'log')], null);
}
/** `log(1 + x)`, accurate for small x. */
export function log1p(x: TensorLike): Tensor {
  return bind(LOG1P, [asTensor(x, 'log1p')], null);
}
/** Sine (radians). */
export function sin(x: TensorLike): Tensor {
  return bind(SIN, [asTensor(x, 'sin')], null);
}
/** Cosine (radians). */
export function cos(x: TensorLike): Tensor {
  return bind(COS, [asTensor(x, 'cos')], null);
}
/** Hyperbolic tangent; its derivative rule reuses the output, `1 - tanh²`. */
export function tanh(x: TensorLike): Tensor {
  return bind(TANH, [asTensor(x, 'tanh')], null);
}
/** `1 / (1 + e⁻ˣ)`, without overflow for large |x|. */
export function sigmoid(x: TensorLike): Tensor {
  return bind(SIGMOID, [asTensor(x, 'sigmoid')], null);
}
/** `log(1 + eˣ)`, without overflow for large |x|. */
export function softplus(x: TensorLike): Tensor {
  return bind(SOFTPLUS, [asTensor(x, 'softplus')], null);
}
/** `max(x, 0)`. Its derivative is taken as 0 at x = 0 (and all higher derivatives as 0). */
export function relu(x: TensorLike): Tensor {
  return bind(RELU, [asTensor(x, 'relu')], null);
}
/** `|x|`. Its derivative is taken as 0 at x = 0. */
export function abs(x: TensorLike): Tensor {
  return bind(ABS, [asTensor(x, 'abs')], null);
}

// --- power with a constant exponent -------------------------------------------

const POW: Primitive<number> = {
  name: 'pow',
  forward([x], p) {
    const X = x!.data;
    const out = new Float64Array(X.length);
    if (p === 2) for (let i = 0; i < X.length; i++) out[i] = X[i]! * X[i]!;
    else for (let i = 0; i < X.length; i++) out[i] = Math.pow(X[i]!, p);
    return new Tensor(x!.shape, out);
  },
  // d x^p = p x^(p-1) dx; p = 0 is a constant (avoids 0 * x^-1 = NaN at x = 0)
  rule: (g, [x], _y, p) => [p === 0 ? mul(g, 0) : mul(g, mul(pow(x!, p - 1), p))],
};

/** `x^p` elementwise for a constant exponent `p`. */
export function pow(x: TensorLike, p: number): Tensor {
  if (typeof p !== 'number' || !Number.isFinite(p)) {
    throw new Error(`pow: the exponent must be a finite number, got ${String(p)}`);
  }
  return bind(POW, [asTensor(x, 'pow')], p);
}
