/**
 * The dispatcher every primitive goes through, and the opt-in finite check.
 *
 * How nesting works: `bind` finds the innermost *active* trace among the arguments.
 * With none, the primitive's forward rule runs on the raw data and nothing is recorded
 * (so a first-order gradient's backward pass, which computes on plain tensors, records
 * nothing). Otherwise the arguments of that trace are unwrapped to their primals, the
 * same primitive is bound again one level down (recording at outer traces if those are
 * traced) and the result is wrapped in a tape node of the innermost trace. Tensors of
 * traces whose call has returned count as constants: together with the unique increasing
 * trace ids this prevents perturbation confusion.
 */
import { Tensor, type Primitive, type Trace } from './tensor.js';

/** A tensor's value seen from the current moment: traces that have finished are peeled off. */
export function lower(x: Tensor): Tensor {
  while (x.trace !== null && !x.trace.active) x = x.primal!;
  return x;
}

/** Applies a primitive; see the module comment. `inputs` is taken over (overwritten). */
export function bind<P>(prim: Primitive<P>, inputs: Tensor[], params: P): Tensor {
  let top: Trace | null = null;
  for (let i = 0; i < inputs.length; i++) {
    const x = lower(inputs[i]!);
    inputs[i] = x;
    const t = x.trace;
    if (t !== null && (top === null || t.id > top.id)) top = t;
  }
  if (top === null) {
    if (!finiteCheck) return prim.forward(inputs, params);
    for (let i = 0; i < inputs.length; i++) checkFinite(prim.name, inputs[i]!, `input ${i}`);
    const y = prim.forward(inputs, params);
    checkFinite(prim.name, y, 'result');
    return y;
  }
  const primals = new Array<Tensor>(inputs.length);
  for (let i = 0; i < inputs.length; i++) {
    const x = inputs[i]!;
    primals[i] = x.trace === top ? x.primal! : x;
  }
  const y = bind(prim, primals.slice(), params);
  return new Tensor(y.shape, y.data, y, top, { prim, inputs, primals, output: y, params });
}

/**
 * True when a derivative rule may compute `a` ⊙ ... in one raw loop instead of in
 * differentiable operations: no argument belongs to an active trace (so nothing would be
 * recorded anyway: the common first-order gradient) and the finite check is off (which
 * must see every primitive). When an outer differentiation is active the rule must stay
 * in differentiable operations so that higher derivatives remain exact.
 */
export function fusable(a: Tensor, b: Tensor): boolean {
  return !finiteCheck && lower(a).trace === null && lower(b).trace === null;
}

/**
 * The value of `x` as a plain constant: no derivative flows through it at any level
 * (shares the buffer; tensors are immutable).
 */
export function stopGradient(x: Tensor): Tensor {
  if (!(x instanceof Tensor)) throw new Error(`stopGradient: expected a Tensor, got ${typeof x}`);
  if (x.trace === null) return x;
  return new Tensor(x.shape, x.data);
}

// ---------------------------------------------------------------------------
// Finite check

let finiteCheck = false;
let backwardOf: string | null = null;

/** Thrown in finite-check mode where a NaN or an infinity first appears. */
export class NonFiniteError extends Error {
  override name = 'NonFiniteError';
}

/**
 * Turns the finite check on or off; returns the previous setting. When on, every
 * primitive checks its inputs and result and throws a {@link NonFiniteError} naming the
 * operation (and, in a backward pass, whose derivative rule was running). Off by default:
 * it costs one pass over every result.
 */
export function setFiniteCheck(on: boolean): boolean {
  const prev = finiteCheck;
  finiteCheck = on;
  return prev;
}

/** Runs `fn` with the finite check on, restoring the previous setting afterwards. */
export function withFiniteCheck<T>(fn: () => T): T {
  const prev = setFiniteCheck(true);
  try {
    return fn();
  } finally {
    setFiniteCheck(prev);
  }
}

/** Used by the backward pass: notes whose derivative rule runs (for finite-check messages); returns the previous note for {@link exitRule}. */
export function enterRule(op: string): string | null {
  const prev = backwardOf;
  backwardOf = op;
  return prev;
}

/** Restores the note saved by {@link enterRule}. */
export function exitRule(prev: string | null): void {
  backwardOf = prev;
}

function checkFinite(op: string, x: Tensor, what: string): void {
  const d = x.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (v - v !== 0) {
      const where = backwardOf === null ? 'forward pass' : `backward pass (derivative rule of ${backwardOf})`;
      const kind = what === 'result' ? `produced ${v}` : `received ${v} in its ${what}`;
      throw new NonFiniteError(
        `finite check: ${op} ${kind} at flat index ${i} of shape [${x.shape.join(', ')}], in the ${where}`,
      );
    }
  }
}
