export * from './constants.js';
// Types only: the TypeBox schema objects (src/schema.ts) are for the generators and tests, so that
// neither fctl nor a plugin loads them at run time.
export type {
  ArgsSpec,
  AuthContext,
  Cancel,
  Column,
  CommandSpec,
  CoreHello,
  CoreMessage,
  Display,
  ErrorBody,
  ErrorKind,
  Execute,
  Field,
  FlagSpec,
  FlagType,
  FlagValue,
  Format,
  Manifest,
  OutputFormat,
  PluginError,
  PluginHello,
  PluginMessage,
  Result,
  Section,
} from './schema.js';
export * from './json-path.js';
export * from './validate.js';
export * from './schema-errors.js';
export * from './manifest.js';
export * from './lines.js';
export * from './flag-values.js';
export * from './json-depth.js';
export * from './terminal-text.js';
