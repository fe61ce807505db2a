/**
 * The `igr` command line: dispatches to the subcommands in `commands`.
 * The only layer (with src/report) that prints, reads files or parses text.
 */
import { pathToFileURL } from 'node:url';
import { realpathSync } from 'node:fs';
import { type CliIO, type Command, processIO, UsageError } from './command.js';
import { commands } from './commands/index.js';
import { clip, clipMessage } from './format.js';

function usage(list: readonly Command[]): string {
  const width = Math.max(...list.map((c) => c.name.length));
  return [
    'usage: igr <command> [options]',
    '',
    'commands:',
    ...list.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'igr <command> --help' for a command's options.",
    '',
  ].join('\n');
}

export async function main(argv: string[], io: CliIO = processIO, list: readonly Command[] = commands): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage(list));
    return name === undefined ? 2 : 0;
  }
  const command = list.find((c) => c.name === name);
  if (command === undefined) {
    io.err(`igr: unknown command '${clip(name, 60)}'; valid commands: ${list.map((c) => c.name).join(', ')}\n`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`igr ${name}: ${clipMessage(error.message)}\n`);
      return 2;
    }
    // Node's parseArgs reports unknown or malformed options with these codes.
    const code = (error as { code?: string }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      io.err(`igr ${name}: ${clipMessage((error as Error).message)}\n`);
      return 2;
    }
    throw error;
  }
}

function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(entry)).href;
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  process.exitCode = await main(process.argv.slice(2));
}
