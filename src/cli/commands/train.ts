/**
 * `igr train`: one training run of the paper's experiments, reported for a
 * person (default) or as one JSON line (`--json`, a {@link SweepRecord}).
 */
import { checkReportDir, parseOptions } from '../args.js';
import type { Command, CliIO } from '../command.js';
import { formatFixed, formatScientific, toJsonLine } from '../format.js';
import { checkMemory, configFromOptions, endCurvatureFromOptions, maxMemory, maxMemorySpec, runOptionSpecs, runOptionsHelp, traceSamplesSpec } from '../sweep/options.js';
import { runExperiment } from '../../node/experiments.js';
import { dataTask, isImageData, modelSizes } from '../../igr/experiments/config.js';
import type { RunConfig, SweepRecord } from '../../igr/experiments/types.js';

const help = `usage: igr train [options]

Trains one MLP (default: MNIST digits pooled to 14×14, 196-64-10 tanh, full-batch
gradient descent until the training loss is at most 0.1) and measures what the
IGR paper measures at the end: train loss E, test accuracy, the slope |∇E|,
R_IG = |∇E|²/m, R_IG/E, and robustness to Gaussian parameter perturbations.

${runOptionsHelp}
  --trace-samples N      at the end: λ_max by Lanczos and the Hutchinson trace of the Hessian with
                         N probes (0: λ_max only; default: not measured)
  --json                 print the run as one JSON line (the SweepRecord of igr sweep)
  --report DIR           also write DIR/index.html: the run's tables and, with --sharpness-every,
                         h·λ_max/2 against the step with the stability limit (the sweep page of
                         this one record); the directory is checked before training
  --help                 this text

A run whose estimated memory exceeds the --max-memory bound is refused before
anything is allocated (exit 2, with the estimate). Each option is given once.

Exit code: 0 trained; 1 the run diverged (reported with its step) or failed; 2 bad usage.
`;

/** A one-line description of a run's model and optimiser. */
export function describeRun(c: RunConfig): string {
  const opt =
    c.optimizer === 'egr'
      ? `EGR (μ = ${c.mu}, ${c.hvp} HVP)`
      : c.optimizer === 'sgd'
        ? `SGD (batch ${c.batchSize})`
        : c.optimizer === 'momentum'
          ? `momentum (β = ${c.beta})`
          : 'full-batch GD';
  const stop =
    c.stop.kind === 'loss'
      ? `until E ≤ ${c.stop.target} (at most ${c.stop.maxSteps} steps)`
      : c.stop.kind === 'steps'
        ? `for ${c.stop.steps} steps`
        : `for time T = h·steps = ${c.stop.T}`;
  const data = isImageData(c.data) ? `${c.data}${c.pool ? ' 14×14' : ' 28×28'}` : c.data;
  const loss = c.loss === undefined ? '' : `, ${c.loss === 'mse' && dataTask(c.data) === 'classification' ? 'MSE on one-hot targets' : c.loss}`;
  return `${data} (${c.train} train / ${c.test} test), MLP ${modelSizes(c).join('-')} ${c.activation}${loss}, ${opt}, h = ${c.lr}, seed ${c.seed}, ${stop}`;
}

/** The human-readable report of one record. */
export function formatRecord(r: SweepRecord): string {
  const lines = [`run: ${describeRun(r.config)}`];
  if (r.status === 'error' || r.status === 'crashed') {
    lines.push(`status: ${r.status}: ${r.error}`);
    return lines.join('\n') + '\n';
  }
  if (r.status === 'diverged' && r.diverged) {
    const loss = r.diverged.loss === null ? 'non-finite' : formatScientific(r.diverged.loss);
    lines.push(`status: diverged at step ${r.diverged.step} (${r.diverged.reason}: loss ${loss}); no metrics`);
    lines.push(...sharpnessLines(r));
    return lines.join('\n') + '\n';
  }
  const reached =
    r.reachedTarget === null ? '' : r.reachedTarget ? ' (loss target reached)' : ' (loss target NOT reached within max steps)';
  lines.push(
    `status: ok after ${r.steps} steps, time h·steps = ${formatFixed(r.time, 3)}${reached}, ${formatFixed(r.seconds, 1)} s`,
    `parameters m: ${r.params}   λ = h m / 4 = ${formatScientific(r.lambda)}`,
    `train loss E: ${formatScientific(r.trainLoss, 4)}   test loss: ${formatScientific(r.testLoss, 4)}`,
  );
  if (r.testAccuracy !== null) {
    lines.push(`accuracy: train ${formatFixed((r.trainAccuracy ?? NaN) * 100, 2)}%   test ${formatFixed(r.testAccuracy * 100, 2)}%`);
  }
  lines.push(
    `slope |∇E|: ${formatScientific(r.gradNorm)}   R_IG = |∇E|²/m: ${formatScientific(r.rIG)}   R_IG/E: ${formatScientific(r.rIGOverE)}`,
  );
  for (const p of r.perturbation) {
    const acc =
      p.testAccuracyDrop === null ? '' : `, test-accuracy drop ${formatFixed(p.testAccuracyDrop * 100, 2)} ± ${formatFixed((p.testAccuracyDropSd ?? NaN) * 100, 2)} pts`;
    lines.push(
      `perturbation σ = ${p.sigma} (${p.draws} draws): train-loss increase ${formatScientific(p.trainLossIncrease)} ± ${formatScientific(p.trainLossIncreaseSd)}${acc}`,
    );
  }
  lines.push(...sharpnessLines(r));
  if (r.curvature) {
    const c = r.curvature;
    const half = c.lambdaMax === null ? '—' : formatFixed((r.config.lr * c.lambdaMax) / 2, 3);
    const trace = c.trace === null ? '' : `   trace (Hutchinson, ${c.traceSamples} probes): ${formatScientific(c.trace, 4)} ± ${formatScientific(c.traceStderr)}`;
    lines.push(`curvature at the end: λ_max ${formatScientific(c.lambdaMax, 4)} (residual ${formatScientific(c.lambdaMaxResidual, 1)}), h·λ_max/2 = ${half}${trace}   (${c.hvps} HVPs)`);
  }
  return lines.join('\n') + '\n';
}

/** The sharpness series as a table: h·λ_max/2 per measured step (1 = GD's stability limit). */
function sharpnessLines(r: SweepRecord): string[] {
  const points = r.sharpness;
  if (!points || points.length === 0) return [];
  const h = r.config.lr;
  const k = r.config.sharpness?.k ?? 1;
  const total = points.reduce((s, p) => s + p.hvps, 0);
  const lines = [`sharpness (Lanczos every ${r.config.sharpness?.every ?? '?'} steps, ${total} HVPs): h·λ_max/2, 1 = GD's stability limit`];
  lines.push(`  ${'step'.padStart(6)}  ${'train E'.padStart(10)}  ${'λ_max'.padStart(10)}  ${'h·λ_max/2'.padStart(9)}  ${'residual'.padStart(8)}  HVPs${k > 1 ? `  top ${k}` : ''}`);
  for (const p of points) {
    const half = p.lambdaMax === null ? '—' : formatFixed((h * p.lambdaMax) / 2, 3);
    const residual = p.residuals?.[0] ?? null;
    const top = k > 1 && p.values ? `  ${p.values.map((v) => formatScientific(v, 3)).join(', ')}` : '';
    lines.push(
      `  ${String(p.step).padStart(6)}  ${formatScientific(p.loss, 3).padStart(10)}  ${formatScientific(p.lambdaMax, 4).padStart(10)}  ${half.padStart(9)}  ${formatScientific(residual, 1).padStart(8)}  ${String(p.hvps).padStart(4)}${p.converged ? '' : ' (not converged)'}${top}`,
    );
  }
  return lines;
}

export const train: Command = {
  name: 'train',
  summary: 'train one MLP (MNIST by default) and measure loss, accuracy, R_IG and robustness',
  async run(argv: string[], io: CliIO): Promise<number> {
    const values = parseOptions(argv, {
      ...runOptionSpecs,
      ...maxMemorySpec,
      ...traceSamplesSpec,
      json: { type: 'boolean' },
      report: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) {
      io.out(help);
      return 0;
    }
    const config = { ...configFromOptions(values, 'train'), endCurvature: endCurvatureFromOptions(values, null) };
    checkMemory([config], values); // before any data is loaded or parameter allocated
    // --report DIR: checked (and created) before the run, written after it, like igr sweep's.
    const reportDir = values.report === undefined ? undefined : await checkReportDir(values.report);
    const record = await runExperiment(config, { maxMemory: maxMemory(values) });
    io.out(values.json ? toJsonLine(record) + '\n' : formatRecord(record));
    if (reportDir !== undefined) {
      const { writeSweepReport } = await import('../../report/write.js');
      const { commandLine } = await import('../../report/cli.js');
      const path = writeSweepReport(reportDir, [record], { command: commandLine('train', argv) });
      (values.json ? io.err : io.out)(`report: ${path}\n`);
    }
    if (record.status === 'error' || record.status === 'crashed') {
      if (!values.json) io.err(`igr train: ${record.error}\n`);
      return 1;
    }
    return record.status === 'ok' ? 0 : 1;
  },
};
