import type { Hono } from 'hono';
import { html, raw } from 'hono/html';
import type { AppEnv, ServerContext } from '../context.js';

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

/** `GET /`: a plain status page with links and the newest jobs (until the web UI lands). */
export function registerHomeRoutes(app: Hono<AppEnv>, ctx: ServerContext): void {
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
