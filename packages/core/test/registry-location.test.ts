import { describe, expect, it } from 'vitest';
import { parseRegistryLocation } from '../src/discovery/registry-location.js';

describe('parseRegistryLocation', () => {
  it('accepts https anywhere, http to loopback, and files (relative paths resolved)', () => {
    expect(parseRegistryLocation('https://registry.example.com/registry.yaml')).toMatchObject({ kind: 'url', display: 'https://registry.example.com/registry.yaml' });
    expect(parseRegistryLocation('http://127.0.0.1:8080/r.yaml')).toMatchObject({ kind: 'url' });
    expect(parseRegistryLocation('http://localhost/r.yaml')).toMatchObject({ kind: 'url' });
    expect(parseRegistryLocation('file:///srv/registry.yaml')).toEqual({ kind: 'file', path: '/srv/registry.yaml', display: '/srv/registry.yaml' });
    expect(parseRegistryLocation('registry.yaml', '/home/me')).toEqual({ kind: 'file', path: '/home/me/registry.yaml', display: '/home/me/registry.yaml' });
  });

  it('hides query strings from what it displays', () => {
    expect(parseRegistryLocation('https://example.com/r.yaml?token=secret').display).toBe('https://example.com/r.yaml');
  });

  it.each([
    ['http://registry.example.com/r.yaml', 'refusing plain http for the registry (registry.example.com): use https (http is allowed only to loopback)'],
    ['https://user:pass@example.com/r.yaml', 'the registry URL must not contain credentials'],
    ['ftp://example.com/r.yaml', 'unsupported registry URL scheme ftp: use https or a file'],
    ['  ', 'the registry location is empty'],
  ])('refuses %s', (text, message) => {
    expect(() => parseRegistryLocation(text)).toThrow(message);
  });
});
