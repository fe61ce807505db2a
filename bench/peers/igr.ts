/**
 * igr on the benchmark problems: the loss as a function of the flat parameter
 * vector, written with the autodiff's public operations exactly as the nn
 * layer lays parameters out (W [out, in] row-major, then b; tanh after all but
 * the last layer). Float64 throughout. The gradient is `valueAndGrad`, the
 * HVP igr's own `hvp` (whichever mode the autodiff chose for it).
 */
import * as ad from '../../src/autodiff/index.js';
import type { Tensor } from '../../src/autodiff/index.js';
import type { PreparedProblem } from './peer.js';
import type { Instance } from './problems.js';

/** The operations the loss uses; swapped for counting wrappers to count recorded operations. */
const OPS = ['slice', 'reshape', 'transpose', 'matmul', 'add', 'tanh', 'sub', 'square', 'mean', 'softmaxCrossEntropy'] as const;
type Ops = Pick<typeof ad, (typeof OPS)[number]>;

function makeLoss(inst: Instance, op: Ops): (theta: Tensor) => Tensor {
  const n = inst.spec.n;
  const d = inst.spec.sizes[0]!;
  const k = inst.spec.sizes[inst.spec.sizes.length - 1]!;
  const X = ad.tensor(inst.x, [n, d]);
  const Y = inst.spec.loss === 'mse' ? ad.tensor(inst.y, [n, k]) : null;
  const labels = Array.from(inst.labels);
  return (theta) => {
    let a = X;
    let z = X;
    inst.layers.forEach((s, l) => {
      const W = op.reshape(op.slice(theta, s.wOffset, s.wOffset + s.fanIn * s.fanOut), [s.fanOut, s.fanIn]);
      const b = op.slice(theta, s.bOffset, s.bOffset + s.fanOut);
      z = op.add(op.matmul(a, op.transpose(W)), b);
      if (l + 1 < inst.layers.length) a = op.tanh(z);
    });
    return Y ? op.mean(op.square(op.sub(z, Y))) : op.softmaxCrossEntropy(z, labels);
  };
}

/** igr's loss on an instance, for use outside the harness (profiling, heap checks). */
export function igrLoss(inst: Instance): (theta: Tensor) => Tensor {
  return makeLoss(inst, ad);
}

/** Operations the loss performs per forward pass (each one a tape node when traced). */
export function countLossOps(inst: Instance): number {
  let count = 0;
  const counting = {} as Record<string, unknown>;
  for (const name of OPS) {
    const f = ad[name] as (...args: unknown[]) => unknown;
    counting[name] = (...args: unknown[]) => {
      count++;
      return f(...args);
    };
  }
  makeLoss(inst, counting as unknown as Ops)(ad.tensor(inst.theta));
  return count;
}

export function prepareIgr(inst: Instance): PreparedProblem {
  const loss = igrLoss(inst);
  const theta = ad.tensor(inst.theta);
  const v = ad.tensor(inst.v);
  const gradFn = ad.grad(loss);
  return {
    loss: () => loss(theta).item(),
    grad: () => gradFn(theta).data,
    hvp: () => ad.hvp(loss, theta, v).data,
    opsPerLoss: countLossOps(inst),
    dispose: () => {},
  };
}
