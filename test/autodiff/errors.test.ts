/** Bad input: each error names what was wrong. Also the numerically delicate edge cases. */
import { describe, expect, it } from 'vitest';
import * as ad from '../../src/autodiff/index.js';
import { NonFiniteError, ShapeError, grad, setFiniteCheck, sum, tensor, withFiniteCheck, zeros, type Tensor } from '../../src/autodiff/index.js';

describe('shape errors name the operation and both shapes', () => {
  it('broadcasting binary operations', () => {
    const a = zeros([2, 3]);
    const b = zeros([4]);
    for (const [name, op] of [['add', ad.add], ['sub', ad.sub], ['mul', ad.mul], ['div', ad.div]] as const) {
      expect(() => op(a, b)).toThrow(ShapeError);
      expect(() => op(a, b)).toThrow(`${name}: shapes [2, 3] and [4] cannot be broadcast together`);
    }
  });
  it('the error is the same inside a traced computation', () => {
    expect(() => grad((x) => sum(ad.mul(x, zeros([4]))))(zeros([3]))).toThrow('mul: shapes [3] and [4] cannot be broadcast together');
  });
  it('matmul, dot, reshape, concat, transpose, axis', () => {
    expect(() => ad.matmul(zeros([2, 3]), zeros([2, 3]))).toThrow('matmul: shapes [2, 3] and [2, 3] do not fit');
    expect(() => ad.matmul(zeros([2, 3]), zeros([4]))).toThrow('matmul: shapes [2, 3] and [4] do not fit');
    expect(() => ad.dot(zeros([3]), zeros([4]))).toThrow('dot: expected two 1-D tensors of equal length, got shapes [3] and [4]');
    expect(() => ad.reshape(zeros([6]), [4, 2])).toThrow('reshape: cannot reshape [6] (6 elements) to [4, 2]');
    expect(() => ad.concat([zeros([2, 3]), zeros([2, 4])], 0)).toThrow('concat: shapes [2, 3] and [2, 4] differ outside axis 0');
    expect(() => ad.transpose(zeros([2, 3, 4]))).toThrow('transpose: expected a 2-D tensor, got shape [2, 3, 4]');
    expect(() => ad.sum(zeros([2, 3]), 2)).toThrow('sum: axis 2 is out of range for shape [2, 3] (valid: -2..1)');
    expect(() => ad.tensor([1, 2, 3], [2, 2])).toThrow('tensor: 3 values do not fill shape [2, 2]');
  });
  it('jvp, vjp and hvp check the shape of the direction', () => {
    const f = (x: Tensor): Tensor => sum(ad.square(x));
    expect(() => ad.hvp(f, zeros([3]), zeros([2]))).toThrow('hvp: direction shape [2] does not match the input shape [3]');
    expect(() => ad.vjp((x) => ad.square(x), zeros([3]), zeros([2]))).toThrow('vjp: cotangent shape [2] does not match the function\'s output shape [3]');
    expect(() => ad.jvp((x) => ad.square(x), zeros([3]), zeros([2]))).toThrow('jvp: tangent shape [2] does not match the input shape [3]');
  });
});

describe('grad of a non-scalar function', () => {
  it('says so, with the shape', () => {
    expect(() => grad((x) => ad.square(x))(zeros([3]))).toThrow('grad: the function must return a scalar (shape []), got shape [3]');
    expect(() => ad.valueAndGrad((x) => ad.square(x))(zeros([2]))).toThrow('valueAndGrad: the function must return a scalar (shape []), got shape [2]');
  });
  it('a non-tensor input or result is named', () => {
    expect(() => grad((x) => sum(x))(new Float64Array(3) as unknown as Tensor)).toThrow('grad: expected a Tensor as input, got object (Float64Array: wrap it with tensor(...))');
    expect(() => grad(() => 3 as unknown as Tensor)(zeros([1]))).toThrow('grad: expected a Tensor as the function result, got number');
  });
});

describe('finite-check mode names the operation where NaN or Inf first appeared', () => {
  it('off by default: NaN propagates silently', () => {
    expect(Number.isNaN(ad.log(tensor([-1])).data[0])).toBe(true);
  });
  it('forward pass', () => {
    const f = (x: Tensor): Tensor => sum(ad.exp(ad.log(ad.sub(x, 1))));
    expect(() => withFiniteCheck(() => f(tensor([0.5, 2])))).toThrow(NonFiniteError);
    expect(() => withFiniteCheck(() => f(tensor([0.5, 2])))).toThrow('finite check: log produced NaN at flat index 0 of shape [2], in the forward pass');
    expect(() => withFiniteCheck(() => grad(f)(tensor([0.5, 2])))).toThrow('log produced NaN');
  });
  it('backward pass, naming the derivative rule that was running', () => {
    // sqrt is finite at 0 but its derivative 1/(2 sqrt x) is not
    const f = (x: Tensor): Tensor => sum(ad.sqrt(x));
    expect(() => withFiniteCheck(() => grad(f)(tensor([0, 1])))).toThrow(
      'finite check: div produced Infinity at flat index 0 of shape [2], in the backward pass (derivative rule of sqrt)',
    );
  });
  it('a non-finite input is reported as received', () => {
    expect(() => withFiniteCheck(() => ad.tanh(tensor([1, Infinity])))).toThrow('finite check: tanh received Infinity in its input 0 at flat index 1');
  });
  it('setFiniteCheck returns the previous setting and withFiniteCheck restores it', () => {
    expect(setFiniteCheck(true)).toBe(false);
    expect(setFiniteCheck(false)).toBe(true);
    try {
      withFiniteCheck(() => ad.log(tensor([-1])));
    } catch {
      /* expected */
    }
    expect(setFiniteCheck(false)).toBe(false);
  });
});

describe('softmaxCrossEntropy', () => {
  it('is stable for logits of ±1000 (value and gradient finite and exact)', () => {
    const logits = tensor([[1000, -1000, 0], [-1000, 1000, 1000]]);
    const labels = [0, 2];
    // row 0: log(1 + e^-1000 + e^-1000) - 0 ≈ 0; row 1: 1000 + log 2 - 1000 = log 2
    const v = ad.softmaxCrossEntropy(logits, labels).item();
    expect(v).toBeCloseTo(Math.LN2 / 2, 15);
    const g = grad((x) => ad.softmaxCrossEntropy(ad.reshape(x, [2, 3]), labels))(ad.reshape(logits, [6])).data;
    const expected = [0, 0, 0, 0, 0.25, -0.25];
    for (let i = 0; i < 6; i++) expect(g[i]).toBeCloseTo(expected[i]!, 15);
    expect(ad.logSumExp(tensor([1000, 1000])).item()).toBeCloseTo(1000 + Math.LN2, 12);
    expect(ad.logSumExp(tensor([-1000, -1000])).item()).toBeCloseTo(-1000 + Math.LN2, 12);
  });
  it('validates labels: integer, in range, one per row', () => {
    const logits = zeros([2, 3]);
    expect(() => ad.softmaxCrossEntropy(logits, [0])).toThrow('softmaxCrossEntropy: 1 labels for 2 rows of logits (shape [2, 3])');
    expect(() => ad.softmaxCrossEntropy(logits, [0, 3])).toThrow('softmaxCrossEntropy: label 1 is 3; labels must be integers in 0..2 (K = 3 classes)');
    expect(() => ad.softmaxCrossEntropy(logits, [0.5, 1])).toThrow('label 0 is 0.5');
    expect(() => ad.softmaxCrossEntropy(zeros([6]), [0])).toThrow('softmaxCrossEntropy: logits must be 2-D [N, K], got shape [6]');
  });
});

describe('kinks', () => {
  it("relu'(0) = 0 and abs'(0) = 0 (documented convention)", () => {
    expect(grad((x) => sum(ad.relu(x)))(tensor([0, -1, 2])).toArray()).toEqual([0, 0, 1]);
    expect(grad((x) => sum(ad.abs(x)))(tensor([0, -1, 2])).toArray()).toEqual([0, -1, 1]);
  });
  it('pow with exponent 0 has derivative 0 everywhere, also at 0', () => {
    expect(grad((x) => sum(ad.pow(x, 0)))(tensor([0, 2])).toArray()).toEqual([0, 0]);
  });
});

describe('previously untested error paths name the operation and the bad input', () => {
  it('tensor: ragged nested arrays, wrong value types, item of a non-scalar', () => {
    expect(() => tensor([[1, 2], [3, [4]]] as never)).toThrow('tensor: ragged nested array: expected a number at depth 2');
    expect(() => tensor([[1, 2], [3]])).toThrow('tensor: ragged nested array: expected length 2 at depth 1, inferred shape [2, 2]');
    expect(() => tensor('abc' as never)).toThrow('tensor: expected a number, an array-like of numbers or nested arrays, got string');
    expect(() => tensor(undefined as never)).toThrow('got undefined');
    expect(() => zeros([2]).item()).toThrow('item: expected a tensor with one element, got shape [2]');
  });
  it('checkShape via full, zeros and randomNormal', () => {
    expect(() => ad.full(3 as never, 1)).toThrow('full: shape must be an array of dimensions, got 3');
    expect(() => zeros([2, -1])).toThrow('full: invalid shape [2, -1]: dimensions must be non-negative integers');
    expect(() => zeros([1.5])).toThrow('full: invalid shape [1.5]: dimensions must be non-negative integers');
    expect(() => ad.randomNormal([2, 0.5], new ad.Rng(0))).toThrow('randomNormal: invalid shape [2, 0.5]');
    expect(() => ad.randomNormal('3' as never, new ad.Rng(0))).toThrow('randomNormal: shape must be an array of dimensions, got 3');
  });
  it('asTensor and the elementwise ops reject non-numbers', () => {
    expect(() => ad.asTensor(null as never)).toThrow('operation: expected a Tensor or a number, got null');
    expect(() => ad.add(zeros([2]), 'x' as never)).toThrow('add: expected a Tensor or a number, got string');
  });
  it('pow needs a finite numeric exponent', () => {
    expect(() => ad.pow(zeros([2]), Infinity)).toThrow('pow: the exponent must be a finite number, got Infinity');
    expect(() => ad.pow(zeros([2]), NaN)).toThrow('pow: the exponent must be a finite number, got NaN');
    expect(() => ad.pow(zeros([2]), '2' as never)).toThrow('pow: the exponent must be a finite number, got 2');
  });
  it('sumTo, broadcastTo, mean and max', () => {
    expect(() => ad.sumTo(zeros([3]), [2, 3])).toThrow('sumTo: shape [2, 3] does not broadcast to [3]');
    expect(() => ad.broadcastTo(zeros([2, 3]), [3])).toThrow('broadcastTo: shape [2, 3] does not broadcast to [3]');
    expect(() => ad.mean(zeros([2, 0]), 1)).toThrow('mean: cannot average over an empty axis (shape [2, 0])');
    expect(() => ad.mean(zeros([0]))).toThrow('mean: cannot average over an empty axis (shape [0])');
    expect(() => ad.max(zeros([0, 3]))).toThrow('max: empty tensor of shape [0, 3]');
    expect(() => ad.max(zeros([2, 0]), 1)).toThrow('max: axis 1 of shape [2, 0] is empty');
    expect(() => ad.max(zeros([2, 0]), -1)).toThrow('max: axis -1 of shape [2, 0] is empty');
  });
  it('reshape, slice and concat', () => {
    expect(() => ad.reshape(3 as never, [1])).toThrow('reshape: expected a Tensor, got number');
    expect(() => ad.reshape(zeros([6]), [4, -1])).toThrow(/^reshape: cannot reshape \[6\] \(6 elements\) to \[4, -1\]$/);
    expect(() => ad.reshape(zeros([0]), [0, -1])).toThrow(/^reshape: cannot reshape \[0\] \(0 elements\) to \[0, -1\]$/);
    expect(() => ad.slice(ad.scalar(1), 0, 1)).toThrow('slice: cannot slice a scalar (shape [])');
    expect(() => ad.slice(zeros([3]), 0.5)).toThrow('slice: start and end must be integers, got 0.5 and undefined');
    expect(() => ad.slice(zeros([3]), 0, 1.5)).toThrow('slice: start and end must be integers, got 0 and 1.5');
    expect(() => ad.concat([])).toThrow('concat: expected a non-empty array of tensors');
    expect(() => ad.concat(zeros([2]) as never)).toThrow('concat: expected a non-empty array of tensors');
    expect(() => ad.concat([ad.scalar(1), ad.scalar(2)])).toThrow('concat: cannot concatenate scalars (shape []); reshape them to [1] first');
  });
  it("sliceAxis and padAxis check their ranges like slice (the catalogue's inputs once gave NaN, holes or a raw RangeError)", () => {
    const t = tensor([1, 2, 3]);
    expect(() => ad.sliceAxis(t, 0, 2, 5)).toThrow('sliceAxis: range 2..5 is not within axis 0 of shape [3] (integers with 0 ≤ start ≤ end ≤ 3)');
    expect(() => ad.sliceAxis(t, 3, 0, 1)).toThrow('sliceAxis: axis 3 is out of range for shape [3] (valid: -1..0)');
    expect(() => ad.sliceAxis(t, 0, 2, 1)).toThrow('sliceAxis: range 2..1 is not within axis 0 of shape [3]');
    expect(() => ad.sliceAxis(t, 0, 0.5, 1)).toThrow('sliceAxis: range 0.5..1 is not within axis 0');
    expect(() => ad.sliceAxis(t, 0, -1, 2)).toThrow(ShapeError);
    expect(() => ad.sliceAxis(ad.scalar(1), 0, 0, 1)).toThrow('sliceAxis: a scalar (shape []) has no axis to take a range of');
    expect(() => ad.sliceAxis([1, 2] as never, 0, 0, 1)).toThrow('sliceAxis: expected a Tensor, got object');
    expect(() => ad.padAxis(t, 0, 1, 3)).toThrow('padAxis: axis 0 of shape [3] (length 3) does not fit at offset 1 in length 3 (integers with 0 ≤ start and start + 3 ≤ length)');
    expect(() => ad.padAxis(t, 0, -1, 5)).toThrow('padAxis: axis 0 of shape [3] (length 3) does not fit at offset -1 in length 5');
    expect(() => ad.padAxis(t, 1, 0, 3)).toThrow('padAxis: axis 1 is out of range for shape [3]');
    expect(() => ad.padAxis(t, 0, 0, 4.5)).toThrow(ShapeError);
    // Valid ranges, negative axes included.
    expect(Array.from(ad.sliceAxis(tensor([[1, 2, 3], [4, 5, 6]]), -1, 1, 3).data)).toEqual([2, 3, 5, 6]);
    expect(Array.from(ad.padAxis(t, 0, 1, 5).data)).toEqual([0, 1, 2, 3, 0]);
  });
  it('grad through sliceAxis and padAxis agrees with finite differences, to second order', () => {
    // f(x) = Σ sin(pad(slice(X, axis 1, 1..3), axis 0 at 1 in 4) ⊙ W), X of shape [2, 4]: both
    // rules (pad's cotangent is a slice, slice's a pad) are exercised, each on a non-leading axis
    // or offset; checkGrads' default tolerance (rtol 1e-6 with O(eps⁴) differences) applies.
    const W = tensor(Array.from({ length: 8 }, (_, i) => 0.3 + 0.1 * i), [4, 2]);
    const f = (x: Tensor): Tensor => {
      const X = ad.reshape(x, [2, 4]);
      return sum(ad.sin(ad.mul(ad.padAxis(ad.sliceAxis(X, 1, 1, 3), 0, 1, 4), W)));
    };
    const x = tensor(Array.from({ length: 8 }, (_, i) => Math.cos(i)));
    expect(ad.checkGrads(f, x, { order: 2 }).worstRatio).toBeLessThanOrEqual(1);
    // The entries outside the slice get exactly zero gradient.
    const g = grad(f)(x).data;
    expect([g[0], g[3], g[4], g[7]]).toEqual([0, 0, 0, 0]);
  });
  it('softmaxCrossEntropy: empty logits, labels not an array', () => {
    expect(() => ad.softmaxCrossEntropy(zeros([0, 3]), [])).toThrow('softmaxCrossEntropy: empty logits of shape [0, 3]');
    expect(() => ad.softmaxCrossEntropy(zeros([2, 0]), [0, 0])).toThrow('softmaxCrossEntropy: empty logits of shape [2, 0]');
    expect(() => ad.softmaxCrossEntropy(zeros([2, 3]), 1 as never)).toThrow('softmaxCrossEntropy: labels must be an array of integer class indices');
    expect(() => ad.softmaxCrossEntropy(zeros([2, 3]), null as never)).toThrow('softmaxCrossEntropy: labels must be an array of integer class indices');
  });
  it('matmul and dot need two tensors', () => {
    expect(() => ad.matmul(zeros([2, 2]), [[1, 0], [0, 1]] as never)).toThrow('matmul: expected two tensors');
    expect(() => ad.matmul(2 as never, zeros([2, 2]))).toThrow('matmul: expected two tensors');
    expect(() => ad.dot(zeros([2]), [1, 2] as never)).toThrow('dot: expected two tensors');
  });
  it('transforms: grad/valueAndGrad need a function, hessian a 1-D input', () => {
    expect(() => grad(3 as never)).toThrow('grad: expected a function');
    expect(() => ad.valueAndGrad(null as never)).toThrow('valueAndGrad: expected a function');
    const f = (x: Tensor): Tensor => sum(ad.square(x));
    expect(() => ad.hessian(f, zeros([2, 2]))).toThrow('hessian: expected a 1-D input of shape [m], got shape [2, 2]');
    expect(() => ad.hessian(f, ad.scalar(1))).toThrow('hessian: expected a 1-D input of shape [m], got shape []');
  });
  it('checkGrads: eps, x, and a function that is not scalar everywhere', () => {
    const f = (x: Tensor): Tensor => sum(ad.square(x));
    expect(() => ad.checkGrads(f, zeros([2]), { eps: 0 })).toThrow('checkGrads: eps must be positive, got 0');
    expect(() => ad.checkGrads(f, zeros([2]), { eps: NaN })).toThrow('checkGrads: eps must be positive, got NaN');
    expect(() => ad.checkGrads(f, 'x' as never)).toThrow('checkGrads: x must be a Tensor or an array of numbers');
    expect(ad.checkGrads(f, [1, 2]).worstRatio).toBeLessThanOrEqual(1); // a plain array is taken as a tensor
    // grad accepts the first (scalar) call; the finite-difference probes then get a vector
    let calls = 0;
    const g = (x: Tensor): Tensor => (calls++ === 0 ? sum(ad.square(x)) : ad.square(x));
    expect(() => ad.checkGrads(g, zeros([2]), { order: 1 })).toThrow('checkGrads: the function must return a scalar, got shape [2]');
  });
  it('stopGradient needs a tensor', () => {
    expect(() => ad.stopGradient(3 as never)).toThrow('stopGradient: expected a Tensor, got number');
    expect(() => ad.stopGradient(undefined as never)).toThrow('stopGradient: expected a Tensor, got undefined');
  });
});
