import { describe, expect, it } from 'vitest';
import { serverClock } from './server-clock.js';

describe('serverClock', () => {
  it('learns the offset once a round trip, shares the request and asks again when it is old', async () => {
    let local = 1_000_000;
    let asked = 0;
    // The server is 5.5 s behind; each answer takes 100 ms of our clock.
    const clock = serverClock(
      async () => {
        asked++;
        local += 50;
        const server = local - 5_500;
        local += 50;
        return server;
      },
      () => local,
      60_000,
    );
    const [a, b] = await Promise.all([clock(), clock()]);
    expect(asked).toBe(1);
    expect(a).toBe(local - 5_500);
    expect(b).toBe(local - 5_500);
    local += 30_000;
    expect(await clock()).toBe(local - 5_500);
    expect(asked).toBe(1);
    local += 31_000;
    await clock();
    expect(asked).toBe(2);
  });

  it('does not remember a failed request', async () => {
    let fail = true;
    const clock = serverClock(
      async () => {
        if (fail) throw new Error('down');
        return 42;
      },
      () => 0,
    );
    await expect(clock()).rejects.toThrow('down');
    fail = false;
    expect(await clock()).toBe(42);
  });
});
