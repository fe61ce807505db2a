/**
 * The bad inputs of issue 11's catalogue, fed to the command line exactly as reported, each with
 * the answer it now gets: exit 2 and a one-line message (no stack trace, no hang, nothing lost),
 * or, for inputs that are fine after all, a normal run. Library-level counterparts are in the
 * layers' own error tests (test/igr/errors.test.ts, test/expression/compile.test.ts, …).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'igr-catalogue-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Exit 2, nothing on stdout, exactly one line on stderr that starts with the command and has no stack frame. */
async function refused(args: string[], message: string | RegExp): Promise<string> {
  const r = await runCli(args);
  expect(r.code, args.join(' ').slice(0, 200)).toBe(2);
  expect(r.out).toBe('');
  expect(r.err.endsWith('\n')).toBe(true);
  expect(r.err.trimEnd().split('\n'), r.err.slice(0, 400)).toHaveLength(1);
  expect(r.err).toMatch(new RegExp(`^igr ${args[0]}: `));
  expect(r.err).not.toMatch(/\n\s+at |RangeError|TypeError/);
  if (typeof message === 'string') expect(r.err).toContain(message);
  else expect(r.err).toMatch(message);
  return r.err;
}

describe('work bounds: refused before any step is taken', () => {
  it('verify --problem quadratic --T 1e300: names the bound and the asked number of steps', async () => {
    await refused(['verify', '--problem', 'quadratic', '--T', '1e300'], 'T/h = 2.50e+301 steps at h = 0.04 (T = 1e+300) is more than the 100000 optimizer steps a verification takes per step size');
  });
  it('verify --problem quadratic --h 1e-300 (with a second h to fit): the same bound', async () => {
    await refused(['verify', '--problem', 'quadratic', '--h', '2e-300,1e-300'], 'T/h = 5.00e+299 steps at h = 2e-300 (T = 1) is more than the 100000 optimizer steps');
  });
  it('verify --optimizer momentum / rk: the same bound', async () => {
    await refused(['verify', '--optimizer', 'momentum', '--problem', 'quadratic', '--T', '1e300'], /verifyMomentum: T\/h = .* is more than the 100000 optimizer steps/);
    await refused(['verify', '--optimizer', 'rk:rk4', '--problem', 'quadratic', '--T', '1e300'], /verifyRungeKutta: T\/h = .* is more than the 100000 optimizer steps/);
  });
});

describe('step-size ladders: repeated, or too few to fit', () => {
  it('--h 0.1 given 21 times (once "slope 1.000, R² 1.00000, 21 points PASS")', async () => {
    await refused(['verify', '--problem', 'quadratic', '--h', Array(21).fill('0.1').join(',')], '--h lists the step size 0.1 more than once; each h of the ladder must be distinct');
  });
  it('--h 0.1 given 200 times (once slope −1.143 with R² 1)', async () => {
    await refused(['verify', '--problem', 'quadratic', '--h', Array(200).fill('0.1').join(',')], '--h lists the step size 0.1 more than once');
  });
  it('--h 0.1,0.1 (once a verification FAIL)', async () => {
    await refused(['verify', '--problem', 'quadratic', '--h', '0.1,0.1'], '--h lists the step size 0.1 more than once');
  });
  it('a single step size: fewer than a fit needs', async () => {
    await refused(['verify', '--problem', 'quadratic', '--h', '0.1'], '--h needs at least 2 distinct step sizes to fit a slope through, got 1 (0.1)');
  });
  it("--orders '' (once suggested 'e.g. --orders 0.1,0.05')", async () => {
    const err = await refused(['verify', '--orders', ''], '--orders is empty: give comma-separated numbers, e.g. --orders 1,2,3');
    expect(err).not.toContain('0.1,0.05');
    await refused(['verify', '--orders', '1,,3'], "--orders: '' is not a finite number (expected comma-separated numbers, e.g. --orders 1,2,3)");
  });
});

describe('losses typed as text: huge, deep, and names that are JavaScript object properties', () => {
  const sum3000 = Array(3000).fill('x').join('+');
  it('3,000 terms x+x+…+x compile (once a RangeError stack trace): here the --at count is what is wrong', async () => {
    await refused(['verify', '--loss', sum3000, '--at', '1,2'], '--at has 2 values but the loss has 1 variable (x), in that order');
  });
  it('a power tower x^x^…^2 of 3,000 levels is refused by name', async () => {
    await refused(['verify', '--loss', `${Array(3000).fill('x').join('^')}^2`, '--at', '1'], /--loss: the expression is (a tower of 3000 \^ operators|too deeply nested for the parser)/);
  });
  it('parentheses nested 65 deep, and 20,001 characters, are refused by name', async () => {
    await refused(['verify', '--loss', `${'('.repeat(65)}x${')'.repeat(65)}`, '--at', '1'], '--loss: the expression is nested 65 levels deep in parentheses; a loss may have at most 20000 characters and 64 levels of parentheses or of ^');
    await refused(['verify', '--loss', `x${'+x'.repeat(10000)}`, '--at', '1'], '--loss: the expression is 20001 characters long');
  });
  it.each(['constructor', 'hasOwnProperty', '__proto__', 'toString'])("'%s' is a variable like any other name", async (name) => {
    // Once: stack traces (constructor, hasOwnProperty, __proto__), "no variable" (toString^2).
    const r = await runCli(['verify', '--loss', `${name}^2 + (x - 1)^2`, '--at', '1,2', '--h', '0.1,0.05,0.025', '--T', '0.2', '--orders', '1', '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).problem).toBe(`${name} ^ 2 + (x - 1) ^ 2`);
  });
  it("--vars constructor (once \"'constructor' is a constant\")", async () => {
    const r = await runCli(['verify', '--loss', 'constructor^2', '--vars', 'constructor', '--at', '1', '--h', '0.1,0.05', '--T', '0.2', '--orders', '1']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    await refused(['verify', '--loss', 'pi*x', '--vars', 'pi,x', '--at', '1,2'], "--loss: 'pi' is a constant and cannot be a variable name");
  });
});

describe('report directories that cannot be made: checked before anything is created, no spin', () => {
  it.skipIf(process.platform !== 'linux')('verify --report /proc/x/y', async () => {
    await refused(['verify', '--problem', 'quadratic', '--report', '/proc/x/y'], "--report: cannot create report directory '/proc/x/y': '/proc/x': no such file or directory, and it cannot be created there (ENOENT)");
    expect(existsSync('/proc/x')).toBe(false);
  });
  it.skipIf(process.platform !== 'linux')('sweep --report /proc/x/y', async () => {
    await refused(['sweep', '--report', '/proc/x/y'], "--report: cannot create report directory '/proc/x/y'");
  });
  it('a path through a file', async () => {
    await refused(['verify', '--problem', 'quadratic', '--report', join(import.meta.filename, 'x')], 'a component of the path is a file, not a directory (ENOTDIR)');
    await refused(['verify', '--problem', 'quadratic', '--report', import.meta.filename], `'${import.meta.filename}' is a file, not a directory`);
  });
});

describe('the rest of the catalogue', () => {
  it('--problem quadratic,quadratic (once ran it twice)', async () => {
    await refused(['verify', '--problem', 'quadratic,quadratic'], '--problem names quadratic twice; give each problem once');
    await refused(['verify', '--problem', 'quadratic', '--problem', 'quadratic'], '--problem names quadratic twice');
  });
  it('a repeated option (once silently kept the last value)', async () => {
    await refused(['verify', '--problem', 'quadratic', '--T', '1', '--T', '2'], "--T is given twice ('1' and '2'); give each option once");
    await refused(['train', '--lr', '0.5', '--lr', '1'], "--lr is given twice ('0.5' and '1')");
    await refused(['explore', '--port', '1', '--port', '2'], "--port is given twice ('1' and '2')");
  });
  it('a 100 KB unknown problem name (once echoed back whole): its start and its length', async () => {
    const name = 'q'.repeat(100_000);
    const err = await refused(['verify', '--problem', name], `unknown problem '${'q'.repeat(60)}…' (100000 characters); valid problems are quadratic, two-parameter`);
    expect(err.length).toBeLessThan(400);
    const option = await refused(['verify', `--${name}`], /^igr verify: unknown option --q{80}… \(100000 characters\); valid options: /);
    expect(option.length).toBeLessThan(600);
    const command = await runCli([name]);
    expect(command.code).toBe(2);
    expect(command.err.length).toBeLessThan(300);
    // Wherever else a name is echoed, the message stays short (cut with its length).
    for (const args of [['train', '--data', name], ['sweep', '--preset', name], ['verify', '--optimizer', name], ['verify', '--at', name, '--loss', 'x']]) {
      const err = await refused(args, /…|characters/);
      expect(err.length, args[1]).toBeLessThan(600);
    }
  });
  it("train --lr -1 (once Node's parseArgs text about '--lr=-XYZ')", async () => {
    const err = await refused(['train', '--lr', '-1'], 'igr train: --lr must be positive, got -1');
    expect(err).not.toContain('XYZ');
    await refused(['sweep', '--data', 'moons', '--lr', '-1,0.5'], '--lr must be positive, got -1');
  });
  it('train --data moons --train 1000000000 and --hidden 100000000: refused with the estimate before allocating', async () => {
    await refused(['train', '--data', 'moons', '--train', '1000000000'], /the run needs an estimated 2\.94 TiB of memory .* more than the bound of 2 GiB/);
    await refused(['train', '--data', 'moons', '--hidden', '100000000'], /the run needs an estimated 8\.77 TiB of memory .* more than the bound of 2 GiB/);
  });
  it('sweep --out FILE keeps the previous FILE until the sweep ends (see sweep.test.ts for an interrupted one)', async () => {
    const file = join(dir, 'out.jsonl');
    const r = await runCli(['sweep', '--data', 'moons', '--train', '40', '--test', '20', '--hidden', '4', '--steps', '2', '--draws', '1', '--sigmas', '0.1', '--lr', '0.1', '--seeds', '0', '--workers', '1', '--out', file]);
    expect(r.code).toBe(0);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(1);
    expect(existsSync(`${file}.partial`)).toBe(false);
    const help = await runCli(['sweep', '--help']);
    expect(help.out).toContain('written to FILE.partial as runs finish and renamed');
    expect(help.out.match(/^ {2}--lr /gm)).toHaveLength(1); // once listed twice with two meanings
  });
});
