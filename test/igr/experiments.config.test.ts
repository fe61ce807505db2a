import { describe, expect, it } from 'vitest';
import {
  dataShape,
  expandGrid,
  ExperimentConfigError,
  hiddenFromSizes,
  makeRunConfig,
  modelSizes,
  validateRunConfig,
} from '../../src/igr/experiments/config.js';
import { presetConfigs, presetNames } from '../../src/igr/experiments/presets.js';
import type { RunConfig } from '../../src/igr/experiments/types.js';

function invalid(overrides: Partial<RunConfig>): () => RunConfig {
  return () => validateRunConfig(makeRunConfig(overrides));
}

describe('run configuration: bad input names the field and the valid choices', () => {
  it('unknown data set, activation, optimizer, init and hvp mode list the valid ones', () => {
    expect(invalid({ data: 'cifar' as never })).toThrow("unknown data set 'cifar': valid data sets are mnist, fashion, moons, spirals, teacher");
    expect(invalid({ activation: 'swish' as never })).toThrow("unknown activation 'swish': valid activations are tanh, relu, softplus, gelu");
    expect(invalid({ optimizer: 'adam' as never })).toThrow("unknown optimizer 'adam': valid optimizers are gd, sgd, momentum, egr");
    expect(invalid({ init: 'zeros' as never })).toThrow("unknown init 'zeros': valid inits are lecun, glorot, he");
    expect(invalid({ optimizer: 'egr', mu: 0.1, hvp: 'lanczos' as never })).toThrow("unknown hvp mode 'lanczos': valid modes are exact, finite-difference");
  });

  it('non-positive learning rate, μ and width are rejected with the value', () => {
    expect(invalid({ lr: 0 })).toThrow('learning rate must be a positive finite number, got 0');
    expect(invalid({ lr: -0.5 })).toThrow('learning rate must be a positive finite number, got -0.5');
    expect(invalid({ lr: Number.NaN })).toThrow('learning rate must be a positive finite number, got NaN');
    expect(invalid({ optimizer: 'egr', mu: 0 })).toThrow('mu (EGR regulariser weight) must be a positive finite number, got 0');
    expect(invalid({ optimizer: 'egr', mu: -1 })).toThrow('mu (EGR regulariser weight) must be a positive finite number, got -1');
    expect(invalid({ hidden: [64, 0] })).toThrow('width of hidden layer 2 must be a positive integer, got 0');
    expect(invalid({ hidden: [-3] })).toThrow('width of hidden layer 1 must be a positive integer, got -3');
    expect(invalid({ hidden: [2.5] })).toThrow('width of hidden layer 1 must be a positive integer, got 2.5');
  });

  it('sizes that do not match the data name both', () => {
    expect(() => hiddenFromSizes([784, 64, 10], { data: 'mnist', pool: true })).toThrow(
      'sizes 784,64,10 do not match the data set mnist (pooled 14×14): it needs input width 196 and output width 10, got 784 and 10',
    );
    expect(() => hiddenFromSizes([2, 16, 3], { data: 'moons', pool: true })).toThrow(
      'it needs input width 2 and output width 2, got 2 and 3',
    );
    expect(hiddenFromSizes([784, 128, 32, 10], { data: 'mnist', pool: false })).toEqual([128, 32]);
    expect(hiddenFromSizes([2, 8, 3], { data: 'spirals', pool: true })).toEqual([8]);
  });

  it('counts, stop rules and perturbations are checked', () => {
    expect(invalid({ train: 0 })).toThrow('train (number of training examples) must be a positive integer, got 0');
    expect(invalid({ train: 9000, test: 2000 })).toThrow('train + test = 11000 exceeds the 10000 MNIST digits');
    expect(invalid({ stop: { kind: 'loss', target: 0, maxSteps: 10 } })).toThrow('stop.target (training-loss target) must be a positive finite number');
    expect(invalid({ optimizer: 'momentum', stop: { kind: 'loss', target: 0.1, maxSteps: 10 } })).toThrow(
      "stop rule 'loss' (train to a training-loss target) needs a full-batch memoryless optimizer (gd, egr), not 'momentum'",
    );
    expect(invalid({ lr: 0.001, stop: { kind: 'time', T: 10, maxSteps: 5000 } })).toThrow('needs 10000 steps, outside 1..5000');
    expect(invalid({ lr: 2, stop: { kind: 'time', T: 5, maxSteps: 5000 } })).toThrow(
      'training time T = 5 is not a whole number of steps at learning rate 2 (T / h = 2.5)',
    );
    expect(invalid({ perturb: { sigmas: [0.1, -1], draws: 3 } })).toThrow('perturbation sigma must be a positive finite number, got -1');
    expect(invalid({ optimizer: 'sgd', batchSize: 5000, train: 1000 })).toThrow('batch size 5000 exceeds the 1000 training examples');
    expect(invalid({ optimizer: 'momentum', beta: 1, stop: { kind: 'steps', steps: 5 } })).toThrow('momentum beta must lie in [0, 1), got 1');
  });

  it('errors are ExperimentConfigErrors, so the CLI can turn them into usage errors', () => {
    expect(invalid({ lr: 0 })).toThrow(ExperimentConfigError);
  });

  it('the data sets imply the model input and output widths', () => {
    expect(dataShape({ data: 'mnist', pool: true })).toEqual({ inputDim: 196, outputDim: 10 });
    expect(dataShape({ data: 'mnist', pool: false })).toEqual({ inputDim: 784, outputDim: 10 });
    expect(modelSizes(makeRunConfig({ data: 'spirals', hidden: [16, 8] }))).toEqual([2, 16, 8, 3]);
    expect(modelSizes(makeRunConfig({ data: 'teacher', hidden: [4] }))).toEqual([10, 4, 1]);
  });
});

describe('sweep grids and presets', () => {
  it('expandGrid makes every combination with seeds innermost', () => {
    const base = makeRunConfig({ optimizer: 'egr', mu: 0.1 });
    const runs = expandGrid(base, { lrs: [0.1, 1], seeds: [0, 1], widths: [8, 16], mus: [0.5, 2] });
    expect(runs).toHaveLength(16);
    expect(runs.slice(0, 3).map((c) => [c.hidden[0], c.mu, c.lr, c.seed])).toEqual([
      [8, 0.5, 0.1, 0],
      [8, 0.5, 0.1, 1],
      [8, 0.5, 1, 0],
    ]);
    expect(runs.at(-1)).toMatchObject({ hidden: [16], mu: 2, lr: 1, seed: 1 });
  });

  it('a grid with a bad axis value fails validation', () => {
    expect(() => expandGrid(makeRunConfig(), { lrs: [0.1, 0], seeds: [0] })).toThrow('learning rate must be a positive finite number, got 0');
  });

  it('every preset is valid, trains to a loss target, and uses at least 3 seeds', () => {
    for (const name of presetNames) {
      const runs = presetConfigs(name);
      expect(runs.length).toBeGreaterThan(0);
      for (const c of runs) {
        expect(() => validateRunConfig(c)).not.toThrow();
        expect(c.stop.kind).toBe('loss');
      }
      expect(new Set(runs.map((c) => c.seed)).size).toBeGreaterThanOrEqual(3);
    }
    const egr = presetConfigs('egr');
    expect(egr.filter((c) => c.optimizer === 'egr').map((c) => c.mu)).toEqual([0.5, 0.5, 0.5, 2, 2, 2]);
    expect(presetConfigs('full')).toHaveLength(presetConfigs('lr').length + presetConfigs('width').length + egr.length);
  });
});
