// Hostile registry documents (a registry comes from the network), loaded one after another by
// parseRegistry in a child process: YAML nested 1,500 to 1,000,000 deep (yaml's composer recurses
// per level, and V8 aborted the whole process with "RegExpCompiler Allocation failed"), deep JSON,
// alias bombs, many documents, huge keys and fuzzed text. Each must end in a registry or a
// RegistryError naming the file: no abort, no exhausted heap, no bare TypeError.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it, onTestFinished } from 'vitest';
import { loadInChild } from '../../../test/support/loader-in-child.js';
import { MAX_REGISTRY_DEPTH } from '../src/index.js';

const deep = (n: number, open: string, close: string, inner = '1') => `${open.repeat(n)}${inner}${close.repeat(n)}`;
const TOO_DEEP_YAML = `nests mappings and lists more than ${MAX_REGISTRY_DEPTH} deep`;
const TOO_DEEP_JSON = `nests objects and lists more than ${MAX_REGISTRY_DEPTH} deep`;
const laughs = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...'bcdefghi'.split('').map((name, i) => `${name}: &${name} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`),
  'plugins: { x: { repo: o/r, versions: *i } }',
].join('\n');
const valid = 'plugins:\n  ledger:\n    repo: formancehq/ledger\n    versions:\n      3.2.0: { compatibleWith: ">=3.0.0 <4.0.0" }\n';

/** [what, text, the error it must end in (a substring), or undefined when it loads]. */
const structured: Array<[string, string, string | undefined]> = [
  ['YAML flow lists 1,500 deep', `plugins: ${deep(1_500, '[', ']')}`, TOO_DEEP_YAML],
  ['YAML flow lists 100,000 deep', `plugins: ${deep(100_000, '[', ']')}`, TOO_DEEP_YAML],
  ['YAML flow lists 1,000,000 deep', `plugins: ${deep(1_000_000, '[', ']')}`, TOO_DEEP_YAML],
  ['YAML flow mappings 100,000 deep, right after', `plugins: ${deep(100_000, '{a: ', '}')}`, TOO_DEEP_YAML],
  ['YAML flow mappings 500,000 deep (within the YAML size limit)', `plugins: ${deep(500_000, '{a: ', '}')}`, TOO_DEEP_YAML],
  ['YAML compact block lists 100,000 deep', `plugins:\n  ${'- '.repeat(100_000)}x`, TOO_DEEP_YAML],
  ['YAML block mappings 1,500 deep', `plugins:\n${Array.from({ length: 1_500 }, (_, i) => `${' '.repeat(i + 2)}k:`).join('\n')} 1\n`, TOO_DEEP_YAML],
  ['YAML unterminated nesting', `plugins: ${'['.repeat(1_000_000)}`, TOO_DEEP_YAML],
  ['YAML nesting inside a version entry', `plugins:\n  a:\n    repo: o/r\n    versions:\n      1.0.0: ${deep(100_000, '{x: ', '}')}`, TOO_DEEP_YAML],
  ['JSON lists 100,000 deep', `{"plugins": ${deep(100_000, '[', ']')}}`, TOO_DEEP_JSON],
  ['JSON lists 1,000,000 deep', `{"plugins": {"a": ${deep(1_000_000, '[', ']')}}}`, TOO_DEEP_JSON],
  ['JSON objects 1,000,000 deep beside plugins', `{"plugins": {}, "junk": ${deep(1_000_000, '{"k":', '}')}}`, TOO_DEEP_JSON],
  ['JSON unterminated nesting (then parsed as YAML)', `{"plugins": ${'['.repeat(1_000_000)}`, TOO_DEEP_YAML],
  ['a billion laughs', laughs, 'uses YAML aliases'],
  ['a merge key', 'a: &a { repo: o/r, versions: {} }\nplugins: { x: { <<: *a } }', 'uses YAML aliases'],
  ['a second document', `${valid}---\nplugins:\n  evil: { repo: e/r, versions: {} }\n`, 'holds more than one YAML document (---)'],
  ['10,000 documents', `${valid}${'---\nplugins: {}\n'.repeat(10_000)}`, 'holds more than one YAML document (---)'],
  ['a YAML 1.1 tag (!!binary)', 'plugins: !!binary aGVsbG8=\n', 'Unresolved tag: tag:yaml.org,2002:binary'],
  ['a custom tag', 'plugins: !js/function "function () {}"\n', 'Unresolved tag: !js/function'],
  ['a 3 MB YAML key', `plugins:\n  ${'k'.repeat(3_000_000)}: {}\n`, 'is not valid YAML or JSON'],
  ['a 3 MB quoted YAML plugin name', `plugins:\n  "${'k'.repeat(3_000_000)}": { repo: o/r, versions: {} }\n`, 'is not valid YAML or JSON'],
  ['a 10 MB JSON plugin name', `{"plugins": {"${'k'.repeat(10_000_000)}": {"repo": "o/r", "versions": {}}}}`, 'is not allowed: names use only a-z'],
  ['a 10 MB JSON version key', `{"plugins": {"a": {"repo": "o/r", "versions": {"${'1'.repeat(10_000_000)}": {"compatibleWith": "*"}}}}}`, 'is not a semver version'],
  ['a key repeated among 40,000 (YAML)', `plugins:\n  a:\n    repo: o/r\n    versions:\n${Array.from({ length: 40_000 }, (_, i) => `      1.0.${i % 39_999}: {compatibleWith: "*"}`).join('\n')}\n`, 'plugins.a.versions.1.0.0 is given twice'],
  ['a 20 MB document', `${valid}#${'x'.repeat(20 * 1024 * 1024)}`, 'over the limit of'],
  ['a valid registry, after all that', valid, undefined],
];

describe('hostile registry documents, loaded one after another in a child process', () => {
  it('each ends in a registry or a RegistryError naming the file: no abort, no hang, no bare TypeError', { timeout: 400_000 }, async () => {
    const work = mkdtempSync(join(tmpdir(), 'registry-attack-'));
    onTestFinished(() => rmSync(work, { recursive: true, force: true }));
    const yamlish = fc.string({ unit: fc.constantFrom(...'[]{}:,-?&*!|>\'"%@`#\n \t\\ab1.'.split('')), maxLength: 400 });
    const structuredFuzz = fc
      .record({ repo: fc.anything(), distribution: fc.anything(), versions: fc.anything(), url: fc.anything() }, { requiredKeys: [] })
      .map((plugin) => stringify({ plugins: { fuzz: plugin } }));
    const jsonFuzz = fc.anything().map((value) => JSON.stringify({ plugins: value }) ?? '');
    const fuzz = fc.sample(fc.oneof(yamlish, fc.string({ maxLength: 300 }), structuredFuzz, jsonFuzz, fc.anything().map((value) => stringify(value) ?? '')), { numRuns: 400, seed: 11 });
    const texts = [...structured.map(([, text]) => text), ...fuzz];
    const files = texts.map((text, index) => {
      const file = join(work, `${index}.${index < structured.length && text.startsWith('{') ? 'json' : 'yaml'}`);
      writeFileSync(file, text);
      return file;
    });
    const run = await loadInChild(join(import.meta.dirname, 'support', 'read-registry-file.ts'), 'readRegistryFile', files, work, 360_000);
    expect({ code: run.code, signal: run.signal }, run.stderr).toEqual({ code: 0, signal: null });
    expect(run.outcomes.map((outcome) => outcome.arg)).toEqual(files);
    for (const outcome of run.outcomes) {
      if (outcome.ok) continue;
      expect(outcome.error, outcome.message).toBe('RegistryError');
      expect(outcome.message.startsWith(`the registry ${outcome.arg} `), outcome.message).toBe(true);
      expect(outcome.message.length).toBeLessThan(1000);
      expect(outcome.message).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    }
    structured.forEach(([what, , problem], index) => {
      const outcome = run.outcomes[index]!;
      if (problem === undefined) expect(outcome.ok, `${what}: ${JSON.stringify(outcome).slice(0, 300)}`).toBe(true);
      else expect(outcome.ok ? 'loaded' : outcome.message, what).toContain(problem);
    });
  });
});
