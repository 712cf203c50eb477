import { execFile, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers/cli.js';
import {
  API_KEY,
  DAY_JOB,
  getJson,
  postJson,
  startTestServer,
  type TestServer,
  waitForJob,
} from './helpers/server-harness.js';

const run = promisify(execFile);
const require = process.env.GAPLESS_REQUIRE_SERVICES === '1';

function havePromtool(): boolean {
  const found = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!found && require) throw new Error('promtool is required (apt-get install prometheus)');
  if (!found) console.warn('SKIPPED: promtool check metrics (promtool not installed)');
  return found;
}

type Doc = {
  paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
};

describe('the service against the standards its endpoints claim', () => {
  let live: TestServer;
  let doc: Doc;
  const tmp = tempDir();

  beforeAll(async () => {
    live = await startTestServer('embedded');
    doc = (await getJson(`${live.url}/openapi.json`)).body as Doc;
    const created = await postJson(`${live.url}/reports/backfill`, DAY_JOB);
    await waitForJob(live.url, (created.body as { id: string }).id);
  });
  afterAll(async () => {
    await live.close();
    tmp.cleanup();
  });

  it.skipIf(!havePromtool())('/metrics passes promtool check metrics', async () => {
    const text = await (await fetch(`${live.url}/metrics`)).text();
    const checked = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(checked.stdout + checked.stderr).toBe('');
    expect(checked.status).toBe(0);
  });

  it('/openapi.json passes redocly lint with the recommended rules, warnings included', {
    timeout: 120_000,
  }, async () => {
    const file = join(tmp.dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(doc));
    const result = await run(
      process.execPath,
      [
        'node_modules/@redocly/cli/bin/cli.js',
        'lint',
        file,
        '--extends',
        'recommended',
        '--format',
        'stylish',
      ],
      { env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } },
    ).catch((error: { stdout: string; stderr: string }) => error);
    const output = `${result.stdout}${result.stderr}`;
    expect(output).not.toMatch(/\b(error|warning)\b\s+[a-z0-9-]+/);
    expect(output).toMatch(/Woohoo! Your API description is valid/);
  });

  it('every documented response it gives matches the document (ajv)', async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addSchema(doc, 'openapi.json');
    const opOf = (method: string, path: string) => {
      for (const [template, ops] of Object.entries(doc.paths)) {
        const re = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
        if (re.test(path) && ops[method] !== undefined) return { template, op: ops[method]! };
      }
      throw new Error(`undocumented operation ${method.toUpperCase()} ${path}`);
    };
    const seen = new Set<string>();
    const check = async (method: string, path: string, init: RequestInit = {}) => {
      const res = await fetch(`${live.url}${path}`, { ...init, method: method.toUpperCase() });
      const { template, op } = opOf(method, path.split('?')[0]!);
      const status = String(res.status);
      const key = status in op.responses ? status : `${status[0]}XX`;
      expect(op.responses, `${method} ${template} answered ${status}`).toHaveProperty([key]);
      seen.add(`${method} ${template}`);
      const type = res.headers.get('content-type') ?? '';
      const text = await res.text();
      if (!type.startsWith('application/json')) return;
      const pointer = ['paths', template, method, 'responses', key, 'content', 'application/json']
        .map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1'))
        .join('/');
      // A response may be a $ref to components/responses: resolve it by validating through it.
      const schemaRef = await resolveSchemaRef(doc, pointer);
      const validate = ajv.getSchema(`openapi.json#${schemaRef}`);
      expect(validate, `schema for ${method} ${template} ${key}`).toBeDefined();
      const ok = validate!(JSON.parse(text));
      expect(validate!.errors ?? [], `${method} ${path} ${status}: ${text.slice(0, 300)}`).toEqual(
        [],
      );
      expect(ok).toBe(true);
    };
    const json = { 'content-type': 'application/json' };
    const admin = { ...json, 'x-api-key': API_KEY };

    await check('get', '/');
    await check('get', '/openapi.json');
    await check('get', '/health');
    await check('get', '/reports/backfill/feeds');
    await check('post', '/reports/backfill', { headers: json, body: JSON.stringify(DAY_JOB) });
    await check('post', '/reports/backfill', { headers: json, body: '{"source":1}' });
    await check('post', '/reports/backfill', { body: 'not json' });
    await check('get', '/reports/backfill/jobs');
    await check('get', '/reports/backfill/jobs?limit=0');
    const jobs = (await getJson(`${live.url}/reports/backfill/jobs`)).body as {
      jobs: { id: string }[];
    };
    const id = jobs.jobs[0]!.id;
    await check('get', `/reports/backfill/jobs/${id}`);
    await check('get', '/reports/backfill/jobs/00000000-0000-4000-8000-000000000000');
    await check('post', `/reports/backfill/jobs/${id}/cancel`);
    await check('post', '/reports/backfill/jobs/00000000-0000-4000-8000-000000000000/cancel');
    await check('get', '/data/backfill/index');
    await check('get', '/data/backfill/index?granularity=7m');
    await check('get', '/data/backfill/sim/BTC%2FUSDT/candle/1m/2024-01-01.parquet');
    await check('get', '/data/backfill/sim/BTC%2FUSDT/candle/1m/2024-01-01.parquet', {
      headers: { range: 'bytes=0-9' },
    });
    await check('get', '/data/backfill/sim/BTC%2FUSDT/candle/1m/1999-01-01.parquet');
    await check(
      'get',
      '/data/backfill/bundle?source=sim&subject=BTC%2FUSDT&kind=candle&granularity=1m&dates=2024-01-01',
    );
    await check(
      'get',
      '/data/backfill/bundle?source=sim&subject=BTC%2FUSDT&kind=candle&dates=nope',
    );
    await check('get', '/assets/no-such-file.js');
    await check('post', '/reports/backfill/preview', {
      headers: json,
      body: JSON.stringify(DAY_JOB),
    });
    await check('post', '/reports/backfill/preview', { headers: json, body: '{"source":1}' });
    await check('get', '/reports/backfill/coverage?start=2024-01-01&end=2024-01-03');
    await check('get', '/reports/backfill/coverage?start=nope');
    await check('get', '/reports/backfill/runs');
    await check(
      'get',
      '/reports/backfill/chart?series=candle:sim:BTC/USDT:1m&start=2024-01-01&end=2024-01-02',
    );
    await check(
      'get',
      '/reports/backfill/chart?series=candle:sim:BTC/USDT:1m&start=2023-01-01&end=2024-01-02',
    );
    await check('get', '/reports/backfill/chart?series=nope&start=2024-01-01');
    await check('get', '/api/v1/historical/BTC-USDT?start=2024-01-01&end=2024-01-02');
    await check('get', '/api/v1/historical/BTC-USDT?start=2023-12-31T23:00Z&end=2024-01-01T01:00Z');
    await check('get', '/api/v1/historical/BTC-USDT?start=nope');
    await check('get', '/api/v1/historical/NOPE-USDT?start=2024-01-01');
    await check('get', '/api/v1/symbols');
    await check('get', '/api/v1/status');
    await check('get', '/api/v1/metrics');
    await check('get', '/metrics');
    await check('post', '/api/v1/admin/symbols', {
      headers: admin,
      body: JSON.stringify({ symbol: 'SOL/USDT' }),
    });
    await check('post', '/api/v1/admin/symbols', {
      headers: json,
      body: JSON.stringify({ symbol: 'SOL/USDT' }),
    });
    await check('delete', '/api/v1/admin/symbols/SOL-USDT', { headers: admin });
    await check('delete', '/api/v1/admin/symbols/DOGE-USDT', { headers: admin });

    const documented = Object.entries(doc.paths).flatMap(([template, ops]) =>
      Object.keys(ops)
        .filter((m) => ['get', 'post', 'put', 'delete', 'patch'].includes(m))
        .map((m) => `${m} ${template}`),
    );
    expect(documented.filter((op) => !seen.has(op))).toEqual([]);
  });
});

/** The JSON pointer of the schema a response pointer leads to, through a response `$ref`. */
async function resolveSchemaRef(doc: unknown, pointer: string): Promise<string> {
  const parts = pointer.split('/').map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
  // parts: paths, template, method, responses, key, content, application/json
  let node = doc as Record<string, unknown>;
  for (const part of parts.slice(0, 5)) node = node[part] as Record<string, unknown>;
  if (typeof node.$ref === 'string') {
    return `${node.$ref.slice(1)}/content/application~1json/schema`;
  }
  return `/${pointer}/schema`;
}
