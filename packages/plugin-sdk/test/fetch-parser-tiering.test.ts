// Node 20 optimized fetch's WebAssembly HTTP parser on a background thread during a plugin's first
// responses, and the plugin could not exit (nor fctl, which waits for it) until that compile was
// over. serve() keeps the first parser on V8's baseline compiler.
import { spawn } from 'node:child_process';
import diagnostics from 'node:diagnostics_channel';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as host from '../../http/src/parser-tiering.js';
import { keepFetchParserOnBaseline, SHORT_PROCESS_TIERING_BUDGET, V8_11_TIERING_BUDGET, type TieringEnvironment } from '../src/fetch-parser-tiering.js';

const environment = (overrides: Partial<TieringEnvironment> = {}) => {
  const flags: string[] = [];
  return { flags, environment: { v8Version: '11.3.244.8-node.33', execArgv: [], nodeOptions: undefined, setFlags: (value: string) => flags.push(value), ...overrides } };
};

describe('the tiering budget around the first connection of a plugin', () => {
  it('is raised before the parser is compiled and back to the default once a connection is up', () => {
    const { flags, environment: env } = environment();
    keepFetchParserOnBaseline(env);
    expect(flags).toEqual([`--wasm-tiering-budget=${SHORT_PROCESS_TIERING_BUDGET}`]);
    diagnostics.channel('undici:client:connected').publish({});
    diagnostics.channel('undici:client:connected').publish({});
    expect(flags).toEqual([`--wasm-tiering-budget=${SHORT_PROCESS_TIERING_BUDGET}`, `--wasm-tiering-budget=${V8_11_TIERING_BUDGET}`]);
  });

  it('is left alone on another V8 and when the user chose WebAssembly tiering flags', () => {
    for (const overrides of [{ v8Version: '12.4.254.21-node.33' }, { execArgv: ['--wasm-tiering-budget=5'] }, { nodeOptions: '--liftoff-only' }, { execArgv: ['--no-wasm-dynamic-tiering'] }]) {
      const { flags, environment: env } = environment(overrides);
      keepFetchParserOnBaseline(env);
      diagnostics.channel('undici:client:connected').publish({});
      expect(flags, JSON.stringify(overrides)).toEqual([]);
    }
  });
});

describe('the twin in the host (packages/http/src/parser-tiering.ts), kept on purpose', () => {
  it.each([
    ['V8 11', {}],
    ['V8 12', { v8Version: '12.4.254.21-node.33' }],
    ['--wasm-tiering-budget in execArgv', { execArgv: ['--wasm-tiering-budget=5'] }],
    ['--liftoff in NODE_OPTIONS', { nodeOptions: '--no-liftoff' }],
    ['--wasm-dynamic-tiering in NODE_OPTIONS', { nodeOptions: '--max-old-space-size=100 --no-wasm-dynamic-tiering' }],
  ])('behaves as the SDK copy on %s, before and after the first connection', (_name, overrides: Partial<TieringEnvironment>) => {
    expect([host.V8_11_TIERING_BUDGET, host.SHORT_PROCESS_TIERING_BUDGET]).toEqual([V8_11_TIERING_BUDGET, SHORT_PROCESS_TIERING_BUDGET]);
    const sdk = environment(overrides);
    const theirs = environment(overrides);
    keepFetchParserOnBaseline(sdk.environment);
    host.resetParserTieringForTests();
    host.keepFirstParserOnBaseline(theirs.environment);
    expect(theirs.flags).toEqual(sdk.flags);
    diagnostics.channel('undici:client:connected').publish({});
    expect(theirs.flags).toEqual(sdk.flags);
    host.resetParserTieringForTests();
  });
});

describe('a plugin process fetching', { timeout: 60_000 }, () => {
  let server: Server;
  let url: string;
  let child: string;
  beforeAll(async () => {
    child = join(mkdtempSync(join(tmpdir(), 'sdk-fetch-')), 'fetch-child.mjs');
    await build({ entryPoints: [join(import.meta.dirname, 'fixtures', 'fetch-child.ts')], outfile: child, bundle: true, platform: 'node', format: 'esm', logLevel: 'silent' });
    server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'x-padding': 'x'.repeat(2000) }).end(JSON.stringify({ data: Array.from({ length: 200 }, (_, i) => ({ id: i })) }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const optimizedFunctions = (nodeOptions: string[]) =>
    new Promise<number>((resolve, reject) => {
      const process_ = spawn(process.execPath, [...nodeOptions, '--trace-wasm-compilation-times', child, url, '20'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      process_.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
      process_.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
      process_.on('close', (code) => {
        if (code !== 0 || !stdout.includes('fetches ok: 20')) reject(new Error(`exit ${code}: ${stderr}`));
        else resolve(stdout.split('\n').filter((line) => line.includes('using TurboFan')).length);
      });
    });
  const nodeTwenty = process.versions.v8.startsWith('11.');

  it('gets its answers with the parser never optimized on Node 20 (where that compile held the exit)', async () => {
    const optimized = await optimizedFunctions([]);
    if (nodeTwenty) expect(optimized).toBe(0);
  });

  it('on Node 20 optimizes the parser when the user set V8 tiering flags (so the check above can fail)', async () => {
    const optimized = await optimizedFunctions(['--wasm-dynamic-tiering']);
    if (nodeTwenty) expect(optimized).toBeGreaterThan(0);
  });
});
