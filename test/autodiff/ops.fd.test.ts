/**
 * Every operation at derivative orders 1, 2 and 3 against finite differences, on
 * generated shapes and values (fast-check).
 *
 * Each case packs its inputs into one flat vector θ (unpacked with slice + reshape, which
 * are exercised too) and scalarises the result as f(θ) = Σ W ⊙ sin(op(inputs)) with fixed
 * random weights W: the weights make every output element matter, and the sin makes the
 * second and third derivatives of linear operations non-trivial (their rules must still
 * record themselves for the outer passes).
 *
 * Tolerance: |analytic - numeric| <= 1e-7 + 1e-6 |numeric|. The oracle's error
 * (Richardson central difference, h = 1e-3; see helpers.ts) is below ~1e-9 for the
 * bounded domains used here, so the bound leaves two orders of margin, while a wrong rule
 * (a missing factor, a dropped term, a wrong sign) errs by O(|derivative|).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as ad from '../../src/autodiff/index.js';
import { Rng, Tensor, mul, reshape, sin, slice, sum, tensor } from '../../src/autodiff/index.js';
import { nestedDerivativeChecks } from './helpers.js';

const RTOL = 1e-6;
const ATOL = 1e-7;

type Shape = number[];
interface Sample {
  shapes: Shape[];
  values: number[];
  extra: number;
}

const size = (s: Shape): number => s.reduce((a, b) => a * b, 1);

const shapeArb = (minDims = 0, maxDims = 3): fc.Arbitrary<Shape> =>
  fc.array(fc.integer({ min: 1, max: 3 }), { minLength: minDims, maxLength: maxDims });

function valuesFor(shapes: Shape[], lo: number, hi: number): fc.Arbitrary<number[]> {
  const n = shapes.reduce((a, s) => a + size(s), 0);
  return fc.array(fc.double({ min: lo, max: hi, noNaN: true, noDefaultInfinity: true }), { minLength: n, maxLength: n });
}

function sampleOf(shapes: fc.Arbitrary<Shape[]>, lo: number, hi: number, extra: fc.Arbitrary<number> = fc.constant(0)): fc.Arbitrary<Sample> {
  return shapes.chain((ss) => fc.record({ shapes: fc.constant(ss), values: valuesFor(ss, lo, hi), extra }));
}

/** A shape for the second operand that broadcasts against `s`: drop leading axes, set some to 1. */
function broadcastPartner(s: Shape): fc.Arbitrary<Shape> {
  return fc.tuple(fc.integer({ min: 0, max: s.length }), fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length })).map(([drop, ones]) =>
    s.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)),
  );
}
const pairArb: fc.Arbitrary<Shape[]> = shapeArb().chain((s) => fc.tuple(fc.constant(s), broadcastPartner(s)).chain(([a, b]) => fc.boolean().map((swap) => (swap ? [b, a] : [a, b]))));

function unpack(theta: Tensor, shapes: Shape[]): Tensor[] {
  let at = 0;
  return shapes.map((s) => {
    const n = size(s);
    const t = reshape(slice(theta, at, at + n), s);
    at += n;
    return t;
  });
}

function scalarised(shapes: Shape[], op: (xs: Tensor[]) => Tensor, seed: number): ad.ScalarFn {
  let weights: Tensor | null = null;
  return (theta) => {
    const y = op(unpack(theta, shapes));
    if (weights === null) {
      const rng = new Rng(seed);
      weights = tensor(Array.from({ length: y.size }, () => rng.normal()), y.shape);
    }
    return sum(mul(weights, sin(y)));
  };
}

function check(sample: Sample, op: (xs: Tensor[], extra: number) => Tensor, seed = 7): void {
  const theta = tensor(sample.values, [sample.values.length]);
  const f = scalarised(sample.shapes, (xs) => op(xs, sample.extra), seed);
  for (const c of nestedDerivativeChecks(f, theta, 3, seed, RTOL, ATOL)) {
    if (!(c.error <= c.tolerance)) {
      throw new Error(`order ${c.order}: analytic ${c.analytic} vs numeric ${c.numeric} (error ${c.error}) for shapes ${JSON.stringify(sample.shapes)}`);
    }
  }
}

const RUNS = { numRuns: 25, seed: 20210101 };

interface UnaryCase {
  name: string;
  op: (x: Tensor) => Tensor;
  lo: number;
  hi: number;
  /** For kinks: sample |x| in [lo, hi] with a random sign. */
  signed?: boolean;
}

const unaryCases: UnaryCase[] = [
  { name: 'neg', op: ad.neg, lo: -2, hi: 2 },
  { name: 'square', op: ad.square, lo: -2, hi: 2 },
  { name: 'sqrt', op: ad.sqrt, lo: 0.5, hi: 3 },
  { name: 'exp', op: ad.exp, lo: -2, hi: 1.5 },
  { name: 'log', op: ad.log, lo: 0.5, hi: 3 },
  { name: 'log1p', op: ad.log1p, lo: -0.5, hi: 2 },
  { name: 'sin', op: ad.sin, lo: -3, hi: 3 },
  { name: 'cos', op: ad.cos, lo: -3, hi: 3 },
  { name: 'tanh', op: ad.tanh, lo: -3, hi: 3 },
  { name: 'sigmoid', op: ad.sigmoid, lo: -4, hi: 4 },
  { name: 'softplus', op: ad.softplus, lo: -4, hi: 4 },
  { name: 'relu', op: ad.relu, lo: 0.1, hi: 2, signed: true },
  { name: 'abs', op: ad.abs, lo: 0.1, hi: 2, signed: true },
  { name: 'pow 3', op: (x) => ad.pow(x, 3), lo: -2, hi: 2 },
  { name: 'pow -1.5', op: (x) => ad.pow(x, -1.5), lo: 0.5, hi: 2 },
  { name: 'pow 0.5', op: (x) => ad.pow(x, 0.5), lo: 0.5, hi: 2 },
  { name: 'pow 0', op: (x) => ad.pow(x, 0), lo: -2, hi: 2 },
];

describe('unary operations: orders 1-3 match finite differences', () => {
  for (const c of unaryCases) {
    it(c.name, () => {
      const arb = sampleOf(shapeArb().map((s) => [s]), c.lo, c.hi, fc.integer({ min: 0, max: 1 << 30 }));
      fc.assert(
        fc.property(arb, (s) => {
          if (c.signed) {
            const rng = new Rng(s.extra);
            s = { ...s, values: s.values.map((v) => (rng.uniform() < 0.5 ? -v : v)) };
          }
          check(s, ([x]) => c.op(x!));
        }),
        RUNS,
      );
    });
  }
});

describe('binary broadcasting operations: orders 1-3 match finite differences', () => {
  const cases: [string, (a: Tensor, b: Tensor) => Tensor, number, number][] = [
    ['add', ad.add, -2, 2],
    ['sub', ad.sub, -2, 2],
    ['mul', ad.mul, -2, 2],
    ['div', ad.div, 0.5, 2],
  ];
  for (const [name, op, lo, hi] of cases) {
    it(name, () => {
      fc.assert(fc.property(sampleOf(pairArb, lo, hi), (s) => check(s, ([a, b]) => op(a!, b!))), RUNS);
    });
  }
  it('binary operations with a number operand', () => {
    fc.assert(
      fc.property(sampleOf(shapeArb().map((s) => [s]), 0.5, 2, fc.double({ min: 0.5, max: 2, noNaN: true })), (s) =>
        check(s, ([x], c) => ad.add(ad.mul(c, ad.div(x!, c)), ad.sub(ad.div(c, x!), c))),
      ),
      RUNS,
    );
  });
});

describe('reductions: orders 1-3 match finite differences', () => {
  const axisOf = (shape: Shape, pick: number): number | undefined => (shape.length === 0 || pick < 0 ? undefined : pick % shape.length);
  const reduceArb = sampleOf(shapeArb(1).map((s) => [s]), -2, 2, fc.integer({ min: -1, max: 5 }));
  it('sum (all, along an axis, keepdims)', () => {
    fc.assert(fc.property(reduceArb, fc.boolean(), (s, keep) => check(s, ([x], p) => ad.sum(x!, axisOf(x!.shape as Shape, p), keep))), RUNS);
  });
  it('mean', () => {
    fc.assert(fc.property(reduceArb, fc.boolean(), (s, keep) => check(s, ([x], p) => ad.mean(x!, axisOf(x!.shape as Shape, p), keep))), RUNS);
  });
  it('max along an axis (values kept 0.06 apart: away from ties, where max has no derivative)', () => {
    fc.assert(
      fc.property(reduceArb, fc.boolean(), fc.integer({ min: 0, max: 1 << 30 }), (s, keep, seed) => {
        // distinct grid points 0.1 apart in shuffled order, plus a generated perturbation of at most 0.02
        const order = new Rng(seed).shuffle(s.values.map((_, i) => i));
        const values = s.values.map((v, i) => 0.1 * order[i]! + 0.01 * v);
        check({ ...s, values }, ([x], p) => ad.max(x!, axisOf(x!.shape as Shape, p), keep));
      }),
      RUNS,
    );
  });
  it('logSumExp', () => {
    fc.assert(fc.property(reduceArb, fc.boolean(), (s, keep) => check(s, ([x], p) => ad.logSumExp(x!, axisOf(x!.shape as Shape, p), keep))), RUNS);
  });
  it('softmax', () => {
    fc.assert(fc.property(reduceArb, (s) => check(s, ([x], p) => ad.softmax(x!, p < 0 ? -1 : p % x!.ndim))), RUNS);
  });
  it('logSoftmax', () => {
    fc.assert(fc.property(reduceArb, (s) => check(s, ([x], p) => ad.logSoftmax(x!, p < 0 ? -1 : p % x!.ndim))), RUNS);
  });
  it('softmaxCrossEntropy', () => {
    const arb = fc
      .tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }))
      .chain(([n, k]) => sampleOf(fc.constant([[n, k]]), -3, 3, fc.integer({ min: 0, max: 1 << 30 })));
    fc.assert(
      fc.property(arb, (s) =>
        check(s, ([x], seed) => {
          const [n, k] = x!.shape as [number, number];
          const rng = new Rng(seed);
          return ad.softmaxCrossEntropy(x!, Array.from({ length: n }, () => rng.int(k)));
        }),
      ),
      RUNS,
    );
  });
});

describe('linear algebra and shape operations: orders 1-3 match finite differences', () => {
  const dims = fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }));
  it('matmul [n,k]x[k,m]', () => {
    fc.assert(fc.property(dims.chain(([n, k, m]) => sampleOf(fc.constant([[n, k], [k, m]]), -1.5, 1.5)), (s) => check(s, ([a, b]) => ad.matmul(a!, b!))), RUNS);
  });
  it('matmul [n,k]x[k] and [k]x[k,m] and [k]x[k]', () => {
    fc.assert(
      fc.property(
        dims.chain(([n, k, m]) => sampleOf(fc.constant([[n, k], [k], [k, m]]), -1.5, 1.5)),
        (s) => check(s, ([a, v, b]) => ad.add(ad.sum(ad.matmul(a!, v!)), ad.add(ad.sum(ad.matmul(v!, b!)), ad.matmul(v!, v!)))),
      ),
      RUNS,
    );
  });
  it('transpose', () => {
    fc.assert(fc.property(dims.chain(([n, k]) => sampleOf(fc.constant([[n, k]]), -2, 2)), (s) => check(s, ([a]) => ad.mul(ad.transpose(a!), ad.transpose(a!)))), RUNS);
  });
  it('dot', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 6 }).chain((n) => sampleOf(fc.constant([[n], [n]]), -2, 2)), (s) => check(s, ([a, b]) => ad.dot(a!, ad.square(b!)))), RUNS);
  });
  it('reshape and slice of a shaped tensor', () => {
    fc.assert(
      fc.property(dims.chain(([n, k, m]) => sampleOf(fc.constant([[n * k * m]]), -2, 2, fc.integer({ min: 0, max: n * k * m }))), (s) =>
        check(s, ([x], cut) => {
          const total = x!.size;
          const a = ad.slice(x!, 0, cut);
          const b = ad.slice(x!, cut - total); // negative start, Array.slice semantics
          return ad.concat([ad.mul(a, a), ad.exp(b)]);
        }),
      ),
      RUNS,
    );
  });
  it('concat along any axis', () => {
    const arb = fc
      .tuple(shapeArb(1), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 2 }))
      .chain(([s, extraLen, axisPick]) => {
        const axis = axisPick % s.length;
        const s2 = s.slice();
        s2[axis] = extraLen;
        return sampleOf(fc.constant([s, s2]), -2, 2, fc.constant(axis));
      });
    fc.assert(fc.property(arb, (s) => check(s, ([a, b], axis) => ad.concat([a!, ad.mul(b!, b!), a!], axis))), RUNS);
  });
  it('broadcastTo and sumTo', () => {
    fc.assert(
      fc.property(sampleOf(pairArb.map(([a, b]) => [a!, b!]), -2, 2), (s) =>
        check(s, ([a, b]) => {
          const out = ad.add(a!, b!).shape;
          return ad.mul(ad.broadcastTo(a!, out), ad.broadcastTo(ad.sumTo(ad.broadcastTo(b!, out), b!.shape), out));
        }),
      ),
      RUNS,
    );
  });
});
