// The registry document (RFC 0002): metadata about plugin versions, kept apart from how binaries are
// distributed. Defined once here; `npm run schemas` (tools/emit-schemas.mjs) writes the JSON Schema
// (schema/registry.schema.json) and the validator the loader runs (src/generated/registry.ts).
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

export const RegistryVersionSchema = Type.Object(
  {
    compatibleWith: Type.String({ minLength: 1, maxLength: 256, description: 'npm semver range over the service version this plugin version serves' }),
    deprecated: Type.Optional(Type.String({ minLength: 1, maxLength: 1000, description: 'Shown on install and on every execution' })),
    checksumsSha256: Type.Optional(
      Type.String({ pattern: '^[0-9a-f]{64}$', description: 'sha256 of the release checksums.txt: pins it independently of where binaries come from' }),
    ),
    url: Type.Optional(urlTemplate),
  },
  { additionalProperties: false },
);

export const RegistryPluginSchema = Type.Object(
  {
    repo: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$', description: 'GitHub repository owner/name' })),
    type: Type.Optional(Type.String({ maxLength: 64, description: 'Kind of plugin, e.g. "stack"' })),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    distribution: Type.Optional(
      Type.Union(
        DISTRIBUTIONS.map((name) => Type.Literal(name)),
        { description: 'Distribution backend (default github-releases)' },
      ),
    ),
    url: Type.Optional(urlTemplate),
    oci: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'OCI repository, e.g. registry.example.com/fctl/ledger; the tag is the version' })),
    githubUrl: Type.Optional(Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 512, description: 'GitHub Enterprise: the web URL that serves release downloads (default https://github.com)' })),
    githubApiUrl: Type.Optional(Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 512, description: 'GitHub Enterprise: the REST API URL (default https://api.github.com), used by private-releases' })),
    publicKey: Type.Optional(
      Type.String({ pattern: '-----BEGIN PUBLIC KEY-----', maxLength: 4096, description: 'PEM public key (ECDSA P-256) that signs checksums.txt' }),
    ),
    versions: Dictionary(RegistryVersionSchema, { description: 'By semver version (checked by the loader)' }),
  },
  { additionalProperties: false },
);

export const RegistrySchema = Type.Object(
  {
    // Keys outside the pattern (one with a line break included: JavaScript's $ is the end of the text) are refused.
    plugins: Type.Record(Type.String({ pattern: PLUGIN_NAME_PATTERN }), RegistryPluginSchema, { additionalProperties: false }),
  },
  { additionalProperties: false },
);

export type RegistryDocument = Static<typeof RegistrySchema>;
export type RegistryPlugin = Static<typeof RegistryPluginSchema>;
export type RegistryVersion = Static<typeof RegistryVersionSchema>;
export type Distribution = (typeof DISTRIBUTIONS)[number];
