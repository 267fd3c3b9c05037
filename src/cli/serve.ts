/** `rollout-trace serve [ROOT|BUNDLE] [--port N] [--host H]`: the live viewer and its API. */
import type { Command } from 'commander';
import { detectServeTarget } from '../server/catalog';
import { allowedOrigin, isLoopbackAddress } from '../server/http';
import { startTraceServer } from '../server/server';
import { EXAMPLE_BUNDLE } from './demo';
import { UsageError, nonEmptyPath } from './io';

export const DEFAULT_PORT = 4319;

function parsePort(value: string): number {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) throw new UsageError(`--port expects 0-65535, got ${JSON.stringify(value)}`);
  return Number(value);
}

/** `--host`: never empty, which Node takes for every interface (an unset `--host "$HOST"` must not publish every trace). */
function parseHost(value: string): string {
  if (value.trim() === '') throw new UsageError('--host expects an address; use 0.0.0.0 or :: to listen on every interface');
  return value;
}

/** `--allow-origin`: `*`, or an origin as browsers send it (`https://host[:port]`; a trailing `/` is dropped). */
function collectOrigin(value: string, previous: string[]): string[] {
  const origin = allowedOrigin(value);
  if (origin === undefined) {
    throw new UsageError(`--allow-origin expects an origin such as https://example.com (scheme, host and port only) or "*", got ${JSON.stringify(value)}`);
  }
  return [...previous, origin];
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve the live viewer and its HTTP API for one bundle or every bundle under a root directory')
    .argument('[path]', 'a bundle directory, or a directory whose bundles (existing and new) are all served (default: the bundled example)', nonEmptyPath('the path to serve'))
    .option('-p, --port <port>', `port to listen on (0 picks a free one)`, parsePort, DEFAULT_PORT)
    .option('--host <host>', 'address to bind; anything but loopback exposes the traces to the network', parseHost, '127.0.0.1')
    .option('--allow-origin <origin>', 'let pages from this origin embed the viewer (repeatable; "*" for any)', collectOrigin, [])
    .action(async (target: string | undefined, options: { port: number; host: string; allowOrigin: string[] }) => {
      let serveTarget;
      try {
        serveTarget = detectServeTarget(target ?? EXAMPLE_BUNDLE);
      } catch (err) {
        throw new UsageError(err instanceof Error ? err.message : String(err));
      }
      const server = await startTraceServer({
        target: serveTarget,
        host: options.host,
        port: options.port,
        allowOrigins: options.allowOrigin,
      });
      if (!isLoopbackAddress(options.host)) {
        process.stderr.write(`rollout-trace serve: listening on ${options.host}: every trace served is readable from the network\n`);
      }
      process.stdout.write(`${server.url}\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          server.close().then(resolve, resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
