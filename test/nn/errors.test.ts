/**
 * Error paths of src/nn (and the experiment config validation of
 * src/igr/experiments/config.ts) that no other test feeds bad input to.
 * Everything here is fast: no training beyond validation, no MNIST package.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tensor } from '../../src/autodiff/index.js';
import {
  accuracy,
  batchLossFunction,
  loadMnist,
  lossFunction,
  mlp,
  splitDataset,
  teacherStudent,
  train,
  twoMoons,
  type Dataset,
  type MnistSource,
  type TrainOptions,
} from '../../src/nn/index.js';
import { loadMnist as loadMnistFromPackage, mnistPackageSource } from '../../src/node/index.js';
import { hiddenFromSizes, makeRunConfig, validateRunConfig } from '../../src/igr/experiments/config.js';
import type { RunConfig, StopRule } from '../../src/igr/experiments/types.js';

describe('accuracy: bad inputs', () => {
  it('refuses an empty label list', () => {
    expect(() => accuracy(new Float64Array(0), [])).toThrow('accuracy: no labels given');
  });
  it('refuses logits that do not split evenly into one row per label', () => {
    expect(() => accuracy(new Float64Array(5), [0, 1])).toThrow('accuracy: 5 logits do not split into 2 rows (one per label)');
    // Fewer logits than labels: k < 1.
    expect(() => accuracy(new Float64Array(0), [0, 1])).toThrow(/0 logits do not split into 2 rows/);
  });
});

describe('train: bad options', () => {
  const model = mlp({ sizes: [2, 3, 2], activation: 'tanh' });
  const data = twoMoons({ n: 6, seed: 1 });
  const loss = lossFunction(model, data);
  const params0 = model.init(0);
  const base: TrainOptions = { loss, params0, optimizer: { kind: 'gd', lr: 0.1 }, steps: 1 };

  it('refuses an SGD batch size that is not a positive integer', () => {
    const sgd = (batchSize: number): TrainOptions => ({
      ...base,
      optimizer: { kind: 'sgd', lr: 0.1, batchSize, seed: 0 },
      batchLoss: batchLossFunction(model, data),
      numExamples: 6,
    });
    expect(() => train(sgd(1.5))).toThrow("optimizer 'sgd': batchSize must be a positive integer, got 1.5");
    expect(() => train(sgd(0))).toThrow(/batchSize must be a positive integer, got 0/);
  });
  it('refuses steps that are not a non-negative integer', () => {
    expect(() => train({ ...base, steps: -1 })).toThrow('train: steps must be a non-negative integer, got -1');
    expect(() => train({ ...base, steps: 2.5 })).toThrow(/steps must be a non-negative integer, got 2.5/);
  });
  it('refuses a record interval that is not a positive integer', () => {
    expect(() => train({ ...base, record: 0 })).toThrow('train: record must be a positive integer, got 0');
    expect(() => train({ ...base, record: 1.5 })).toThrow(/record must be a positive integer, got 1.5/);
  });
  it('refuses a non-finite explodeReference', () => {
    expect(() => train({ ...base, explodeReference: NaN })).toThrow('train: explodeReference must be a finite number, got NaN');
    expect(() => train({ ...base, explodeReference: Infinity })).toThrow(/explodeReference must be a finite number, got Infinity/);
  });
  it('refuses params0 that is not a Float64Array', () => {
    const plain = Array.from(params0) as unknown as Float64Array;
    expect(() => train({ ...base, params0: plain })).toThrow('train: params0 must be a Float64Array');
  });
  it('refuses an SGD numExamples that is not a positive integer', () => {
    const sgd = (numExamples: number): TrainOptions => ({
      ...base,
      optimizer: { kind: 'sgd', lr: 0.1, batchSize: 1, seed: 0 },
      batchLoss: batchLossFunction(model, data),
      numExamples,
    });
    expect(() => train(sgd(0))).toThrow('train: numExamples must be a positive integer, got 0');
    expect(() => train(sgd(2.5))).toThrow(/numExamples must be a positive integer, got 2.5/);
  });
});

describe('data sets: bad inputs', () => {
  it('teacherStudent refuses an empty or non-list teacherSizes', () => {
    expect(() => teacherStudent({ n: 4, inputDim: 2, teacherSizes: [], seed: 0 })).toThrow(
      "teacherStudent: teacherSizes must list the teacher's hidden and output widths, got []",
    );
    expect(() => teacherStudent({ n: 4, inputDim: 2, teacherSizes: 3 as unknown as number[], seed: 0 })).toThrow(
      /teacherSizes must list the teacher's hidden and output widths, got 3/,
    );
  });
  it('splitDataset refuses a data set of fewer than 2 rows', () => {
    const one: Dataset = { ...twoMoons({ n: 2, seed: 0 }), name: 'tiny', X: tensor([0.5, 0.5], [1, 2]), labels: Int32Array.of(0) };
    expect(() => splitDataset(one, 0.5, 0)).toThrow("splitDataset: 'tiny' has 1 rows; need at least 2 to split");
  });
});

describe('model losses: data that does not fit', () => {
  it('refuses a classification data set without labels', () => {
    const model = mlp({ sizes: [2, 3, 2], activation: 'tanh' });
    const data: Dataset = { ...twoMoons({ n: 4, seed: 0 }), name: 'nolabels', labels: null };
    expect(() => lossFunction(model, data)).toThrow("data set 'nolabels' is a classification task without labels");
    expect(() => batchLossFunction(model, data)).toThrow(/classification task without labels/);
  });
  it('refuses a regression data set without targets', () => {
    const model = mlp({ sizes: [2, 3, 1], activation: 'tanh' });
    const data: Dataset = { ...teacherStudent({ n: 4, inputDim: 2, teacherSizes: [3, 1], seed: 0 }), name: 'notargets', y: null };
    expect(() => lossFunction(model, data)).toThrow("data set 'notargets' is a regression task without targets y");
  });
  it('the batch loss refuses a row index outside the data set', () => {
    const model = mlp({ sizes: [2, 3, 2], activation: 'tanh' });
    const data = twoMoons({ n: 4, seed: 0 });
    const batch = batchLossFunction(model, data);
    const params = tensor(model.init(0));
    expect(() => batch(params, [0, 4])).toThrow("batch loss: row index 4 outside 0..3 of 'moons'");
    expect(() => batch(params, [-1])).toThrow(/row index -1 outside 0..3/);
    expect(() => batch(params, [1.5])).toThrow(/row index 1.5 outside 0..3/);
  });
});

describe('MNIST loading: malformed digit data', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('loadMnist refuses a digit whose value count is not a multiple of 784', async () => {
    const bad: MnistSource = { digit: (d) => new Float64Array(d === 2 ? 784 + 5 : 784) };
    await expect(loadMnist({ train: 1, test: 1, seed: 0, source: bad })).rejects.toThrow(
      'loadMnist: digit 2 has 789 values, not a multiple of 784 (28×28)',
    );
  });
  it('the package source refuses a digit file that does not hold { data } with 784 values per image', async () => {
    // A stand-in package on disk (resolved by absolute path), not the real `mnist` package.
    const root = mkdtempSync(join(tmpdir(), 'igr-fake-mnist-'));
    dirs.push(root);
    mkdirSync(join(root, 'src', 'digits'), { recursive: true });
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'fake-mnist', version: '0.0.0' }));
    writeFileSync(join(root, 'src', 'digits', '0.json'), JSON.stringify({ data: [0, 1, 2] }));
    writeFileSync(join(root, 'src', 'digits', '1.json'), JSON.stringify({ pixels: [] }));
    const source = await mnistPackageSource(root);
    expect(() => source.digit(0)).toThrow(/0\.json does not hold \{ data: number\[\] \} with 784 values per image/);
    expect(() => source.digit(1)).toThrow(/1\.json does not hold \{ data: number\[\] \} with 784 values per image/);
    await expect(loadMnistFromPackage({ train: 1, test: 1, seed: 0, packageName: root })).rejects.toThrow(/loadMnist: .*0\.json does not hold \{ data/);
  });
});

describe('experiment config validation: bad fields', () => {
  it('hiddenFromSizes refuses sizes without both input and output widths', () => {
    expect(() => hiddenFromSizes([2], { data: 'moons', pool: true })).toThrow(
      'sizes 2 must list at least the input and output widths (2,…,2 for moons)',
    );
    expect(() => hiddenFromSizes([], { data: 'mnist', pool: true })).toThrow(/must list at least the input and output widths \(196,…,10 for mnist \(pooled 14×14\)\)/);
  });
  it('refuses seed, dataSeed and recordEvery that are not non-negative integers', () => {
    expect(() => validateRunConfig(makeRunConfig({ seed: -1 }))).toThrow('seed must be a non-negative integer, got -1');
    expect(() => validateRunConfig(makeRunConfig({ dataSeed: 1.5 }))).toThrow('dataSeed must be a non-negative integer, got 1.5');
    expect(() => validateRunConfig(makeRunConfig({ recordEvery: -2 }))).toThrow('recordEvery must be a non-negative integer, got -2');
  });
  it('refuses an unknown stop rule', () => {
    const stop = { kind: 'epochs', epochs: 3 } as unknown as StopRule;
    expect(() => validateRunConfig(makeRunConfig({ stop }))).toThrow("unknown stop rule 'epochs': valid rules are loss, steps, time");
    expect(() => validateRunConfig(makeRunConfig({ stop: undefined as unknown as StopRule }))).toThrow("unknown stop rule 'undefined'");
  });
  it('refuses hidden that is not a list', () => {
    const hidden = 64 as unknown as RunConfig['hidden'];
    expect(() => validateRunConfig(makeRunConfig({ hidden }))).toThrow('hidden must be a list of widths, got 64');
  });
});
