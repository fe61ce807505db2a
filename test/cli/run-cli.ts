/** Runs `igr` through `main` with captured output, for the CLI tests: exit code, stdout and stderr. */
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/command.js';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** `isTTY` pretends stderr is a terminal (progress lines are drawn only then). */
export async function runCli(args: string[], isTTY = false): Promise<CliRun> {
  let out = '';
  let err = '';
  const io: CliIO = { out: (t) => void (out += t), err: (t) => void (err += t), isTTY };
  const code = await main(args, io);
  return { code, out, err };
}
