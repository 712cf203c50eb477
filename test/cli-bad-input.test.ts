import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir, writeConfig } from './helpers/cli.js';

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[p] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

const GOOD_FEED = {
  source: 'sim',
  exchange: 'sim',
  subjects: ['BTC/USDT'],
  kinds: ['candle'],
  granularities: ['1h'],
};

describe('the CLI on bad input', () => {
  const tmp = tempDir();
  let before: Record<string, string>;

  beforeAll(async () => {
    writeConfig(tmp.dir, { feeds: [GOOD_FEED] });
    const seed = await runCli(
      ['backfill', '--start', '2024-01-01', '--end', '2024-01-03'],
      tmp.dir,
    );
    expect(seed.code).toBe(0);
    before = snapshot(join(tmp.dir, 'data'));
    expect(Object.keys(before).length).toBeGreaterThan(1);
  });

  afterAll(() => tmp.cleanup());

  const cases: [string, string[], RegExp][] = [
    ['unknown feed', ['backfill', '--feed', 'nope'], /unknown feed 'nope'/],
    [
      'unknown subject',
      ['backfill', '--symbols', 'DOGE/USDT'],
      /subject 'DOGE\/USDT' is not configured/,
    ],
    ['bad start date', ['backfill', '--start', '2024-02-31'], /bad --start '2024-02-31'/],
    ['garbage end', ['backfill', '--end', 'tomorrowish'], /bad --end 'tomorrowish'/],
    [
      'end before start',
      ['backfill', '--start', '2024-03-01', '--end', '2024-01-01'],
      /end .* must be after start/,
    ],
    ['unknown granularity', ['backfill', '--granularity', '7x'], /unknown granularity '7x'/],
    ['unknown kind', ['backfill', '--kind', 'quote'], /unknown kind 'quote'/],
    ['bad parallel', ['backfill', '--parallel', '0'], /--parallel must be a whole number/],
    [
      'bad metrics port',
      ['backfill', '--metrics-port', '70000'],
      /--metrics-port must be a port from 0 to 65535/,
    ],
    ['bad read series', ['read', 'candle:sim:BTC/USDT', '--start', '2024-01-01'], /bad series id/],
    [
      'bad read format',
      ['read', 'candle:sim:BTC/USDT:1h', '--start', '2024-01-01', '--format', 'xml'],
      /unknown --format 'xml'/,
    ],
    ['unknown option', ['backfill', '--bogus'], /unknown option '--bogus'/],
    ['missing config file', ['backfill', '--config', 'nowhere.yaml'], /cannot read config file/],
  ];

  it.each(cases)(
    '%s: one line naming the problem, non-zero exit, no stack',
    async (_name, args, message) => {
      const run = await runCli(args, tmp.dir);
      expect(run.code).not.toBe(0);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(run.stderr.trim().split('\n')[0]).toMatch(message);
      expect(snapshot(join(tmp.dir, 'data'))).toEqual(before);
    },
  );

  const configs: [string, string, RegExp][] = [
    ['malformed YAML', 'feeds: [\n  - source: sim\n    exchange: [', /malformed YAML/],
    [
      'unknown key',
      'feeds:\n  - source: sim\n    exchange: sim\n    subjects: [A]\n    colour: red\n',
      /feeds\[0\]: unknown key 'colour'/,
    ],
    [
      'bad granularity',
      'feeds:\n  - source: sim\n    exchange: sim\n    subjects: [A]\n    granularities: [1m, 7x]\n',
      /feeds\[0\]\.granularities\[1\]: unknown granularity '7x'/,
    ],
    [
      'wrong type',
      'feeds:\n  - source: sim\n    exchange: sim\n    subjects: BTC\n',
      /feeds\[0\]\.subjects: .*expected array/,
    ],
    ['no feeds', 'data_dir: ./data\n', /feeds: /],
    [
      'bad api_url',
      'feeds:\n  - source: x\n    exchange: binance\n    subjects: [A]\n    api_url: not a url\n',
      /feeds\[0\]\.api_url/,
    ],
  ];

  it.each(configs)('malformed config (%s) names the key', async (_name, yaml, message) => {
    const path = join(tmp.dir, 'bad.yaml');
    writeFileSync(path, yaml);
    const run = await runCli(
      ['backfill', '--config', path, '--data-dir', join(tmp.dir, 'data')],
      tmp.dir,
    );
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
    expect(snapshot(join(tmp.dir, 'data'))).toEqual(before);
  });
});

describe('the CLI with a --metrics-port already in use', () => {
  it('says which port and why in one line, exit 2', async () => {
    const { createServer } = await import('node:net');
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    const tmp = tempDir();
    try {
      writeConfig(tmp.dir, { feeds: [GOOD_FEED] });
      const args = ['backfill', '--start', '2024-01-01', '--end', '2024-01-02'];
      const run = await runCli([...args, '--metrics-port', String(port)], tmp.dir);
      expect(run.code).toBe(2);
      expect(run.stderr.trim()).toBe(
        `error: --metrics-port ${port}: listen EADDRINUSE: address already in use 127.0.0.1:${port}`,
      );
    } finally {
      busy.close();
      tmp.cleanup();
    }
  });
});
