import { it } from 'vitest';
import { launchChromium, watchErrors } from '../helpers/browser.js';
import { startTestServer } from '../helpers/server-harness.js';

it('smoke', async () => {
  const s = await startTestServer('embedded');
  const b = await launchChromium();
  const p = await b.newPage({ viewport: { width: 1280, height: 900 } });
  const errs = watchErrors(p);
  await p.goto(`${s.url}/`);
  await p.waitForSelector('[data-ready="true"]');
  await p.waitForTimeout(1500);
  await p.screenshot({ path: '/tmp/c1.png', fullPage: true });
  console.log('errors', errs);
  await b.close();
  await s.close();
});
