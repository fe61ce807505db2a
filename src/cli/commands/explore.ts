/**
 * `igr explore`: serves the interactive explorer (web/explorer, one self-contained HTML page)
 * on the loopback interface with node:http and prints its address.
 *
 * Port policy: with `--port N` that exact port is used and a port in use is an error (the user
 * asked for it); without `--port` the server starts at 8417 and takes the next free port of the
 * following 20, saying so.
 */
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type CliIO, type Command, UsageError } from '../command.js';

/** First port tried when `--port` is not given. */
export const DEFAULT_PORT = 8417;
/** How many ports after the default are tried before giving up. */
export const PORT_ATTEMPTS = 20;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

const HELP = `usage: igr explore [--port N] [--host 127.0.0.1]

Serves the explorer: type a two-variable loss, click a start point, choose the learning rate h
and the orders, and see gradient descent beside its modified flows (all computed in the page).

options:
  --port N       serve on port N (an error if it is in use); default: ${DEFAULT_PORT}, or the next
                 free port of the following ${PORT_ATTEMPTS}
  --host ADDR    loopback address to listen on: 127.0.0.1 (default), localhost or ::1; the
                 explorer is never served beyond this machine
  --help         this text

The same page works opened from disk: dist/explorer/index.html (built by npm run build).
`;

export interface ExplorerServer {
  server: Server;
  url: string;
  port: number;
  close(): Promise<void>;
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
 * Serve `page` at `/` (and `/index.html`) on a loopback host. `port` fixed: that port or an
 * error; `port` undefined: the first free port from DEFAULT_PORT on (0 lets the OS choose).
 */
export async function startExplorerServer(page: string, opts: { port?: number; host?: string } = {}): Promise<ExplorerServer & { tried: number[] }> {
  const host = opts.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host)) throw new UsageError(`--host ${host}: the explorer serves on loopback only; use one of ${[...LOOPBACK].join(', ')}`);
  const body = Buffer.from(page, 'utf8');
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if ((req.method === 'GET' || req.method === 'HEAD') && (path === '/' || path === '/index.html')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': body.length, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    res.writeHead(req.method === 'GET' || req.method === 'HEAD' ? 404 : 405, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(req.method === 'GET' || req.method === 'HEAD' ? `not found: ${path}; the explorer is at /\n` : 'only GET and HEAD\n');
  });
  const candidates = opts.port !== undefined ? [opts.port] : Array.from({ length: PORT_ATTEMPTS + 1 }, (_, i) => DEFAULT_PORT + i);
  const tried: number[] = [];
  for (const port of candidates) {
    try {
      await listen(server, port, host);
      const address = server.address();
      const actual = typeof address === 'object' && address ? address.port : port;
      const shown = host.includes(':') ? `[${host}]` : host;
      return {
        server,
        url: `http://${shown}:${actual}/`,
        port: actual,
        tried,
        close: () => new Promise((res) => server.close(() => res())),
      };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EADDRINUSE') throw error;
      tried.push(port);
      if (opts.port !== undefined) throw new UsageError(`port ${port} is in use; choose another with --port, or leave --port out to take the next free one`);
    }
  }
  throw new UsageError(`ports ${candidates[0]}–${candidates[candidates.length - 1]} are all in use; choose one with --port`);
}

/**
 * The explorer page. From the TypeScript sources (tsx, tests) it is rebuilt, so it always matches
 * them; from the compiled package it is dist/explorer/index.html, made by `npm run build`.
 */
export async function explorerPage(): Promise<{ html: string; path: string; built: boolean }> {
  const { explorerOutput, buildExplorer } = await import('../../report/explorer-build.js');
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
      throw new UsageError(`the explorer page ${explorerOutput} is missing and could not be built (${(error as Error).message}); run npm run build`);
    }
  }
  return { html: readFileSync(explorerOutput, 'utf8'), path: explorerOutput, built: false };
}

/** The command; `signal` (tests) stops the server, otherwise Ctrl-C / SIGTERM does. */
export function exploreCommand(options: { signal?: AbortSignal; onListening?: (s: ExplorerServer) => void } = {}): Command {
  return {
    name: 'explore',
    summary: 'serve the interactive explorer of GD and its modified flows on 127.0.0.1',
    async run(argv: string[], io: CliIO): Promise<number> {
      const { values } = parseArgs({
        args: argv,
        strict: true,
        allowPositionals: false,
        options: { port: { type: 'string' }, host: { type: 'string' }, help: { type: 'boolean' } },
      });
      if (values.help) {
        io.out(HELP);
        return 0;
      }
      let port: number | undefined;
      if (values.port !== undefined) {
        port = Number(values.port);
        if (!(Number.isInteger(port) && port >= 0 && port <= 65535)) throw new UsageError(`--port must be an integer in 0..65535, got '${values.port}'`);
      }
      const host = values.host ?? '127.0.0.1';
      if (!LOOPBACK.has(host)) throw new UsageError(`--host ${host}: the explorer serves on loopback only; use one of ${[...LOOPBACK].join(', ')}`);
      const page = await explorerPage();
      const served = await startExplorerServer(page.html, { port, host });
      if (served.tried.length > 0) io.out(`port${served.tried.length > 1 ? 's' : ''} ${served.tried.join(', ')} in use; using ${served.port}\n`);
      io.out(`igr explore: serving ${served.url}  (Ctrl-C to stop)\n`);
      io.out(`the same page opens from disk: ${page.path}\n`);
      options.onListening?.(served);
      await new Promise<void>((resolvePromise) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          options.signal?.removeEventListener('abort', stop);
          void served.close().then(resolvePromise);
        };
        if (options.signal?.aborted) return stop();
        options.signal?.addEventListener('abort', stop);
        if (!options.signal) {
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        }
      });
      return 0;
    },
  };
}

export const explore: Command = exploreCommand();
