// The host side of the protocol, exercised with real plugin processes (hand-written fixtures in
// test/fixtures/plugins at the repository root).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PluginFailure } from '../src/host/failure.js';
import { PluginProcess } from '../src/host/plugin-process.js';

const fixture = (name: string) => join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test', 'fixtures', 'plugins', `${name}.mjs`);
const auth = { serviceUrl: 'http://127.0.0.1:1', insecureSkipTlsVerify: false };
const request = { command: ['transactions', 'list'], args: [], flags: {}, output: 'json' as const, debug: false, auth };

async function failureOf(promise: Promise<unknown>): Promise<PluginFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PluginFailure);
  return error as PluginFailure;
}

describe('PluginProcess', () => {
  it('a newer core (offers v1 and v2) and an older plugin (v1 only) agree on v1', async () => {
    const plugin = await PluginProcess.start({ plugin: { name: 'ledger', path: fixture('crash') }, coreVersion: 'test', protocolVersions: [1, 2] });
    expect(plugin.protocolVersion).toBe(1);
    expect(plugin.manifest.name).toBe('ledger');
    await plugin.close();
  });

  it('a core offering only v2 and a v1 plugin: no common version, both sides named', async () => {
    const failure = await failureOf(PluginProcess.start({ plugin: { name: 'ledger', path: fixture('crash') }, coreVersion: 'test', protocolVersions: [2] }));
    expect(failure.details.reason).toBe('incompatible');
    expect(failure.message).toContain('fctl speaks protocol version 2; the plugin speaks 1');
  });

  it('executes and returns the data; close() lets the plugin exit on its own', async () => {
    // Offered v1 only: this fixture says it speaks 2 but answers a v2 offer with a v1 hello (plugin-process-v2.test.ts).
    const plugin = await PluginProcess.start({ plugin: { name: 'ledger', path: fixture('protocol-v1-v2') }, coreVersion: 'test', protocolVersions: [1] });
    expect(await plugin.execute(request, 5_000)).toEqual({ status: 'ok', data: [{ id: 7 }] });
    await plugin.close();
  });

  it('reports a crash with exit code and stderr tail', async () => {
    const plugin = await PluginProcess.start({ plugin: { name: 'ledger', path: fixture('crash') }, coreVersion: 'test' });
    const failure = await failureOf(plugin.execute(request, 5_000));
    expect(failure.details).toMatchObject({ reason: 'crashed', phase: 'execution', exitCode: 2 });
    expect(failure.details.stderrTail[0]).toContain('panic: runtime error');
    expect(failure.details.plugin).toMatchObject({ name: 'ledger', version: '3.2.0', issues: 'https://example.test/acme/ledger/issues' });
    expect(failure.exitCode).toBe(3);
  });

  it('cancels through the AbortSignal and resolves "cancelled"', async () => {
    const plugin = await PluginProcess.start({ plugin: { name: 'ledger', path: fixture('cancellable') }, coreVersion: 'test' });
    const controller = new AbortController();
    const outcome = plugin.execute(request, 5_000, controller.signal);
    setTimeout(() => controller.abort(), 100);
    expect(await outcome).toEqual({ status: 'cancelled' });
    await plugin.close();
  });

  it('terminates a plugin that ignores cancel', async () => {
    const plugin = await PluginProcess.start({ plugin: { name: 'ledger', path: fixture('hang') }, coreVersion: 'test' });
    const controller = new AbortController();
    const outcome = plugin.execute(request, 30_000, controller.signal);
    setTimeout(() => controller.abort(), 50);
    expect(await outcome).toEqual({ status: 'cancelled' });
    await plugin.close();
  }, 15_000);

  it('reports a file that cannot be started', async () => {
    const failure = await failureOf(PluginProcess.start({ plugin: { name: 'ledger', path: '/nonexistent/fctl-plugin-ledger' }, coreVersion: 'test' }));
    expect(failure.details.reason).toBe('not-started');
    expect(failure.message).toContain('ENOENT');
  });
});
