import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReportError, writeFileAtomic } from '../../src/report/write.js';
import { formatNumber, table } from '../../src/report/html.js';
import { commandLine, lossesFromExpression, prepareReportDir } from '../../src/report/cli.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'igr-report-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('creates the directory and writes the file, leaving no temporary file', () => {
    const path = writeFileAtomic(join(dir, 'a', 'b'), 'index.html', '<p>hi</p>');
    expect(readFileSync(path, 'utf8')).toBe('<p>hi</p>');
    expect(readdirSync(join(dir, 'a', 'b'))).toEqual(['index.html']);
  });

  it('replaces an existing report whole', () => {
    writeFileAtomic(dir, 'index.html', 'old');
    writeFileAtomic(dir, 'index.html', 'new');
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).toBe('new');
  });

  it('a directory path through a file: clear error naming the path and the reason', () => {
    writeFileSync(join(dir, 'file'), 'x');
    const target = join(dir, 'file', 'report');
    expect(() => writeFileAtomic(target, 'index.html', 'x')).toThrow(ReportError);
    expect(() => writeFileAtomic(target, 'index.html', 'x')).toThrow(/cannot create report directory '.*file\/report'/);
  });

  it('a failed rename leaves nothing half-written behind', () => {
    // index.html is a directory: writing the temporary file works, the rename fails.
    mkdirSync(join(dir, 'index.html'));
    expect(() => writeFileAtomic(dir, 'index.html', 'x')).toThrow(/cannot write report '.*index\.html'/);
    expect(readdirSync(dir)).toEqual(['index.html']);
    expect(readdirSync(join(dir, 'index.html'))).toEqual([]);
  });
});

describe('html helpers', () => {
  it('formats numbers without NaN surprises', () => {
    expect(formatNumber(null)).toBe('—');
    expect(formatNumber(0.000123456)).toBe('1.235e-4');
    expect(formatNumber(12.3456)).toBe('12.35');
    expect(formatNumber(Infinity)).toBe('∞');
    expect(formatNumber(0)).toBe('0');
  });

  it('escapes table text', () => {
    const html = table('c<1>', ['a&b'], [['<script>'], [1.5]]);
    expect(html).toContain('c&lt;1&gt;');
    expect(html).toContain('a&amp;b');
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('<td class="num">1.5</td>');
  });
});

describe('report options of the commands', () => {
  it('shows the command so it can be pasted back into a shell', () => {
    expect(commandLine('verify', ['--loss', '(1/2)*(1 - a*b)^2', '--at', '2.8,3.5', '--report', 'out dir'])).toBe(
      `igr verify --loss '(1/2)*(1 - a*b)^2' --at 2.8,3.5 --report 'out dir'`,
    );
    expect(commandLine('verify', [`it's`])).toBe(`igr verify 'it'\\''s'`);
  });

  it('checks the directory before the work, leaving no probe behind', () => {
    const target = join(dir, 'new');
    prepareReportDir(target);
    expect(readdirSync(target)).toEqual([]);
    writeFileSync(join(dir, 'file'), 'x');
    expect(() => prepareReportDir(join(dir, 'file', 'sub'))).toThrow(/cannot create report directory/);
  });

  it('compiles a typed loss under the name the verification gives it, with its variables as axis labels', async () => {
    const losses = await lossesFromExpression('(1/2)*(1 - a*b)^2');
    const [name] = Object.keys(losses);
    expect(losses[name!]!.labels).toEqual(['a', 'b']);
    const three = await lossesFromExpression('x + y + z', 'z,y,x');
    expect(three[Object.keys(await lossesFromExpression('x + y + z'))[0]!]!.labels).toBeUndefined();
  });
});
