/** @module A candle chart of stored data (TradingView Lightweight Charts); loads only the visible range. */
import {
  type CandlestickData,
  CandlestickSeries,
  createChart,
  type IChartApi,
  type ISeriesApi,
  type UTCTimestamp,
  type WhitespaceData,
} from 'lightweight-charts';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, query } from '../api';
import { dateMs } from '../format';
import type { ChartBars, Feed } from '../types';

const STEP_S: Record<string, number> = {
  '1s': 1,
  '1m': 60,
  '3m': 180,
  '5m': 300,
  '15m': 900,
  '30m': 1_800,
  '1h': 3_600,
  '2h': 7_200,
  '4h': 14_400,
  '6h': 21_600,
  '8h': 28_800,
  '12h': 43_200,
  '1d': 86_400,
  '1w': 604_800,
};
/** Bars the server computes when a range holds more than {@link MAX_BARS} native ones. */
const COARSER = [300, 3_600, 86_400];
/** The server's threshold: above this many bars, it aggregates. */
export const MAX_BARS = 5_000;
// Whitespace points drawn for gaps; beyond this a gap is still a gap, only narrower.
const MAX_WHITESPACE = 20_000;

/** The bar (seconds) the server picks for a span: the same rule as `chooseBar` on the server. */
export function barFor(nativeS: number, spanS: number): number {
  if (spanS / nativeS <= MAX_BARS) return nativeS;
  return COARSER.find((b) => b > nativeS && spanS / b <= MAX_BARS) ?? Math.max(nativeS, 86_400);
}

/**
 * Chart points: a candle per bar, and a whitespace point for every bar
 * missing between two candles, so gaps show as gaps instead of being closed up.
 */
export function chartPoints(bars: ChartBars): (CandlestickData | WhitespaceData)[] {
  const out: (CandlestickData | WhitespaceData)[] = [];
  let whitespace = 0;
  for (let i = 0; i < bars.time.length; i++) {
    const t = bars.time[i]!;
    const prev = bars.time[i - 1];
    if (prev !== undefined) {
      for (let w = prev + bars.bar_s; w < t && whitespace < MAX_WHITESPACE; w += bars.bar_s) {
        out.push({ time: w as UTCTimestamp });
        whitespace++;
      }
    }
    out.push({
      time: t as UTCTimestamp,
      open: bars.open[i]!,
      high: bars.high[i]!,
      low: bars.low[i]!,
      close: bars.close[i]!,
    });
  }
  return out;
}

/** The chart endpoint's path for a series and range (epoch ms). */
export function chartPath(series: string, startMs: number, endMs: number): string {
  return `/reports/backfill/chart${query({ series, start: Math.floor(startMs), end: Math.ceil(endMs) })}`;
}

/** Props of {@link CandleChart}. */
export interface CandleChartProps {
  readonly feeds: Feed[];
  readonly refresh: number;
  /** Series and range to show first, e.g. from the form. */
  readonly initial: { series: string; start: string; end: string };
}

interface Loaded {
  readonly bars: ChartBars;
  readonly nativeS: number;
}

/** The chart panel: series and range pickers, the chart, and what it shows as data attributes. */
export function CandleChart({ feeds, refresh, initial }: CandleChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const chartRef = useRef<{ chart: IChartApi; candles: ISeriesApi<'Candlestick'> } | undefined>(
    undefined,
  );
  const loadedRef = useRef<Loaded | undefined>(undefined);
  const applying = useRef(false);
  const [series, setSeries] = useState(initial.series);
  const [start, setStart] = useState(initial.start);
  const [end, setEnd] = useState(initial.end);
  const [shown, setShown] = useState({
    series: initial.series,
    start: initial.start,
    end: initial.end,
  });
  const [loaded, setLoaded] = useState<ChartBars | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [loading, setLoading] = useState(false);

  const options = feeds.flatMap((f) =>
    f.kinds.includes('candle')
      ? f.subjects.flatMap((s) => f.granularities.map((g) => `candle:${f.source}:${s}:${g}`))
      : [],
  );

  // One chart for the panel's life; series data is replaced on every load.
  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    const chart = createChart(el, {
      autoSize: true,
      layout: { background: { color: '#ffffff' }, textColor: '#1f2328', attributionLogo: true },
      grid: { vertLines: { color: '#eef0f2' }, horzLines: { color: '#eef0f2' } },
      timeScale: { timeVisible: true, secondsVisible: false },
    });
    const candles = chart.addSeries(CandlestickSeries, {
      upColor: '#1a7f37',
      downColor: '#cf222e',
      borderVisible: false,
      wickUpColor: '#1a7f37',
      wickDownColor: '#cf222e',
    });
    chartRef.current = { chart, candles };
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Zoom and pan: load the visible range (and as much again around it) at the bar it needs.
    const onRange = () => {
      const visible = chart.timeScale().getVisibleRange();
      // What is on screen, for tests and tools that read the page.
      el.dataset.visibleFrom = visible === null ? '' : String(visible.from);
      el.dataset.visibleTo = visible === null ? '' : String(visible.to);
      if (applying.current) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        const visible = chart.timeScale().getVisibleRange();
        const current = loadedRef.current;
        if (visible === null || current === undefined) return;
        const from = Number(visible.from);
        const to = Number(visible.to);
        const span = Math.max(to - from, current.bars.bar_s);
        const wanted = barFor(current.nativeS, span * 2);
        const inside = from >= current.bars.start_ms / 1000 && to <= current.bars.end_ms / 1000;
        if (wanted === current.bars.bar_s && inside) return;
        void load(current.bars.series, (from - span / 2) * 1000, (to + span / 2) * 1000, {
          from,
          to,
        });
      }, 300);
    };
    chart.timeScale().subscribeVisibleTimeRangeChange(onRange);
    return () => {
      clearTimeout(timer);
      chart.timeScale().unsubscribeVisibleTimeRangeChange(onRange);
      chart.remove();
      chartRef.current = undefined;
    };
  }, []);

  const load = async (
    id: string,
    startMs: number,
    endMs: number,
    keep?: { from: number; to: number },
  ): Promise<void> => {
    setLoading(true);
    try {
      const bars = await api<ChartBars>(chartPath(id, startMs, endMs));
      const granularity = id.split(':')[3] ?? '1m';
      loadedRef.current = { bars, nativeS: STEP_S[granularity] ?? 60 };
      const c = chartRef.current;
      if (c !== undefined) {
        applying.current = true;
        c.candles.setData(chartPoints(bars));
        if (keep === undefined) c.chart.timeScale().fitContent();
        else
          c.chart
            .timeScale()
            .setVisibleRange({ from: keep.from as UTCTimestamp, to: keep.to as UTCTimestamp });
        // The chart reports the range change on its next frame; ignore that echo.
        requestAnimationFrame(() =>
          requestAnimationFrame(() => {
            applying.current = false;
          }),
        );
      }
      setLoaded(bars);
      setError(undefined);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => {
    if (shown.series === '') return;
    void load(shown.series, dateMs(shown.start), dateMs(shown.end));
  }, [shown, refresh]);

  const first = loaded?.time[0];
  const last = loaded?.time[loaded.time.length - 1];
  return (
    <section aria-labelledby="chart-title" class="panel">
      <h2 id="chart-title">Chart</h2>
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setShown({ series, start, end });
        }}
      >
        <label for="chart-series">Series</label>
        <select id="chart-series" value={series} onChange={(e) => setSeries(e.currentTarget.value)}>
          {options.includes(series) ? null : <option value={series}>{series}</option>}
          {options.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
        <label for="chart-start">From (UTC)</label>
        <input
          id="chart-start"
          type="date"
          value={start}
          onChange={(e) => setStart(e.currentTarget.value)}
        />
        <label for="chart-end">To (UTC, exclusive)</label>
        <input
          id="chart-end"
          type="date"
          value={end}
          onChange={(e) => setEnd(e.currentTarget.value)}
        />
        <button type="submit">Show</button>
      </form>
      {error === undefined ? null : <p role="alert">{error}</p>}
      <figure class="chart-figure">
        <figcaption class="muted" aria-live="polite" data-testid="chart-summary">
          {loaded === undefined
            ? 'Loading…'
            : `${loaded.count.toLocaleString('en-US')} bars of ${loaded.bar}${loaded.aggregated ? ` (aggregated from ${loaded.series.split(':')[3]})` : ''}${loaded.gaps.length > 0 ? `, ${loaded.gaps.length} uncovered range${loaded.gaps.length === 1 ? '' : 's'}` : ''}. Scroll to zoom, drag to pan.`}
        </figcaption>
        <div
          class="chart"
          ref={box}
          data-testid="chart"
          data-series={loaded?.series}
          data-bar={loaded?.bar}
          data-aggregated={loaded === undefined ? undefined : String(loaded.aggregated)}
          data-count={loaded?.count}
          data-first={first}
          data-last={last}
          data-gaps={loaded?.gaps.length}
          data-loading={String(loading)}
        />
      </figure>
    </section>
  );
}
