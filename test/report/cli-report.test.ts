import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/command.js';

const dir = mkdtempSync(join(tmpdir(), 'igr-cli-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function capture(): CliIO & { text: () => string; errText: () => string } {
  let out = '';
  let err = '';
  return { out: (t) => void (out += t), err: (t) => void (err += t), isTTY: false, text: () => out, errText: () => err };
}

describe('igr verify --report', () => {
  it('writes one self-contained page for a typed two-variable loss, with its phase portrait, and prints the path', async () => {
    const io = capture();
    const target = join(dir, 'typed');
    const code = await main(
      ['verify', '--loss', '(1/2)*(1 - a*b)^2', '--at', '2.8,3.5', '--h', '0.004,0.002,0.001', '--T', '0.04', '--orders', '1,2', '--json', '--report', target],
      io,
    );
    expect(code).toBe(0);
    // --json keeps stdout pure JSON lines: the path goes to stderr.
    expect(io.errText()).toContain(`report: ${join(target, 'index.html')}`);
    expect(io.text().trim().split('\n').every((l) => l.startsWith('{'))).toBe(true);
    const html = readFileSync(join(target, 'index.html'), 'utf8');
    expect(html.match(/<svg /g)).toHaveLength(3);
    expect(html).toContain('igr verify --loss &#39;(1/2)*(1 - a*b)^2&#39; --at 2.8,3.5'); // HTML-escaped quotes
    expect(html).not.toMatch(/<script|<link|https?:\/\/(?!www\.w3\.org\/2000\/svg)/); // no network, no script
    expect(readdirSync(target)).toEqual(['index.html']);
  });

  it('an unwritable directory: exit 2 with the reason, before any work, nothing written', async () => {
    writeFileSync(join(dir, 'file'), 'x');
    const io = capture();
    const started = performance.now();
    const code = await main(['verify', '--problem', 'quadratic', '--report', join(dir, 'file', 'out')], io);
    expect(code).toBe(2);
    expect(io.errText()).toMatch(/igr verify: --report: cannot create report directory '.*file\/out': a component of the path is a file/);
    expect(io.text()).toBe('');
    expect(performance.now() - started).toBeLessThan(5000);
    expect(existsSync(join(dir, 'file', 'out'))).toBe(false);
  });
});
