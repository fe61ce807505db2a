/**
 * The loss-as-text compiler against an independent oracle: mathjs' own symbolic `derivative`,
 * evaluated by mathjs (the oracle may evaluate; the compiler under test never does).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { derivative, parse } from 'mathjs';
import { checkGrads, grad, hessian, tensor } from '../../src/autodiff/index.js';
import { compileLoss, ExpressionError } from '../../src/expression/index.js';

/**
 * Each case: our expression, the same function in mathjs' vocabulary (mathjs' derivative knows
 * no sigmoid, softplus, log1p or square), the expected variable order and a box of points where
 * the function is smooth and well conditioned (away from log/sqrt/abs singularities).
 */
interface Case {
  expr: string;
  oracle: string;
  variables: string[];
  box: [number, number][];
}

const cases: Case[] = [
  { expr: 'x^2 + 3*x*y - y^3/4', oracle: 'x^2 + 3*x*y - y^3/4', variables: ['x', 'y'], box: [[-2, 2], [-2, 2]] },
  { expr: '(1/2)*(1 - a*b)^2', oracle: '(1/2)*(1 - a*b)^2', variables: ['a', 'b'], box: [[-3, 3], [-3, 3]] },
  { expr: 'sin(x)*cos(y) + tan(x*y/4)', oracle: 'sin(x)*cos(y) + tan(x*y/4)', variables: ['x', 'y'], box: [[-1.5, 1.5], [-1.5, 1.5]] },
  { expr: 'exp(-x^2 - y^2) + log(1 + x^2)', oracle: 'exp(-x^2 - y^2) + log(1 + x^2)', variables: ['x', 'y'], box: [[-2, 2], [-2, 2]] },
  { expr: 'sqrt(x^2 + y^2 + 1)', oracle: 'sqrt(x^2 + y^2 + 1)', variables: ['x', 'y'], box: [[-3, 3], [-3, 3]] },
  // Implicit multiplication: 2x is 2*x.
  { expr: 'tanh(2x - y)', oracle: 'tanh(2*x - y)', variables: ['x', 'y'], box: [[-1.5, 1.5], [-1.5, 1.5]] },
  { expr: 'sigmoid(x*y)', oracle: '1/(1 + exp(-(x*y)))', variables: ['x', 'y'], box: [[-2, 2], [-2, 2]] },
  { expr: 'softplus(x - 2*y)', oracle: 'log(1 + exp(x - 2*y))', variables: ['x', 'y'], box: [[-2, 2], [-2, 2]] },
  { expr: 'log1p(x^2) + square(y - 1)', oracle: 'log(1 + x^2) + (y - 1)^2', variables: ['x', 'y'], box: [[-2, 2], [-2, 2]] },
  { expr: 'cosh(x/2) - sinh(y/3)', oracle: 'cosh(x/2) - sinh(y/3)', variables: ['x', 'y'], box: [[-3, 3], [-3, 3]] },
  // abs away from its kink: x in [0.5, 2] and y in [-2, -0.5].
  { expr: 'abs(x) * abs(y)^3', oracle: 'abs(x) * abs(y)^3', variables: ['x', 'y'], box: [[0.5, 2], [-2, -0.5]] },
  // A variable exponent, exp(y log x), for x > 0.
  { expr: 'x^y', oracle: 'x^y', variables: ['x', 'y'], box: [[0.5, 2], [-2, 2]] },
  // Constants, a constant base under a variable exponent, unary minus and plus; order of first appearance.
  { expr: '2^q + pi*e*p - -q + +p^2', oracle: '2^q + pi*e*p + q + p^2', variables: ['q', 'p'], box: [[-2, 2], [-2, 2]] },
  { expr: 'a*b*c + a^2/(1 + c^2)', oracle: 'a*b*c + a^2/(1 + c^2)', variables: ['a', 'b', 'c'], box: [[-2, 2], [-2, 2], [-2, 2]] },
];

/**
 * Tolerance: compiled and oracle evaluate the same smooth function by different float64 formulas
 * (e.g. tan as sin/cos, mathjs' simplified derivative trees). On these boxes every quantity is
 * O(1)–O(100) with condition numbers O(10), so their difference is a few hundred ulps at most;
 * 1e-11 relative to (1 + |oracle|) leaves margin yet fails on any wrong derivative rule.
 */
const RTOL = 1e-11;
const close = (actual: number, expected: number): boolean =>
  Math.abs(actual - expected) <= RTOL * (1 + Math.abs(expected));

const scopeOf = (names: string[], point: number[]): Record<string, number> =>
  Object.fromEntries(names.map((n, i) => [n, point[i] as number]));

const pointIn = (box: [number, number][]) =>
  fc.tuple(...box.map(([min, max]) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true })));

describe('compileLoss matches mathjs symbolic derivatives', () => {
  for (const c of cases) {
    it(`value, gradient and Hessian of ${c.expr} equal mathjs' at random points`, () => {
      const compiled = compileLoss(c.expr);
      expect(compiled.variables).toEqual(c.variables);
      const oracle = parse(c.oracle);
      const d1 = c.variables.map((v) => derivative(oracle, v));
      const d2 = d1.map((d) => c.variables.map((v) => derivative(d, v)));
      const g = grad(compiled.loss);
      fc.assert(
        fc.property(pointIn(c.box), (point) => {
          const scope = scopeOf(c.variables, point);
          const x = tensor(point);
          const value = compiled.loss(x);
          expect(value.shape).toEqual([]);
          const want = oracle.evaluate(scope) as number;
          if (!close(value.item(), want)) return false;
          const gradient = g(x);
          for (let i = 0; i < c.variables.length; i++) {
            if (!close(gradient.data[i] as number, d1[i]!.evaluate(scope) as number)) return false;
          }
          const h = hessian(compiled.loss, x);
          const m = c.variables.length;
          expect(h.shape).toEqual([m, m]);
          for (let i = 0; i < m; i++) {
            for (let j = 0; j < m; j++) {
              if (!close(h.data[i * m + j] as number, d2[i]![j]!.evaluate(scope) as number)) return false;
            }
          }
          return true;
        }),
        { numRuns: 20, seed: 4 },
      );
    });
  }

  it('third derivatives of compiled losses agree with finite differences (checkGrads order 3)', () => {
    for (const expr of ['sin(x)*cos(y) + tan(x*y/4)', 'x^y', 'cosh(x/2) - sinh(y/3)', 'sigmoid(x*y) + softplus(x - 2*y)']) {
      const { loss } = compileLoss(expr);
      expect(() => checkGrads(loss, tensor([0.7, 0.4]), { order: 3 })).not.toThrow();
    }
  });
});

describe('compileLoss variables', () => {
  it('orders free symbols by first appearance, reading left to right', () => {
    expect(compileLoss('b*a + c').variables).toEqual(['b', 'a', 'c']);
    expect(compileLoss('sin(z) + y^x').variables).toEqual(['z', 'y', 'x']);
    // pi and e are constants, function names are not variables.
    expect(compileLoss('pi*e*t + exp(t)').variables).toEqual(['t']);
  });

  it('uses the given variable order: entry i of the input is variables[i]', () => {
    const { loss, variables } = compileLoss('a - 2*b', ['b', 'a']);
    expect(variables).toEqual(['b', 'a']);
    expect(loss(tensor([10, 1])).item()).toBe(1 - 20);
  });

  it('allows a listed variable the expression does not use (gradient zero there)', () => {
    const { loss } = compileLoss('a^2', ['a', 'b']);
    expect(Array.from(grad(loss)(tensor([3, 5])).data)).toEqual([6, 0]);
  });

  it('a loss constant in every listed variable still differentiates (to zeros)', () => {
    const { loss } = compileLoss('3 + pi', ['a']);
    expect(loss(tensor([2])).item()).toBe(3 + Math.PI);
    expect(Array.from(grad(loss)(tensor([2])).data)).toEqual([0]);
  });

  it('reports the canonical text mathjs understood', () => {
    expect(compileLoss('2x+y').text).toBe('2 x + y');
  });

  it('never evaluates the text: names of mathjs functions outside the whitelist are errors', () => {
    // import / evaluate / createUnit are mathjs functions evaluate() would run.
    for (const expr of ['import(x)', 'evaluate(x)', 'createUnit(x)']) {
      expect(() => compileLoss(expr)).toThrow(/unknown function/);
    }
  });
});

/** Runs compileLoss expecting an ExpressionError and returns it. */
function failure(expr: string, variables?: string[]): ExpressionError {
  try {
    compileLoss(expr, variables);
  } catch (error) {
    expect(error).toBeInstanceOf(ExpressionError);
    return error as ExpressionError;
  }
  throw new Error(`compileLoss('${expr}') did not throw`);
}

describe('compileLoss error messages', () => {
  it('a parse error gives the 1-based position and a caret', () => {
    const e = failure('x^2 +');
    expect(e.kind).toBe('parse');
    expect(e.position).toBe(6);
    expect(e.message).toBe('cannot parse the expression at character 6: Unexpected end of expression\n  x^2 +\n       ^');
    const p = failure('sin(x');
    expect(p.message).toMatch(/^cannot parse the expression at character 6: Parenthesis \) expected/);
  });

  it('an empty expression', () => {
    expect(failure('  ').message).toBe('the expression is empty');
  });

  it('an unknown function is named, with the valid ones', () => {
    const e = failure('sin(x) + foo(y)');
    expect(e.kind).toBe('unknown-function');
    expect(e.message).toBe(
      "unknown function 'foo'; valid functions: sin, cos, tan, exp, log, log1p, sqrt, tanh, sigmoid, softplus, abs, square, cosh, sinh",
    );
    expect(failure('a.b(x)').message).toMatch(/^cannot call 'a.b': only the functions sin, cos/);
  });

  it('an unknown symbol under --vars is named, with the variables and constants', () => {
    const e = failure('a*b + c', ['a', 'b']);
    expect(e.kind).toBe('unknown-symbol');
    expect(e.message).toBe("unknown symbol 'c'; variables: a, b; constants: pi, e");
  });

  it('a function used without a call', () => {
    expect(failure('sin + x').message).toBe("'sin' is a function: call it with one argument, as sin(x)");
  });

  it('wrong number of arguments', () => {
    const e = failure('sin(x, y)');
    expect(e.kind).toBe('arity');
    expect(e.message).toBe("sin takes 1 argument, got 2 in 'sin(x, y)'");
  });

  it('non-scalar expressions', () => {
    const cases: [string, string][] = [
      ['[x, y]', "the loss must be a scalar expression, but '[x, y]' is a matrix or array literal"],
      ['x + [1, 2]', "the loss must be a scalar expression, but '[1, 2]' is a matrix or array literal"],
      ['1:3', "the loss must be a scalar expression, but '1:3' is a range"],
      ['x[1]', "the loss must be a scalar expression, but 'x[1]' is an index or property access"],
      ['x; y', "the loss must be a scalar expression, but 'x;\ny' is several expressions"],
    ];
    for (const [expr, message] of cases) {
      const e = failure(expr);
      expect(e.kind).toBe('not-scalar');
      expect(e.message).toBe(message);
    }
  });

  it('operators and constructs outside the whitelist', () => {
    expect(failure('x mod 2').message).toMatch(/^unsupported operator 'mod' in 'x mod 2'; valid operators: \+ - \* \/ \^ unary - unary \+; functions: sin, /);
    expect(failure('x!').message).toMatch(/^unsupported operator '!'/);
    expect(failure('x < y').message).toMatch(/^unsupported operator '<'/);
    expect(failure('x = 3').message).toMatch(/^'x = 3' is an assignment, which a loss cannot contain; valid operators/);
    expect(failure('f(x) = x^2').message).toMatch(/is a function definition/);
    expect(failure('x ? 1 : 2').message).toMatch(/is a conditional/);
  });

  it('non-numeric and non-finite constants', () => {
    expect(failure('x + "s"').message).toBe('the constant "s" is not a number');
    expect(failure('x + true').message).toBe('the constant true is not a number');
    expect(failure('x * 1e400').message).toBe('the constant Infinity is not a finite number');
    expect(failure('x + NaN').message).toBe('the constant NaN is not a finite number');
  });

  it('a constant base ≤ 0 under a variable exponent', () => {
    expect(failure('(-2)^x').message).toBe("'(-2) ^ x': an exponent that depends on a variable needs a positive base, got the constant -2");
  });

  it('no variable, and bad variable lists', () => {
    expect(failure('3 + pi').message).toMatch(/^the expression '3 \+ pi' has no variable to differentiate by/);
    expect(failure('a', ['a', 'a']).message).toBe("variable 'a' is listed twice");
    expect(failure('a', ['pi']).message).toBe("'pi' is a constant and cannot be a variable name");
    expect(failure('a', ['sin']).message).toBe("'sin' is a function and cannot be a variable name");
    expect(failure('a', ['1a']).message).toMatch(/^invalid variable name '1a'/);
  });

  it('a loss called with the wrong shape', () => {
    const { loss } = compileLoss('a*b');
    expect(() => loss(tensor([1, 2, 3]))).toThrow("the loss 'a * b' takes a vector of shape [2] (a, b), got shape [3]");
  });
});

describe('compileLoss on random expressions (fast-check)', () => {
  /**
   * Random trees over x, y, numbers, + - * and smooth functions, rendered twice: in our
   * vocabulary and in mathjs' (sigmoid, softplus and square spelled out). Functions are bounded
   * or composed only with bounded arguments so values stay O(1e3) on [-1, 1]².
   */
  type Pair = { ours: string; oracle: string };
  const leaf: fc.Arbitrary<Pair> = fc.oneof(
    fc.constantFrom('x', 'y').map((v) => ({ ours: v, oracle: v })),
    fc.integer({ min: -3, max: 3 }).map((k) => ({ ours: `(${k / 2})`, oracle: `(${k / 2})` })),
  );
  const unary: Record<string, (a: string) => string> = {
    sin: (a) => `sin(${a})`,
    cos: (a) => `cos(${a})`,
    tanh: (a) => `tanh(${a})`,
    sigmoid: (a) => `1/(1 + exp(-(${a})))`,
    square: (a) => `(${a})^2`,
  };
  const { tree } = fc.letrec<{ tree: Pair }>((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.tuple(fc.constantFrom(...Object.keys(unary)), tie('tree')).map(([f, a]) => ({
        ours: `${f}(${a.ours})`,
        oracle: unary[f]!(a.oracle),
      })),
      fc.tuple(fc.constantFrom('+', '-', '*'), tie('tree'), tie('tree')).map(([op, a, b]) => ({
        ours: `(${a.ours} ${op} ${b.ours})`,
        oracle: `(${a.oracle} ${op} ${b.oracle})`,
      })),
    ),
  }));

  it('value and gradient of a random smooth expression equal mathjs symbolic derivatives', () => {
    const unit = fc.double({ min: -1, max: 1, noNaN: true });
    fc.assert(
      fc.property(tree, unit, unit, ({ ours, oracle }, x, y) => {
        // Name both variables so that expressions using only one (or none) still compile.
        const { loss } = compileLoss(ours, ['x', 'y']);
        const node = parse(oracle);
        const scope = { x, y };
        const value = loss(tensor([x, y])).item();
        const g = grad(loss)(tensor([x, y]));
        // Same tolerance argument as above; these trees are shallow and their values O(1e2) at most.
        expect(close(value, node.evaluate(scope) as number)).toBe(true);
        expect(close(g.data[0]!, derivative(node, 'x').evaluate(scope) as number)).toBe(true);
        expect(close(g.data[1]!, derivative(node, 'y').evaluate(scope) as number)).toBe(true);
      }),
      { numRuns: 150, seed: 44 },
    );
  });
});

describe('compileLoss on long and deep input (the catalogue: RangeError stack traces once)', () => {
  it('a 3,000-term sum and a 3,000-term product chain compile, evaluate and differentiate', () => {
    const sum = compileLoss(Array(3000).fill('x').join('+'));
    expect(sum.loss(tensor([0.5])).item()).toBe(1500);
    expect(grad(sum.loss)(tensor([0.5])).data[0]).toBe(3000);
    const chain = compileLoss(Array(3000).fill('x').join('*'));
    expect(grad(chain.loss)(tensor([1])).data[0]).toBe(3000);
    // The second derivative too (nested traces over a 3,000-node chain).
    expect(hessian(sum.loss, tensor([0.5])).data[0]).toBe(0);
    expect(compileLoss(`${'-'.repeat(3001)}x`).loss(tensor([2])).item()).toBe(-2);
  });

  it('property: a flat chain gives the bits of the same operations folded left to right', () => {
    const term = fc.oneof(fc.constantFrom('x', 'y'), fc.integer({ min: 1, max: 9 }).map(String));
    const chain = (ops: string[]) => fc.array(fc.tuple(fc.constantFrom(...ops), term), { minLength: 1, maxLength: 40 });
    const value = (t: string, x: number, y: number): number => (t === 'x' ? x : t === 'y' ? y : Number(t));
    const apply: Record<string, (a: number, b: number) => number> = { '+': (a, b) => a + b, '-': (a, b) => a - b, '*': (a, b) => a * b, '/': (a, b) => a / b };
    const unit = fc.double({ min: 0.1, max: 3, noNaN: true });
    fc.assert(
      fc.property(term, fc.oneof(chain(['+', '-']), chain(['*', '/'])), unit, unit, (first, rest, x, y) => {
        const text = first + rest.map(([op, t]) => ` ${op} ${t}`).join('');
        const expected = rest.reduce((acc, [op, t]) => apply[op]!(acc, value(t, x, y)), value(first, x, y));
        return Object.is(compileLoss(text, ['x', 'y']).loss(tensor([x, y])).item(), expected);
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it('a tower a^b^c groups to the right, as mathjs and the old recursive compiler did', () => {
    const { loss } = compileLoss('x^y^2', ['x', 'y']);
    const [x, y] = [1.3, 0.7];
    expect(loss(tensor([x, y])).item()).toBe(Math.exp(y ** 2 * Math.log(x))); // x^(y^2), a variable exponent
    expect(compileLoss('x^2^3').loss(tensor([1.1])).item()).toBe(1.1 ** 8);
    expect(compileLoss('2^x^2').loss(tensor([1.5])).item()).toBe(Math.exp(1.5 ** 2 * Math.log(2)));
    expect(compileLoss(Array(64).fill('x').join('^')).loss(tensor([1])).item()).toBe(1); // 63 ^ operators: allowed
  });

  it('refused by name: longer than 20,000 characters, parentheses deeper than 64, a tower of more than 64', () => {
    expect(failure(`x${'+x'.repeat(10000)}`)).toMatchObject({ kind: 'too-large', message: expect.stringMatching(/^the expression is 20001 characters long; a loss may have at most 20000 characters and 64 levels of parentheses or of \^$/) });
    expect(failure(`${'('.repeat(65)}x${')'.repeat(65)}`)).toMatchObject({ kind: 'too-large', message: expect.stringMatching(/^the expression is nested 65 levels deep in parentheses/) });
    expect(compileLoss(`${'('.repeat(64)}x${')'.repeat(64)}`).variables).toEqual(['x']);
    expect(failure(`${'sin('.repeat(65)}x${')'.repeat(65)}`).kind).toBe('too-large');
    expect(failure(Array(66).fill('x').join('^')).message).toMatch(/^the expression is a tower of 65 \^ operators, each grouping to the right/);
    // Beyond what the recursive parser can hold: named, whatever the stack.
    expect(failure(Array(5000).fill('x').join('^')).kind).toBe('too-large');
  });

  it('a parse error deep in a long expression shows the text around the position, not all of it', () => {
    const text = `${Array(2000).fill('x').join('+')} + * x`;
    const e = failure(text);
    expect(e.position).toBe(4003); // the '*'
    const [, shown, mark] = e.message.split('\n');
    expect(shown!.length).toBeLessThan(130);
    expect(shown).toMatch(/^ {2}…x\+x\+.* \+ \* x$/);
    expect(mark!.indexOf('^')).toBe(shown!.lastIndexOf('*'));
  });
});

describe('compileLoss and JavaScript object property names', () => {
  it.each(['constructor', 'hasOwnProperty', '__proto__', 'toString', 'valueOf'])("'%s' is a variable, found as an own name only", (name) => {
    const c = compileLoss(`${name}^2 + 3*x`);
    expect(c.variables).toEqual([name, 'x']);
    expect(c.loss(tensor([2, 1])).item()).toBe(7);
    expect(Array.from(grad(c.loss)(tensor([2, 1])).data)).toEqual([4, 3]);
    expect(compileLoss(`${name}*y`, [name, 'y']).variables).toEqual([name, 'y']); // --vars
  });

  it("unknown names that are object properties are unknown symbols, not inherited values", () => {
    expect(failure('constructor + x', ['x']).message).toMatch(/^unknown symbol 'constructor'; variables: x; constants: pi, e$/);
    expect(failure('toString(x)').message).toMatch(/^unknown function 'toString'/);
  });
});
