/**
 * Differentiation transforms. Each call opens a fresh trace, runs the function on a
 * traced copy of the input, closes the trace and walks its tape backwards. The backward
 * pass computes with the derivative rules, which are written in differentiable
 * operations: when the input was itself traced by an enclosing transform, the backward
 * pass is recorded on that outer tape, and the result can be differentiated again.
 */
import { enterRule, exitRule, fusable, lower } from './engine.js';
import { ShapeError } from './kernels.js';
import { add, mul } from './ops/elementwise.js';
import { sum } from './ops/reduce.js';
import { concat, reshape } from './ops/shape.js';
import { Tensor, Trace, fmtShape, ones, sameShape, zeros, type Shape } from './tensor.js';

/** A scalar function of a flat vector: `x` has shape `[m]`, the result shape `[]`. */
export type ScalarFn = (x: Tensor) => Tensor;

function requireTensor(op: string, x: unknown, what = 'input'): Tensor {
  if (!(x instanceof Tensor)) {
    throw new Error(`${op}: expected a Tensor as ${what}, got ${x === null ? 'null' : typeof x}${x instanceof Float64Array ? ' (Float64Array: wrap it with tensor(...))' : ''}`);
  }
  return x;
}

/** The output of `f` on a traced input, and the pullback `u ↦ J(x)ᵀ u` (callable repeatedly). */
interface Linearized {
  out: Tensor;
  pullback(u: Tensor): Tensor;
}

function linearize(op: string, f: (x: Tensor) => Tensor, x0: Tensor): Linearized {
  const x = lower(requireTensor(op, x0));
  const trace = new Trace();
  const xt = new Tensor(x.shape, x.data, x, trace, null);
  let y: Tensor;
  try {
    const r = f(xt);
    // peel off traces that have ended (those inside f hold constants for us)
    y = lower(requireTensor(op, r, 'the function result'));
  } finally {
    trace.active = false;
  }
  const out = y.trace === trace ? y.primal! : y;
  const pullback = (u: Tensor): Tensor => {
    if (!sameShape(u.shape, out.shape)) {
      throw new ShapeError(`${op}: cotangent shape ${fmtShape(u.shape)} does not match the function's output shape ${fmtShape(out.shape)}`);
    }
    if (y.trace !== trace) return zeros(x.shape); // the output does not depend on x
    return backward(y, u, trace, xt) ?? zeros(x.shape);
  };
  return { out, pullback };
}

let backwardPasses = 0;

/**
 * Reverse accumulation over the tape of `trace`, from output `y` with cotangent `seed` to
 * input `xt`. Cotangents live on the tensors themselves, valid only for the pass id they
 * were written in (so a pass interrupted by an exception leaves nothing stale).
 */
function backward(y: Tensor, seed: Tensor, trace: Trace, xt: Tensor): Tensor | null {
  // tensors reachable from y on this tape; creation order is a topological order
  const nodes: Tensor[] = [];
  const pass = ++backwardPasses;
  const stack: Tensor[] = [y];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (t.visit === pass) continue;
    t.visit = pass;
    const node = t.node;
    if (node === null) continue;
    nodes.push(t);
    const inputs = node.inputs;
    for (let i = 0; i < inputs.length; i++) {
      const inp = inputs[i]!;
      if (inp.trace === trace && inp.visit !== pass) stack.push(inp);
    }
  }
  nodes.sort(bySeqDescending);
  setCotangent(y, seed, pass);
  for (let n = 0; n < nodes.length; n++) {
    const t = nodes[n]!;
    const g = takeCotangent(t, pass);
    if (g === null) continue;
    const node = t.node!;
    const inputs = node.inputs;
    const needs = new Array<boolean>(inputs.length);
    for (let i = 0; i < inputs.length; i++) needs[i] = inputs[i]!.trace === trace;
    if (node.prim.accumulate !== undefined && needs.length === 1 && needs[0] && fusable(g, g)) {
      const acc = ownedAccumulator(inputs[0]!, pass);
      if (acc !== null) {
        node.prim.accumulate(acc.data, g, node.primals, node.params);
        continue;
      }
    }
    if (node.prim.addInto !== undefined && needs.length === 1 && needs[0] && inputs[0]!.cotPass === pass) {
      // recorded pass with a cotangent already there: prev + rule(g) as one primitive
      const inp = inputs[0]!;
      const prev = takeCotangent(inp, pass)!;
      const saved = enterRule(node.prim.name);
      try {
        setCotangent(inp, node.prim.addInto(prev, g, node.primals, node.params), pass);
      } finally {
        exitRule(saved);
      }
      continue;
    }
    const saved = enterRule(node.prim.name);
    let cts: readonly (Tensor | null)[];
    try {
      cts = node.prim.rule(g, node.primals, node.output, node.params, needs);
    } finally {
      exitRule(saved);
    }
    for (let i = 0; i < inputs.length; i++) {
      const c = cts[i];
      if (!needs[i] || c === null || c === undefined) continue;
      const inp = inputs[i]!;
      const owned = inp.cotOwned;
      const prev = takeCotangent(inp, pass);
      if (prev !== null && owned && c.size === prev.size && fusable(c, c)) {
        // first order, into a buffer this pass allocated: add in place (same sums as add(prev, c))
        const P = prev.data;
        const C = c.data;
        for (let k = 0; k < P.length; k++) P[k] += C[k]!;
        setCotangent(inp, prev, pass, true);
      } else {
        setCotangent(inp, prev === null ? c : add(prev, c), pass);
      }
    }
  }
  return takeCotangent(xt, pass);
}

const bySeqDescending = (a: Tensor, b: Tensor): number => b.seq - a.seq;

function setCotangent(t: Tensor, c: Tensor, pass: number, owned = false): void {
  t.cot = c;
  t.cotPass = pass;
  t.cotOwned = owned;
}

function takeCotangent(t: Tensor, pass: number): Tensor | null {
  if (t.cotPass !== pass) return null;
  const c = t.cot;
  t.cot = null;
  t.cotPass = 0;
  t.cotOwned = false;
  return c;
}

/**
 * The cotangent of `t` in this pass as a plain buffer the pass owns (so a primitive's
 * {@link Primitive.accumulate} may add into it): the owned buffer if there is one, else a
 * fresh copy of the cotangent so far, or zeros. `null` when the cotangent so far is traced
 * (then the differentiable rule must be used).
 */
function ownedAccumulator(t: Tensor, pass: number): Tensor | null {
  const owned = t.cotOwned;
  const prev = takeCotangent(t, pass);
  let acc: Tensor;
  if (prev === null) acc = new Tensor(t.shape, new Float64Array(t.size));
  else if (owned) acc = prev;
  else if (lower(prev).trace !== null) {
    setCotangent(t, prev, pass);
    return null;
  } else acc = new Tensor(t.shape, Float64Array.from(prev.data));
  setCotangent(t, acc, pass, true);
  return acc;
}

function scalarOutput(op: string, out: Tensor): void {
  if (out.size !== 1) {
    throw new ShapeError(`${op}: the function must return a scalar (shape []), got shape ${fmtShape(out.shape)}; use vjp or jacobian for non-scalar functions`);
  }
}

/** The gradient function of a scalar function. Nests: `grad(grad(...))`-style compositions are exact. */
export function grad(f: ScalarFn): (x: Tensor) => Tensor {
  if (typeof f !== 'function') throw new Error('grad: expected a function');
  return (x) => {
    const { out, pullback } = linearize('grad', f, x);
    scalarOutput('grad', out);
    return pullback(ones(out.shape));
  };
}

/** Value and gradient in one pass. */
export function valueAndGrad(f: ScalarFn): (x: Tensor) => { value: number; grad: Tensor } {
  if (typeof f !== 'function') throw new Error('valueAndGrad: expected a function');
  return (x) => {
    const { out, pullback } = linearize('valueAndGrad', f, x);
    scalarOutput('valueAndGrad', out);
    return { value: out.data[0]!, grad: pullback(ones(out.shape)) };
  };
}

/** Vector-Jacobian product `J(x)ᵀ c` (shape of `x`), `c` of the shape of `f(x)`. */
export function vjp(f: (x: Tensor) => Tensor, x: Tensor, cotangent: Tensor): Tensor {
  requireTensor('vjp', cotangent, 'cotangent');
  return linearize('vjp', f, x).pullback(cotangent);
}

/**
 * Jacobian-vector product `J(x) v` (shape of `f(x)`), by the double-vjp trick: the pullback
 * `u ↦ J(x)ᵀ u` is linear in `u`, and its own vjp against `v` is `J(x) v`. This reuses the
 * reverse rules (no separate forward-mode rule per operation) at the cost of about two
 * reverse passes.
 */
export function jvp(f: (x: Tensor) => Tensor, x: Tensor, tangent: Tensor): Tensor {
  requireTensor('jvp', tangent, 'tangent');
  const xt = lower(requireTensor('jvp', x));
  if (!sameShape(tangent.shape, xt.shape)) {
    throw new ShapeError(`jvp: tangent shape ${fmtShape(tangent.shape)} does not match the input shape ${fmtShape(xt.shape)}`);
  }
  const { out, pullback } = linearize('jvp', f, xt);
  return linearize('jvp', pullback, zeros(out.shape)).pullback(tangent);
}

/**
 * Hessian-vector product `H(x) v`, exact, as reverse-over-reverse: the gradient of
 * `y ↦ ⟨∇f(y), v⟩`. Chosen by measurement: forward-over-reverse would here be
 * `jvp(grad(f))`, which the double-vjp jvp turns into one more reverse sweep, and
 * bench/autodiff.bench.ts measured it 1.5–2.0× slower than this on the small, medium and
 * large MLPs (BENCHMARKS.md), where this costs 2.2–2.9 gradients.
 */
export function hvp(f: ScalarFn, x: Tensor, v: Tensor): Tensor {
  requireTensor('hvp', v, 'direction v');
  const xt = lower(requireTensor('hvp', x));
  if (!sameShape(v.shape, xt.shape)) {
    throw new ShapeError(`hvp: direction shape ${fmtShape(v.shape)} does not match the input shape ${fmtShape(xt.shape)}`);
  }
  const g = grad(f);
  return grad((y) => {
    const gy = g(y);
    return sum(mul(gy, v));
  })(xt);
}

/** Forward-over-reverse Hessian-vector product `jvp(grad f, x, v)`; same value as {@link hvp}, kept for comparison. */
export function hvpForwardOverReverse(f: ScalarFn, x: Tensor, v: Tensor): Tensor {
  return jvp(grad(f), x, v);
}

/**
 * The Jacobian of `f` at `x`, shape `[...outShape, ...inShape]`: one reverse pass per
 * output element over a single recorded forward pass.
 */
export function jacobian(f: (x: Tensor) => Tensor, x: Tensor): Tensor {
  const xt = lower(requireTensor('jacobian', x));
  const { out, pullback } = linearize('jacobian', f, xt);
  const rows: Tensor[] = [];
  for (let i = 0; i < out.size; i++) {
    const e = zeros(out.shape);
    e.data[i] = 1;
    rows.push(reshape(pullback(e), [1, xt.size]));
  }
  if (rows.length === 0) return zeros([...out.shape, ...xt.shape]);
  return reshape(concat(rows, 0), [...out.shape, ...xt.shape]);
}

/** The Hessian `[m, m]` of a scalar function of `x` (shape `[m]`): the Jacobian of its gradient. */
export function hessian(f: ScalarFn, x: Tensor): Tensor {
  const xt = lower(requireTensor('hessian', x));
  if (xt.ndim !== 1) throw new ShapeError(`hessian: expected a 1-D input of shape [m], got shape ${fmtShape(xt.shape)}`);
  return jacobian(grad(f), xt);
}

