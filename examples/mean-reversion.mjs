/**
 * @module A mean-reversion model for `gapless backtest`: it bets that the
 * price moves back toward the mean of its window, in proportion to how far
 * (in standard deviations) the last close strayed from it.
 *
 *   gapless backtest --model examples/mean-reversion.mjs --url http://127.0.0.1:8080 \
 *     --subject BTC/USDT --start 2024-01-01 --end 2024-01-07
 *
 * or, as a script: `node examples/mean-reversion.mjs http://127.0.0.1:8080`.
 */
import { pathToFileURL } from 'node:url';
import { BacktestRunner } from 'gapless/backtest';

/** The model: `tick` sees each window, `predict` answers with a signed strength. */
export class MeanReversion {
  #z = 0;

  /** @param {import('gapless/backtest').TickData} data */
  tick(data) {
    // Typed columns of exactly the window: no object per candle.
    const close = data.columns.close;
    let sum = 0;
    let squares = 0;
    for (const c of close) {
      sum += c;
      squares += c * c;
    }
    const mean = sum / close.length;
    const sd = Math.sqrt(Math.max(squares / close.length - mean * mean, 0));
    this.#z = sd === 0 ? 0 : (close[close.length - 1] - mean) / sd;
  }

  /** Positive: expect a rise. */
  predict() {
    return -this.#z;
  }
}

export default MeanReversion;

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const url = process.argv[2] ?? 'http://127.0.0.1:8080';
  const runner = new BacktestRunner({ model: new MeanReversion(), url });
  const result = await runner.run({
    source: 'sim',
    subject: 'BTC/USDT',
    start: '2024-01-01',
    end: '2024-01-07',
  });
  result.summary();
}
