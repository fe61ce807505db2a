/**
 * Scalar expressions built from the operations, differentiated to third order by nested
 * `grad`, against mathjs' symbolic `derivative` evaluated in float64.
 *
 * Tolerance: |ours - symbolic| <= 1e-9 (1 + |symbolic|). Both sides are exact formulas
 * evaluated in float64; they differ only by rounding, amplified by cancellation in the
 * (differently arranged) symbolic expressions — far below 1e-9 for the bounded
 * expressions generated here (depth ≤ 3, x in [-1.5, 1.5]); a wrong rule errs by O(1).
 */
import fc from 'fast-check';
import { derivative, parse } from 'mathjs';
import { describe, expect, it } from 'vitest';
import * as ad from '../../src/autodiff/index.js';
import { grad, sum, tensor, type Tensor } from '../../src/autodiff/index.js';

interface Expr {
  /** The expression on a tensor. */
  f: (x: Tensor) => Tensor;
  /** The same expression in mathjs syntax. */
  s: string;
}

/** u² for mathjs as a product: its symbolic rule for u^2 differentiates through u^(2-1) and, at u = 0, returns NaN at third order. */
const sq = (u: string): string => `((${u}) * (${u}))`;

const leaf: fc.Arbitrary<Expr> = fc.oneof(
  fc.constant<Expr>({ f: (x) => x, s: 'x' }),
  fc.double({ min: 0.5, max: 2, noNaN: true }).map<Expr>((c) => ({ f: (x) => ad.mul(x, c), s: `(${c} * x)` })),
);

const unary: [string, (e: Expr) => Expr][] = [
  ['sin', (e) => ({ f: (x) => ad.sin(e.f(x)), s: `sin(${e.s})` })],
  ['cos', (e) => ({ f: (x) => ad.cos(e.f(x)), s: `cos(${e.s})` })],
  ['tanh', (e) => ({ f: (x) => ad.tanh(e.f(x)), s: `tanh(${e.s})` })],
  ['exp', (e) => ({ f: (x) => ad.exp(ad.tanh(e.f(x))), s: `exp(tanh(${e.s}))` })],
  ['sigmoid', (e) => ({ f: (x) => ad.sigmoid(e.f(x)), s: `(1 / (1 + exp(-(${e.s}))))` })],
  ['softplus', (e) => ({ f: (x) => ad.softplus(ad.tanh(e.f(x))), s: `log(1 + exp(tanh(${e.s})))` })],
  ['square', (e) => ({ f: (x) => ad.square(e.f(x)), s: `${sq(e.s)}` })],
  ['log1p', (e) => ({ f: (x) => ad.log1p(ad.square(e.f(x))), s: `log(1 + ${sq(e.s)})` })],
  ['log', (e) => ({ f: (x) => ad.log(ad.add(ad.square(e.f(x)), 0.5)), s: `log(${sq(e.s)} + 0.5)` })],
  ['sqrt', (e) => ({ f: (x) => ad.sqrt(ad.add(ad.square(e.f(x)), 1)), s: `sqrt(${sq(e.s)} + 1)` })],
  ['pow', (e) => ({ f: (x) => ad.pow(ad.add(ad.square(e.f(x)), 1), -1.5), s: `(${sq(e.s)} + 1)^(-1.5)` })],
  ['neg', (e) => ({ f: (x) => ad.neg(e.f(x)), s: `(-(${e.s}))` })],
];
const binary: [string, (a: Expr, b: Expr) => Expr][] = [
  ['add', (a, b) => ({ f: (x) => ad.add(a.f(x), b.f(x)), s: `(${a.s} + ${b.s})` })],
  ['sub', (a, b) => ({ f: (x) => ad.sub(a.f(x), b.f(x)), s: `(${a.s} - ${b.s})` })],
  ['mul', (a, b) => ({ f: (x) => ad.mul(a.f(x), b.f(x)), s: `(${a.s} * ${b.s})` })],
  ['div', (a, b) => ({ f: (x) => ad.div(a.f(x), ad.add(ad.square(b.f(x)), 1)), s: `(${a.s} / (${sq(b.s)} + 1))` })],
];

function exprArb(depth: number): fc.Arbitrary<Expr> {
  if (depth === 0) return leaf;
  const sub = exprArb(depth - 1);
  return fc.oneof(
    { arbitrary: leaf, weight: 1 },
    { arbitrary: fc.tuple(fc.integer({ min: 0, max: unary.length - 1 }), sub).map(([i, e]) => unary[i]![1](e)), weight: 3 },
    { arbitrary: fc.tuple(fc.integer({ min: 0, max: binary.length - 1 }), sub, sub).map(([i, a, b]) => binary[i]![1](a, b)), weight: 3 },
  );
}

function ourDerivatives(e: Expr, x0: number): number[] {
  const f0 = (x: Tensor): Tensor => sum(e.f(x));
  const f1 = (x: Tensor): Tensor => sum(grad(f0)(x));
  const f2 = (x: Tensor): Tensor => sum(grad(f1)(x));
  const x = tensor([x0]);
  return [grad(f0)(x).data[0]!, grad(f1)(x).data[0]!, grad(f2)(x).data[0]!];
}

function symbolicDerivatives(s: string, x0: number): number[] {
  let node = parse(s);
  const out: number[] = [];
  for (let k = 0; k < 3; k++) {
    node = derivative(node, 'x', { simplify: false });
    out.push(Number(node.evaluate({ x: x0 })));
  }
  return out;
}

describe('nested grad agrees with mathjs symbolic derivatives', () => {
  it('every unary and binary building block, orders 1-3', () => {
    for (const [name, u] of unary) {
      const e = u({ f: (x) => ad.mul(x, 1.3), s: '(1.3 * x)' });
      for (const x0 of [-1.2, -0.3, 0.4, 1.1]) {
        const ours = ourDerivatives(e, x0);
        const sym = symbolicDerivatives(e.s, x0);
        for (let k = 0; k < 3; k++) {
          expect(Math.abs(ours[k]! - sym[k]!), `${name} order ${k + 1} at ${x0}`).toBeLessThanOrEqual(1e-9 * (1 + Math.abs(sym[k]!)));
        }
      }
    }
    for (const [name, b] of binary) {
      const e = b({ f: (x) => ad.sin(x), s: 'sin(x)' }, { f: (x) => ad.exp(x), s: 'exp(x)' });
      for (const x0 of [-1.2, 0.4, 1.1]) {
        const ours = ourDerivatives(e, x0);
        const sym = symbolicDerivatives(e.s, x0);
        for (let k = 0; k < 3; k++) {
          expect(Math.abs(ours[k]! - sym[k]!), `${name} order ${k + 1} at ${x0}`).toBeLessThanOrEqual(1e-9 * (1 + Math.abs(sym[k]!)));
        }
      }
    }
  });

  it('generated expression trees of depth 3, orders 1-3', () => {
    fc.assert(
      fc.property(exprArb(3), fc.double({ min: -1.5, max: 1.5, noNaN: true }), (e, x0) => {
        const ours = ourDerivatives(e, x0);
        const sym = symbolicDerivatives(e.s, x0);
        for (let k = 0; k < 3; k++) {
          if (!(Math.abs(ours[k]! - sym[k]!) <= 1e-9 * (1 + Math.abs(sym[k]!)))) {
            throw new Error(`order ${k + 1} of ${e.s} at x = ${x0}: ours ${ours[k]} vs symbolic ${sym[k]}`);
          }
        }
      }),
      { numRuns: 60, seed: 42 },
    );
  });
});
