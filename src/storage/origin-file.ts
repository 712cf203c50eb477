/**
 * @module Which source filled which range of a series (archive or REST, and
 * why a range the archive should have had came over REST): one JSON file per
 * series under `{data}/.gapless/origins/`, beside the coverage files.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { StorageError } from '../core/errors.js';
import { FILL_VIAS, type FillOrigin } from '../core/fill-origin.js';
import { subtractRanges } from '../core/range-math.js';
import { type Series, seriesId } from '../core/series.js';
import { writeFileAtomic } from './atomic-file.js';
import { makeDir } from './make-dir.js';
import { insideDataDir, isNotFound, seriesSegments } from './parquet/layout.js';
import { withSeriesLock } from './series-lock.js';

const ORIGIN_DIR = ['.gapless', 'origins'] as const;

interface OriginDocument {
  readonly series: string;
  readonly origins: { start_ms: number; end_ms: number; via: string; note?: string }[];
}

function originFilePath(dataDir: string, series: Series): string {
  const [source, subject, kind, granularity] = seriesSegments(series);
  return insideDataDir(dataDir, ...ORIGIN_DIR, source, subject, kind, `${granularity}.json`);
}

/** The recorded origins of a series, sorted by time; empty when none were recorded. */
export async function readFillOrigins(dataDir: string, series: Series): Promise<FillOrigin[]> {
  const file = originFilePath(dataDir, series);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (isNotFound(error)) return [];
    throw new StorageError(`cannot read ${file}`, { cause: error });
  }
  let doc: OriginDocument;
  try {
    doc = JSON.parse(text) as OriginDocument;
  } catch (cause) {
    throw new StorageError(`corrupt origin file ${file}: not JSON`, { cause });
  }
  if (doc?.series !== seriesId(series) || !Array.isArray(doc.origins)) {
    throw new StorageError(`corrupt origin file ${file}: not the origins of ${seriesId(series)}`);
  }
  return doc.origins.map((o) => {
    if (
      !Number.isSafeInteger(o?.start_ms) ||
      !Number.isSafeInteger(o.end_ms) ||
      !(FILL_VIAS as readonly string[]).includes(o.via)
    ) {
      throw new StorageError(`corrupt origin file ${file}: bad entry ${JSON.stringify(o)}`);
    }
    return {
      startMs: o.start_ms,
      endMs: o.end_ms,
      via: o.via as FillOrigin['via'],
      ...(typeof o.note === 'string' ? { note: o.note } : {}),
    };
  });
}

/**
 * Records where `origins` came from, replacing what was recorded for those
 * ranges before (a re-fill wins); neighbours of the same source and note are
 * merged. Runs under the series' lock, after the rows are stored.
 */
export async function recordFillOrigins(
  dataDir: string,
  series: Series,
  origins: readonly FillOrigin[],
): Promise<void> {
  if (origins.length === 0) return;
  await withSeriesLock(dataDir, series, async () => {
    let kept = await readFillOrigins(dataDir, series);
    for (const o of origins) {
      kept = kept.flatMap((k) => subtractRanges([k], [o]).map((r) => ({ ...k, ...r })));
    }
    const all = [...kept, ...origins].sort((a, b) => a.startMs - b.startMs);
    const merged: FillOrigin[] = [];
    for (const o of all) {
      const last = merged[merged.length - 1];
      if (
        last !== undefined &&
        last.endMs === o.startMs &&
        last.via === o.via &&
        last.note === o.note
      ) {
        merged[merged.length - 1] = { ...last, endMs: o.endMs };
      } else {
        merged.push(o);
      }
    }
    const doc: OriginDocument = {
      series: seriesId(series),
      origins: merged.map((o) => ({
        start_ms: o.startMs,
        end_ms: o.endMs,
        via: o.via,
        ...(o.note === undefined ? {} : { note: o.note }),
      })),
    };
    const file = originFilePath(dataDir, series);
    try {
      await makeDir(path.dirname(file));
    } catch (cause) {
      throw new StorageError(`cannot create ${path.dirname(file)}`, { cause });
    }
    await writeFileAtomic(file, `${JSON.stringify(doc)}\n`);
  });
}
