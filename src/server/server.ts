import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Runtime } from '../app/runtime.js';
import { type AppOptions, createApp, type GaplessApp } from './app.js';

/** Options of {@link startServer}. */
export interface StartServerOptions extends AppOptions {
  /**
   * Interface to bind.
   * @default '127.0.0.1'
   */
  readonly host?: string;
  /**
   * Port; 0 picks a free one.
   * @default 8080
   */
  readonly port?: number;
  /**
   * How long `close()` waits for requests in flight before cutting them.
   * @default 5000
   */
  readonly closeGraceMs?: number;
}

/** A listening HTTP server. */
export interface RunningServer {
  /** Origin, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  readonly port: number;
  readonly app: GaplessApp;
  /** Stops accepting connections, lets requests in flight finish (up to the grace), then closes. */
  close(): Promise<void>;
}

/**
 * Serves the HTTP API of `service` with Node's HTTP server. The service stays
 * the caller's: `close()` stops the server only.
 * @example
 * const server = await startServer(service, { host: '127.0.0.1', port: 0 });
 * console.log(server.url);
 * await server.close();
 */
export async function startServer(
  service: Runtime,
  options: StartServerOptions = {},
): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new RangeError(`Expected \`port\` to be a whole number 0..65535, got \`${port}\``);
  }
  const app = await createApp(service, options);
  let server: Server;
  const address = await new Promise<AddressInfo>((resolve, reject) => {
    server = serve({ fetch: app.fetch, hostname: host, port }, resolve) as Server;
    server.once('error', reject);
  }).catch((error: unknown) => {
    app.dispose();
    throw error;
  });
  // Keep-alive connections would hold close() open forever; idle ones go at once.
  const graceMs = options.closeGraceMs ?? 5_000;
  const shown = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shown}:${address.port}`,
    port: address.port,
    app,
    close() {
      closing ??= new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        server.close(() => {
          clearTimeout(timer);
          app.dispose();
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
