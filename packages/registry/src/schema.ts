// The registry document (RFC 0002): metadata about plugin versions, kept apart from how binaries are
// distributed. Defined once here; `npm run schemas` (tools/emit-schemas.mjs) writes the JSON Schema
// (schema/registry.schema.json) and the validator the loader runs (src/generated/registry.ts), with
// the source schemas of every distribution backend (@fctl-kit/backends) passed to registrySchema.
import { Type, type Static, type TSchema } from '@sinclair/typebox';

export const PLUGIN_NAME_PATTERN = '^[a-z0-9][a-z0-9-]{0,62}$';
export const DISTRIBUTIONS = ['github-releases', 'private-releases', 'oci', 'url'] as const;

/**
 * An object with any keys, every value checked. (TypeBox's Record puts the value schema under
 * patternProperties "^(.*)$", and "." does not match a line break: a key holding "\n" would skip it.)
 */
function Dictionary<T extends TSchema>(value: T, options: Record<string, unknown> = {}) {
  return Type.Unsafe<Record<string, Static<T>>>({ ...options, type: 'object', additionalProperties: value });
}

const urlTemplate = Type.String({
  minLength: 1,
  maxLength: 2048,
  description:
    'Where the url backend finds a file of a release: a template with {name}, {version}, {file} (fctl-plugin-NAME-OS-ARCH[.exe], checksums.txt, checksums.txt.sig), {os} and {arch}; https, http to loopback only, or file',
});

/**
 * Where the files of a release are, as one backend names them: `backend` is its kind, the other
 * fields are that backend's. A source whose kind a backend defines is held to that backend's schema;
 * one of a kind this version of the tools does not know is kept (a registry may list a mirror a
 * newer fctl can use) and skipped by fctl when it installs.
 */
export interface RegistrySource {
  backend: string;
  [field: string]: unknown;
}

/** Bounds of a version's protocolVersions: the protocol gains a version per revision, so both are generous. */
export const MAX_PROTOCOL_VERSION = 1_000_000;
export const MAX_PROTOCOL_VERSIONS = 64;

/**
 * The plugin protocol versions a release speaks (docs/protocol.md 2.1), ascending (the loader checks
 * the order). Absent on entries registered before the field existed: unknown, see docs/registry.md.
 */
const protocolVersions = Type.Optional(
  Type.Array(Type.Integer({ minimum: 1, maximum: MAX_PROTOCOL_VERSION }), {
    minItems: 1,
    maxItems: MAX_PROTOCOL_VERSIONS,
    uniqueItems: true,
    description: 'The plugin protocol versions this release speaks, ascending (written by fctl-kit release); absent: unknown',
  }),
);

export const SOURCE_KIND_PATTERN = '^[a-z0-9][a-z0-9-]{0,62}$';
export const MAX_SOURCES = 16;

/** The kind a backend's source schema is for: its `backend` property's constant. */
function kindOf(schema: TSchema): string {
  const kind = (schema as { properties?: { backend?: { const?: unknown } } }).properties?.backend?.const;
  if (typeof kind !== 'string') throw new Error('a source schema must fix "backend" to its kind (Type.Literal)');
  return kind;
}

function sourceSchema(backendSources: TSchema[]) {
  return Type.Unsafe<RegistrySource>({
    type: 'object',
    required: ['backend'],
    properties: { backend: { type: 'string', pattern: SOURCE_KIND_PATTERN, description: 'The distribution backend: ' + (backendSources.map(kindOf).join(', ') || 'any') } },
    ...(backendSources.length ? { allOf: backendSources.map((schema) => ({ if: { properties: { backend: { const: kindOf(schema) } } }, then: schema })) } : {}),
  });
}

const sources = (backendSources: TSchema[], description: string) =>
  Type.Optional(Type.Array(sourceSchema(backendSources), { minItems: 1, maxItems: MAX_SOURCES, description }));

/** The registry document, its sources held to the given backends' source schemas. */
export function registrySchema(backendSources: TSchema[] = []) {
  const version = Type.Object(
    {
      compatibleWith: Type.String({ minLength: 1, maxLength: 256, description: 'npm semver range over the service version this plugin version serves' }),
      deprecated: Type.Optional(Type.String({ minLength: 1, maxLength: 1000, description: 'Shown on install and on every execution' })),
      checksumsSha256: Type.Optional(
        Type.String({ pattern: '^[0-9a-f]{64}$', description: 'sha256 of the release checksums.txt: pins it independently of where binaries come from' }),
      ),
      protocolVersions,
      sources: sources(backendSources, 'Where the files of this version are, in the order fctl tries them (mirrors): the first that serves files matching checksumsSha256 is used'),
      url: Type.Optional(urlTemplate),
    },
    { additionalProperties: false },
  );
  const plugin = Type.Object(
    {
      repo: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$', description: 'GitHub repository owner/name' })),
      type: Type.Optional(Type.String({ maxLength: 64, description: 'Kind of plugin, e.g. "stack"' })),
      description: Type.Optional(Type.String({ maxLength: 1000 })),
      sources: sources(backendSources, 'Where the files of versions that list no sources of their own are, in the order fctl tries them'),
      distribution: Type.Optional(
        Type.Union(
          DISTRIBUTIONS.map((name) => Type.Literal(name)),
          { description: 'Before sources: the one distribution backend of every version (default github-releases)' },
        ),
      ),
      url: Type.Optional(urlTemplate),
      oci: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'OCI repository, e.g. registry.example.com/fctl/ledger; the tag is the version' })),
      githubUrl: Type.Optional(Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 512, description: 'GitHub Enterprise: the web URL that serves release downloads (default https://github.com)' })),
      githubApiUrl: Type.Optional(Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 512, description: 'GitHub Enterprise: the REST API URL (default https://api.github.com), used by private-releases' })),
      publicKey: Type.Optional(
        Type.String({ pattern: '-----BEGIN PUBLIC KEY-----', maxLength: 4096, description: 'PEM public key (ECDSA P-256) that signs checksums.txt' }),
      ),
      versions: Dictionary(version, { description: 'By semver version (checked by the loader)' }),
    },
    { additionalProperties: false },
  );
  const publicKey = Type.Optional(
    Type.String({ pattern: '-----BEGIN PUBLIC KEY-----', maxLength: 4096, description: 'PEM public key (ECDSA P-256) that signs checksums.txt' }),
  );
  // A released fctl: the compat matrix fetches one per version it tests plugins against
  // (docs/compat.md, "Released cores"). Its files are fctl-OS-ARCH[.exe] and checksums.txt.
  const coreVersion = Type.Object(
    {
      checksumsSha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'sha256 of the release checksums.txt: pins the release whatever serves it' }),
      protocolVersions: Type.Array(Type.Integer({ minimum: 1, maximum: MAX_PROTOCOL_VERSION }), {
        minItems: 1,
        maxItems: MAX_PROTOCOL_VERSIONS,
        uniqueItems: true,
        description: 'The plugin protocol versions this fctl offers, ascending',
      }),
      sources: sources(backendSources, 'Where the files of this fctl version are, in the order they are tried'),
      deprecated: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
    },
    { additionalProperties: false },
  );
  const cores = Type.Object(
    {
      publicKey,
      sources: sources(backendSources, 'Where the files of fctl versions that list no sources of their own are'),
      versions: Dictionary(coreVersion, { description: 'By semver version (checked by the loader)' }),
    },
    { additionalProperties: false, description: 'Released versions of fctl itself, for the compat matrix' },
  );
  return Type.Object(
    {
      // Keys outside the pattern (one with a line break included: JavaScript's $ is the end of the text) are refused.
      plugins: Type.Record(Type.String({ pattern: PLUGIN_NAME_PATTERN }), plugin, { additionalProperties: false }),
      cores: Type.Optional(cores),
    },
    { additionalProperties: false },
  );
}

export const RegistrySchema = registrySchema();

export type RegistryDocument = Static<typeof RegistrySchema>;
export type RegistryPlugin = RegistryDocument['plugins'][string];
export type RegistryVersion = RegistryPlugin['versions'][string];
export type RegistryCores = NonNullable<RegistryDocument['cores']>;
export type RegistryCoreVersion = RegistryCores['versions'][string];
export type Distribution = (typeof DISTRIBUTIONS)[number];
