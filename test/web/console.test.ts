/// <reference lib="dom" />
// Callbacks of page.evaluate and waitForFunction run in the browser.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, screenshot } from '../helpers/browser.js';
import {
  type ConsoleHarness,
  expectedCandles,
  MAINTENANCE,
  startConsole,
  storedCandles,
  storeFromMarket,
} from '../helpers/console-harness.js';
import { postgresAvailable } from '../helpers/postgres.js';
import { getJson, type Mode, postJson, waitForJob } from '../helpers/server-harness.js';

const hasChromium = chromiumAvailable();
const pgAvailable = hasChromium ? await postgresAvailable() : false;
const DAY = 86_400_000;
const JAN1 = Date.UTC(2024, 0, 1);

type Json = Record<string, unknown>;

/** Opens the console with the form filled from the URL, as a deep link does. */
async function openForm(page: Page, url: string, fields: Record<string, string>): Promise<void> {
  const q = new URLSearchParams({ source: 'sim', kind: 'candle', granularity: '1m', ...fields });
  await page.goto(`${url}/#/?${q}`);
  await page.waitForSelector('[data-testid="form-panel"][data-ready="true"]');
}

/** Waits until the preview answers for exactly this range and returns its page count. */
async function previewPages(page: Page, startMs: number, endMs: number): Promise<number> {
  const preview = page.locator(
    `[data-testid="preview"][data-start-ms="${startMs}"][data-end-ms="${endMs}"]`,
  );
  await preview.waitFor();
  return Number(await preview.getAttribute('data-pages'));
}

async function jobCount(url: string): Promise<number> {
  return ((await getJson(`${url}/reports/backfill/jobs`)).body as { total: number }).total;
}

/** The job view once its status is one of `statuses`; returns its data attributes. */
async function waitJob(page: Page, statuses: string[], timeoutMs = 60_000) {
  const view = page.locator('[data-testid="job-view"]');
  await page.waitForFunction(
    (wanted) =>
      wanted.includes(
        document.querySelector('[data-testid="job-view"]')?.getAttribute('data-status') ?? '',
      ),
    statuses,
    { timeout: timeoutMs },
  );
  return {
    id: (await view.getAttribute('data-job-id')) ?? '',
    status: await view.getAttribute('data-status'),
    percentage: Number(await view.getAttribute('data-percentage')),
    pages: Number(await view.getAttribute('data-pages')),
    records: Number(await view.getAttribute('data-records')),
  };
}

/**
 * Console errors other than the browser's own line for an answer the test
 * provoked on purpose ("Failed to load resource: ... status of 409").
 */
function unexpected(errors: string[], ...statuses: number[]): string[] {
  return errors.filter(
    (e) => !statuses.some((s) => e.includes(`the server responded with a status of ${s}`)),
  );
}

/** Clicks Run backfill. */
async function submitForm(page: Page) {
  await page.getByRole('button', { name: 'Run backfill' }).click();
}

function suite(mode: Mode, full: boolean) {
  describe.skipIf(!hasChromium || (mode === 'postgres' && !pgAvailable))(
    `web console in Chromium (${mode})`,
    () => {
      let h: ConsoleHarness;

      beforeAll(async () => {
        h = await startConsole(mode);
      });

      afterAll(async () => {
        await h?.close();
      });

      it('runs a backfill from the form: preview pages = pages fetched, bar to 100 %, history row, rows = the sim market', async () => {
        const { page, errors } = await h.page();
        await openForm(page, h.server.url, {
          subject: 'BTC/USDT',
          start: '2024-01-01',
          end: '2024-01-03',
        });
        const pages = await previewPages(page, JAN1, JAN1 + 2 * DAY);
        expect(pages).toBe(3); // 2,880 bars in pages of 1,000
        // Times show as UTC although the browser runs in New York.
        await expect(page.locator('[data-testid="preview"]').textContent()).resolves.toContain(
          '2024-01-01 UTC → 2024-01-03 UTC',
        );
        await screenshot(page, `${mode}-form`);

        await submitForm(page);
        await page.waitForURL(/#\/jobs\/[0-9a-f-]{36}$/);
        const done = await waitJob(page, ['completed', 'failed']);
        expect(done.status).toBe('completed');
        expect(done.percentage).toBe(100);
        await expect(page.getByRole('progressbar').getAttribute('aria-valuenow')).resolves.toBe(
          '100',
        );
        expect(done.pages).toBe(pages);
        expect(done.records).toBe(2 * 1440);

        const row = page.locator(
          `[data-testid="jobs-table"] tr[data-job-id="${done.id}"][data-status="completed"]`,
        );
        await row.waitFor();
        await expect(row.textContent()).resolves.toContain('ui');
        const stored = await storedCandles(h.server, 'BTC/USDT', {
          startMs: JAN1,
          endMs: JAN1 + 2 * DAY,
        });
        expect(stored).toEqual(
          expectedCandles('BTC/USDT', { startMs: JAN1, endMs: JAN1 + 2 * DAY }),
        );
        await screenshot(page, `${mode}-job-completed`);
        expect(errors).toEqual([]);
      });

      it('shows the 409 with a link to the running job; Cancel stops it and Retry fetches only the rest', async () => {
        const { page, errors } = await h.page();
        const start = Date.UTC(2024, 1, 1);
        const end = start + 40 * DAY; // 57,600 bars: 58 pages at 100 ms each
        await openForm(page, h.server.url, {
          subject: 'ETH/USDT',
          start: '2024-02-01',
          end: '2024-03-12',
        });
        expect(await previewPages(page, start, end)).toBe(58);
        await submitForm(page);
        const first = await waitJob(page, ['running']);
        const jobsBefore = await jobCount(h.server.url);

        await openForm(page, h.server.url, {
          subject: 'BTC/USDT',
          start: '2024-01-05',
          end: '2024-01-06',
        });
        await previewPages(page, JAN1 + 4 * DAY, JAN1 + 5 * DAY);
        await submitForm(page);
        const alert = page.locator('.form-error[data-code="JOB_RUNNING"]');
        await alert.waitFor();
        await expect(alert.textContent()).resolves.toMatch(/running/i);
        const link = page.getByTestId('running-job-link');
        await expect(link.getAttribute('href')).resolves.toBe(`#/jobs/${first.id}`);
        expect(await jobCount(h.server.url)).toBe(jobsBefore); // the 409 created nothing
        await screenshot(page, `${mode}-conflict`);

        await link.click();
        await page.locator(`[data-testid="job-view"][data-job-id="${first.id}"]`).waitFor();
        await page.getByRole('button', { name: 'Cancel' }).click();
        const cancelled = await waitJob(page, ['cancelled']);
        expect(cancelled.id).toBe(first.id);
        // The worker stops at its next page; what it stored by then stays stored.
        await expect.poll(() => h.server.service.worker?.runningJobIds.length ?? 0).toBe(0);
        const left = (
          await postJson(`${h.server.url}/reports/backfill/preview`, {
            source: 'sim',
            subject: 'ETH/USDT',
            kind: 'candle',
            granularity: '1m',
            start,
            end,
          })
        ).body as {
          pages: number;
          missing_bars: number;
          missing: { start_ms: number; end_ms: number }[];
        };
        expect(left.missing_bars).toBeGreaterThan(0);
        expect(left.missing_bars).toBeLessThan(40 * 1440);
        await screenshot(page, `${mode}-cancelled`);

        await page.getByRole('button', { name: /Retry/ }).click();
        await page.waitForURL((u) => !u.hash.endsWith(first.id));
        const retried = await waitJob(page, ['completed', 'failed']);
        expect(retried.status).toBe('completed');
        expect(retried.id).not.toBe(first.id);
        expect(retried.pages).toBe(left.pages);
        // Every bar the market has in what was missing (maintenance hours have none).
        const missingRows = left.missing.reduce(
          (n, r) =>
            n + expectedCandles('ETH/USDT', { startMs: r.start_ms, endMs: r.end_ms }).length,
          0,
        );
        expect(retried.records).toBe(missingRows);
        const view = (await getJson(`${h.server.url}/reports/backfill/jobs/${retried.id}`))
          .body as Json;
        expect([view.start_ms, view.end_ms, view.requested_by]).toEqual([start, end, 'ui']);
        const stored = await storedCandles(h.server, 'ETH/USDT', { startMs: start, endMs: end });
        expect(stored).toEqual(expectedCandles('ETH/USDT', { startMs: start, endMs: end }));
        expect(unexpected(errors, 409)).toEqual([]);
      });

      // Set up through the embedded job files; the view is the same in either mode.
      if (mode === 'embedded') {
        it('lists the notes of a job that survived archive faults', async () => {
          const created = await postJson(`${h.server.url}/reports/backfill`, {
            ...{ source: 'sim', subject: 'BTC/USDT', kind: 'candle', granularity: '1m' },
            ...{ start: JAN1, end: JAN1 + DAY },
          });
          const id = (created.body as { id: string }).id;
          await waitForJob(h.server.url, id);
          // The record as a worker leaves it after an archive fault (that path: archive-backfill.test.ts).
          const note =
            'BTCUSDT-1m-2024-01.zip: not in the archive (ARCHIVE_NOT_FOUND); 2024-01-01T00:00:00.000Z .. 2024-01-02T00:00:00.000Z fetched over REST';
          const file = (
            h.server.service.repos.jobs as unknown as { fileOf(id: string): string }
          ).fileOf(id);
          const record = JSON.parse(readFileSync(file, 'utf8')) as Json;
          writeFileSync(file, JSON.stringify({ ...record, notes: [note] }));
          const { page, errors } = await h.page();
          await page.goto(`${h.server.url}/#/jobs/${id}`);
          const notes = page.getByTestId('job-notes').getByRole('listitem');
          await notes.first().waitFor();
          await expect(notes.allTextContents()).resolves.toEqual([note]);
          await screenshot(page, `${mode}-job-notes`);
          expect(errors).toEqual([]);
        });
      }

      if (!full) return;

      it('shows a maintenance gap as missing, fills the form from a click, then shows it covered', async () => {
        // The daily runs stored the days around the maintenance day, not the day itself.
        for (const [s, e] of [
          ['2024-03-01', '2024-03-02'],
          ['2024-03-03', '2024-03-04'],
        ]) {
          const res = await postJson(`${h.server.url}/reports/backfill`, {
            source: 'sim',
            subject: 'BTC/USDT',
            kind: 'candle',
            granularity: '1m',
            start: s,
            end: e,
          });
          expect(res.status).toBe(201);
          await expect
            .poll(
              async () =>
                (
                  (await getJson(`${h.server.url}/reports/backfill/jobs/${(res.body as Json).id}`))
                    .body as Json
                ).status,
              { timeout: 30_000 },
            )
            .toBe('completed');
        }
        const { page, errors } = await h.page();
        await page.goto(`${h.server.url}/`);
        await page.waitForSelector('[data-testid="form-panel"][data-ready="true"]');
        await page.fill('#map-start', '2024-02-28');
        await page.fill('#map-end', '2024-03-06');
        await page.getByRole('button', { name: 'Show' }).first().click();
        const row = page.locator(
          '[data-testid="coverage-map"] tr[data-series="candle:sim:BTC/USDT:1m"]',
        );
        const cell = (day: string) => row.locator(`td[data-date="${day}"]`);
        await cell('2024-02-28').waitFor();
        await expect(cell('2024-03-01').getAttribute('data-status')).resolves.toBe('covered');
        await expect(cell('2024-03-02').getAttribute('data-status')).resolves.toBe('missing');
        await expect(cell('2024-03-03').getAttribute('data-status')).resolves.toBe('covered');
        await expect(cell('2024-03-04').getAttribute('data-status')).resolves.toBe('missing');
        await screenshot(page, `${mode}-coverage-gap`);

        await cell('2024-03-02').getByRole('button').click();
        await expect(page.inputValue('#f-subject')).resolves.toBe('BTC/USDT');
        await expect(page.inputValue('#f-granularity')).resolves.toBe('1m');
        await expect(page.inputValue('#f-start')).resolves.toBe('2024-03-02');
        await expect(page.inputValue('#f-end')).resolves.toBe('2024-03-03');
        const dayMs = Date.UTC(2024, 2, 2);
        expect(await previewPages(page, dayMs, dayMs + DAY)).toBe(2);
        await submitForm(page);
        const done = await waitJob(page, ['completed', 'failed']);
        expect(done.status).toBe('completed');
        // 18 of 24 hours have bars: maintenance took six.
        expect(done.records).toBe(1440 - (MAINTENANCE.endMs - MAINTENANCE.startMs) / 60_000);
        await page.waitForFunction(
          () =>
            document
              .querySelector(
                '[data-testid="coverage-map"] tr[data-series="candle:sim:BTC/USDT:1m"] td[data-date="2024-03-02"]',
              )
              ?.getAttribute('data-status') === 'covered',
        );
        await screenshot(page, `${mode}-coverage-filled`);

        // The maintenance hours show as a gap in the chart, not closed up.
        await page.selectOption('#chart-series', 'candle:sim:BTC/USDT:1m');
        await page.fill('#chart-start', '2024-03-02');
        await page.fill('#chart-end', '2024-03-03');
        await page.locator('#chart-end ~ button').click();
        const chart = page.getByTestId('chart');
        await page.waitForSelector(
          `[data-testid="chart"][data-first="${dayMs / 1000}"][data-loading="false"]`,
        );
        await expect(chart.getAttribute('data-count')).resolves.toBe(String(1440 - 360));
        await expect(chart.getAttribute('data-bar')).resolves.toBe('1m');
        expect(errors).toEqual([]);
      });

      it('charts one day of 1m as stored and a year of 1m aggregated by the server', async () => {
        await storeFromMarket(h.server, 'BTC/USDT', {
          startMs: Date.UTC(2023, 0, 1),
          endMs: Date.UTC(2024, 0, 1),
        });
        const { page, errors } = await h.page();
        await openForm(page, h.server.url, {
          subject: 'BTC/USDT',
          start: '2024-01-01',
          end: '2024-01-02',
        });
        const chart = page.getByTestId('chart');
        await page.waitForSelector(`[data-testid="chart"][data-first="${JAN1 / 1000}"]`);
        await expect(chart.getAttribute('data-count')).resolves.toBe('1440');
        await expect(chart.getAttribute('data-bar')).resolves.toBe('1m');
        await expect(chart.getAttribute('data-aggregated')).resolves.toBe('false');
        await expect(chart.getAttribute('data-last')).resolves.toBe(
          String(JAN1 / 1000 + 1439 * 60),
        );
        await chart.scrollIntoViewIfNeeded();
        await screenshot(page, `${mode}-chart-day`);

        await page.fill('#chart-start', '2023-01-01');
        await page.fill('#chart-end', '2024-01-01');
        await page.locator('#chart-end ~ button').click();
        const yearStart = Date.UTC(2023, 0, 1) / 1000;
        await page.waitForSelector(
          `[data-testid="chart"][data-first="${yearStart}"][data-bar="1d"][data-loading="false"]`,
        );
        await expect(chart.getAttribute('data-count')).resolves.toBe('365');
        await expect(chart.getAttribute('data-aggregated')).resolves.toBe('true');
        await expect(chart.getAttribute('data-last')).resolves.toBe(
          String(yearStart + 364 * 86_400),
        );
        await screenshot(page, `${mode}-chart-year`);

        // Zooming in far enough loads finer bars for the visible range only.
        await chart.scrollIntoViewIfNeeded();
        const box = (await chart.boundingBox())!;
        await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
        for (let i = 0; i < 40 && (await chart.getAttribute('data-bar')) === '1d'; i++) {
          await page.mouse.wheel(0, -600);
          await page.waitForTimeout(100);
        }
        await page.waitForFunction(
          () => {
            const el = document.querySelector('[data-testid="chart"]');
            return (
              el?.getAttribute('data-bar') !== '1d' && el?.getAttribute('data-loading') === 'false'
            );
          },
          undefined,
          { timeout: 15_000 },
        );
        // Only about the visible range is loaded (twice its span around it), at a finer bar.
        const shown = await chart.evaluate((e) => ({ ...(e as HTMLElement).dataset }));
        const barS = { '5m': 300, '1h': 3600 }[shown.bar ?? ''] ?? 0;
        expect(barS).toBeGreaterThan(0);
        const visibleS = Number(shown.visibleTo) - Number(shown.visibleFrom);
        expect(Number(shown.count)).toBeLessThanOrEqual(Math.ceil((2 * visibleS) / barS) + 24);
        expect(Number(shown.count)).toBeLessThan(5_000);
        await screenshot(page, `${mode}-chart-zoomed`);
        expect(errors).toEqual([]);
      });

      it('explains bad input next to the field and stores nothing', async () => {
        const jobsBefore = await jobCount(h.server.url);
        const { page, errors } = await h.page();
        await openForm(page, h.server.url, {
          subject: 'BTC/USDT',
          start: '2024-01-05',
          end: '2024-01-02',
        });
        const endError = page.locator('#err-end');
        await endError.waitFor();
        await expect(endError.textContent()).resolves.toMatch(/end/);
        await expect(page.getAttribute('#f-end', 'aria-invalid')).resolves.toBe('true');
        await submitForm(page);
        await expect(endError.textContent()).resolves.toMatch(/end/);
        await screenshot(page, `${mode}-bad-range`);

        await openForm(page, h.server.url, {
          source: 'nope',
          subject: 'BTC/USDT',
          start: '2024-01-01',
          end: '2024-01-02',
        });
        const feedError = page.locator('#err-source');
        await feedError.waitFor();
        await expect(feedError.textContent()).resolves.toContain("unknown feed 'nope'");
        await submitForm(page);
        await expect(feedError.textContent()).resolves.toContain("unknown feed 'nope'");
        expect(await jobCount(h.server.url)).toBe(jobsBefore);

        await page.fill('#api-key', 'wrong-key-0123456789');
        await page.fill('#new-symbol', 'SOL/USDT');
        await page.getByRole('button', { name: 'Track' }).click();
        const message = page.getByTestId('symbols-message');
        await message.waitFor();
        await expect(message.textContent()).resolves.toMatch(/API key refused/);
        expect(await h.server.service.repos.symbols.list()).toEqual([]);
        // The key is kept for this tab only.
        await expect(
          page.evaluate(() => [
            sessionStorage.getItem('gapless.apiKey'),
            localStorage.length,
            document.cookie,
          ]),
        ).resolves.toEqual(['wrong-key-0123456789', 0, '']);
        await screenshot(page, `${mode}-bad-key`);
        // Errors the page logs for refused requests are the browser's own; the page itself throws none.
        expect(unexpected(errors, 400, 401, 404)).toEqual([]);
      });

      it('adds and removes a tracked symbol with the right key, and lists files and scheduled runs', async () => {
        await h.server.service.repos.history.record({
          symbol: 'BTC/USDT',
          backfillTimestamp: Date.UTC(2024, 0, 10, 0, 30),
          recordsImported: 1440,
          success: true,
          errorDetails: null,
        });
        const { page, errors } = await h.page();
        await page.goto(`${h.server.url}/`);
        await page.waitForSelector('[data-testid="form-panel"][data-ready="true"]');
        await page.fill('#api-key', 'test-admin-key-0123456789');
        await page.fill('#new-symbol', 'SOL/USDT');
        await page.getByRole('button', { name: 'Track' }).click();
        await page.locator('[data-testid="tracked-symbols"] li[data-symbol="SOL/USDT"]').waitFor();
        expect(
          (await h.server.service.repos.symbols.list({ activeOnly: true })).map((s) => s.symbol),
        ).toEqual(['SOL/USDT']);
        await page.getByRole('button', { name: 'Stop tracking SOL/USDT' }).click();
        await page
          .locator('[data-testid="tracked-symbols"] li[data-symbol="SOL/USDT"]')
          .waitFor({ state: 'detached' });
        expect(await h.server.service.repos.symbols.list({ activeOnly: true })).toEqual([]);

        await expect(page.getByTestId('runs-table').textContent()).resolves.toContain('1,440');

        await page.fill('#map-start', '2024-01-01');
        await page.fill('#map-end', '2024-01-03');
        await page.getByRole('button', { name: 'Show' }).first().click();
        const link = page.locator('[data-testid="files-table"] a', {
          hasText: '2024-01-02.parquet',
        });
        await link.waitFor();
        const href = (await link.getAttribute('href')) ?? '';
        expect(href).toBe('/data/backfill/sim/BTC%2FUSDT/candle/1m/2024-01-02.parquet');
        const file = await fetch(`${h.server.url}${href}`);
        expect(file.status).toBe(200);
        expect(
          Buffer.from(await file.arrayBuffer())
            .subarray(0, 4)
            .toString(),
        ).toBe('PAR1');
        await screenshot(page, `${mode}-symbols-files`);
        expect(errors).toEqual([]);
      });

      it('has no serious accessibility violations (axe-core) at 1280 and 390 px, and works by keyboard', async () => {
        const axeSource = readFileSync(
          createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
          'utf8',
        );
        for (const width of [1280, 390]) {
          const { page, errors } = await h.page({ width, height: 844, bypassCSP: true });
          await openForm(page, h.server.url, {
            subject: 'BTC/USDT',
            start: '2024-01-01',
            end: '2024-01-03',
          });
          await page.waitForSelector('[data-testid="chart"][data-loading="false"]');
          await page.addScriptTag({ content: axeSource });
          const violations = await page.evaluate(async () => {
            const axe = (
              window as unknown as {
                axe: {
                  run: (o: unknown) => Promise<{
                    violations: { id: string; impact: string; nodes: { target: string[] }[] }[];
                  }>;
                };
              }
            ).axe;
            const result = await axe.run({
              runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa'] },
            });
            return result.violations.map((v) => ({
              id: v.id,
              impact: v.impact,
              targets: v.nodes.map((n) => n.target.join(' ')).slice(0, 3),
            }));
          });
          expect(
            violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'),
          ).toEqual([]);
          // Nothing wider than the screen except the scroll regions' contents.
          const overflow = await page.evaluate(
            () => document.documentElement.scrollWidth - window.innerWidth,
          );
          expect(overflow).toBeLessThanOrEqual(0);
          await screenshot(page, `${mode}-console-${width}`);
          expect(errors).toEqual([]);
        }

        // Keyboard only: tab to the form and start a preview-backed run with Enter.
        const { page } = await h.page();
        await openForm(page, h.server.url, {
          subject: 'ETH/USDT',
          start: '2024-01-01',
          end: '2024-01-02',
        });
        await previewPages(page, JAN1, JAN1 + DAY);
        await page.focus('#f-end');
        for (let i = 0; i < 30; i++) {
          await page.keyboard.press('Tab');
          const name = await page.evaluate(() => document.activeElement?.textContent ?? '');
          if (name === 'Run backfill') break;
        }
        await page.keyboard.press('Enter');
        const done = await waitJob(page, ['completed', 'failed']);
        expect(done.status).toBe('completed');
      });
    },
  );
}

suite('embedded', true);
suite('postgres', false);
