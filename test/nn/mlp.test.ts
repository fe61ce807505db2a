import { describe, expect, it } from 'vitest';
import { checkGrads, tensor } from '../../src/autodiff/index.js';
import { activations, gelu, lossFunction, mlp, teacherStudent, twoMoons, type Activation } from '../../src/nn/index.js';

describe('mlp flat layout (W [out, in] row-major, then b, layer by layer)', () => {
  it('numParams is Σ out·in + out', () => {
    expect(mlp({ sizes: [784, 128, 10], activation: 'tanh' }).numParams).toBe(784 * 128 + 128 + 128 * 10 + 10);
    expect(mlp({ sizes: [2, 3], activation: 'relu' }).numParams).toBe(9);
  });

  it('a single weight of a linear layer moves exactly the documented output', () => {
    const model = mlp({ sizes: [3, 2], activation: 'tanh' });
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 3; j++) {
        const p = new Float64Array(model.numParams);
        p[i * 3 + j] = 1; // W[i][j]
        const X = tensor([[1, 10, 100]]);
        const out = model.apply(tensor(p), X).data;
        expect(Array.from(out)).toEqual([0, 1].map((r) => (r === i ? [1, 10, 100][j]! : 0)));
      }
    }
    const p = new Float64Array(model.numParams);
    p[6 + 1] = 5; // b[1] follows the 6 weights
    expect(Array.from(model.apply(tensor(p), tensor([[1, 2, 3]])).data)).toEqual([0, 5]);
  });

  it('second layer weights read the activated first-layer outputs (activation between layers, not after the last)', () => {
    const model = mlp({ sizes: [2, 3, 2], activation: 'tanh' });
    const [l1, l2] = model.layout;
    expect(l1).toEqual({ inDim: 2, outDim: 3, weightOffset: 0, biasOffset: 6 });
    expect(l2).toEqual({ inDim: 3, outDim: 2, weightOffset: 9, biasOffset: 15 });
    const a = [0.3, -0.7, 1.1];
    const p = new Float64Array(model.numParams);
    a.forEach((v, k) => (p[l1!.biasOffset + k] = v)); // first-layer biases, zero weights
    p[l2!.weightOffset + 1 * 3 + 2] = 1; // W2[1][2]
    p[l2!.biasOffset + 0] = -4; // b2[0], linear output
    const out = model.apply(tensor(p), tensor([[5, 6]])).data;
    expect(out[0]).toBe(-4);
    expect(out[1]).toBe(Math.tanh(1.1));
  });

  it('a single example of shape [in] gives shape [out]', () => {
    const model = mlp({ sizes: [2, 4, 3], activation: 'softplus' });
    const theta = tensor(model.init(1));
    const one = model.apply(theta, tensor([0.5, -1]));
    const batch = model.apply(theta, tensor([[0.5, -1]]));
    expect(one.shape).toEqual([3]);
    expect(Array.from(one.data)).toEqual(Array.from(batch.data));
  });
});

describe('mlp initialisation', () => {
  it('is bit-identical under the same seed, different under another, biases zero', () => {
    const model = mlp({ sizes: [5, 7, 3], activation: 'tanh' });
    const a = model.init(42);
    expect(Array.from(model.init(42))).toEqual(Array.from(a));
    expect(Array.from(model.init(43))).not.toEqual(Array.from(a));
    for (const { biasOffset, outDim } of model.layout) {
      expect(Array.from(a.subarray(biasOffset, biasOffset + outDim))).toEqual(new Array(outDim).fill(0));
    }
  });

  it.each([
    ['lecun', 1 / Math.sqrt(400)],
    ['glorot', Math.sqrt(2 / 700)],
    ['he', Math.sqrt(2 / 400)],
  ] as const)('%s weights have the documented standard deviation', (init, std) => {
    const model = mlp({ sizes: [400, 300], activation: 'tanh', init });
    const p = model.init(7).subarray(0, 400 * 300);
    let s = 0;
    for (const v of p) s += v * v;
    const sampleStd = Math.sqrt(s / p.length);
    // The sample std of n = 120000 normals has relative sd 1/√(2n) ≈ 0.2%; 1% is 5 sd.
    expect(Math.abs(sampleStd / std - 1)).toBeLessThan(0.01);
  });

  it('defaults to He for relu and LeCun otherwise', () => {
    expect(mlp({ sizes: [2, 2], activation: 'relu' }).initialization).toBe('he');
    expect(mlp({ sizes: [2, 2], activation: 'gelu' }).initialization).toBe('lecun');
  });
});

describe('gelu (tanh approximation)', () => {
  it('equals 0.5 x (1 + tanh(√(2/π)(x + 0.044715 x³))) to rounding and stays within 1e-3 of x Φ(x)', () => {
    const xs = [-3, -1, -0.2, 0, 0.5, 1, 2.5];
    const out = gelu(tensor(xs)).data;
    // Φ(x) from erf values tabulated to 10 digits: Φ(x) = (1 + erf(x/√2))/2.
    const exact: Record<number, number> = { 1: 0.8413447461, [-1]: -0.1586552539, 2.5: 2.4844758368 };
    xs.forEach((x, i) => {
      const ref = 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
      expect(Math.abs(out[i]! - ref)).toBeLessThanOrEqual(4e-16 * Math.max(1, Math.abs(ref)));
      if (exact[x] !== undefined) expect(Math.abs(out[i]! - exact[x]!)).toBeLessThan(1e-3);
    });
  });
});

describe('mlp bad input', () => {
  it('rejects an unknown activation, listing the valid ones', () => {
    expect(() => mlp({ sizes: [2, 2], activation: 'swish' as Activation })).toThrow(/unknown activation 'swish'.*tanh, relu, softplus, gelu/);
  });
  it('rejects non-positive or fractional widths, naming the index', () => {
    expect(() => mlp({ sizes: [2, 0, 2], activation: 'tanh' })).toThrow(/positive integer.*sizes\[1\] = 0/);
    expect(() => mlp({ sizes: [2, -3, 2], activation: 'tanh' })).toThrow(/sizes\[1\] = -3/);
    expect(() => mlp({ sizes: [2, 2.5], activation: 'tanh' })).toThrow(/sizes\[1\] = 2.5/);
    expect(() => mlp({ sizes: [2], activation: 'tanh' })).toThrow(/at least an input and an output/);
  });
  it('rejects an unknown init', () => {
    expect(() => mlp({ sizes: [2, 2], activation: 'tanh', init: 'xavier' as 'he' })).toThrow(/unknown init 'xavier'.*lecun, glorot, he/);
  });
  it('apply names the expected and the given shapes', () => {
    const model = mlp({ sizes: [3, 2], activation: 'tanh' });
    expect(() => model.apply(tensor(new Float64Array(5)), tensor([[1, 2, 3]]))).toThrow(/params must have shape \[8\].*got \[5\]/);
    expect(() => model.apply(tensor(new Float64Array(8)), tensor([[1, 2]]))).toThrow(/shape \[N, 3\].*got \[1, 2\]/);
  });
});

describe('gradients of MLP losses agree with finite differences (checkGrads, order 2)', () => {
  const smooth = activations.filter((a) => a !== 'relu');
  it.each(smooth)('classification (cross-entropy), %s', (activation) => {
    const data = twoMoons({ n: 12, noise: 0.1, seed: 3 });
    const model = mlp({ sizes: [2, 4, 2], activation });
    const loss = lossFunction(model, data);
    // checkGrads throws with the offending entries on mismatch. Its defaults: Richardson-extrapolated
    // central differences with step 1e-3 (error O(eps⁴) ≈ 1e-12 · |f⁽⁵⁾|) against atol 1e-8 + rtol 1e-6,
    // which a wrong derivative rule or a wrong layout (errors O(1)) cannot meet.
    expect(() => checkGrads(loss, tensor(model.init(5)), { order: 2, seed: 1 })).not.toThrow();
  });
  it.each(smooth)('regression (mean squared error), %s', (activation) => {
    const data = teacherStudent({ n: 10, inputDim: 3, teacherSizes: [4, 2], noise: 0.1, seed: 4 });
    const model = mlp({ sizes: [3, 3, 2], activation });
    expect(() => checkGrads(lossFunction(model, data), tensor(model.init(6)), { order: 2, seed: 2 })).not.toThrow();
  });
  it.each(smooth)('third order (what the modified equation of order 3 needs), cross-entropy, %s', (activation) => {
    const data = twoMoons({ n: 8, noise: 0.1, seed: 3 });
    const model = mlp({ sizes: [2, 3, 2], activation });
    // Same tolerances as above; the order-3 check differentiates the order-2 check once more.
    expect(() => checkGrads(lossFunction(model, data), tensor(model.init(7)), { order: 3, seed: 3 })).not.toThrow();
  });
  it('relu, first order (second derivatives vanish almost everywhere; differences straddle kinks)', () => {
    const data = twoMoons({ n: 12, noise: 0.1, seed: 3 });
    const model = mlp({ sizes: [2, 5, 2], activation: 'relu' });
    expect(() => checkGrads(lossFunction(model, data), tensor(model.init(8)), { order: 1, seed: 3 })).not.toThrow();
  });
});
