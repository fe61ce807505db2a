/**
 * Multi-layer perceptrons as pure functions of one flat parameter vector, so
 * that any model's loss is a `ScalarFn` of its parameters and everything in
 * `src/igr` (modified losses, backward error analysis) applies to it unchanged.
 *
 * Layout (the public contract other code relies on), layer by layer: the weight matrix `W` of shape
 * `[out, in]` in row-major order, then the bias `b` of shape `[out]`. The
 * activation follows every layer but the last, so outputs and logits are linear.
 */
import { Rng, add, matmul, reshape, slice, transpose, type Tensor } from '../autodiff/index.js';
import { activate, checkActivation, type Activation } from './activations.js';

/** Weight initialisations: LeCun (std 1/√fan_in), Glorot (std √(2/(fan_in+fan_out))), He (std √(2/fan_in)). */
export type Init = 'lecun' | 'glorot' | 'he';

/** Every valid initialisation name. */
export const inits: readonly Init[] = ['lecun', 'glorot', 'he'];

/** Options of {@link mlp}. */
export interface MlpOptions {
  /** Layer widths from input to output, e.g. `[784, 128, 10]`: at least two, all positive integers. */
  sizes: number[];
  activation: Activation;
  /** Default: `'he'` for relu (keeps the forward variance of a ReLU layer), `'lecun'` otherwise. */
  init?: Init;
}

/** A multi-layer perceptron; a pure function of its flat parameter vector. */
export interface Mlp {
  readonly sizes: number[];
  readonly activation: Activation;
  /** The weight initialisation `init(seed)` uses. */
  readonly initialization: Init;
  /** Length of the flat parameter vector: Σ_l out_l·in_l + out_l. */
  readonly numParams: number;
  /** Where each layer's W and b start in the flat vector (see {@link LayerLayout}). */
  readonly layout: readonly LayerLayout[];
  /**
   * Fresh parameters drawn with the autodiff's seeded `Rng`: weights normal with
   * the init's standard deviation, biases zero. Same seed, bit-identical result.
   */
  init(seed: number): Float64Array;
  /** The network's outputs `[N, out]` for inputs `X` of shape `[N, in]` (or `[in]` → `[out]`). */
  apply(params: Tensor, X: Tensor): Tensor;
}

/** Offsets of one layer's parameters in the flat vector. */
export interface LayerLayout {
  inDim: number;
  outDim: number;
  /** Index of `W[0][0]`; `W[i][j]` sits at `weightOffset + i * inDim + j`. */
  weightOffset: number;
  /** Index of `b[0]`; equals `weightOffset + outDim * inDim`. */
  biasOffset: number;
}

/** Standard deviation of a layer's weights under each initialisation. */
function initStd(init: Init, fanIn: number, fanOut: number): number {
  switch (init) {
    case 'lecun':
      return 1 / Math.sqrt(fanIn);
    case 'glorot':
      return Math.sqrt(2 / (fanIn + fanOut));
    case 'he':
      return Math.sqrt(2 / fanIn);
  }
}

/**
 * Builds a multi-layer perceptron.
 *
 * @example
 * const model = mlp({ sizes: [2, 16, 2], activation: 'tanh' });
 * const theta = tensor(model.init(0));
 * const logits = model.apply(theta, X); // [N, 2]
 */
export function mlp(options: MlpOptions): Mlp {
  const { sizes, activation } = options;
  checkActivation(activation);
  if (!Array.isArray(sizes) || sizes.length < 2) {
    throw new Error(`mlp: sizes must list at least an input and an output width, got ${JSON.stringify(sizes)}`);
  }
  sizes.forEach((width, i) => {
    if (!Number.isInteger(width) || width <= 0) {
      throw new Error(`mlp: every width must be a positive integer, got sizes[${i}] = ${width} in ${JSON.stringify(sizes)}`);
    }
  });
  const init: Init = options.init ?? (activation === 'relu' ? 'he' : 'lecun');
  if (!(inits as readonly string[]).includes(init)) {
    throw new Error(`mlp: unknown init '${String(init)}': valid inits are ${inits.join(', ')}`);
  }

  const layout: LayerLayout[] = [];
  let offset = 0;
  for (let l = 0; l + 1 < sizes.length; l++) {
    const inDim = sizes[l]!;
    const outDim = sizes[l + 1]!;
    layout.push({ inDim, outDim, weightOffset: offset, biasOffset: offset + outDim * inDim });
    offset += outDim * inDim + outDim;
  }
  const numParams = offset;
  const frozenSizes = [...sizes];

  return {
    sizes: frozenSizes,
    activation,
    initialization: init,
    numParams,
    layout,
    init(seed: number): Float64Array {
      const rng = new Rng(seed);
      const params = new Float64Array(numParams);
      for (const { inDim, outDim, weightOffset, biasOffset } of layout) {
        const std = initStd(init, inDim, outDim);
        for (let k = weightOffset; k < biasOffset; k++) params[k] = std * rng.normal();
        // Biases stay zero.
      }
      return params;
    },
    apply(params: Tensor, X: Tensor): Tensor {
      if (params.shape.length !== 1 || params.shape[0] !== numParams) {
        throw new Error(
          `mlp.apply: params must have shape [${numParams}] for sizes ${JSON.stringify(frozenSizes)}, got [${params.shape.join(', ')}]`,
        );
      }
      const inDim = frozenSizes[0]!;
      const last = X.shape[X.shape.length - 1];
      if ((X.shape.length !== 1 && X.shape.length !== 2) || last !== inDim) {
        throw new Error(
          `mlp.apply: inputs must have shape [N, ${inDim}] (input width sizes[0] = ${inDim}), got [${X.shape.join(', ')}]`,
        );
      }
      const single = X.shape.length === 1;
      let h = single ? reshape(X, [1, inDim]) : X;
      layout.forEach(({ inDim: fanIn, outDim, weightOffset, biasOffset }, l) => {
        const W = reshape(slice(params, weightOffset, biasOffset), [outDim, fanIn]);
        const b = slice(params, biasOffset, biasOffset + outDim);
        // z = h Wᵀ + b: rows of h are examples, so each row becomes W x + b.
        const z = add(matmul(h, transpose(W)), b);
        h = l + 1 < layout.length ? activate(activation, z) : z;
      });
      return single ? reshape(h, [frozenSizes[frozenSizes.length - 1]!]) : h;
    },
  };
}
