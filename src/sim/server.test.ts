import { afterEach, describe, expect, it } from 'vitest';
import { type SimServer, startSimServer } from './server.js';

const NOW = Date.UTC(2024, 0, 10, 12, 0, 30);
let sim: SimServer | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function get(path: string) {
  const res = await fetch(`${sim!.url}${path}`);
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe('sim server', () => {
  it('serves Binance-shaped endpoints', async () => {
    sim = await startSimServer({ nowMs: () => NOW });
    expect(JSON.parse((await get('/api/v3/ping')).text)).toEqual({});
    expect(JSON.parse((await get('/api/v3/time')).text)).toEqual({ serverTime: NOW });
    const info = JSON.parse((await get('/api/v3/exchangeInfo')).text);
    expect(info.symbols.map((s: { symbol: string }) => s.symbol)).toContain('BTCUSDT');

    const start = NOW - 10 * 60_000 - 30_000;
    const klines = await get(
      `/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=${start}&limit=3`,
    );
    expect(klines.status).toBe(200);
    expect(klines.headers.get('x-mbx-used-weight-1m')).toBe('24');
    const rows = JSON.parse(klines.text) as unknown[][];
    expect(rows).toHaveLength(3);
    const bars = sim.market.candles('BTC/USDT', '1m', { startMs: start, endMs: NOW }, NOW);
    expect(rows[0]).toEqual([
      bars[0]!.tsMs,
      String(bars[0]!.open),
      String(bars[0]!.high),
      String(bars[0]!.low),
      String(bars[0]!.close),
      String(bars[0]!.volume),
      bars[0]!.tsMs + 59_999,
      expect.any(String),
      expect.any(Number),
      expect.any(String),
      expect.any(String),
      '0',
    ]);
    // Without a start: the last `limit` closed bars.
    const last = JSON.parse((await get('/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=2')).text);
    expect(last.map((r: number[]) => r[0])).toEqual(bars.slice(-2).map((b) => b.tsMs));

    const tStart = NOW - 3_600_000;
    const trades = JSON.parse(
      (
        await get(
          `/api/v3/aggTrades?symbol=ETHUSDT&startTime=${tStart}&endTime=${NOW - 1}&limit=1000`,
        )
      ).text,
    );
    const expected = sim.market.trades('ETH/USDT', { startMs: tStart, endMs: NOW }, NOW);
    expect(trades.map((t: { a: number }) => String(t.a))).toEqual(expected.map((t) => t.tradeId));
    expect(trades[0]).toEqual({
      a: Number(expected[0]!.tradeId),
      p: String(expected[0]!.price),
      q: String(expected[0]!.amount),
      f: Number(expected[0]!.tradeId),
      l: Number(expected[0]!.tradeId),
      T: expected[0]!.tsMs,
      m: expected[0]!.side === 'sell',
      M: true,
    });
    const recent = JSON.parse((await get('/api/v3/trades?symbol=ETHUSDT&limit=5')).text);
    expect(recent).toHaveLength(5);
  });

  it('answers Binance-style 400s for an unknown symbol or interval', async () => {
    sim = await startSimServer({ nowMs: () => NOW });
    const bad = await get('/api/v3/klines?symbol=NOPEUSDT&interval=1m');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toEqual({ code: -1121, msg: 'Invalid symbol.' });
    const badInterval = await get('/api/v3/klines?symbol=BTCUSDT&interval=7m');
    expect(badInterval.status).toBe(400);
    expect(JSON.parse(badInterval.text).code).toBe(-1120);
  });

  it('answers 429 with Retry-After past the weight limit, then 418 after repeated 429s', async () => {
    sim = await startSimServer({ nowMs: () => NOW, weightPerMinute: 10 });
    const path = '/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=1';
    for (let i = 0; i < 5; i++) expect((await get(path)).status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await get(path);
      statuses.push(res.status);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(statuses).toEqual([429, 429, 429, 418, 418]);
    const stats = sim.stats();
    expect(stats).toMatchObject({ requests: 10, http429: 3, http418: 2, weightUsed: 10 });
    // Stats over HTTP, and a reset lifts the ban.
    expect(JSON.parse((await get('/__sim/stats')).text).http429).toBe(3);
    await fetch(`${sim.url}/__sim/reset`, { method: 'POST' });
    expect((await get(path)).status).toBe(200);
    expect(sim.stats().requests).toBe(1);
  });

  it('injects seeded faults and counts them', async () => {
    sim = await startSimServer({
      nowMs: () => NOW,
      errorRate: 0.3,
      truncateRate: 0.2,
      faultSeed: 3,
    });
    let ok = 0;
    let bad = 0;
    let cut = 0;
    for (let i = 0; i < 60; i++) {
      const res = await get('/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=5');
      if (res.status >= 500) bad++;
      else {
        try {
          JSON.parse(res.text);
          ok++;
        } catch {
          cut++;
        }
      }
    }
    const stats = sim.stats();
    expect(stats.http5xx).toBe(bad);
    expect(stats.truncated).toBe(cut);
    expect(bad).toBeGreaterThan(5);
    expect(cut).toBeGreaterThan(3);
    expect(ok).toBeGreaterThan(10);
    expect(stats.dataRequests).toBe(60);
  });

  it('repeats and shuffles rows when asked', async () => {
    sim = await startSimServer({ nowMs: () => NOW, duplicateRows: true, shuffleRows: true });
    const start = NOW - 100 * 60_000;
    const rows = JSON.parse(
      (await get(`/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=${start}&limit=50`)).text,
    ) as number[][];
    const ts = rows.map((r) => r[0]!);
    expect(ts.length).toBeGreaterThan(50);
    expect(ts.some((t) => t < start)).toBe(true);
    expect(new Set(ts).size).toBeLessThan(ts.length);
    expect(ts).not.toEqual([...ts].sort((a, b) => a - b));
  });
});
