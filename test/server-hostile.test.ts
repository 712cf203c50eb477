import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailable } from './helpers/postgres.js';
import {
  API_KEY,
  DAY_JOB,
  MODES,
  postJson,
  startTestServer,
  type TestServer,
  waitForJob,
} from './helpers/server-harness.js';

const pgAvailable = await postgresAvailable();

interface Hostile {
  readonly method: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/** Every file under `root` (state dir included) with its SHA-256. */
function digest(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else
        out[relative(root, path)] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  walk(root);
  return out;
}

/** Sends exactly these bytes of path (no URL normalisation, unlike fetch). */
function send(base: string, agent: Agent, r: Hostile): Promise<{ status: number; text: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: r.method,
        path: r.path.replaceAll(' ', '%20'),
        headers: r.headers,
        agent,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    // An explicit length: without it Node sends DELETE bodies unframed, which is a broken request, not a hostile one.
    if (r.body !== undefined) req.setHeader('content-length', Buffer.byteLength(r.body));
    req.end(r.body);
  });
}

const TRAVERSAL = [
  '..',
  '.',
  '%2e%2e',
  '%2E%2E',
  '%2e',
  '.%2e',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '..%2f..%2f..%2fetc%2fpasswd',
  '%2f',
  '%2fetc%2fpasswd',
  '..%5c..%5cwindows',
  '%5c',
  '..%255c',
  '%252e%252e',
  '%00',
  'a%00b',
  '2024-01-01.parquet%00.txt',
  '....%2f%2f',
  '%c0%ae%c0%ae',
  '%ff%fe',
  '%',
  '%zz',
  "'%20OR%201%3D1%20--",
  '1%27%3BDROP%20TABLE%20backfill_jobs%3B--',
  '%3Cscript%3Ealert(1)%3C%2Fscript%3E',
  '%24%7Bjndi%3Aldap%3A%2F%2Fx%7D',
  'x'.repeat(3000),
  '%2e%2e%2f'.repeat(200),
];

const FILE_SEGMENTS = ['sim', 'BTC%2FUSDT', 'candle', '1m', '2024-01-01.parquet'];

function hostileRequests(): Hostile[] {
  const out: Hostile[] = [];
  const json = { 'content-type': 'application/json' };
  const key = { 'x-api-key': API_KEY };

  // Path traversal in every path parameter of every route.
  for (const bad of TRAVERSAL) {
    for (let i = 0; i < FILE_SEGMENTS.length; i++) {
      const segments = [...FILE_SEGMENTS];
      segments[i] = bad;
      out.push({ method: 'GET', path: `/data/backfill/${segments.join('/')}` });
    }
    out.push({ method: 'GET', path: `/data/backfill/${bad}/${bad}/${bad}/${bad}/${bad}` });
    out.push({ method: 'GET', path: `/reports/backfill/jobs/${bad}` });
    out.push({ method: 'POST', path: `/reports/backfill/jobs/${bad}/cancel` });
    out.push({ method: 'GET', path: `/api/v1/historical/${bad}?start=2024-01-01&end=2024-01-02` });
    out.push({ method: 'DELETE', path: `/api/v1/admin/symbols/${bad}`, headers: key });
    out.push({ method: 'DELETE', path: `/api/v1/admin/symbols/${bad}` });
  }

  // Bad JSON and bad shapes for job submission.
  const valid = { ...DAY_JOB, subject: 'ETH/USDT' };
  const rawBodies = [
    '',
    '{',
    '{"source":',
    '{source: "sim"}',
    "{'source':'sim'}",
    'null',
    'true',
    '123',
    '"sim"',
    '[]',
    '[{}]',
    '{}',
    '{"__proto__":{"admin":true}}',
    `${'['.repeat(20_000)}${']'.repeat(20_000)}`,
    JSON.stringify(valid).slice(0, -1),
    `${JSON.stringify(valid)}garbage`,
    JSON.stringify(valid).replace('"sim"', '"s\\u0000im"'),
    '\u0000\u0001\u0002',
    '\uFEFF{}',
  ];
  for (const body of rawBodies)
    out.push({ method: 'POST', path: '/reports/backfill', headers: json, body });
  const wrongValues: unknown[] = [
    null,
    1,
    -1,
    1.5,
    true,
    [],
    {},
    ['sim'],
    { $ne: null },
    'x'.repeat(5000),
    '',
    "' OR 1=1 --",
    '../../etc/passwd',
    '\u0000',
  ];
  for (const field of Object.keys(valid)) {
    for (const value of wrongValues) {
      // Numbers are legal epoch times for start/end; 1 and -1 etc. are then bad ranges.
      out.push({
        method: 'POST',
        path: '/reports/backfill',
        headers: json,
        body: JSON.stringify({ ...valid, [field]: value }),
      });
    }
    const { [field as keyof typeof valid]: _drop, ...missing } = valid;
    out.push({
      method: 'POST',
      path: '/reports/backfill',
      headers: json,
      body: JSON.stringify(missing),
    });
  }
  const semantic: Record<string, unknown>[] = [
    { source: 'binance' },
    { source: 'nope' },
    { source: "sim' OR '1'='1" },
    { source: 'sim; DROP TABLE backfill_jobs; --' },
    { subject: 'DOGE/USDT' },
    { subject: "BTC/USDT'; DROP TABLE backfill_jobs; --" },
    { subject: 'BTC/USDT\\..\\..' },
    { kind: 'trade' },
    { kind: 'quote' },
    { granularity: '7m' },
    { granularity: '0m' },
    { granularity: '1m; DROP' },
    { start: '1970-01-01', end: '2999-01-01' },
    { start: 0, end: 9_999_999_999_999 },
    { start: '2000-01-01', end: '2024-01-01' },
    { start: '2099-01-01', end: '2099-02-01' },
    { start: '2024-01-02', end: '2024-01-01' },
    { start: '2024-01-01', end: '2024-01-01' },
    { start: '2024-02-30' },
    { start: '2024-13-01' },
    { start: 'yesterday' },
    { start: 'NaN' },
    { start: '1e400' },
    { start: 12_345_678_901_234 },
    { start: -86_400_000 },
    { extra: 1 },
    { constructor: { prototype: {} } },
  ];
  for (const patch of semantic) {
    out.push({
      method: 'POST',
      path: '/reports/backfill',
      headers: json,
      body: JSON.stringify({ ...valid, ...patch }),
    });
  }
  out.push({ method: 'POST', path: '/reports/backfill', headers: json, body: '{"start":1e400}' });
  for (const type of [
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/xml',
    'json',
  ]) {
    out.push({
      method: 'POST',
      path: '/reports/backfill',
      headers: { 'content-type': type },
      body: JSON.stringify(valid),
    });
  }
  out.push({
    method: 'POST',
    path: '/reports/backfill',
    headers: json,
    body: JSON.stringify({ ...valid, pad: 'x'.repeat(70_000) }),
  });
  out.push({
    method: 'POST',
    path: '/api/v1/admin/symbols',
    headers: { ...json, ...key },
    body: 'x'.repeat(200_000),
  });

  // Hostile query strings.
  const queries = [
    'limit=0',
    'limit=501',
    'limit=-1',
    'limit=1e3',
    'limit=abc',
    'limit=99999999999999999999',
    'offset=-5',
    'offset=1.5',
    "status=' OR 1=1 --",
    'status=running&status=pending',
    'kind=quote',
    'granularity=7m',
    'granularity=%00',
    `subject=${'x'.repeat(500)}`,
    'unknown=1',
    '__proto__=1',
    'constructor=x',
  ];
  for (const q of queries) out.push({ method: 'GET', path: `/reports/backfill/jobs?${q}` });
  for (const q of [
    'start=nope',
    'end=2024-02-30',
    'kind=quote',
    'granularity=0s',
    'x=1',
    `source=${'a'.repeat(200)}`,
    'start=2024-01-01&start=2024-01-02',
  ]) {
    out.push({ method: 'GET', path: `/data/backfill/index?${q}` });
  }
  const historical = [
    '',
    'start=',
    'start=nope',
    'start=2024-01-01&end=nope',
    'start=1970-01-01&end=2999-01-01',
    'start=0&end=9999999999999',
    'start=2024-01-02&end=2024-01-01',
    'start=2024-01-01&granularity=7m',
    'start=2024-01-01&granularity=1m%3B%20DROP',
    'start=2024-01-01&source=nope',
    "start=2024-01-01&source=sim'%20OR%20'1'%3D'1",
    'start=2024-01-01&format=xml',
    'start=2024-01-01&format=json&format=csv',
    'start=2024-01-01&kind=trade',
    `start=${'9'.repeat(100)}`,
  ];
  for (const q of historical) out.push({ method: 'GET', path: `/api/v1/historical/BTC-USDT?${q}` });
  for (const q of ['x=1', 'verbose=true']) {
    for (const p of [
      '/health',
      '/api/v1/status',
      '/api/v1/symbols',
      '/api/v1/metrics',
      '/reports/backfill/feeds',
      '/metrics',
    ]) {
      out.push({ method: 'GET', path: `${p}?${q}` });
    }
  }

  // Missing and wrong API keys, on both admin routes.
  const keys: (string | undefined)[] = [
    undefined,
    '',
    ' ',
    'wrong',
    API_KEY.toUpperCase(),
    `${API_KEY.slice(0, 5)} ${API_KEY.slice(5)}`,
    `${API_KEY.slice(1)}${API_KEY[0]}`,
    API_KEY.slice(0, -1),
    `${API_KEY}0`,
    'x'.repeat(4000),
    "' OR 1=1 --",
    `Bearer ${API_KEY}`,
  ];
  for (const k of keys) {
    const headers: Record<string, string> = {
      ...json,
      ...(k === undefined ? {} : { 'x-api-key': k }),
    };
    out.push({
      method: 'POST',
      path: '/api/v1/admin/symbols',
      headers,
      body: JSON.stringify({ symbol: 'SOL/USDT', asset_class: 'crypto' }),
    });
    out.push({ method: 'DELETE', path: '/api/v1/admin/symbols/BTC%2FUSDT', headers });
    out.push({
      method: 'POST',
      path: '/api/v1/admin/symbols',
      headers: { ...headers, authorization: `Bearer ${API_KEY}` },
      body: '{}',
    });
  }
  // A valid key with hostile bodies: still validated.
  for (const body of [
    '{',
    '{}',
    '{"symbol":1}',
    '{"symbol":"..","asset_class":"crypto"}',
    '{"symbol":"a\\u0000b"}',
    '{"symbol":"a\\\\b"}',
    `{"symbol":"${'A'.repeat(101)}"}`,
    '{"symbol":"SOL/USDT","asset_class":"../x"}',
    '{"symbol":"SOL/USDT","asset_class":"x\' OR 1=1 --"}',
    '{"symbol":"SOL/USDT","asset_class":"crypto","admin":true}',
    '{"symbol":" SOL/USDT"}',
  ]) {
    out.push({ method: 'POST', path: '/api/v1/admin/symbols', headers: { ...json, ...key }, body });
  }

  // Wrong methods.
  const routes = [
    '/',
    '/health',
    '/openapi.json',
    '/metrics',
    '/api/v1/status',
    '/api/v1/symbols',
    '/api/v1/metrics',
    '/reports/backfill',
    '/reports/backfill/feeds',
    '/reports/backfill/jobs',
    '/reports/backfill/jobs/00000000-0000-4000-8000-000000000000',
    '/data/backfill/index',
    `/data/backfill/${FILE_SEGMENTS.join('/')}`,
    '/api/v1/historical/BTC-USDT',
    '/api/v1/admin/symbols',
  ];
  for (const path of routes) {
    for (const method of ['PUT', 'PATCH', 'DELETE', 'POST']) {
      if (method === 'POST' && (path === '/reports/backfill' || path === '/api/v1/admin/symbols'))
        continue;
      out.push({ method, path, headers: json, body: JSON.stringify(valid) });
    }
  }
  out.push({ method: 'GET', path: '/reports/backfill' });
  out.push({
    method: 'GET',
    path: '/reports/backfill/jobs/00000000-0000-4000-8000-000000000000/cancel',
  });
  out.push({ method: 'GET', path: `/${'a/'.repeat(1000)}` });
  return out;
}

for (const mode of MODES) {
  describe.skipIf(mode === 'postgres' && !pgAvailable)(`hostile requests (${mode})`, () => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startTestServer(mode);
      const created = await postJson(`${server.url}/reports/backfill`, DAY_JOB);
      expect(created.status).toBe(201);
      await waitForJob(server.url, (created.body as { id: string }).id);
    });

    afterAll(async () => {
      await server?.close();
    });

    it('answers 500+ malformed requests with 4xx and {error:{code,message}}, changing nothing', async () => {
      const requests = hostileRequests();
      expect(requests.length).toBeGreaterThanOrEqual(500);
      const jobsBefore = await server.service.jobs.list({ limit: 500 });
      const symbolsBefore = await server.service.repos.symbols.list();
      const before = digest(server.dataDir);
      // A fresh connection per request: @hono/node-server closes a kept-alive socket whose
      // unread request body takes over 500 ms to drain, which a loaded machine can hit.
      const agent = new Agent({ keepAlive: false, maxSockets: 8 });
      const failures: string[] = [];
      try {
        for (let i = 0; i < requests.length; i += 8) {
          const batch = requests.slice(i, i + 8);
          const answers = await Promise.all(
            batch.map((r) =>
              send(server.url, agent, r).catch((e: unknown) => {
                throw new Error(`${r.method} ${r.path.slice(0, 200)}: ${String(e)}`);
              }),
            ),
          );
          answers.forEach((a, j) => {
            const r = batch[j]!;
            const what = `${r.method} ${r.path.slice(0, 120)} ${r.body?.slice(0, 80) ?? ''} -> ${a.status} ${a.text.slice(0, 200)}`;
            if (a.status < 400 || a.status >= 500) {
              failures.push(what);
              return;
            }
            let body: { error?: { code?: unknown; message?: unknown } } | undefined;
            try {
              body = JSON.parse(a.text) as typeof body;
            } catch {
              failures.push(`not JSON: ${what}`);
              return;
            }
            if (
              typeof body?.error?.code !== 'string' ||
              typeof body.error.message !== 'string' ||
              body.error.message === ''
            ) {
              failures.push(`bad error shape: ${what}`);
            }
          });
        }
      } finally {
        agent.destroy();
      }
      expect(failures).toEqual([]);

      const health = await fetch(`${server.url}/health`);
      expect(health.status).toBe(200);
      const jobsAfter = await server.service.jobs.list({ limit: 500 });
      expect(jobsAfter.total).toBe(jobsBefore.total);
      expect(jobsAfter.jobs.map((j) => [j.id, j.status])).toEqual(
        jobsBefore.jobs.map((j) => [j.id, j.status]),
      );
      expect(await server.service.repos.symbols.list()).toEqual(symbolsBefore);
      expect(digest(server.dataDir)).toEqual(before);
    });
  });
}
