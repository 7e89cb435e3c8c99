// What a person reads when a file fails its generated validator (tools/emit-schemas.mjs): the place
// in the file and the problem, e.g. `release.backends[1].backend must be one of url, oci; got "ftp"`.
// Validators generated with ajv's `verbose` option carry the failing schema, from which the known
// fields, the allowed values and a schema's own `errorMessage` are read. Values from the file are
// quoted, bounded and escaped: an error never prints a huge or control-character-laden value.

/** An error of a generated validator (ajv's ErrorObject, as far as it is read here). */
export interface SchemaError {
  instancePath: string;
  /** Where in the schema, e.g. `#/anyOf/2/required`. */
  schemaPath?: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
  propertyName?: string;
  parentSchema?: Record<string, unknown>;
  data?: unknown;
}

export interface SchemaErrorWords {
  /** What a key of this file is called: "field" (default) or "setting". */
  field?: string;
  /** What an object of this file is called: "an object" (default), "a mapping" for YAML. */
  object?: string;
}

export interface SchemaProblem {
  /** e.g. `release.backends[1].backend`; empty for the document itself. */
  place: string;
  /** e.g. `must be one of url, oci; got "ftp"`. */
  problem: string;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** A value of the file, printable in one short line. */
export function quoteValue(value: unknown, max = 60): string {
  if (typeof value === 'string') {
    const text = JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
    // JSON.stringify escapes C0 controls; DEL and the C1 controls (U+009B is a CSI) as well.
    return text.replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  }
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'a list';
  if (value === undefined) return 'nothing';
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** The JSON Pointer of an error as a path a person reads: /release/backends/1 -> release.backends[1]. */
export function placeOf(instancePath: string): string {
  if (!instancePath) return '';
  return instancePath
    .slice(1)
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((key, index) => (/^(0|[1-9]\d*)$/.test(key) ? `[${key}]` : IDENTIFIER.test(key) ? `${index ? '.' : ''}${key}` : `[${quoteValue(key)}]`))
    .join('');
}

/** The place of `key` inside `place`. */
function child(place: string, key: string): string {
  const segment = placeOf(`/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`);
  return place && !segment.startsWith('[') ? `${place}.${segment}` : `${place}${segment}`;
}

const TYPE_WORDS: Record<string, string> = { string: 'a string', integer: 'an integer', number: 'a number', boolean: 'true or false', array: 'a list', null: 'null' };

function allowed(values: unknown): string {
  return (Array.isArray(values) ? values : []).map((value) => (typeof value === 'string' ? value : JSON.stringify(value))).join(', ');
}

/** The tags a discriminated union accepts (each variant's const or enum of the tag). */
function tags(schema: Record<string, unknown> | undefined, tag: string): unknown[] {
  const variants = (schema?.oneOf ?? []) as Array<{ properties?: Record<string, { const?: unknown; enum?: unknown[] }> }>;
  return variants.flatMap((variant) => {
    const property = variant.properties?.[tag];
    return property?.const !== undefined ? [property.const] : (property?.enum ?? []);
  });
}

/** The first error of a failed validation as a place and a problem. */
export function describeSchemaError(errors: readonly SchemaError[] | null | undefined, words: SchemaErrorWords = {}): SchemaProblem {
  const error = errors?.[0];
  if (!error) return { place: '', problem: 'does not match its schema' };
  const field = words.field ?? 'field';
  const object = words.object ?? 'an object';
  const place = placeOf(error.instancePath);
  const isCollection = error.data !== null && typeof error.data === 'object';
  // What the file holds, when it says something: a scalar, or a collection where another type was expected.
  const got = !isCollection || error.keyword === 'type' ? `; got ${isCollection && !Array.isArray(error.data) ? object : quoteValue(error.data)}` : '';
  const own = typeof error.parentSchema?.errorMessage === 'string' ? error.parentSchema.errorMessage : undefined;
  const params = error.params;
  if (error.propertyName !== undefined) {
    return { place, problem: `has a key ${quoteValue(error.propertyName)} that ${own ?? `is not allowed (${error.message ?? 'invalid'})`}` };
  }
  switch (error.keyword) {
    case 'required':
      return { place: child(place, String(params.missingProperty)), problem: 'is missing' };
    case 'additionalProperties': {
      const known = Object.keys((error.parentSchema?.properties as Record<string, unknown> | undefined) ?? {});
      return { place, problem: `has unknown ${field} ${quoteValue(String(params.additionalProperty))}${known.length ? ` (known: ${known.join(', ')})` : ''}` };
    }
    case 'discriminator': {
      const tag = String(params.tag);
      const value = (error.data as Record<string, unknown> | undefined)?.[tag];
      if (value === undefined) return { place: child(place, tag), problem: 'is missing' };
      return { place: child(place, tag), problem: `must be one of ${allowed(tags(error.parentSchema, tag))}; got ${quoteValue(value)}` };
    }
  }
  if (own) return { place, problem: `${own}${got}` };
  switch (error.keyword) {
    case 'type': {
      const types = String(params.type).split(',');
      return { place, problem: `must be ${types.map((type) => (type === 'object' ? object : (TYPE_WORDS[type] ?? type))).join(' or ')}${got}` };
    }
    case 'enum':
      return { place, problem: `must be one of ${allowed(params.allowedValues)}${got}` };
    case 'const':
      return { place, problem: `must be ${quoteValue(params.allowedValue)}${got}` };
    case 'minLength':
      return { place, problem: params.limit === 1 ? 'must not be empty' : `must be at least ${String(params.limit)} characters long` };
    case 'maxLength':
      return { place, problem: `must be at most ${String(params.limit)} characters long` };
    case 'minItems':
      return { place, problem: `must list at least ${String(params.limit)} item${params.limit === 1 ? '' : 's'}` };
    case 'maxItems':
      return { place, problem: `must list at most ${String(params.limit)} items` };
    case 'maxProperties':
      return { place, problem: `must have at most ${String(params.limit)} entries` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { place, problem: `must be ${String(params.comparison)} ${String(params.limit)}${got}` };
    case 'pattern':
      return { place, problem: `must match ${String(params.pattern)}${got}` };
    default:
      return { place, problem: `${error.message ?? 'is invalid'}${got}` };
  }
}

/** `<source>: <place> <problem>`, the form every file loader reports. */
export function schemaErrorText(source: string, errors: readonly SchemaError[] | null | undefined, words?: SchemaErrorWords): string {
  const { place, problem } = describeSchemaError(errors, words);
  return `${source}: ${place ? `${place} ` : ''}${problem}`;
}
