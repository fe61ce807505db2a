/**
 * `igr explore`: serves the interactive explorer (web/explorer, one self-contained HTML page)
 * on the loopback interface and prints its address. The server, its port policy and its
 * security headers are src/node/explorer.ts (`igr/node`); this is the command around it.
 */
import { parseOptions } from '../args.js';
import { type CliIO, type Command, UsageError } from '../command.js';
import { DEFAULT_PORT, ExplorerError, checkLoopbackHost, PORT_ATTEMPTS, explorerPage, startExplorerServer, type ExplorerServer } from '../../node/explorer.js';

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

/** After Ctrl-C / SIGTERM the process exits within this many milliseconds, whatever holds it. */
const SHUTDOWN_MS = 1500;

/** The command; `signal` (tests) stops the server, otherwise Ctrl-C / SIGTERM does. */
export function exploreCommand(options: { signal?: AbortSignal; onListening?: (s: ExplorerServer) => void } = {}): Command {
  return {
    name: 'explore',
    summary: 'serve the interactive explorer of GD and its modified flows on 127.0.0.1',
    async run(argv: string[], io: CliIO): Promise<number> {
      const values = parseOptions(argv, { port: { type: 'string' }, host: { type: 'string' }, help: { type: 'boolean' } });
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
      let page: Awaited<ReturnType<typeof explorerPage>>;
      let served: ExplorerServer;
      try {
        checkLoopbackHost(host);
        // The page builds (a second or two from the sources) while the port is taken, so a port
        // problem is said at once; a build that fails closes the server.
        const building = explorerPage();
        served = await startExplorerServer(building.then((p) => p.html), { port, host });
        page = await building;
      } catch (error) {
        // Bad host, port in use, a listen error (EACCES on a privileged port, ...): one line, exit 2.
        if (error instanceof ExplorerError) throw new UsageError(error.message);
        throw error;
      }
      if (served.tried.length > 0) io.out(`port${served.tried.length > 1 ? 's' : ''} ${served.tried.join(', ')} in use; using ${served.port}\n`);
      io.out(`igr explore: serving ${served.url}  (Ctrl-C to stop)\n`);
      io.out(`the same page opens from disk: ${page.path}\n`);
      options.onListening?.(served);
      await new Promise<void>((resolvePromise) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          options.signal?.removeEventListener('abort', stop);
          // Every connection is ended by close(); should anything else hold the process, a signal
          // still ends it within 2 s (not when a test stops the command through `signal`).
          if (!options.signal) setTimeout(() => process.exit(process.exitCode ?? 0), SHUTDOWN_MS).unref();
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
