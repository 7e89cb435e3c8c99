// Thousands of generated documents and ranges: the loader either returns a document or throws a
// RegistryError with a message, and resolution never throws.
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { placeKey } from '../src/duplicate-keys.js';
import { indexRegistry, parseRegistry, RegistryError, resolveVersion } from '../src/index.js';

const versionArb = fc.oneof(
  fc.tuple(fc.nat(20), fc.nat(20), fc.nat(20)).map(([a, b, c]) => `${a}.${b}.${c}`),
  fc.tuple(fc.nat(5), fc.nat(5), fc.nat(5), fc.constantFrom('rc.1', 'beta', 'alpha.2')).map(([a, b, c, p]) => `${a}.${b}.${c}-${p}`),
  fc.string({ maxLength: 12 }),
);
const rangeArb = fc.oneof(
  fc.tuple(fc.constantFrom('>=', '<', '^', '~', '', '>'), versionArb).map(([op, v]) => `${op}${v}`),
  fc.tuple(versionArb, versionArb).map(([a, b]) => `>=${a} <${b}`),
  fc.constantFrom('*', 'x', '1.x || >=2.5.0', '1.2.3 - 2.3.4', ''),
  fc.string({ maxLength: 20 }),
);
const nameArb = fc.oneof(fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/), fc.string({ maxLength: 10 }));
const pluginArb = fc.record(
  {
    repo: fc.oneof(fc.constant('owner/repo'), fc.string({ maxLength: 10 })),
    distribution: fc.constantFrom('github-releases', 'private-releases', 'oci', 'url', 'other'),
    url: fc.constant('https://example.com/{name}/{version}/{file}'),
    oci: fc.constant('registry.example.com/fctl/x'),
    versions: fc.dictionary(versionArb, fc.record({ compatibleWith: rangeArb, deprecated: fc.string({ minLength: 1 }) }, { requiredKeys: ['compatibleWith'] }), { maxKeys: 6 }),
  },
  { requiredKeys: ['versions'] },
);
const documentArb = fc.record({ plugins: fc.dictionary(nameArb, pluginArb, { maxKeys: 4 }) });

function load(text: string) {
  try {
    return parseRegistry(text, 'fuzz.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as Error).message).toMatch(/^the registry fuzz\.yaml /);
    return undefined;
  }
}

describe('registry fuzzing', () => {
  it('loads or refuses generated documents, and resolves every service version without throwing', () => {
    fc.assert(
      fc.property(documentArb, fc.array(versionArb, { maxLength: 5 }), (document, services) => {
        const loaded = load(stringify(document));
        if (!loaded) return;
        const index = indexRegistry(loaded);
        for (const name of Object.keys(loaded.plugins)) {
          for (const service of services) {
            const resolution = resolveVersion(index, name, service);
            expect(['found', 'no-compatible-version']).toContain(resolution.kind);
            if (resolution.kind === 'found') expect(Object.keys(loaded.plugins[name]!.versions)).toContain(resolution.version);
          }
        }
      }),
      { numRuns: 3000 },
    );
  }, 60_000);

  it('refuses arbitrary text and JSON values with a RegistryError, never a crash', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.json().map(String)), (text) => void load(text)), { numRuns: 3000 });
    fc.assert(fc.property(fc.anything(), (value) => void load(JSON.stringify(value) ?? 'null')), { numRuns: 2000 });
  }, 60_000);

  it('refuses a key repeated anywhere, in JSON and in YAML, naming its place', () => {
    fc.assert(
      fc.property(documentArb, fc.nat(), fc.boolean(), (document, pick, asJson) => {
        const objects = objectsOf(document);
        fc.pre(objects.length > 0);
        const target = objects[pick % objects.length]!;
        const text = emit(document, asJson, target.value);
        let message = '';
        try {
          parseRegistry(text, 'fuzz.yaml');
        } catch (error) {
          expect(error).toBeInstanceOf(RegistryError);
          message = (error as Error).message;
        }
        const key = Object.keys(target.value)[0]!;
        const place = [...target.path, key].map(placeKey).join('.');
        expect(message).toContain(`is invalid: ${place} is given twice (line `);
      }),
      { numRuns: 1500 },
    );
  }, 60_000);
});

type Value = string | Record<string, unknown>;

/** Every non-empty object of the document, with its path of keys. */
function objectsOf(value: Record<string, unknown>, path: string[] = []): Array<{ path: string[]; value: Record<string, unknown> }> {
  const found = Object.keys(value).length ? [{ path, value }] : [];
  for (const [key, child] of Object.entries(value)) if (child && typeof child === 'object') found.push(...objectsOf(child as Record<string, unknown>, [...path, key]));
  return found;
}

/** JSON or block YAML text of `value`, in which the object `repeat` lists its first key a second time, last. */
function emit(value: Record<string, unknown>, asJson: boolean, repeat: object, indent = ''): string {
  const entries = Object.entries(value);
  if (value === repeat) entries.push(entries[0]!);
  const scalar = (v: Value, inner: string) => (typeof v === 'string' ? JSON.stringify(v) : emit(v, asJson, repeat, inner));
  if (asJson) return `{${entries.map(([k, v]) => `\n${JSON.stringify(k)}: ${scalar(v as Value, '')}`).join(',')}}`;
  if (!entries.length) return '{}';
  return entries
    .map(([k, v]) => `\n${indent}${JSON.stringify(k)}:${typeof v === 'string' ? ` ${JSON.stringify(v)}` : ` ${scalar(v as Value, `${indent}  `)}`}`)
    .join('');
}
