/** @module Tracked symbols: list, add and remove, with the admin API key kept in sessionStorage only. */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api } from '../api';
import type { Symbols } from '../types';

const KEY_ITEM = 'gapless.apiKey';

function storedKey(): string {
  try {
    return sessionStorage.getItem(KEY_ITEM) ?? '';
  } catch {
    return '';
  }
}

/** Props of {@link SymbolsPanel}. */
export interface SymbolsPanelProps {
  /** Called after a symbol was added or removed (the feeds change). */
  readonly onChanged: () => void;
}

/** Configured and tracked symbols; adding and removing needs the API key (`X-API-Key`). */
export function SymbolsPanel({ onChanged }: SymbolsPanelProps) {
  const [symbols, setSymbols] = useState<Symbols | undefined>();
  const [key, setKey] = useState(storedKey);
  const [symbol, setSymbol] = useState('');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | undefined>();
  const [version, setVersion] = useState(0);

  useEffect(() => {
    api<Symbols>('/api/v1/symbols').then(setSymbols, (e: unknown) =>
      setMessage({ ok: false, text: e instanceof Error ? e.message : String(e) }),
    );
  }, [version]);

  const saveKey = (value: string) => {
    setKey(value);
    // The tab's session only: never localStorage, never a cookie.
    try {
      if (value === '') sessionStorage.removeItem(KEY_ITEM);
      else sessionStorage.setItem(KEY_ITEM, value);
    } catch {
      // Storage disabled: the key lives in this page only.
    }
  };

  const call = async (what: () => Promise<unknown>, done: string) => {
    try {
      await what();
      setMessage({ ok: true, text: done });
      setVersion((v) => v + 1);
      onChanged();
    } catch (e) {
      const text = e instanceof ApiError ? e.message : String(e);
      setMessage({
        ok: false,
        text: e instanceof ApiError && e.status === 401 ? `API key refused: ${text}` : text,
      });
    }
  };

  const add = (e: Event) => {
    e.preventDefault();
    const s = symbol.trim();
    void call(
      () =>
        api('/api/v1/admin/symbols', {
          method: 'POST',
          body: { symbol: s, asset_class: 'crypto' },
          headers: { 'x-api-key': key },
        }),
      `Now tracking ${s}.`,
    ).then(() => setSymbol(''));
  };

  const remove = (s: string) =>
    call(
      () =>
        api(`/api/v1/admin/symbols/${encodeURIComponent(s)}`, {
          method: 'DELETE',
          headers: { 'x-api-key': key },
        }),
      `Stopped tracking ${s}.`,
    );

  const tracked = (symbols?.tracked ?? []).filter((t) => t.active);
  return (
    <section aria-labelledby="symbols-title" class="panel">
      <h2 id="symbols-title">Symbols</h2>
      <p class="muted">
        Configured: {(symbols?.configured ?? []).map((c) => c.symbol).join(', ') || '—'}
      </p>
      <form class="toolbar" onSubmit={add}>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autoComplete="off"
          value={key}
          aria-describedby="api-key-hint"
          onInput={(e) => saveKey(e.currentTarget.value)}
        />
        <label for="new-symbol">Symbol</label>
        <input
          id="new-symbol"
          value={symbol}
          placeholder="SOL/USDT"
          required
          onInput={(e) => setSymbol(e.currentTarget.value)}
        />
        <button type="submit">Track</button>
      </form>
      <p id="api-key-hint" class="muted">
        The key stays in this browser tab (sessionStorage) and is sent only to this server.
      </p>
      {message === undefined ? null : (
        <p
          role={message.ok ? 'status' : 'alert'}
          class={message.ok ? 'ok' : 'form-error'}
          data-testid="symbols-message"
        >
          {message.text}
        </p>
      )}
      <ul class="tracked" data-testid="tracked-symbols">
        {tracked.length === 0 ? <li class="muted">No tracked symbols.</li> : null}
        {tracked.map((t) => (
          <li key={t.symbol} data-symbol={t.symbol}>
            {t.symbol} <span class="muted">({t.asset_class})</span>{' '}
            <button
              type="button"
              onClick={() => void remove(t.symbol)}
              aria-label={`Stop tracking ${t.symbol}`}
            >
              Remove
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
