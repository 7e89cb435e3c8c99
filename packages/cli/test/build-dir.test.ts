// Where `fctl-kit build` writes without --out: beside the sources, where compat and release look.
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostTarget } from '@fctl-kit/binaries';
import { defaultBuildDir } from '../src/build-command.js';

describe('defaultBuildDir', () => {
  it('the host alone goes to <source-dir>/dist/host (fctl-kit compat reads it), by name or by its id', () => {
    expect(defaultBuildDir('cmd/fctl-plugin', ['host'])).toBe(join(resolve('cmd/fctl-plugin'), 'dist', 'host'));
    expect(defaultBuildDir('cmd/fctl-plugin', [hostTarget().id])).toBe(join(resolve('cmd/fctl-plugin'), 'dist', 'host'));
  });

  it('every target, or any other list, goes to <source-dir>/dist/release (fctl-kit release reads it)', () => {
    expect(defaultBuildDir('cmd/fctl-plugin', undefined)).toBe(join(resolve('cmd/fctl-plugin'), 'dist', 'release'));
    expect(defaultBuildDir('cmd/fctl-plugin', ['host', 'windows-amd64'])).toBe(join(resolve('cmd/fctl-plugin'), 'dist', 'release'));
    expect(defaultBuildDir('cmd/fctl-plugin', [])).toBe(join(resolve('cmd/fctl-plugin'), 'dist', 'release'));
  });
});
