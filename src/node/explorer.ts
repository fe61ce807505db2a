/**
 * The explorer's server: one self-contained HTML page (web/explorer, built by `npm run build`)
 * served with node:http on the loopback interface, for `igr explore` and for programs that embed
 * it (`igr/node`).
 *
 * What it guards against, since a page on the local machine is still reachable from any site
 * the user visits:
 * - It listens on loopback only, and answers only requests whose `Host` is a loopback name with
 *   its own port (127.0.0.1:P, localhost:P, [::1]:P): a DNS-rebinding page that points its own
 *   name at 127.0.0.1 sends its own name as the Host and gets 421.
 * - Every response carries a Content-Security-Policy that allows exactly the page's own inline
 *   script (by its SHA-256) and inline styles, no network, no framing (`frame-ancestors 'none'`
 *   and `X-Frame-Options: DENY`), and `X-Content-Type-Options: nosniff`.
 * - `close()` ends every connection, idle or half-open, so shutdown never waits on a client.
 *
 * Port policy: with `port` that exact port is used and a port in use is an error (the user asked
 * for it); without it the server starts at 8417 and takes the next free port of the following 20.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** First port tried when no port is given. */
export const DEFAULT_PORT = 8417;
/** How many ports after the default are tried before giving up. */
export const PORT_ATTEMPTS = 20;
/** The addresses the explorer may listen on (and the host names it answers to). */
export const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '::1'] as const;

/** A server that cannot start (bad host, port in use, a listen error); the message is one line for the user. */
export class ExplorerError extends Error {
  override name = 'ExplorerError';
}

export interface ExplorerServer {
  server: Server;
  url: string;
  port: number;
  /** Ports found in use before `port` (only when no port was asked for). */
  tried: number[];
  /** Stops listening and ends every open connection; resolves when the server is closed. */
  close(): Promise<void>;
}

/** The SHA-256 sources of the page's inline scripts, for its Content-Security-Policy. */
function scriptHashes(page: string): string[] {
  return [...page.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => `'sha256-${createHash('sha256').update(m[1]!, 'utf8').digest('base64')}'`);
}

/**
 * The headers of every response. The policy: nothing from the network (`default-src 'none'`,
 * `connect-src` unset), the page's own inline script by hash, inline styles (the page's `<style>`
 * and the SVG it draws), images only as data: URLs (the empty favicon), no plugins, no `<base>`,
 * no form posts, and no page may frame it.
 */
export function securityHeaders(page: string): Record<string, string> {
  const scripts = scriptHashes(page);
  const policy = [
    "default-src 'none'",
    `script-src ${scripts.length ? scripts.join(' ') : "'none'"}`,
    "style-src 'unsafe-inline'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return {
    'content-security-policy': policy,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
  };
}

/** Host header values the server answers to: loopback names with its own port (port 80 may be left out). */
function allowedHosts(port: number): Set<string> {
  const names = ['127.0.0.1', 'localhost', '[::1]'];
  const hosts = names.map((n) => `${n}:${port}`);
  if (port === 80) hosts.push(...names);
  return new Set(hosts);
}

/** Why a listen failed, in words, for the codes a user can act on. */
function listenFailure(error: NodeJS.ErrnoException, host: string, port: number): string {
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  switch (error.code) {
    case 'EACCES':
      return `cannot listen on ${where}: permission denied (EACCES)${port < 1024 ? '; ports below 1024 need privileges: choose --port 1024..65535, or leave --port out' : ''}`;
    case 'EADDRNOTAVAIL':
      return `cannot listen on ${where}: the address is not available on this machine (EADDRNOTAVAIL); try --host 127.0.0.1`;
    case 'EAFNOSUPPORT':
      return `cannot listen on ${where}: this machine has no IPv6 loopback (EAFNOSUPPORT); try --host 127.0.0.1`;
    default:
      return `cannot listen on ${where}: ${(error.message ?? String(error)).split('\n')[0]}`;
  }
}

/** Throws an {@link ExplorerError} unless `host` is one of {@link LOOPBACK_HOSTS}. */
export function checkLoopbackHost(host: string): void {
  if (!(LOOPBACK_HOSTS as readonly string[]).includes(host)) {
    const shown = host.length > 60 ? `${host.slice(0, 60)}… (${host.length} characters)` : host;
    throw new ExplorerError(`--host ${shown}: the explorer serves on loopback only; use one of ${LOOPBACK_HOSTS.join(', ')}`);
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const onError = (error: Error): void => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolvePromise();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/**
 * Serve `page` at `/` (and `/index.html`) on a loopback host. `port` given: that port or an
 * {@link ExplorerError}; `port` undefined: the first free port from {@link DEFAULT_PORT} on
 * (0 lets the OS choose). `page` may still be in the making (a promise): the port is taken
 * first, so a port or permission problem is reported without waiting for the page to build,
 * and the server is returned once the page is there (a page that fails closes the server and
 * rejects with its error).
 */
export async function startExplorerServer(page: string | Promise<string>, opts: { port?: number; host?: string } = {}): Promise<ExplorerServer> {
  // A listen error is the one to report; a page still building may then fail unobserved.
  if (typeof page !== 'string') page.catch(() => undefined);
  const host = opts.host ?? '127.0.0.1';
  checkLoopbackHost(host);
  if (opts.port !== undefined && !(Number.isInteger(opts.port) && opts.port >= 0 && opts.port <= 65535)) {
    throw new ExplorerError(`--port must be an integer in 0..65535, got ${opts.port}`);
  }
  // Set once the page is there; the server answers nothing before (startExplorerServer has not returned yet).
  let body = Buffer.alloc(0);
  let headers: Record<string, string> = securityHeaders('');
  let hosts = new Set<string>();
  const sockets = new Set<Socket>();
  const respond = (req: IncomingMessage, res: ServerResponse, status: number, text: string): void => {
    res.writeHead(status, { ...headers, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : text);
  };
  const server = createServer((req, res) => {
    const hostHeader = (req.headers.host ?? '').toLowerCase();
    if (!hosts.has(hostHeader)) {
      // DNS rebinding: a foreign name resolving to 127.0.0.1 arrives with that name as its Host.
      respond(req, res, 421, `this is the igr explorer; it answers only at ${[...hosts][0] ? `http://${[...hosts][0]}/` : 'its loopback address'}, not to Host '${hostHeader.slice(0, 100)}'\n`);
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    if ((req.method === 'GET' || req.method === 'HEAD') && (path === '/' || path === '/index.html')) {
      res.writeHead(200, { ...headers, 'content-type': 'text/html; charset=utf-8', 'content-length': body.length, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (req.method === 'GET' || req.method === 'HEAD') respond(req, res, 404, `not found: ${path!.slice(0, 200)}; the explorer is at /\n`);
    else respond(req, res, 405, 'only GET and HEAD\n');
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const candidates = opts.port !== undefined ? [opts.port] : Array.from({ length: PORT_ATTEMPTS + 1 }, (_, i) => DEFAULT_PORT + i);
  const tried: number[] = [];
  for (const port of candidates) {
    try {
      await listen(server, port, host);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EADDRINUSE') throw new ExplorerError(listenFailure(error as NodeJS.ErrnoException, host, port));
      tried.push(port);
      if (opts.port !== undefined) throw new ExplorerError(`port ${port} is in use; choose another with --port, or leave --port out to take the next free one`);
      continue;
    }
    const close = (): Promise<void> =>
      new Promise((resolveClose) => {
        server.close(() => resolveClose());
        // A client holding a connection open (keep-alive, or half a request) must not hold up the shutdown.
        for (const socket of sockets) socket.destroy();
      });
    let html: string;
    try {
      html = await page;
    } catch (error) {
      await close();
      throw error;
    }
    body = Buffer.from(html, 'utf8');
    headers = securityHeaders(html);
    const address = server.address();
    const actual = typeof address === 'object' && address ? address.port : port;
    hosts = allowedHosts(actual);
    const shown = host.includes(':') ? `[${host}]` : host;
    return { server, url: `http://${shown}:${actual}/`, port: actual, tried, close };
  }
  throw new ExplorerError(`ports ${candidates[0]}–${candidates[candidates.length - 1]} are all in use; choose one with --port`);
}

/**
 * The explorer page. From the TypeScript sources (tsx, tests) it is rebuilt, so it always matches
 * them; from the compiled package it is dist/explorer/index.html, made by `npm run build`.
 */
export async function explorerPage(): Promise<{ html: string; path: string; built: boolean }> {
  const { explorerOutput, buildExplorer } = await import('../report/explorer-build.js');
  if (import.meta.url.endsWith('.ts')) {
    const path = await buildExplorer();
    return { html: readFileSync(path, 'utf8'), path, built: true };
  }
  if (!existsSync(explorerOutput)) {
    // The compiled package without the page: try to build it (needs the dev dependency esbuild).
    try {
      const path = await buildExplorer();
      return { html: readFileSync(path, 'utf8'), path, built: true };
    } catch (error) {
      throw new ExplorerError(`the explorer page ${explorerOutput} is missing and could not be built (${(error as Error).message}); run npm run build`);
    }
  }
  return { html: readFileSync(explorerOutput, 'utf8'), path: explorerOutput, built: false };
}
