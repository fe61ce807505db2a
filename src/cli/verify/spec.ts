/**
 * A verification of `igr verify` as plain data, so that a worker thread can rebuild it: the loss
 * (a built-in problem by name, a `--loss` expression with its variables, recompiled where it is
 * needed, or a model configuration of `igr verify --model`, built once per thread), the start point, the
 * ladder, the orders and the optimiser. {@link prepareSpec} turns it into the core's prepared
 * verification (src/igr: validation, the (h, order) jobs, the finish), the same in every thread,
 * so a job measured on a worker is bit for bit the job measured here.
 */
import type { ScalarFn } from '../../autodiff/index.js';
import type { ModelConfig } from './model.js';
import { findProblem, prepareBackwardError, type PreparedVerification, type VerificationReport } from '../../igr/index.js';
import { findSgdProblem, findTableau, prepareMomentum, prepareRungeKutta, prepareSgd } from '../../igr/optimizers/index.js';

/** Where the loss comes from. */
export type LossSpec =
  /** A built-in verification problem (src/igr/problems.ts). */
  | { kind: 'problem'; name: string }
  /** A loss typed as text (`--loss EXPR`, variables in `--vars` order), compiled by src/expression. */
  | { kind: 'expression'; text: string; variables?: string[] }
  /** `igr verify --model`: a network and its data, described by `igr train`'s options (./model.ts); built once per thread. */
  | { kind: 'model'; config: ModelConfig };

/** Settings every verification has. */
interface Common {
  /** Shown in progress lines and messages. */
  name: string;
  hs: number[];
  tolerance?: number;
  referenceFactor?: number;
}

/** One verification of `igr verify`, any optimiser. */
export type VerificationSpec =
  | (Common & { optimizer: 'gd'; loss: LossSpec; theta0: number[]; T: number; orders: number[] })
  | (Common & { optimizer: 'rk'; tableau: string; loss: LossSpec; theta0: number[]; T: number; orders: number[] })
  | (Common & { optimizer: 'momentum'; beta: number; shiftedStart: boolean; loss: LossSpec; theta0: number[]; T: number })
  | (Common & { optimizer: 'sgd'; problem: string; batches: number; epochs?: number });

/** The loss a spec names. Expressions load mathjs on first use only (built-in problems never do). */
export async function resolveLoss(spec: LossSpec): Promise<ScalarFn> {
  switch (spec.kind) {
    case 'problem':
      return findProblem(spec.name).loss;
    case 'expression': {
      const { compileLoss } = await import('../../expression/index.js');
      return compileLoss(spec.text, spec.variables).loss;
    }
    case 'model': {
      const { modelLoss } = await import('./model.js');
      return (await modelLoss(spec.config)).loss;
    }
  }
}

/** The core's prepared verification of a spec (input checked there: bad input throws IgrError). */
export async function prepareSpec(spec: VerificationSpec): Promise<PreparedVerification<VerificationReport>> {
  const options = {
    hs: spec.hs,
    name: spec.name,
    ...(spec.tolerance !== undefined && { tolerance: spec.tolerance }),
    ...(spec.referenceFactor !== undefined && { referenceFactor: spec.referenceFactor }),
  };
  switch (spec.optimizer) {
    case 'gd':
      return prepareBackwardError(await resolveLoss(spec.loss), spec.theta0, { ...options, T: spec.T, orders: spec.orders });
    case 'rk':
      return prepareRungeKutta(await resolveLoss(spec.loss), spec.theta0, { ...options, T: spec.T, orders: spec.orders, method: findTableau(spec.tableau) });
    case 'momentum':
      return prepareMomentum(await resolveLoss(spec.loss), spec.theta0, { ...options, T: spec.T, beta: spec.beta, shiftedStart: spec.shiftedStart });
    case 'sgd':
      return prepareSgd(findSgdProblem(spec.problem), { ...options, batches: spec.batches, ...(spec.epochs !== undefined && { epochs: spec.epochs }) });
  }
}
