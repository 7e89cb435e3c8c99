// Read by the schema generator only (tools/emit-schemas.mjs compiles PluginsFileSchema into
// src/store/generated/plugins-file.ts: `npm run schemas`); fctl itself runs the generated validator.
//
// <config>/plugins.json, the record of installed plugins. fctl writes it, but it is a file on the
// user's disk: hand edits and damage happen, so it is checked like any input. Unknown fields are
// kept (a newer fctl may add some); what the schema cannot say (a build's path lies inside the
// store, names are unique) is checked in plugins-file.ts.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { UNKNOWN_FIELD_DEPTH } from './plugins-file-limits.js';

/**
 * An object with any keys, every value checked. (TypeBox's Record puts the value schema under
 * patternProperties "^(.*)$", and "." does not match a line break: a key holding "\n" would skip it.)
 */
function Dictionary<T extends TSchema>(value: T, options: Record<string, unknown> = {}) {
  return Type.Unsafe<Record<string, Static<T>>>({ ...options, type: 'object', additionalProperties: value });
}

export const STORED_PLUGIN_NAME_PATTERN = '^[a-z0-9][a-z0-9-]{0,62}$';

/** A semver version (as semver.valid prints it) or "dev" (a build from source). */
export const STORED_VERSION_PATTERN =
  '^(dev|(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(-(0|[1-9]\\d*|\\d*[A-Za-z-][0-9A-Za-z-]*)(\\.(0|[1-9]\\d*|\\d*[A-Za-z-][0-9A-Za-z-]*))*)?(\\+[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?)$';

const text = (maxLength: number, description: string) => Type.String({ minLength: 1, maxLength, description });

export { UNKNOWN_FIELD_DEPTH };

/**
 * Any JSON value nesting at most UNKNOWN_FIELD_DEPTH lists and objects, spelt out level by level in
 * definitions (no recursion in the schema; each level refers to the next, so ajv compiles each once):
 * a field added by a newer fctl is kept, but a value nested thousands deep, which no JSON.stringify
 * could write back, is refused like any damage.
 */
const scalar = ['string', 'number', 'boolean', 'null'];
const keptLevels = Object.fromEntries(
  Array.from({ length: UNKNOWN_FIELD_DEPTH + 1 }, (_, depth) => [
    `kept${depth}`,
    depth === 0
      ? { type: scalar, errorMessage: `nests lists and objects more than ${UNKNOWN_FIELD_DEPTH} deep` }
      : { type: [...scalar, 'array', 'object'], items: { $ref: `#/definitions/kept${depth - 1}` }, additionalProperties: { $ref: `#/definitions/kept${depth - 1}` } },
  ]),
);
const keepUnknown = { additionalProperties: Type.Unsafe<unknown>({ $ref: `#/definitions/kept${UNKNOWN_FIELD_DEPTH}` }) };

export const InstalledVersionSchema = Type.Object({
  compatibleWith: text(256, 'npm semver range over the service versions this build serves'),
  path: text(4096, 'Absolute path of the plugin file: inside <config>/plugins/<name>/, or the linked development build'),
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'sha256 of the plugin file', errorMessage: 'must be 64 lowercase hexadecimal digits' }),
  source: text(4096, 'Where it was installed from, e.g. "registry:https://..." or "link:/path"'),
  installedAt: Type.String({ maxLength: 64 }),
  service: text(64, 'The service the plugin drives'),
  description: Type.String({ maxLength: 1000 }),
  repository: Type.Optional(Type.String({ maxLength: 2048 })),
  issues: Type.Optional(Type.String({ maxLength: 2048 })),
  deprecated: Type.Optional(Type.String({ maxLength: 1000, description: "The registry's deprecation message" })),
}, keepUnknown);

export const StoredPluginSchema = Type.Object({
  name: Type.String({ pattern: STORED_PLUGIN_NAME_PATTERN, errorMessage: 'must be a plugin name (a-z, 0-9 and "-", at most 63 characters)' }),
  versions: Dictionary(InstalledVersionSchema, {
    propertyNames: { maxLength: 256, pattern: STORED_VERSION_PATTERN, errorMessage: 'is not a version (semver like 3.2.0, or "dev")' },
  }),
}, keepUnknown);

export const PluginsFileSchema = Type.Object({
  plugins: Type.Array(StoredPluginSchema, { maxItems: 10_000 }),
}, { ...keepUnknown, definitions: keptLevels });

export type InstalledVersion = Static<typeof InstalledVersionSchema>;
export type StoredPlugin = Static<typeof StoredPluginSchema>;
export type PluginsFile = Static<typeof PluginsFileSchema>;
