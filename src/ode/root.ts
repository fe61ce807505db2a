/**
 * x^(1/q) and x^(−1/q) from + − × ÷ alone, for the step-size controller of the adaptive
 * solvers. `Math.pow` is not the same function in every JavaScript engine (V8 in Node 20 and in
 * a current Chromium disagree in the last bit for about 10% of arguments), and the controller's
 * factor err^(−1/q) decides every step size, so with it an adaptive solve — and everything
 * measured against one — differs between Node and a browser. Basic arithmetic is IEEE-exact
 * everywhere, so this root is the same bits in every engine.
 */

const view = new DataView(new ArrayBuffer(8));

/** The binary exponent e of a positive finite x = m · 2^e, m in [1, 2). */
function exponentOf(x: number): number {
  view.setFloat64(0, x);
  const biased = (view.getUint32(0) >>> 20) & 0x7ff;
  if (biased === 0) return exponentOf(x * 18446744073709551616) - 64; // subnormal: scale by 2^64 (exact)
  return biased - 1023;
}

/** 2^k exactly, for an integer k in −1022..1023 (built from its bits, not by pow). */
function powerOfTwo(k: number): number {
  view.setUint32(0, (k + 1023) << 20);
  view.setUint32(4, 0);
  return view.getFloat64(0);
}

/** y · 2^k for any integer k, in steps that stay in range (each multiplication by a power of two is exact). */
function scaleByPowerOfTwo(y: number, k: number): number {
  while (k > 1000) {
    y *= powerOfTwo(1000);
    k -= 1000;
  }
  while (k < -1000) {
    y *= powerOfTwo(-1000);
    k += 1000;
  }
  return y * powerOfTwo(k);
}

/**
 * x^(−1/q) for x > 0 and an integer q ≥ 1, within a few ulp of the true value, from IEEE-exact
 * arithmetic only. 0 gives Infinity, Infinity gives 0, NaN (and a negative x) NaN.
 *
 * With x = m · 2^e (m in [1, 2)) and e = q k + r (0 ≤ r < q), x^(−1/q) = z^(−1/q) · 2^(−k) for
 * z = m · 2^r in [1, 2^q): the root of the reduced z lies in (1/2, 1]. Newton's method for
 * y^(−q) = z, y ← y (1 + (1 − z y^q)/q), starts at y₀ = 1/2, below the root: from below the
 * iteration rises monotonically (r ↦ r (1 + (1 − r^q)/q) maps (0, 1] into itself and increases),
 * so it cannot overshoot, and it stops when y stops rising.
 */
export function inverseRoot(x: number, q: number): number {
  if (Number.isNaN(x) || x < 0) return NaN;
  if (x === 0) return Infinity;
  if (x === Infinity) return 0;
  const e = exponentOf(x);
  const k = Math.floor(e / q);
  const z = scaleByPowerOfTwo(x, -q * k); // m · 2^r, exact
  let y = 0.5;
  for (let i = 0; i < 200; i++) {
    let yq = y;
    for (let j = 1; j < q; j++) yq *= y;
    const next = y + (y * (1 - z * yq)) / q;
    if (!(next > y)) break;
    y = next;
  }
  return scaleByPowerOfTwo(y, -k);
}

/** x^(1/q) for x ≥ 0 (see {@link inverseRoot}). */
export function root(x: number, q: number): number {
  return x === 0 ? 0 : 1 / inverseRoot(x, q);
}
