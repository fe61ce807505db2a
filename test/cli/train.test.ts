import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';
import { checkMemory, configFromOptions } from '../../src/cli/sweep/options.js';
import { runMemoryEstimate } from '../../src/igr/experiments/config.js';
import type { SweepRecord } from '../../src/igr/experiments/types.js';

const run = (args: string[]) => runCli(args);

const small = ['--data', 'moons', '--train', '120', '--test', '80', '--hidden', '8', '--draws', '2'];

describe('igr train', () => {
  it('trains one model and reports for a person', async () => {
    const { code, out, err } = await run(['train', ...small, '--lr', '0.5', '--target-loss', '0.35']);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain('run: moons (120 train / 80 test), MLP 2-8-2 tanh, full-batch GD, h = 0.5, seed 0, until E ≤ 0.35');
    expect(out).toMatch(/status: ok after \d+ steps, time h·steps = [\d.]+ \(loss target reached\)/);
    expect(out).toMatch(/slope \|∇E\|: [\d.e-]+ {3}R_IG = \|∇E\|²\/m: [\d.e-]+ {3}R_IG\/E: [\d.e-]+/);
    expect(out).toContain('perturbation σ = 0.1 (2 draws): train-loss increase');
    expect(out).not.toMatch(/NaN|Infinity/);
  });

  it('--json prints one SweepRecord line', async () => {
    const { code, out } = await run(['train', ...small, '--steps', '5', '--json', '--optimizer', 'egr', '--mu', '0.1']);
    expect(code).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0]!) as SweepRecord;
    expect(record).toMatchObject({ schema: 'igr.sweep/1', status: 'ok', steps: 5, hvpEvaluations: 5 });
    expect(record.config).toMatchObject({ optimizer: 'egr', mu: 0.1, hvp: 'exact', stop: { kind: 'steps', steps: 5 } });
  });

  it('a diverged run is reported with its step, exit 1', async () => {
    const { code, out } = await run(['train', '--data', 'teacher', '--train', '60', '--test', '20', '--hidden', '8', '--lr', '100', '--steps', '50']);
    expect(code).toBe(1);
    expect(out).toMatch(/status: diverged at step \d+ \(exploded: loss [\d.e]+\); no metrics/);
  });

  const bad: [string, string[], string][] = [
    ['unknown data set', ['--data', 'cifar'], "unknown data set 'cifar': valid data sets are mnist, fashion, moons, spirals, teacher"],
    ['unknown activation', ['--activation', 'swish'], "unknown activation 'swish': valid activations are tanh, relu, softplus, gelu"],
    ['unknown optimizer', ['--optimizer', 'adam'], "unknown optimizer 'adam': valid optimizers are gd, sgd, momentum, egr"],
    ['zero learning rate', ['--lr', '0'], '--lr must be positive, got 0'],
    ['negative learning rate', ['--lr=-0.1'], '--lr must be positive, got -0.1'],
    ['non-numeric learning rate', ['--lr', 'fast'], "--lr: 'fast' is not a number"],
    ['zero μ', ['--optimizer', 'egr', '--mu', '0'], '--mu must be positive, got 0'],
    ['EGR without μ', ['--optimizer', 'egr'], '--optimizer egr needs --mu'],
    ['μ without EGR', ['--mu', '0.1'], "--mu and --hvp belong to --optimizer egr, not 'gd'"],
    ['zero width', ['--hidden', '16,0'], '--hidden must be an integer ≥ 1, got 0'],
    ['sizes not matching the data', ['--sizes', '784,64,10'], 'sizes 784,64,10 do not match the data set mnist (pooled 14×14): it needs input width 196 and output width 10, got 784 and 10'],
    ['two stop rules', ['--steps', '5', '--target-loss', '0.1'], 'give at most one stopping rule, got --target-loss and --steps'],
    ['unknown option', ['--learning-rate', '0.1'], 'unknown option --learning-rate; valid options: --data, --train,'],
    ['a positional argument', ['mnist'], "Unexpected argument 'mnist'"],
    // parseArgs alone would answer with its own advice about '--lr=-XYZ'.
    ['a negative learning rate after a space', ['--lr', '-1'], '--lr must be positive, got -1'],
    ['a repeated option', ['--lr', '0.1', '--lr', '0.2'], "--lr is given twice ('0.1' and '0.2'); give each option once"],
    ['a memory size that is not one', ['--max-memory', 'lots'], "--max-memory: 'lots' is not a memory size"],
  ];
  for (const [what, args, message] of bad) {
    it(`bad input: ${what} → exit 2 with a clear message`, async () => {
      const { code, out, err } = await run(['train', ...args]);
      expect(code).toBe(2);
      expect(out).toBe('');
      expect(err).toContain(message);
      expect(err).not.toMatch(/\n\s+at /); // no stack trace
    });
  }

  // The catalogue's runs that allocated gigabytes with nothing printed: refused by the estimate first.
  it.each([
    [['--data', 'moons', '--train', '1000000000'], /needs an estimated 2\.94 TiB of memory \(activations 2\.88 TiB, data 59\.6 GiB, parameters 25\.2 KiB\), more than the bound of 2 GiB;/],
    [['--data', 'moons', '--hidden', '100000000'], /needs an estimated 8\.77 TiB of memory \(.*parameters 37\.3 GiB\), more than the bound of 2 GiB; .*--max-memory 8978G$/],
  ])('memory: %j is refused before allocating, naming the estimate and the bound (exit 2)', async (args, message) => {
    const { code, out, err } = await run(['train', ...args]);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err.trimEnd()).toMatch(message);
    expect(err.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('memory: --max-memory moves the bound both ways', async () => {
    const tight = await run(['train', ...small, '--steps', '2', '--max-memory', '1K']);
    expect(tight.code).toBe(2);
    expect(tight.err).toMatch(/more than the bound of 1 KiB/);
    // A run estimated at 2.5 GiB (checked, not run): refused by default, accepted under 3G.
    const config = configFromOptions({ data: 'moons', train: '50000', test: '100', hidden: '1100' }, 'train');
    expect(runMemoryEstimate(config).bytes / 1024 ** 3).toBeCloseTo(2.47, 2);
    expect(() => checkMemory([config], {})).toThrow(/more than the bound of 2 GiB; .* --max-memory 3G$/);
    expect(() => checkMemory([config], { 'max-memory': '3G' })).not.toThrow();
    // A sweep shares the bound among the runs at once.
    expect(() => checkMemory([config], { 'max-memory': '3G' }, 2)).toThrow(/more than the bound of 1\.50 GiB \(3 GiB shared by the 2 runs at once; fewer --workers also helps\)/);
  });

  it('--help lists the options and exits 0', async () => {
    const { code, out } = await run(['train', '--help']);
    expect(code).toBe(0);
    expect(out).toContain('usage: igr train');
    expect(out).toContain('--target-loss L');
  });
});
