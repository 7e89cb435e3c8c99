// matrix.html in a real browser: Debian's Chromium, headless, driven over its DevTools protocol on a
// pipe (--remote-debugging-pipe: NUL-separated JSON on file descriptors 3 and 4; no client library).
// The page loads from a file with nothing else requested, its script runs under its own CSP, the
// cells render with their states, a real mouse click on a failing cell shows its diff and the stub
// stack's request log (hostile text as text), the filters hide columns and rows; screenshots are
// saved in the test's temporary directory (kept with FCTL_KIT_KEEP_SCREENSHOTS=1).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeResults, matrixHtml, planMatrix, sha256Hex } from '../../packages/compat/src/matrix/index.js';

const CHROMIUM = '/usr/bin/chromium';
const DIFF = 'printed:\n</script><script>document.title="pwned"</script>\n| a | b |\n```\n<img src="http://127.0.0.1:9/x">\u001b[31m\nexpected:\nID  NAME\n';

function results() {
  const plan = planMatrix({
    cores: [{ version: '0.1.0', protocolVersions: [1] }, { version: '0.2.0', protocolVersions: [1, 2] }],
    plugins: [
      { name: 'ledger', versions: [{ version: '3.0.0', compatibleWith: '>=3', protocolVersions: [1] }, { version: '4.0.0', compatibleWith: '>=4', protocolVersions: [2] }] },
      { name: 'wallets', versions: [{ version: '1.0.0', compatibleWith: '*', protocolVersions: [1, 2] }] },
    ],
  });
  const pass = (cell: string) => ({ cell, status: 'pass' as const, key: sha256Hex(cell), scenarios: [{ name: 'list', ok: true, problems: [], requests: ['GET /versions -> 200'] }] });
  return makeResults(plan, [
    pass('fctl@0.1.0 ledger@3.0.0'),
    { cell: 'fctl@0.1.0 wallets@1.0.0', status: 'fail', key: sha256Hex('w'), scenarios: [{ name: 'wallets list <b>bold</b>', ok: false, problems: [DIFF], requests: ['GET /versions -> 200', 'GET /api/wallets/v1/wallets?x=<y> -> 404'] }] },
    pass('fctl@0.2.0 ledger@3.0.0'),
    pass('fctl@0.2.0 ledger@4.0.0'),
    pass('fctl@0.2.0 wallets@1.0.0'),
  ]);
}

/** A DevTools protocol client over Chromium's pipe. */
class Cdp {
  private next = 1;
  private buffer = '';
  private pending = new Map<number, { resolve: (value: any) => void; reject: (error: Error) => void }>();
  readonly events: { method: string; params: any; sessionId?: string }[] = [];
  constructor(private readonly input: Writable, output: Readable) {
    output.setEncoding('utf8');
    output.on('data', (chunk: string) => {
      this.buffer += chunk;
      for (let end = this.buffer.indexOf('\0'); end >= 0; end = this.buffer.indexOf('\0')) {
        const message = JSON.parse(this.buffer.slice(0, end));
        this.buffer = this.buffer.slice(end + 1);
        if (message.id !== undefined) {
          const waiter = this.pending.get(message.id);
          this.pending.delete(message.id);
          if (message.error) waiter?.reject(new Error(`${message.error.message} (${JSON.stringify(message.error.data ?? '')})`));
          else waiter?.resolve(message.result);
        } else this.events.push(message);
      }
    });
  }
  send(method: string, params: object = {}, sessionId?: string): Promise<any> {
    const id = this.next++;
    this.input.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }
}

let work: string;
let browser: ChildProcess;
let cdp: Cdp;
let session: string;
let htmlPath: string;

const evaluate = async (expression: string) => {
  const { result, exceptionDetails } = await cdp.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true }, session);
  if (exceptionDetails) throw new Error(`page script failed: ${JSON.stringify(exceptionDetails)}`);
  return result.value;
};

/** Waits until the page expression is true (no time is asserted: the test's timeout is the bound). */
async function until(expression: string): Promise<void> {
  while (!(await evaluate(expression))) await new Promise((resolve) => setTimeout(resolve, 50));
}

async function screenshot(name: string): Promise<Buffer> {
  const { data } = await cdp.send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true }, session);
  const png = Buffer.from(data, 'base64');
  writeFileSync(join(work, name), png);
  return png;
}

async function click(selector: string): Promise<void> {
  const box = await evaluate(`(() => { const r = document.querySelector(${JSON.stringify(selector)}).getBoundingClientRect(); return { x: r.x + r.width / 2, y: r.y + r.height / 2 }; })()`);
  for (const type of ['mouseMoved', 'mousePressed', 'mouseReleased']) {
    await cdp.send('Input.dispatchMouseEvent', { type, x: box.x, y: box.y, button: 'left', clickCount: type === 'mouseMoved' ? 0 : 1 }, session);
  }
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (Debian's package; the HTML matrix is checked in it)`);
  work = mkdtempSync(join(tmpdir(), 'matrix-report-'));
  htmlPath = join(work, 'matrix.html');
  writeFileSync(htmlPath, matrixHtml(results()));
  browser = spawn(
    CHROMIUM,
    ['--headless=new', '--remote-debugging-pipe', '--no-sandbox', '--disable-gpu', '--no-first-run', '--no-default-browser-check', '--disable-extensions', '--disable-background-networking', `--user-data-dir=${join(work, 'profile')}`, '--window-size=1200,900', 'about:blank'],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] },
  );
  browser.stderr!.resume();
  cdp = new Cdp(browser.stdio[3] as Writable, browser.stdio[4] as Readable);
  const { targetId } = await cdp.send('Target.createTarget', { url: 'about:blank' });
  ({ sessionId: session } = await cdp.send('Target.attachToTarget', { targetId, flatten: true }));
  await cdp.send('Network.enable', {}, session);
  await cdp.send('Runtime.enable', {}, session);
  await cdp.send('Page.enable', {}, session);
  await cdp.send('Page.navigate', { url: pathToFileURL(htmlPath).href }, session);
  await until(`document.readyState === 'complete' && location.protocol === 'file:'`);
}, 120_000);

afterAll(async () => {
  if (browser && browser.exitCode === null) {
    const exited = new Promise((resolve) => browser.once('exit', resolve));
    await cdp?.send('Browser.close').catch(() => {});
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    if (browser.exitCode === null) browser.kill('SIGKILL');
  }
  if (work && !process.env.FCTL_KIT_KEEP_SCREENSHOTS) rmSync(work, { recursive: true, force: true });
});

describe('matrix.html in headless Chromium', () => {
  it('renders every cell with its state; nothing but the file is requested; its script ran under its CSP', async () => {
    expect(await evaluate(`[...document.querySelectorAll('#matrix tbody tr')].map((row) => [row.dataset.core, ...[...row.querySelectorAll('td')].map((td) => td.dataset.state + ':' + td.textContent)].join(' '))`)).toEqual([
      '0.1.0 pass:✓ unreachable:— fail:✗',
      '0.2.0 pass:✓ pass:✓ pass:✓',
    ]);
    expect(await evaluate(`[...document.querySelectorAll('#matrix thead th')].map((th) => th.textContent)`)).toEqual(['fctl', 'ledger@3.0.0', 'ledger@4.0.0', 'wallets@1.0.0']);
    expect(await evaluate(`document.getElementById('shown').textContent`)).toBe('6 of 6 cells shown'); // written by the page's script
    expect(await evaluate(`document.title`)).toBe('fctl compatibility matrix');
    expect(await evaluate(`document.querySelectorAll('script, img').length`)).toBe(1);
    const requested = cdp.events.filter((event) => event.method === 'Network.requestWillBeSent').map((event) => event.params.request.url);
    expect(requested).toEqual([pathToFileURL(htmlPath).href]);
    // Details are hidden until a cell is opened.
    expect(await evaluate(`getComputedStyle(document.getElementById('cell-2')).display`)).toBe('none');
    const png = await screenshot('matrix.png');
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(png.length).toBeGreaterThan(5000);
  });

  it("a click on the failing cell opens its diff and the stub stack's request log, hostile text as text", async () => {
    await click('td.fail a');
    await until(`location.hash === '#cell-2'`);
    const detail = `document.getElementById('cell-2')`;
    expect(await evaluate(`getComputedStyle(${detail}).display`)).toBe('block');
    expect(await evaluate(`${detail}.getBoundingClientRect().height > 50`)).toBe(true);
    expect(await evaluate(`${detail}.querySelector('h3').textContent`)).toBe('fctl@0.1.0 wallets@1.0.0: failed');
    expect(await evaluate(`${detail}.querySelector('h4').textContent`)).toBe('✗ wallets list <b>bold</b>');
    expect(await evaluate(`${detail}.querySelector('pre.diff').textContent`)).toBe(DIFF.replace('\u001b', '\\u001b'));
    expect(await evaluate(`${detail}.querySelector('pre.requests').textContent`)).toBe('GET /versions -> 200\nGET /api/wallets/v1/wallets?x=<y> -> 404');
    expect(await evaluate(`document.title`)).toBe('fctl compatibility matrix'); // the diff's script never ran
    expect(await evaluate(`document.querySelectorAll('script, img, b').length`)).toBe(1);
    expect(cdp.events.filter((event) => event.method === 'Network.requestWillBeSent')).toHaveLength(1);
    await screenshot('matrix-failure.png');
    // An unreachable cell opens its reason.
    await click('td.unreachable a');
    await until(`location.hash === '#cell-1'`);
    expect(await evaluate(`document.getElementById('cell-1').querySelector('li').textContent`)).toBe('fctl 0.1.0 speaks protocol version 1; ledger@4.0.0 speaks 2');
    expect(await evaluate(`getComputedStyle(document.getElementById('cell-2')).display`)).toBe('none');
  });

  it('filters: plugin text hides columns, fctl text hides rows, "only failures" keeps what failed', async () => {
    const visible = `[...document.querySelectorAll('#matrix th[data-col], #matrix tbody tr')].filter((el) => getComputedStyle(el).display !== 'none').map((el) => el.dataset.name ?? el.dataset.core)`;
    await click('#filter-plugin');
    await cdp.send('Input.insertText', { text: 'ledger' }, session);
    await until(`document.getElementById('shown').textContent === '4 of 6 cells shown'`);
    expect(await evaluate(visible)).toEqual(['ledger@3.0.0', 'ledger@4.0.0', '0.1.0', '0.2.0']);
    await evaluate(`(() => { const input = document.getElementById('filter-plugin'); input.value = ''; input.dispatchEvent(new Event('input')); })()`);
    await click('#only-failures');
    await until(`document.getElementById('shown').textContent === '1 of 6 cells shown'`);
    expect(await evaluate(visible)).toEqual(['wallets@1.0.0', '0.1.0']);
    await click('#only-failures');
    await click('#filter-core');
    await cdp.send('Input.insertText', { text: '0.2' }, session);
    await until(`document.getElementById('shown').textContent === '3 of 6 cells shown'`);
    expect(await evaluate(visible)).toEqual(['ledger@3.0.0', 'ledger@4.0.0', 'wallets@1.0.0', '0.2.0']);
    await screenshot('matrix-filtered.png');
    expect(readFileSync(join(work, 'matrix-filtered.png')).length).toBeGreaterThan(5000);
  });
});
