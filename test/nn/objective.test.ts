import { describe, expect, it } from 'vitest';
import { tensor } from '../../src/autodiff/index.js';
import { batchLossFunction, lossFunction, mlp, oneHot, resolveLoss, train, twoMoons, teacherStudent } from '../../src/nn/index.js';

describe('MSE on classification: one-hot targets', () => {
  const data = twoMoons({ n: 12, seed: 2 });
  const model = mlp({ sizes: [2, 5, 2], activation: 'tanh' });
  const theta = model.init(1);

  it("is (1/2N) Σ_i |f(x_i) − e_{y_i}|² (Cohen et al.'s square loss), computed here by hand", () => {
    const out = model.apply(tensor(theta), data.X).data;
    let s = 0;
    for (let i = 0; i < 12; i++) for (let k = 0; k < 2; k++) s += (out[i * 2 + k]! - (data.labels![i] === k ? 1 : 0)) ** 2;
    expect(lossFunction(model, data, { loss: 'mse' })(tensor(theta)).item()).toBeCloseTo(s / (2 * 12), 14);
    // the default stays cross-entropy, and a batch of all rows is the full loss
    expect(lossFunction(model, data)(tensor(theta)).item()).toBe(lossFunction(model, data, { loss: 'cross-entropy' })(tensor(theta)).item());
    const all = Array.from({ length: 12 }, (_, i) => i);
    expect(batchLossFunction(model, data, { loss: 'mse' })(tensor(theta), all).item()).toBeCloseTo(s / 24, 14);
  });

  it('oneHot and resolveLoss name bad input', () => {
    expect(Array.from(oneHot([2, 0], 3).data)).toEqual([0, 0, 1, 1, 0, 0]);
    expect(() => oneHot([0, 3], 3)).toThrow('oneHot: label 3 of row 1 is outside 0..2');
    expect(() => oneHot([0], 0)).toThrow('oneHot: classes must be a positive integer, got 0');
    expect(() => resolveLoss(data, 'hinge' as never)).toThrow("unknown loss 'hinge': valid losses are cross-entropy, mse");
    const reg = teacherStudent({ n: 4, seed: 0, inputDim: 2, teacherSizes: [3, 1] });
    expect(() => lossFunction(mlp({ sizes: [2, 3, 1], activation: 'tanh' }), reg, { loss: 'cross-entropy' })).toThrow(
      "loss 'cross-entropy' needs class labels, but data set 'teacher' is a regression (use mse)",
    );
    expect(resolveLoss(reg, undefined)).toBe('mse');
  });
});

describe('train: the onStep hook sees the parameters', () => {
  it('is called with θ_n for every n, the final one included', () => {
    const data = twoMoons({ n: 10, seed: 0 });
    const model = mlp({ sizes: [2, 3, 2], activation: 'tanh' });
    const loss = lossFunction(model, data);
    const seen: Float64Array[] = [];
    const r = train({ loss, params0: model.init(0), optimizer: { kind: 'gd', lr: 0.3 }, steps: 4, onStep: (_n, e, p) => {
      expect(e).toBeCloseTo(loss(tensor(p)).item(), 14);
      seen.push(Float64Array.from(p));
    } });
    expect(seen.length).toBe(5);
    expect(seen[4]).toEqual(r.params);
    expect(seen[0]).toEqual(model.init(0));
  });
});
