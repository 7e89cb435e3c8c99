// describeSchemaError against real ajv errors (compiled with the options tools/emit-schemas.mjs uses
// for the described validators): each keyword's wording, the place, and that values from the file
// are shown quoted, short and escaped.
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { placeOf, quoteValue, schemaErrorText, type SchemaError } from '../src/index.js';

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'kind'],
  properties: {
    name: { type: 'string', pattern: '^[a-z]+$', errorMessage: 'must use a-z' },
    count: { type: 'integer', minimum: 1 },
    tags: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1, maxLength: 3 } },
    mode: { enum: ['fast', 'slow'] },
    kind: {
      type: 'object',
      required: ['type'],
      discriminator: { propertyName: 'type' },
      oneOf: [
        { type: 'object', additionalProperties: false, properties: { type: { const: 'a' }, a: { type: 'string' } } },
        { type: 'object', additionalProperties: false, properties: { type: { enum: ['b', 'c'] } } },
      ],
    },
    map: { type: 'object', propertyNames: { pattern: '^[A-Z]+$', errorMessage: 'must be upper case' }, additionalProperties: { type: 'boolean' } },
  },
};
const validate = new Ajv({ strict: false, allErrors: false, verbose: true, discriminator: true }).compile(schema);
const ok = { name: 'x', kind: { type: 'a' } };
const problem = (value: unknown) => {
  expect(validate(value)).toBe(false);
  return schemaErrorText('f.json', validate.errors as SchemaError[], { field: 'setting' });
};

describe('describeSchemaError', () => {
  it.each([
    [{ ...ok, extra: 1 }, 'f.json: has unknown setting "extra" (known: name, count, tags, mode, kind, map)'],
    [{ kind: { type: 'a' } }, 'f.json: name is missing'],
    [{ ...ok, name: 'X' }, 'f.json: name must use a-z; got "X"'],
    [{ ...ok, count: 1.5 }, 'f.json: count must be an integer; got 1.5'],
    [{ ...ok, count: 0 }, 'f.json: count must be >= 1; got 0'],
    [{ ...ok, tags: [] }, 'f.json: tags must list at least 1 item'],
    [{ ...ok, tags: ['a', ''] }, 'f.json: tags[1] must not be empty'],
    [{ ...ok, tags: ['abcd'] }, 'f.json: tags[0] must be at most 3 characters long'],
    [{ ...ok, tags: {} }, 'f.json: tags must be a list; got an object'],
    [{ ...ok, mode: 'medium' }, 'f.json: mode must be one of fast, slow; got "medium"'],
    [{ ...ok, kind: { type: 'z' } }, 'f.json: kind.type must be one of a, b, c; got "z"'],
    [{ ...ok, kind: {} }, 'f.json: kind.type is missing'],
    [{ ...ok, kind: { type: 'b', a: 'x' } }, 'f.json: kind has unknown setting "a" (known: type)'],
    [{ ...ok, kind: { type: 'a', a: 1 } }, 'f.json: kind.a must be a string; got 1'],
    [{ ...ok, map: { lower: true } }, 'f.json: map has a key "lower" that must be upper case'],
    [{ ...ok, map: { 'A B/C~': 1 } }, 'f.json: map has a key "A B/C~" that must be upper case'],
    [{ ...ok, map: { ABC: 1 } }, 'f.json: map.ABC must be true or false; got 1'],
    [[ok], 'f.json: must be an object; got a list'],
  ])('%j -> %s', (value, text) => {
    expect(problem(value)).toBe(text);
  });

  it('names keys that are not identifiers in brackets, JSON Pointer escapes undone', () => {
    expect(placeOf('')).toBe('');
    expect(placeOf('/a/0/b')).toBe('a[0].b');
    expect(placeOf('/routes/GET ~1v~0x/status')).toBe('routes["GET /v~x"].status');
    expect(placeOf('/0')).toBe('[0]');
  });

  it('shows values of the file short, quoted and without control characters', () => {
    expect(quoteValue('x'.repeat(100))).toBe(`"${'x'.repeat(60)}…"`);
    expect(quoteValue('\u001b[2J\u009b31m\u0007\u2028')).toBe('"\\u001b[2J\\u009b31m\\u0007\\u2028"');
    expect(quoteValue({ a: 1 })).toBe('an object');
    expect(quoteValue([1])).toBe('a list');
    expect(quoteValue(undefined)).toBe('nothing');
    expect(problem({ ...ok, ['\u001b]0;title\u0007'.repeat(20)]: 1 }).length).toBeLessThan(200);
  });
});
