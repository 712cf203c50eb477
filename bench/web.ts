/**
 * Web console benchmarks, in headless Chromium against a local server with a
 * year of 1m candles: navigation start to the form usable, navigation start
 * to the year chart drawn, the chart endpoint's p99 under 16 connections, and
 * the JavaScript shipped (gzip). Runs alone with `npm run bench:web`.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import pino from 'pino';
import { chromium } from 'playwright-core';
import { openRuntime } from '../src/app/runtime.js';
import { parseConfig } from '../src/config/load-config.js';
import { makeSeries } from '../src/core/series.js';
import { startServer } from '../src/server/server.js';
import { cannon } from './service.js';
import { printTable } from './table.js';

const CHROMIUM = process.env.GAPLESS_CHROMIUM ?? '/usr/bin/chromium';
const YEAR_START = Date.UTC(2023, 0, 1);
const YEAR_END = Date.UTC(2024, 0, 1);
const LOADS = 5;

/** What {@link runWebBench} measured; empty when Chromium is missing. */
export interface WebBench {
  /** Median of fresh loads: navigation start to the form usable (feeds loaded). */
  form_usable_ms?: number;
  /** First load on a fresh server: navigation start to the year chart drawn (cold DuckDB). */
  year_chart_cold_ms?: number;
  /** Median of later loads: navigation start to the year chart drawn. */
  year_chart_ms?: number;
  /** `GET /reports/backfill/chart` of the year (aggregated to 1d), 16 connections. */
  chart_p99_ms: number;
  chart_rps: number;
  /** The same for one day of 1m as stored (no aggregation). */
  chart_day_p99_ms: number;
  /** JavaScript of the console, gzip -9. */
  js_gzip_kb: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function jsGzipKb(): number {
  const dir = resolve('dist/web/assets');
  let bytes = 0;
  for (const name of readdirSync(dir)) {
    if (name.endsWith('.js')) bytes += gzipSync(readFileSync(join(dir, name)), { level: 9 }).length;
  }
  return Math.round((bytes / 1024) * 10) / 10;
}

/** Stores a year of 1m candles, serves it, and measures the console over it. */
export async function runWebBench(dataDir: string): Promise<WebBench> {
  mkdirSync(dataDir, { recursive: true });
  const config = parseConfig({
    data_dir: dataDir,
    feeds: [
      {
        source: 'sim',
        exchange: 'sim',
        subjects: ['BTC/USDT'],
        kinds: ['candle'],
        granularities: ['1m'],
      },
    ],
    scheduler: { enabled: false },
  });
  const series = makeSeries({
    source: 'sim',
    subject: 'BTC/USDT',
    kind: 'candle',
    granularity: '1m',
  });
  {
    const filler = await openRuntime(config, { scheduler: false, worker: false });
    await filler.engine.fill(series, { startMs: YEAR_START, endMs: YEAR_END });
    await filler.close();
  }
  const service = await openRuntime(config, { scheduler: false });
  const server = await startServer(service, {
    host: '127.0.0.1',
    port: 0,
    logger: pino({ level: 'silent' }),
  });
  const out: WebBench = {
    chart_p99_ms: 0,
    chart_rps: 0,
    chart_day_p99_ms: 0,
    js_gzip_kb: jsGzipKb(),
  };
  try {
    const yearLink = `${server.url}/#/?source=sim&subject=BTC%2FUSDT&kind=candle&granularity=1m&start=2023-01-01&end=2024-01-01`;
    if (existsSync(CHROMIUM)) {
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      });
      try {
        // Each load in a fresh context: no cached scripts, as a first visit.
        const load = async (url: string, selector: string): Promise<number> => {
          const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
          const page = await context.newPage();
          await page.goto(url, { waitUntil: 'commit' });
          await page.waitForSelector(selector, { timeout: 30_000 });
          // The page marks the moment the form is usable; the chart is timed when it shows.
          const ms = await page.evaluate(
            (mark) =>
              (mark
                ? performance.getEntriesByName('gapless:form-usable')[0]?.startTime
                : undefined) ?? performance.now(),
            selector.includes('form-panel'),
          );
          await context.close();
          return ms;
        };
        const drawn =
          '[data-testid="chart"][data-bar="1d"][data-count="365"][data-loading="false"]';
        out.year_chart_cold_ms = Math.round(await load(yearLink, drawn));
        const forms: number[] = [];
        const charts: number[] = [];
        for (let i = 0; i < LOADS; i++) {
          forms.push(await load(`${server.url}/`, '[data-testid="form-panel"][data-ready="true"]'));
          charts.push(await load(yearLink, drawn));
        }
        out.form_usable_ms = Math.round(median(forms));
        out.year_chart_ms = Math.round(median(charts));
      } finally {
        await browser.close();
      }
    } else {
      console.warn(`SKIPPED: browser timings (no Chromium at ${CHROMIUM})`);
    }
    const chart = `${server.url}/reports/backfill/chart?series=candle:sim:BTC/USDT:1m`;
    const year = await cannon(`${chart}&start=2023-01-01&end=2024-01-01`, 16, 5);
    out.chart_p99_ms = year.latency.p99;
    out.chart_rps = Math.round(year.requests.average);
    const day = await cannon(`${chart}&start=2023-06-01&end=2023-06-02`, 16, 5);
    out.chart_day_p99_ms = day.latency.p99;
  } finally {
    await server.close();
    await service.close();
  }
  return out;
}

/** The targets of issue 10. */
export const WEB_TARGETS = {
  form_usable_ms: { op: '<=', value: 500 },
  year_chart_ms: { op: '<=', value: 1000 },
  chart_p99_ms: { op: '<=', value: 50 },
  js_gzip_kb: { op: '<=', value: 150 },
} as const;

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = join(tmpdir(), `gapless-bench-web-${process.pid}`);
  try {
    const web = await runWebBench(root);
    printTable([{ name: 'web', figures: { ...web }, targets: { ...WEB_TARGETS } }]);
    // Alone, it updates its own entry of the suite's results and leaves the others as measured.
    const file = 'bench/results.json';
    const saved = existsSync(file)
      ? (JSON.parse(readFileSync(file, 'utf8')) as {
          measuredAt?: string;
          results?: Record<string, unknown>;
        })
      : {};
    const out = {
      measuredAt: saved.measuredAt,
      webMeasuredAt: new Date().toISOString(),
      results: { ...saved.results, web },
    };
    writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
