/** @module The coverage map: series by UTC day, each cell a DOM element with `data-status`. */
import { useEffect, useState } from 'preact/hooks';
import { api, query } from '../api';
import { count, dateMs, utcDate } from '../format';
import type { CoverageMap as CoverageData, DayStatus } from '../types';
import { ScrollRegion } from './scroll-region';

const DAY_MS = 86_400_000;

const LABELS: Record<DayStatus, string> = {
  covered: 'covered',
  empty: 'confirmed empty',
  partial: 'partly covered',
  missing: 'missing',
};

/** What a click on a missing stretch asks the form to hold. */
export interface Stretch {
  readonly source: string;
  readonly subject: string;
  readonly kind: 'candle' | 'trade';
  readonly granularity: string | null;
  /** `YYYY-MM-DD`, first day of the stretch. */
  readonly start: string;
  /** `YYYY-MM-DD`, the day after the stretch (exclusive). */
  readonly end: string;
}

/** Props of {@link CoverageMap}. */
export interface CoverageMapProps {
  readonly range: { start: string; end: string };
  readonly onRange: (range: { start: string; end: string }) => void;
  readonly refresh: number;
  /** Called when a missing or partly covered stretch is clicked. */
  readonly onPick: (stretch: Stretch) => void;
}

const needsWork = (s: DayStatus | undefined) => s === 'missing' || s === 'partial';

/**
 * The contiguous run of missing or partly covered days around `index`:
 * one click asks for the whole hole, not one day of it.
 */
export function stretchAround(statuses: readonly DayStatus[], index: number): [number, number] {
  let first = index;
  let last = index;
  while (needsWork(statuses[first - 1])) first--;
  while (needsWork(statuses[last + 1])) last++;
  return [first, last];
}

/** The map of `range`, reloaded when `refresh` changes. */
export function CoverageMap({ range, onRange, refresh, onPick }: CoverageMapProps) {
  const [map, setMap] = useState<CoverageData | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [start, setStart] = useState(range.start);
  const [end, setEnd] = useState(range.end);

  useEffect(() => {
    setStart(range.start);
    setEnd(range.end);
    let live = true;
    api<CoverageData>(
      `/reports/backfill/coverage${query({ start: range.start, end: range.end })}`,
    ).then(
      (m) => {
        if (!live) return;
        setMap(m);
        setError(undefined);
      },
      (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
    };
  }, [range.start, range.end, refresh]);

  const days = map?.days ?? [];
  return (
    <section aria-labelledby="map-title" class="panel">
      <h2 id="map-title">Coverage</h2>
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          onRange({ start, end });
        }}
      >
        <label for="map-start">From (UTC)</label>
        <input
          id="map-start"
          type="date"
          value={start}
          onChange={(e) => setStart(e.currentTarget.value)}
        />
        <label for="map-end">To (UTC, exclusive)</label>
        <input
          id="map-end"
          type="date"
          value={end}
          onChange={(e) => setEnd(e.currentTarget.value)}
        />
        <button type="submit">Show</button>
      </form>
      <ul class="legend" aria-label="Legend">
        {(Object.keys(LABELS) as DayStatus[]).map((s) => (
          <li key={s}>
            <span class={`swatch cell-${s}`} aria-hidden="true" /> {LABELS[s]}
          </li>
        ))}
      </ul>
      {error === undefined ? null : <p role="alert">{error}</p>}
      <p class="muted">
        Click a missing or partly covered day to fill the form with the whole gap.
      </p>
      <ScrollRegion label="Coverage map">
        <table
          class="coverage"
          data-testid="coverage-map"
          data-start={map?.days[0]}
          data-days={days.length}
        >
          <thead>
            <tr>
              <th scope="col">Series</th>
              {days.map((d, i) => (
                <th scope="col" key={d} class="day-head" title={d}>
                  {i === 0 || d.endsWith('-01') || days.length <= 45 ? (
                    <abbr title={d}>{days.length <= 45 ? d.slice(8) : d.slice(5)}</abbr>
                  ) : null}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {(map?.series ?? []).map((s) => {
              const name = `${s.source} ${s.subject} ${s.kind === 'candle' ? s.granularity : 'trades'}`;
              return (
                <tr key={s.id} data-series={s.id}>
                  <th scope="row">{name}</th>
                  {s.statuses.map((status, i) => {
                    const day = days[i] ?? '';
                    const label = `${name}, ${day}: ${LABELS[status]}, ${count(s.records[i] ?? 0)} records`;
                    return (
                      <td
                        key={day}
                        class={`cell cell-${status}`}
                        data-status={status}
                        data-date={day}
                        title={label}
                      >
                        {needsWork(status) ? (
                          <button
                            type="button"
                            aria-label={`${label}. Fill the form with this gap`}
                            onClick={() => {
                              const [first, last] = stretchAround(s.statuses, i);
                              onPick({
                                source: s.source,
                                subject: s.subject,
                                kind: s.kind,
                                granularity: s.granularity,
                                start: days[first] ?? day,
                                end: utcDate(dateMs(days[last] ?? day) + DAY_MS),
                              });
                            }}
                          />
                        ) : null}
                      </td>
                    );
                  })}
                </tr>
              );
            })}
          </tbody>
        </table>
      </ScrollRegion>
    </section>
  );
}
