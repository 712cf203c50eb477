/**
 * One backtest measurement in a fresh process, so its peak RSS is its own:
 * `pull URL CACHE` (a year of day files from a service) or
 * `replay CACHE START END` (a trivial model over the cached days). Prints JSON.
 */
import { BacktestClient, BacktestRunner, type Model } from '../src/backtest/index.js';

const [mode, ...args] = process.argv.slice(2);
const SERIES = { source: 'sim', subject: 'BTC/USDT' } as const;

function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

if (mode === 'pull') {
  const [url = '', cacheDir = '', start = '', end = ''] = args;
  const client = new BacktestClient(url, { cacheDir, progress: false });
  const began = performance.now();
  const files = await client.pull({ ...SERIES, start, end });
  const seconds = (performance.now() - began) / 1000;
  const bytes = files.reduce((sum, f) => sum + f.sizeBytes, 0);
  const again = performance.now();
  const second = await client.pull({ ...SERIES, start, end });
  const unchanged = second.filter((f) => f.action === 'unchanged').length;
  process.stdout.write(
    `${JSON.stringify({ files: files.length, bytes, seconds, repull_seconds: (performance.now() - again) / 1000, unchanged })}\n`,
  );
} else if (mode === 'replay') {
  const [cacheDir = '', start = '', end = ''] = args;
  // The trivial model: reads nothing, always predicts up.
  const model: Model = { tick() {}, predict: () => 1 };
  const runner = new BacktestRunner({ model, cacheDir });
  const began = performance.now();
  const result = await runner.run({ ...SERIES, start, end, windowSize: 120 });
  const seconds = (performance.now() - began) / 1000;
  const metricsBegan = performance.now();
  const { predictions } = result.metrics;
  process.stdout.write(
    `${JSON.stringify({
      rows: result.config.rows,
      predictions,
      seconds,
      metrics_seconds: (performance.now() - metricsBegan) / 1000,
      peak_rss_mb: peakRssMb(),
    })}\n`,
  );
} else {
  throw new Error(`unknown mode '${mode}' (pull or replay)`);
}
