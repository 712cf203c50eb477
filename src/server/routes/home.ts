/** @module `GET /` and `GET /assets/{file}`: the web console, or a plain status page when it is not built. */
import type { Hono } from 'hono';
import { html, raw } from 'hono/html';
import { clip } from '../../core/clip.js';
import { NotFoundError } from '../../core/errors.js';
import type { AppEnv, ServerContext } from '../context.js';
import { findWebDir, loadWebAssets, type WebAsset } from '../web-assets.js';

const LINKS: readonly [string, string][] = [
  ['/openapi.json', 'OpenAPI document'],
  ['/health', 'health'],
  ['/api/v1/status', 'data status'],
  ['/api/v1/symbols', 'symbols'],
  ['/reports/backfill/feeds', 'feeds'],
  ['/reports/backfill/jobs', 'jobs (JSON)'],
  ['/data/backfill/index', 'Parquet manifest'],
  ['/metrics', 'Prometheus metrics'],
];

// Everything from this origin only: the console bundles its scripts, styles and fonts.
const CSP =
  "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/** The bytes and headers of a console file; gzip when the client takes it. */
function send(asset: WebAsset, acceptEncoding: string | undefined) {
  const headers: Record<string, string> = {
    'content-type': asset.contentType,
    'cache-control': asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    vary: 'accept-encoding',
  };
  if (asset.contentType.startsWith('text/html')) headers['content-security-policy'] = CSP;
  if (asset.gzip !== undefined && /\bgzip\b/.test(acceptEncoding ?? '')) {
    headers['content-encoding'] = 'gzip';
    return { body: asset.gzip, headers };
  }
  return { body: asset.body, headers };
}

/**
 * `GET /`: the web console (`dist/web/index.html`) and its files under
 * `/assets/`. Without a built console (`npm run build` makes it), a plain
 * status page with links and the newest jobs.
 */
export function registerHomeRoutes(app: Hono<AppEnv>, ctx: ServerContext): void {
  const dir = findWebDir();
  const assets = dir === undefined ? undefined : loadWebAssets(dir);
  if (assets !== undefined) {
    const index = assets.get('/index.html');
    app.get('/', (c) => {
      const { body, headers } = send(index!, c.req.header('accept-encoding'));
      return c.body(body as Uint8Array<ArrayBuffer>, 200, headers);
    });
  }
  // Registered either way, so the routes match the OpenAPI document whether or not the console is built.
  app.get('/assets/:file', (c) => {
    const asset = assets?.get(`/assets/${c.req.param('file')}`);
    if (asset === undefined) {
      throw new NotFoundError(`no console file '${clip(c.req.param('file'))}'`, 'FILE_NOT_FOUND');
    }
    const { body, headers } = send(asset, c.req.header('accept-encoding'));
    return c.body(body as Uint8Array<ArrayBuffer>, 200, headers);
  });
  if (assets !== undefined) return;
  app.get('/', async (c) => {
    const { jobs, total } = await ctx.service.jobs.list({ limit: 20, offset: 0 });
    const nowMs = ctx.nowMs();
    const rows = jobs.map((job) => {
      const v = ctx.service.jobs.view(job, nowMs);
      return html`<tr><td><a href="/reports/backfill/jobs/${v.id}">${v.id.slice(0, 8)}</a></td><td>${v.source}</td><td>${v.subject}</td><td>${v.kind}</td><td>${v.granularity ?? ''}</td><td>${v.start}</td><td>${v.end}</td><td>${v.status}</td><td>${v.percentage}%</td><td>${v.records_written}</td></tr>`;
    });
    const page = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>gapless</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}</style>
</head><body>
<h1>gapless</h1>
<p>Storage: ${ctx.service.repos.mode} jobs, scheduler ${ctx.service.scheduler?.running ? 'running' : 'off'}.</p>
<ul>${LINKS.map(([href, label]) => html`<li><a href="${href}">${label}</a></li>`)}</ul>
<h2>Backfill jobs (${total})</h2>
${rows.length === 0 ? raw('<p>No jobs yet.</p>') : html`<table><tr><th>id</th><th>source</th><th>subject</th><th>kind</th><th>granularity</th><th>start</th><th>end</th><th>status</th><th>done</th><th>records</th></tr>${rows}</table>`}
</body></html>`;
    return c.html(page);
  });
}
