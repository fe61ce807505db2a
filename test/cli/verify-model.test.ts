/**
 * `igr verify --model` end to end on a small network (two moons, 2-6-2 tanh, 40 examples, so
 * no MNIST is needed): the report at initialisation and mid-training, the same output on worker
 * threads, the HTML report, and every bad combination (usage error, exit 2) or failed
 * pre-training run (exit 1, the step it diverged at, no NaN).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run, usage } from './verify-run.js';
import { runCli } from './run-cli.js';

const SMALL = ['--model', '--data', 'moons', '--train', '40', '--test', '10', '--hidden', '6'];
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('igr verify --model', () => {
  it('at initialisation: the automatic ladder, a table like any problem, exit 0', async () => {
    const r = await run(...SMALL, '--orders', '1,2');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ladder \(automatic\): h = /);
    expect(r.out).toContain('moons (40 train), MLP 2-6-2 tanh (32 parameters), seed 0, at initialisation  (m = 32, θ0 = [');
    expect(r.out).toMatch(/order 2  global slope +[0-9.]+ \(expected 2, R² [0-9.]+, [34] points\) PASS/);
    expect(r.out).not.toMatch(/NaN/);
  });

  it('after K GD steps at --lr H: θ_K is the start, the JSON line says so; the same output on 2 workers', async () => {
    const args = [...SMALL, '--after-steps', '30', '--lr', '0.5', '--orders', '1,2', '--json'];
    const one = await run(...args);
    expect(one.code).toBe(0);
    const json = JSON.parse(one.out) as { problem: string; hs: number[]; globalError: unknown; ladder: { automatic: boolean } };
    expect(json.problem).toBe('moons (40 train), MLP 2-6-2 tanh (32 parameters), seed 0, after 30 GD steps at h = 0.5');
    expect(json.ladder.automatic).toBe(true);
    const init = JSON.parse((await run(...SMALL, '--orders', '1,2', '--json')).out) as { globalError: unknown };
    expect(json.globalError).not.toEqual(init.globalError); // a different start
    const two = await run(...args, '--workers', '2');
    expect(two.code).toBe(0);
    expect(two.out).toBe(one.out);
  }, 60_000);

  it('--h and --T as for any problem; --report DIR shows it like any problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'igr-model-'));
    dirs.push(dir);
    const r = await run(...SMALL, '--orders', '1', '--h', '0.1,0.05,0.025', '--T', '0.4', '--report', dir);
    expect(r.code).toBe(0);
    expect(r.out).not.toContain('ladder (automatic)');
    expect(r.out).toContain('T = 0.4)');
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(html).toContain('moons (40 train), MLP 2-6-2 tanh (32 parameters), seed 0, at initialisation');
    expect(html).toContain('--model --data moons');
  });

  it("--loss mse is the network's loss, as in igr train: another loss, another verification", async () => {
    const args = [...SMALL, '--orders', '1', '--h', '0.1,0.05,0.025', '--T', '0.4', '--json'];
    const mse = JSON.parse((await run(...args, '--loss', 'mse')).out) as { problem: string; globalError: unknown };
    expect(mse.problem).toBe('moons (40 train), MLP 2-6-2 tanh, mse loss (32 parameters), seed 0, at initialisation');
    const ce = JSON.parse((await run(...args)).out) as { globalError: unknown };
    expect(mse.globalError).not.toEqual(ce.globalError);
    await usage([...SMALL, '--loss', 'hinge'], "with --model, --loss is the network's loss: cross-entropy or mse, got hinge");
  });

  it('a pre-training run that diverges: said with its step, exit 1, no NaN', async () => {
    // Regression (teacher data, squared error) at h = 100 explodes at once; a tanh classifier's
    // cross-entropy would only grow linearly and not diverge.
    const r = await run('--model', '--data', 'teacher', '--train', '40', '--test', '10', '--hidden', '6', '--after-steps', '50', '--lr', '100');
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toBe(
      'igr verify: teacher (40 train), MLP 10-6-1 tanh (73 parameters), seed 0, after 50 GD steps at h = 100: the pre-training diverged at step 2 (exploded) ' +
        'with --lr 100; θ_50 does not exist: use a smaller --lr or fewer --after-steps\n',
    );
    expect(r.err).not.toMatch(/NaN/);
  });

  it('bad combinations are usage errors, before any work', async () => {
    await usage(['--after-steps', '10', '--lr', '0.5'], '--after-steps applies to --model');
    await usage(['--problem', 'quadratic', '--data', 'moons'], '--data describes the network of --model; give --model');
    await usage(['--lr', '0.5'], '--lr describes the network of --model');
    await usage(['--model', '--loss', 'x^2', '--at', '1'], "with --model, --loss is the network's loss: cross-entropy or mse, got x^2");
    await usage(['--model', '--problem', 'quadratic'], 'use either --model or --problem, not both');
    await usage([...SMALL, '--at', '1'], '--at applies only to a loss typed with --loss EXPR, not to --model');
    await usage([...SMALL, '--truncation'], '--model is verified order by order; --truncation takes --problem or --loss');
    await usage([...SMALL, '--after-steps', '2.5', '--lr', '0.5'], '--after-steps must be an integer ≥ 0, got 2.5');
    await usage([...SMALL, '--after-steps', '-3', '--lr', '0.5'], '--after-steps must be an integer ≥ 0, got -3');
    await usage([...SMALL, '--after-steps', 'ten', '--lr', '0.5'], "--after-steps: 'ten' is not a number");
    await usage([...SMALL, '--after-steps', '200000', '--lr', '0.5'], '--after-steps 200000 is more than 100000 pre-training steps');
    await usage([...SMALL, '--after-steps', '10'], '--after-steps 10 needs --lr H');
    await usage([...SMALL, '--lr', '0.5'], '--lr is the learning rate of the pre-training: it goes with --after-steps K');
    await usage([...SMALL, '--after-steps', '10', '--lr', '-1'], '--lr must be positive, got -1');
    await usage([...SMALL, '--optimizer', 'momentum'], '--model verifies gradient descent');
    await usage([...SMALL, '--steps', '10'], '--steps is an igr train option for a training run');
    await usage([...SMALL, '--mu', '0.1'], '--mu is an igr train option for a training run');
    await usage(['--model', '--data', 'cifar'], "unknown data set 'cifar': valid data sets are mnist");
    await usage(['--model', '--data', 'moons', '--sizes', '3,6,2'], 'sizes 3,6,2 do not match the data set moons');
    await usage([...SMALL, '--T', '1'], '--T goes with --h: without --h the ladder and T of --model are chosen for the network');
    await usage([...SMALL, '--max-work', '0'], '--max-work must be positive, got 0');
    await usage([...SMALL, '--workers', '0'], '--workers must be an integer ≥ 1, got 0');
    await usage([...SMALL, '--max-memory', '1K'], 'more than the bound of 1 KiB');
  });

  it('--help describes --model, --after-steps, --lr and --max-work', async () => {
    const r = await run('--help');
    expect(r.code).toBe(0);
    for (const o of ['--model ', '--after-steps K', '--lr H', '--max-work W     with --model']) expect(r.out).toContain(o);
  });

  it('on a terminal the pre-training shows a progress line', async () => {
    const r = await runCli(['verify', ...SMALL, '--after-steps', '20', '--lr', '0.5', '--orders', '1', '--h', '0.1,0.05', '--T', '0.2', '--workers', '1'], true);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/\[#{20}\] 20\/20 pre-training GD steps · \d+s elapsed · done/);
  });

  it('the work is bounded before anything is loaded: igr train\'s default MNIST 196-64-10 on 1000 digits is over it at orders 1–3', async () => {
    await usage(['--model'], '--model: 13258 parameters × 1000 training examples × 4 trees (orders ≤ 3) = 5.30e+7 is more than the work bound 5.00e+7');
    await usage([...SMALL, '--max-work', '100'], '--model: 32 parameters × 40 training examples × 4 trees (orders ≤ 3) = 5.12e+3 is more than the work bound 1.00e+2');
  });
});
