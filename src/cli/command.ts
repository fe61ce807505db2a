/** A subcommand of `igr`: parses its own arguments and returns an exit code. */
export interface Command {
  name: string;
  summary: string;
  /** 0: success; 1: the computation ran but a check failed; 2: bad usage or input. */
  run(argv: string[], io: CliIO): Promise<number>;
}

/** Where a command writes; tests pass their own to capture output. */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  /** True when stderr is a terminal (progress bars only then). */
  isTTY: boolean;
}

export const processIO: CliIO = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  isTTY: Boolean(process.stderr.isTTY),
};

/** An error whose message is meant for the user as is: printed without a stack trace, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
