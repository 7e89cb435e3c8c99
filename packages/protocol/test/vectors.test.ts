// Shared test vectors (test/vectors): every implementation of protocol v1, in any language, must
// accept the valid ones and reject the invalid ones. Checked here twice: against the published JSON
// Schema files with an independent validator, and through this package's decoders.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { checkManifest, decodeCoreMessage, decodePluginMessage, ProtocolViolation } from '../src/index.js';

interface Vector {
  schema: 'core-message' | 'plugin-message' | 'manifest';
  /** Schema-valid vectors refused by a later layer: the manifest rules, or the protocol's limits (depth). */
  layer?: 'rules' | 'limits';
  why?: string;
  message: unknown;
}

const here = import.meta.dirname;
const load = (kind: 'valid' | 'invalid') =>
  readdirSync(join(here, 'vectors', kind))
    .filter((file) => file.endsWith('.json'))
    .map((file) => [file, JSON.parse(readFileSync(join(here, 'vectors', kind, file), 'utf8')) as Vector] as const);

const schemaValidators = Object.fromEntries(
  (['core-message', 'plugin-message', 'manifest'] as const).map((stem) => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    return [stem, ajv.compile(JSON.parse(readFileSync(join(here, '..', 'schema', `${stem}.schema.json`), 'utf8')))];
  }),
);

function decode(vector: Vector): unknown {
  const line = JSON.stringify(vector.message);
  if (vector.schema === 'core-message') return decodeCoreMessage(line);
  if (vector.schema === 'plugin-message') return decodePluginMessage(line);
  return checkManifest(vector.message);
}

describe('valid vectors', () => {
  const vectors = load('valid');
  it('there are enough of them', () => expect(vectors.length).toBeGreaterThanOrEqual(12));
  it.each(vectors)('%s is accepted by the JSON Schema file and the decoder', (_file, vector) => {
    const validate = schemaValidators[vector.schema]!;
    expect(validate(vector.message), JSON.stringify(validate.errors)).toBe(true);
    expect(decode(vector)).toEqual(vector.message);
  });
});

describe('invalid vectors', () => {
  const vectors = load('invalid');
  it('there are enough of them, each saying why', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(15);
    for (const [, vector] of vectors) expect(vector.why).toBeTruthy();
  });
  it.each(vectors)('%s is rejected with a ProtocolViolation', (_file, vector) => {
    const schemaAccepts = schemaValidators[vector.schema]!(vector.message);
    // "rules" vectors are schema-valid; only the rules of checkManifest reject them ("limits": the depth limit).
    expect(schemaAccepts).toBe(vector.layer !== undefined);
    expect(() => decode(vector)).toThrow(ProtocolViolation);
  });
});
