import { describe, expect, it } from 'vitest';
import { parseTimeout, preScan, UsageError } from '../src/cli/globals.js';

describe('preScan', () => {
  it('finds the command and the global options wherever they stand', () => {
    const scan = preScan(['--debug', 'ledger', 'transactions', 'list', '-o', 'json', '--ledger', 'x', '--plugin-binary', 'ledger=/tmp/p'], {});
    expect(scan.command).toBe('ledger');
    expect(scan.globals).toMatchObject({ debug: true, output: 'json' });
    expect(scan.globals.pluginBinaries.get('ledger')).toBe('/tmp/p');
  });

  it('takes FCTL_PROFILE and FCTL_TIMEOUT from the environment, flags first', () => {
    expect(preScan(['ledger'], { FCTL_PROFILE: 'env', FCTL_TIMEOUT: '2m' }).globals).toMatchObject({ profile: 'env', timeoutMs: 120_000 });
    expect(preScan(['--profile', 'flag', 'ledger'], { FCTL_PROFILE: 'env' }).globals.profile).toBe('flag');
  });

  it('refuses bad values with usage errors', () => {
    expect(() => preScan(['-o', 'xml'], {})).toThrow(UsageError);
    expect(() => preScan(['--plugin-binary', 'nopath'], {})).toThrow(/NAME=PATH/);
    expect(() => parseTimeout('10')).toThrow(/unit/);
    expect(parseTimeout('1500ms')).toBe(1500);
  });
});
