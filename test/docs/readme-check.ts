/**
 * The convention by which README.md's TypeScript blocks state their results, and its checker.
 *
 * A line of a ```ts block that is an expression statement and ends in a comment with an arrow,
 *
 *     grad(f)(x);        // ∇f = [2 x0 x1, x0² + cos x1]       → [4, 0.5838531634528576]
 *
 * asserts that the expression's value is what follows the last `→` (text after the value is
 * prose and ignored). The value is a literal: numbers, `true`/`false`/`null`, quoted strings,
 * `[…]` arrays and `{ key: value, … }` objects, where a trailing `…` entry means "and other keys,
 * not checked". A number written with d significant digits matches a value that rounds to it at
 * d significant digits, so `0.5838531634528576` is exact and `2.998` means [2.9975, 2.9985).
 * A Tensor compares by its nested values, a Float64Array as an array. An arrow on a line that is
 * not an expression statement is an error (the test says so), so no stated result goes unchecked.
 */

export type Stated =
  | { kind: 'number'; value: number; digits: number; text: string }
  | { kind: 'literal'; value: boolean | null | string }
  | { kind: 'array'; items: Stated[] }
  | { kind: 'object'; entries: [string, Stated][]; partial: boolean };

/** Parses the value at the start of `text` (after the arrow); the rest of the text is ignored. */
export function parseStated(text: string): Stated {
  let pos = 0;
  const fail = (what: string): never => {
    throw new Error(`cannot read the stated value '${text.trim()}': ${what} at character ${pos + 1}`);
  };
  const space = (): void => {
    while (pos < text.length && /\s/.test(text[pos]!)) pos++;
  };
  const value = (): Stated => {
    space();
    const rest = text.slice(pos);
    const num = /^-?(?:Infinity|NaN|\d+(?:\.\d+)?(?:e[+-]?\d+)?)/.exec(rest);
    if (num) {
      pos += num[0].length;
      const mantissa = num[0].replace(/^-/, '').replace(/e.*$/, '').replace('.', '').replace(/^0+/, '');
      return { kind: 'number', value: Number(num[0]), digits: Math.max(1, mantissa.length), text: num[0] };
    }
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (rest.startsWith(word)) {
        pos += word.length;
        return { kind: 'literal', value: v };
      }
    }
    const str = /^(['"])((?:\\.|(?!\1).)*)\1/.exec(rest);
    if (str) {
      pos += str[0].length;
      return { kind: 'literal', value: str[2]!.replace(/\\(.)/g, '$1') };
    }
    if (rest.startsWith('[')) {
      pos++;
      const items: Stated[] = [];
      space();
      if (text[pos] === ']') {
        pos++;
        return { kind: 'array', items };
      }
      for (;;) {
        items.push(value());
        space();
        if (text[pos] === ',') pos++;
        else if (text[pos] === ']') {
          pos++;
          return { kind: 'array', items };
        } else fail("expected ',' or ']'");
      }
    }
    if (rest.startsWith('{')) {
      pos++;
      const entries: [string, Stated][] = [];
      let partial = false;
      for (;;) {
        space();
        if (text[pos] === '}') {
          pos++;
          return { kind: 'object', entries, partial };
        }
        if (text[pos] === '…') {
          pos++;
          partial = true;
          continue;
        }
        const key = /^(?:[A-Za-z_$][\w$]*|\d+|'[^']*'|"[^"]*")/.exec(text.slice(pos));
        if (!key) fail('expected a key');
        pos += key![0].length;
        space();
        if (text[pos] !== ':') fail("expected ':'");
        pos++;
        entries.push([key![0].replace(/^['"]|['"]$/g, ''), value()]);
        space();
        if (text[pos] === ',') pos++;
        else if (text[pos] !== '}') fail("expected ',' or '}'");
      }
    }
    return fail('expected a number, true, false, null, a string, [ or {');
  };
  return value();
}

/** The value as the README writes it: Tensors as nested arrays, typed arrays as arrays. */
function plain(actual: unknown): unknown {
  if (actual !== null && typeof actual === 'object') {
    const nested = (actual as { toNested?: () => unknown }).toNested;
    if (typeof nested === 'function') return nested.call(actual);
    if (ArrayBuffer.isView(actual)) return Array.from(actual as unknown as ArrayLike<number>);
  }
  return actual;
}

/** Why `actual` does not match `stated`, or null when it does. `where` names the position. */
export function mismatch(stated: Stated, raw: unknown, where = 'value'): string | null {
  const actual = plain(raw);
  switch (stated.kind) {
    case 'number': {
      if (typeof actual !== 'number') return `${where}: expected the number ${stated.text}, got ${describe(actual)}`;
      if (Number.isNaN(stated.value) ? Number.isNaN(actual) : stated.digits >= 15 || !Number.isFinite(stated.value) ? actual === stated.value : Number(actual.toPrecision(stated.digits)) === stated.value) return null;
      return `${where}: expected ${stated.text} (to ${stated.digits} significant digits), got ${actual}`;
    }
    case 'literal':
      return actual === stated.value ? null : `${where}: expected ${JSON.stringify(stated.value)}, got ${describe(actual)}`;
    case 'array': {
      if (!Array.isArray(actual)) return `${where}: expected an array of ${stated.items.length}, got ${describe(actual)}`;
      if (actual.length !== stated.items.length) return `${where}: expected ${stated.items.length} entries, got ${actual.length}: ${describe(actual)}`;
      for (let i = 0; i < actual.length; i++) {
        const m = mismatch(stated.items[i]!, actual[i], `${where}[${i}]`);
        if (m) return m;
      }
      return null;
    }
    case 'object': {
      if (actual === null || typeof actual !== 'object') return `${where}: expected an object, got ${describe(actual)}`;
      const record = actual as Record<string, unknown>;
      for (const [key, v] of stated.entries) {
        if (!(key in record)) return `${where}: expected a key '${key}', got keys ${Object.keys(record).join(', ')}`;
        const m = mismatch(v, record[key], `${where}.${key}`);
        if (m) return m;
      }
      if (!stated.partial) {
        const extra = Object.keys(record).filter((k) => !stated.entries.some(([s]) => s === k));
        if (extra.length) return `${where}: unexpected keys ${extra.join(', ')} (end the stated object with … to leave keys unchecked)`;
      }
      return null;
    }
  }
}

function describe(v: unknown): string {
  try {
    return JSON.stringify(plain(v), (_k, x: unknown) => (ArrayBuffer.isView(x) ? Array.from(x as unknown as ArrayLike<number>) : x)) ?? String(v);
  } catch {
    return String(v);
  }
}

/** One stated result, checked when the block runs; the test collects the failures. */
export interface CheckResult {
  line: number;
  expression: string;
  stated: string;
  failure: string | null;
}

export const results: CheckResult[] = [];

/** Called in place of `EXPR;` by the generated module of a README block. */
export function check(line: number, expression: string, statedText: string, value: unknown): void {
  let failure: string | null;
  try {
    failure = mismatch(parseStated(statedText), value);
  } catch (error) {
    failure = (error as Error).message;
  }
  results.push({ line, expression, stated: statedText.trim(), failure });
}
