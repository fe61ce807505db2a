/** Error paths of the igr layer: each bad input is rejected with a message naming the problem. */
import { describe, expect, it } from 'vitest';
import { mul, sqrt, square, sum, tensor, type Tensor } from '../../src/autodiff/index.js';
import {
  elementaryWeight,
  IgrError,
  leaf,
  modifiedSeries,
  modifiedTerms,
  modifiedTermsTensor,
  verifyBackwardError,
  findProblem,
  MAX_OPTIMIZER_STEPS,
  stepCounts,
  type MethodSpec,
} from '../../src/igr/index.js';
import {
  findTableau,
  momentumField,
  rungeKuttaDescent,
  sgdMeanIterate,
  sgdProblems,
  verifyMomentum,
  verifyRungeKutta,
  verifySgd,
  type Minibatches,
} from '../../src/igr/optimizers/index.js';
import { tableaus } from '../../src/ode/index.js';

/** E(θ) = ½|θ|², a tiny 2-D quadratic. */
const quadratic = (x: Tensor): Tensor => mul(0.5, sum(square(x)));
/** A loss that is NaN everywhere. */
const nanLoss = (x: Tensor): Tensor => mul(NaN, sum(square(x)));
/** Σ √θ_i: finite at θ = (0, 1) but with an infinite gradient there. */
const sqrtLoss = (x: Tensor): Tensor => sum(sqrt(x));

describe('modified equations: bad methods and points', () => {
  it('a tableau whose a and b lengths differ is rejected', () => {
    const bad = { a: [[0]], b: [0.5, 0.5] } as MethodSpec;
    expect(() => modifiedSeries(2, bad)).toThrow(IgrError);
    expect(() => modifiedSeries(2, bad)).toThrow('modifiedSeries: a tableau needs arrays a (s rows) and b (s weights) of equal length');
  });

  it('a tableau without arrays a and b is rejected', () => {
    expect(() => modifiedSeries(1, { a: 'x', b: [1] } as unknown as MethodSpec)).toThrow('a tableau needs arrays a (s rows) and b (s weights)');
    expect(() => modifiedTerms(quadratic, 1, { b: [1] } as unknown as MethodSpec)).toThrow('a tableau needs arrays a (s rows) and b (s weights)');
  });

  it('modifiedTermsTensor rejects a 2-D θ', () => {
    const terms = modifiedTermsTensor(quadratic, 2);
    expect(() => terms(tensor([[1, 2]]))).toThrow(IgrError);
    expect(() => terms(tensor([[1, 2]]))).toThrow('modifiedTermsTensor: θ must be a flat vector of shape [m], got shape [1, 2]');
  });

  for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
    it(`method '${name}' (an Object.prototype key) gives the unknown-method message, not a TypeError`, () => {
      const run = () => modifiedSeries(2, name as MethodSpec);
      expect(run).toThrow(IgrError);
      expect(run).toThrow(`modifiedSeries: unknown method '${name}'; valid methods are`);
    });
  }
});

describe('verification inputs', () => {
  it('verifyBackwardError rejects an empty list of orders', () => {
    expect(() => verifyBackwardError(quadratic, [1, 1], { hs: [0.1], T: 1, orders: [] })).toThrow('verifyBackwardError: orders must be a non-empty list');
  });

  it('verifyRungeKutta rejects an empty list of orders', () => {
    expect(() => verifyRungeKutta(quadratic, [1, 1], { method: 'euler', hs: [0.1], T: 1, orders: [] })).toThrow('verifyRungeKutta: orders must be a non-empty list');
  });

  it('verifyBackwardError rejects a loss that is not finite at θ0', () => {
    expect(() => verifyBackwardError(nanLoss, [1, 1], { hs: [0.1], T: 1, orders: [1] })).toThrow('verifyBackwardError: the loss at θ0 is NaN, not finite');
  });
});

describe('verification work bounds and ladders (checked before any step)', () => {
  it('T/h above MAX_OPTIMIZER_STEPS is an IgrError naming the asked steps and the bound, for every optimiser', () => {
    expect(MAX_OPTIMIZER_STEPS).toBe(100_000);
    const message = /T\/h = 1\.00e\+300 steps at h = 1 \(T = 1e\+300\) is more than the 100000 optimizer steps a verification takes per step size/;
    expect(() => verifyBackwardError(quadratic, [1, 1], { hs: [1], T: 1e300, orders: [1] })).toThrow(message);
    expect(() => verifyMomentum(quadratic, [1, 1], { beta: 0.5, hs: [1], T: 1e300 })).toThrow(message);
    expect(() => verifyRungeKutta(quadratic, [1, 1], { method: 'rk4', hs: [1], T: 1e300, orders: [4] })).toThrow(message);
    expect(() => verifyBackwardError(quadratic, [1, 1], { hs: [1e-300], T: 1, orders: [1] })).toThrow(/T\/h = 1\.00e\+300 steps at h = 1e-300/);
    // At the bound itself it is accepted (and fast: a 2-D quadratic); not run here, only the count.
    expect(stepCounts('f', [1e-5], 1)).toEqual([100_000]);
  });

  it('a step size listed twice is an IgrError (its points would share one map entry)', () => {
    expect(() => verifyBackwardError(quadratic, [1, 1], { hs: [0.1, 0.05, 0.1], T: 1, orders: [1] })).toThrow(
      'verifyBackwardError: the step size h = 0.1 is listed twice; the h of a ladder must be distinct',
    );
    expect(() => verifyMomentum(quadratic, [1, 1], { beta: 0.5, hs: [0.1, 0.1], T: 1 })).toThrow('verifyMomentum: the step size h = 0.1 is listed twice');
  });

  it('a 100 KB unknown name is quoted by its start and length', () => {
    const name = 'z'.repeat(100_000);
    expect(() => findProblem(name)).toThrow(`unknown problem '${'z'.repeat(60)}…' (100000 characters); valid problems are quadratic`);
    expect(() => findTableau(name)).toThrow(`unknown Runge–Kutta tableau '${'z'.repeat(60)}…' (100000 characters)`);
    expect(() => findProblem('constructor')).toThrow("unknown problem 'constructor'");
  });
});

describe('Runge–Kutta descent', () => {
  for (const h of [0, -0.1, NaN, Infinity]) {
    it(`rungeKuttaDescent rejects h = ${h}`, () => {
      expect(() => rungeKuttaDescent(quadratic, [1, 1], h, 1, tableaus.euler)).toThrow(`rungeKuttaDescent: h must be a finite number > 0, got ${h}`);
    });
  }

  for (const steps of [0, -1, 1.5, NaN]) {
    it(`rungeKuttaDescent rejects steps = ${steps}`, () => {
      expect(() => rungeKuttaDescent(quadratic, [1, 1], 0.1, steps, tableaus.euler)).toThrow(`rungeKuttaDescent: steps must be an integer ≥ 1, got ${steps}`);
    });
  }

  it('verifyRungeKutta and verifyMomentum reject a loss whose gradient at θ0 is not finite', () => {
    expect(() => verifyRungeKutta(sqrtLoss, [0, 1], { method: 'euler', hs: [0.1], T: 1, orders: [1] })).toThrow(
      'verifyRungeKutta: the gradient of the loss at θ0 is not finite',
    );
    expect(() => verifyMomentum(sqrtLoss, [0, 1], { beta: 0.5, hs: [0.1], T: 1 })).toThrow('verifyMomentum: the gradient of the loss at θ0 is not finite');
  });

  for (const name of ['constructor', 'toString', 'nope']) {
    it(`findTableau('${name}') gives the unknown-tableau message`, () => {
      expect(() => findTableau(name)).toThrow(IgrError);
      expect(() => findTableau(name)).toThrow(`unknown Runge–Kutta tableau '${name}'; valid tableaus are`);
    });
  }
  it("verifyRungeKutta with method 'constructor' gives the unknown-tableau message", () => {
    expect(() => verifyRungeKutta(quadratic, [1, 1], { method: 'constructor' as 'euler', hs: [0.1], T: 1, orders: [1] })).toThrow(
      "unknown Runge–Kutta tableau 'constructor'",
    );
  });
});

describe('momentum', () => {
  for (const order of [0, 3, 1.5]) {
    it(`momentumField rejects order ${order}`, () => {
      expect(() => momentumField(quadratic, 0.1, 0.5, order as 1 | 2)).toThrow(`momentumField: order must be 1 or 2 (the first-order modified flow), got ${order}`);
    });
  }
});

describe('SGD', () => {
  const batches: Minibatches = { loss: quadratic, batchLosses: [quadratic, quadratic] };

  for (const epsilon of [0, -0.1, NaN, Infinity]) {
    it(`sgdMeanIterate rejects ε = ${epsilon}`, () => {
      expect(() => sgdMeanIterate(batches, [1, 1], epsilon, 1)).toThrow(`sgdMeanIterate: the learning rate ε must be a finite number > 0, got ${epsilon}`);
    });
  }

  for (const pairs of [1, 0, 2.5]) {
    it(`sgdMeanIterate rejects pairs = ${pairs} when sampling`, () => {
      expect(() => sgdMeanIterate(batches, [1, 1], 0.1, 1, { exactLimit: 0, pairs })).toThrow(`sgdMeanIterate: pairs must be an integer ≥ 2, got ${pairs}`);
    });
  }

  it('verifySgd rejects an empty ladder of learning rates', () => {
    expect(() => verifySgd(sgdProblems[0]!, { hs: [], batches: sgdProblems[0]!.batches })).toThrow('verifySgd: hs must be a non-empty list of learning rates');
  });

  for (const h of [0, -0.01, NaN]) {
    it(`verifySgd rejects the learning rate ${h}`, () => {
      expect(() => verifySgd(sgdProblems[0]!, { hs: [h], batches: sgdProblems[0]!.batches })).toThrow(
        `verifySgd: every learning rate must be a finite number > 0, got ${h}`,
      );
    });
  }
});

describe('trees', () => {
  it('elementaryWeight rejects a tableau with mismatched a and b', () => {
    const run = () => elementaryWeight(leaf, { a: [[0]], b: [0.5, 0.5] });
    expect(run).toThrow(RangeError);
    expect(run).toThrow('elementaryWeight: tableau has 1 rows of a but 2 weights b');
  });
});
