// Node 20 optimized undici's WebAssembly HTTP parser on a background thread during the first
// responses, and the process could not exit until that compile was over (70-250 ms per fctl run).
// The layer keeps the first parser on V8's baseline compiler and gives later WebAssembly V8's usual
// budget back once a connection is up.
import diagnostics from 'node:diagnostics_channel';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { keepFirstParserOnBaseline, resetParserTieringForTests, SHORT_PROCESS_TIERING_BUDGET, V8_11_TIERING_BUDGET, type TieringEnvironment } from '../src/parser-tiering.js';
import { startServer, type TestServer } from './servers.js';

const root = join(import.meta.dirname, '..', '..', '..');

describe('the tiering budget around the first connection', () => {
  beforeEach(() => resetParserTieringForTests());
  const environment = (overrides: Partial<TieringEnvironment> = {}) => {
    const flags: string[] = [];
    return { flags, environment: { v8Version: '11.3.244.8-node.33', execArgv: [], nodeOptions: undefined, setFlags: (value: string) => flags.push(value), ...overrides } };
  };

  it('is raised before the parser is compiled and back to the default once a connection is up, once per process', () => {
    const { flags, environment: env } = environment();
    keepFirstParserOnBaseline(env);
    expect(flags).toEqual([`--wasm-tiering-budget=${SHORT_PROCESS_TIERING_BUDGET}`]);
    diagnostics.channel('undici:client:connected').publish({});
    diagnostics.channel('undici:client:connected').publish({});
    keepFirstParserOnBaseline(env);
    expect(flags).toEqual([`--wasm-tiering-budget=${SHORT_PROCESS_TIERING_BUDGET}`, `--wasm-tiering-budget=${V8_11_TIERING_BUDGET}`]);
  });

  it('is left alone on another V8 and when the user chose WebAssembly tiering flags', () => {
    for (const overrides of [{ v8Version: '12.4.254.21-node.33' }, { execArgv: ['--wasm-tiering-budget=5'] }, { nodeOptions: '--max-old-space-size=100 --liftoff-only' }, { execArgv: ['--no-wasm-dynamic-tiering'] }]) {
      resetParserTieringForTests();
      const { flags, environment: env } = environment(overrides);
      keepFirstParserOnBaseline(env);
      diagnostics.channel('undici:client:connected').publish({});
      expect(flags, JSON.stringify(overrides)).toEqual([]);
    }
  });
});

describe('a process sending requests through the layer', { timeout: 60_000 }, () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'x-padding': 'x'.repeat(2000) }).end(JSON.stringify({ versions: Array.from({ length: 200 }, (_, i) => `1.${i}.0`) }));
    });
  });
  afterAll(async () => {
    await server?.stop();
  });

  const run = (nodeOptions: string[], count: number) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [...nodeOptions, '--trace-wasm-compilation-times', '--import', 'tsx', '--conditions=@fctl-kit/source', join(import.meta.dirname, 'support', 'requests-child.mts'), `${server.url}/versions`, String(count)], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
      child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  // Functions V8 optimized beyond those of starting the child (tsx, Node's CommonJS lexer for undici):
  // those of the HTTP parser.
  const parserOptimizations = async (nodeOptions: string[]) => {
    const [idle, busy] = [await run(nodeOptions, 0), await run(nodeOptions, 20)];
    for (const result of [idle, busy]) expect(result.code, result.stderr).toBe(0);
    expect(busy.stdout).toContain('requests ok: 20');
    const optimized = (stdout: string) => stdout.split('\n').filter((line) => line.includes('using TurboFan')).length;
    return optimized(busy.stdout) - optimized(idle.stdout);
  };
  const nodeTwenty = process.versions.v8.startsWith('11.');

  it('gets its answers with the parser never optimized on Node 20 (where that compile held the exit)', async () => {
    const optimized = await parserOptimizations([]);
    if (nodeTwenty) expect(optimized).toBe(0);
  });

  it('on Node 20 optimizes the parser when the user set V8 tiering flags (so the check above can fail)', async () => {
    const optimized = await parserOptimizations(['--wasm-dynamic-tiering']);
    if (nodeTwenty) expect(optimized).toBeGreaterThan(0);
  });
});
