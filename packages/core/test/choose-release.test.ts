// Registry resolution as fctl does it: versions whose recorded protocol versions meet none this fctl
// offers (FCTL_PROTOCOL_VERSIONS narrows the offer) are passed over, said so, and never chosen.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { indexRegistry, parseRegistry } from '@fctl-kit/registry';
import { chooseRelease } from '../src/discovery/choose-release.js';
import type { LoadedRegistry } from '../src/discovery/registry-client.js';
import { UserError } from '../src/errors.js';
import { PROTOCOL_VERSIONS_ENV } from '../src/host/protocol-offer.js';

const source = { backend: 'url', url: 'https://releases.example.com/{name}/{version}/{file}' };
const sha = (digit: string) => digit.repeat(64);

function registryOf(versions: Record<string, { compatibleWith: string; protocolVersions?: number[] }>): LoadedRegistry {
  const document = parseRegistry(
    JSON.stringify({
      plugins: { ledger: { sources: [source], versions: Object.fromEntries(Object.entries(versions).map(([v, e], i) => [v, { ...e, checksumsSha256: sha(String(i % 10)) }])) } },
    }),
    'test',
  );
  return { index: indexRegistry(document), location: { kind: 'file', path: '/registry.json', display: '/registry.json' } };
}

function recorder() {
  const lines = { warn: [] as string[], debug: [] as string[] };
  return { lines, report: { warn: (m: string) => lines.warn.push(m), debug: (l: string) => lines.debug.push(l) } };
}

function refusal(run: () => unknown): UserError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return error as UserError;
  }
  throw new Error('expected a refusal');
}

const mixed = registryOf({
  '2.0.0': { compatibleWith: '>=2.0.0 <3.0.0', protocolVersions: [1] },
  '3.0.0': { compatibleWith: '>=2.0.0 <4.0.0', protocolVersions: [1, 2] },
  '3.1.0': { compatibleWith: '>=2.0.0 <4.0.0', protocolVersions: [2] },
  '3.2.0': { compatibleWith: '>=2.0.0 <4.0.0', protocolVersions: [2] },
});

let saved: string | undefined;
beforeEach(() => {
  saved = process.env[PROTOCOL_VERSIONS_ENV];
  delete process.env[PROTOCOL_VERSIONS_ENV];
});
afterEach(() => {
  if (saved === undefined) delete process.env[PROTOCOL_VERSIONS_ENV];
  else process.env[PROTOCOL_VERSIONS_ENV] = saved;
});

describe('chooseRelease and the protocols a version speaks', () => {
  it('an fctl speaking v1 and v2 takes the newest version that serves, saying nothing', () => {
    const { lines, report } = recorder();
    expect(chooseRelease(mixed, 'ledger', { serviceVersion: '3.4.0' }, report).version).toBe('3.2.0');
    expect(lines).toEqual({ warn: [], debug: [] });
  });

  it('a v1-pinned fctl passes over the v2-only versions: a warning names the one it would have chosen, --debug the others', () => {
    process.env[PROTOCOL_VERSIONS_ENV] = '1';
    const { lines, report } = recorder();
    expect(chooseRelease(mixed, 'ledger', { serviceVersion: '3.4.0' }, report).version).toBe('3.0.0');
    expect(lines.warn).toHaveLength(1);
    expect(lines.warn[0]).toContain('fctl-plugin-ledger 3.2.0 serves this stack but cannot run here: ledger 3.2.0 speaks protocol version 2; this fctl (FCTL_PROTOCOL_VERSIONS=1) speaks 1');
    expect(lines.warn[0]).toContain('Using fctl-plugin-ledger 3.0.0');
    expect(lines.warn[0]).toContain('Unset FCTL_PROTOCOL_VERSIONS');
    expect(lines.debug).toEqual(['registry: skipped ledger 3.1.0 speaks protocol version 2; this fctl (FCTL_PROTOCOL_VERSIONS=1) speaks 1']);
  });

  it('a version recording no protocol versions is kept (the handshake tells, as before the field existed)', () => {
    process.env[PROTOCOL_VERSIONS_ENV] = '1';
    const registry = registryOf({ '1.0.0': { compatibleWith: '1.x', protocolVersions: [1] }, '1.1.0': { compatibleWith: '1.x' } });
    const { lines, report } = recorder();
    expect(chooseRelease(registry, 'ledger', { serviceVersion: '1.5.0' }, report).version).toBe('1.1.0');
    expect(lines.warn).toEqual([]);
  });

  it('when every version that serves the stack speaks only other protocols: an error listing each, and no version', () => {
    process.env[PROTOCOL_VERSIONS_ENV] = '1';
    const only = registryOf({ '5.0.0': { compatibleWith: '5.x', protocolVersions: [2] }, '5.1.0': { compatibleWith: '5.x', protocolVersions: [2, 3] } });
    const message = refusal(() => chooseRelease(only, 'ledger', { serviceVersion: '5.0.4' }, recorder().report)).message;
    expect(message).toContain('no version of the "ledger" plugin that serves Ledger v5.0.4 can run with this fctl (FCTL_PROTOCOL_VERSIONS=1)');
    expect(message).toContain('ledger 5.1.0 speaks protocol versions 2, 3; this fctl (FCTL_PROTOCOL_VERSIONS=1) speaks 1');
    expect(message).toContain('ledger 5.0.0 speaks protocol version 2;');
    expect(message).toContain('Nothing was downloaded');
    expect(message).toContain('fctl plugin install ledger --path');
  });

  it('an fctl at its default names upgrading fctl, not the variable', () => {
    const future = registryOf({ '9.0.0': { compatibleWith: '9.x', protocolVersions: [3] } });
    const message = refusal(() => chooseRelease(future, 'ledger', { serviceVersion: '9.0.0' })).message;
    expect(message).toContain('ledger 9.0.0 speaks protocol version 3; this fctl speaks 1, 2');
    expect(message).toContain('A newer fctl can run it: upgrade fctl.');
    expect(message).not.toContain('FCTL_PROTOCOL_VERSIONS');
  });

  it('--version naming a version this fctl cannot speak is refused, naming the protocols and the newest version it can run', () => {
    process.env[PROTOCOL_VERSIONS_ENV] = '1';
    const message = refusal(() => chooseRelease(mixed, 'ledger', { version: '3.1.0' }, recorder().report)).message;
    expect(message).toContain('fctl-plugin-ledger 3.1.0 cannot run with this fctl: ledger 3.1.0 speaks protocol version 2; this fctl (FCTL_PROTOCOL_VERSIONS=1) speaks 1');
    expect(message).toContain('fctl plugin install ledger --version 3.0.0');
    expect(chooseRelease(mixed, 'ledger', { version: '2.0.0' }).version).toBe('2.0.0');
  });

  it('a retired service version keeps its retirement message when protocols are not why', () => {
    const message = refusal(() => chooseRelease(mixed, 'ledger', { serviceVersion: '1.0.0' })).message;
    expect(message).toContain('no version of the "ledger" plugin serves Ledger v1.0.0');
    expect(message).not.toContain('protocol');
  });
});
