/**
 * Option parsing shared by the `igr` commands: Node's `parseArgs` (strict, no positionals) with
 * three things it does not do on its own.
 *
 * - A value that starts with a dash: parseArgs refuses `--at -1,2` and `--lr -1` (the value looks
 *   like an option to it) with advice about `--lr=-XYZ`. A value option followed by a negative
 *   number or number list gets it attached (`--lr=-1`), so the command's own check answers
 *   ("--lr must be positive, got -1"); the options in `freeText` (a loss typed as text) take any
 *   following token that is not one of the command's options.
 * - A repeated option: parseArgs keeps the last value silently. Here a value option given twice
 *   is a usage error (lists are comma-separated), unless it is declared `multiple`; a repeated
 *   flag (`--json --json`) loses nothing and is accepted.
 * - Its own messages: an unknown option is named with the valid ones.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './command.js';
import { clip } from './format.js';

type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

/** The parsed values of options `T`, as parseArgs types them. */
export type ParsedValues<T extends OptionSpecs> = ReturnType<typeof parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: false; tokens: true }>>['values'];

/** Rewrites `--opt -1,2` as `--opt=-1,2` where the value is meant (see the module comment). */
export function attachDashValues(argv: readonly string[], options: OptionSpecs, freeText: readonly string[] = []): string[] {
  const names = Object.keys(options);
  const shorts = Object.values(options).flatMap((o) => (o.short === undefined ? [] : [`-${o.short}`]));
  const isOption = (token: string): boolean => names.some((o) => token === `--${o}` || token.startsWith(`--${o}=`)) || shorts.includes(token);
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    const name = arg.startsWith('--') && !arg.includes('=') ? arg.slice(2) : null;
    if (name !== null && options[name]?.type === 'string' && next !== undefined && next.startsWith('-')) {
      if ((freeText.includes(name) && !isOption(next)) || /^-[\d.]/.test(next)) {
        out.push(`${arg}=${next}`);
        i++;
        continue;
      }
    }
    out.push(arg);
  }
  return out;
}

/** The option names of `argv`'s tokens, as typed (for repeated- and unknown-option messages). */
function optionName(token: string): string | null {
  if (!token.startsWith('--') || token === '--') return null;
  const eq = token.indexOf('=');
  return eq < 0 ? token.slice(2) : token.slice(2, eq);
}

/**
 * `parseArgs` with the rules of the module comment. Returns the parsed values; throws
 * {@link UsageError} for an unknown option, a missing value, a positional argument or a repeated
 * value option.
 */
export function parseOptions<const T extends OptionSpecs>(
  argv: readonly string[],
  options: T,
  freeText: readonly string[] = [],
  /** For the unknown-option message: list only these options, then say `more` (a group of options described elsewhere). */
  valid?: { listed: readonly string[]; more: string },
): ParsedValues<T> {
  const args = attachDashValues(argv, options, freeText);
  let parsed;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: false, tokens: true });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const unknown = args.map(optionName).find((n) => n !== null && !(n in options));
      const names = (valid?.listed ?? Object.keys(options)).map((n) => `--${n}`).join(', ') + (valid ? `, ${valid.more}` : '');
      throw new UsageError(`unknown option ${unknown === undefined ? clip(String((error as Error).message)) : `--${clip(unknown!)}`}; valid options: ${names}`);
    }
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) throw new UsageError(clip((error as Error).message, 300));
    throw error;
  }
  const seen = new Map<string, string>();
  for (const token of parsed.tokens) {
    if (token.kind !== 'option' || options[token.name]?.type !== 'string' || options[token.name]?.multiple) continue;
    const value = token.value ?? '';
    const first = seen.get(token.name);
    if (first !== undefined) {
      throw new UsageError(
        `--${token.name} is given twice ('${clip(first, 40)}' and '${clip(value, 40)}'); give each option once (a list is one comma-separated value)`,
      );
    }
    seen.set(token.name, value);
  }
  return parsed.values;
}

/**
 * `--report DIR` of every command: the directory checked (and created) before any work, by
 * src/report/cli.ts (loaded only when a report is asked for); a path that cannot be one is a
 * usage error naming why.
 */
export async function checkReportDir(dir: string): Promise<string> {
  const { prepareReportDir } = await import('../report/cli.js');
  try {
    return prepareReportDir(dir);
  } catch (error) {
    throw new UsageError(`--report: ${(error as Error).message}`);
  }
}
