// Sends `count` requests through the layer, one after another, and prints how many succeeded; run
// with --trace-wasm-compilation-times, its stdout also says which WebAssembly V8 optimized. undici
// is imported up front so that the WebAssembly of loading it (Node's CommonJS lexer) is the same in
// every run, whether it sends requests or not (count 0).
import 'undici';
import { requestBuffered } from '../../src/index.js';

const [url, count] = process.argv.slice(2) as [string, string];
let ok = 0;
for (let i = 0; i < Number(count); i++) {
  const response = await requestBuffered(new URL(url), { env: {}, plainHttpOrigin: new URL(url).origin });
  if (response.status === 200) ok += 1;
}
process.stdout.write(`requests ok: ${ok}\n`);
