/**
 * What `igr verify --report DIR` and `igr sweep --report DIR` need beyond the page itself:
 * checking the directory before the (possibly long) computation, the command line shown on the
 * page, and the loss of a `--loss EXPR` problem for its phase portrait.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ReportLoss } from './verification.js';
import { ReportError, writeFileAtomic } from './write.js';

/**
 * Create `dir` if needed and prove it writable with a probe file (removed again), so an
 * unwritable report directory is reported before the computation, not after it.
 * @throws ReportError naming the directory and the reason.
 */
export function prepareReportDir(dir: string): string {
  const probe = writeFileAtomic(dir, '.igr-write-probe', '');
  rmSync(probe, { force: true });
  return join(probe, '..');
}

/** Quote one argument for a POSIX shell when it needs it, so the shown command can be pasted back. */
function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The command line as typed: `igr verify --loss '(1/2)*(1 - a*b)^2' --at 2.8,3.5 --report out`. */
export function commandLine(command: string, argv: readonly string[]): string {
  return ['igr', command, ...argv].map(shellQuote).join(' ');
}

/**
 * The loss of `igr verify --loss EXPR [--vars a,b]`, keyed as the verification names it (the
 * expression text). mathjs is loaded here, on first use, not with this module: a report of the
 * built-in problems never needs it (importing it costs about a second of CPU).
 */
export async function lossesFromExpression(expr: string, vars?: string): Promise<Record<string, ReportLoss>> {
  const { compileLoss } = await import('../expression/index.js');
  const compiled = compileLoss(expr, vars === undefined ? undefined : vars.split(',').map((v) => v.trim()));
  const labels = compiled.variables.length === 2 ? ([compiled.variables[0]!, compiled.variables[1]!] as [string, string]) : undefined;
  return { [compiled.text]: { loss: compiled.loss, labels, description: `E = ${compiled.text}` } };
}

