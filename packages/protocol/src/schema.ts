// The wire contract of protocol v1, defined once: TypeScript types are derived from these
// schemas, and `npm run schemas` writes them to schema/*.schema.json for other languages.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { JSON_PATH_PATTERN } from './constants.js';

/**
 * An object with any keys, every value checked. (TypeBox's Record puts the value schema under
 * patternProperties "^(.*)$", and "." does not match a line break: a key holding "\n" would skip it.)
 */
export function Dictionary<T extends TSchema>(value: T, options: Record<string, unknown> = {}) {
  return Type.Unsafe<Record<string, Static<T>>>({ ...options, type: 'object', additionalProperties: value });
}

const identifier = (description: string) =>
  Type.String({ pattern: '^[a-z][a-z0-9-]{0,62}$', description });

const jsonPath = Type.String({
  pattern: JSON_PATH_PATTERN,
  description: 'A JSONPath of the subset `$`, `.name`, `[index]`, `["any name"]` (see docs/protocol.md)',
});

export const FlagTypeSchema = Type.Union(
  [Type.Literal('string'), Type.Literal('bool'), Type.Literal('int'), Type.Literal('stringList')],
  { description: 'string: one value; bool: a switch; int: a safe integer; stringList: repeatable, or comma-separated' },
);

export const FlagSchema = Type.Object(
  {
    name: identifier('Long name, used as --name on the command line and as the key in execute.flags'),
    shorthand: Type.Optional(Type.String({ pattern: '^[a-zA-Z]$', description: 'One-letter alias, used as -x' })),
    type: FlagTypeSchema,
    description: Type.String({ maxLength: 1000 }),
    required: Type.Optional(Type.Boolean()),
    default: Type.Optional(
      Type.Union([Type.String(), Type.Boolean(), Type.Integer(), Type.Array(Type.String())], {
        description: 'Default value; must match the flag type',
      }),
    ),
    enum: Type.Optional(Type.Array(Type.String(), { minItems: 1, description: 'Allowed values of a string or stringList flag' })),
    persistent: Type.Optional(Type.Boolean({ description: 'Also accepted by every descendant command' })),
    hidden: Type.Optional(Type.Boolean()),
    deprecated: Type.Optional(Type.String({ minLength: 1, description: 'Shown when the flag is used' })),
  },
  { additionalProperties: false },
);

export const FormatSchema = Type.Union(
  [Type.Literal('string'), Type.Literal('number'), Type.Literal('timestamp'), Type.Literal('boolean')],
  { description: 'How the core renders a value in plain output' },
);

export const ColumnSchema = Type.Object(
  { header: Type.String({ minLength: 1 }), jsonPath, format: Type.Optional(FormatSchema) },
  { additionalProperties: false },
);

export const FieldSchema = Type.Object(
  { label: Type.String({ minLength: 1 }), jsonPath, format: Type.Optional(FormatSchema) },
  { additionalProperties: false },
);

export const SectionSchema = Type.Object(
  {
    title: Type.String({ minLength: 1 }),
    fields: Type.Optional(Type.Array(FieldSchema)),
    rowsPath: Type.Optional(jsonPath),
    columns: Type.Optional(Type.Array(ColumnSchema, { minItems: 1 })),
  },
  { additionalProperties: false, description: 'Fields of an object and/or a table of the array at rowsPath' },
);

export const DisplaySchema = Type.Union(
  [
    Type.Object(
      {
        rowsPath: Type.Optional(jsonPath),
        columns: Type.Array(ColumnSchema, { minItems: 1 }),
      },
      { additionalProperties: false, description: 'A list: one row per element of the array at rowsPath (default $)' },
    ),
    Type.Object(
      { sections: Type.Array(SectionSchema, { minItems: 1 }) },
      { additionalProperties: false, description: 'A single object shown as titled sections' },
    ),
  ],
  { description: 'How plain output renders the result data' },
);

export const ArgsSchema = Type.Object(
  {
    min: Type.Integer({ minimum: 0 }),
    max: Type.Optional(Type.Integer({ minimum: 0, description: 'Absent: no upper bound' })),
    names: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'Names shown in usage, e.g. ["ID"]' })),
  },
  { additionalProperties: false },
);

export interface CommandSpec {
  use: string;
  aliases?: string[];
  short: string;
  long?: string;
  examples?: string[];
  flags?: FlagSpec[];
  args?: ArgsSpec;
  confirm?: string;
  hidden?: boolean;
  deprecated?: string;
  display?: Display;
  commands?: CommandSpec[];
}

export const CommandSchema = Type.Recursive(
  (Self) =>
    Type.Object(
      {
        use: identifier('The command name as typed'),
        aliases: Type.Optional(Type.Array(identifier('Another name'))),
        short: Type.String({ minLength: 1, maxLength: 200, description: 'One-line help' }),
        long: Type.Optional(Type.String({ maxLength: 20000 })),
        examples: Type.Optional(Type.Array(Type.String(), { description: 'Example command lines' })),
        flags: Type.Optional(Type.Array(FlagSchema)),
        args: Type.Optional(ArgsSchema),
        confirm: Type.Optional(
          Type.String({ minLength: 1, description: 'A yes/no question the core asks before executing (--yes answers it)' }),
        ),
        hidden: Type.Optional(Type.Boolean()),
        deprecated: Type.Optional(Type.String({ minLength: 1, description: 'Shown when the command is used' })),
        display: Type.Optional(DisplaySchema),
        commands: Type.Optional(Type.Array(Self, { description: 'Subcommands; a command with subcommands is a group and does not execute' })),
      },
      { additionalProperties: false },
    ),
  { $id: 'Command' },
);

export const ManifestSchema = Type.Object(
  {
    name: identifier('Plugin name = the top-level command = the service name in /versions'),
    service: identifier('The service whose version this plugin follows'),
    version: Type.String({
      pattern: String.raw`^(dev|(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?)$`,
      description: 'The service version this plugin was built from (semver), or "dev"',
    }),
    protocolVersion: Type.Integer({ minimum: 1 }),
    description: Type.String({ minLength: 1, maxLength: 1000 }),
    repository: Type.Optional(Type.String({ pattern: '^https?://[^\\s]+$', description: 'Where the plugin source lives' })),
    issues: Type.Optional(Type.String({ pattern: '^https?://[^\\s]+$', description: 'Where users report plugin bugs' })),
    compatibleWith: Type.Optional(
      Type.String({ minLength: 1, description: 'npm semver range of service versions this build supports' }),
    ),
    flags: Type.Optional(Type.Array(FlagSchema, { description: 'Flags accepted by every command of the plugin' })),
    commands: Type.Array(CommandSchema, { minItems: 1 }),
  },
  { additionalProperties: false, $id: 'Manifest' },
);

export const AuthContextSchema = Type.Object(
  {
    serviceUrl: Type.String({ description: 'Base URL of the stack; the plugin appends its service paths' }),
    accessToken: Type.Optional(Type.String()),
    organizationId: Type.Optional(Type.String()),
    stackId: Type.Optional(Type.String()),
    insecureSkipTlsVerify: Type.Boolean(),
  },
  { additionalProperties: false },
);

export const OutputFormatSchema = Type.Union([Type.Literal('plain'), Type.Literal('json'), Type.Literal('yaml')]);

export const FlagValueSchema = Type.Union([Type.String(), Type.Boolean(), Type.Integer(), Type.Array(Type.String())]);

export const ErrorKindSchema = Type.Union(
  [
    Type.Literal('usage'),
    Type.Literal('auth'),
    Type.Literal('not_found'),
    Type.Literal('conflict'),
    Type.Literal('service'),
    Type.Literal('unavailable'),
    Type.Literal('cancelled'),
    Type.Literal('internal'),
    Type.Literal('protocol'),
  ],
  { description: 'What went wrong, for the core to choose wording and exit code' },
);

export const ErrorBodySchema = Type.Object(
  {
    kind: ErrorKindSchema,
    message: Type.String(),
    code: Type.Optional(Type.String({ description: 'A stable machine-readable code chosen by the plugin' })),
  },
  { additionalProperties: false },
);

// core -> plugin

export const CoreHelloSchema = Type.Object(
  {
    type: Type.Literal('hello'),
    protocolVersions: Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, description: 'Versions the core speaks' }),
    core: Type.Object({ name: Type.String(), version: Type.String() }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);

export const ExecuteSchema = Type.Object(
  {
    type: Type.Literal('execute'),
    id: Type.String({ minLength: 1 }),
    command: Type.Array(Type.String(), { minItems: 1, description: 'Canonical path below the plugin, e.g. ["transactions","list"]' }),
    args: Type.Array(Type.String()),
    flags: Dictionary(FlagValueSchema, { description: 'Every flag of the path, defaults applied' }),
    output: OutputFormatSchema,
    debug: Type.Boolean(),
    auth: AuthContextSchema,
    timeoutMs: Type.Integer({ minimum: 1, description: 'The core abandons the call after this long' }),
  },
  { additionalProperties: false },
);

export const CancelSchema = Type.Object(
  { type: Type.Literal('cancel'), id: Type.String({ minLength: 1 }), reason: Type.String() },
  { additionalProperties: false },
);

export const CoreMessageSchema = Type.Union([CoreHelloSchema, ExecuteSchema, CancelSchema]);

// plugin -> core

export const PluginHelloSchema = Type.Object(
  {
    type: Type.Literal('hello'),
    protocolVersion: Type.Integer({ minimum: 1, description: 'The version the plugin picked from the core offer' }),
    manifest: ManifestSchema,
  },
  { additionalProperties: false },
);

export const ResultSchema = Type.Object(
  { type: Type.Literal('result'), id: Type.String({ minLength: 1 }), data: Type.Unknown({ description: 'Any JSON value' }) },
  { additionalProperties: false },
);

export const PluginErrorSchema = Type.Object(
  {
    type: Type.Literal('error'),
    id: Type.Optional(Type.String({ minLength: 1, description: 'The execute id; absent for handshake errors' })),
    error: ErrorBodySchema,
    protocolVersions: Type.Optional(
      Type.Array(Type.Integer({ minimum: 1 }), { description: 'With code unsupported_protocol_version: what the plugin speaks' }),
    ),
  },
  { additionalProperties: false },
);

export const PluginMessageSchema = Type.Union([PluginHelloSchema, ResultSchema, PluginErrorSchema]);

export type FlagType = Static<typeof FlagTypeSchema>;
export type FlagSpec = Static<typeof FlagSchema>;
export type Format = Static<typeof FormatSchema>;
export type Column = Static<typeof ColumnSchema>;
export type Field = Static<typeof FieldSchema>;
export type Section = Static<typeof SectionSchema>;
export type Display = Static<typeof DisplaySchema>;
export type ArgsSpec = Static<typeof ArgsSchema>;
export type Manifest = Omit<Static<typeof ManifestSchema>, 'commands'> & { commands: CommandSpec[] };
export type AuthContext = Static<typeof AuthContextSchema>;
export type OutputFormat = Static<typeof OutputFormatSchema>;
export type FlagValue = Static<typeof FlagValueSchema>;
export type ErrorKind = Static<typeof ErrorKindSchema>;
export type ErrorBody = Static<typeof ErrorBodySchema>;
export type CoreHello = Static<typeof CoreHelloSchema>;
export type Execute = Static<typeof ExecuteSchema>;
export type Cancel = Static<typeof CancelSchema>;
export type CoreMessage = CoreHello | Execute | Cancel;
export type PluginHello = Omit<Static<typeof PluginHelloSchema>, 'manifest'> & { manifest: Manifest };
export type Result = Static<typeof ResultSchema>;
export type PluginError = Static<typeof PluginErrorSchema>;
export type PluginMessage = PluginHello | Result | PluginError;

/** Every schema published in schema/, by file stem. */
export const publishedSchemas: Record<string, TSchema> = {
  manifest: ManifestSchema,
  'core-message': CoreMessageSchema,
  'plugin-message': PluginMessageSchema,
};
