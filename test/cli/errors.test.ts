/**
 * Usage errors of `igr train`, `igr sweep` and `igr verify --optimizer` that no
 * other test reaches: each is rejected before any run starts, with exit code 2
 * and the message on stderr.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const run = (args: string[]) => runCli(args);

async function expectUsageError(args: string[], message: string) {
  const r = await run(args);
  expect(r.code).toBe(2);
  expect(r.err).toContain(message);
  expect(r.out).toBe('');
  return r;
}

describe('run options (igr train / igr sweep): contradictory stopping and width options', () => {
  it('--max-steps with --steps', async () => {
    const msg = '--max-steps goes with --target-loss or --time, not --steps';
    const r = await expectUsageError(['train', '--data', 'moons', '--steps', '5', '--max-steps', '10'], msg);
    expect(r.err).toBe(`igr train: ${msg}\n`);
    await expectUsageError(['sweep', '--data', 'moons', '--lr', '0.1', '--steps', '5', '--max-steps', '10'], `igr sweep: ${msg}`);
  });
  it('--hidden with --sizes', async () => {
    const msg = 'give --hidden or --sizes, not both';
    await expectUsageError(['train', '--data', 'moons', '--hidden', '8', '--sizes', '2,8,2'], `igr train: ${msg}`);
    await expectUsageError(['sweep', '--data', 'moons', '--lr', '0.1', '--hidden', '8', '--sizes', '2,8,2'], `igr sweep: ${msg}`);
  });
  it('--sizes without both input and output widths', async () => {
    await expectUsageError(
      ['train', '--data', 'moons', '--sizes', '2'],
      'igr train: sizes 2 must list at least the input and output widths (2,…,2 for moons)',
    );
  });
});

describe('igr sweep: contradictory preset and optimizer options', () => {
  it('--quick with a different --preset', async () => {
    await expectUsageError(['sweep', '--quick', '--preset', 'full'], 'igr sweep: --quick and --preset full contradict each other');
  });
  it('--mu without --optimizer egr', async () => {
    // The sweep's own check ("--mu belongs to --optimizer egr") sits behind the run-option
    // check, which rejects the same input first with this message.
    await expectUsageError(['sweep', '--data', 'moons', '--lr', '0.1', '--mu', '0.01'], "--mu and --hvp belong to --optimizer egr, not 'gd'");
    await expectUsageError(
      ['sweep', '--data', 'moons', '--lr', '0.1', '--optimizer', 'momentum', '--mu', '0.01,0.1'],
      "--mu and --hvp belong to --optimizer egr, not 'momentum'",
    );
  });
});

describe('igr verify --optimizer: options of another optimizer', () => {
  it('--epochs without --optimizer sgd', async () => {
    const msg = 'igr verify: --epochs applies only to --optimizer sgd';
    await expectUsageError(['verify', '--epochs', '2'], msg);
    await expectUsageError(['verify', '--optimizer', 'gd', '--epochs', '2'], msg);
    await expectUsageError(['verify', '--optimizer', 'momentum', '--epochs', '2'], msg);
    await expectUsageError(['verify', '--optimizer', 'rk:rk4', '--epochs', '2'], msg);
  });
});
