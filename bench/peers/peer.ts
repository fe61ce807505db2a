/**
 * What the harness asks of every library: on one generated instance, the loss,
 * the gradient and (where the library can) a Hessian-vector product, each
 * computed from the flat parameter vector and read back into JavaScript so
 * that lazy or asynchronous libraries are timed for finished work.
 */
import type { Instance } from './problems.js';

export interface PreparedProblem {
  /** E(θ). */
  loss(): number;
  /** ∇E(θ), read back. */
  grad(): ArrayLike<number>;
  /** H(θ) v, read back; absent when the library cannot compute it (see hvpError). */
  hvp?: () => ArrayLike<number>;
  /** Why there is no HVP: the library's own error message, verbatim. */
  hvpError?: string;
  /** Operations recorded per forward pass, where the library says (for per-op overhead). */
  opsPerLoss?: number;
  /** Free library-side memory. */
  dispose(): void;
}

export interface Peer {
  /** Short name used in the table, e.g. 'tfjs-cpu'. */
  readonly name: string;
  /** Package and version, e.g. '@tensorflow/tfjs-core 4.22.0'. */
  readonly version: string;
  readonly precision: 'float32' | 'float64';
  /** How it was run (backend, threads, jit), for the report. */
  readonly how: string;
  prepare(inst: Instance): PreparedProblem;
  /** A call that multiplies two n x n matrices (given row-major) and reads the product back. */
  matmul?(n: number, a: Float64Array, b: Float64Array): () => unknown;
}

/** A library that could not be run here, and exactly why. */
export interface PeerUnavailable {
  readonly name: string;
  readonly version: string;
  readonly error: string;
}

/** The message of a thrown value, first line only (stack traces stay out of tables). */
export function messageOf(e: unknown): string {
  const m = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return m.split('\n')[0]!;
}
