// Reads a response through the layer slowly (a consumer slower than the network: undici's parser
// pauses under backpressure) and prints how many bytes arrived and their sha256, or the error.
import { createHash } from 'node:crypto';
import { setTimeout } from 'node:timers/promises';
import { request } from '../../src/index.js';

const [url, delayMs] = process.argv.slice(2) as [string, string];
const response = await request(new URL(url), { env: {} });
// The reader is busy when the response arrives (as fctl is while it decodes): the whole body and
// the server's FIN reach the socket before the first read.
await setTimeout(200);
const hash = createHash('sha256');
let received = 0;
for await (const chunk of response.body) {
  hash.update(chunk);
  received += chunk.byteLength;
  await setTimeout(Number(delayMs));
}
process.stdout.write(JSON.stringify({ received, sha256: hash.digest('hex') }));
