// Hostile compat/scenarios.yaml files, loaded one after another by readScenarios in a child process:
// deep nesting (two such documents in a row used to abort V8 with "RegExpCompiler Allocation
// failed"), alias bombs, huge keys and strings, regular-expression syntax in every string field, and
// fuzzed YAML-ish text. Each must end in scenarios or a ScenarioError naming the file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it, onTestFinished } from 'vitest';
import { loadInChild } from '../../../test/support/loader-in-child.js';
import { SCENARIO_LIMITS } from '../src/scenarios.js';

const REGEX_SYNTAX = '(a+)+$[^\\]*(?<x>.)\\k<x>{1,}|.*?\\u{1F600}\\/';
const deep = (n: number, open: string, close: string, inner = '1') => `${open.repeat(n)}${inner}${close.repeat(n)}`;
const laughs = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...'bcdefghi'.split('').map((name, i) => `${name}: &${name} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`),
  'scenarios: [{ name: x, command: [*i] }]',
].join('\n');

/** [what, text, the error it must end in (a substring), or undefined when it loads]. */
const structured: Array<[string, string, string | undefined]> = [
  ['flow sequences 100,000 deep', `scenarios: ${deep(100_000, '[', ']')}`, 'nests mappings and lists more than 64 deep'],
  ['flow mappings 100,000 deep', `scenarios: ${deep(100_000, '{a: ', '}')}`, 'nests mappings and lists more than 64 deep'],
  ['quoted flow mappings 3,000 deep', `scenarios: ${deep(3_000, '{"a  ": ', '}', '"x  "')}`, 'nests mappings and lists more than 64 deep'],
  ['quoted flow sequences 3,000 deep, right after', `scenarios: ${deep(3_000, '[ "a  ", ', ']', "'b  '")}`, 'nests mappings and lists more than 64 deep'],
  ['compact block sequences 100,000 deep', `scenarios:\n  ${'- '.repeat(100_000)}x`, 'nests mappings and lists more than 64 deep'],
  ['an expected body nested 10,000 deep', `scenarios:\n  - name: a\n    command: [x]\n    expect: { json: ${deep(10_000, '[', ']')} }`, 'nests mappings and lists more than 64 deep'],
  ['a route body nested 10,000 deep', `scenarios:\n  - name: a\n    command: [x]\n    stack: { routes: { "GET /a": { body: ${deep(10_000, '{k: ', '}')} } } }`, 'nests mappings and lists more than 64 deep'],
  ['unterminated nesting', `scenarios: ${'['.repeat(1_000_000)}`, 'nests mappings and lists more than 64 deep'],
  ['a billion laughs', laughs, 'uses YAML aliases'],
  ['a 10 MB string', `scenarios:\n  - name: "${'x'.repeat(10 * 1024 * 1024)}"\n    command: [x]`, `over the limit of ${SCENARIO_LIMITS.maxBytes}`],
  ['a 900 kB route key', `scenarios:\n  - name: a\n    command: [x]\n    stack: { routes: { "GET /${'a'.repeat(900_000)}": {} } }`, 'must be "METHOD /path"'],
  ['a 900 kB name', `scenarios:\n  - name: ${'n'.repeat(900_000)}\n    command: [x]`, 'name must be a non-empty string (at most 200 characters)'],
  ['30,000 keys in one mapping', `scenarios:\n  - name: a\n    command: [x]\n    stack:\n      services:\n${Array.from({ length: 30_000 }, (_, i) => `        s${i}: 1.0.${i}`).join('\n')}`, undefined],
  ['a key repeated among 30,000', `scenarios:\n  - name: a\n    command: [x]\n    stack:\n      services:\n${Array.from({ length: 30_000 }, (_, i) => `        s${i % 29_999}: 1.0.${i}`).join('\n')}`, 'repeats the key scenarios[0].stack.services.s0'],
  ['an unknown tag', 'scenarios: !!js/function "function () { return 1 }"', 'is not valid YAML'],
  ['a merge key', 'a: &a { name: x }\nscenarios: [{ <<: *a, command: [x] }]', 'uses YAML aliases'],
  ['NUL and lone surrogates', 'scenarios:\n  - name: "\\0\\ud800"\n    command: ["\u0000"]', undefined],
  [
    'regular-expression syntax in every string field',
    stringify({
      scenarios: [
        {
          name: REGEX_SYNTAX,
          stack: { services: { [REGEX_SYNTAX]: REGEX_SYNTAX }, routes: { [`GET /${REGEX_SYNTAX.replaceAll(' ', '')}`]: { status: 200, body: { [REGEX_SYNTAX]: REGEX_SYNTAX } } } },
          command: [REGEX_SYNTAX, '--flag', REGEX_SYNTAX],
          expect: { exitCode: 0, json: [REGEX_SYNTAX], output: REGEX_SYNTAX, stderrContains: REGEX_SYNTAX },
        },
      ],
    }),
    undefined,
  ],
];

describe('hostile scenario files, loaded one after another in a child process', () => {
  it('each ends in scenarios or a ScenarioError naming the file: no abort, no hang, no bare TypeError', { timeout: 300_000 }, async () => {
    const work = mkdtempSync(join(tmpdir(), 'scenarios-attack-'));
    onTestFinished(() => rmSync(work, { recursive: true, force: true }));
    const yamlish = fc.string({ unit: fc.constantFrom(...'[]{}:,-?&*!|>\'"%@`#\n \t\\ab1.'.split('')), maxLength: 400 });
    const structuredFuzz = fc
      .record({ name: fc.anything(), stack: fc.anything(), command: fc.anything(), expect: fc.anything() }, { requiredKeys: [] })
      .map((scenario) => stringify({ scenarios: [scenario] }));
    const fuzz = fc.sample(fc.oneof(yamlish, fc.string({ maxLength: 300 }), structuredFuzz, fc.anything().map((value) => stringify(value) ?? '')), { numRuns: 400, seed: 11 });
    const texts = [...structured.map(([, text]) => text), ...fuzz];
    const files = texts.map((text, index) => {
      const file = join(work, `${index}.yaml`);
      writeFileSync(file, text);
      return file;
    });
    const run = await loadInChild(join(import.meta.dirname, '..', 'src', 'scenarios.ts'), 'readScenarios', files, work, 240_000);
    expect({ code: run.code, signal: run.signal }, run.stderr).toEqual({ code: 0, signal: null });
    expect(run.outcomes.map((outcome) => outcome.arg)).toEqual(files);
    for (const outcome of run.outcomes) {
      if (outcome.ok) continue;
      expect(outcome.error, outcome.message).toBe('ScenarioError');
      expect(outcome.message.startsWith(outcome.arg), outcome.message).toBe(true);
      expect(outcome.message.length).toBeLessThan(1000);
    }
    structured.forEach(([what, , problem], index) => {
      const outcome = run.outcomes[index]!;
      if (problem === undefined) expect(outcome.ok, `${what}: ${JSON.stringify(outcome).slice(0, 300)}`).toBe(true);
      else expect(outcome.ok ? 'loaded' : outcome.message, what).toContain(problem);
    });
    const regex = run.outcomes[structured.length - 1]!;
    if (regex.ok) expect(JSON.parse(regex.value)[0].expect.stderrContains).toBe(REGEX_SYNTAX);
  });
});
