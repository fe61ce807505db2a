import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli as run } from './run-cli.js';
import { runPool } from '../../src/node/pool.js';
import { formatDuration, ProgressLine, progressText } from '../../src/cli/sweep/progress.js';
import { expandGrid, makeRunConfig } from '../../src/igr/experiments/config.js';
import type { SweepRecord } from '../../src/igr/experiments/types.js';


const jsonLines = (text: string) =>
  text
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as SweepRecord);

// Tiny runs: the cost of these tests is starting worker threads (each compiles the sources through tsx).
const tiny = ['--data', 'moons', '--train', '60', '--test', '40', '--hidden', '4', '--steps', '5', '--draws', '1', '--sigmas', '0.01'];

const dir = mkdtempSync(join(tmpdir(), 'igr-sweep-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the worker pool', () => {
  it('really runs a sweep on 2 worker threads and returns records in run order', async () => {
    const configs = expandGrid(makeRunConfig({ data: 'moons', train: 60, test: 40, hidden: [4], stop: { kind: 'steps', steps: 5 } }), {
      lrs: [0.1, 0.5],
      seeds: [0, 1],
    });
    const threads = new Set<number>();
    const seen: number[] = [];
    const records = await runPool(configs, { workers: 2, onWorkerStart: (id) => threads.add(id), onRecord: (_r, finished) => seen.push(finished) });
    expect(threads.size).toBe(2);
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(records.map((r) => r.id)).toEqual([0, 1, 2, 3]);
    expect(records.map((r) => r.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(records.map((r) => [r.config.lr, r.config.seed])).toEqual([
      [0.1, 0],
      [0.1, 1],
      [0.5, 0],
      [0.5, 1],
    ]);
  });

  it('never starts more workers than runs, and an empty sweep is empty', async () => {
    const threads = new Set<number>();
    const one = [makeRunConfig({ data: 'moons', train: 60, test: 40, hidden: [4], stop: { kind: 'steps', steps: 2 } })];
    await runPool(one, { workers: 4, onWorkerStart: (id) => threads.add(id) });
    expect(threads.size).toBe(1);
    expect(await runPool([], { workers: 2 })).toEqual([]);
  });
});

describe('igr sweep', () => {
  it('writes one JSON line per run, goes on after a diverged run, and exits 0', async () => {
    const { code, out } = await run(['sweep', ...tiny.slice(2), '--data', 'teacher', '--lr', '0.05,1000', '--seeds', '0,1', '--workers', '2', '--json']);
    expect(code).toBe(0);
    const records = jsonLines(out);
    expect(records).toHaveLength(4);
    const byLr = (lr: number) => records.filter((r) => r.config.lr === lr);
    expect(byLr(0.05).map((r) => r.status)).toEqual(['ok', 'ok']);
    for (const r of byLr(1000)) {
      expect(r.status).toBe('diverged');
      expect(r.diverged!.step).toBeGreaterThanOrEqual(1);
    }
    expect(out).not.toMatch(/NaN|Infinity/);
    expect(new Set(records.map((r) => r.id))).toEqual(new Set([0, 1, 2, 3]));
  });

  it('a crashing worker is reported, the sweep goes on, and the exit code is 1', async () => {
    process.env.IGR_SWEEP_TEST_CRASH = '1,2:exit';
    let result: Awaited<ReturnType<typeof run>>;
    try {
      result = await run(['sweep', ...tiny, '--lr', '0.1,0.5', '--seeds', '0,1', '--workers', '2', '--out', join(dir, 'crash.jsonl')]);
    } finally {
      delete process.env.IGR_SWEEP_TEST_CRASH;
    }
    const { code, out, err } = result;
    expect(code).toBe(1);
    expect(err).toContain('igr sweep: run 1 crashed: worker crashed: test crash hook (IGR_SWEEP_TEST_CRASH) at run 1');
    expect(err).toContain('igr sweep: run 2 crashed: worker exited with code 70 while running it');
    expect(err).toContain('igr sweep: 2 of 4 runs failed or crashed');
    const records = jsonLines(readFileSync(join(dir, 'crash.jsonl'), 'utf8')).sort((a, b) => a.id - b.id);
    expect(records.map((r) => r.status)).toEqual(['ok', 'crashed', 'crashed', 'ok']);
    expect(records[1]!.error).toContain('test crash hook');
    // The table still summarises the runs that finished.
    expect(out).toContain('experiment sweep: moons 60 train / 40 test');
    expect(out).toMatch(/1\/2 \(1 failed\)/);
  });

  it('--out FILE: the lines go to FILE.partial and replace FILE at the end', async () => {
    const file = join(dir, 'results.jsonl');
    writeFileSync(file, 'the previous sweep\n');
    const r = await run(['sweep', ...tiny, '--lr', '0.1,0.5', '--seeds', '0', '--workers', '1', '--out', file]);
    expect(r.code).toBe(0);
    expect(jsonLines(readFileSync(file, 'utf8')).map((x) => x.config.lr).sort()).toEqual([0.1, 0.5]);
    expect(existsSync(`${file}.partial`)).toBe(false);
  });

  it('--out FILE: an interrupted sweep leaves FILE as it was, and its finished runs in FILE.partial', async () => {
    const file = join(dir, 'kept.jsonl');
    writeFileSync(file, 'the previous sweep\n');
    // Two runs on one worker, each long enough that the second is still running when the first is written.
    const args = ['sweep', '--data', 'moons', '--train', '60', '--test', '40', '--hidden', '4', '--steps', '20000', '--draws', '1', '--sigmas', '0.01', '--lr', '0.1', '--seeds', '0,1', '--workers', '1', '--out', file];
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts'), ...args], { stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    await expect.poll(() => (existsSync(`${file}.partial`) ? readFileSync(`${file}.partial`, 'utf8') : ''), { timeout: 60_000, interval: 20 }).toMatch(/\n/);
    child.kill('SIGKILL');
    await exited;
    expect(readFileSync(file, 'utf8')).toBe('the previous sweep\n');
    expect(jsonLines(readFileSync(`${file}.partial`, 'utf8'))).toHaveLength(1);
  }, 120_000);

  it('shows a progress line on stderr only when it is a terminal', async () => {
    const tty = await run(['sweep', ...tiny, '--lr', '0.1', '--seeds', '0', '--workers', '1'], true);
    expect(tty.code).toBe(0);
    expect(tty.err).toContain('\r[####################] 1/1 runs');
    expect(tty.err).toContain('\x1b[K');
    const pipe = await run(['sweep', ...tiny, '--lr', '0.1', '--seeds', '0', '--workers', '1'], false);
    expect(pipe.err).toBe('');
    expect(pipe.out).toContain('1 runs on 1 workers');
  });

  const bad: [string, string[], string][] = [
    ['unknown preset', ['--preset', 'huge'], "unknown preset 'huge': valid presets are quick, lr, width, egr, full"],
    ['preset with a grid', ['--preset', 'lr', '--lr', '0.1'], 'cannot be combined with --preset lr'],
    ['custom grid without --lr', ['--data', 'moons'], 'a custom grid needs --lr'],
    ['zero workers', ['--workers', '0'], '--workers must be an integer ≥ 1, got 0'],
    ['non-positive learning rate', [...tiny, '--lr', '0.1,0'], '--lr must be positive, got 0'],
    ['non-positive μ', [...tiny, '--optimizer', 'egr', '--lr', '0.1', '--mu', '0.1,-2'], '--mu must be positive, got -2'],
    ['non-positive width', [...tiny, '--lr', '0.1', '--widths', '8,0'], '--widths must be an integer ≥ 1, got 0'],
    ['unknown optimizer', [...tiny, '--lr', '0.1', '--optimizer', 'lbfgs'], "unknown optimizer 'lbfgs': valid optimizers are gd, sgd, momentum, egr"],
    ['unknown data set', ['--lr', '0.1', '--data', 'imagenet'], "unknown data set 'imagenet': valid data sets are mnist, fashion, moons, spirals, teacher"],
    ['sizes not matching', ['--lr', '0.1', '--data', 'moons', '--sizes', '3,8,2'], 'sizes 3,8,2 do not match the data set moons'],
    ['a repeated seed', ['--seeds', '1,1'], '--seeds lists a seed twice'],
    ['an unwritable --out', [...tiny, '--lr', '0.1', '--out', join(dir, 'no', 'such', 'dir', 'x.jsonl')], 'cannot write there'],
    ['--out a directory', [...tiny, '--lr', '0.1', '--out', dir], `--out ${dir}: is a directory; give a file name`],
    ['a repeated option', [...tiny, '--lr', '0.1', '--seeds', '0', '--seeds', '1'], "--seeds is given twice ('0' and '1')"],
    // Each worker holds one run: the bound is shared by the runs at once.
    ['runs too large for the memory bound', ['--data', 'moons', '--train', '50000', '--hidden', '1000', '--lr', '0.1', '--workers', '2'], 'more than the bound of 1 GiB (2 GiB shared by the 2 runs at once'],
  ];
  for (const [what, args, message] of bad) {
    it(`bad input: ${what} → exit 2 with a clear message`, async () => {
      const { code, out, err } = await run(['sweep', ...args]);
      expect(code).toBe(2);
      expect(out).toBe('');
      expect(err).toContain(message);
    });
  }
});

describe('progress line', () => {
  it('formats counts, elapsed time and an estimate', () => {
    expect(formatDuration(42.4)).toBe('42s');
    expect(formatDuration(187)).toBe('3m07s');
    expect(formatDuration(3720)).toBe('1h02m');
    expect(progressText({ finished: 1, total: 4, diverged: 1, failed: 0 }, 30, 8)).toBe('[##......] 1/4 runs · 30s elapsed · ~1m30s left · 1 diverged');
    expect(progressText({ finished: 4, total: 4, diverged: 0, failed: 2 }, 61, 4)).toBe('[####] 4/4 runs · 1m01s elapsed · done · 2 failed');
  });

  it('writes nothing when disabled', () => {
    let written = '';
    const line = new ProgressLine((t) => (written += t), false);
    line.update({ finished: 1, total: 2, diverged: 0, failed: 0 });
    line.finish();
    expect(written).toBe('');
  });
});
