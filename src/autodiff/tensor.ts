/**
 * The tensor: a row-major Float64Array with a shape. A *traced* tensor additionally
 * carries the trace (one running differentiation) it belongs to, its primal (the same
 * value one differentiation level down) and the tape node that produced it.
 *
 * Tensors are immutable: no operation ever writes into `data` after creation, which is
 * why reshapes and traced tensors share their buffer with their input or primal.
 */

/** A tensor shape: one non-negative integer per axis; `[]` is a scalar. */
export type Shape = readonly number[];

/** A value accepted where a tensor is expected: numbers become scalar constants. */
export type TensorLike = Tensor | number;

/**
 * One running differentiation (a call of `grad`, `vjp`, ...). Ids increase, so among
 * the traces active at a moment the innermost has the largest id. A trace is active
 * only while its call runs; afterwards its tensors count as constants (their primal).
 */
export class Trace {
  private static counter = 0;
  readonly id: number;
  active = true;
  constructor() {
    this.id = ++Trace.counter;
  }
}

/** The derivative rule of a primitive: cotangents of its inputs from the cotangent `g` of its output. */
export type Rule<P> = (
  g: Tensor,
  inputs: readonly Tensor[],
  output: Tensor,
  params: P,
  needs: readonly boolean[],
) => readonly (Tensor | null)[];

/** A primitive operation: forward rule on plain tensors and derivative rule, side by side. */
export interface Primitive<P> {
  readonly name: string;
  /** Computes the result from plain (untraced) inputs. */
  forward(inputs: readonly Tensor[], params: P): Tensor;
  /**
   * Vector-Jacobian product, written in the public differentiable operations so that it
   * records itself whenever an outer differentiation is active (that is how derivatives nest).
   * `inputs` and `output` are one level below the trace being differentiated.
   */
  readonly rule: Rule<P>;
  /**
   * Optional first-order shortcut for a one-input primitive whose cotangent is mostly
   * zeros (slicing: the rule pads `g` with zeros to the input's shape). Adds the rule's
   * result into `acc` (a plain buffer of the input's shape, owned by the backward pass)
   * in place, touching only the nonzero part. Used only when nothing is traced and the
   * finite check is off; otherwise the backward pass calls {@link rule}.
   */
  readonly accumulate?: (acc: Float64Array, g: Tensor, inputs: readonly Tensor[], params: P) => void;
  /**
   * Optional differentiable counterpart of {@link accumulate}, for passes that record
   * themselves: `prev + rule(g)` as one primitive (for slicing: one full-length array
   * instead of a zero-padded one plus a sum). Its value equals `add(prev, rule(g))`.
   */
  readonly addInto?: (prev: Tensor, g: Tensor, inputs: readonly Tensor[], params: P) => Tensor;
}

/** The record of one primitive application on the tape of a trace. */
export interface TapeNode {
  readonly prim: Primitive<any>;
  /** The arguments as passed (those belonging to the trace receive cotangents). */
  readonly inputs: readonly Tensor[];
  /** The arguments one level down: what the rule computes with. */
  readonly primals: readonly Tensor[];
  /** The result one level down. */
  readonly output: Tensor;
  readonly params: unknown;
}

let sequence = 0;

/** A float64 row-major array with a shape; see the module comment. */
export class Tensor {
  readonly shape: Shape;
  readonly data: Float64Array;
  readonly size: number;
  /** For a traced tensor, the same value one level down; `null` for a plain tensor. */
  readonly primal: Tensor | null;
  /** The differentiation this tensor belongs to; `null` for a plain tensor (a constant). */
  readonly trace: Trace | null;
  /** The tape node that produced this tensor (`null` for plain tensors and for the input of a trace). */
  readonly node: TapeNode | null;
  /** Creation order: a topological order of every tape. */
  readonly seq: number;
  /** @internal The id of the last backward pass that visited this tensor (cheaper than a Set). */
  visit = 0;
  /** @internal The cotangent accumulated by backward pass `cotPass` (cheaper than a Map). */
  cot: Tensor | null = null;
  /** @internal */
  cotPass = 0;
  /** @internal True when `cot`'s buffer was allocated by the backward pass itself, so it may be added to in place. */
  cotOwned = false;

  /** Low level: wraps `data` without copying. Use {@link tensor} to build tensors from values. */
  constructor(
    shape: Shape,
    data: Float64Array,
    primal: Tensor | null = null,
    trace: Trace | null = null,
    node: TapeNode | null = null,
  ) {
    this.shape = shape;
    this.data = data;
    this.size = data.length;
    this.primal = primal;
    this.trace = trace;
    this.node = node;
    this.seq = ++sequence;
  }

  /** Number of axes. */
  get ndim(): number {
    return this.shape.length;
  }

  /** The value of a tensor with exactly one element. */
  item(): number {
    if (this.size !== 1) {
      throw new Error(`item: expected a tensor with one element, got shape [${this.shape.join(', ')}]`);
    }
    return this.data[0]!;
  }

  /** A copy of the values as a plain flat array. */
  toArray(): number[] {
    return Array.from(this.data);
  }

  /** The values as nested arrays following the shape (a number for a scalar). */
  toNested(): unknown {
    const build = (axis: number, offset: number): unknown => {
      if (axis === this.shape.length) return this.data[offset];
      const n = this.shape[axis]!;
      let stride = 1;
      for (let a = axis + 1; a < this.shape.length; a++) stride *= this.shape[a]!;
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) out.push(build(axis + 1, offset + i * stride));
      return out;
    };
    return build(0, 0);
  }

  /**
   * Shape and values, e.g. `Tensor(shape=[2], [4, 0.5838531634528576])`: every value in full
   * (shortest round-trip form, NaN and Infinity as such), except that an axis longer than
   * {@link SHOWN_PER_AXIS}·2 of a tensor with more than {@link SHOWN_IN_FULL} elements shows its first
   * and last values around `…`. A tensor being differentiated says `traced`.
   */
  toString(): string {
    const summarize = this.size > SHOWN_IN_FULL;
    const strides = this.shape.map((_, a) => this.shape.slice(a + 1).reduce((p, d) => p * d, 1));
    const build = (axis: number, offset: number): string => {
      if (axis === this.shape.length) return Object.is(this.data[offset], -0) ? '-0' : String(this.data[offset]);
      const n = this.shape[axis]!;
      const items = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => build(axis + 1, offset + (from + i) * strides[axis]!));
      const parts = summarize && n > 2 * SHOWN_PER_AXIS ? [...items(0, SHOWN_PER_AXIS), '…', ...items(n - SHOWN_PER_AXIS, n)] : items(0, n);
      return `[${parts.join(', ')}]`;
    };
    return `Tensor(shape=[${this.shape.join(', ')}], ${build(0, 0)}${this.trace === null ? '' : ', traced'})`;
  }

  /** What `console.log(t)` and `util.inspect(t)` show in Node: {@link toString} (no `node:` import needed for the key). */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** Tensors up to this many elements print every value. */
const SHOWN_IN_FULL = 1000;
/** Larger ones print this many values at each end of a long axis. */
const SHOWN_PER_AXIS = 3;

/** Product of the dimensions. */
export function shapeSize(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** `[2, 3]` as text, for error messages. */
export function fmtShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** True when both shapes have the same dimensions. */
export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Throws unless every dimension is a non-negative integer. */
export function checkShape(op: string, shape: Shape): void {
  if (!Array.isArray(shape)) throw new Error(`${op}: shape must be an array of dimensions, got ${String(shape)}`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new Error(`${op}: invalid shape ${fmtShape(shape)}: dimensions must be non-negative integers`);
    }
  }
}

/** Nested number arrays of any depth. */
export type NestedArray = number | readonly NestedArray[];

function inferShape(values: NestedArray): number[] {
  const shape: number[] = [];
  let v: NestedArray = values;
  while (Array.isArray(v)) {
    shape.push(v.length);
    if (v.length === 0) break;
    v = v[0] as NestedArray;
  }
  return shape;
}

function flattenInto(values: NestedArray, shape: number[], axis: number, out: number[]): void {
  if (axis === shape.length) {
    if (typeof values !== 'number') throw new Error(`tensor: ragged nested array: expected a number at depth ${axis}`);
    out.push(values);
    return;
  }
  if (!Array.isArray(values) || values.length !== shape[axis]) {
    throw new Error(`tensor: ragged nested array: expected length ${shape[axis]} at depth ${axis}, inferred shape ${fmtShape(shape)}`);
  }
  for (const v of values as readonly NestedArray[]) flattenInto(v, shape, axis + 1, out);
}

/**
 * A new plain tensor holding a copy of `values`: a number (shape `[]`), a flat array-like
 * (shape `[n]`, or `shape` if given) or nested arrays (shape inferred).
 */
export function tensor(values: number | ArrayLike<number> | NestedArray, shape?: Shape): Tensor {
  let flat: Float64Array;
  let inferred: number[];
  if (typeof values === 'number') {
    flat = Float64Array.of(values);
    inferred = [];
  } else if (Array.isArray(values) && values.length > 0 && Array.isArray(values[0])) {
    inferred = inferShape(values as NestedArray);
    const out: number[] = [];
    flattenInto(values as NestedArray, inferred, 0, out);
    flat = Float64Array.from(out);
  } else if (values !== null && typeof values === 'object' && typeof (values as ArrayLike<number>).length === 'number') {
    flat = Float64Array.from(values as ArrayLike<number>);
    inferred = [flat.length];
  } else {
    throw new Error(`tensor: expected a number, an array-like of numbers or nested arrays, got ${typeof values}`);
  }
  if (shape === undefined) return new Tensor(inferred, flat);
  checkShape('tensor', shape);
  if (shapeSize(shape) !== flat.length) {
    throw new Error(`tensor: ${flat.length} values do not fill shape ${fmtShape(shape)} (${shapeSize(shape)} elements)`);
  }
  return new Tensor(shape.slice(), flat);
}

/** A plain tensor of shape `[]`. */
export function scalar(v: number): Tensor {
  return new Tensor([], Float64Array.of(v));
}

/** A plain tensor of the given shape filled with `value`. */
export function full(shape: Shape, value: number): Tensor {
  checkShape('full', shape);
  const data = new Float64Array(shapeSize(shape));
  if (value !== 0) data.fill(value);
  return new Tensor(shape.slice(), data);
}

/** A plain tensor of zeros. */
export function zeros(shape: Shape): Tensor {
  return full(shape, 0);
}

/** A plain tensor of ones. */
export function ones(shape: Shape): Tensor {
  return full(shape, 1);
}

/** The `n × n` identity matrix. */
export function eye(n: number): Tensor {
  const t = zeros([n, n]);
  for (let i = 0; i < n; i++) t.data[i * n + i] = 1;
  return t;
}

/** `x` if it is a tensor, else a scalar constant. */
export function asTensor(x: TensorLike, op = 'operation'): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x === 'number') return scalar(x);
  throw new Error(`${op}: expected a Tensor or a number, got ${x === null ? 'null' : typeof x}`);
}
