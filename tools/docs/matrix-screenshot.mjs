#!/usr/bin/env node
// The screenshot of the HTML matrix in docs/compat.md: renders a matrix.html (e.g. the one
// test/e2e/compat-matrix-journey.test.ts writes, kept with FCTL_KIT_KEEP_MATRIX=<dir>) in Debian's
// headless Chromium, driven over its DevTools protocol on a pipe as test/e2e/matrix-report.test.ts
// does, opens one cell's details (#cell-<n>, a failure's diff), and writes a PNG cropped to the
// page's content.
// Usage: node tools/docs/matrix-screenshot.mjs <matrix.html> [--open cell-1] [--width 900] [--out docs/images/compat-matrix.png]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const CHROMIUM = '/usr/bin/chromium';
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { open: { type: 'string', default: 'cell-1' }, width: { type: 'string', default: '900' }, out: { type: 'string', default: join(root, 'docs', 'images', 'compat-matrix.png') } },
});
if (positionals.length !== 1) {
  console.error('usage: node tools/docs/matrix-screenshot.mjs <matrix.html> [--open cell-<n>] [--width px] [--out file.png]');
  process.exit(2);
}
if (!existsSync(CHROMIUM)) {
  console.error(`${CHROMIUM} is missing: apt-get install chromium`);
  process.exit(1);
}
const page = pathToFileURL(resolve(positionals[0])).href + (values.open ? `#${values.open}` : '');
const width = Number(values.width);

/** A DevTools protocol client over Chromium's pipe: NUL-separated JSON on file descriptors 3 and 4. */
function devtools(input, output) {
  let next = 1;
  let buffer = '';
  const pending = new Map();
  output.setEncoding('utf8');
  output.on('data', (chunk) => {
    buffer += chunk;
    for (let end = buffer.indexOf('\0'); end >= 0; end = buffer.indexOf('\0')) {
      const message = JSON.parse(buffer.slice(0, end));
      buffer = buffer.slice(end + 1);
      const waiter = message.id !== undefined && pending.get(message.id);
      if (!waiter) continue;
      pending.delete(message.id);
      if (message.error) waiter.reject(new Error(message.error.message));
      else waiter.resolve(message.result);
    }
  });
  return (method, params = {}, sessionId) => {
    const id = next++;
    input.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
  };
}

const profile = mkdtempSync(join(tmpdir(), 'matrix-screenshot-'));
const browser = spawn(
  CHROMIUM,
  ['--headless=new', '--remote-debugging-pipe', '--no-sandbox', '--disable-gpu', '--no-first-run', '--no-default-browser-check', '--disable-extensions', '--disable-background-networking', '--hide-scrollbars', `--user-data-dir=${profile}`, `--window-size=${width},800`, 'about:blank'],
  { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] },
);
try {
  const send = devtools(browser.stdio[3], browser.stdio[4]);
  const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
  const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
  const evaluate = async (expression) => (await send('Runtime.evaluate', { expression, returnByValue: true }, sessionId)).result.value;
  await send('Emulation.setDeviceMetricsOverride', { width, height: 800, deviceScaleFactor: 1, mobile: false }, sessionId);
  await send('Page.navigate', { url: page }, sessionId);
  while (!(await evaluate(`document.readyState === 'complete' && !!document.getElementById('shown')?.textContent`))) await new Promise((done) => setTimeout(done, 50));
  // The page's content: everything but the margin below its last visible element.
  const height = await evaluate(`Math.ceil(Math.max(...[...document.body.children].filter((el) => getComputedStyle(el).display !== 'none').map((el) => el.getBoundingClientRect().bottom + scrollY)) + 16)`);
  const { data } = await send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true, clip: { x: 0, y: 0, width, height, scale: 1 } }, sessionId);
  writeFileSync(values.out, Buffer.from(data, 'base64'));
  console.log(`${values.out}: ${width}x${height} from ${page}`);
} finally {
  // Chromium writes its profile until it has exited: remove the directory after that.
  const exited = browser.exitCode === null ? new Promise((done) => browser.once('exit', done)) : Promise.resolve();
  browser.kill();
  await exited;
  rmSync(profile, { recursive: true, force: true });
}
