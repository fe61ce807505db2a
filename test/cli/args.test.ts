/** Option parsing shared by the commands (src/cli/args.ts): dash values, repeats, unknown options. */
import { describe, expect, it } from 'vitest';
import { attachDashValues, parseOptions } from '../../src/cli/args.js';
import { UsageError } from '../../src/cli/command.js';

const spec = { loss: { type: 'string' }, at: { type: 'string' }, lr: { type: 'string' }, problem: { type: 'string', multiple: true }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;

describe('attachDashValues', () => {
  it('attaches a negative number or number list to a value option', () => {
    expect(attachDashValues(['--at', '-1,2', '--lr', '-0.5', '--lr', '.5'], spec)).toEqual(['--at=-1,2', '--lr=-0.5', '--lr', '.5']);
  });
  it('attaches any token that is not an option to a free-text option (a loss may start with a dash)', () => {
    expect(attachDashValues(['--loss', '-a*b', '--json'], spec, ['loss'])).toEqual(['--loss=-a*b', '--json']);
    expect(attachDashValues(['--loss', '-x'], spec, ['loss'])).toEqual(['--loss=-x']);
    expect(attachDashValues(['--loss', '--json'], spec, ['loss'])).toEqual(['--loss', '--json']);
    expect(attachDashValues(['--loss', '-h'], spec, ['loss'])).toEqual(['--loss', '-h']); // a declared short option
    expect(attachDashValues(['--at', '-x'], spec)).toEqual(['--at', '-x']); // not a number, not free text
  });
});

describe('parseOptions', () => {
  it('parses, and --lr -1 reaches the command as a value', () => {
    expect(parseOptions(['--lr', '-1', '--json'], spec)).toMatchObject({ lr: '-1', json: true });
  });
  it('a repeated value option is a usage error; a repeated multiple option or flag is not', () => {
    expect(() => parseOptions(['--lr', '1', '--lr=2'], spec)).toThrow(new UsageError("--lr is given twice ('1' and '2'); give each option once (a list is one comma-separated value)"));
    expect(parseOptions(['--problem', 'a', '--problem', 'b', '--json', '--json'], spec)).toMatchObject({ problem: ['a', 'b'], json: true });
  });
  it('an unknown option is named with the valid ones; other parseArgs errors become usage errors', () => {
    expect(() => parseOptions(['--nosuch=3'], spec)).toThrow(new UsageError('unknown option --nosuch; valid options: --loss, --at, --lr, --problem, --json, --help'));
    expect(() => parseOptions(['--lr'], spec)).toThrow(UsageError);
    expect(() => parseOptions(['positional'], spec)).toThrow(/Unexpected argument 'positional'/);
  });
});
