/**
 * Downloads one URL over and over from `connections` loops for `seconds`, in
 * its own process, and prints `{ bytes, seconds, requests }` as JSON. (autocannon
 * is far slower at parsing binary bodies than the server is at sending them.)
 */
import { Agent, request } from 'undici';

const [url, connectionsText, secondsText] = process.argv.slice(2);
const connections = Number(connectionsText ?? 8);
const durationMs = Number(secondsText ?? 5) * 1000;
const dispatcher = new Agent({ connections });
const began = performance.now();
let bytes = 0;
let requests = 0;
await Promise.all(
  Array.from({ length: connections }, async () => {
    while (performance.now() - began < durationMs) {
      const res = await request(url ?? '', { dispatcher });
      if (res.statusCode !== 200) throw new Error(`GET ${url}: ${res.statusCode}`);
      for await (const chunk of res.body) bytes += (chunk as Buffer).length;
      requests++;
    }
  }),
);
await dispatcher.close();
process.stdout.write(
  `${JSON.stringify({ bytes, requests, seconds: (performance.now() - began) / 1000 })}\n`,
);
