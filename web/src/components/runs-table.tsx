/** @module The scheduler's runs (`backfill_history`): one row per symbol per daily run. */
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { count, utcTime } from '../format';
import type { Run } from '../types';
import { ScrollRegion } from './scroll-region';

/** The newest 20 scheduled runs. */
export function RunsTable({ refresh }: { readonly refresh: number }) {
  const [runs, setRuns] = useState<Run[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    api<{ runs: Run[] }>('/reports/backfill/runs?limit=20').then(
      (r) => setRuns(r.runs),
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  }, [refresh]);
  return (
    <section aria-labelledby="runs-title" class="panel">
      <h2 id="runs-title">Scheduled runs</h2>
      {error === undefined ? null : <p role="alert">{error}</p>}
      {runs !== undefined && runs.length === 0 ? (
        <p class="muted">The daily scheduler has not run yet.</p>
      ) : (
        <ScrollRegion label="Scheduled runs table">
          <table data-testid="runs-table">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Symbol</th>
                <th scope="col">Records</th>
                <th scope="col">Outcome</th>
              </tr>
            </thead>
            <tbody>
              {(runs ?? []).map((r) => (
                <tr key={`${r.time}-${r.symbol}`}>
                  <td>{utcTime(r.time)}</td>
                  <td>{r.symbol}</td>
                  <td>{count(r.records_imported)}</td>
                  <td>{r.success ? 'ok' : `failed: ${r.error ?? ''}`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
    </section>
  );
}
