/**
 * `gapless/server`: the HTTP API (Hono) over a runtime.
 * @packageDocumentation
 */

export { type AppOptions, createApp, type GaplessApp } from '../server/app.js';
export { type RunningServer, type StartServerOptions, startServer } from '../server/server.js';
