/**
 * Seeded synthetic data sets: two moons, spirals, teacher–student regression;
 * and a seeded train/test split. Every draw goes through the autodiff's `Rng`,
 * so the same seed gives bit-identical data.
 */
import { Rng, tensor, type Tensor } from '../autodiff/index.js';
import { mlp } from './mlp.js';
import type { Activation } from './activations.js';

/** A supervised data set; inputs are rows of `X`. */
export interface Dataset {
  name: string;
  /** Inputs, `[N, inputDim]`. */
  X: Tensor;
  /** Regression targets `[N, outputDim]`; `null` for classification. */
  y: Tensor | null;
  /** Class labels `0..outputDim-1`; `null` for regression. */
  labels: Int32Array | null;
  inputDim: number;
  /** Number of classes (classification) or target width (regression). */
  outputDim: number;
  task: 'classification' | 'regression';
}

/** Names of the data sets {@link loadDataset} knows; `mnist` lives in `./mnist.ts`, `fashion` (Fashion-MNIST) in `./fashion.ts`. */
export const datasets = ['moons', 'spirals', 'teacher', 'mnist', 'fashion'] as const;
export type DatasetName = (typeof datasets)[number];

export function checkCount(where: string, name: string, value: number, min = 1): void {
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${where}: ${name} must be an integer ≥ ${min}, got ${value}`);
  }
}

function checkNoise(where: string, noise: number): void {
  if (!Number.isFinite(noise) || noise < 0) throw new Error(`${where}: noise must be finite and ≥ 0, got ${noise}`);
}

/** A data set's rows in one seeded random order, so classes are interleaved. */
function shuffled(rng: Rng, ds: Dataset): Dataset {
  return subsetDataset(ds, rng.shuffle(Array.from({ length: ds.X.shape[0]! }, (_, i) => i)));
}

/**
 * Two interleaved half circles (as scikit-learn's `make_moons`): ⌈n/2⌉ points on
 * the upper moon `(cos t, sin t)`, the rest on the lower `(1 - cos t, 1/2 - sin t)`,
 * `t` evenly spaced on `[0, π]`, plus Gaussian noise of standard deviation `noise`
 * on both coordinates; rows in seeded random order. Labels 0 (upper), 1 (lower).
 */
export function twoMoons({ n, noise = 0.1, seed }: { n: number; noise?: number; seed: number }): Dataset {
  checkCount('twoMoons', 'n', n, 2);
  checkNoise('twoMoons', noise);
  const rng = new Rng(seed);
  const nUpper = Math.ceil(n / 2);
  const nLower = n - nUpper;
  const X = new Float64Array(2 * n);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const upper = i < nUpper;
    const j = upper ? i : i - nUpper;
    const count = upper ? nUpper : nLower;
    const t = count > 1 ? (Math.PI * j) / (count - 1) : 0;
    X[2 * i] = (upper ? Math.cos(t) : 1 - Math.cos(t)) + noise * rng.normal();
    X[2 * i + 1] = (upper ? Math.sin(t) : 0.5 - Math.sin(t)) + noise * rng.normal();
    labels[i] = upper ? 0 : 1;
  }
  return shuffled(rng, { name: 'moons', X: tensor(X, [n, 2]), y: null, labels, inputDim: 2, outputDim: 2, task: 'classification' });
}

/**
 * `classes` interleaved spiral arms in the plane. Arm `k` holds n/classes points
 * (the first `n mod classes` arms one more); its `i`-th of `c` points has radius
 * `r = (i + 1/2)/c` and angle `2πk/classes + 4r + noise·N(0,1)` (radians),
 * at `(r sin θ, r cos θ)` as in the CS231n spiral. Labels are the arm index.
 */
export function spirals({ n, classes = 3, noise = 0.2, seed }: { n: number; classes?: number; noise?: number; seed: number }): Dataset {
  checkCount('spirals', 'classes', classes, 2);
  checkCount('spirals', 'n', n, classes);
  checkNoise('spirals', noise);
  const rng = new Rng(seed);
  const X = new Float64Array(2 * n);
  const labels = new Int32Array(n);
  let row = 0;
  for (let k = 0; k < classes; k++) {
    const count = Math.floor(n / classes) + (k < n % classes ? 1 : 0);
    for (let i = 0; i < count; i++, row++) {
      const r = (i + 0.5) / count;
      const angle = (2 * Math.PI * k) / classes + 4 * r + noise * rng.normal();
      X[2 * row] = r * Math.sin(angle);
      X[2 * row + 1] = r * Math.cos(angle);
      labels[row] = k;
    }
  }
  return shuffled(rng, { name: 'spirals', X: tensor(X, [n, 2]), y: null, labels, inputDim: 2, outputDim: classes, task: 'classification' });
}

/**
 * Teacher–student regression: inputs `x ~ N(0, I_inputDim)`, targets
 * `y = teacher(x) + noise·N(0, I)` where the teacher is a random
 * `mlp({ sizes: [inputDim, ...teacherSizes], activation })` (LeCun init, seed
 * derived from `seed`). `teacherSizes` lists the teacher's hidden widths and its
 * output width, so `outputDim = teacherSizes.at(-1)`.
 */
export function teacherStudent({
  n,
  inputDim,
  teacherSizes = [16, 1],
  noise = 0.1,
  seed,
  activation = 'tanh',
}: {
  n: number;
  inputDim: number;
  teacherSizes?: number[];
  noise?: number;
  seed: number;
  activation?: Activation;
}): Dataset {
  checkCount('teacherStudent', 'n', n);
  checkCount('teacherStudent', 'inputDim', inputDim);
  checkNoise('teacherStudent', noise);
  if (!Array.isArray(teacherSizes) || teacherSizes.length < 1) {
    throw new Error(`teacherStudent: teacherSizes must list the teacher's hidden and output widths, got ${JSON.stringify(teacherSizes)}`);
  }
  const rng = new Rng(seed);
  const teacher = mlp({ sizes: [inputDim, ...teacherSizes], activation, init: 'lecun' });
  const theta = teacher.init(rng.int(2 ** 31));
  const X = new Float64Array(n * inputDim);
  for (let i = 0; i < X.length; i++) X[i] = rng.normal();
  const Xt = tensor(X, [n, inputDim]);
  const out = teacher.apply(tensor(theta), Xt);
  const k = teacherSizes[teacherSizes.length - 1]!;
  const Y = Float64Array.from(out.data, (v) => v + noise * rng.normal());
  return { name: 'teacher', X: Xt, y: tensor(Y, [n, k]), labels: null, inputDim, outputDim: k, task: 'regression' };
}

/** Rows `rows` of a data set, in that order. */
export function subsetDataset(ds: Dataset, rows: ArrayLike<number>, name = ds.name): Dataset {
  const n = rows.length;
  const d = ds.inputDim;
  const X = new Float64Array(n * d);
  const k = ds.outputDim;
  const Y = ds.y ? new Float64Array(n * k) : null;
  const labels = ds.labels ? new Int32Array(n) : null;
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    X.set(ds.X.data.subarray(r * d, r * d + d), i * d);
    if (Y && ds.y) Y.set(ds.y.data.subarray(r * k, r * k + k), i * k);
    if (labels && ds.labels) labels[i] = ds.labels[r]!;
  }
  return { ...ds, name, X: tensor(X, [n, d]), y: Y ? tensor(Y, [n, k]) : null, labels };
}

/**
 * Seeded random split: a fraction `fraction` of the rows (rounded, at least one
 * on each side) goes to `train`, the rest to `test`.
 */
export function splitDataset(ds: Dataset, fraction: number, seed: number): { train: Dataset; test: Dataset } {
  const n = ds.X.shape[0]!;
  if (!(fraction > 0 && fraction < 1)) throw new Error(`splitDataset: fraction must lie in (0, 1), got ${fraction}`);
  if (n < 2) throw new Error(`splitDataset: '${ds.name}' has ${n} rows; need at least 2 to split`);
  const nTrain = Math.min(n - 1, Math.max(1, Math.round(fraction * n)));
  const order = new Rng(seed).shuffle(Array.from({ length: n }, (_, i) => i));
  return {
    train: subsetDataset(ds, order.slice(0, nTrain)),
    test: subsetDataset(ds, order.slice(nTrain)),
  };
}
