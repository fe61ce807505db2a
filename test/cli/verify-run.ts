/**
 * `igr verify` through `main` with captured output, for the verify tests (GD and --optimizer):
 * `run` returns exit code, stdout and stderr; `usage` asserts a usage error.
 */
import { expect } from 'vitest';
import { runCli, type CliRun } from './run-cli.js';

export type Run = CliRun;

/**
 * Measures in this thread (`--workers 1`) unless the arguments say otherwise: a worker thread
 * compiles the sources through tsx, about a second of CPU per worker per run, and the output is
 * the same for any number of workers (test/cli/verify-workers.test.ts checks that).
 */
export function run(...argv: string[]): Promise<Run> {
  const workers = argv.some((a) => a === '--workers' || a.startsWith('--workers=')) ? [] : ['--workers', '1'];
  return runCli(['verify', ...argv, ...workers]);
}

/** A usage error: exit 2, nothing on stdout, one message on stderr without a stack trace or NaN; returns it. */
export async function usage(argv: string[], message: string | RegExp): Promise<string> {
  const r = await run(...argv);
  expect(r.code, argv.join(' ')).toBe(2);
  expect(r.out).toBe('');
  expect(r.err.startsWith('igr verify: ')).toBe(true);
  expect(r.err).not.toMatch(/\n\s+at /); // no stack frames
  expect(r.err).not.toMatch(/NaN/);
  if (typeof message === 'string') expect(r.err).toContain(message);
  else expect(r.err).toMatch(message);
  return r.err;
}
