// Shared test vectors of protocol v2 (test/vectors/v2): every implementation, in any language, must
// accept the valid ones and reject the invalid ones. Checked twice, as for v1: against the published
// JSON Schema files with an independent validator, and through this package's v2 decoders. Vectors
// at a limit carry `fill` (a long string built on load, so the files stay small) and `boundary`,
// the constant whose edge they sit on: at it when valid, one over when invalid.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import * as protocol from '../src/index.js';
import { bodyByteLength, decodeCoreMessageFor, decodePluginMessageFor, headerBytes, ProtocolViolation, type HttpBody, type HttpHeaders } from '../src/index.js';

interface Fill {
  /** Keys from the message down to the string to build. */
  at: Array<string | number>;
  repeat: string;
  count: number;
  suffix?: string;
}

interface Vector {
  schema: 'core-message' | 'plugin-message';
  /** Schema-valid vectors refused by the checks the schema cannot express (byte sizes, base64, UTF-8). */
  layer?: 'limits';
  boundary?: string;
  why?: string;
  fill?: Fill[];
  message: Record<string, unknown>;
}

const dir = join(import.meta.dirname, 'vectors', 'v2');

/** The message with every fill applied. */
function expanded(vector: Vector): Record<string, unknown> {
  const message = structuredClone(vector.message);
  for (const fill of vector.fill ?? []) {
    let parent: Record<string | number, unknown> = message;
    for (const key of fill.at.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
    parent[fill.at.at(-1)!] = fill.repeat.repeat(fill.count) + (fill.suffix ?? '');
  }
  return message;
}

const load = (kind: 'valid' | 'invalid') =>
  readdirSync(join(dir, kind))
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => [file, JSON.parse(readFileSync(join(dir, kind, file), 'utf8')) as Vector] as const);

const schemaValidators = Object.fromEntries(
  (['core-message', 'plugin-message'] as const).map((stem) => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    return [stem, ajv.compile(JSON.parse(readFileSync(join(import.meta.dirname, '..', 'schema', `${stem}-v2.schema.json`), 'utf8')))];
  }),
);

function decode(vector: Vector, message: unknown): unknown {
  const line = JSON.stringify(message);
  return vector.schema === 'core-message' ? decodeCoreMessageFor(2, line) : decodePluginMessageFor(2, line);
}

/** What each limit constant measures in a message. */
const MEASURES: Record<string, (message: Record<string, unknown>) => number> = {
  MAX_HTTP_REQUEST_BODY_BYTES: (message) => bodyByteLength(message.body as HttpBody) as number,
  MAX_HTTP_RESPONSE_BODY_BYTES: (message) => bodyByteLength(message.body as HttpBody) as number,
  MAX_HTTP_HEADER_BYTES: (message) => headerBytes(message.headers as HttpHeaders),
  MAX_HTTP_HEADER_COUNT: (message) => (message.headers as HttpHeaders).length,
  MAX_HTTP_METHOD_LENGTH: (message) => (message.method as string).length,
  MAX_HTTP_URL_LENGTH: (message) => (message.url as string).length,
  MAX_HTTP_ID_LENGTH: (message) => (message.id as string).length,
};

const valid = load('valid');
const invalid = load('invalid');

describe('valid v2 vectors', () => {
  it('there are enough of them', () => expect(valid.length).toBeGreaterThanOrEqual(30));
  it.each(valid)('%s is accepted by the JSON Schema file and the decoder', (_file, vector) => {
    const message = expanded(vector);
    const validate = schemaValidators[vector.schema]!;
    expect(validate(message), JSON.stringify(validate.errors)).toBe(true);
    expect(decode(vector, message)).toEqual(message);
  });
});

describe('invalid v2 vectors', () => {
  it('there are enough of them, each saying why', () => {
    expect(invalid.length).toBeGreaterThanOrEqual(40);
    for (const [, vector] of invalid) expect(vector.why).toBeTruthy();
  });
  it.each(invalid)('%s is rejected with a ProtocolViolation', (_file, vector) => {
    const message = expanded(vector);
    // "limits" vectors are schema-valid; only the decoder's checks reject them.
    expect(schemaValidators[vector.schema]!(message)).toBe(vector.layer !== undefined);
    expect(() => decode(vector, message)).toThrow(ProtocolViolation);
  });
});

describe('limit boundaries', () => {
  it('every limit constant has a vector at the limit and one just over it', () => {
    for (const constant of Object.keys(MEASURES)) {
      expect(valid.some(([, vector]) => vector.boundary === constant), `valid vector at ${constant}`).toBe(true);
      expect(invalid.some(([, vector]) => vector.boundary === constant), `invalid vector over ${constant}`).toBe(true);
    }
  });
  it.each([...valid, ...invalid].filter(([, vector]) => vector.boundary))('%s sits on its boundary', (_file, vector) => {
    const limit = (protocol as unknown as Record<string, number>)[vector.boundary!]!;
    expect(typeof limit).toBe('number');
    const isValid = valid.some(([, other]) => other === vector);
    expect(MEASURES[vector.boundary!]!(expanded(vector))).toBe(isValid ? limit : limit + 1);
  });
});
