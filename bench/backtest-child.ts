/**
 * One backtest measurement in a fresh process, so its peak RSS is its own:
 * `pull URL CACHE START END` (a year of day files from a service, then again
 * into an empty cache in the same, now warm, process),
 * `replay CACHE START END` (a trivial model over the cached days) or
 * `disk FROM TO` (the pull's floor on this disk: the same files, already in
 * memory, written atomically into an empty folder). Prints JSON.
 */
import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../src/backtest/atomic-write.js';
import { BacktestClient, BacktestRunner, type Model } from '../src/backtest/index.js';
import { peakRssMb } from './peak-rss.js';

const [mode, ...args] = process.argv.slice(2);
const SERIES = { source: 'sim', subject: 'BTC/USDT' } as const;

if (mode === 'pull') {
  const [url = '', cacheDir = '', start = '', end = ''] = args;
  const client = new BacktestClient(url, { cacheDir, progress: false });
  const began = performance.now();
  const files = await client.pull({ ...SERIES, start, end });
  const seconds = (performance.now() - began) / 1000;
  const bytes = files.reduce((sum, f) => sum + f.sizeBytes, 0);
  const again = performance.now();
  const second = await client.pull({ ...SERIES, start, end });
  const repullSeconds = (performance.now() - again) / 1000;
  const unchanged = second.filter((f) => f.action === 'unchanged').length;
  // The same pull once the process has run one: what start-up (compiling, first-touch
  // memory) costs the first. The year is in the page cache for both.
  const warmClient = new BacktestClient(url, { cacheDir: `${cacheDir}-warm`, progress: false });
  const warmBegan = performance.now();
  await warmClient.pull({ ...SERIES, start, end });
  const warmSeconds = (performance.now() - warmBegan) / 1000;
  process.stdout.write(
    `${JSON.stringify({ files: files.length, bytes, seconds, repull_seconds: repullSeconds, warm_seconds: warmSeconds, unchanged })}\n`,
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
      peak_rss_mb: Math.round(peakRssMb()),
    })}\n`,
  );
} else if (mode === 'disk') {
  // Temp file and rename per file, as any atomic cache must; the better of one at a time
  // (fewest syscalls) and 16 at a time through the thread pool (overlaps a busy journal).
  const [from = '', to = ''] = args;
  const files = readdirSync(from)
    .filter((name) => name.endsWith('.parquet'))
    .map((name) => ({ name, bytes: readFileSync(join(from, name)) }));
  const bytes = files.reduce((sum, f) => sum + f.bytes.length, 0);
  // The files stay (the bench removes its folder at the end): deleting hundreds of files
  // makes ext4 slower to create the next ones (it skips recently freed inodes), which
  // would slow the pull measured after this.
  const timed = async (dir: string, write: () => Promise<void>) => {
    await mkdir(dir, { recursive: true });
    const began = performance.now();
    await write();
    return (performance.now() - began) / 1000;
  };
  const sequential = await timed(join(to, 'sequential'), async () => {
    for (const f of files) {
      const target = join(to, 'sequential', f.name);
      writeFileSync(`${target}.tmp`, f.bytes);
      renameSync(`${target}.tmp`, target);
    }
  });
  const parallel = await timed(join(to, 'parallel'), async () => {
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < files.length; i = next++) {
        await writeFileAtomic(join(to, 'parallel', files[i]!.name), files[i]!.bytes);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
  });
  process.stdout.write(
    `${JSON.stringify({ files: files.length, bytes, seconds: Math.min(sequential, parallel), sequential, parallel })}\n`,
  );
} else {
  throw new Error(`unknown mode '${mode}' (pull, replay or disk)`);
}
