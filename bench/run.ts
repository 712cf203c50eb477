/**
 * `npm run bench`: every benchmark side by side with its baseline, measured in
 * the same run. Prints a table and writes bench/results.json. Name cases to
 * run only those (`node dist/bench/run.js backtest`); their results replace
 * theirs in results.json and the others stay.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runArchiveBench } from './archive.js';
import { runBacktestBench } from './backtest.js';
import { runClusterLimitBench } from './cluster-limit.js';
import { runCpuBound } from './cpu-bound.js';
import { runRateLimited } from './rate-limited.js';
import { runSeamlessBench } from './seamless.js';
import { runServiceBench } from './service.js';
import { type BenchRow, printTable } from './table.js';
import { runWebBench, WEB_TARGETS } from './web.js';

const root = join(tmpdir(), `gapless-bench-${process.pid}`);
const rows: BenchRow[] = [];
const results: Record<string, Record<string, number>> = {};
const CASES = [
  'rate_limited',
  'cpu_bound',
  'seamless',
  'cluster_limit',
  'service',
  'backtest',
  'web',
  'archive',
];
const selected = process.argv.slice(2);
for (const name of selected) {
  if (!CASES.includes(name)) throw new Error(`unknown bench case '${name}' (${CASES.join(', ')})`);
}
const want = (name: string) => selected.length === 0 || selected.includes(name);

function record(name: string, figures: Record<string, number>, targets: BenchRow['targets']): void {
  results[name] = figures;
  rows.push({ name, figures, targets });
}

try {
  if (want('rate_limited')) {
    const limited = await runRateLimited(join(root, 'rate-limited'));
    record('rate_limited', limited, {
      efficiency: { op: '>=', value: 0.9 },
      http_429: { op: '<=', value: 0 },
      ratio_to_naive: { op: '>=', value: 4 },
    });
  }
  if (want('cpu_bound')) {
    const cpu = await runCpuBound(join(root, 'cpu-bound'));
    record('cpu_bound', cpu.cpu, { ratio_to_bare: { op: '<=', value: 1.3 } });
    record('read', cpu.read, { ratio_to_duckdb: { op: '<=', value: 1.5 } });
    record('peak_rss_mb', cpu.rss, {
      one_year_mb: { op: '<=', value: 200 },
      five_year_mb: { op: '<=', value: 200 },
      growth_ratio: { op: '<=', value: 1.2 },
    });
  }
  if (want('seamless')) {
    const seamless = await runSeamlessBench(join(root, 'seamless'));
    record('seamless', seamless, {
      cache_hit_ms: { op: '<=', value: 1 },
      single_flight_ratio: { op: '<=', value: 1 },
      seamless_overhead: { op: '<=', value: 1.2 },
    });
  }
  if (want('cluster_limit')) {
    const cluster = await runClusterLimitBench();
    record('cluster_limit', cluster, {
      cluster_limit_utilisation: { op: '>=', value: 0.9 },
      windows_over_limit: { op: '<=', value: 0 },
    });
  }
  if (want('service')) {
    const service = await runServiceBench(join(root, 'service'));
    record('history', service.history, {
      history_rps: { op: '>=', value: 2000 },
      p99_ms: { op: '<=', value: 50 },
    });
    record('files', service.files, { file_mb_per_s: { op: '>=', value: 200 } });
    record('job', service.job, { job_overhead: { op: '<=', value: 1.1 } });
  }
  if (want('backtest')) {
    const backtest = await runBacktestBench(join(root, 'backtest'));
    record('backtest_replay', backtest.replay, {
      year_s: { op: '<=', value: 1.0 },
      year_peak_rss_mb: { op: '<=', value: 250 },
      rss_growth_ratio: { op: '<=', value: 1.2 },
    });
    record('backtest_pull', backtest.pull, { pull_mb_per_s: { op: '>=', value: 100 } });
  }
  if (want('web')) {
    const web = await runWebBench(join(root, 'web'));
    record('web', { ...web }, { ...WEB_TARGETS });
  }
  if (want('archive')) {
    const archive = await runArchiveBench(join(root, 'archive'));
    record('archive', archive, {
      ratio_to_rest: { op: '>=', value: 20 },
      cpu_rows_per_s: { op: '>=', value: 1_500_000 },
      peak_rss_mb: { op: '<=', value: 200 },
    });
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}

printTable(rows);
// A partial run keeps the other cases' last figures.
const previous =
  selected.length > 0 && existsSync('bench/results.json')
    ? (JSON.parse(readFileSync('bench/results.json', 'utf8')) as { results: typeof results })
        .results
    : {};
writeFileSync(
  'bench/results.json',
  `${JSON.stringify({ measuredAt: new Date().toISOString(), results: { ...previous, ...results } }, null, 2)}\n`,
);
