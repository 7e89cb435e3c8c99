// The s3 backend's pure parts: the plan from a given state (upload, skip, refuse, and why), the
// registry source it records, publishesTo, the key layout and addressing, and the flags' checks.
import { describe, expect, it } from 'vitest';
import type { ReleaseArtifacts } from '../src/index.js';
import { s3Backend } from '../src/s3/backend.js';
import { plan, publishesTo } from '../src/s3/plan.js';
import type { S3Config } from '../src/s3/schema.js';
import { objectUrl, type S3Target } from '../src/s3/target.js';

const file = (name: string, size: number, sha256: string) => ({ name, kind: 'manifest' as const, size, sha256 });
const release: ReleaseArtifacts = { dir: '/build', name: 'ledger', version: '3.2.0', files: [file('a.json', 3, 'aa'), file('b.json', 4, 'bb'), file('checksums.txt', 5, 'cc')] };
const config: S3Config = { backend: 's3', bucket: 'releases', prefix: 'p' };
const target: S3Target = { bucket: 'releases', prefix: 'p', region: 'eu-west-1', addressing: 'virtual' };

describe('plan', () => {
  it('uploads what is absent, skips the same bytes, refuses other bytes (a size or a sha256 differing)', () => {
    const made = plan(config, release, { target, files: { 'a.json': { size: 3, sha256: 'aa' }, 'b.json': { size: 9 }, 'checksums.txt': null } });
    expect(made.actions).toEqual([
      { subject: 'a.json', action: 'skip', bytes: 0, reason: 'already in the bucket, same bytes' },
      { subject: 'checksums.txt', action: 'upload', bytes: 5, reason: 'not in the bucket yet: PUT with If-None-Match: *, read back after' },
    ]);
    expect(made.refusals).toEqual(['s3://releases/p/ledger/3.2.0/b.json already exists with other bytes: a published release is never overwritten (publish a new version)']);
    expect(made.location).toBe('s3://releases/p/ledger/3.2.0/');
    expect(plan(config, release, { target, files: { 'a.json': { size: 3, sha256: 'ab' }, 'b.json': null, 'checksums.txt': null } }).refusals).toHaveLength(1);
  });

  it('is pure: the same state gives the same plan, and the state is not changed', () => {
    const state = { target, files: { 'a.json': null, 'b.json': null, 'checksums.txt': null } };
    const frozen = JSON.stringify(state);
    expect(plan(config, release, state)).toEqual(plan(config, release, state));
    expect(JSON.stringify(state)).toBe(frozen);
  });

  it('the registry source: region always, endpoint when not AWS, addressing when not the default; publicBase records a url source', () => {
    expect(plan(config, release, { target, files: {} }).source).toEqual({ backend: 's3', bucket: 'releases', prefix: 'p', region: 'eu-west-1' });
    const custom = { ...target, endpoint: 'https://minio.example:9000', addressing: 'virtual' as const };
    expect(plan(config, release, { target: custom, files: {} }).source).toEqual({ backend: 's3', bucket: 'releases', prefix: 'p', region: 'eu-west-1', endpoint: 'https://minio.example:9000', addressing: 'virtual' });
    expect(plan({ ...config, publicBase: 'https://cdn.example/fctl/' }, release, { target, files: {} }).source).toEqual({ backend: 'url', url: 'https://cdn.example/fctl/{name}/{version}/{file}' });
  });
});

describe('publishesTo', () => {
  it('the same bucket and prefix; endpoint and region compared when both name one', () => {
    expect(publishesTo(config, { backend: 's3', bucket: 'releases', prefix: 'p', region: 'eu-west-1' })).toBe(true);
    expect(publishesTo(config, { backend: 's3', bucket: 'releases' })).toBe(false);
    expect(publishesTo(config, { backend: 's3', bucket: 'other', prefix: 'p' })).toBe(false);
    expect(publishesTo({ ...config, endpoint: 'https://MinIO.example/' }, { backend: 's3', bucket: 'releases', prefix: 'p', endpoint: 'https://minio.example' })).toBe(true);
    expect(publishesTo({ ...config, endpoint: 'https://minio.example' }, { backend: 's3', bucket: 'releases', prefix: 'p', endpoint: 'https://other.example' })).toBe(false);
    expect(publishesTo({ ...config, region: 'us-east-1' }, { backend: 's3', bucket: 'releases', prefix: 'p', region: 'eu-west-1' })).toBe(false);
    expect(publishesTo({ ...config, publicBase: 'https://cdn.example' }, { backend: 'url', url: 'https://cdn.example/{name}/{version}/{file}' })).toBe(true);
  });
});

describe('keys and addressing', () => {
  it('path-style and virtual-hosted URLs, each key segment encoded as SigV4 canonicalises it', () => {
    expect(objectUrl({ ...target, addressing: 'path' }, "p/ledger/1.0.0-rc.1+x/it's(1)").url.href).toBe("https://s3.eu-west-1.amazonaws.com/releases/p/ledger/1.0.0-rc.1%2Bx/it%27s%281%29");
    expect(objectUrl(target, 'p/k').url.href).toBe('https://releases.s3.eu-west-1.amazonaws.com/p/k');
    expect(objectUrl({ ...target, endpoint: 'http://localhost:9000' }, 'k')).toEqual({ url: new URL('http://releases.localhost:9000/k'), plainHttpOrigin: 'http://releases.localhost:9000' });
    expect(objectUrl({ ...target, endpoint: 'http://127.0.0.1:9000', addressing: 'path' }, 'k').url.href).toBe('http://127.0.0.1:9000/releases/k');
  });

  it('flags are checked as the schema checks a release section', () => {
    expect(s3Backend.configFrom({ bucket: 'releases', prefix: 'a/b', addressing: 'path' }, '/')).toEqual({ backend: 's3', bucket: 'releases', prefix: 'a/b', addressing: 'path' });
    expect(() => s3Backend.configFrom({ bucket: 'Bad_Bucket' }, '/')).toThrow('--backend s3: bucket "Bad_Bucket" is not an S3 bucket name');
    expect(() => s3Backend.configFrom({ bucket: 'releases', prefix: '/lead' }, '/')).toThrow('--backend s3: prefix "/lead" is not a key prefix');
    expect(() => s3Backend.configFrom({ bucket: 'releases', addressing: 'dns' }, '/')).toThrow('--backend s3: addressing "dns" is neither "path" nor "virtual"');
    expect(() => s3Backend.configFrom({ bucket: 'releases', endpoint: 'https://s3.example.com/path' }, '/')).toThrow('--backend s3: endpoint "https://s3.example.com/path" is not an http(s) origin');
  });
});
