/**
 * The closed-form modified equation of a one-dimensional polynomial loss (src/igr/polynomial.ts):
 * against exact rational arithmetic, against the B-series over trees (modifiedTerms), and against
 * an independent derivation for E = θ³/3 (the iterative logarithm of u ↦ u + u²).
 */
import { describe, expect, it } from 'vitest';
import { mul, sub, sum, type Tensor } from '../../src/autodiff/index.js';
import { IgrError, MAX_POLYNOMIAL_ORDER, modifiedTerms, polynomialModifiedEquation, polynomialModifiedTerms, polynomialValue } from '../../src/igr/index.js';

// ---- an exact oracle: the same recursion in BigInt rationals ---------------------------------

type Q = [bigint, bigint];
const gcd = (a: bigint, b: bigint): bigint => {
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  while (b) [a, b] = [b, a % b];
  return a;
};
const norm = ([p, q]: Q): Q => {
  if (q < 0n) [p, q] = [-p, -q];
  const g = gcd(p, q) || 1n;
  return [p / g, q / g];
};
const qadd = (a: Q, b: Q): Q => norm([a[0] * b[1] + b[0] * a[1], a[1] * b[1]]);
const qmul = (a: Q, b: Q): Q => norm([a[0] * b[0], a[1] * b[1]]);
const Z: Q = [0n, 1n];

/** f_1..f_order exactly: f_n = −Σ_{i≥2} S_i^{(n)}/i!, S_{i}^{(n)} = Σ_k (S_{i−1}^{(n−k)})′ f_k (HLW IX.1). */
function exactModified(field: Q[], order: number): Q[][] {
  const mulP = (a: Q[], b: Q[]): Q[] => {
    const r: Q[] = Array.from({ length: a.length + b.length - 1 }, () => Z);
    a.forEach((x, i) => b.forEach((y, j) => (r[i + j] = qadd(r[i + j]!, qmul(x, y)))));
    return r;
  };
  const der = (a: Q[]): Q[] => (a.length <= 1 ? [Z] : a.slice(1).map((x, i) => qmul(x, [BigInt(i + 1), 1n])));
  const f: Q[][] = [[], field];
  const S: Q[][][] = [[], [[], field]];
  let fact = 1n;
  const facts = [1n, 1n];
  for (let i = 2; i <= order; i++) facts.push((fact *= BigInt(i)));
  for (let n = 2; n <= order; n++) {
    const fn: Q[] = [Z];
    for (let i = 2; i <= n; i++) {
      let s: Q[] = [Z];
      for (let k = 1; k <= n - i + 1; k++) {
        const prev = S[i - 1]?.[n - k];
        if (!prev) continue;
        const t = mulP(der(prev), f[k]!);
        const len = Math.max(s.length, t.length);
        s = Array.from({ length: len }, (_, c) => qadd(s[c] ?? Z, t[c] ?? Z));
      }
      (S[i] ??= [])[n] = s;
      s.forEach((c, idx) => (fn[idx] = qadd(fn[idx] ?? Z, qmul(c, [-1n, facts[i]!]))));
    }
    f[n] = fn;
    S[1]![n] = fn;
  }
  return f.slice(1);
}

const toNumber = ([p, q]: Q): number => {
  // Exact enough: both parts are converted after scaling so that neither overflows a double.
  const shift = BigInt(Math.max(0, Math.max(p.toString(2).length, q.toString(2).length) - 1000));
  return Number(p >> shift) / Number(q >> shift);
};

/** Largest |a − b| / |b| over two coefficient lists (absolute where b = 0). */
function worstRelative(a: ArrayLike<number>, b: readonly number[]): number {
  let worst = 0;
  for (let k = 0; k < Math.max(a.length, b.length); k++) {
    const x = a[k] ?? 0;
    const y = b[k] ?? 0;
    worst = Math.max(worst, y === 0 ? Math.abs(x) : Math.abs(x - y) / Math.abs(y));
  }
  return worst;
}

describe('polynomialModifiedEquation: the Lie-series recursion in double-double arithmetic', () => {
  it('matches the exact rational recursion to order 25 for θ′ = θ² − 1 and θ′ = −θ² (every coefficient within 2 ulp)', () => {
    // Double-double carries ~32 digits; the recursion's cancellation (coefficients of f_25 up to
    // 1e9 against values near 1) costs at most ~12 of them, so rounding to float64 at the end
    // leaves the nearest double or its neighbour: relative error ≤ 2ε ≈ 4.4e-16.
    for (const field of [
      [-1, 0, 1],
      [0, 0, -1],
    ]) {
      const exact = exactModified(field.map((c) => [BigInt(c), 1n] as Q), 25);
      const fs = polynomialModifiedEquation(field, 25);
      fs.forEach((f, j) => expect(worstRelative(f, exact[j]!.map(toNumber)), `f_${j + 1} of ${field}`).toBeLessThanOrEqual(2 * Number.EPSILON));
    }
  });

  it('f_13(0) of θ′ = θ² − 1 is 199/30030 (the first accidentally small coefficient of the Riccati series)', () => {
    expect(polynomialModifiedEquation([-1, 0, 1], 13)[12]![0]).toBeCloseTo(199 / 30030, 17);
  });

  it('for E = θ³/3 it is the iterative logarithm of u ↦ u + u² (an independent recursion from Julia’s equation)', () => {
    // With w = −hθ gradient descent is w ↦ w + w², whose modified field G(w) = Σ a_n w^n solves
    // G(w + w²) = (1 + 2w) G(w): (m − 3) a_{m−1} = −Σ_{n=⌈m/2⌉}^{m−2} C(n, m−n) a_n, a_2 = 1;
    // then f_j(θ) = (−1)^j a_{j+1} θ^{j+1}.
    const N = 25;
    const a = new Array<number>(N + 2).fill(0);
    a[2] = 1;
    const C = (n: number, k: number): number => {
      let r = 1;
      for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
      return k < 0 || k > n ? 0 : r;
    };
    for (let m = 4; m <= N + 1; m++) {
      let s = 0;
      for (let n = Math.ceil(m / 2); n <= m - 2; n++) s += C(n, m - n) * a[n]!;
      a[m - 1] = -s / (m - 3);
    }
    const fs = polynomialModifiedEquation([0, 0, -1], N - 1);
    fs.forEach((f, idx) => {
      const j = idx + 1;
      expect(f.length).toBe(j + 2);
      // The Julia recursion runs in float64 with alternating sums: 1e-12 relative is its accuracy.
      expect(Math.abs(f[j + 1]! - (-1) ** j * a[j + 1]!) / Math.abs(a[j + 1]!)).toBeLessThan(1e-12);
      for (let k = 0; k <= j; k++) expect(f[k]).toBe(0);
    });
    expect(Array.from(fs[3]!)).toEqual([0, 0, 0, 0, 0, -8 / 3]);
  });

  it('matches the B-series over trees (modifiedTerms) to order 9 for E = θ − θ³/3 at four points', () => {
    // The tree sums round at every product and sum: ~1e-13 relative for order ≤ 9. (Order 9 has
    // 286 trees; the substitution law for order 10 alone takes seconds, too long for the suite.)
    const loss = (x: Tensor): Tensor => sum(sub(x, mul(1 / 3, mul(x, mul(x, x)))));
    const closed = polynomialModifiedTerms([0, 1, 0, -1 / 3]);
    const trees = modifiedTerms(loss, 9);
    for (const th of [0, -0.4, 0.3, 1.7]) {
      const a = closed(Float64Array.of(th), 9);
      const b = trees(Float64Array.of(th));
      a.forEach((v, j) => {
        const scale = Math.max(Math.abs(b[j]![0]!), 1e-300);
        // At θ = 0 the even-order terms vanish: compare them absolutely.
        if (b[j]![0] === 0 || Math.abs(b[j]![0]!) < 1e-15) expect(Math.abs(v[0]!)).toBeLessThan(1e-13);
        else expect(Math.abs(v[0]! - b[j]![0]!) / scale).toBeLessThan(1e-12);
      });
    }
  });

  it('polynomialValue is Horner’s rule', () => {
    expect(polynomialValue([1, -2, 3], 2)).toBe(1 - 4 + 12);
    expect(polynomialValue([], 5)).toBe(0);
  });
});

describe('polynomial closed form: bad input', () => {
  it('rejects an empty or non-finite field and an order outside 1..MAX_POLYNOMIAL_ORDER', () => {
    expect(() => polynomialModifiedEquation([], 3)).toThrow(IgrError);
    expect(() => polynomialModifiedEquation([], 3)).toThrow('polynomialModifiedEquation: the field needs at least one coefficient');
    expect(() => polynomialModifiedEquation([1, NaN], 3)).toThrow('coefficient 1 of the field is NaN, not a finite number');
    expect(() => polynomialModifiedEquation([1], 0)).toThrow(`order must be an integer in 1..${MAX_POLYNOMIAL_ORDER}, got 0`);
    expect(() => polynomialModifiedEquation([1], 2.5)).toThrow('got 2.5');
    expect(() => polynomialModifiedEquation([1], MAX_POLYNOMIAL_ORDER + 1)).toThrow(`got ${MAX_POLYNOMIAL_ORDER + 1}`);
  });

  it('polynomialModifiedTerms rejects a loss without a linear coefficient and a θ of the wrong length', () => {
    expect(() => polynomialModifiedTerms([1])).toThrow('polynomialModifiedTerms: the loss needs coefficients of θ^0 and θ^1 at least');
    const terms = polynomialModifiedTerms([0, 1]);
    expect(() => terms(Float64Array.of(1, 2), 2)).toThrow('polynomialModifiedTerms: θ must have one component (a one-dimensional loss), got 2');
  });
});
