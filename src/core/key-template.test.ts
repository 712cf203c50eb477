import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from './errors.js';
import { parseKeyTemplate, renderKeyTemplate } from './key-template.js';

describe('renderKeyTemplate', () => {
  it('drops the delimiter of an absent optional value', () => {
    const template = 'ccxt:{exchange}:{account?}';
    expect(renderKeyTemplate(template, { exchange: 'binance' })).toBe('ccxt:binance');
    expect(renderKeyTemplate(template, { exchange: 'binance', account: '' })).toBe('ccxt:binance');
    expect(renderKeyTemplate(template, { exchange: 'binance', account: 'main' })).toBe(
      'ccxt:binance:main',
    );
  });

  it('drops the delimiter after an absent value at the start, and only literal text', () => {
    expect(renderKeyTemplate('{account?}-{exchange}', { exchange: 'okx' })).toBe('okx');
    expect(renderKeyTemplate('{api_url}/{suffix?}', { api_url: 'http://h:1/' })).toBe(
      'http://h:1/',
    );
    expect(
      renderKeyTemplate('rl:{exchange}:{account?}:{suffix?}:{exchange_id}', {
        exchange: 'sim',
        exchange_id: 'binance',
      }),
    ).toBe('rl:sim:binance');
  });

  it('treats {suffix} and {key_suffix} as one value', () => {
    expect(renderKeyTemplate('a:{suffix}', { key_suffix: 'x' })).toBe('a:x');
    expect(renderKeyTemplate('a:{key_suffix}', { suffix: 'y' })).toBe('a:y');
  });

  it('names a missing required value, an unknown placeholder and stray braces', () => {
    expect(() => renderKeyTemplate('ccxt:{account}', {})).toThrow(
      new InvalidArgumentError(
        'key_template `ccxt:{account}` needs a value for {account} (write {account?} to make it optional)',
      ),
    );
    expect(() => parseKeyTemplate('ccxt:{exchnage}')).toThrow(/got `\{exchnage\}`/);
    expect(() => parseKeyTemplate('ccxt:{exchange')).toThrow(/balanced/);
    expect(() => renderKeyTemplate('{account?}', {})).toThrow(/empty key/);
  });
});
