/** @module The console: form and live job on top, then history, coverage, chart, symbols and files. */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, prefetch, query } from './api';
import { BackfillForm } from './components/backfill-form';
import { CoverageMap, type Stretch } from './components/coverage-map';
import { FilesPanel } from './components/files-panel';
import { JobView } from './components/job-view';
import { JobsTable } from './components/jobs-table';
import { RunsTable } from './components/runs-table';
import { SymbolsPanel } from './components/symbols-panel';
import { dateMs, last30Days } from './format';
import type { Feed, FormValues, Job } from './types';

type ChartComponent = typeof import('./components/candle-chart').CandleChart;

// Most of the JavaScript is the chart's: fetch it beside the feeds, not after them.
const chartModule = import('./components/candle-chart');

/** What the URL hash says: `#/jobs/{id}` opens a job; `#/?source=..&start=..` fills the form. */
export interface Route {
  readonly jobId: string | undefined;
  readonly prefill: Partial<FormValues>;
}

/** Parses `location.hash`; anything else (`#main`) is the home view. */
export function parseRoute(hash: string): Route {
  const job = /^#\/jobs\/([\w-]{1,64})$/.exec(hash);
  if (job) return { jobId: job[1], prefill: {} };
  const q = /^#\/\?(.*)$/.exec(hash);
  const prefill: Record<string, string> = {};
  if (q) {
    for (const [k, v] of new URLSearchParams(q[1])) {
      if (['source', 'subject', 'kind', 'granularity', 'start', 'end'].includes(k)) prefill[k] = v;
    }
  }
  return { jobId: undefined, prefill: prefill as Partial<FormValues> };
}

function initialForm(feeds: Feed[], prefill: Partial<FormValues>): FormValues {
  const feed = feeds.find((f) => f.source === prefill.source) ?? feeds[0];
  return {
    source: feed?.source ?? '',
    subject: feed?.subjects[0] ?? '',
    kind: feed?.kinds[0] ?? 'candle',
    granularity: feed?.granularities[0] ?? '1m',
    ...last30Days(),
    ...prefill,
  };
}

/** Starts loading the chart of the form's series and range: the same path the chart asks for. */
function prefetchChart(form: FormValues): void {
  if (form.kind !== 'candle') return;
  const series = `candle:${form.source}:${form.subject}:${form.granularity}`;
  prefetch(
    `/reports/backfill/chart${query({ series, start: dateMs(form.start), end: dateMs(form.end) })}`,
  );
}

/** The whole console. */
export function App() {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  const [feeds, setFeeds] = useState<Feed[] | undefined>();
  const [feedError, setFeedError] = useState<string | undefined>();
  const [form, setForm] = useState<FormValues | undefined>();
  const [refresh, setRefresh] = useState(0);
  const [feedsVersion, setFeedsVersion] = useState(0);
  const [mapRange, setMapRange] = useState(last30Days);
  const bump = useCallback(() => setRefresh((r) => r + 1), []);

  useEffect(() => {
    const onHash = () => {
      // `#jobs-title` and the like jump within the page; only `#/...` is a route.
      if (!location.hash.startsWith('#/') && location.hash !== '') return;
      const next = parseRoute(location.hash);
      setRoute(next);
      if (Object.keys(next.prefill).length > 0) setForm((f) => (f ? { ...f, ...next.prefill } : f));
    };
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    api<{ feeds: Feed[] }>('/reports/backfill/feeds').then(
      (r) => {
        const first = initialForm(r.feeds, parseRoute(location.hash).prefill);
        // The chart's first range, asked for before the panels below ask for theirs.
        if (form === undefined) prefetchChart(first);
        setFeeds(r.feeds);
        setForm((f) => f ?? first);
      },
      (e: unknown) => setFeedError(e instanceof Error ? e.message : String(e)),
    );
  }, [feedsVersion]);

  const ready = form !== undefined;
  const [Chart, setChart] = useState<ChartComponent | undefined>();
  useEffect(() => {
    if (!ready) return;
    performance.mark('gapless:form-usable');
    void chartModule.then((m) => setChart(() => m.CandleChart));
  }, [ready]);

  const openJob = (job: Job) => {
    location.hash = `#/jobs/${job.id}`;
    bump();
  };

  const pick = (s: Stretch) => {
    setForm({
      source: s.source,
      subject: s.subject,
      kind: s.kind,
      granularity: s.granularity ?? form?.granularity ?? '1m',
      start: s.start,
      end: s.end,
    });
    const first = document.getElementById('f-start');
    first?.scrollIntoView({ block: 'center' });
    first?.focus();
  };

  const chartStart = form?.start ?? last30Days().start;
  const chartEnd = form?.end ?? last30Days().end;
  const chartSeries =
    form === undefined || form.kind !== 'candle'
      ? ''
      : `candle:${form.source}:${form.subject}:${form.granularity}`;

  return (
    <>
      <header class="top">
        <h1>gapless</h1>
        <nav aria-label="Sections">
          <a href="#form-title">Backfill</a>
          <a href="#jobs-title">Jobs</a>
          <a href="#map-title">Coverage</a>
          <a href="#chart-title">Chart</a>
          <a href="#symbols-title">Symbols</a>
          <a href="#files-title">Files</a>
          <a href="/openapi.json">API</a>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        <div class="columns">
          <div class="panel" data-testid="form-panel" data-ready={String(form !== undefined)}>
            {feedError === undefined ? null : (
              <p role="alert">Cannot load the feeds: {feedError}</p>
            )}
            {feeds === undefined || form === undefined ? (
              <p>Loading feeds…</p>
            ) : (
              <BackfillForm
                feeds={feeds}
                values={form}
                onChange={setForm}
                onStarted={openJob}
                refresh={refresh}
              />
            )}
          </div>
          <div class="panel">
            {route.jobId === undefined ? (
              <section aria-labelledby="job-title" class="job">
                <h2 id="job-title">Job</h2>
                <p class="muted">Run a backfill or pick a job in the table to follow it here.</p>
              </section>
            ) : (
              <JobView key={route.jobId} id={route.jobId} onEnded={bump} onRetried={openJob} />
            )}
          </div>
        </div>
        {/* The rest asks the server only once the form is usable, so the feeds come first. */}
        {!ready || feeds === undefined ? null : (
          <>
            <JobsTable refresh={refresh} />
            <CoverageMap range={mapRange} onRange={setMapRange} refresh={refresh} onPick={pick} />
            {Chart === undefined || chartSeries === '' ? (
              <section class="panel" aria-label="Chart">
                <p class="muted">Loading the chart…</p>
              </section>
            ) : (
              <Chart
                feeds={feeds}
                refresh={refresh}
                initial={{ series: chartSeries, start: chartStart, end: chartEnd }}
              />
            )}
            <div class="columns">
              <SymbolsPanel onChanged={() => setFeedsVersion((v) => v + 1)} />
              <RunsTable refresh={refresh} />
            </div>
            <FilesPanel feeds={feeds} range={mapRange} refresh={refresh} />
          </>
        )}
      </main>
      <footer class="foot">
        <p>
          Times are UTC. Charts by{' '}
          <a href="https://www.tradingview.com/" rel="noopener noreferrer">
            TradingView Lightweight Charts™
          </a>{' '}
          (Apache-2.0; attribution kept as its licence asks). API:{' '}
          <a href="/openapi.json">/openapi.json</a>.
        </p>
      </footer>
    </>
  );
}
