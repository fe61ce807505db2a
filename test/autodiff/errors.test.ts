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
