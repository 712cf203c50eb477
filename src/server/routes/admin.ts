import type { Hono } from 'hono';
import { z } from 'zod';
import { clip } from '../../core/clip.js';
import { NotFoundError } from '../../core/errors.js';
import { formatTime } from '../../core/time.js';
import { checkTrackedSymbol } from '../../jobs/symbol-check.js';
import { requireApiKey } from '../auth.js';
import type { AppEnv, ServerContext } from '../context.js';
import { normalizeSymbol } from '../symbol-lookup.js';
import { parseJsonBody, parseQuery } from '../validation.js';

/** Body of `POST /api/v1/admin/symbols`. */
export const addSymbolBodySchema = z
  .object({
    symbol: z.string().min(1).max(100),
    asset_class: z.string().min(1).max(32).default('crypto'),
  })
  .strict();

/** Tracked symbols, behind `X-API-Key`. */
export function registerAdminRoutes(app: Hono<AppEnv>, ctx: ServerContext): void {
  const { symbols } = ctx.service.repos;
  // The key check runs before anything reads the body: a caller without a key learns nothing.
  app.use('/api/v1/admin/*', requireApiKey(ctx.service.config.server.api_keys));

  app.post('/api/v1/admin/symbols', async (c) => {
    parseQuery(c, z.object({}).strict());
    const body = await parseJsonBody(c, addSymbolBodySchema);
    checkTrackedSymbol(body.symbol, body.asset_class);
    const added = await symbols.add(body.symbol, body.asset_class);
    return c.json(
      {
        symbol: added.symbol,
        asset_class: added.assetClass,
        active: added.active,
        created_at: formatTime(added.createdAt),
      },
      201,
    );
  });

  app.delete('/api/v1/admin/symbols/:symbol', async (c) => {
    parseQuery(c, z.object({}).strict());
    const text = c.req.param('symbol');
    const active = await symbols.list({ activeOnly: true });
    // Same spellings as the history endpoint: `BTC%2FUSDT`, `BTC-USDT`, `BTCUSDT`.
    const match =
      active.find((s) => s.symbol === text) ??
      active.find((s) => normalizeSymbol(s.symbol) === normalizeSymbol(text));
    if (match === undefined || !(await symbols.remove(match.symbol))) {
      throw new NotFoundError(`symbol '${clip(text)}' is not tracked`, 'SYMBOL_NOT_FOUND');
    }
    return c.json({ symbol: match.symbol, active: false });
  });
}
