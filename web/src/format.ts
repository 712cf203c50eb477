/** @module How the console writes times, sizes and durations (always UTC). */

const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` of the UTC day holding `ms`. */
export function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Epoch ms of a `YYYY-MM-DD` UTC date. */
export function dateMs(date: string): number {
  return Date.parse(`${date}T00:00:00Z`);
}

/** The default form range: the last 30 whole UTC days up to tomorrow 00:00 (end exclusive). */
export function last30Days(nowMs = Date.now()): { start: string; end: string } {
  const tomorrow = Math.floor(nowMs / DAY_MS) * DAY_MS + DAY_MS;
  return { start: utcDate(tomorrow - 30 * DAY_MS), end: utcDate(tomorrow) };
}

/** `2024-01-01 12:30 UTC`, or the date alone at midnight. */
export function utcTime(iso: string | number | null): string {
  if (iso === null) return '—';
  const text = new Date(iso).toISOString();
  const date = text.slice(0, 10);
  const time = text.slice(11, 16);
  return time === '00:00' ? `${date} UTC` : `${date} ${time} UTC`;
}

/** `1h 02m`, `45 s`. */
export function duration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** `12,345`. */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** `1.2 MB`. */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** Whole days between two `YYYY-MM-DD` dates. */
export function daysBetween(start: string, end: string): number {
  return Math.round((dateMs(end) - dateMs(start)) / DAY_MS);
}
