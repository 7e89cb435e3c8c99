// The cell cache key (canonical, every input counted, digests normalized or refused) and the cache
// directory: a round trip, atomic files, and hostile entries that are misses, never crashes or hangs.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { canonicalCellKeyText, CellCache, cellCacheKey, sha256Hex, type CellOutcome } from '../src/matrix/index.js';

const digests = { coreDigest: sha256Hex('core'), protocolVersions: [1, 2], checksumsDigest: sha256Hex('checksums'), scenariosDigest: sha256Hex('scenarios') };

describe('cellCacheKey', () => {
  it('is sha256 over one canonical text, the same for sha256:, upper-case and bare digests', () => {
    expect(canonicalCellKeyText(digests)).toBe(
      `fctl-kit compat cell key 2\ncore sha256:${digests.coreDigest}\nprotocol-versions 1,2\nplugin-checksums sha256:${digests.checksumsDigest}\nscenarios sha256:${digests.scenariosDigest}\n`,
    );
    const key = cellCacheKey(digests);
    expect(key).toBe(sha256Hex(canonicalCellKeyText(digests)));
    expect(cellCacheKey({ ...digests, coreDigest: `sha256:${digests.coreDigest.toUpperCase()}` })).toBe(key);
  });

  it('changes with each input, and swapping two inputs is another key', () => {
    const key = cellCacheKey(digests);
    const other = sha256Hex('other');
    expect(new Set([key, cellCacheKey({ ...digests, coreDigest: other }), cellCacheKey({ ...digests, checksumsDigest: other }), cellCacheKey({ ...digests, scenariosDigest: other })]).size).toBe(4);
    expect(cellCacheKey({ ...digests, coreDigest: digests.checksumsDigest, checksumsDigest: digests.coreDigest })).not.toBe(key);
  });

  it('gives two cells that differ only in the protocol versions the core offers two keys', () => {
    const keys = [[1, 2], [1], [2], [2, 1]].map((protocolVersions) => cellCacheKey({ ...digests, protocolVersions }));
    expect(new Set(keys).size).toBe(4);
  });

  it.each([[[]], [[0]], [[1, 1]], [[1.5]], [['1']], [[-1]], ['1,2'], [undefined]])('refuses the offered protocol versions %j', (bad) => {
    expect(() => cellCacheKey({ ...digests, protocolVersions: bad as number[] })).toThrow('the offered protocol versions must be');
  });

  it.each([['sha512:' + 'a'.repeat(64)], ['a'.repeat(63)], ['g'.repeat(64)], [`${'a'.repeat(64)}\n`], [''], [42]])('refuses the digest %j', (bad) => {
    expect(() => cellCacheKey({ ...digests, scenariosDigest: bad as string })).toThrow('the scenarios digest must be a sha256 digest');
  });
});

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) {
    chmodSync(dir, 0o755);
    rmSync(dir, { recursive: true, force: true });
  }
});
function cacheDir() {
  const dir = mkdtempSync(join(tmpdir(), 'matrix-cache-'));
  dirs.push(dir);
  return dir;
}

const key = cellCacheKey(digests);
const outcome: CellOutcome = { status: 'fail', key, scenarios: [{ name: 'list', ok: false, problems: ['printed:\n</script>|`x`\n'], requests: ['GET /api/ledger/v3 -> 404'] }] };

describe('CellCache', () => {
  it('stores one JSON file per key under <2 hex>/<key>.json, atomically, and reads it back', async () => {
    const root = cacheDir();
    const cache = new CellCache(root);
    expect(await cache.get(key)).toEqual({ hit: false, reason: 'absent' });
    expect(await cache.put(key, outcome)).toEqual({ stored: true });
    expect(cache.pathFor(key)).toBe(join(root, key.slice(0, 2), `${key}.json`));
    expect(readdirSync(join(root, key.slice(0, 2)))).toEqual([`${key}.json`]); // no temporary left
    expect(JSON.parse(readFileSync(cache.pathFor(key), 'utf8'))).toEqual({ format: 'fctl-kit-compat-cell/1', key, outcome });
    expect(await cache.get(key)).toEqual({ hit: true, outcome });
    expect(await new CellCache(root).put(key, { ...outcome, status: 'pass', scenarios: [] })).toEqual({ stored: true });
    expect(await cache.get(key)).toEqual({ hit: true, outcome: { ...outcome, status: 'pass', scenarios: [] } });
  });

  it('refuses keys that are not 64 hex digits (no path out of the cache)', async () => {
    const cache = new CellCache(cacheDir());
    for (const bad of ['../../etc/passwd', key.toUpperCase(), `${key}/x`, '']) {
      await expect(cache.get(bad)).rejects.toThrow('a cache key is 64 lower-case hex digits');
      expect(() => cache.pathFor(bad)).toThrow();
    }
    expect(await cache.put(key, { ...outcome, key: sha256Hex('else') })).toMatchObject({ stored: false });
  });

  const hostile: [string, (path: string) => void, string][] = [
    ['truncated JSON', (path) => writeFileSync(path, '{"format":"fctl-kit-compat-cell/1","key"'), 'corrupt'],
    ['not UTF-8, not JSON', (path) => writeFileSync(path, Buffer.from([0xff, 0xfe, 0x00, 0x7b])), 'corrupt'],
    ['another key', (path) => writeFileSync(path, JSON.stringify({ format: 'fctl-kit-compat-cell/1', key: sha256Hex('x'), outcome })), 'corrupt'],
    ['an outcome of another key under this one', (path) => writeFileSync(path, JSON.stringify({ format: 'fctl-kit-compat-cell/1', key, outcome: { ...outcome, key: sha256Hex('x') } })), 'corrupt'],
    ['a pass with a failed scenario', (path) => writeFileSync(path, JSON.stringify({ format: 'fctl-kit-compat-cell/1', key, outcome: { ...outcome, status: 'pass' } })), 'corrupt'],
    ['a scenario whose problems are not texts', (path) => writeFileSync(path, JSON.stringify({ format: 'fctl-kit-compat-cell/1', key, outcome: { ...outcome, scenarios: [{ name: 'x', ok: false, problems: [{}], requests: [] }] } })), 'corrupt'],
    ['__proto__ keys', (path) => writeFileSync(path, `{"__proto__":{"hit":true},"format":"fctl-kit-compat-cell/1","key":"${key}","outcome":{"__proto__":{"status":"pass"}}}`), 'corrupt'],
    ['nesting a million deep (JSON.parse copes; the depth check refuses it)', (path) => writeFileSync(path, `${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`), 'corrupt'],
    ['nesting 10 000 deep', (path) => writeFileSync(path, `{"format":"fctl-kit-compat-cell/1","key":"${key}","outcome":${'['.repeat(10_000)}${']'.repeat(10_000)}}`), 'corrupt'],
    ['over the size limit', (path) => writeFileSync(path, Buffer.alloc(8 * 1024 * 1024 + 1, 0x20)), 'too-large'],
    ['a directory', (path) => mkdirSync(path), 'not-a-file'],
    ['a symbolic link to a valid entry elsewhere', (path) => {
      const elsewhere = join(cacheDir(), 'entry.json');
      writeFileSync(elsewhere, JSON.stringify({ format: 'fctl-kit-compat-cell/1', key, outcome }));
      symlinkSync(elsewhere, path);
    }, 'not-a-file'],
    ['a FIFO (opening it must not wait for a writer)', (path) => execFileSync('mkfifo', [path]), 'not-a-file'],
    ['unreadable (mode 000, as another user)', (path) => (writeFileSync(path, JSON.stringify({ format: 'fctl-kit-compat-cell/1', key, outcome })), chmodSync(path, 0)), 'unreadable'],
  ];

  it.each(hostile)('an entry that is %s is a miss', async (name, plant, reason) => {
    const cache = new CellCache(cacheDir());
    mkdirSync(join(cache.root, key.slice(0, 2)), { recursive: true });
    plant(cache.pathFor(key));
    const lookup = await cache.get(key);
    // root reads mode-000 files: there the entry is valid and a hit is the right answer.
    if (name.startsWith('unreadable') && process.getuid?.() === 0) expect(lookup).toEqual({ hit: true, outcome });
    else expect(lookup).toEqual({ hit: false, reason });
  });

  it('a corrupt entry is replaced by the next put', async () => {
    const cache = new CellCache(cacheDir());
    mkdirSync(join(cache.root, key.slice(0, 2)));
    writeFileSync(cache.pathFor(key), 'garbage');
    expect(await cache.put(key, outcome)).toEqual({ stored: true });
    expect(await cache.get(key)).toEqual({ hit: true, outcome });
  });

  it('a write that fails is reported, not thrown, and leaves no temporary file', async () => {
    const root = cacheDir();
    const cache = new CellCache(root);
    mkdirSync(cache.pathFor(key), { recursive: true }); // a directory where the file goes: rename fails
    const stored = await cache.put(key, outcome);
    expect(stored).toMatchObject({ stored: false, problem: expect.stringContaining(`cannot write ${cache.pathFor(key)}`) });
    expect(readdirSync(join(root, key.slice(0, 2)))).toEqual([`${key}.json`]);
    expect(statSync(cache.pathFor(key)).isDirectory()).toBe(true);
  });
});
