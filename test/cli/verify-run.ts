/**
 * `igr verify` through `main` with captured output, for the verify tests (GD and --optimizer):
 * `run` returns exit code, stdout and stderr; `usage` asserts a usage error.
 */
import { expect } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/command.js';

export interface Run {
  code: number;
  out: string;
  err: string;
}

export async function run(...argv: string[]): Promise<Run> {
  let out = '';
  let err = '';
  const io: CliIO = { out: (t) => void (out += t), err: (t) => void (err += t), isTTY: false };
  const code = await main(['verify', ...argv], io);
  return { code, out, err };
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
