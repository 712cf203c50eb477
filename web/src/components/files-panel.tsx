/** @module The Parquet day files of a series, with download links (from `/data/backfill/index`). */
import { useEffect, useState } from 'preact/hooks';
import { api, query } from '../api';
import { bytes, count } from '../format';
import type { Feed, ManifestEntry } from '../types';
import { ScrollRegion } from './scroll-region';

/** Props of {@link FilesPanel}. */
export interface FilesPanelProps {
  readonly feeds: Feed[];
  readonly range: { start: string; end: string };
  readonly refresh: number;
}

/** Day files of one series within the coverage map's range. */
export function FilesPanel({ feeds, range, refresh }: FilesPanelProps) {
  const options = feeds.flatMap((f) =>
    f.subjects.flatMap((s) =>
      f.kinds.flatMap((k) =>
        k === 'trade'
          ? [`trade:${f.source}:${s}`]
          : f.granularities.map((g) => `candle:${f.source}:${s}:${g}`),
      ),
    ),
  );
  const [series, setSeries] = useState('');
  const chosen = series === '' ? (options[0] ?? '') : series;
  const [files, setFiles] = useState<ManifestEntry[] | undefined>();
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    if (chosen === '') return;
    const [kind, source, subject, granularity] = chosen.split(':');
    let live = true;
    api<ManifestEntry[]>(
      `/data/backfill/index${query({ source, subject, kind, granularity, start: range.start, end: range.end })}`,
    ).then(
      (f) => {
        if (!live) return;
        setFiles(f);
        setError(undefined);
      },
      (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
    };
  }, [chosen, range.start, range.end, refresh]);

  return (
    <section aria-labelledby="files-title" class="panel">
      <h2 id="files-title">Parquet files</h2>
      <div class="toolbar">
        <label for="files-series">Series</label>
        <select id="files-series" value={chosen} onChange={(e) => setSeries(e.currentTarget.value)}>
          {options.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
        <span class="muted">
          {range.start} → {range.end} (the coverage map's range)
        </span>
      </div>
      {error === undefined ? null : <p role="alert">{error}</p>}
      {files !== undefined && files.length === 0 ? (
        <p class="muted">No files in this range.</p>
      ) : null}
      {files !== undefined && files.length > 0 ? (
        <ScrollRegion label="Parquet files">
          <table data-testid="files-table">
            <thead>
              <tr>
                <th scope="col">Day (UTC)</th>
                <th scope="col">Records</th>
                <th scope="col">Size</th>
                <th scope="col">Download</th>
              </tr>
            </thead>
            <tbody>
              {files.map((f) => (
                <tr key={f.path}>
                  <td>{f.date}</td>
                  <td>{count(f.records)}</td>
                  <td>{bytes(f.size_bytes)}</td>
                  <td>
                    <a href={`/data/backfill/${f.path}`} download={`${f.date}.parquet`}>
                      {f.date}.parquet
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      ) : null}
    </section>
  );
}
