import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { DEFAULT_PORT, exploreCommand, startExplorerServer, type ExplorerServer } from '../../src/cli/commands/explore.js';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/command.js';

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  while (opened.length) await opened.pop()!.close();
});

function occupy(port: number): Promise<Server | null> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(null)); // already taken by someone else: just as good for the test
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}

function closeServer(s: Server | null): { close(): Promise<void> } {
  return { close: () => new Promise((r) => (s ? s.close(() => r()) : r())) };
}

function capture(): CliIO & { text: () => string; errText: () => string } {
  let out = '';
  let err = '';
  return { out: (t) => void (out += t), err: (t) => void (err += t), isTTY: false, text: () => out, errText: () => err };
}

describe('explorer server', () => {
  it('serves the page at / on 127.0.0.1 and nothing else', async () => {
    const s = await startExplorerServer('<p>page</p>', { port: 0 });
    opened.push(s);
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const res = await fetch(s.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await res.text()).toBe('<p>page</p>');
    const missing = await fetch(new URL('/etc/passwd', s.url));
    expect(missing.status).toBe(404);
    const post = await fetch(s.url, { method: 'POST' });
    expect(post.status).toBe(405);
  });

  it('without --port, a port in use means the next free one, and it says which were taken', async () => {
    const blocker = await occupy(DEFAULT_PORT);
    opened.push(closeServer(blocker));
    const s = await startExplorerServer('x', {});
    opened.push(s);
    expect(s.port).toBeGreaterThan(DEFAULT_PORT);
    expect(s.tried).toContain(DEFAULT_PORT);
  });

  it('with --port, a port in use is a clear error', async () => {
    const first: ExplorerServer = await startExplorerServer('x', { port: 0 });
    opened.push(first);
    await expect(startExplorerServer('x', { port: first.port })).rejects.toThrow(`port ${first.port} is in use; choose another with --port`);
  });

  it('refuses to listen beyond loopback', async () => {
    await expect(startExplorerServer('x', { host: '0.0.0.0' })).rejects.toThrow('the explorer serves on loopback only; use one of 127.0.0.1, localhost, ::1');
    const io = capture();
    expect(await main(['explore', '--host', '0.0.0.0'], io, [exploreCommand()])).toBe(2);
    expect(io.errText()).toContain('igr explore: --host 0.0.0.0: the explorer serves on loopback only');
    expect(await main(['explore', '--port', '70000'], io, [exploreCommand()])).toBe(2);
    expect(io.errText()).toContain("--port must be an integer in 0..65535, got '70000'");
  });

  it('igr explore builds the page, prints the address, serves until stopped', async () => {
    const stop = new AbortController();
    const io = capture();
    let url = '';
    const done = main(['explore', '--port', '0'], io, [
      exploreCommand({
        signal: stop.signal,
        onListening: (s) => {
          url = s.url;
        },
      }),
    ]);
    await expect.poll(() => url, { timeout: 60_000 }).not.toBe('');
    const html = await (await fetch(url)).text();
    expect(html).toContain('<div id="plot">');
    expect(html).not.toContain('__EXPLORER_BUNDLE__');
    expect(html).not.toMatch(/<script[^>]+src=/); // one self-contained file
    stop.abort();
    expect(await done).toBe(0);
    expect(io.text()).toContain(`igr explore: serving ${url}`);
  });
});
