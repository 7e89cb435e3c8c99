// fctl-plugin.json, defined once: `npm run schemas` (tools/emit-schemas.mjs) writes the JSON Schema
// users' editors read (schema/fctl-plugin.schema.json) and the validator readPluginConfig runs
// (src/generated/plugin-config.ts), with the config schema of every distribution backend passed to
// pluginConfigFileSchema. The "release" section is read by `fctl-kit release`. Only the
// generator and tests load this module (and TypeBox); at run time the types are all that is used.
import { Type, type Static, type TSchema } from '@sinclair/typebox';

export const PLUGIN_CONFIG_NAME_PATTERN = '^[a-z0-9][a-z0-9-]{0,62}$';

/** A union of objects told apart by one field; errors name that field and the variant's own problems. */
function Tagged<T extends TSchema[]>(propertyName: string, variants: [...T], options: Record<string, unknown> = {}) {
  return Type.Unsafe<Static<T[number]>>({ ...options, type: 'object', required: [propertyName], discriminator: { propertyName }, oneOf: variants });
}

const text = (description: string) => Type.String({ pattern: '\\S', maxLength: 4096, errorMessage: 'must be a non-empty string', description });
const repo = (description: string) =>
  Type.String({ pattern: '^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$', maxLength: 256, errorMessage: 'must be owner/name', description });
const identifier = (description: string) =>
  Type.String({ pattern: PLUGIN_CONFIG_NAME_PATTERN, errorMessage: 'must use a-z, 0-9 and "-" (at most 63 characters, not starting with "-")', description });
const closed = { additionalProperties: false };

export const PLUGIN_LANGUAGES = ['typescript', 'go'] as const;

export const PluginLanguageSchema = Type.Union(
  PLUGIN_LANGUAGES.map((language) => Type.Literal(language)),
  { description: 'The language the plugin is written in, which decides how `fctl-kit build` builds it (default: typescript)' },
);

export const GoSettingsSchema = Type.Object(
  {
    main: Type.Optional(
      text('The Go main package, a directory from the plugin directory (default: "." - the plugin directory is the main package, cmd/fctl-plugin in the product module)'),
    ),
  },
  { ...closed, description: 'How a Go plugin ("language": "go") is built' },
);

export const VersionSourceSchema = Tagged(
  'source',
  [
    Type.Object({ source: Type.Literal('git-tag', { description: 'A vX.Y.Z (or <package>@X.Y.Z) tag on HEAD' }) }, closed),
    Type.Object({ source: Type.Literal('package-json'), path: text('The package.json whose "version" is the service version, from the plugin directory') }, closed),
    Type.Object({ source: Type.Literal('file'), path: text('A file holding the service version, from the plugin directory') }, closed),
  ],
  { description: 'Where the service version (= the plugin version) comes from; it is never written here' },
);

/**
 * An entry of release.backends: `backend` names a distribution backend, the other fields are that
 * backend's. The union of the backends' own config schemas (each backend's schema.ts in
 * @fctl-kit/backends) is passed in by the generator, so that this package does not depend on them.
 */
export interface ReleaseBackendEntry {
  backend: string;
  [field: string]: unknown;
}

export const releaseBackendSchema = (backendConfigs: TSchema[]) =>
  Type.Unsafe<ReleaseBackendEntry>({ type: 'object', required: ['backend'], discriminator: { propertyName: 'backend' }, oneOf: backendConfigs });

export const RegistryTargetSchema = Type.Object(
  {
    file: Type.Optional(text('A registry file, from the plugin directory')),
    github: Type.Optional(
      Type.Object(
        {
          repo: repo('The registry repository, owner/name (changed by a pull request)'),
          path: text('The registry file in that repository'),
          base: Type.Optional(text('The branch the pull request targets (default: the repository default branch)')),
          apiUrl: Type.Optional(text('GitHub Enterprise: the REST API URL')),
        },
        closed,
      ),
    ),
  },
  {
    ...closed,
    minProperties: 1,
    maxProperties: 1,
    errorMessage: 'must be { "file": "<path>" } or { "github": { "repo": "owner/name", "path": "<path>" } }',
    description: 'Where `fctl-kit release` registers the version',
  },
);

export const releaseSectionSchema = (backendConfigs: TSchema[]) =>
  Type.Object(
    {
      backends: Type.Array(releaseBackendSchema(backendConfigs), {
        minItems: 1,
        maxItems: 64,
        description: 'Where `fctl-kit release` publishes; the first is the one a new registry entry names, the others are mirrors',
      }),
      registry: Type.Optional(RegistryTargetSchema),
    },
    closed,
  );

/** fctl-plugin.json, its release backends held to `backendConfigs` (tools/emit-schemas.mjs passes every backend's). */
export const pluginConfigFileSchema = (backendConfigs: TSchema[]) =>
  Type.Object(
    {
      $schema: Type.Optional(Type.String({ maxLength: 4096 })),
      name: identifier('The plugin name: the fctl command'),
      service: identifier('The service whose version the plugin follows (its name in /versions)'),
      version: VersionSourceSchema,
      language: Type.Optional(PluginLanguageSchema),
      go: Type.Optional(GoSettingsSchema),
      release: Type.Optional(releaseSectionSchema(backendConfigs)),
    },
    { ...closed, title: 'fctl-plugin.json', description: 'An fctl plugin: its name, its service, where its version comes from, where it is released' },
  );

export type PluginConfigFile = Static<ReturnType<typeof pluginConfigFileSchema>>;
export type PluginLanguage = Static<typeof PluginLanguageSchema>;
export type GoSettings = Static<typeof GoSettingsSchema>;
export type VersionSource = Static<typeof VersionSourceSchema>;
export type ReleaseSection = Static<ReturnType<typeof releaseSectionSchema>>;
export type RegistryTargetEntry = Static<typeof RegistryTargetSchema>;
